"""What failed in a graded cell, in words a student may see.

For a **hidden** cell the page shows only which property failed, chosen from a fixed list
(:data:`PROPERTIES`), never a word of the report itself: the report of a hidden case names no
inputs, but a candidate's exception message, warning or returned string can carry them (``raise
ValueError(str(x))``), and a shape in it is the hidden input's shape. The property is found by
matching the report's first mismatch line against the checker's own sentence templates
(:data:`autograder.runtime.messages.MISMATCH`, both languages), anchored at the start of the line,
where the checker's words come before anything the candidate wrote. The failing case is named only
when it is one of the exercise's fixed cases (public: the visible check runs them too), and then
with the registry's label, not the report's; a random hidden case is only "a random hidden case".

For a **visible** cell the failing case, its inputs and the worst element are the report's own
lines (the visible cases are public).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..runtime import messages

# property key -> (English, Japanese): what a hidden case found wrong.
PROPERTIES = {
    "values": ("the values of the result", "結果の値"),
    "nonfinite": ("finite values (it gave nan or inf: overflow, log(0) or 0/0?)",
                  "有限の値 (nan や inf になりました。オーバーフロー、log(0)、0/0 ではありませんか?)"),
    "shape": ("the shape of the result", "結果の形状"),
    "dtype": ("the dtype of the result (float64, or an integer where one is due)",
              "結果の dtype (float64、または整数が必要なところ)"),
    "type": ("the kind of the result (a number, an array, a dict, a tuple...)",
             "結果の種類 (数値、配列、辞書、タプルなど)"),
    "missing": ("a missing output (a return value, a dict key or an attribute)",
                "足りない出力 (戻り値、辞書のキー、属性)"),
    "modified": ("a changed input: it modified its argument in place", "入力の変更: 引数をその場で書き換えました"),
    "warning": ("numerical stability: NumPy warned (overflow or invalid value)",
                "数値の安定性: NumPy が警告しました (オーバーフローや不正な値)"),
    "raised": ("it raised an exception", "例外が発生しました"),
    "not-raised": ("it did not raise the exception the exercise asks for", "課題が求める例外が発生しませんでした"),
    "time": ("time: it ran past the time limit", "時間: 制限時間を超えました"),
    "crashed": ("the notebook stopped before this cell was graded", "このセルを採点する前にノートブックが止まりました"),
    "not-defined": ("the function or class was not defined (or not one)", "関数またはクラスが定義されていませんでした"),
    "answer": ("the answer", "解答"),
    "blank": ("not answered yet", "まだ解答されていません"),
    "property": ("a property of the result", "結果の性質"),
    "unknown": ("something this page cannot say (see the visible check)", "このページでは示せない点 (公開テストを参照)"),
}

# Mismatch template -> property, in the order they are tried (the more specific first).
TEMPLATE_PROPERTY = (
    ("raised", "raised"), ("not-raised", "not-raised"), ("modified", "modified"),
    ("precision", "dtype"), ("dtype", "dtype"), ("shape", "shape"), ("none", "missing"), ("missing", "missing"),
    ("nonfinite-hidden", "nonfinite"), ("nonfinite", "nonfinite"), ("value-hidden", "values"), ("value", "values"),
    ("type", "type"), ("plain", "values"),
)


def _pattern(template: str) -> re.Pattern:
    """A template as a regex anchored at the line's start: its words literal, each field ``(.*?)``."""
    parts = re.split(r"\{[^{}]*\}", template)
    return re.compile("^" + "(.*?)".join(re.escape(part) for part in parts) + "$", re.DOTALL)


MISMATCH_PATTERNS = [(key, prop, _pattern(messages.MISMATCH[language][key]))
                     for key, prop in TEMPLATE_PROPERTY for language in messages.LANGUAGES]
_PREFIX = {name: [messages.TEXT[lang][name].split("{")[0] for lang in messages.LANGUAGES]
           for name in ("case", "inputs", "steps", "gradients", "mistake", "warning")}
WARNED = [messages.TEXT[lang]["warning"].split("{")[0] for lang in messages.LANGUAGES]
UNFINISHED = [_pattern(messages.TEXT[lang][key]) for lang in messages.LANGUAGES for key in ("unfinished", "unanswered")]
NOT_CALLABLE = [_pattern(messages.TEXT[lang][key]) for lang in messages.LANGUAGES for key in ("not-callable", "instance")]
QUIZ_WRONG = [_pattern(messages.TEXT[lang][key]) for lang in messages.LANGUAGES
              for key in ("quiz-wrong", "quiz-wrong-pair")]
# The grader's words for a name that is not there (autograder.grading.session), and nbgrader's NameError.
NOT_DEFINED_WORDS = ("is not defined when this cell runs", "が定義されていません", "does not name its candidate",
                     "採点対象を名前で指定していない")


# What compare() writes as the expected kind of a "type" mismatch.
TYPE_NAMES = re.compile(r"dict|ndarray of \w+")
PROPERTY_LABELS = sorted(messages.PROPERTY_LABELS_JA, key=len, reverse=True)


def _property_label(where: str) -> str | None:
    """The checked property (a random component's: "standard deviation") named in ``where``, as the
    registry's English label; None when ``where`` names none. Only the label list's own strings return."""
    for label in PROPERTY_LABELS:
        if label in where or messages.PROPERTY_LABELS_JA[label] in where:
            return label
    return None


@dataclass(frozen=True)
class HiddenFailure:
    """What a student may learn of a failed hidden cell."""

    property: str                  # a key of PROPERTIES
    label: str | None = None       # a checked property's own name (random components), from PROPERTY_LABELS_JA
    case: str | None = None        # "fixed" (a public case), "random", or None (not known)
    case_label: str | None = None  # the fixed case's label from the registry, in the page's language

    def describe(self, language: str) -> str:
        english = language != "ja"
        text = PROPERTIES[self.property][0 if english else 1]
        if self.label:
            shown = self.label if english else messages.PROPERTY_LABELS_JA.get(self.label, self.label)
            text = f"{text}: {shown}"
        return text


def _case_line(lines: list[str]) -> tuple[int, str | None]:
    """(index, label) of the "First failing case:" line, or (-1, None)."""
    for index, line in enumerate(lines):
        for prefix in _PREFIX["case"]:
            if line.startswith(prefix):
                return index, line[len(prefix):]
    return -1, None


def classify_hidden(status: str, message: str, exercise: str | None, language: str = "en") -> HiddenFailure:
    """The property a failed hidden cell got wrong, from its status and its report's words."""
    if status == "timed out":
        return HiddenFailure("time")
    if status == "crashed":
        lines = message.splitlines()
        index, _ = _case_line(lines)
        if index < 0:  # not a report: the notebook stopped (or the cell raised) before the check ran
            undefined = message.startswith("NameError") or any(w in message for w in NOT_DEFINED_WORDS)
            return HiddenFailure("not-defined" if undefined else "crashed")
    if status == "blank":
        return HiddenFailure("blank")
    lines = message.splitlines()
    if lines and any(p.match(lines[0]) for p in UNFINISHED):
        return HiddenFailure("blank")
    if lines and (any(p.match(lines[0]) for p in NOT_CALLABLE) or any(w in lines[0] for w in NOT_DEFINED_WORDS)):
        return HiddenFailure("not-defined")
    index, label = _case_line(lines)
    case, case_label = _which_case(exercise, label, language)
    detail = [line for line in lines[index + 1:] if line.startswith("  ")] if index >= 0 else \
        [line for line in lines[1:] if line.startswith("  ")]
    if detail and any(pattern.match(detail[0]) for pattern in QUIZ_WRONG):
        return HiddenFailure("answer", case=case, case_label=case_label)
    if not detail:
        return HiddenFailure("unknown", case=case, case_label=case_label)
    first = detail[0]
    if any(first.startswith(prefix) for prefix in WARNED):
        return HiddenFailure("warning", case=case, case_label=case_label)
    for key, prop, pattern in MISMATCH_PATTERNS:
        found = pattern.match(first)
        if not found:
            continue
        if key == "type" and not TYPE_NAMES.fullmatch(found.groups()[-1]):
            continue  # the same words as "plain" in English: a wrong plain value, not a wrong kind
        if prop == "raised" and found.group(1).split(":")[0].strip() in ("Timeout", "CandidateTimeout"):
            return HiddenFailure("time", case=case, case_label=case_label)
        label = _property_label(found.group(1)) if key not in ("raised", "not-raised", "modified") else None
        if label and prop in ("values", "type"):
            prop = "property"
        return HiddenFailure(prop, label=label, case=case, case_label=case_label)
    return HiddenFailure("unknown", case=case, case_label=case_label)


def _which_case(exercise: str | None, label: str | None, language: str) -> tuple[str | None, str | None]:
    """Whether the report's case label is a public fixed case (then its label, from the registry) or a
    random hidden one. The report's text itself is never returned."""
    if label is None or exercise is None:
        return None, None
    from ..registry import load

    entry = load().get(exercise)
    if entry is None:
        return None, None
    for case in entry.cases:
        if label in (case.name, case.name_ja):
            return "fixed", (case.name_ja if language == "ja" and case.name_ja else case.name)
    if re.fullmatch(r"(?:random|ランダム) #\d+", label):
        return "random", None
    return None, None


@dataclass(frozen=True)
class VisibleFailure:
    case: str | None               # the failing case's label
    details: list[str]             # its inputs, the calls, the worst element: the report's own lines


def visible_details(message: str) -> VisibleFailure:
    """The failing case and what differed, from a visible report (its headline and hint left out)."""
    lines = message.splitlines()
    index, label = _case_line(lines)
    rest = lines[index + 1:] if index >= 0 else lines[1:]
    details = [line.strip() for line in rest
               if line.strip() and not any(line.startswith(p) for p in _PREFIX["mistake"])]
    return VisibleFailure(label, details)
