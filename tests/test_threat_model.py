"""docs/threat-model.md: every claim names a test, and every test it names exists."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from notebooks import ROOT

DOCUMENT = ROOT / "docs" / "threat-model.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _claims() -> list[str]:
    """The document's bullet points, each joined into one line."""
    claims, current = [], None
    for line in DOCUMENT.read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            current = line
            claims.append(current)
        elif line.startswith("  ") and claims and current is not None:
            claims[-1] += " " + line.strip()
        else:
            current = None
    return claims


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test")}


def test_every_claim_names_a_test():
    # The one bullet that is a premise, not a claim: the instructor and the grader are trusted.
    claims = [claim for claim in _claims() if not claim.startswith("- **The instructor**")]
    assert len(claims) >= 20
    unnamed = [claim[:80] for claim in claims if not REFERENCE.search(claim)]
    assert not unnamed, unnamed


def test_every_named_test_exists():
    references = REFERENCE.findall(DOCUMENT.read_text(encoding="utf-8"))
    assert len(references) >= 30
    missing = []
    for file, name in references:
        path = ROOT / file
        if not path.is_file() or name not in _test_functions(path):
            missing.append(f"{file}::{name}")
    assert not missing, missing


def test_the_readme_links_the_threat_model():
    assert "docs/threat-model.md" in (ROOT / "README.md").read_text(encoding="utf-8")
