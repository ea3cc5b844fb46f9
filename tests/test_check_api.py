"""The public API: check never raises for a bad submission, reports precisely, and speaks two languages."""
import dataclasses
import math
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import autograder
from autograder.registry import prepare
from autograder.runtime import run_suite
from reference import activation


CATALOG_IDS = Path(__file__).with_name("catalog_ids.txt")
SHARED_CATALOG = Path(__file__).resolve().parents[2] / "shared" / "EXERCISES.md"
ID_ROW = re.compile(r"^\| ((?:activation|loss|gradient|network|data|init|layers|conv|optim|regularization)\.\w+) \|", re.M)


def test_exercises_lists_every_catalog_id():
    ids = CATALOG_IDS.read_text(encoding="utf-8").split()
    assert len(ids) >= 60
    missing = set(ids) - set(autograder.exercises())
    assert not missing, f"not registered: {sorted(missing)}"


def test_the_catalog_copy_matches_the_shared_catalog():
    """tests/catalog_ids.txt is a copy of the ids in shared/EXERCISES.md, which only a course
    checkout has beside the repository; where it is there, the copy must not drift."""
    if not SHARED_CATALOG.exists():
        return
    text = SHARED_CATALOG.read_text(encoding="utf-8")
    ids = list(dict.fromkeys(ID_ROW.findall(text)))  # the mistakes table repeats ids
    assert ids == CATALOG_IDS.read_text().split()
    mistakes = re.findall(r"^\| ([a-z]+\.\w+) \| ([a-z0-9-]+) \|", text, flags=re.M)
    copied = [tuple(line.split()) for line in CATALOG_IDS.with_name("catalog_mistakes.txt").read_text().splitlines()]
    assert mistakes == copied


def test_unknown_exercise_raises_key_error():
    with pytest.raises(KeyError, match="unknown exercise"):
        autograder.check("activation.nope", activation.sigmoid)


@pytest.mark.parametrize("candidate, words", [
    (lambda x: 1 / 0, "ZeroDivisionError"),
    (lambda x: None, "did you forget `return`"),
    (lambda x: "sigmoid", "got str"),
    (lambda x: [[0.5]], "shape"),
    (lambda: 0.5, "TypeError"),
    (None, "expected a function"),
    (42, "expected a function"),
])
def test_a_broken_submission_is_a_failed_report_not_an_exception(candidate, words):
    report = autograder.check("activation.sigmoid", candidate)
    assert not report.passed and report.score == 0.0
    assert words in report.message


def test_nothing_reaches_stderr_and_no_warning_escapes(capfd):
    def noisy(x):
        import sys
        print("debug", x)
        print("to stderr", file=sys.stderr)
        return 1.0 / (1.0 + np.exp(-x))  # warns: overflow at x = -1000

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning that escaped would raise here
        report = autograder.check("activation.sigmoid", noisy)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert "overflow encountered in exp" in report.message
    assert report.mistake == "overflow"


def test_the_worst_element_is_reported_with_its_errors():
    def off_in_one_place(x):
        out = activation.sigmoid(x)
        if out.shape == (3,):
            out[2] += 0.01
        return out

    report = autograder.check("activation.sigmoid", off_in_one_place)
    assert not report.passed and report.mistake is None
    expected = 1.0 / (1.0 + math.exp(-3.0))  # σ(3) by hand
    assert "return[2]" in report.message
    assert f"expected {expected:.8g}" in report.message
    assert f"got {expected + 0.01:.8g}" in report.message
    assert "abs error 0.01" in report.message


def test_score_is_the_fraction_of_cases_passed():
    prepared = prepare("activation.relu")

    def wrong_on_matrices(x):
        return activation.relu(x) if x.ndim == 1 else activation.relu(x) + 1.0

    report = autograder.check("activation.relu", wrong_on_matrices)
    expected_passed = sum(np.ndim(case.inputs["x"]) == 1 for case in prepared.cases)
    assert report.score == pytest.approx(expected_passed / len(prepared.cases))
    assert 0 < report.score < 1


def test_changing_an_input_in_place_fails_with_a_clear_message():
    def relu_in_place(x):
        x[x < 0] = 0.0
        return x

    report = autograder.check("activation.relu", relu_in_place)
    assert not report.passed
    assert "changed its argument(s) x in place" in report.message


def test_an_endless_loop_is_stopped_and_reported():
    def endless(x):
        while True:
            pass

    quick = dataclasses.replace(prepare("activation.sigmoid"), time_limit=0.3)
    start = time.perf_counter()
    report = run_suite(quick, endless)
    assert time.perf_counter() - start < 3.0, "later cases should not run a looping candidate again"
    assert not report.passed and report.score == 0.0
    assert "Timeout" in report.message and "endless loop" in report.message


def test_a_class_instance_is_refused_with_advice():
    class Relu:
        def forward(self, x):
            return x

    report = autograder.check("layers.Relu", Relu())
    assert not report.passed
    assert "pass the class itself" in report.message


def test_japanese_messages(monkeypatch):
    report = autograder.check("activation.sigmoid_grad", activation.sigmoid, language="ja")
    assert "よくある間違い [missing-one-minus]" in report.message
    monkeypatch.setenv("DLGRADE_LANG", "ja")
    assert "ケース中" in autograder.check("activation.sigmoid_grad", activation.sigmoid).message


def test_hidden_suite_does_not_show_its_inputs():
    report = autograder.check("activation.sigmoid_grad", activation.sigmoid, suite="hidden")
    assert "inputs:" not in report.message and "random #" in report.message or "x = " in report.message
    visible = autograder.check("activation.sigmoid_grad", activation.sigmoid)
    assert "inputs:" in visible.message


def test_assert_check_raises_with_the_message():
    with pytest.raises(AssertionError, match=r"\[missing-one-minus\]"):
        autograder.assert_check("activation.sigmoid_grad", activation.sigmoid)
    assert autograder.assert_check("activation.sigmoid_grad", activation.sigmoid_grad).passed


def test_grade_returns_partial_credit_as_a_plain_float(capsys):
    full = autograder.grade("activation.relu", activation.relu, points=3)
    assert type(full) is float and full == 3.0

    def wrong_on_matrices(x):
        return activation.relu(x) if x.ndim == 1 else -x

    partial = autograder.grade("activation.relu", wrong_on_matrices, points=3)
    report = autograder.check("activation.relu", wrong_on_matrices)
    assert type(partial) is float and partial == pytest.approx(3 * report.score) and 0 < partial < 3
    with pytest.raises(AssertionError):
        autograder.grade("activation.relu", lambda x: None, points=3)
