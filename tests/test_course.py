"""The course: solution notebooks pass, the release is blank, safe, reproducible and gradable."""
import json
import os
import re
import shutil

import pytest

import autograder
from autograder import release as releasing

from autograder.runtime.calls import grade_calls
from notebooks import (ROOT, assignment_names, blocked_modules_path, copy_course, errors, execute,
                       is_test_cell, nbgrader_meta, released, result_value, solution, stderr,
                       with_answers_from)

ASSIGNMENTS = assignment_names()
CATALOG_IDS = (ROOT / "tests" / "catalog_ids.txt").read_text().split()






def points(cell) -> float:
    return float(nbgrader_meta(cell)["points"])


def test_there_are_eight_exercise_assignments():
    assert {"day1_forward", "day1_loss", "day1_gradient_descent", "day1_backprop", "day2_init_batchnorm",
            "day2_optimizers", "day2_regularization", "day2_cnn"} <= set(ASSIGNMENTS)


def test_every_registered_exercise_and_quiz_item_is_in_exactly_one_assignment():
    where = {}
    for name in ASSIGNMENTS:
        for cell in solution(name).cells:
            if is_test_cell(cell):
                for call in grade_calls(cell.source):
                    if call.suite == "visible":
                        where.setdefault(call.exercise_id, []).append(name)
    registered = autograder.exercises()
    assert set(CATALOG_IDS) <= set(registered)
    missing = [e for e in registered if e not in where]
    repeated = {e: names for e, names in where.items() if len(names) > 1}
    assert not missing, f"in no assignment: {missing}"
    assert not repeated, f"in more than one assignment: {repeated}"
    assert set(where) <= set(registered), f"graded but not registered: {set(where) - set(registered)}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_notebook_runs_and_scores_full_points(name):
    notebook = execute(solution(name), ROOT / "solutions" / name)
    graded = [cell for cell in notebook.cells if is_test_cell(cell)]
    assert graded
    for cell in notebook.cells:
        assert not errors(cell), f"{nbgrader_meta(cell).get('grade_id')}: {errors(cell)}"
        assert not stderr(cell), f"stderr (nbgrader would score 0): {stderr(cell)[:500]}"
    for cell in graded:
        assert result_value(cell) is not None, nbgrader_meta(cell)["grade_id"]
        assert float(result_value(cell)) == points(cell), nbgrader_meta(cell)["grade_id"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_with_solutions_pasted_passes_visible_checks_without_reference(name, tmp_path):
    blocked = blocked_modules_path(tmp_path, "reference", "autograder")
    env = {**os.environ, "PYTHONPATH": str(blocked)}
    notebook = execute(with_answers_from(released(name), solution(name)), ROOT / "assignments" / name, env=env)
    visible = [cell for cell in notebook.cells if is_test_cell(cell) and cell.source.strip()]
    assert visible
    for cell in notebook.cells:
        assert not errors(cell) and not stderr(cell), nbgrader_meta(cell).get("grade_id")
    for cell in visible:
        assert float(result_value(cell)) == points(cell), nbgrader_meta(cell)["grade_id"]


PYTHON_SOURCE = re.compile(r"\bdef \w+\(|\blambda\b[^:\"]*:|\b(from|import) reference\b")
FORBIDDEN = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|^\s*(from|import) reference\b", re.M)


def test_the_release_holds_no_solution_hidden_test_or_reference():
    files = [p for p in (ROOT / "assignments").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            sources = "\n".join(c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                                for c in json.loads(text)["cells"])
            assert not FORBIDDEN.search(sources), path
        else:
            assert not FORBIDDEN.search(text), path
    for fixture in (ROOT / "assignments").rglob("fixtures/*.json"):
        assert fixture.name.endswith(".visible.json"), f"a hidden suite was released: {fixture}"
        text = fixture.read_text(encoding="utf-8")
        assert not PYTHON_SOURCE.search(text), f"{fixture}: {PYTHON_SOURCE.search(text).group(0)}"


def test_assignments_equal_a_fresh_release(tmp_path):
    course = copy_course(tmp_path / "course")
    for name in ASSIGNMENTS:
        assert releasing.exercises_in(course / "assignments" / name)
    shutil.rmtree(course / "assignments")
    releasing.release(course, progress=lambda _: None)
    fresh = sorted(p.relative_to(course / "assignments") for p in (course / "assignments").rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    committed = sorted(p.relative_to(ROOT / "assignments") for p in (ROOT / "assignments").rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts)
    assert fresh == committed
    for relative in fresh:
        assert (course / "assignments" / relative).read_bytes() == (ROOT / "assignments" / relative).read_bytes(), relative
