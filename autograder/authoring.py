"""Build nbgrader source notebooks in the course's shape (for instructors adding exercises).

An exercise in a notebook is four cells, in this order (see ``exercise_cells``; a quiz item is
three, see ``quiz_cells``):

1. markdown: what it is and the formula, in Japanese then English (locked);
2. the answer: the signature and docstring, and the solution between ``### BEGIN SOLUTION`` and
   ``### END SOLUTION`` (nbgrader replaces it with a stub that raises NotImplementedError);
3. a visible test cell: one ``grade(...)`` call (points; partial credit = score × points);
4. a hidden test cell: one ``grade(..., suite="hidden")`` call inside ``### BEGIN HIDDEN TESTS``.

Every notebook starts with :func:`setup_cell`, which imports the checker: the course's ``autograder``
where it is installed (grading), else the ``dlcheck`` copy released next to the notebook (students).
"""
from __future__ import annotations

from pathlib import Path

import nbformat

SCHEMA_VERSION = 3

SETUP_SOURCE = '''\
import numpy as np
import matplotlib.pyplot as plt
import matplotlib_fontja  # noqa: F401 - Japanese labels in figures

try:
    from autograder import grade, set_language, setup_notebook  # the course's checker (grading)
except ImportError:
    from dlcheck import grade, set_language, setup_notebook  # the copy released next to this notebook

setup_notebook()  # %%demo cells: a demo whose exercise is unfinished says which, and Run All goes on

# チェッカーのメッセージを英語にするには、別のセルで set_language("en") を実行します (日本語は "ja")。
# To switch the checker's messages to English, run set_language("en") in another cell ("ja": Japanese).'''

# A demo cell (a plot, a training run) starts with this line and carries this tag: no graded cell
# depends on it, and an unfinished exercise it uses is reported instead of stopping Run All.
DEMO_MAGIC = "%%demo"
DEMO_TAG = "demo"


def _cell_id(text: str) -> str:
    """nbformat cell ids: 1-64 of letters, digits, '-' and '_'."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)[:64]


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def markdown(grade_id: str, source: str, locked: bool = True):
    cell = nbformat.v4.new_markdown_cell(source.strip("\n"), id=_cell_id(grade_id))
    if locked:
        cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=False, solution=False, locked=True)
    return cell


def code(cell_id: str, source: str):
    """A plain code cell: not graded, editable."""
    return nbformat.v4.new_code_cell(source.strip("\n"), id=_cell_id(cell_id))


def demo(cell_id: str, source: str):
    """A demo cell (a plot, a training run): ``%%demo`` first, tagged ``demo``; not graded."""
    cell = code(cell_id, f"{DEMO_MAGIC}\n{source.strip(chr(10))}")
    cell.metadata["tags"] = [DEMO_TAG]
    return cell


def is_demo(cell) -> bool:
    return cell.get("cell_type") == "code" and DEMO_TAG in cell.get("metadata", {}).get("tags", [])


def unblock_top_level_stubs(notebook) -> int:
    """In a released notebook, answer cells whose stub raises at the top level (quiz items) no longer
    raise: the ``answer = None`` above it stays, and the check reports the item as unanswered.

    nbgrader's one ``code_stub`` suits function bodies, where the raise only runs when the function
    is called; at a cell's top level it would stop Run All. Returns how many cells changed.
    """
    from nbgrader.utils import compute_checksum, is_solution

    changed = 0
    stub = "# YOUR CODE HERE\nraise NotImplementedError()"
    for cell in notebook.cells:
        if cell.cell_type == "code" and is_solution(cell) and stub in cell.source:
            cell.source = cell.source.replace(stub, "# YOUR ANSWER HERE: replace None above with your answer")
            if "checksum" in cell.metadata.get("nbgrader", {}):
                cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
            changed += 1
    return changed


def setup_cell():
    cell = nbformat.v4.new_code_cell(SETUP_SOURCE, id="setup")
    cell.metadata["nbgrader"] = _nbgrader("setup", grade=False, solution=False, locked=True)
    return cell


def answer(grade_id: str, source: str):
    """An autograded-answer cell: must contain ``### BEGIN SOLUTION`` / ``### END SOLUTION``."""
    if "### BEGIN SOLUTION" not in source:
        raise ValueError(f"{grade_id}: an answer cell needs a ### BEGIN SOLUTION region")
    cell = nbformat.v4.new_code_cell(source.strip("\n"), id=_cell_id(grade_id))
    cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=False, solution=True, locked=False)
    return cell


def test_cell(grade_id: str, source: str, points: float):
    cell = nbformat.v4.new_code_cell(source.strip("\n"), id=_cell_id(grade_id))
    cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=True, solution=False, locked=True, points=points)
    return cell


def manual_answer(grade_id: str, model_answer: str, points: float):
    """A manually graded markdown answer; the model answer is removed from the release."""
    source = f"### BEGIN SOLUTION\n{model_answer.strip()}\n### END SOLUTION"
    cell = nbformat.v4.new_markdown_cell(source, id=_cell_id(grade_id))
    cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=True, solution=True, locked=False, points=points)
    return cell


def exercise_cells(exercise_id: str, name: str, prose: str, solution_source: str,
                   visible_points: float = 1, hidden_points: float = 2) -> list:
    """The four cells of one exercise; ``name`` is the function or class the student defines."""
    slug = exercise_id.replace(".", "-")
    return [
        markdown(f"{slug}-text", prose),
        answer(slug, solution_source),
        test_cell(f"{slug}-visible", f'grade("{exercise_id}", {name}, points={visible_points})', visible_points),
        test_cell(f"{slug}-hidden",
                  f'### BEGIN HIDDEN TESTS\ngrade("{exercise_id}", {name}, points={hidden_points}, suite="hidden")\n'
                  f'### END HIDDEN TESTS', hidden_points),
    ]


def quiz_cells(quiz_id: str, variable: str, question: str, answer_source: str, points: float = 1) -> list:
    """The three cells of an auto-graded quiz item: the question, the answer, one test cell.

    ``answer_source`` is the key as Python source (``"2"``, ``"0.25"``, ``"'image[top:bottom, :]'"``);
    the student's cell starts as ``variable = None`` and the check reports an unanswered item as such.
    """
    slug = quiz_id.replace(".", "-")
    source = f"{variable} = None\n### BEGIN SOLUTION\n{variable} = {answer_source}\n### END SOLUTION"
    return [
        markdown(f"{slug}-text", question),
        answer(slug, source),
        test_cell(f"{slug}-check", f'grade("{quiz_id}", {variable}, points={points})', points),
    ]


def notebook(cells: list):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [setup_cell(), *cells]
    return nb


def write(nb, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
    return path
