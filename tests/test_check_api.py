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
        pytest.skip(f"no shared catalog at {SHARED_CATALOG} (only a course checkout has it)")
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
    assert "element [2] of the result: got" in report.message
    assert "戻り値の要素 [2]:" in autograder.check("activation.sigmoid", off_in_one_place, language="ja").message
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


def test_an_input_changed_in_place_is_reported_even_when_the_result_is_also_wrong():
    def relu_in_place_and_wrong(x):
        x[x < 0] = 0.0
        return x + 1.0

    message = autograder.check("activation.relu", relu_in_place_and_wrong).message
    assert "element [0] of the result" in message and "changed its argument(s) x in place" in message


@pytest.mark.parametrize("path, index, language, words", [
    ("return", "[2]", "en", "element [2] of the result"),
    ("return[1]", "[0, 3]", "en", "element [0, 3] of item 1 of the result"),
    ("return['W1']", "", "en", "'W1' in the result"),
    ("after update 2['W']", "[1]", "en", "element [1] of 'W' in after update 2"),
    ("return[1]", "[0, 3]", "ja", "戻り値の 1 番目の要素 [0, 3]"),
])
def test_locations_are_spelled_out(path, index, language, words):
    from autograder.runtime.messages import describe_location
    assert describe_location(path, index, language) == words


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


def _input_numbers(case) -> set[str]:
    """Every number of a case's array inputs, as a message would print it (4 and 8 significant digits)."""
    numbers = set()
    for value in case.inputs.values():
        for item in np.ravel(np.asarray(value, dtype=object)):
            if isinstance(item, (float, np.floating)) and abs(float(item)) > 1e-3 and not float(item).is_integer():
                numbers |= {f"{float(item):.4g}", f"{float(item):.8g}", f"{float(item):.4f}"}
    return numbers


@pytest.mark.parametrize("exercise_id, wrong", [
    ("activation.sigmoid_grad", activation.sigmoid),
    ("activation.relu", lambda x: x * 1.5),
    ("loss.mean_squared_error", lambda y, t: float(np.sum((y - t) ** 2))),
])
def test_hidden_suite_messages_show_no_hidden_input(exercise_id, wrong):
    hidden = prepare(exercise_id, "hidden")
    report = run_suite(hidden, wrong)
    assert not report.passed
    random_cases = [c for c in hidden.cases if c.name.startswith("random")]
    leaked = set().union(*map(_input_numbers, random_cases)) & set(re.findall(r"-?\d+\.\d+(?:e-?\d+)?", report.message))
    assert not leaked, f"hidden inputs in the message: {sorted(leaked)[:5]}\n{report.message}"
    assert "inputs:" not in report.message and "入力:" not in run_suite(hidden, wrong, "ja").message
    visible = autograder.check(exercise_id, wrong)
    assert "inputs:" in visible.message


def test_the_leak_test_would_see_a_leak():
    """The check above is not vacuous: the hidden cases reported as if visible (inputs shown) trip it."""
    hidden = prepare("activation.relu", "hidden")
    shown = dataclasses.replace(hidden, suite="visible", cases=[c for c in hidden.cases if c.name.startswith("random")])
    report = run_suite(shown, lambda x: x * 1.5)
    numbers = set().union(*map(_input_numbers, shown.cases))
    assert numbers & set(re.findall(r"-?\d+\.\d+(?:e-?\d+)?", report.message))


def test_assert_check_raises_with_the_message_and_no_traceback():
    with pytest.raises(AssertionError, match=r"\[missing-one-minus\]") as raised:
        autograder.assert_check("activation.sigmoid_grad", activation.sigmoid)
    # IPython shows _render_traceback_ instead of a traceback through the checker.
    assert raised.value._render_traceback_() == str(raised.value).splitlines()
    assert autograder.assert_check("activation.sigmoid_grad", activation.sigmoid_grad).passed


def test_grade_returns_partial_credit_as_a_plain_float_and_zero_without_raising(capsys):
    full = autograder.grade("activation.relu", activation.relu, points=3)
    assert type(full) is float and full == 3.0

    def wrong_on_matrices(x):
        return activation.relu(x) if x.ndim == 1 else -x

    partial = autograder.grade("activation.relu", wrong_on_matrices, points=3)
    report = autograder.check("activation.relu", wrong_on_matrices)
    assert type(partial) is float and partial == pytest.approx(3 * report.score) and 0 < partial < 3
    zero = autograder.grade("activation.relu", lambda x: None, points=3)
    assert type(zero) is float and zero == 0.0
    printed = capsys.readouterr()
    assert printed.err == ""
    assert "✘ FAILED · 0 / 3 points" in printed.out and "did you forget `return`" in printed.out
    assert "✔ PASSED · 3 / 3 points" in printed.out and "◐ PARTIAL" in printed.out


def test_a_report_looks_different_when_it_passes_partly_passes_or_fails():
    from autograder.runtime.notebook import ReportView
    views = {name: ReportView(autograder.check("activation.relu", candidate), points=2) for name, candidate in
             [("passed", activation.relu), ("partial", lambda x: activation.relu(x) if x.ndim == 1 else -x),
              ("failed", lambda x: -x), ("unfinished", lambda x: (_ for _ in ()).throw(NotImplementedError()))]}
    htmls = {name: view._repr_html_() for name, view in views.items()}
    assert len({html.split(">")[0] for html in htmls.values()}) == 4  # four different styles
    for name, html in htmls.items():
        assert f"dlgrade-{name}" in html
        assert "&lt;" not in repr(views[name])  # the plain text is not HTML


def test_the_skip_after_timeout_guard_calls_a_looping_candidate_once():
    calls = []

    def endless(x):
        calls.append(1)
        while True:
            pass

    quick = dataclasses.replace(prepare("activation.sigmoid"), time_limit=0.3)
    report = run_suite(quick, endless)
    assert len(calls) == 1, "later cases must not run a looping candidate again"
    assert not report.passed and report.score == 0.0
    assert "Timeout" in report.message and "endless loop" in report.message


def test_a_loop_that_swallows_exceptions_still_stops():
    calls = []

    def stubborn(x):
        calls.append(1)
        while True:
            try:
                while True:
                    pass
            except Exception:  # noqa: BLE001 - what a student might write around a loop
                pass

    quick = dataclasses.replace(prepare("activation.sigmoid"), time_limit=0.3)
    report = run_suite(quick, stubborn)
    assert len(calls) == 1 and "Timeout" in report.message


def test_no_alarm_is_left_behind_after_a_timeout():
    import signal
    quick = dataclasses.replace(prepare("activation.sigmoid"), time_limit=0.2)
    run_suite(quick, lambda x: [None for _ in iter(int, 1)])
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    time.sleep(0.5)  # a stray re-armed alarm would raise CandidateTimeout here


# the warnings policy -------------------------------------------------------------------------------

def test_right_values_that_warn_pass_where_stability_is_not_part_of_the_answer():
    def sigmoid_grad_via_cosh(x):
        return 0.25 / np.cosh(x / 2.0) ** 2  # overflows (a warning) at |x| = 1000, but 0.25/inf = 0 is right

    report = autograder.check("activation.sigmoid_grad", sigmoid_grad_via_cosh)
    assert report.passed, report.message
    assert "overflow" in report.message and "Advice" in report.message
    assert "助言" in autograder.check("activation.sigmoid_grad", sigmoid_grad_via_cosh, language="ja").message
    with np.errstate(over="ignore"):
        assert sigmoid_grad_via_cosh(np.array([1000.0]))[0] == 0.0  # the premise: the value is right


def test_a_warning_fails_where_stability_is_part_of_the_answer():
    report = autograder.check("activation.sigmoid", lambda x: 1.0 / (1.0 + np.exp(-x)))
    assert not report.passed and report.mistake == "overflow"
    assert "NumPy warned" in report.message


def test_float32_fails_and_says_so():
    report = autograder.check("activation.relu", lambda x: np.maximum(x, 0.0).astype(np.float32))
    assert not report.passed
    assert "float32" in report.message and "float64" in report.message
