"""Issue 10's must-hold: every hostile submission scores 0 on the items it attacked (the rest of its
notebook exactly as an honest one), and the rest of the class is graded exactly as without it.

Expected scores come from honest submissions graded in the same runs (:mod:`redteam.conftest`),
never from the code under test.
"""
from __future__ import annotations

import json
import sqlite3

import pytest

from grading import cell_scores, gradebook_rows, result
from hostile import ASSIGNMENT, expected_scores

from .attacks import EVERY_EXERCISE, attack_names


def _student(graded, attack: str) -> str:
    return next(student for student, name in graded.students.items() if name == attack)


def test_both_runs_finish_and_grade_every_submission(redteam_class):
    graded = redteam_class
    assert graded.baseline_run.returncode == 0, graded.baseline_run.stderr[-3000:]
    assert graded.hostile_run.returncode in (0, 1), graded.hostile_run.stderr[-3000:]
    total = len(graded.students) + len(graded.honest)
    assert f"{total} submissions graded, 0 already graded" in graded.hostile_run.stdout, graded.hostile_run.stdout
    assert "Traceback" not in graded.hostile_run.stderr, graded.hostile_run.stderr[-3000:]
    for student in graded.honest:
        assert f"  {student}/" not in graded.hostile_run.stdout, f"{student} is listed with faults"


def test_honest_students_score_as_in_the_class_without_hostile_ones(redteam_class):
    graded = redteam_class
    partial, good = (cell_scores(graded.baseline, student, ASSIGNMENT) for student in ("a-partial", "a-good"))
    assert partial != good and sum(good.values()) == 39.0  # the partial student is partly wrong
    for student in graded.honest:
        assert cell_scores(graded.hostile, student, ASSIGNMENT) == cell_scores(graded.baseline, student, ASSIGNMENT), \
            student


def test_honest_students_gradebook_rows_are_those_of_the_class_without_hostile_ones(redteam_class):
    graded = redteam_class
    baseline, hostile = gradebook_rows(graded.baseline), gradebook_rows(graded.hostile)
    honest_rows = {row for row in hostile if row[0] in graded.honest}
    assert honest_rows == baseline and len(baseline) == 26 * len(graded.honest)


@pytest.mark.parametrize("attack", attack_names())
def test_a_hostile_student_gains_nothing(redteam_class, attack):
    graded = redteam_class
    student = _student(graded, attack)
    spec = graded.attacks[attack]
    full = cell_scores(graded.hostile, f"{student}-z", ASSIGNMENT)
    document = result(graded.hostile, student, ASSIGNMENT)
    got = {cell["grade_id"]: cell["score"] for cell in document["cells"] if cell["grade_id"] in full}
    assert set(got) == set(full), "the graded cells are the instructor's, whatever the notebook holds"
    if spec.zero == EVERY_EXERCISE:
        expected = dict.fromkeys(full, 0.0)
    else:
        expected = expected_scores(full, set(spec.zero), spec.stops_at)
    bounded = {cell for cell in got if cell.rsplit("-", 1)[0] in spec.at_most}
    assert all(got[cell] <= expected[cell] for cell in bounded), got
    assert {cell: score for cell, score in got.items() if cell not in bounded} == \
        {cell: score for cell, score in expected.items() if cell not in bounded}, (document["reason"], document["restored"])
    rows = {row[3]: row[4] for row in gradebook_rows(graded.hostile) if row[0] == student}
    assert {cell: rows[cell] for cell in got} == got, "the gradebook records what the JSON result says"
    assert document["max_score"] == result(graded.hostile, f"{student}-z", ASSIGNMENT)["max_score"]
    assert all(value in (0, 0.0) for cell, value in rows.items() if cell not in got), \
        f"a written answer or other cell was scored: {rows}"


def test_the_files_attacks_try_to_change_are_unchanged(redteam_class):
    """The course's nbgrader_config.py, a classmate's submitted notebook and the course secret."""
    assert redteam_class.after == redteam_class.before


def test_the_secret_is_in_no_graded_notebook_and_no_result(redteam_class):
    """What a student gets back (the autograded notebook, from which nbgrader makes the feedback,
    and dlgrade's JSON result) never holds the course secret, whatever the notebook printed."""
    graded = redteam_class
    written = [*(graded.hostile / "autograded").rglob("*.ipynb"), *(graded.hostile / "results").rglob("*.json")]
    assert len(written) >= 2 * len(graded.students)
    for path in written:
        assert graded.secret not in path.read_text(encoding="utf-8"), path
    printed = (graded.hostile / "autograded" / _student(graded, "print-secret") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    assert "PermissionError" in printed.read_text() or "FileNotFoundError" in printed.read_text(), \
        "the attack's printout is not in its notebook: the check above proves nothing"


def test_a_submission_can_echo_hidden_inputs_into_its_own_graded_notebook(redteam_class):
    """A limit, stated in docs/threat-model.md: the worker holds the hidden cases' inputs (it runs
    the checks), so a candidate that raises with its inputs sees them in its hidden report. They
    are drawn from a seed that is a SHA-256 of the secret, and their expected outputs never leave
    the grader: the secret stays unknown and the inputs alone earn nothing (its scores above are
    at most an honest student's)."""
    import os
    from unittest import mock

    from autograder.registry import prepare
    graded = redteam_class
    with mock.patch.dict(os.environ, {"DLGRADE_SECRET": graded.secret}):
        hidden = prepare("activation.relu", "hidden")
    random_values = [repr(v) for case in hidden.cases if case.name.startswith("random")
                     for v in _flat(case.inputs["x"])[:4]]
    text = (graded.hostile / "autograded" / _student(graded, "echo-hidden-inputs") / ASSIGNMENT /
            f"{ASSIGNMENT}.ipynb").read_text()
    assert random_values and any(value in text for value in random_values)
    assert graded.secret not in text


def _flat(value) -> list:
    import numpy as np
    return np.asarray(value, dtype=float).ravel().tolist()


@pytest.mark.parametrize("attack", ["left-running", "bounded-fork-bomb", "gradebook-lock-and-wipe"])
def test_processes_left_running_are_killed_after_their_submission(redteam_class, attack):
    graded = redteam_class
    document = result(graded.hostile, _student(graded, attack), ASSIGNMENT)
    assert document["worker"].get("leftovers", 0) >= 1, document["worker"]
    after = result(graded.hostile, f"{_student(graded, attack)}-z", ASSIGNMENT)
    assert after["status"] == "graded" and after["score"] == 39.0


def test_nothing_a_submission_started_outlives_the_run(redteam_class):
    """The attacks' processes sleep for 600 s (the run takes seconds): none may be left."""
    from pathlib import Path
    left = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
        except OSError:
            continue
        if b"time.sleep(600)" in command or (b"dlgrade_worker" in command and b"redteam" in command):
            left.append(command[:200])
    assert not left, left


def test_the_gradebook_is_whole(redteam_class):
    graded = redteam_class
    with sqlite3.connect(graded.hostile / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    students = {row[0] for row in gradebook_rows(graded.hostile)}
    assert students == set(graded.students) | set(graded.honest)


def test_the_run_was_not_held_up(redteam_class):
    """A lock held on the gradebook, sleeping processes, a fork bomb: the run still ends in time
    (it has about 3 s per cell to lose on each hostile notebook; a blocked gradebook would hang)."""
    assert redteam_class.seconds < 240, redteam_class.seconds


def test_the_results_are_plain_json(redteam_class):
    for path in (redteam_class.hostile / "results").rglob("*.json"):
        json.loads(path.read_text())
