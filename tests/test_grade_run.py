"""`dlgrade grade` as an instructor runs it: a class graded, faults contained, resumable, nbgrader afterwards."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import release as releasing

from grading import blank, cell_scores, course_copy, grade, gradebook_rows, result, solved, submit, with_answer
from notebooks import assignment_names

NAME = "day1_forward"
SIGMOID_OVERFLOW = "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"   # a known mistake, as a student writes it
RELU_DERIVATIVE = "def relu(x):\n    return np.where(x > 0, 1.0, 0.0)\n"


STEP_WITH_IMPORTS = """import fractions, numpy.random, numpy.polynomial

def step(x):
    assert fractions.Fraction(1, 2) > 0 and numpy.random.default_rng(0) is not None
    return np.where(np.asarray(x) > 0, 1.0, 0.0)
"""


def partly_wrong():
    return with_answer(with_answer(solved(NAME), "activation-sigmoid", SIGMOID_OVERFLOW),
                       "activation-relu", RELU_DERIVATIVE)


@pytest.fixture(scope="module")
def template(released_template):
    return released_template(NAME)


@pytest.fixture(scope="module")
def graded_class(template, tmp_path_factory):
    """day1_forward with a correct, a blank and a partly wrong student, four faulty ones, and one whose
    answer imports modules."""
    course = course_copy(template, tmp_path_factory.mktemp("class") / "course")
    submit(course, "correct", NAME, solved(NAME))
    submit(course, "blank", NAME, blank(NAME))
    submit(course, "partly", NAME, partly_wrong())
    submit(course, "not-json", NAME, raw=b'{"cells": [')
    submit(course, "empty-file", NAME, raw=b"")
    submit(course, "wrong-name", NAME, solved(NAME), filename="my_work.ipynb")
    submit(course, "exits", NAME, with_answer(solved(NAME), "activation-relu", "import os\nos._exit(3)"))
    # modules no cell imported before: the sandboxed child (another uid) must still reach them
    submit(course, "imports", NAME, with_answer(solved(NAME), "activation-step", STEP_WITH_IMPORTS))
    summary = grade(course, [NAME])
    return course, summary


def test_a_correct_submission_gets_every_point_and_a_blank_one_none(graded_class):
    course, _ = graded_class
    correct, blank_one = result(course, "correct", NAME), result(course, "blank", NAME)
    assert correct["status"] == "graded" and correct["score"] == correct["max_score"] == 39.0
    assert blank_one["score"] == 0.0 and all(c["status"] == "blank" for c in blank_one["cells"])


def test_a_partly_wrong_submission_loses_the_points_of_its_mistakes_and_they_are_named(graded_class):
    course, _ = graded_class
    scores = cell_scores(course, "partly", NAME)
    named = {c["grade_id"]: c["mistake"] for c in result(course, "partly", NAME)["cells"]}
    assert named["activation-sigmoid-visible"] == "overflow" and named["activation-relu-hidden"] == "returns-derivative"
    assert 0 < scores["activation-sigmoid-visible"] < 1 and scores["activation-relu-visible"] == 0
    # the two-layer forward pass calls the student's relu, so it loses points too
    untouched = {k: v for k, v in scores.items()
                 if not k.startswith(("activation-sigmoid-", "activation-relu-", "network-two_layer_forward_relu"))}
    assert untouched == {k: v for k, v in cell_scores(course, "correct", NAME).items() if k in untouched}


@pytest.mark.parametrize("student, words", [("not-json", "not valid JSON"), ("empty-file", "not valid JSON"),
                                            ("wrong-name", f"no notebook named {NAME}.ipynb")])
def test_a_notebook_that_cannot_be_read_scores_zero_with_its_reason(graded_class, student, words):
    course, summary = graded_class
    graded = result(course, student, NAME)
    assert graded["status"] == "failed" and words in graded["reason"] and graded["score"] == 0
    assert (student, NAME) in {(s, a) for s, a, _ in summary.failed}
    rows = {row[3]: row[4] for row in gradebook_rows(course) if row[0] == student}
    assert rows and set(rows.values()) == {0.0}


def test_os_exit_in_an_answer_costs_the_cells_after_it_and_the_run_goes_on(graded_class):
    course, summary = graded_class
    graded = result(course, "exits", NAME)
    scores = {c["grade_id"]: (c["score"], c["status"]) for c in graded["cells"]}
    assert scores["activation-sigmoid-hidden"] == (2.0, "passed")  # before the exit
    assert scores["activation-relu-visible"] == (0.0, "crashed")
    assert "exited (status 3)" in graded["reason"]
    assert summary.graded == 8


def test_an_answer_may_import_modules_no_other_cell_imported(graded_class):
    course, _ = graded_class
    assert cell_scores(course, "imports", NAME) == cell_scores(course, "correct", NAME)


def test_in_the_weaker_mode_too(template, tmp_path):
    """There the children's uid may not read the Python environment: the worker imports them first."""
    course = course_copy(template, tmp_path / "course")
    submit(course, "imports", NAME, with_answer(solved(NAME), "activation-step", STEP_WITH_IMPORTS))
    summary = grade(course, [NAME], sandbox="off")
    assert summary.mode == "weak" and result(course, "imports", NAME)["score"] == 39.0


def test_the_autograded_notebook_shows_each_report_and_nbgrader_reads_the_same_scores(graded_class):
    import nbformat
    from nbgrader.utils import determine_grade, is_grade

    course, _ = graded_class
    notebook = nbformat.read(str(course / "autograded" / "partly" / NAME / f"{NAME}.ipynb"), as_version=4)
    scores = cell_scores(course, "partly", NAME)
    for cell in notebook.cells:
        if is_grade(cell) and cell.cell_type == "code":
            assert determine_grade(cell)[0] == scores[cell.metadata.nbgrader.grade_id]
            shown = [o for o in cell.outputs if o.output_type == "display_data"]
            assert shown and "dlgrade-report" in shown[0].data["text/html"]


def test_nbgrader_generate_feedback_and_export_work_afterwards(graded_class):
    course, _ = graded_class
    for command in (("generate_feedback", NAME), ("export",)):
        done = releasing.nbgrader(course, *command)
        assert done.returncode == 0, done.stderr[-2000:]
    page = course / "feedback" / "partly" / NAME / f"{NAME}.html"
    assert "Known mistake [overflow]" in page.read_text(encoding="utf-8")
    with open(course / "grades.csv", newline="") as handle:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert exported["correct"] == 39.0 and exported["blank"] == 0.0
    assert exported["partly"] == pytest.approx(result(course, "partly", NAME)["score"])


def test_a_second_run_grades_nothing_again_and_force_regrades(graded_class):
    course, _ = graded_class
    before = gradebook_rows(course)
    again = grade(course, [NAME])
    assert again.graded == 0 and again.skipped == 8
    forced = grade(course, [NAME], students=["correct"], force=True)
    assert forced.graded == 1 and gradebook_rows(course) == before


def test_a_changed_submission_is_regraded(template, tmp_path):
    course = course_copy(template, tmp_path / "course")
    submit(course, "student", NAME, blank(NAME))
    assert grade(course, [NAME]).graded == 1 and result(course, "student", NAME)["score"] == 0
    submit(course, "student", NAME, solved(NAME))
    assert grade(course, [NAME]).graded == 1 and result(course, "student", NAME)["score"] == 39.0


def test_skipping_demo_cells_changes_no_score(released_template, tmp_path):
    """Every assignment, a correct and a blank student: graded with the demo cells skipped (the
    default) and with every cell run, as nbgrader runs them, the per-cell scores are the same."""
    names = assignment_names()
    template = released_template(*names)
    courses = {}
    for runs in ("needed", "all"):
        course = course_copy(template, tmp_path / runs)
        for name in names:
            submit(course, "correct", name, solved(name))
            submit(course, "blank", name, blank(name))
        grade(course, names, run_demos=runs)
        courses[runs] = course
    skipped = {name: result(courses["needed"], "correct", name)["skipped_demo_cells"] for name in names}
    assert sum(map(len, skipped.values())) >= 20 and skipped["day2_regularization"]
    for name in names:
        assert not result(courses["all"], "correct", name)["skipped_demo_cells"]
        for student in ("correct", "blank"):
            assert cell_scores(courses["needed"], student, name) == cell_scores(courses["all"], student, name)
    assert gradebook_rows(courses["needed"]) == gradebook_rows(courses["all"])


def _dlgrade(course: Path, *arguments: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", *arguments, "--workers", "1"],
                            cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def test_sigkill_midway_then_a_rerun_gives_the_same_gradebook_and_export(template, tmp_path):
    students = [f"s{i:02d}" for i in range(10)]
    courses = [course_copy(template, tmp_path / which) for which in ("clean", "killed")]
    for course in courses:
        for number, student in enumerate(students):
            submit(course, student, NAME, [solved(NAME), blank(NAME), partly_wrong()][number % 3])
    clean, killed = courses
    assert _dlgrade(clean, NAME, "--quiet").wait(timeout=600) == 0
    run = _dlgrade(killed, NAME, "--quiet")
    deadline = time.monotonic() + 300
    while len(list((killed / "results").glob(f"*/{NAME}.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # the grader and its workers, in the middle of the class
    run.wait()
    done_before = len(list((killed / "results").glob(f"*/{NAME}.json")))
    assert 3 <= done_before < len(students), "the kill came too late to interrupt the run"
    rerun = _dlgrade(killed, NAME, "--quiet")
    out, _ = rerun.communicate(timeout=600)
    assert rerun.returncode == 0
    assert f"{len(students) - done_before} submissions graded, {done_before} already graded" in out
    assert gradebook_rows(killed) == gradebook_rows(clean)
    exports = []
    for course in courses:
        assert releasing.nbgrader(course, "export").returncode == 0
        exports.append((course / "grades.csv").read_text().splitlines())
    assert sorted(exports[0]) == sorted(exports[1])
    for student in students:
        assert judged(killed, student) == judged(clean, student)


def judged(course: Path, student: str) -> list[tuple]:
    """A JSON result without its timings: what two runs must agree on."""
    cells = json.loads((course / "results" / student / f"{NAME}.json").read_text())["cells"]
    return [(c["grade_id"], c["score"], c["status"], c["mistake"], c["message"]) for c in cells]


def test_a_fault_of_the_grader_on_one_submission_costs_that_submission_only(template, tmp_path, monkeypatch):
    from autograder.grading import scheduler

    course = course_copy(template, tmp_path / "course")
    submit(course, "unlucky", NAME, solved(NAME))
    submit(course, "fine", NAME, solved(NAME))
    original = scheduler.grade_job

    def failing(job, *args, **kwargs):
        if job.student == "unlucky":
            raise KeyError("a bug of ours")
        return original(job, *args, **kwargs)

    monkeypatch.setattr(scheduler, "grade_job", failing)  # the forked judges inherit it
    summary = grade(course, [NAME])
    assert summary.graded == 2 and [s for s, _, _ in summary.failed] == ["unlucky"]
    assert "KeyError" in result(course, "unlucky", NAME)["reason"]
    assert result(course, "unlucky", NAME)["score"] == 0 and result(course, "fine", NAME)["score"] == 39.0


def test_submissions_finished_together_are_committed_together_and_a_fault_stays_its_own(template, tmp_path):
    """The writer's group commit: three submissions' rows in one transaction equal the rows written
    one by one; when one of a group fails, the others are written each on its own, and it raises."""
    import dataclasses

    import nbformat
    from nbgrader.api import MissingEntry
    from sqlalchemy import event

    from autograder.grading.course import Course, build_job, source_cells
    from autograder.grading.scheduler import lost
    from autograder.grading.writer import GradebookWriter, autograded_notebook

    students = {"ann": solved(NAME), "ben": blank(NAME), "cat": partly_wrong()}

    def items_of(folder: Path):
        for student, notebook in students.items():
            submit(folder, student, NAME, notebook)
        course = Course.open(folder)
        writer = GradebookWriter(course.db_url, course.course_id)
        [notebook] = course.notebooks(NAME)
        release = nbformat.read(course.release / NAME / f"{notebook}.ipynb", as_version=4)
        sources = source_cells(writer.gradebook, NAME, notebook)
        jobs = [build_job(course, sources, release, student, NAME, notebook) for student in students]
        return writer, [(job, autograded_notebook(job, lost(job, "a test")), lost(job, "a test")) for job in jobs]

    together, apart, faulty = (course_copy(template, tmp_path / name) for name in ("together", "apart", "faulty"))
    writer, items = items_of(together)
    commits = []
    event.listen(writer.gradebook.engine, "commit", lambda connection: commits.append(1))
    scores_together = writer.write_many(items)
    writer.close()
    writer, items = items_of(apart)
    scores_apart = [writer.write(*item) for item in items]
    writer.close()
    assert len(commits) == 1
    assert scores_together == scores_apart and all(scores_together)
    rows = gradebook_rows(together)
    assert rows == gradebook_rows(apart) and {row[0] for row in rows} == set(students)

    writer, items = items_of(faulty)
    job, notebook, outcome = items[1]
    items[1] = (dataclasses.replace(job, assignment="no-such-assignment"), notebook, outcome)
    with pytest.raises(MissingEntry):
        writer.write_many(items)
    writer.close()
    assert gradebook_rows(faulty) == {row for row in rows if row[0] == "ann"}


def test_each_suite_s_inputs_travel_to_a_worker_once(template, tmp_path, monkeypatch):
    """The first submission carries its suites' case inputs; the next ones on the same worker only
    name them, and are graded the same."""
    from autograder.grading import protocol

    course = course_copy(template, tmp_path / "course")
    for student in ("ann", "ben", "cat"):
        submit(course, student, NAME, solved(NAME))
    log = tmp_path / "sent.jsonl"
    send = protocol.Channel.send

    def spying(self, kind, **fields):
        if kind == "submission":
            with open(log, "a", encoding="utf-8") as stream:  # written by the forked judge
                stream.write(json.dumps({"inputs": sorted(fields["inputs"]), "keep": fields["keep"]}) + "\n")
        return send(self, kind, **fields)

    monkeypatch.setattr(protocol.Channel, "send", spying)
    summary = grade(course, [NAME], workers=1)
    sent = [json.loads(line) for line in log.read_text().splitlines()]
    assert summary.graded == 3 and len(sent) == 3
    assert sent[0]["keep"] and sent[0]["inputs"] == sent[0]["keep"]
    assert [s["inputs"] for s in sent[1:]] == [[], []] and all(s["keep"] == sent[0]["keep"] for s in sent)
    assert {student: result(course, student, NAME)["score"] for student in ("ann", "ben", "cat")} == \
        {"ann": 39.0, "ben": 39.0, "cat": 39.0}
