"""Drivers for quiz answers: the candidate is the student's answer value, not a function.

Discrete answers (an option's number, a set of options, a whole number, a number to a given count
of decimals, the pairs of a matching question) are recorded as salted SHA-256 digests, so a released
fixture does not show the key at a glance. (The visible check itself tells right from wrong, so
trying every option finds the key anyway: the digest only keeps the key out of plain sight.)
Code fill-ins are strings, evaluated on test data; their values are compared like any output, so
any equivalent spelling passes.
"""
from __future__ import annotations

import hashlib
import numbers

import numpy as np

from .drivers import register_driver


def digest(salt: str, text: str) -> str:
    return hashlib.sha256(f"{salt}:{text}".encode("utf-8")).hexdigest()[:20]


def _whole_number(value) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    raise TypeError(f"expected a whole number (such as 2), got {value!r}")


@register_driver("quiz_choice")
def choice(answer, inputs, outputs, *, salt):
    """An option's number, or several (a list or set) when the question asks for more than one."""
    if isinstance(answer, (list, tuple, set, frozenset)):
        text = ",".join(str(n) for n in sorted({_whole_number(item) for item in answer}))
    else:
        text = str(_whole_number(answer))
    outputs["answer"] = digest(salt, text)


@register_driver("quiz_number")
def number(answer, inputs, outputs, *, salt, decimals=None):
    """A number: whole (``decimals=None``), or compared after rounding to ``decimals`` places."""
    if isinstance(answer, (list, tuple)):
        parts = [number_text(item, decimals) for item in answer]
        outputs["answer"] = digest(salt, ",".join(parts))
    else:
        outputs["answer"] = digest(salt, number_text(answer, decimals))


def number_text(value, decimals):
    if decimals is None:
        return str(_whole_number(value))
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        raise TypeError(f"expected a number, got {value!r}")
    rounded = round(float(value), decimals)
    return f"{rounded + 0.0:.{decimals}f}"  # + 0.0 turns -0.0 into 0.0


@register_driver("quiz_matching")
def matching(answer, inputs, outputs, *, salt):
    """A dict from each item to its option's letter or number; each pair is checked on its own."""
    if not isinstance(answer, dict):
        raise TypeError(f"expected a dict such as {{'{inputs['items'][0]}': 'A', ...}}, got {type(answer).__name__}")
    for item in inputs["items"]:
        chosen = answer.get(item)
        outputs[item] = digest(salt, f"{item}={str(chosen).strip().upper()}") if chosen is not None else None


# Test data for code fill-ins: each is a dict of the names the expression may use.
def _crop_data(variant):
    image = np.arange(6 * 8 * 3, dtype=np.float64).reshape(6, 8, 3) + 100.0 * variant
    top, left = 1 + variant, 2 + variant
    return {"image": image, "top": top, "bottom": top + 3, "left": left, "right": left + 4}


def _minibatch_data(variant):
    rng = np.random.default_rng(variant)
    data_x = rng.normal(size=(10, 3))
    data_t = rng.integers(0, 4, size=10)
    return {"data_x": data_x, "data_t": data_t, "shuffle_idx": rng.permutation(10), "i": 2 + variant, "i_end": 6 + variant}


def _penalty_data(variant):
    rng = np.random.default_rng(10 + variant)
    return {"param": rng.normal(size=(3, 4)), "grad": rng.normal(size=(3, 4)), "rate": 0.1}


TEST_DATA = {"random_crop": _crop_data, "minibatch": _minibatch_data, "penalty": _penalty_data}


@register_driver("quiz_expression")
def expression(answer, inputs, outputs):
    """A Python expression (a string) evaluated with ``np`` and the test data's names."""
    if not isinstance(answer, str):
        raise TypeError(f"expected the expression as a string (in quotes), got {type(answer).__name__}")
    names = {"np": np, **TEST_DATA[inputs["data"]](inputs["variant"])}
    value = eval(compile(answer.strip(), "<answer>", "eval"), {"__builtins__": {}}, names)  # noqa: S307
    outputs["value"] = np.array(value, dtype=np.float64) if not isinstance(value, tuple) else \
        tuple(np.array(item, dtype=np.float64) for item in value)
