"""Demo cells (plots, training runs) are recognisable, and no graded cell depends on them.

Every code cell of a source notebook is one of: the setup cell, an answer cell, a test cell, or a
demo cell, which starts with ``%%demo`` and carries the ``demo`` tag (``autograder.authoring.demo``).
A grader may therefore skip demo cells: no answer or test cell reads a name that only a demo cell
defines.
"""
import pytest

from autograder.authoring import DEMO_MAGIC, DEMO_TAG, is_demo
from autograder.grading.plan import names_read
from autograder.runtime.calls import assigned_names

from notebooks import assignment_names, nbgrader_meta, solution

ASSIGNMENTS = assignment_names()


def kind(cell) -> str:
    meta = nbgrader_meta(cell)
    if meta.get("grade_id") == "setup":
        return "setup"
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "demo" if is_demo(cell) else "untagged"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_plain_code_cell_is_a_tagged_demo(name):
    for cell in solution(name).cells:
        if cell.cell_type == "code" and kind(cell) == "untagged":
            pytest.fail(f"{name}: a code cell that is neither setup, answer, test nor demo: {cell.source[:80]!r}")
        if kind(cell) == "demo":
            assert cell.source.startswith(DEMO_MAGIC + "\n") and DEMO_TAG in cell.metadata["tags"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_graded_cell_reads_a_name_only_a_demo_cell_defines(name):
    cells = [c for c in solution(name).cells if c.cell_type == "code"]
    graded_defines = set().union(*(assigned_names(c.source) for c in cells if kind(c) in ("setup", "answer")))
    demo_defines = set().union(*(assigned_names(c.source) for c in cells if kind(c) == "demo")) - graded_defines
    for cell in cells:
        if kind(cell) in ("answer", "test"):
            used = names_read(cell.source) & demo_defines
            assert not used, f"{name}: {nbgrader_meta(cell)['grade_id']} reads {sorted(used)}, defined only by a demo"


def test_the_dependency_check_sees_a_dependency():
    """Not vacuous: a demo name read by an answer cell is found."""
    assert "digits" in assigned_names("%%demo\ndigits = load()\n")
    assert "digits" in names_read("def f(x):\n    return digits[x]\n")
