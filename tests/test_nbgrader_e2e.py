"""End to end with nbgrader itself: release, three synthetic students, autograde, export."""
import csv
from pathlib import Path

import nbformat
import pytest

import autograder
from autograder import release as releasing

from notebooks import (assignment_names, copy_course, is_test_cell, nbgrader_meta, read, read_copy,
                        with_answers_from)

ASSIGNMENTS = assignment_names()

# Two known mistakes, written as a student would, for the mistaken student's day1_forward.
MISTAKES = {
    "activation-sigmoid": ("activation.sigmoid", "overflow", "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"),
    "activation-relu": ("activation.relu", "returns-derivative",
                        "def relu(x):\n    return np.where(x > 0, 1.0, 0.0)\n"),
}


def nbgrader(course: Path, *arguments: str) -> None:
    result = releasing.nbgrader(course, *arguments)
    assert result.returncode == 0, result.stderr[-3000:]


def answer_cells(notebook):
    return [c for c in notebook.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")]


def expected_points(notebook) -> float:
    """What each test cell should score, from autograder.check on the notebook's own answers:
    score × points, and 0 for a cell that raises (score 0)."""
    namespace: dict = {}
    exec(compile(notebook.cells[0].source, "setup", "exec"), namespace)  # imports
    for cell in answer_cells(notebook):
        try:
            exec(compile(cell.source, nbgrader_meta(cell)["grade_id"], "exec"), namespace)
        except NotImplementedError:
            pass
    total = 0.0
    for cell in notebook.cells:
        if not is_test_cell(cell):
            continue
        source = cell.source.replace("### BEGIN HIDDEN TESTS", "").replace("### END HIDDEN TESTS", "").strip()
        exercise_id, name = source.split('"')[1], source.split(",")[1].strip()
        suite = "hidden" if "hidden" in source else "visible"
        report = autograder.check(exercise_id, namespace.get(name), suite=suite)
        total += report.score * float(nbgrader_meta(cell)["points"])
    return total


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("e2e") / "course")
    for name in ASSIGNMENTS:
        nbgrader(course, "generate_assignment", name, "--force")
    submissions = {}
    for name in ASSIGNMENTS:
        release = read(course / "assignments" / name / f"{name}.ipynb")
        source = read(course / "solutions" / name / f"{name}.ipynb")
        correct = with_answers_from(release, source)
        mistaken = read_copy(correct)
        if name == "day1_forward":
            for cell in answer_cells(mistaken):
                if nbgrader_meta(cell)["grade_id"] in MISTAKES:
                    cell.source = MISTAKES[nbgrader_meta(cell)["grade_id"]][2]
        submissions[name] = {"correct": correct, "blank": release, "mistaken": mistaken}
        for student, notebook in submissions[name].items():
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True)
            nbformat.write(notebook, str(folder / f"{name}.ipynb"))
        nbgrader(course, "autograde", name)
    nbgrader(course, "export")
    with open(course / "grades.csv", newline="") as handle:
        grades = {(row["student_id"], row["assignment"]): row for row in csv.DictReader(handle)}
    return course, submissions, grades


def max_points(notebook) -> float:
    return sum(float(nbgrader_meta(c)["points"]) for c in notebook.cells if nbgrader_meta(c).get("grade"))


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_nbgrader_records_the_expected_totals(graded_course, name):
    course, submissions, grades = graded_course
    full = max_points(read(course / "solutions" / name / f"{name}.ipynb"))
    assert float(grades[("correct", name)]["score"]) == pytest.approx(full)
    assert float(grades[("correct", name)]["max_score"]) == pytest.approx(full)
    assert float(grades[("blank", name)]["score"]) == 0.0
    mistaken = float(grades[("mistaken", name)]["score"])
    assert mistaken == pytest.approx(expected_points(submissions[name]["mistaken"]), abs=1e-9)
    if name == "day1_forward":
        assert mistaken < full
    else:
        assert mistaken == pytest.approx(full)


def test_the_mistakes_are_named_in_the_autograded_notebook(graded_course):
    course, _, _ = graded_course
    graded = read(course / "autograded" / "mistaken" / "day1_forward" / "day1_forward.ipynb")
    text = "\n".join(
        output.get("text", "") + output.get("evalue", "")
        for cell in graded.cells for output in cell.get("outputs", [])
    )
    for exercise_id, mistake_id, _ in MISTAKES.values():
        assert f"[{mistake_id}]" in text, f"{exercise_id}: {mistake_id} not named"
