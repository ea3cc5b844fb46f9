r"""Data handling: minibatches, epochs, augmentation and target encoding (Day 1 section 4, Day 2 section 3).

Random functions draw from NumPy's global generator (``np.random.*``), as the course material does,
so ``np.random.seed`` makes a run repeatable.
"""
import numpy as np


def minibatches(x, t, batch_size):
    r"""Yield the minibatches of one epoch, from one shuffled order of the samples.

    One permutation :math:`\pi` of :math:`0, \dots, N - 1` is drawn; batch :math:`k` holds the samples
    :math:`\pi_{kB}, \dots, \pi_{kB + B - 1}`, so every sample appears exactly once per epoch and each
    input stays paired with its target. The last batch is shorter when B does not divide N.

    Args:
        x: (N, ...) inputs, one sample per row.
        t: (N, ...) targets, row n belonging to x[n].
        batch_size: B, the number of samples per batch (B ≥ 1).

    Yields:
        (x_batch, t_batch): (B, ...) and (B, ...) arrays; the last pair has N − B·⌊(N − 1)/B⌋ rows.
    """
    n = len(x)
    order = np.random.permutation(n)
    for start in range(0, n, batch_size):
        picked = order[start:start + batch_size]
        yield x[picked], t[picked]


def iterations_per_epoch(n, batch_size):
    r"""Number of parameter updates in one epoch: the number of minibatches, the last one possibly short.

    .. math:: \left\lceil \frac{n}{B} \right\rceil

    1000 samples in batches of 50 take 20 updates; online learning (B = 1) takes 1000.

    Args:
        n: the number of training samples (n ≥ 1).
        batch_size: B, the number of samples per batch (B ≥ 1).

    Returns:
        int: the number of batches.
    """
    return -(-int(n) // int(batch_size))  # integer ceiling, exact for any size (no float rounding)


def random_crop(image, crop_size):
    r"""A crop of the image at a uniformly random position.

    The top-left corner (top, left) is drawn uniformly from :math:`0 \le top \le H - h` and
    :math:`0 \le left \le W - w`, both ends included, so every window of the image can be chosen;
    when h = H (or w = W) the only offset is 0.

    Args:
        image: (H, W, C) image.
        crop_size: (h, w), the crop's height and width, with h ≤ H and w ≤ W.

    Returns:
        (h, w, C) array: ``image[top:top + h, left:left + w, :]``.
    """
    height, width = image.shape[:2]
    crop_h, crop_w = crop_size
    top = np.random.randint(0, height - crop_h + 1)   # + 1: randint excludes its upper bound
    left = np.random.randint(0, width - crop_w + 1)
    return image[top:top + crop_h, left:left + crop_w, :]


def horizontal_flip(image):
    r"""The image mirrored left–right: column j becomes column W − 1 − j.

    .. math:: y_{i, j, c} = x_{i, W - 1 - j, c}

    Args:
        image: (H, W, C) image.

    Returns:
        (H, W, C) array, a new array (the input is unchanged).
    """
    return image[:, ::-1, :].copy()


def target_encoding(categories, y, k=1.0, f=1.0):
    r"""Replace each sample's category by a smoothed mean of the target within that category.

    For a category i with :math:`n_i` samples, the encoding shrinks the category's mean towards the
    mean over all samples, the less so the more samples the category has:

    .. math::
        S_i = \lambda(n_i)\,\bar y_i + \bigl(1 - \lambda(n_i)\bigr)\,\bar y,
        \quad \lambda(n) = \frac{1}{1 + e^{-(n - k)/f}}

    where :math:`\bar y_i` is the mean of y over category i and :math:`\bar y` the mean of all y.
    A category seen k times has λ = 1/2; f sets how quickly λ goes from 0 to 1.

    Args:
        categories: (N,) category of each sample (numbers or strings).
        y: (N,) target of each sample (e.g. 0/1 labels).
        k: the count at which the category mean and the global mean weigh equally.
        f: the smoothing width (f > 0).

    Returns:
        (N,) float array: :math:`S_i` of each sample's category.
    """
    y = np.asarray(y, dtype=np.float64)
    labels, index = np.unique(np.asarray(categories), return_inverse=True)
    index = index.reshape(-1)
    counts = np.bincount(index, minlength=len(labels)).astype(np.float64)
    category_mean = np.bincount(index, weights=y, minlength=len(labels)) / counts
    weight = _sigmoid((counts - k) / f)
    encoded = weight * category_mean + (1.0 - weight) * np.mean(y)
    return encoded[index]


def _sigmoid(z):
    """1 / (1 + e^(−z)), exponentiating only non-positive numbers so it never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
