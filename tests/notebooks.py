"""Helpers for the course tests: run notebooks, read what nbgrader would read from them."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

# Japanese text: a character of it, and a half-width space between two (a leftover of English emphasis,
# "勾配の 和"; spaces around numbers and code stay).
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff、。]")
STRAY_SPACE = re.compile(f"{JAPANESE.pattern} +{JAPANESE.pattern}")
CELL_TIMEOUT = 120  # the course's nbgrader setting; a hang guard here, not a speed test


def assignment_names() -> list[str]:
    return sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


def solution(name: str):
    """The instructor's source notebook of an assignment."""
    return read(ROOT / "solutions" / name / f"{name}.ipynb")


def released(name: str):
    """The committed student release of an assignment."""
    return read(ROOT / "assignments" / name / f"{name}.ipynb")


def answer_cells(notebook) -> list:
    """The code cells a student fills in (nbgrader solution cells)."""
    return [c for c in notebook.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")]


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell) -> bool:
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def execute(notebook, folder: Path, allow_errors: bool = False, env: dict | None = None):
    """Run ``notebook`` in a fresh python3 kernel whose working directory is ``folder``."""
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(folder)}})
    client.execute(**({"env": env} if env else {}))
    return notebook


def errors(cell) -> list[str]:
    return [output.ename for output in cell.get("outputs", []) if output.output_type == "error"]


def stderr(cell) -> str:
    return "".join(o.text for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stderr")


def result_value(cell):
    """The cell's last-expression value as nbgrader reads it (text/plain), or None."""
    for output in cell.get("outputs", []):
        if output.output_type == "execute_result":
            return output.data.get("text/plain")
    return None


def with_answers_from(released, solution):
    """The released notebook with each answer cell replaced by the solution's cell of the same grade_id."""
    answers = {nbgrader_meta(c).get("grade_id"): c.source for c in solution.cells if nbgrader_meta(c).get("solution")}
    filled = read_copy(released)
    for cell in filled.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            cell.source = answers[meta["grade_id"]]
    return filled


def read_copy(notebook):
    return nbformat.reads(nbformat.writes(notebook), as_version=4)


def copy_course(target: Path) -> Path:
    """A temporary course: the config, solutions/ and assignments/ (no gradebook, no submissions)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", target)
    for folder in ("solutions", "assignments"):
        shutil.copytree(ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return target


def blocked_modules_path(tmp_path: Path, *names: str) -> Path:
    """A folder that, first on PYTHONPATH, makes ``import NAME`` fail for each name, as on a student's machine."""
    folder = tmp_path / "blocked-modules"
    for name in names:
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "__init__.py").write_text(
            f'raise ImportError("{name} is not installed on a student\'s machine")\n', encoding="utf-8")
    return folder
