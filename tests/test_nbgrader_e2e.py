"""End to end with nbgrader itself: release, synthetic students, autograde, feedback, export; and
`dlgrade grade` on the same class, cell by cell equal."""
import csv
import shutil
from pathlib import Path

import nbformat
import pytest

import autograder
from autograder import demo
from autograder import release as releasing
from autograder.registry import load
from autograder.runtime.calls import grade_calls

from grading import grade, gradebook_rows
from notebooks import (ROOT, answer_cells, assignment_names, copy_course, is_test_cell, nbgrader_meta, read,
                       read_copy, with_answers_from)

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




def expected_points(submission, source) -> float:
    """What nbgrader should record for ``submission``: autograder.check on its own answers, test cell
    by test cell of the SOURCE notebook (autograde restores the hidden tests from it), in the
    notebook's order (a later answer may redefine a name an earlier check used): score × points."""
    namespace: dict = {}
    exec(compile(submission.cells[0].source, "setup", "exec"), namespace)  # imports
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in answer_cells(submission)}
    total = 0.0
    for cell in source.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in answers:
            try:
                exec(compile(answers[grade_id], grade_id, "exec"), namespace)
            except NotImplementedError:
                pass
        elif is_test_cell(cell):
            for call in grade_calls(cell.source):
                report = autograder.check(call.exercise_id, namespace.get(call.name), suite=call.suite)
                total += report.score * float(nbgrader_meta(cell)["points"])
    return total


def choice_items(notebook) -> list[tuple[str, str]]:
    """(exercise id, variable) of the multiple-choice quiz items graded in ``notebook``."""
    registry = load()
    return [(call.exercise_id, call.name) for cell in notebook.cells if is_test_cell(cell)
            for call in grade_calls(cell.source) if registry[call.exercise_id].driver == "quiz_choice"]


def every_choice_wrong(notebook):
    """Each multiple-choice answer replaced by the registry's first wrong option for it."""
    wrong = read_copy(notebook)
    registry = load()
    options = {name: registry[e].mistakes[0].implementations[0] for e, name in choice_items(wrong)}
    for cell in answer_cells(wrong):
        variable = cell.source.split("=")[0].strip()
        if variable in options:
            cell.source = f"{variable} = {options[variable]!r}"
    return wrong


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("e2e") / "course")
    for name in ASSIGNMENTS:
        releasing.generate(course, name)  # nbgrader generate_assignment, then the quiz stubs that do not raise
    submissions = {}
    for name in ASSIGNMENTS:
        release = read(course / "assignments" / name / f"{name}.ipynb")
        source = read(course / "solutions" / name / f"{name}.ipynb")
        correct = with_answers_from(release, source)
        if name == "day1_forward":  # two mistakes written as a student would
            mistaken = read_copy(correct)
            for cell in answer_cells(mistaken):
                if nbgrader_meta(cell)["grade_id"] in MISTAKES:
                    cell.source = MISTAKES[nbgrader_meta(cell)["grade_id"]][2]
        else:  # a known mistake in every other exercise, correct answers elsewhere
            mistaken = demo.submission("carol", release, source)
        submissions[name] = {"correct": correct, "blank": release, "mistaken": mistaken,
                             "alternatives": demo.submission("alternatives", release, source)}
        for k in range(1, most_mistakes(name) + 1):  # student k makes the k-th mistake of each exercise
            submissions[name][f"mistake-{k}"] = demo.submission(f"mistake-{k}", release, source)
        if name.endswith("_quiz"):
            submissions[name]["wrong_choices"] = every_choice_wrong(correct)
            submissions[name]["written"] = demo.submission("written-answers", release, source)
        for student, notebook in submissions[name].items():
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True)
            nbformat.write(notebook, str(folder / f"{name}.ipynb"))
    # the same class, before nbgrader touches it, for dlgrade grade
    shutil.copytree(course, course.parent / "dlgrade-course")
    for name in ASSIGNMENTS:
        nbgrader(course, "autograde", name)
    for name in ASSIGNMENTS:
        nbgrader(course, "generate_feedback", name)
    nbgrader(course, "export")
    with open(course / "grades.csv", newline="") as handle:
        grades = {(row["student_id"], row["assignment"]): row for row in csv.DictReader(handle)}
    return course, submissions, grades


def most_mistakes(name: str) -> int:
    """The most known mistakes any exercise of assignment ``name`` has."""
    registry = load()
    return max(len(registry[e].mistakes) for e in releasing.exercises_in(ROOT / "assignments" / name))


@pytest.fixture(scope="module")
def dlgraded_course(graded_course):
    """The same class graded by dlgrade grade, in a copy made before nbgrader autograde ran."""
    course = graded_course[0].parent / "dlgrade-course"
    summary = grade(course, ASSIGNMENTS)
    return course, summary


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_dlgrade_grade_records_every_per_cell_score_nbgrader_autograde_records(graded_course, dlgraded_course, name):
    """Correct, blank, partly wrong, every known mistake, the alternatives, written answers: the same
    gradebook rows (auto score, manual score, needs manual grade) for every cell of every student."""
    nbgrader_rows = {row for row in gradebook_rows(graded_course[0]) if row[1] == name}
    dlgrade_rows = {row for row in gradebook_rows(dlgraded_course[0]) if row[1] == name}
    students = {row[0] for row in nbgrader_rows}
    assert len(students) == len(graded_course[1][name]) >= 5 and nbgrader_rows
    assert dlgrade_rows == nbgrader_rows, sorted(dlgrade_rows ^ nbgrader_rows)[:6]
    assert not [failed for failed in dlgraded_course[1].failed if failed[1] == name]


def points_of(notebook, autograded_only=False) -> float:
    """The points of the graded cells; ``autograded_only`` leaves out manually graded answers."""
    return sum(float(nbgrader_meta(c)["points"]) for c in notebook.cells if nbgrader_meta(c).get("grade")
               and not (autograded_only and nbgrader_meta(c).get("solution")))


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_nbgrader_records_the_expected_totals(graded_course, name):
    course, submissions, grades = graded_course
    source = read(course / "solutions" / name / f"{name}.ipynb")
    automatic = points_of(source, autograded_only=True)
    assert float(grades[("correct", name)]["max_score"]) == pytest.approx(points_of(source))
    assert float(grades[("correct", name)]["score"]) == pytest.approx(automatic)  # manual answers ungraded
    assert float(grades[("blank", name)]["score"]) == 0.0
    mistaken = float(grades[("mistaken", name)]["score"])
    assert mistaken == pytest.approx(expected_points(submissions[name]["mistaken"], source), abs=1e-9)
    assert 0 < mistaken < automatic  # every assignment has a partly wrong student


@pytest.mark.parametrize("name", [n for n in ASSIGNMENTS if n.endswith("_quiz")])
def test_every_wrong_multiple_choice_answer_scores_zero(graded_course, name):
    course, submissions, grades = graded_course
    source = read(course / "solutions" / name / f"{name}.ipynb")
    choice_points = sum(float(nbgrader_meta(c)["points"]) for c in source.cells
                        if is_test_cell(c) and any(e in c.source for e, _ in choice_items(source)))
    assert choice_items(source) and choice_points > 0
    score = float(grades[("wrong_choices", name)]["score"])
    assert score == pytest.approx(points_of(source, autograded_only=True) - choice_points)


def test_the_mistakes_are_named_in_the_autograded_notebook(graded_course):
    course, _, _ = graded_course
    graded = read(course / "autograded" / "mistaken" / "day1_forward" / "day1_forward.ipynb")
    text = "\n".join(
        output.get("text", "") + output.get("evalue", "") + output.get("data", {}).get("text/plain", "")
        for cell in graded.cells for output in cell.get("outputs", [])
    )
    for exercise_id, mistake_id, _ in MISTAKES.values():
        assert f"[{mistake_id}]" in text, f"{exercise_id}: {mistake_id} not named"


CHECKER_PATHS = ("autograder/", "dlcheck/", "site-packages", "Traceback (most recent call last)")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_test_cell_output_or_feedback_page_shows_a_traceback_or_a_grading_machine_path(graded_course, name):
    course, submissions, _ = graded_course
    for student in submissions[name]:
        graded = read(course / "autograded" / student / name / f"{name}.ipynb")
        for cell in graded.cells:
            for output in cell.get("outputs", []) if is_test_cell(cell) else []:
                text = "\n".join(output.get("traceback", [])) + output.get("text", "") + str(output.get("data", ""))
                assert output.output_type != "error", f"{student}/{name}: {text[:300]}"
                assert not any(part in text for part in CHECKER_PATHS) and str(course) not in text, text[:300]
        page = (course / "feedback" / student / name / f"{name}.html").read_text(encoding="utf-8")
        assert "dlgrade-report" in page  # the reports are there, as HTML
        for part in CHECKER_PATHS[:3]:
            assert part not in page, f"{student}/{name}: {part} in the feedback page"
        assert str(course) not in page and "Traceback (most recent call" not in page
