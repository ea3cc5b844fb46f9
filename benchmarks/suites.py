"""Time every exercise's visible and hidden suite, and our convolution against PyTorch's.

    python benchmarks/suites.py

(a) For each exercise: seconds to prepare (reference, accepted conventions, mistakes) and run the visible suite
    on the reference, then the same for the hidden suite, each from a cold cache. Targets: visible
    < 0.5 s per exercise, hidden < 10 s for all exercises together.
(b) reference.layers.Convolution forward + backward against torch.nn.functional.conv2d forward +
    backward (autograd) on x (32, 3, 32, 32), 16 filters 3×3, pad 1, in this one process: the ratio
    of the medians (target ≤ 3×).
"""
from __future__ import annotations

import os
import statistics
import time

import numpy as np

os.environ.setdefault("DLGRADE_SECRET", "benchmark")

import autograder  # noqa: E402
from autograder.registry import REGISTRY, _prepare_cached  # noqa: E402


def time_suite(exercise_id: str, suite: str) -> float:
    _prepare_cached.cache_clear()
    start = time.perf_counter()
    report = autograder.check(exercise_id, REGISTRY[exercise_id].reference, suite=suite)
    elapsed = time.perf_counter() - start
    if not report.passed:
        raise SystemExit(f"the reference fails its own {suite} suite: {report.message}")
    return elapsed


def suites() -> None:
    print(f"{'exercise':42s} {'visible s':>10s} {'hidden s':>10s}")
    totals = {"visible": 0.0, "hidden": 0.0}
    slowest = ("", 0.0)
    for exercise_id in autograder.exercises():
        visible = time_suite(exercise_id, "visible")
        hidden = time_suite(exercise_id, "hidden")
        totals["visible"] += visible
        totals["hidden"] += hidden
        slowest = max(slowest, (exercise_id, visible), key=lambda item: item[1])
        print(f"{exercise_id:42s} {visible:10.4f} {hidden:10.4f}")
    print(f"{'total':42s} {totals['visible']:10.4f} {totals['hidden']:10.4f}")
    print(f"slowest visible suite: {slowest[0]} {slowest[1]:.4f} s (target < 0.5 s)")
    print(f"all hidden suites: {totals['hidden']:.3f} s (target < 10 s)")


def median_time(function, repeats: int = 40) -> float:
    function()  # warm up caches and lazy initialisation
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def convolution() -> None:
    import torch
    from reference.layers import Convolution

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3, 32, 32))
    W = rng.normal(size=(16, 3, 3, 3)) * 0.1
    b = rng.normal(size=16)
    dout = rng.normal(size=(32, 16, 32, 32))

    def ours():
        layer = Convolution(W, b, stride=1, pad=1)
        layer.forward(x)
        layer.backward(dout)

    xt = torch.tensor(x, requires_grad=True)
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    doutt = torch.tensor(dout)

    def theirs():
        xt.grad = Wt.grad = bt.grad = None
        out = torch.nn.functional.conv2d(xt, Wt, bt, stride=1, padding=1)
        out.backward(doutt)

    ours_s, theirs_s = median_time(ours), median_time(theirs)
    print(f"Convolution forward+backward, x (32, 3, 32, 32), W (16, 3, 3, 3), pad 1, float64, "
          f"torch threads {torch.get_num_threads()}:")
    print(f"  reference {ours_s * 1e3:.1f} ms, torch {theirs_s * 1e3:.1f} ms, "
          f"ratio {ours_s / theirs_s:.2f}x (target <= 3x)")


if __name__ == "__main__":
    suites()
    convolution()
