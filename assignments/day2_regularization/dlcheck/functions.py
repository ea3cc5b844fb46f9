"""Named test functions for exercises that take a function as input (numerical gradients).

A case refers to them by name, so that cases can be saved as data and read back on the student
side without pickling code.
"""
import numpy as np


def sum_of_squares(x):
    """f(x) = Σ x²; gradient 2x."""
    return float(np.sum(x ** 2))


def elongated_bowl(x):
    """f(x, y) = x²/20 + y², the optimizer demo surface; gradient (x/10, 2y)."""
    return float(x[0] ** 2 / 20.0 + x[1] ** 2)


def sine_product(x):
    """f(x) = Σ sin(x)·cos(2x), smooth with a non-trivial gradient for any shape."""
    return float(np.sum(np.sin(x) * np.cos(2.0 * x)))


def cubic(x):
    """f(x) = Σ x³ − 3x; gradient 3x² − 3."""
    return float(np.sum(x ** 3 - 3.0 * x))


FUNCTIONS = {f.__name__: f for f in (sum_of_squares, elongated_bowl, sine_product, cubic)}
