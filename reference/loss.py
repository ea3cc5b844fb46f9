r"""Loss functions and distances between distributions (Day 1, section 3).

Every loss returns a Python ``float``. Logarithms are natural logarithms throughout.
"""
import numpy as np

DELTA = 1e-7  # added inside log() as the material does: keeps the loss finite when a probability is 0


def _as_batch(y, t):
    """``y`` as (N, K) float rows and ``t`` as (N,) class indices, whatever form they came in."""
    y = np.asarray(y, dtype=np.float64)
    t = np.asarray(t)
    if y.ndim == 1:  # one sample: a batch of one
        y = y.reshape(1, -1)
        t = t.reshape(1, -1) if t.size == y.size else t.reshape(1)
    if t.shape == y.shape:  # one-hot rows -> the index of each row's 1
        t = np.argmax(t, axis=1)
    return y, t.astype(np.intp)


def sum_squared_error(y, t):
    r"""Half the sum of squared errors (the textbook names this ``mean_squared_error``).

    .. math:: E = \frac{1}{2} \sum_k (y_k - t_k)^2

    The factor ½ makes the derivative with respect to y simply y − t.

    Args:
        y: (...) predictions.
        t: (...) targets, the same shape as y.

    Returns:
        float: the loss, summed over every element.
    """
    diff = np.asarray(y, dtype=np.float64) - np.asarray(t, dtype=np.float64)
    return float(0.5 * np.sum(diff ** 2))


def mean_squared_error(y, t):
    r"""Mean squared error over every element.

    .. math:: \mathcal{L} = \frac{1}{n} \sum_{i=1}^{n} (t_i - y_i)^2

    The material's example: t = 20, y = 33 gives (20 − 33)² = 169.

    Args:
        y: (...) predictions.
        t: (...) targets, the same shape as y.

    Returns:
        float: the loss averaged over all n elements.
    """
    diff = np.asarray(t, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(np.mean(diff ** 2))


def cross_entropy_error(y, t):
    r"""Mean cross-entropy of predicted probabilities against the true classes.

    .. math:: E = -\frac{1}{N} \sum_{n=1}^{N} \log\left(y_{n, t_n} + \delta\right), \quad \delta = 10^{-7}

    With one-hot rows this is :math:`-\frac{1}{N}\sum_n \sum_k t_{nk} \log(y_{nk} + \delta)`.
    For q = (0.8, 0.1, 0.1) with the first class true, E = −ln 0.8 ≈ 0.2231.

    Args:
        y: (N, K) or (K,) probabilities; each row sums to 1.
        t: (N, K) one-hot rows or (N,) class indices; for one sample (K,) one-hot or a scalar index.

    Returns:
        float: the loss averaged over the N samples.
    """
    y, t = _as_batch(y, t)
    picked = y[np.arange(len(y)), t]
    return float(-np.mean(np.log(picked + DELTA)))


def binary_cross_entropy(o, t):
    r"""Mean binary cross-entropy of predicted probabilities (PyTorch's ``BCELoss``).

    .. math:: \mathcal{L} = -\frac{1}{n} \sum_{i=1}^{n} \left[ t_i \log(o_i + \delta)
              + (1 - t_i) \log(1 - o_i + \delta) \right], \quad \delta = 10^{-7}

    δ keeps the loss finite at o = 0 or 1, as in cross_entropy_error; without it (δ = 0) the value
    changes by at most δ / min(o, 1 − o), and any δ from 0 to 1e-7 is accepted by the checks.

    Args:
        o: (...) predicted probabilities that each target is 1.
        t: (...) targets in [0, 1] (usually 0 or 1), the same shape as o.

    Returns:
        float: the loss averaged over all n elements.
    """
    o = np.asarray(o, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    return float(-np.mean(t * np.log(o + DELTA) + (1.0 - t) * np.log(1.0 - o + DELTA)))


def bce_with_logits(z, t):
    r"""Mean binary cross-entropy of sigmoid(z), computed from the logits z without overflow.

    .. math:: \mathcal{L} = -\frac{1}{n} \sum_i \left[ t_i \log\sigma(z_i) + (1 - t_i) \log(1 - \sigma(z_i)) \right]
              = \frac{1}{n} \sum_i \left[ \max(z_i, 0) - z_i t_i + \log\left(1 + e^{-|z_i|}\right) \right]

    The second form only ever exponentiates a non-positive number, so |z| ≈ 1000 gives exact
    results (PyTorch's ``BCEWithLogitsLoss``).

    Args:
        z: (...) logits (scores before the sigmoid).
        t: (...) targets in [0, 1], the same shape as z.

    Returns:
        float: the loss averaged over all n elements.
    """
    z = np.asarray(z, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    return float(np.mean(np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))))


def kl_divergence(p, q):
    r"""Kullback–Leibler divergence of q from p, for discrete distributions.

    .. math:: D_{KL}(p \,\|\, q) = \sum_{k:\, p_k > 0} p_k \log \frac{p_k}{q_k}

    Terms with p_k = 0 count 0 (the limit of p log p as p → 0). Not symmetric in p and q.

    Args:
        p: (K,) probabilities summing to 1.
        q: (K,) probabilities summing to 1, positive wherever p is.

    Returns:
        float: the divergence, ≥ 0, and 0 only when p = q.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    support = p > 0
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def js_divergence(p, q):
    r"""Jensen–Shannon divergence: a symmetric, bounded divergence between two distributions.

    .. math:: D_{JS}(p, q) = \frac{1}{2} D_{KL}(p \,\|\, m) + \frac{1}{2} D_{KL}(q \,\|\, m),
              \quad m = \frac{p + q}{2}

    m is positive wherever p or q is, so the result is always finite; it is at most ln 2,
    reached when p and q have no outcome in common.

    Args:
        p: (K,) probabilities summing to 1.
        q: (K,) probabilities summing to 1.

    Returns:
        float: the divergence, in [0, ln 2].
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    m = 0.5 * (p + q)
    return 0.5 * kl_divergence(p, m) + 0.5 * kl_divergence(q, m)


def wasserstein_1d(p, q, dx=1.0):
    r"""Wasserstein-1 (earth mover's) distance between two histograms on one evenly spaced grid.

    .. math:: W_1(p, q) = \sum_{k} \left| F_p(k) - F_q(k) \right| \Delta x, \quad F_p(k) = \sum_{j \le k} p_j

    In one dimension the cheapest way to move p onto q carries, across each gap between grid
    points, exactly the difference of the two cumulative distributions.

    Args:
        p: (K,) probabilities on the grid points x_0, x_0 + Δx, ..., summing to 1.
        q: (K,) probabilities on the same grid, summing to 1.
        dx: Δx, the spacing of the grid.

    Returns:
        float: the distance, in the grid's units.
    """
    cdf_p = np.cumsum(np.asarray(p, dtype=np.float64))
    cdf_q = np.cumsum(np.asarray(q, dtype=np.float64))
    return float(np.sum(np.abs(cdf_p - cdf_q)) * dx)


def softmax_cross_entropy_grad(y, t):
    r"""Gradient of the mean cross-entropy with respect to the scores fed to softmax.

    .. math:: \frac{\partial E}{\partial x_{nk}} = \frac{y_{nk} - t_{nk}}{N}, \quad y = \mathrm{softmax}(x)

    with t as one-hot rows. The 1/N comes from averaging the loss over the batch.

    Args:
        y: (N, K) or (K,) softmax probabilities.
        t: (N, K) one-hot rows or (N,) class indices; for one sample (K,) one-hot or a scalar index.

    Returns:
        The gradient, the same shape as y.
    """
    shape = np.shape(y)
    y, t = _as_batch(y, t)
    n = len(y)
    grad = y.copy()
    grad[np.arange(n), t] -= 1.0
    return (grad / n).reshape(shape)
