"""Compare what a candidate produced with what was expected, one output at a time.

Outputs are nested dicts whose leaves are numbers, arrays, or plain values (tuples, strings,
bools). Numbers and arrays are compared in a fixed order: present, a number at all, dtype kind,
shape, finiteness, values; the first thing that differs is reported as a :class:`Mismatch`
carrying the worst element, so the message can say exactly where the candidate went wrong.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .sandbox import Raised


@dataclass(frozen=True)
class Mismatch:
    """The first difference found. ``kind`` is one of the keys of ``messages.MISMATCH``."""

    kind: str
    path: str
    details: dict = field(default_factory=dict)


def _is_numeric(value) -> bool:
    """Arrays (of any dtype, bool included) and numeric scalars; a plain bool is a plain value."""
    return isinstance(value, (np.ndarray, np.number, int, float)) and not isinstance(value, (bool, np.bool_))


def _as_array(value):
    """Lists of numbers count as arrays; anything that is not a real or integer array is None."""
    if isinstance(value, (bool, np.bool_, str, bytes, dict)) or value is None:
        return None
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - a ragged list or an odd object is simply not an array
        return None
    return array if array.dtype.kind in "biuf" else None


def _kind_name(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"ndarray of {value.dtype}"
    return type(value).__name__


def _format_index(index: tuple) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]" if index else ""


def _isclose(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float, nan_equal: bool) -> np.ndarray:
    """``np.isclose(got, expected, rtol, atol, nan_equal)`` for float64 arrays of one shape, without
    its broadcasting and dtype handling: a grading run compares tens of thousands of small outputs.

    |got − expected| ≤ atol + rtol·|expected| where ``expected`` is finite; elsewhere only equal
    values (inf and inf of one sign; nan and nan when ``nan_equal``) are close.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        close = (np.abs(got - expected) <= atol + rtol * np.abs(expected)) & np.isfinite(expected)
        close |= got == expected
    if nan_equal:
        close |= np.isnan(got) & np.isnan(expected)
    return close


def compare_numeric(got, expected, rtol: float, atol: float, path: str, nan_equal: bool) -> Mismatch | None:
    expected = np.asarray(expected)
    got_array = _as_array(got)
    if got_array is None:
        return Mismatch("type", path, {"got": _kind_name(got), "expected": _kind_name(expected)})
    if expected.dtype.kind == "b" and got_array.dtype.kind != "b":
        return Mismatch("dtype", path, {"got": str(got_array.dtype), "expected": "bool"})
    if expected.dtype.kind in "iu" and got_array.dtype.kind not in "iu":
        return Mismatch("dtype", path, {"got": str(got_array.dtype), "expected": "an integer"})
    if expected.dtype.kind == "f" and got_array.dtype.kind != "f":
        return Mismatch("dtype", path, {"got": str(got_array.dtype), "expected": "a float"})
    if expected.dtype == np.float64 and got_array.dtype.kind == "f" and got_array.itemsize < 8:
        # float32 rounds at ~1e-7 relative: close to the tolerance, and wrong in the tails.
        return Mismatch("precision", path, {"got": str(got_array.dtype)})
    if got_array.shape != expected.shape:
        return Mismatch("shape", path, {"got": got_array.shape, "expected": expected.shape})
    got_f = got_array.astype(np.float64)
    exp_f = expected.astype(np.float64)
    close = _isclose(got_f, exp_f, rtol, atol, nan_equal)
    # inf == inf counts as close, as in np.isclose; a nan where a finite number belongs is its own kind.
    if close.all():
        return None
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):  # atol may be 0: x / 0 is inf here
        abs_err = np.abs(got_f - exp_f)
        scaled = abs_err / (atol + rtol * np.abs(exp_f))
    scaled = np.where(close, 0.0, np.where(np.isfinite(scaled), scaled, np.inf))
    worst = np.unravel_index(int(np.argmax(scaled)), scaled.shape) if scaled.ndim else ()
    got_value, expected_value = got_f[worst], exp_f[worst]
    with np.errstate(invalid="ignore", divide="ignore"):
        rel_err = abs_err[worst] / abs(expected_value) if expected_value != 0 else np.inf
    kind = "nonfinite" if not np.isfinite(got_value) and np.isfinite(expected_value) else "value"
    return Mismatch(kind, path, {
        "index": _format_index(worst), "got": float(got_value), "expected": float(expected_value),
        "abs_err": float(abs_err[worst]), "rel_err": float(rel_err),
        "count": int((~close).sum()), "size": int(close.size),
    })


def compare(got, expected, rtol: float, atol: float, path: str = "", nan_equal: bool = False) -> Mismatch | None:
    """The first mismatch between ``got`` and ``expected``, or None when they agree."""
    if isinstance(expected, Raised) or isinstance(got, Raised):
        if got == expected:
            return None
        return Mismatch("raised" if isinstance(got, Raised) else "not-raised", path,
                        {"got": got, "expected": expected})
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return Mismatch("type", path, {"got": _kind_name(got), "expected": "dict"})
        for key, value in expected.items():
            sub = f"{path}[{key!r}]" if path else str(key)
            if key not in got:
                return Mismatch("missing", sub, {})
            found = compare(got[key], value, rtol, atol, sub, nan_equal)
            if found:
                return found
        return None
    if got is None and expected is not None:
        return Mismatch("none", path, {})
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return Mismatch("value", path, {"got": got, "expected": expected})
        for index, (got_item, expected_item) in enumerate(zip(got, expected)):
            found = compare(got_item, expected_item, rtol, atol, f"{path}[{index}]", nan_equal)
            if found:
                return found
        return None
    if _is_numeric(expected):
        return compare_numeric(got, expected, rtol, atol, path, nan_equal)
    if isinstance(got, np.bool_):
        got = bool(got)
    try:
        equal = bool(got == expected) and type(got) is type(expected)
    except Exception:  # noqa: BLE001 - an array compared with a tuple, say, is not equal
        equal = False
    if not equal:
        return Mismatch("value", path, {"got": got, "expected": expected})
    return None
