"""Property summaries of the dropout layers, which draw their masks from NumPy's global generator.

A dropout layer cannot be compared with the reference draw for draw (a student may draw the
mask with ``np.random.rand``, ``np.random.random`` or ``np.random.binomial``), so the ``dropout``
driver records what every correct layer shares instead: the scale of the kept values, the share
of units kept, that each unit of each sample is kept or dropped on its own (not one mask for the
whole batch), that backward goes through the forward's mask, that each training forward draws a
new mask, that two layers keep their own masks, that the masks come from NumPy's global
generator without reseeding it, and the exact inference output. The reference's summary is the
expected one, and each known mistake has its own.

Shipped to students with the rest of the runtime: relative imports only.
"""
from __future__ import annotations

import numpy as np

from .drivers import register_driver, snapshot

# The probe on which the statistics are measured: 20 000 units, so the share of units a correct
# layer keeps lies within 0.03 of 1 − ratio by 8.5 standard deviations (σ ≤ √(0.25/20000) ≈ 0.0035,
# a chance below 1e-16 of falling outside); the exercises compare with atol = 0.03.
PROBE_SHAPE = (100, 200)
PART_ROWS = 10      # the probe's first rows, for the checks that only compare masks
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


def _mask(output, shape):
    """Where a training output is non-zero (the kept units), or None when it is not an array of ``shape``."""
    output = _as_float_array(output)
    return None if output is None or output.shape != shape else output != 0


def _first_masks_equal(layer_class, ratio, x, seed, other_seed):
    """Whether new layers' first masks are equal after seeding NumPy's generator with each seed."""
    masks = []
    for each in (seed, other_seed):
        np.random.seed(each)
        masks.append(_mask(layer_class(dropout_ratio=ratio).forward(x.copy()), x.shape))
    return bool(masks[0] is not None and masks[1] is not None and np.array_equal(*masks))


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
    # Every unit of every sample has its own draw: a mask drawn once with the shape of one sample
    # (D,) and broadcast over the batch repeats its rows; one draw per sample repeats its columns.
    # (With 200 units per row and 100 rows, a correct mask repeats neither by chance.)
    outputs["training: the mask differs from sample to sample"] = bool(not np.all(kept == kept[:1]))
    outputs["training: the mask differs from unit to unit"] = bool(not np.all(kept == kept[:, :1]))
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

    # Each training forward draws a new mask (20 000 units: never the same by chance), the third
    # too, so that a stream reset after the first draw shows.
    masks = [kept]
    for _ in range(2):
        masks.append(_mask(layer.forward(x.copy(), train_flg=True), x.shape))
    outputs["training: a new mask on every forward"] = all(
        later is not None and not np.array_equal(later, earlier) for earlier, later in zip(masks, masks[1:]))

    # Two layers of the class, interleaved (forward 1, forward 2, backward 2, backward 1): each
    # backward goes through its own layer's mask, and the two layers draw different masks.
    # (On a tenth of the probe, 2 000 units: two correct masks are never equal by chance either.)
    part, part_dout = x[:PART_ROWS], dout[:PART_ROWS]
    layers = [layer_class(dropout_ratio=ratio) for _ in range(2)]
    own = [_mask(each.forward(part.copy()), part.shape) for each in layers]
    through = [_mask(each.backward(part_dout.copy()), part.shape) for each in reversed(layers)][::-1]
    outputs["two layers: each backward passes where its own forward kept x"] = all(
        m is not None and t is not None and np.array_equal(m, t) for m, t in zip(own, through))
    outputs["two layers: different masks"] = bool(
        own[0] is not None and own[1] is not None and not np.array_equal(own[0], own[1]))

    # The masks come from NumPy's global generator and the layer never reseeds it: seeding the
    # generator alike gives a new layer the same mask, seeding it otherwise another mask.
    outputs["NumPy's global generator seeded alike: the same mask"] = _first_masks_equal(
        layer_class, ratio, part, inputs["seed"], inputs["seed"])
    outputs["NumPy's global generator seeded otherwise: another mask"] = not _first_masks_equal(
        layer_class, ratio, part, inputs["seed"], (inputs["seed"] + 1) % 2**32)

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
