"""The words of a report, in English and Japanese.

Every sentence the checker writes is here, keyed by what happened, so a translation is one table.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

LANGUAGES = ("en", "ja")

# Written by `dlgrade release --language ja|en` into each released copy of this runtime (dlcheck/).
SETTINGS = Path(__file__).resolve().parent / "settings.json"


def course_language() -> str | None:
    """The language the course was released in, if this runtime is a released copy."""
    try:
        return json.loads(SETTINGS.read_text(encoding="utf-8")).get("language")
    except (OSError, ValueError, AttributeError):
        return None


def language_or_default(language: str | None) -> str:
    """``language`` if given, else ``DLGRADE_LANG``, else the course's release language, else English."""
    chosen = str(language or os.environ.get("DLGRADE_LANG") or course_language() or "en").lower()[:2]
    return chosen if chosen in LANGUAGES else "en"


TEXT = {
    "en": {
        "passed": "{exercise}: passed ({total} of {total} {suite} cases).",
        "quiz-wrong": "  not the right answer{rounding}",
        "quiz-rounding": " (numbers are compared after rounding to {decimals} decimals)",
        "quiz-wrong-pair": "  {item}: not the right option",
        "failed": "{exercise}: {passed} of {total} {suite} cases passed (score {score:.2f}).",
        "case": "First failing case: {case}",
        "inputs": "  inputs: {inputs}",
        "mistake": "Known mistake [{mistake}]: {hint}",
        "warning": "  NumPy warned: {warning} (a correct solution runs without warnings)",
        "warning-advice": "  Advice: NumPy warned on case {case}: {warning}. The values are right, so this passes; "
                          "a formula that avoids the warning is more robust.",
        "not-callable": "{exercise}: expected a {what}, got {got}. Define it in the cell above and run that cell first.",
        "instance": "{exercise}: pass the class itself (e.g. {name}), not an instance ({name}(...)).",
        "unfinished": "{exercise}: not implemented yet: replace `raise NotImplementedError()` with your code.",
        "unanswered": "{exercise}: unanswered. Replace the `raise NotImplementedError()` line with your answer.",
        "what-function": "function",
        "what-class": "class",
    },
    "ja": {
        "passed": "{exercise}: 合格 ({suite} {total} ケース中 {total} ケース)。",
        "quiz-wrong": "  正しい答えではありません{rounding}",
        "quiz-rounding": " (数値は小数点以下 {decimals} 桁に丸めて比較します)",
        "quiz-wrong-pair": "  {item}: 正しい選択肢ではありません",
        "failed": "{exercise}: {suite} {total} ケース中 {passed} ケースに合格 (スコア {score:.2f})。",
        "case": "最初に不合格となったケース: {case}",
        "inputs": "  入力: {inputs}",
        "mistake": "よくある間違い [{mistake}]: {hint}",
        "warning": "  NumPy の警告: {warning} (正しい実装では警告は出ません)",
        "warning-advice": "  助言: ケース「{case}」で NumPy が警告しました: {warning}。値は正しいので合格ですが、"
                          "警告の出ない式にするとより安全です。",
        "not-callable": "{exercise}: {what}が必要ですが {got} が渡されました。上のセルで定義し、そのセルを実行してください。",
        "instance": "{exercise}: インスタンス ({name}(...)) ではなくクラス {name} そのものを渡してください。",
        "unfinished": "{exercise}: まだ実装されていません。`raise NotImplementedError()` をあなたのコードに置き換えてください。",
        "unanswered": "{exercise}: 未回答です。`raise NotImplementedError()` の行を答えに置き換えてください。",
        "what-function": "関数",
        "what-class": "クラス",
    },
}

SUITE_NAMES = {"en": {"visible": "visible", "hidden": "hidden"}, "ja": {"visible": "公開テスト", "hidden": "非公開テスト"}}

MISMATCH = {
    "en": {
        "raised": "  it raised {got}",
        "not-raised": "  expected it to raise {expected_type}, but it returned normally",
        "missing": "  {where}: missing (a dict key or attribute the exercise asks for)",
        "none": "  {where}: got None: did you forget `return`?",
        "type": "  {where}: got {got}, expected {expected}",
        "dtype": "  {where}: got dtype {got}, expected {expected}",
        "precision": "  {where}: got dtype {got}, expected float64: compute in float64 (NumPy's default; "
                     "drop the dtype=np.float32 or .astype(np.float32))",
        "shape": "  {where}: got shape {got}, expected shape {expected}",
        "nonfinite": "  {where}: got {got!r}, expected {expected:.8g} (non-finite: overflow, log(0) or 0/0?)",
        "value": "  {where}: got {got:.8g}, expected {expected:.8g} (abs error {abs_err:.3g}, rel error {rel_err:.3g}; {count} of {size} elements differ)",
        "plain": "  {where}: got {got!r}, expected {expected!r}",
        "value-hidden": "  {where}: wrong value (rel error {rel_err:.3g}; {count} of {size} elements differ)",
        "nonfinite-hidden": "  {where}: got {got!r} where a finite number belongs (overflow, log(0) or 0/0?)",
        "modified": "  it changed its argument(s) {got} in place: work on a copy (e.g. x.copy()) or build a new array",
    },
    "ja": {
        "raised": "  例外が発生しました: {got}",
        "not-raised": "  {expected_type} が発生するはずですが、正常に終了しました",
        "missing": "  {where}: ありません (課題が求める辞書のキーまたは属性)",
        "none": "  {where}: None が返りました。`return` を忘れていませんか?",
        "type": "  {where}: {got} が返りましたが、{expected} が必要です",
        "dtype": "  {where}: dtype が {got} ですが、{expected} が必要です",
        "precision": "  {where}: dtype が {got} ですが、float64 が必要です。float64 (NumPy の既定) で計算してください "
                     "(dtype=np.float32 や .astype(np.float32) を外す)",
        "shape": "  {where}: 形状が {got} ですが、{expected} が必要です",
        "nonfinite": "  {where}: {got!r} ですが、期待値は {expected:.8g} です (オーバーフロー、log(0)、0/0 ではありませんか?)",
        "value": "  {where}: {got:.8g} ですが、期待値は {expected:.8g} です (絶対誤差 {abs_err:.3g}、相対誤差 {rel_err:.3g}。{size} 要素中 {count} 要素が不一致)",
        "plain": "  {where}: {got!r} ですが、期待値は {expected!r} です",
        "value-hidden": "  {where}: 値が違います (相対誤差 {rel_err:.3g}、{size} 要素中 {count} 要素が不一致)",
        "nonfinite-hidden": "  {where}: 有限の数であるべきところが {got!r} です (オーバーフロー、log(0)、0/0 ではありませんか?)",
        "modified": "  引数 {got} をその場で書き換えています。コピー (x.copy() など) を使うか新しい配列を作ってください",
    },
}

# Where in the outputs a mismatch is, in words: "element [2] of the result".
OUTPUT_NAMES = {
    "en": {"return": "the result", "yielded": "what it yields"},
    "ja": {"return": "戻り値", "yielded": "yield した値"},
}
_SEGMENT = re.compile(r"\[([^\]]*)\]")


def describe_location(path: str, index: str = "", language: str = "en") -> str:
    """``return[1]['W']`` and element ``[2, 0]`` -> "element [2, 0] of 'W' in item 1 of the result".

    ``path`` is an output's label followed by ``[i]`` (an item of a tuple or list) or ``['key']``
    (an entry of a dict); ``index`` is the element of an array, as ``[i, j]``.
    """
    head, _, rest = path.partition("[")
    rest = "[" + rest if rest else ""
    where = OUTPUT_NAMES[language].get(head, head)
    for segment in _SEGMENT.findall(rest):
        if segment.isdigit():
            where = f"item {segment} of {where}" if language == "en" else f"{where}の {segment} 番目"
        else:
            key = segment.strip("'\"")
            where = f"'{key}' in {where}" if language == "en" else f"{where}の {key}"
    if index:
        where = f"element {index} of {where}" if language == "en" else f"{where}の要素 {index}"
    return where


EXPECTED_KIND = {"ja": {"an integer": "整数", "a float": "浮動小数点数"}}


def summarise_value(value, limit: int = 60) -> str:
    """A short, one-line picture of an input: small arrays in full, large ones by shape."""
    if isinstance(value, np.ndarray):
        if value.size <= 8:
            text = np.array2string(value, precision=4, separator=", ", max_line_width=10_000)
            return " ".join(text.split())
        return f"array of shape {value.shape}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {summarise_value(v, 30)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)) and len(value) > 4:
        return f"{type(value).__name__} of {len(value)} items"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
