"""Code fill-ins: computed by our own evaluator of a checked syntax tree, never by ``eval``.

Escape attempts fail with a message naming what is not allowed and run nothing; sizes that would
hang or fill the memory are refused before NumPy or Python starts on them; right answers written
differently pass, and the material's wrong options are still named.
"""
import ast
import builtins
import math
import os
import subprocess
import time

import numpy as np
import pytest

import autograder
from autograder.registry import load, prepare
from autograder.runtime import run_suite, serialize
from autograder.runtime.quiz import NotAllowedInAnswer, evaluate

REGISTRY = load()
REAL_EVAL = builtins.eval  # only to show that the recorder below catches what eval of a fill-in did
FILL_INS = [item for item, entry in REGISTRY.items() if entry.driver == "quiz_expression"]
CROP = "day2_quiz.random_crop_fill"
MARKER = "pwned"  # a file an escape would create in the test's working folder

NOT_ALLOWED = {"en": "is not allowed in an answer", "ja": "は解答に使えません"}
TOO_LARGE = {"en": "is too large", "ja": "が大きすぎます"}

# (answer, what the message must name). Each would reach os.system, a file, or Python's internals.
ESCAPES = [
    ("().__class__.__base__.__subclasses__()", "the attribute `.__class__`"),
    ("image.__class__", "the attribute `.__class__`"),
    ("image.T.__class__.__mro__[-1].__subclasses__()", "the attribute `.__class__`"),
    ("np.sum(image).__class__", "the attribute `.__class__`"),
    ("np.e.__class__", "the attribute `.__class__`"),
    ("np.abs.__call__(image)", "`np.abs` without a call"),
    ("np.sum.__globals__['os'].system('touch pwned')", "`np.sum` without a call"),
    ("lambda: 0", "lambda"),
    ("(lambda: __import__('os').system('touch pwned'))()", "lambda"),
    ("[c for c in ().__class__.__base__.__subclasses__()]", "a list comprehension"),
    ("{c for c in image}", "a set comprehension"),
    ("{k: 1 for k in image}", "a dict comprehension"),
    ("np.sum(c for c in image)", "a generator expression"),
    ("__import__('os').system('touch pwned')", "the name `__import__`"),
    ("np.lib.os.system('touch pwned')", "`np.lib`"),
    ("np.os.system('touch pwned')", "`np.os`"),
    ("np.__dict__", "`np.__dict__`"),
    ("np.__dict__['sum'](image)", "`np.__dict__`"),
    ("np.save('pwned', image)", "`np.save`"),
    ("np.fromfunction(np.sum, (2, 2))", "`np.fromfunction`"),
    ("np.vectorize(np.abs)(image)", "`np.vectorize`"),
    ("np.zeros_like(image, None, None, True, (10 ** 5, 10 ** 5))", "`np.zeros_like`"),
    ("image.tofile('pwned')", "the attribute `.tofile`"),
    ("image.dump('pwned')", "the attribute `.dump`"),
    ("image.sum()", "the attribute `.sum`"),
    ("image.ctypes", "the attribute `.ctypes`"),
    ("getattr(image, '__class__')", "the name `getattr`"),
    ("image['__class__']", "a string constant"),
    ("'os'", "a string constant"),
    ("b'os'", "a bytes constant"),
    ("type(image)", "the name `type`"),
    ("open('pwned', 'w')", "the name `open`"),
    ("globals()", "the name `globals`"),
    ("vars()", "the name `vars`"),
    ("eval('1')", "the name `eval`"),
    ("exec('import os')", "the name `exec`"),
    ("compile('1', 'a', 'eval')", "the name `compile`"),
    ("breakpoint()", "the name `breakpoint`"),
    ("print(image)", "the name `print`"),
    ("__builtins__", "the name `__builtins__`"),
    ("f'{image.__class__}'", "an f-string"),
    ("[*image]", "`*` unpacking"),
    ("np.sum(**{'axis': 0})", "`**` unpacking"),
    ("np.sum(image, dtype=object)", "the keyword argument `dtype=`"),
    ("(top := 0)", "the assignment `:=`"),
    ("image if top else image", "a conditional expression"),
    ("{'a': image}", "a dict"),
    ("{top, left}", "a set"),
    ("top << 2", "the operator `<<`"),
    ("image @ image", "the operator `@`"),
    ("image is image", "the operator `is`"),
    ("~top", "the operator `~`"),
    ("1j * image", "the constant `1j`"),
    ("image(top)", "calling `image`"),
    ("np.sum(image)(top)", "calling the result of an expression"),
    ("np", "`np` on its own"),
    ("np.pi(top)", "`np.pi`"),
]
CONSTRUCT_JA = {"lambda": "lambda 式", "a list comprehension": "リスト内包表記", "a set comprehension": "集合内包表記",
                "a dict comprehension": "辞書内包表記", "a generator expression": "ジェネレータ式",
                "a string constant": "文字列定数", "a bytes constant": "バイト列定数", "an f-string": "f 文字列",
                "a conditional expression": "条件式", "a dict": "辞書", "a set": "集合",
                "`*` unpacking": "`*` による展開", "`**` unpacking": "`**` による展開",
                "the assignment `:=`": "代入式 `:=`", "`np` on its own": "単独の `np`",
                "calling the result of an expression": "式の結果の呼び出し"}
PREFIX_JA = {"the attribute ": "属性 ", "the name ": "名前 ", "the keyword argument ": "キーワード引数 ",
             "the operator ": "演算子 ", "the constant ": "定数 "}


def japanese(construct: str) -> str:
    """What the Japanese message calls a construct: code stays as it is, the words are translated."""
    if construct in CONSTRUCT_JA:
        return CONSTRUCT_JA[construct]
    for prefix, translation in PREFIX_JA.items():
        if construct.startswith(prefix):
            return translation + construct[len(prefix):]
    if construct.startswith("calling "):
        return construct[len("calling "):] + " の呼び出し"
    if construct.endswith(" without a call"):
        return "呼び出さない " + construct[:-len(" without a call")]
    return construct  # code alone, such as `np.lib`


@pytest.fixture
def calls(monkeypatch, tmp_path):
    """Every call that would run code or reach the system, recorded (and not made) while a check runs."""
    prepare(CROP)  # the fixture's own work (the reference's outputs) is done before anything is watched
    monkeypatch.chdir(tmp_path)
    recorded = []

    def recorder(name):
        def record(*args, **kwargs):
            recorded.append((name, args))
            raise AssertionError(f"{name} was called")
        return record

    for name in ("eval", "exec", "open", "breakpoint", "globals", "vars", "print"):
        monkeypatch.setattr(builtins, name, recorder(name))
    real_import, real_compile = builtins.__import__, builtins.compile

    def import_recorded(name, *args, **kwargs):
        if name.split(".")[0] in ("os", "subprocess", "shutil", "posix", "ctypes"):
            recorded.append(("__import__", (name,)))
        return real_import(name, *args, **kwargs)

    def compile_to_tree_only(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:  # ast.parse compiles to a tree, which runs nothing
            recorded.append(("compile", (source,)))
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_recorded)
    monkeypatch.setattr(builtins, "compile", compile_to_tree_only)
    for module, name in ((os, "system"), (os, "popen"), (os, "remove"), (os, "execv"), (subprocess, "Popen"),
                         (np, "save"), (np, "load")):
        monkeypatch.setattr(module, name, recorder(f"{module.__name__}.{name}"))
    yield recorded
    assert not (tmp_path / MARKER).exists(), "an answer created a file"


def test_the_recorder_catches_what_eval_with_no_builtins_let_through(calls):
    """The former driver's eval(answer, {"__builtins__": {}}, names) reached os.system like this."""
    escape = ("[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0]"
              f".__init__.__globals__['system']('touch {MARKER}')")
    with pytest.raises(AssertionError, match="os.system was called"):
        REAL_EVAL(escape, {"__builtins__": {}}, {})
    assert calls == [("os.system", (f"touch {MARKER}",))]
    calls.clear()


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("answer, construct", ESCAPES)
def test_escapes_fail_naming_the_construct_and_run_nothing(calls, answer, construct, language):
    report = autograder.check(CROP, answer, language=language)
    assert not report.passed and report.score == 0.0 and report.mistake is None
    named = f"NotAllowedInAnswer: {construct if language == 'en' else japanese(construct)}"
    assert named in report.message, report.message
    other = "ja" if language == "en" else "en"
    assert NOT_ALLOWED[other] not in report.message, "one language per report"
    assert NOT_ALLOWED[language] in report.message, report.message
    assert calls == []


@pytest.mark.parametrize("answer, construct", ESCAPES)
def test_the_exception_names_the_construct_in_both_languages(calls, answer, construct):
    names = REGISTRY[CROP].cases[0].inputs["names"]
    with pytest.raises(NotAllowedInAnswer) as raised:
        evaluate(answer, names)
    assert raised.value.en.startswith(construct), raised.value.en
    assert raised.value.ja.startswith(japanese(construct)), raised.value.ja
    assert "image, top, bottom, left, right" in raised.value.en  # the names the student may use


@pytest.mark.parametrize("item", FILL_INS)
def test_the_whole_message_reaches_the_student(item):
    """The report shows the whole Japanese message, even for a long name and the item with the most names."""
    names = REGISTRY[item].cases[0].inputs["names"]
    answer = "a_very_long_name_that_nobody_gave_" * 3
    with pytest.raises(NotAllowedInAnswer) as raised:
        evaluate(answer, names)
    report = autograder.check(item, answer, language="ja")
    assert raised.value.ja in report.message, report.message
    assert "\n" not in str(raised.value)


def test_a_japanese_construct_word_has_no_space_before_its_particle():
    with pytest.raises(NotAllowedInAnswer) as raised:
        evaluate("[x for x in image]", {"image": np.zeros(3)})
    assert raised.value.ja.startswith("リスト内包表記は解答に使えません"), raised.value.ja
    with pytest.raises(NotAllowedInAnswer) as raised:
        evaluate("image.__class__", {"image": np.zeros(3)})
    assert raised.value.ja.startswith("属性 `.__class__` は解答に使えません"), raised.value.ja


# Resource bounds ---------------------------------------------------------------------------------

HUGE = [
    ("10 ** 10 ** 10", "A whole number"),
    ("left ** 100000", "A whole number"),
    ("2 ** 4097", "A whole number"),
    ("(10 ** 1000) * (10 ** 1000) * (10 ** 1000) * (10 ** 1000) * (10 ** 1000)", "A whole number"),
    ("np.arange(10 ** 12)", "`np.arange(...)`"),
    ("np.arange(0, 1, 1e-9)", "`np.arange(...)`"),
    ("np.arange(10 ** 5 + 1)", "`np.arange(...)`"),
    ("np.arange(0, 10 ** 9, 1, None)", "`np.arange(...)`"),
    ("np.arange(400)[:, np.newaxis] * np.arange(400)", "The result of an operation"),
    ("np.arange(400)[:, None] < np.arange(400)", "The result of an operation"),
    ("image[np.arange(1000) % 6]", "The indexed array"),
    ("np.take(image, np.arange(1000) % 6, axis=0)", "`np.take(...)`"),
    ("np.concatenate([np.arange(60000), np.arange(60000)])", "`np.concatenate(...)`"),
    ("np.maximum(np.arange(1000)[:, None], np.arange(1000))", "`np.maximum(...)`"),
    (" + ".join(["top"] * 300), "The answer"),
]


@pytest.mark.parametrize("answer, what", HUGE)
def test_sizes_that_would_hang_or_fill_the_memory_are_refused_at_once(answer, what):
    start = time.perf_counter()
    report = autograder.check(CROP, answer)
    assert time.perf_counter() - start < 5.0
    assert not report.passed
    assert f"NotAllowedInAnswer: {what} {TOO_LARGE['en']}" in report.message, report.message
    assert TOO_LARGE["ja"] in autograder.check(CROP, answer, language="ja").message


@pytest.mark.parametrize("answer", ["np.arange(10 ** 5)", "2 ** 4096 - 2 ** 4096 + top", "left ** 4000 // left ** 3999", "(-1) ** 10 ** 100 * top"])
def test_sizes_within_the_bounds_are_computed(answer):
    value = evaluate(answer, {"top": 1, "left": 2})
    assert np.size(value) >= 1


def test_a_deeply_nested_answer_fails_without_crashing_the_check():
    for answer in ["(" * 300 + "top" + ")" * 300, "-" * 900 + "top", "image" + "[0]" * 300]:
        report = autograder.check(CROP, answer)
        assert not report.passed


# Right answers, wrong answers ----------------------------------------------------------------------

EQUIVALENT = {
    "day1_quiz.minibatch_slice": [
        "data_x[shuffle_idx[i:i_end]], data_t[shuffle_idx[i:i_end]]",
        "  (data_x[ shuffle_idx[i : i_end] ] ,data_t[shuffle_idx[i:i_end]])  ",
        "data_x[shuffle_idx][i:i_end], data_t[shuffle_idx][i:i_end]",
        "np.take(data_x, shuffle_idx[i:i_end], axis=0), np.take(data_t, shuffle_idx[i:i_end])",
        "data_x[shuffle_idx[i:i + (i_end - i)], :], data_t[shuffle_idx[i:i_end]]",
        "data_x[shuffle_idx[i:i_end]][::-1][::-1], data_t[shuffle_idx[i:i_end:1]]",
    ],
    "day2_quiz.l2_grad_fill": ["param", "(param)", "+param", "1.0 * param", "param / 1", "2 * param / 2",
                               "param ** 1", "np.asarray(param)", "np.maximum(param, param)", "--param"],
    "day2_quiz.l1_grad_fill": [
        "np.sign(param)", "-np.sign(-param)", "np.sign(param) * 1.0",
        "np.where(param > 0, 1.0, np.where(param < 0, -1.0, 0.0))",
        "(param > 0) * 1.0 - (param < 0) * 1.0",
        "np.clip(np.sign(param), -1, 1)",
    ],
    "day2_quiz.random_crop_fill": [
        "image[top:bottom, left:right, :]", "image[top:bottom, left:right]", "image[top:bottom, left:right, ...]",
        "image[top:bottom][:, left:right]", "image[top:top + (bottom - top), left:right, ::1]",
        "image[top:bottom, left:right, ::-1][:, :, ::-1]", "image[top:bottom, left:right, 0:image.shape[2]]",
        "np.flip(np.flip(image, 0)[image.shape[0] - bottom:image.shape[0] - top], 0)[:, left:right]",
        "image.T[:, left:right, top:bottom].T",
    ],
}

# The material's wrong options (and other spellings of the same values) with the mistake named.
WRONG = [
    ("day1_quiz.minibatch_slice", "data_x[i:i_end], data_t[i:i_end]", "unshuffled"),
    ("day1_quiz.minibatch_slice", "(data_x[shuffle_idx[i:i_end]], data_t[i:i_end])", "misaligned"),
    ("day2_quiz.l2_grad_fill", "np.sum(param**2)", "penalty-not-gradient"),
    ("day2_quiz.l2_grad_fill", "np.sum(param)", "sum-of-weights"),
    ("day2_quiz.l2_grad_fill", "param**2", "penalty-not-gradient"),
    ("day2_quiz.l2_grad_fill", "param * param", "penalty-not-gradient"),
    ("day2_quiz.l1_grad_fill", "np.maximum(param, 0)", "clipped-not-sign"),
    ("day2_quiz.l1_grad_fill", "np.minimum(param, 0)", "clipped-not-sign"),
    ("day2_quiz.l1_grad_fill", "np.abs(param)", "abs-not-sign"),
    ("day2_quiz.l1_grad_fill", "np.sqrt(np.square(param))", "abs-not-sign"),
    ("day2_quiz.l1_grad_fill", "param", "l2-gradient"),
    ("day2_quiz.random_crop_fill", "image[bottom:top, right:left, :]", "swapped-bounds"),
    ("day2_quiz.random_crop_fill", "image[:, top:bottom, left:right]", "channels-first"),
    ("day2_quiz.random_crop_fill", "image[left:right, top:bottom]", "rows-columns-swapped"),
]


def test_every_fill_in_has_equivalent_spellings_here():
    assert sorted(EQUIVALENT) == sorted(FILL_INS)


@pytest.mark.parametrize("item, answer", [(item, answer) for item, answers in EQUIVALENT.items() for answer in answers])
def test_right_answers_written_differently_pass_both_suites(item, answer):
    for suite in ("visible", "hidden"):
        report = autograder.check(item, answer, suite=suite)
        assert report.passed, report.message


@pytest.mark.parametrize("item, answer, mistake", WRONG)
def test_wrong_options_fail_and_are_named(item, answer, mistake):
    report = autograder.check(item, answer)
    assert not report.passed
    assert report.mistake == mistake, report.message


@pytest.mark.parametrize("answer", ["image[top:top + 3, left:left + 4]", "image[1:4, 2:6]", "image[top:bottom, left:right, 0]"])
def test_an_answer_right_only_for_the_first_window_fails(answer):
    report = autograder.check(CROP, answer)
    assert not report.passed, report.message


@pytest.mark.parametrize("answer, error", [("image[", "SyntaxError"), ("image[top:bottom", "SyntaxError"),
                                           ("image[100]", "IndexError"), ("np.arange(1, 2, 0)", "ZeroDivisionError")])
def test_an_answer_that_does_not_compute_fails_with_python_s_error(answer, error):
    report = autograder.check(CROP, answer)
    assert not report.passed
    assert error in report.message, report.message


def test_an_answer_that_is_not_a_string_says_so():
    report = autograder.check(CROP, 3)
    assert not report.passed and "as a string" in report.message


# The evaluator follows Python and NumPy ------------------------------------------------------------

IMAGE = np.arange(6 * 8 * 3, dtype=np.float64).reshape(6, 8, 3)
NAMES = {"image": IMAGE, "top": 1, "bottom": 4, "left": 2, "right": 6}
SAME_AS_PYTHON = [
    ("top + bottom * 2 - left // 3 % 2 ** 2", 1 + 4 * 2 - 2 // 3 % 2 ** 2),
    ("-top ** 2 + 7 / 2", -1 ** 2 + 7 / 2),
    ("2 ** -1", 0.5),
    ("-top < +bottom <= right", True),
    ("top < bottom > right", False),
    ("top < 0 or right", 6),
    ("not top and 5", False),
    ("top and 5", 5),
    ("1e-3 * 2.5e3", 2.5),
    ("True + top", 2),
    ("image[top:bottom:2, -1::-2, ...]", IMAGE[1:4:2, -1::-2, ...]),
    ("image[::-1, ::2][1:, ..., 0]", IMAGE[::-1, ::2][1:, ..., 0]),
    ("image[[0, 2], 1]", IMAGE[[0, 2], 1]),
    ("image[image > 400]", IMAGE[IMAGE > 400]),
    ("image[:, np.newaxis, None].shape", (6, 1, 1, 8, 3)),
    ("image.T.shape[0] + image.ndim + image.size", 3 + 3 + 144),
    ("np.sum(image, axis=(0, 1), keepdims=True)", np.sum(IMAGE, axis=(0, 1), keepdims=True)),
    ("np.mean(image[top]) - np.pi", np.mean(IMAGE[1]) - math.pi),
    ("np.where(image > 150, np.e, -1)", np.where(IMAGE > 150, math.e, -1)),
    ("np.concatenate([image[top], image[bottom]], axis=0)", np.concatenate([IMAGE[1], IMAGE[4]], axis=0)),
    ("np.stack((image[0], image[1]))", np.stack((IMAGE[0], IMAGE[1]))),
    ("np.arange(0, 1, 0.25)", np.array([0.0, 0.25, 0.5, 0.75])),
    ("np.reshape(image, (-1,))[5]", 5.0),
    ("np.transpose(image, (2, 0, 1)).shape", (3, 6, 8)),
    ("np.exp(np.log(image[1:3]))", np.exp(np.log(IMAGE[1:3]))),
    ("np.array([top, left])", np.array([1, 2])),
    ("np.clip(image, 10, 20)[0, 0]", np.array([10.0, 10.0, 10.0])),
    ("(top, (left, right))", (1, (2, 6))),
]


@pytest.mark.parametrize("answer, expected", SAME_AS_PYTHON)
def test_the_evaluator_computes_what_python_and_numpy_compute(answer, expected):
    got = evaluate(answer, NAMES)
    if isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray) and got.dtype == expected.dtype, got
        np.testing.assert_array_equal(got, expected)
    else:
        assert not isinstance(got, np.ndarray) and got == expected, got


def test_the_given_names_are_not_changed_by_an_answer():
    names = {"image": IMAGE.copy()}
    evaluate("np.clip(image, 10, 20)", names)
    np.testing.assert_array_equal(names["image"], IMAGE)


# The test data in the fixture ----------------------------------------------------------------------

@pytest.mark.parametrize("item", FILL_INS)
def test_the_fixture_carries_the_test_data_and_round_trips(item):
    prepared = prepare(item)
    loaded = serialize.loads(serialize.dumps(prepared))
    for original, saved in zip(prepared.cases, loaded.cases, strict=True):
        assert list(saved.inputs) == ["names"]
        assert list(saved.inputs["names"]) == list(original.inputs["names"])
        for name, value in original.inputs["names"].items():
            copy = saved.inputs["names"][name]
            assert type(copy) is type(value), name  # ints stay ints, floats floats, arrays arrays
            if isinstance(value, np.ndarray):
                assert copy.dtype == value.dtype and copy.shape == value.shape
                np.testing.assert_array_equal(copy, value)
            else:
                assert copy == value
    key = REGISTRY[item].reference
    assert run_suite(loaded, key).passed
    for mistake in REGISTRY[item].mistakes:
        assert run_suite(loaded, mistake.implementations[0]).mistake == mistake.id


def test_the_student_runtime_holds_no_course_data():
    """The runtime is copied into every release: the test data live in the catalog's cases."""
    from autograder.runtime import quiz
    assert not hasattr(quiz, "TEST_DATA")
    source = open(quiz.__file__, encoding="utf-8").read()
    for item in FILL_INS:
        for name in REGISTRY[item].cases[0].inputs["names"]:
            assert f'"{name}"' not in source, name
