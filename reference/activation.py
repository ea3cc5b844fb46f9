r"""Activation functions and their derivatives (Day 1, section 2).

Every function is elementwise on an array of any shape unless it says otherwise, and returns a
new float array of the same shape: ``x: (...)`` in, ``(...)`` out.
"""
import numpy as np


def step(x):
    r"""Step function: 1 where the input is positive, else 0.

    .. math:: h(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Args:
        x: (...) array.

    Returns:
        (...) float array of 0.0 and 1.0.
    """
    return (np.asarray(x) > 0).astype(np.float64)


def sigmoid(x):
    r"""Logistic sigmoid, computed without overflow for any finite input.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}}

    For x < 0 the equivalent form :math:`e^{x} / (1 + e^{x})` is used, so the exponential never
    overflows and σ(±1000) is exactly 1 and 0.

    Args:
        x: (...) array.

    Returns:
        (...) float array in [0, 1].
    """
    x = np.asarray(x, dtype=np.float64)
    # exp of a non-positive number never overflows; pick the form that needs only that.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x):
    r"""Derivative of the sigmoid with respect to its input.

    .. math:: \sigma'(x) = \sigma(x)\,(1 - \sigma(x)), \quad \max_x \sigma'(x) = \sigma'(0) = 0.25

    Args:
        x: (...) array.

    Returns:
        (...) float array in [0, 0.25].
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    r"""Hyperbolic tangent.

    .. math:: \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}

    Args:
        x: (...) array.

    Returns:
        (...) float array in [-1, 1].
    """
    return np.tanh(np.asarray(x, dtype=np.float64))


def tanh_grad(x):
    r"""Derivative of tanh.

    .. math:: \frac{d}{dx}\tanh(x) = 1 - \tanh^2(x)

    Args:
        x: (...) array.

    Returns:
        (...) float array in [0, 1].
    """
    return 1.0 - tanh(x) ** 2


def relu(x):
    r"""Rectified linear unit.

    .. math:: \mathrm{relu}(x) = \max(0, x)

    Args:
        x: (...) array.

    Returns:
        (...) float array, non-negative.
    """
    return np.maximum(0.0, np.asarray(x, dtype=np.float64))


def relu_grad(x):
    r"""Derivative of ReLU: 1 where x > 0, 0 where x < 0 (0 at the kink x = 0, 1 is also accepted).

    .. math:: \mathrm{relu}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Args:
        x: (...) array.

    Returns:
        (...) float array of 0.0 and 1.0.
    """
    return (np.asarray(x) > 0).astype(np.float64)


def identity(x):
    r"""Identity, the output activation for regression: :math:`f(x) = x`.

    Args:
        x: (...) array.

    Returns:
        (...) float array, a copy of x.
    """
    return np.array(x, dtype=np.float64, copy=True)


def logistic(x, A=1.0, a=1.0, x0=0.0):
    r"""General logistic curve with height A, steepness a and midpoint x0.

    .. math:: f(x) = \frac{A}{1 + e^{-a (x - x_0)}} = A\,\sigma(a (x - x_0))

    Args:
        x: (...) array.
        A: the curve's maximum (the limit as a(x − x0) → ∞).
        a: the steepness.
        x0: the midpoint, where f(x0) = A / 2.

    Returns:
        (...) float array in [0, A] (for A > 0).
    """
    return A * sigmoid(a * (np.asarray(x, dtype=np.float64) - x0))


def softmax(x):
    r"""Softmax over the last axis, stable for large inputs.

    .. math:: y_k = \frac{e^{x_k - m}}{\sum_j e^{x_j - m}}, \quad m = \max_j x_j

    Subtracting the row maximum m leaves the result unchanged and keeps every exponent ≤ 0, so
    inputs near 1000 do not overflow.

    Args:
        x: (K,) scores of one sample, or (N, K) scores of a batch.

    Returns:
        (K,) or (N, K) probabilities; each row sums to 1.
    """
    x = np.asarray(x, dtype=np.float64)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)
