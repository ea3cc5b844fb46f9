"""Numerical-gradient checks used by the tests: every derivative and backward against central differences.

An exercise with a derivative names a ``gradient_check(implementation)`` that returns
``[(name, analytic, numeric), ...]``; the tests require a relative error below 1e-6 in float64.
"""
from __future__ import annotations

import numpy as np

STEP = 1e-6  # central-difference step in float64: truncation O(h²) and round-off O(ε/h) both ≪ 1e-6


def numerical_gradient(f, x: np.ndarray, step: float = STEP) -> np.ndarray:
    """∂f/∂x by central differences, perturbing ``x`` in place and restoring it."""
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + step
        upper = f()
        x[index] = original - step
        lower = f()
        x[index] = original
        grad[index] = (upper - lower) / (2 * step)
    return grad


def relative_error(analytic, numeric) -> float:
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), 1e-8)
    return float(np.max(np.abs(analytic - numeric) / scale))


def elementwise_derivative(function, derivative, x: np.ndarray):
    """``derivative(x)`` against the numerical derivative of an elementwise ``function``."""
    x = np.array(x, dtype=np.float64)
    numeric = numerical_gradient(lambda: float(np.sum(function(x))), x)
    return [("d/dx", derivative(x.copy()), numeric)]


def layer_gradients(layer_class, init: dict, forward_args: tuple, dout=None, forward_kwargs=None):
    """A layer's backward against numerical gradients of ``sum(forward(x) * dout)``.

    Checks dx for the first forward argument and, for every array given to the constructor
    (``W``, ``b``, ``gamma`` ...), the attribute ``d`` + name (``dW``, ``db``, ``dgamma`` ...).
    A fresh instance is built for every evaluation, so the layer may copy its parameters.
    """
    forward_kwargs = forward_kwargs or {}
    init = {key: np.array(value, dtype=np.float64) if isinstance(value, np.ndarray) else value
            for key, value in init.items()}
    x = np.array(forward_args[0], dtype=np.float64)
    rest = forward_args[1:]

    def loss():
        out = layer_class(**init).forward(x, *rest, **forward_kwargs)
        return float(np.sum(out * dout)) if dout is not None else float(out)

    layer = layer_class(**init)
    out = layer.forward(x.copy(), *rest, **forward_kwargs)
    if dout is None:  # a loss layer: its forward returns a scalar and backward takes dout = 1
        dx = layer.backward()
    else:
        dx = layer.backward(dout.copy())
    checks = [("dx", dx, numerical_gradient(loss, x))]
    for name, value in init.items():
        if isinstance(value, np.ndarray):
            checks.append((f"d{name}", getattr(layer, f"d{name}"), numerical_gradient(loss, value)))
    del out
    return checks
