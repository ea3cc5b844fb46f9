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
        "steps": "  calls, up to the failing one: {steps}",
        "gradients": "  gradients passed to update, up to the failing call: {steps}",
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
        "steps": "  失敗した呼び出しまでの手順: {steps}",
        "gradients": "  update に渡した勾配 (失敗した呼び出しまで): {steps}",
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
    "en": {"return": "the result", "yielded": "what it yields", "value": "the value of your expression",
           "answer": "your answer"},
    "ja": {"return": "戻り値", "yielded": "yield した値", "value": "式の値", "answer": "解答"},
}

# The property summaries' labels (random components), in Japanese; English is the label itself.
PROPERTY_LABELS_JA = {
    "NumPy's global generator seeded alike: the same mask": "NumPy のグローバル乱数を同じ状態にすると同じマスク",
    "NumPy's global generator seeded otherwise: another mask": "NumPy のグローバル乱数を別の状態にすると別のマスク",
    "a new array on every call": "呼び出すたびに新しい配列",
    "backward: every output is 0 or one same multiple of dout": "backward: 出力はすべて 0 か dout の同じ定数倍",
    "backward: output shape": "backward: 出力の形状",
    "backward: that multiple (dx / dout)": "backward: その倍率 (dx / dout)",
    "backward: the gradient passes exactly where forward kept x": "backward: forward で残した所だけ勾配が通る",
    "batch sizes": "バッチサイズ",
    "crop dtype": "切り出した画像の dtype",
    "crop shapes": "切り出した画像の形状",
    "crops follow NumPy's global generator": "切り出しが NumPy のグローバル乱数に従う",
    "every crop is a window of the image": "どの切り出しも画像の窓になっている",
    "every offset drawn": "すべてのオフセットが選ばれる",
    "every sample once per epoch": "各エポックで全サンプルがちょうど 1 回ずつ",
    "global generator moves on": "グローバル乱数が先に進む",
    "inference: output for the case's x": "推論: このケースの x に対する出力",
    "inputs unchanged": "入力が変更されない",
    "left offsets drawn": "選ばれた左端のオフセット",
    "mean is 0": "平均が 0",
    "modified inputs": "書き換えられた入力",
    "new order each epoch": "エポックごとに新しい順序",
    "normally distributed": "正規分布に従う",
    "order follows NumPy's global generator": "順序が NumPy のグローバル乱数に従う",
    "order is shuffled": "順序がシャッフルされている",
    "standard deviation": "標準偏差",
    "top offsets drawn": "選ばれた上端のオフセット",
    "training: a new mask on every forward": "学習時: forward のたびに新しいマスク",
    "training: every output is 0 or one same multiple of x": "学習時: 出力はすべて 0 か x の同じ定数倍",
    "training: output shape": "学習時: 出力の形状",
    "training: output shape for the case's x": "学習時: このケースの x に対する出力の形状",
    "training: share of units kept": "学習時: 残したユニットの割合",
    "training: that multiple (kept output / x)": "学習時: その倍率 (残した出力 / x)",
    "training: the mask differs from sample to sample": "学習時: マスクがサンプルごとに違う",
    "training: the mask differs from unit to unit": "学習時: マスクがユニットごとに違う",
    "two layers get different weights": "2 つの層が別々の重みを得る",
    "two layers: different masks": "2 つの層: 別々のマスク",
    "two layers: each backward passes where its own forward kept x": "2 つの層: 各 backward は自分の forward で残した所を通す",
    "updated in place": "params の配列をその場で更新",
    "weights dtype": "重みの dtype",
    "weights follow NumPy's global generator": "重みが NumPy のグローバル乱数に従う",
    "x and t rows stay paired": "x と t の行の対応が保たれる",
    "x_batch dtype": "x_batch の dtype",
    "yields (x_batch, t_batch) pairs": "(x_batch, t_batch) の組を yield する",
}

_SEGMENT = re.compile(r"\[([^\]]*)\]")
_STEP = re.compile(r"^(?:layer (\d+): )?(forward|backward|predict)((?: #\d+)?)$")
_UPDATE = re.compile(r"^(?:optimizer (\d+): )?after update (\d+)$")
_OF_LAYER = re.compile(r"^(layer|optimizer) (\d+): (.+)$")


def describe_output(label: str, language: str = "en") -> str:
    """An output's label in words: ``layer 2: backward`` -> "the result of layer 2's backward"."""
    en = language == "en"
    if label in OUTPUT_NAMES[language]:
        return OUTPUT_NAMES[language][label]
    step = _STEP.match(label)
    if step:
        number, method, call = step.groups()
        if en:
            return f"the result of layer {number}'s {method}{call}" if number else f"the result of {method}{call}"
        return f"層 {number} の {method}{call} の戻り値" if number else f"{method}{call} の戻り値"
    update = _UPDATE.match(label)
    if update:
        number, step_number = update.groups()
        if en:
            owner = f"optimizer {number}'s parameters" if number else "the parameters"
            return f"{owner} after update {step_number}"
        owner = f"オプティマイザ {number} の" if number else ""
        return f"{owner}更新 {step_number} 回後のパラメータ"
    owned = _OF_LAYER.match(label)
    if owned:
        kind, number, rest = owned.groups()
        rest = rest if en else PROPERTY_LABELS_JA.get(rest, rest)
        if en:
            return f"{rest} of {kind} {number}"
        return f"{'層' if kind == 'layer' else 'オプティマイザ'} {number} の{rest}"
    return label if en else PROPERTY_LABELS_JA.get(label, label)


def describe_location(path: str, index: str = "", language: str = "en") -> str:
    """``return[1]['W']`` and element ``[2, 0]`` -> "element [2, 0] of 'W' in item 1 of the result".

    ``path`` is an output's label followed by ``[i]`` (an item of a tuple or list) or ``['key']``
    (an entry of a dict); ``index`` is the element of an array, as ``[i, j]``.
    """
    head, _, rest = path.partition("[")
    rest = "[" + rest if rest else ""
    where = describe_output(head, language)
    for segment in _SEGMENT.findall(rest):
        if segment.isdigit():
            where = f"item {segment} of {where}" if language == "en" else _ja_of(where, f"{segment} 番目")
        else:
            key = segment.strip("'\"")
            where = f"'{key}' in {where}" if language == "en" else _ja_of(where, key)
    if index:
        where = f"element {index} of {where}" if language == "en" else _ja_of(where, f"要素 {index}")
    return where


def _ja_of(owner: str, part: str) -> str:
    """``owner`` の ``part``, with a space between latin and Japanese text (``W の要素``), as the course writes."""
    left = " " if owner[-1:].isascii() else ""
    right = " " if part[:1].isascii() else ""
    return f"{owner}{left}の{right}{part}"


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
    if isinstance(value, (list, tuple)) and any(isinstance(item, (dict, np.ndarray)) for item in value):
        inner = ", ".join(summarise_value(item, 40) for item in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
