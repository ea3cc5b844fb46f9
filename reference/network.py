r"""A fully connected two-layer network, forward and backward (Day 1, sections 1 and 5).

Batches are rows: ``x`` is (N, D) and a layer computes ``x @ W + b`` with ``W`` (D, H). The
material writes the same layer as ``W @ x`` for one column vector x, so its (H, D) matrices are
the transposes of ours.

``params`` is a dict with ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, O) and ``b2`` (O,).
"""
import numpy as np

from .activation import relu, sigmoid, softmax


def affine_forward(x, W, b):
    r"""Affine (fully connected) layer.

    .. math:: u = x W + b

    Args:
        x: (N, D) inputs, one row per sample, or (D,) for one sample.
        W: (D, H) weights.
        b: (H,) biases, added to every row.

    Returns:
        (N, H) outputs, or (H,) for one sample.
    """
    return np.asarray(x, dtype=np.float64) @ W + b


def two_layer_forward(x, params):
    r"""Forward pass with a sigmoid hidden layer and a sigmoid output.

    .. math:: h = \sigma(x W_1 + b_1), \quad y = \sigma(h W_2 + b_2)

    The material's example: x = (2, 3, 1), W1ᵀ = [[3, 1, 2], [−2, −3, −1]], W2ᵀ = [[3, 2]] and zero
    biases give y = 0.95257194.

    Args:
        x: (N, D) inputs, or (D,) for one sample.
        params: dict of W1 (D, H), b1 (H,), W2 (H, O), b2 (O,).

    Returns:
        (N, O) outputs in (0, 1), or (O,) for one sample.
    """
    h = sigmoid(affine_forward(x, params["W1"], params["b1"]))
    return sigmoid(affine_forward(h, params["W2"], params["b2"]))


def two_layer_forward_relu_linear(x, params):
    r"""Forward pass with a ReLU hidden layer and a linear (identity) output, for regression.

    .. math:: h = \max(0, x W_1 + b_1), \quad y = h W_2 + b_2

    The material's example (the same weights as in :func:`two_layer_forward`): u = (11, −14),
    h = (11, 0), y = 3·11 + 2·0 = 33; with the target t = 20 the squared error is 169.

    Args:
        x: (N, D) inputs, or (D,) for one sample.
        params: dict of W1 (D, H), b1 (H,), W2 (H, O), b2 (O,).

    Returns:
        (N, O) outputs, or (O,) for one sample.
    """
    h = relu(affine_forward(x, params["W1"], params["b1"]))
    return affine_forward(h, params["W2"], params["b2"])


def _class_indices(t):
    """(N,) class indices from (N, K) one-hot rows or from indices."""
    t = np.asarray(t)
    return np.argmax(t, axis=1) if t.ndim == 2 else t.astype(np.intp)


def _log_softmax(u):
    """log softmax(u) over the last axis, without forming softmax(u) (so no log of 0)."""
    shifted = u - np.max(u, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def two_layer_loss(x, t, params):
    r"""Mean cross-entropy of a ReLU hidden layer and a softmax output (what two_layer_backward differentiates).

    .. math:: h = \max(0, x W_1 + b_1), \quad u = h W_2 + b_2, \quad
              L = -\frac{1}{N} \sum_n \log \mathrm{softmax}(u_n)_{t_n}

    The log-softmax is computed from u directly, so the loss is exact (no δ inside the log, unlike
    cross_entropy_error, which receives probabilities).

    Args:
        x: (N, D) inputs.
        t: (N, O) one-hot rows or (N,) class indices.
        params: dict of W1 (D, H), b1 (H,), W2 (H, O), b2 (O,).

    Returns:
        float: the loss averaged over the N samples.
    """
    h = relu(affine_forward(x, params["W1"], params["b1"]))
    u = affine_forward(h, params["W2"], params["b2"])
    labels = _class_indices(t)
    return float(-np.mean(_log_softmax(u)[np.arange(len(u)), labels]))


def two_layer_backward(x, t, params):
    r"""Gradients of :func:`two_layer_loss` with respect to every parameter, by backpropagation.

    .. math::
        \delta_2 = \frac{y - t}{N}, \quad
        \frac{\partial L}{\partial W_2} = h^\top \delta_2, \quad
        \frac{\partial L}{\partial b_2} = \sum_n \delta_{2,n}, \\
        \delta_1 = (\delta_2 W_2^\top) \odot [u_1 > 0], \quad
        \frac{\partial L}{\partial W_1} = x^\top \delta_1, \quad
        \frac{\partial L}{\partial b_1} = \sum_n \delta_{1,n}

    with y = softmax(h W2 + b2), u1 = x W1 + b1, h = max(0, u1), and t as one-hot rows.

    Args:
        x: (N, D) inputs.
        t: (N, O) one-hot rows or (N,) class indices.
        params: dict of W1 (D, H), b1 (H,), W2 (H, O), b2 (O,).

    Returns:
        dict of W1 (D, H), b1 (H,), W2 (H, O), b2 (O,): each gradient shaped like its parameter.
    """
    x = np.asarray(x, dtype=np.float64)
    u1 = affine_forward(x, params["W1"], params["b1"])
    h = relu(u1)
    y = softmax(affine_forward(h, params["W2"], params["b2"]))
    labels = _class_indices(t)
    n = len(x)

    delta2 = y.copy()                      # dL/du2 = (y − t)/N
    delta2[np.arange(n), labels] -= 1.0
    delta2 /= n
    delta1 = (delta2 @ params["W2"].T) * (u1 > 0)   # back through W2, then through the ReLU
    return {
        "W1": x.T @ delta1,
        "b1": np.sum(delta1, axis=0),
        "W2": h.T @ delta2,
        "b2": np.sum(delta2, axis=0),
    }
