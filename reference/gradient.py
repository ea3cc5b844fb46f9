r"""Numerical gradients and gradient descent (Day 1, sections 4–5)."""
import numpy as np

H = 1e-4  # default step of the central difference: error O(h²) from truncation, O(ε/h) from round-off


def numerical_gradient(f, x, h=H):
    r"""Gradient of a scalar function by central differences, one element at a time.

    .. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    where :math:`e_i` is 1 at element i and 0 elsewhere. Each element of x is perturbed in place
    and put back before the next, so x holds its original values again when this returns.

    Args:
        f: function taking an array shaped like x and returning a float.
        x: (...) float array, any shape; changed during the call and restored afterwards.
        h: the step h.

    Returns:
        (...) float array shaped like x: the estimated ∂f/∂x.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f(x)
        x[index] = original - h
        f_minus = f(x)
        x[index] = original  # restore before moving to the next element
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    r"""Minimise f by repeated steps against its numerical gradient.

    .. math:: x \leftarrow x - \eta \, \nabla f(x) \quad \text{(step\_num times)}

    Args:
        f: function taking an array shaped like init_x and returning a float.
        init_x: (...) float array, the starting point (not changed).
        lr: the learning rate η.
        step_num: the number of steps.

    Returns:
        (...) float array: x after step_num steps.
    """
    x = np.array(init_x, dtype=np.float64, copy=True)
    for _ in range(step_num):
        x -= lr * numerical_gradient(f, x)
    return x


def sgd_step(w, grad, lr):
    r"""One plain gradient-descent update of a parameter.

    .. math:: w \leftarrow w - \eta \, \frac{\partial L}{\partial w}

    The material's example: w = 3, gradient 3, η = 0.5 gives w = 3 − 1.5 = 1.5.

    Args:
        w: (...) parameter (or a float).
        grad: (...) gradient of the loss with respect to w, the same shape.
        lr: the learning rate η.

    Returns:
        (...) the updated parameter, a new array (or float).
    """
    return w - lr * grad
