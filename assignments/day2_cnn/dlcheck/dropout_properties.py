"""Property summaries of the dropout layers, which draw their masks from NumPy's global generator.

A dropout layer cannot be compared with the reference draw for draw (a student may draw the
mask with ``np.random.rand``, ``np.random.random`` or ``np.random.binomial``), so the ``dropout``
driver records what every correct layer shares instead: the scale of the kept values, the share
of units kept, that backward goes through the forward's mask, that each training forward draws a
new mask, and the exact inference output. The reference's summary is the expected one, and each
known mistake has its own.

Shipped to students with the rest of the runtime: relative imports only.
"""
from __future__ import annotations

import numpy as np

from .drivers import register_driver, snapshot

# The probe on which the statistics are measured: 20 000 units, so the share of units a correct
# layer keeps lies within 0.03 of 1 − ratio by 8.5 standard deviations (σ ≤ √(0.25/20000) ≈ 0.0035,
# a chance below 1e-16 of falling outside); the exercises compare with atol = 0.03.
PROBE_SHAPE = (100, 200)
SAME_MULTIPLE = 1e-9  # relative spread allowed among the multiples out/x of the kept units (rounding)


def _probe(shape, offset):
    """Non-zero values of both signs and various sizes, the same on every run (no random draws)."""
    key = (shape, offset)
    if key not in _PROBES:
        size = int(np.prod(shape))
        magnitude = 0.5 + 1.5 * ((np.arange(size) * 0.618034 + offset) % 1.0)
        sign = np.where(np.arange(size) % 3 == 1, -1.0, 1.0)
        _PROBES[key] = (magnitude * sign).reshape(shape)
        _PROBES[key].flags.writeable = False
    return _PROBES[key].copy()


_PROBES: dict = {}


def _shape(value):
    """The shape of what a method returned, or None when it returned None (a missing return)."""
    return None if value is None else tuple(int(n) for n in np.shape(value))


def _as_float_array(value):
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _multiple(numerator, denominator, where):
    """The common ratio numerator/denominator over ``where`` and whether it is one value.

    When the ratios differ, the value is their median (for the message).
    """
    if not where.any():
        return 0.0, False
    ratios = numerator[where] / denominator[where]
    first = float(ratios[0])
    if np.all(np.abs(ratios - first) <= SAME_MULTIPLE * max(abs(first), 1.0)):
        return first, True
    return float(np.median(ratios)), False


def _summarise(layer_class, inputs, outputs):
    ratio = inputs["dropout_ratio"]
    layer = layer_class(dropout_ratio=ratio)
    x = _probe(PROBE_SHAPE, 0.0)
    dout = _probe(PROBE_SHAPE, 0.37)

    # Training forward with the default train_flg.
    first = layer.forward(x.copy())
    outputs["training: output shape"] = _shape(first)
    first = _as_float_array(first)
    if first is None or first.shape != x.shape:
        return
    kept = first != 0
    outputs["training: share of units kept"] = float(np.mean(kept))
    multiple, same = _multiple(first, x, kept)
    outputs["training: every output is 0 or one same multiple of x"] = same
    outputs["training: that multiple (kept output / x)"] = multiple

    # Backward through the same mask.
    dx = layer.backward(dout.copy())
    outputs["backward: output shape"] = _shape(dx)
    dx = _as_float_array(dx)
    if dx is None or dx.shape != x.shape:
        return
    passed = dx != 0
    outputs["backward: the gradient passes exactly where forward kept x"] = bool(np.array_equal(passed, kept))
    multiple, same = _multiple(dx, dout, passed)
    outputs["backward: every output is 0 or one same multiple of dout"] = same
    outputs["backward: that multiple (dx / dout)"] = multiple

    # A second training forward must draw a new mask (50 000 units: never the same by chance).
    second = _as_float_array(layer.forward(x.copy(), train_flg=True))
    outputs["training: a new mask on every forward"] = bool(
        second is not None and second.shape == x.shape and not np.array_equal(second != 0, kept))

    # The case's own input, in training (shape only) and at inference (exact values).
    small = inputs["x"]
    outputs["training: output shape for the case's x"] = _shape(layer.forward(small.copy(), train_flg=True))
    outputs["inference: output for the case's x"] = snapshot(layer.forward(small.copy(), train_flg=False))


@register_driver("dropout")
def dropout(candidate, inputs, outputs):
    """A dropout layer class, seeded with ``inputs["seed"]``; NumPy's global generator is restored after.

    inputs: ``seed``, ``dropout_ratio`` (the constructor's argument) and ``x`` (an array whose
    inference output is recorded exactly). outputs: the summary described in the module docstring.
    """
    state = np.random.get_state()
    try:
        np.random.seed(inputs["seed"])
        _summarise(candidate, inputs, outputs)
    finally:
        np.random.set_state(state)
