"""Case labels are shown to students in both languages: a label with English words has a Japanese one.

A check report names the first failing case ("First failing case: a (2, 3) batch" /
"最初に不合格となったケース: (2, 3) のバッチ"). A label that is only a formula or code
(``x = [-2, 0, 3]``, ``std = 0.5``) reads the same in both languages and needs no translation.
"""
import re

import numpy as np
import pytest

import autograder
from autograder.registry import Case, load

# Japanese text has no spaces between words; a half-width space belongs only beside numbers,
# code and latin symbols ("(2, 3) のバッチ", not "勾配の 和").
from notebooks import JAPANESE, STRAY_SPACE as SPACE_BETWEEN_JAPANESE

TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
WORD = re.compile(r"[A-Za-z]{3,}")
# Names of code that a label may quote as they are: NumPy and math functions, the constants NumPy
# prints, and the method names of the layer and optimizer interfaces (``backward(2.5)``).
CODE_NAMES = frozenset({
    "np", "exp", "log", "sin", "cos", "sum", "max", "min", "int", "float", "none", "nan", "inf",
    "dout", "forward", "backward", "update", "softmax", "relu", "sigmoid", "tanh",
})

REGISTRY = load()
SUITES = [(exercise_id, suite) for exercise_id in sorted(REGISTRY) for suite in ("visible", "hidden")]


def _names_in(value) -> set[str]:
    """Every string in a case's inputs, and every dict key, at any depth (argument names, constructor
    keywords, parameter names, method names in steps, category names)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {str(key) for key in value} | set().union(*map(_names_in, value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*map(_names_in, value))
    if isinstance(value, np.ndarray) and value.dtype.kind in "US":
        return {str(item) for item in value.ravel()}
    return set()


def english_words(case: Case) -> list[str]:
    """The words of the English label that are neither the case's own input names nor code names."""
    identifiers = {token for name in _names_in(case.inputs) for token in TOKEN.findall(name)}
    return [token for token in TOKEN.findall(case.name)
            if WORD.search(token) and token not in identifiers and token.lower() not in CODE_NAMES]


def label_problems(case: Case) -> list[str]:
    problems = []
    words = english_words(case)
    if words and not (case.name_ja and JAPANESE.search(case.name_ja)):
        problems.append(f"{case.name!r} has English words {words} but no Japanese label (name_ja={case.name_ja!r})")
    if case.name_ja and SPACE_BETWEEN_JAPANESE.search(case.name_ja):
        problems.append(f"{case.name_ja!r} has a half-width space between Japanese words")
    return problems


@pytest.mark.parametrize("exercise_id, suite", SUITES)
def test_every_worded_label_has_a_natural_japanese_label(exercise_id, suite):
    cases = REGISTRY[exercise_id].suite_cases(suite)
    problems = [problem for case in cases for problem in label_problems(case)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", [
    Case("a batch of two", {}),
    Case("a batch of two", {}, "a batch of two"),      # a "translation" with no Japanese in it
    Case("std = 0.5", {}),                               # std is exempt only where it is an input's name
    Case("two layers", {"init": [{}, {}], "steps": [(1, "forward", (), {})]}),
    Case("batch larger than N", {"x": np.zeros(3)}, "バッチ が N より大きい"),
    Case("a (2, 3) batch", {}, "(2, 3) の バッチ"),
])
def test_the_label_check_flags_a_missing_or_spaced_translation(case):
    assert label_problems(case)


@pytest.mark.parametrize("case", [
    Case("x = [-2, 0, 3]", {"x": np.array([-2.0, 0.0, 3.0])}),
    Case("x = ±1000", {"x": np.array([-1000.0, 1000.0])}),
    Case("std = 0.5", {"n_in": 2, "n_out": 3, "std": 0.5}),
    Case("l1_rate 0: ridge", {"l1_rate": 0.0}, "l1_rate 0: リッジ"),
    Case("label indices, a (3, 4) batch, backward(1)", {}, "ラベルのインデックス、(3, 4) のバッチ、backward(1)"),
    Case("category names: 'tokyo', 'osaka'", {"categories": np.array(["tokyo", "osaka"])}, "カテゴリ名: 'tokyo', 'osaka'"),
])
def test_the_label_check_accepts_formulas_code_and_translated_labels(case):
    assert label_problems(case) == []


def _ignores_the_batch_axis(x):
    """ReLU written for a 1-D x only: on a batch, max(row, 0.0) raises."""
    return np.array([max(value, 0.0) for value in x])


class SharedMaskRelu:
    """Keeps its mask on the class: the second layer's forward overwrites the first layer's mask."""

    mask = None

    def forward(self, x):
        type(self).mask = x <= 0
        out = x.copy()
        out[type(self).mask] = 0
        return out

    def backward(self, dout):
        dx = dout.copy()
        dx[type(self).mask] = 0
        return dx


class FixedRateSGD:
    """Ignores its lr: the default arguments pass, other arguments fail."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] -= 0.01 * grads[key]


@pytest.mark.parametrize("exercise_id, candidate, first_failing", [
    ("activation.relu", _ignores_the_batch_axis, "a (2, 3) batch"),
    ("layers.Relu", SharedMaskRelu, "two layers"),                     # built by interleaved(...)
    ("optim.SGD", FixedRateSGD, "{'lr': 0.1}, 4 updates"),           # built by optimizer_cases(...)
    ("day1_quiz.minibatch_slice", "data_x[0:3]", "test data 1"),     # built by quiz.expression(...)
])
def test_a_japanese_report_names_the_failing_case_in_japanese(exercise_id, candidate, first_failing):
    (case,) = [case for case in REGISTRY[exercise_id].cases if case.name == first_failing]
    assert case.name_ja and JAPANESE.search(case.name_ja)

    japanese = autograder.check(exercise_id, candidate, language="ja")
    assert not japanese.passed
    assert f"最初に不合格となったケース: {case.name_ja}\n" in japanese.message + "\n"
    assert first_failing not in japanese.message

    english = autograder.check(exercise_id, candidate, language="en")
    assert f"First failing case: {first_failing}\n" in english.message + "\n"
    assert case.name_ja not in english.message
