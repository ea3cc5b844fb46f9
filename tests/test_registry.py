"""Registry-wide behaviour: every exercise is tested the same way."""
from pathlib import Path

import numpy as np
import pytest

import autograder
from autograder.registry import REGISTRY
from autograder.gradcheck import relative_error

from notebooks import STRAY_SPACE

EXERCISES = autograder.exercises()


def entry(exercise_id):
    return REGISTRY[exercise_id]


@pytest.mark.parametrize("exercise_id", EXERCISES)
@pytest.mark.parametrize("suite", ["visible", "hidden"])
def test_reference_passes_its_own_suite(exercise_id, suite):
    report = autograder.check(exercise_id, entry(exercise_id).reference, suite=suite)
    assert report.passed, report.message
    assert report.score == 1.0 and report.mistake is None


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_every_known_mistake_is_rejected_and_named(exercise_id):
    mistakes = entry(exercise_id).mistakes
    assert mistakes, f"{exercise_id} declares no known mistake"
    for known in mistakes:
        for implementation in known.implementations:
            for suite in ("visible", "hidden"):
                report = autograder.check(exercise_id, implementation, suite=suite)
                assert not report.passed, f"{known.id} passes the {suite} suite"
                assert report.mistake == known.id, f"{known.id} named as {report.mistake}:\n{report.message}"
                assert f"[{known.id}]" in report.message


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_mistake_messages_exist_in_both_languages(exercise_id):
    for known in entry(exercise_id).mistakes:
        assert known.en.strip() and known.ja.strip(), known.id
        assert any(ord(ch) > 0x3000 for ch in known.ja), f"{known.id}: the Japanese message has no Japanese"
        report = autograder.check(exercise_id, known.implementations[0], language="ja")
        assert known.ja in report.message


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_test_implementations_pass(exercise_id):
    implementations = entry(exercise_id).test_implementations
    assert implementations, f"{exercise_id} has no test implementation (another correct one)"
    for implementation in implementations:
        for suite in ("visible", "hidden"):
            report = autograder.check(exercise_id, implementation, suite=suite)
            assert report.passed, report.message


WRONG = [(e, i) for e in EXERCISES for i, _ in enumerate(REGISTRY[e].wrong_implementations)]


@pytest.mark.parametrize("exercise_id, index", WRONG)
@pytest.mark.parametrize("suite", ["visible", "hidden"])
def test_wrong_implementations_are_rejected(exercise_id, index, suite):
    """The holes a real submission found: each wrong implementation fails both suites."""
    report = autograder.check(exercise_id, entry(exercise_id).wrong_implementations[index], suite=suite)
    assert not report.passed, f"{exercise_id}: wrong implementation #{index} passes the {suite} suite"


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_accepted_conventions_pass(exercise_id):
    for convention in entry(exercise_id).accepted_conventions:
        report = autograder.check(exercise_id, convention, suite="hidden")
        assert report.passed, report.message


GRADIENT_EXERCISES = [e for e in EXERCISES if REGISTRY[e].gradient_check]


@pytest.mark.parametrize("exercise_id", GRADIENT_EXERCISES)
def test_derivative_matches_numerical_gradient(exercise_id):
    exercise = entry(exercise_id)
    for implementation in (exercise.reference, *exercise.accepted_conventions):
        for name, analytic, numeric in exercise.gradient_check(implementation):
            assert np.shape(analytic) == np.shape(numeric), name
            error = relative_error(analytic, numeric)
            assert error < 1e-6, f"{exercise_id} {name}: relative error {error:.2e}"


QUIZ_ITEMS = [e for e in EXERCISES if REGISTRY[e].candidate_kind == "value"]
CODE_EXERCISES = [e for e in EXERCISES if e not in QUIZ_ITEMS]


@pytest.mark.parametrize("exercise_id", CODE_EXERCISES)
def test_hidden_suite_is_reproducible_and_secret(exercise_id, monkeypatch):
    """Same secret, same inputs (re-grading is stable); another secret, other inputs. (A quiz item
    has one answer and no random cases.)"""
    exercise = entry(exercise_id)
    assert exercise.generate, f"{exercise_id} has no generator of random cases for the hidden suite"
    first = exercise.suite_cases("hidden")
    again = exercise.suite_cases("hidden")
    monkeypatch.setenv("DLGRADE_SECRET", "another-course")
    other = exercise.suite_cases("hidden")
    flat = lambda cases: repr([c.inputs for c in cases if c.name.startswith("random")])  # noqa: E731
    assert flat(first) == flat(again)
    assert flat(first) != flat(other)


CATALOG_MISTAKES = [line.split() for line in
                    (Path(__file__).with_name("catalog_mistakes.txt")).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("exercise_id, mistake_id", CATALOG_MISTAKES)
def test_every_catalog_mistake_is_registered_under_its_id(exercise_id, mistake_id):
    """The 26 mistakes of EXERCISES.md (a copy in tests/catalog_mistakes.txt); the registry-wide
    test above shows each is rejected and named."""
    assert mistake_id in [m.id for m in entry(exercise_id).mistakes]


@pytest.mark.parametrize("exercise_id", CODE_EXERCISES)
def test_each_exercise_names_a_mistake_of_our_own(exercise_id):
    from_catalog = {m for e, m in CATALOG_MISTAKES if e == exercise_id}
    ours = [m.id for m in entry(exercise_id).mistakes if m.id not in from_catalog]
    assert ours, f"{exercise_id}: only the catalog's mistakes"


def computes_a_derivative(exercise) -> bool:
    """From the registry: a layer with ``backward``, a function named as a gradient or derivative,
    a function whose reference module defines its ``_backward``, or an adjoint (col2im of im2col)."""
    reference = exercise.reference
    if exercise.candidate_kind == "value":  # a quiz answer
        return False
    name = getattr(reference, "__name__", "")
    module = __import__(reference.__module__, fromlist=["_"])
    doc = (reference.__doc__ or "").lower()
    return (hasattr(reference, "backward") or name.endswith(("_grad", "_backward", "_gradient"))
            or hasattr(module, f"{name}_backward") or "adjoint" in doc.split("\n\n")[0]
            or doc.startswith(("derivative", "gradient")))


DERIVATIVES = [e for e in EXERCISES if computes_a_derivative(entry(e))]


def test_the_derivative_list_is_not_empty_and_finds_every_kind():
    kinds = {REGISTRY[e].driver for e in DERIVATIVES}
    assert len(DERIVATIVES) >= 15 and {"call", "layer"} <= kinds


@pytest.mark.parametrize("exercise_id", DERIVATIVES)
def test_every_derivative_and_backward_has_a_gradient_check(exercise_id):
    assert entry(exercise_id).gradient_check, f"{exercise_id} computes a derivative but has no gradient check"




@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_japanese_hints_have_no_stray_spaces_between_words(exercise_id):
    """Leftovers of English emphasis ("勾配の 和") read badly; spaces around numbers and code stay."""
    for known in entry(exercise_id).mistakes:
        assert not STRAY_SPACE.search(known.ja), f"{known.id}: {STRAY_SPACE.search(known.ja).group()!r} in {known.ja}"


def test_the_checkers_own_japanese_has_no_stray_spaces_and_one_word_for_window():
    from autograder.runtime import messages, notebook
    tables = [messages.TEXT["ja"], messages.MISMATCH["ja"], notebook.DEMO_UNFINISHED, notebook.DEMO_BROKEN,
              notebook.MISSING_FIXTURE]
    texts = [t["ja"] if "ja" in t else t for t in tables]
    for table in texts:
        for text in (table.values() if isinstance(table, dict) else [table]):
            assert not STRAY_SPACE.search(text), text
    hints = " ".join(m.ja for e in EXERCISES for m in entry(e).mistakes)
    notebooks = " ".join(p.read_text(encoding="utf-8") for p in Path(__file__).parents[1].glob("solutions/*/*.ipynb"))
    assert "窓" in notebooks and "ウィンドウ" not in hints + notebooks, "one word for window: 窓"
