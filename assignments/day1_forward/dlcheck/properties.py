"""Property summaries of random components (data shuffling and cropping, weight initialisation).

A random component cannot be checked by equality with the reference's draws: a correct answer may
draw in another order. Each driver here seeds NumPy's global generator from ``inputs["seed"]`` (and
puts the student's own generator state back afterwards), calls the candidate, often many times,
and records a SUMMARY of what came out: shapes, booleans for properties, sorted tuples of what was
seen, measured statistics. The reference's summary is the expected one and each known mistake's
summary is its signature. Every property is chosen to be the same for any correct implementation
and any seed except with negligible probability (below 1e-20 where the numbers are given).

Every driver also checks that the candidate draws from NumPy's global stream as the catalog says:
called again from the same global state it gives the same result, from another state another one
(so it does not reseed or keep a generator of its own), each call moves the stream on, and two calls
in a row give two different results as new arrays (no cached result). The checker's own reseeding
happens only between calls, never inside the window in which a call is watched.

The candidate is called with the inputs other than ``seed`` as positional arguments, in order.
"""
from __future__ import annotations

import contextlib
import itertools

import numpy as np

from .drivers import register_driver

# Epochs run by the minibatch driver. With N ≥ 5 samples a correct shuffle keeps the original order
# in every one of them with probability (1/5!)^12 < 1e-24, and repeats one order in all of them with
# probability (1/5!)^11 < 1e-22.
EPOCHS = 12
# Crops drawn by the crop driver. With at most 6 offsets per axis, some offset is never drawn with
# probability at most 6·(5/6)^300 < 1e-22.
CROP_DRAWS = 300
# Initialisers: a normal sample's mean lies within this many standard errors of 0 (a miss has
# probability < 1e-22), and its excess kurtosis within this bound (about 14 standard errors,
# √(24/M), for the M ≥ 50 000 weights the cases use; a uniform distribution's is −1.2).
MEAN_STANDARD_ERRORS = 10.0
KURTOSIS_BOUND = 0.3
# Crops drawn again to see that they follow the global stream: where there are at least 2 offsets,
# 70 draws from another state repeat the same positions with probability at most 2^−70 < 1e-21.
REPLAY_DRAWS = 70


@contextlib.contextmanager
def seeded(seed: int):
    """Seed NumPy's global generator, and restore the caller's state afterwards whatever happens."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def arguments(inputs: dict) -> list:
    """The candidate's positional arguments: every input except the seed, in order."""
    return [value for name, value in inputs.items() if name != "seed"]


def another_seed(seed: int) -> int:
    return (int(seed) + 1) % 2**32


def _state_key(state) -> tuple:
    """The parts of ``np.random.get_state()`` that change with every draw."""
    return (state[1].tobytes(), *state[2:])


@contextlib.contextmanager
def watched(record: dict):
    """Sets ``record["moved"]``: whether the global stream moved on while the block ran."""
    before = _state_key(np.random.get_state())
    try:
        yield
    finally:
        record["moved"] = _state_key(np.random.get_state()) != before


def element_type(value):
    """A 0-d array of ``value``'s dtype: compared like any output, so float32 fails as float32."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None
    return np.zeros((), dtype=array.dtype) if array.dtype.kind in "biuf" else None


# data.minibatches -------------------------------------------------------------------------------

def _row_ids(batch, lookup: dict, like: np.ndarray):
    """The original index of every row of ``batch`` (None for a row that is not a sample of x)."""
    try:
        rows = np.asarray(batch, dtype=like.dtype)
    except (TypeError, ValueError):
        return None
    if rows.ndim != like.ndim or rows.shape[1:] != like.shape[1:]:
        return None
    ids = [lookup.get(np.ascontiguousarray(row).tobytes()) for row in rows]
    return None if any(i is None for i in ids) else ids


def _same_rows(batch, expected: np.ndarray) -> bool:
    try:
        got = np.asarray(batch)
    except (TypeError, ValueError):
        return False
    return got.shape == expected.shape and bool(np.array_equal(got, expected))


@register_driver("minibatch_properties")
def minibatch_properties(candidate, inputs, outputs):
    """A minibatch generator run for several epochs on samples whose rows identify them.

    ``inputs``: ``x`` (N, ...) with distinct rows, ``t`` (N, ...), ``batch_size``, ``seed``.

    outputs:
        ``yields (x_batch, t_batch) pairs``: every item is a pair;
        ``batch sizes``: the rows of each batch of the first epoch, as a tuple;
        ``every sample once per epoch``: in every epoch, the x rows are the N samples, each once;
        ``x and t rows stay paired``: every t_batch holds the targets of its x_batch's samples;
        ``order is shuffled``: some epoch is not in the original order;
        ``new order each epoch``: not every epoch has the same order;
        ``inputs unchanged``: x and t are as they were, after every epoch;
        ``x_batch dtype``: the batches' element type (float64 as x);
        ``order follows NumPy's global generator``: the epochs repeat from the same global state and
        differ from another one (no reseeding, no generator of its own);
        ``global generator moves on``: the epochs drew from the global stream.
    """
    x, t, batch_size = inputs["x"], inputs["t"], inputs["batch_size"]
    x_before, t_before = x.copy(), t.copy()
    n = len(x)
    lookup = {np.ascontiguousarray(row).tobytes(): i for i, row in enumerate(x_before)}
    found = {"pairs": True, "sizes": None, "each once": True, "paired": True, "unchanged": True, "dtype": None}

    def epochs():
        """The order of the samples in each of EPOCHS epochs (None where a batch is not rows of x)."""
        orders = []
        for _ in range(EPOCHS):
            # at most N batches are right; a few more show the mistake without running forever
            items = list(itertools.islice(iter(candidate(x, t, batch_size)), n + 2))
            if not all(isinstance(item, (tuple, list)) and len(item) == 2 for item in items):
                found["pairs"] = False
                return orders
            if found["sizes"] is None:
                found["sizes"] = tuple(int(np.shape(x_batch)[0]) if np.ndim(x_batch) else -1 for x_batch, _ in items)
                found["dtype"] = element_type(items[0][0]) if items else None
            order = []
            for x_batch, t_batch in items:
                ids = _row_ids(x_batch, lookup, x_before)
                if ids is None:
                    found["each once"] = found["paired"] = False
                    order = None
                    break
                order += ids
                found["paired"] = found["paired"] and _same_rows(t_batch, t_before[ids])
            found["each once"] = found["each once"] and order is not None and sorted(order) == list(range(n))
            orders.append(None if order is None else tuple(order))
            # after every epoch: in-place shuffles may compose back to the original order by chance
            found["unchanged"] = found["unchanged"] and bool(np.array_equal(x, x_before) and np.array_equal(t, t_before))
        return orders

    stream = {}
    with seeded(inputs["seed"]):
        with watched(stream):
            orders = epochs()
        if found["pairs"]:
            np.random.seed(inputs["seed"])
            again = epochs()
            np.random.seed(another_seed(inputs["seed"]))
            other = epochs()
    outputs["yields (x_batch, t_batch) pairs"] = found["pairs"]
    if not found["pairs"]:
        return
    outputs["batch sizes"] = found["sizes"]
    if found["dtype"] is not None:
        outputs["x_batch dtype"] = found["dtype"]
    outputs["every sample once per epoch"] = found["each once"]
    outputs["x and t rows stay paired"] = found["paired"]
    outputs["order is shuffled"] = any(order != tuple(range(n)) for order in orders)
    outputs["new order each epoch"] = len(set(orders)) > 1
    outputs["inputs unchanged"] = found["unchanged"]
    # N ≥ 5: another state repeats all 12 orders with probability (1/5!)^12 < 1e-24
    outputs["order follows NumPy's global generator"] = again == orders and other != orders
    outputs["global generator moves on"] = stream["moved"]


# data.random_crop -------------------------------------------------------------------------------

@register_driver("crop_properties")
def crop_properties(candidate, inputs, outputs):
    """A random crop drawn :data:`CROP_DRAWS` times from an image whose pixels are all different.

    ``inputs``: ``image`` (H, W, C) with distinct pixels, ``crop_size`` (h, w), ``seed``.

    outputs:
        ``crop shapes``: every shape returned, as a sorted tuple (one shape, (h, w, C), is right);
        ``every crop is a window of the image``: each equals ``image[top:top + h, left:left + w]``;
        ``top offsets drawn`` / ``left offsets drawn``: the offsets of those windows, sorted;
        ``every offset drawn``: tops 0 … H − h and lefts 0 … W − w all occur;
        ``crop dtype``: the crops' element type (the image's);
        ``a new array on every call``: no call returns the object the call before it returned;
        ``crops follow NumPy's global generator``: the same positions again from the same global state,
        other ones from another state (where there are 2 windows or more);
        ``global generator moves on``: the draws used the global stream (where there are 2 windows or more).
    """
    image, crop_size = inputs["image"], inputs["crop_size"]
    height, width = image.shape[:2]
    crop_h, crop_w = (int(size) for size in crop_size)
    window_shape = (crop_h, crop_w) + image.shape[2:]
    windows = {}  # each window's bytes -> its (top, left): a crop of the image's dtype is found at once
    for top in range(height - crop_h + 1):
        for left in range(width - crop_w + 1):
            windows.setdefault(image[top:top + crop_h, left:left + crop_w].tobytes(), (top, left))
    where = {}  # a pixel's values -> the positions holding them
    for i in range(height):
        for j in range(width):
            where.setdefault(image[i, j].tobytes(), []).append((i, j))
    shapes, found = set(), {"dtype": None, "new arrays": True}

    def position_of(crop: np.ndarray):
        """(top, left) of the window ``crop`` equals, None where it is none."""
        if crop.dtype == image.dtype and (position := windows.get(crop.tobytes())) is not None:
            return position
        # Another dtype, or equal values that differ bit for bit (-0.0): compared by value.
        for top, left in where.get(np.ascontiguousarray(crop[0, 0], dtype=image.dtype).tobytes(), []):
            if np.array_equal(crop, image[top:top + crop_h, left:left + crop_w]):
                return top, left
        return None

    def positions(draws):
        """(top, left) of each of ``draws`` crops, None for one that is not a window of the image."""
        seen, previous = [], None
        for _ in range(draws):
            crop = candidate(image, crop_size)
            if previous is not None and crop is previous:
                found["new arrays"] = False
            previous = crop
            shape = tuple(map(int, np.shape(crop)))
            shapes.add(shape)
            if found["dtype"] is None:
                found["dtype"] = element_type(crop)
            seen.append(position_of(np.asarray(crop)) if shape == window_shape else None)
        return seen

    stream = {}
    with seeded(inputs["seed"]):
        with watched(stream):
            drawn = positions(CROP_DRAWS)
        np.random.seed(inputs["seed"])
        again = positions(REPLAY_DRAWS)
        np.random.seed(another_seed(inputs["seed"]))
        other = positions(REPLAY_DRAWS)
    tops = {p[0] for p in drawn if p is not None}
    lefts = {p[1] for p in drawn if p is not None}
    outputs["crop shapes"] = tuple(sorted(shapes))
    if found["dtype"] is not None:
        outputs["crop dtype"] = found["dtype"]
    outputs["every crop is a window of the image"] = None not in drawn
    outputs["top offsets drawn"] = tuple(sorted(tops))
    outputs["left offsets drawn"] = tuple(sorted(lefts))
    outputs["every offset drawn"] = (tops == set(range(height - crop_h + 1))
                                     and lefts == set(range(width - crop_w + 1)))
    outputs["a new array on every call"] = found["new arrays"]
    if (height - crop_h + 1) * (width - crop_w + 1) > 1:  # with one window, nothing need be drawn
        outputs["crops follow NumPy's global generator"] = again == drawn[:REPLAY_DRAWS] and other != again
        outputs["global generator moves on"] = stream["moved"]
    else:
        outputs["crops follow NumPy's global generator"] = again == drawn[:REPLAY_DRAWS]


# init.gaussian, init.xavier, init.he --------------------------------------------------------------

def _same_values(a, b) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):
        return False


@register_driver("weight_statistics")
def weight_statistics(candidate, inputs, outputs):
    """An initialiser called once on a large layer; its weights' shape and distribution.

    ``inputs``: ``n_in``, ``n_out`` (n_in·n_out ≥ 50 000), optionally ``std``, then ``seed``.

    outputs:
        ``shape``: the weight matrix's shape;
        ``standard deviation``: measured over all weights (compared with the exercise's rtol);
        ``mean is 0``: the mean lies within :data:`MEAN_STANDARD_ERRORS` standard errors of 0;
        ``normally distributed``: the excess kurtosis is within :data:`KURTOSIS_BOUND` of 0;
        ``weights dtype``: their element type (float64);
        ``two layers get different weights``: a second call, right after, gives other weights;
        ``a new array on every call``: not the same array, nor one sharing its memory;
        ``weights follow NumPy's global generator``: the same weights again from the same global state,
        others from another state (no reseeding, no generator of its own);
        ``global generator moves on``: the call drew from the global stream.
    """
    args = arguments(inputs)
    stream = {}
    with seeded(inputs["seed"]):
        with watched(stream):
            weights = candidate(*args)
        second = candidate(*args)  # a second layer of the same shape
        np.random.seed(inputs["seed"])
        again = candidate(*args)
        np.random.seed(another_seed(inputs["seed"]))
        other = candidate(*args)
    outputs["shape"] = tuple(int(s) for s in np.shape(weights))
    probe = element_type(weights)
    if probe is None or probe.dtype.kind not in "iuf" or np.size(weights) < 2:
        return
    outputs["weights dtype"] = probe
    returned, weights = weights, np.asarray(weights).astype(np.float64).ravel()
    mean = float(np.mean(weights))
    squares = np.square(weights - mean)
    variance = float(np.mean(squares))
    std = float(np.sqrt(variance))
    outputs["standard deviation"] = std
    outputs["mean is 0"] = bool(abs(mean) <= MEAN_STANDARD_ERRORS * std / np.sqrt(weights.size))
    if variance > 0:
        # (np.mean, not np.dot: a BLAS call may wake threads and is slow on a busy machine)
        excess_kurtosis = float(np.mean(np.square(squares))) / variance**2 - 3.0
        outputs["normally distributed"] = bool(abs(excess_kurtosis) <= KURTOSIS_BOUND)
    else:
        outputs["normally distributed"] = False
    outputs["two layers get different weights"] = not _same_values(returned, second)
    outputs["a new array on every call"] = second is not returned and not np.may_share_memory(second, returned)
    outputs["weights follow NumPy's global generator"] = (_same_values(returned, again)
                                                          and not _same_values(returned, other))
    outputs["global generator moves on"] = stream["moved"]
