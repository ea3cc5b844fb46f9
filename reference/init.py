r"""Weight initialisation (Day 2, section 1).

Each function returns a (n_in, n_out) weight matrix for an affine layer ``x @ W + b`` that takes
n_in inputs to n_out outputs, drawn from a normal distribution with mean 0 and the standard deviation
in its formula, from NumPy's global generator (``np.random``), as the course material does.
"""
import numpy as np


def gaussian(n_in, n_out, std=0.01):
    r"""Weights drawn from a normal distribution with a fixed, small standard deviation.

    .. math:: W_{ij} \sim \mathcal{N}(0, \sigma^2), \quad \sigma = \mathrm{std} = 0.01 \text{ by default}

    Args:
        n_in: the number of inputs (rows of W).
        n_out: the number of outputs (columns of W).
        std: σ, the standard deviation.

    Returns:
        (n_in, n_out) float array.
    """
    return std * np.random.randn(n_in, n_out)


def xavier(n_in, n_out):
    r"""Xavier (Glorot) initialisation as the course uses it, suited to sigmoid and tanh.

    .. math:: W_{ij} \sim \mathcal{N}\!\left(0, \sigma^2\right), \quad \sigma = \frac{1}{\sqrt{n_{in}}}

    The standard deviation depends on the number of inputs of the layer (the nodes of the layer before),
    which keeps the variance of each output close to that of each input.

    Args:
        n_in: the number of inputs (rows of W), the fan-in.
        n_out: the number of outputs (columns of W).

    Returns:
        (n_in, n_out) float array.
    """
    return np.random.randn(n_in, n_out) / np.sqrt(n_in)


def he(n_in, n_out):
    r"""He initialisation, suited to ReLU: Xavier's standard deviation times √2.

    .. math:: W_{ij} \sim \mathcal{N}\!\left(0, \sigma^2\right), \quad \sigma = \sqrt{\frac{2}{n_{in}}}

    ReLU zeroes half of its inputs on average; doubling the variance makes up for it.

    Args:
        n_in: the number of inputs (rows of W), the fan-in.
        n_out: the number of outputs (columns of W).

    Returns:
        (n_in, n_out) float array.
    """
    return np.random.randn(n_in, n_out) * np.sqrt(2.0 / n_in)
