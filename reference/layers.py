r"""Layers as classes with ``forward`` and ``backward`` (Day 1 section 5, Day 2 sections 1, 3, 4).

A layer computes ``out = forward(x)`` and caches what it needs to turn the upstream gradient
``dout = ∂L/∂out`` into ``dx = ∂L/∂x`` in ``backward(dout)``. Layers with parameters also store
the gradients of their parameters after ``backward`` (``dW``, ``db``, ``dgamma``, ``dbeta``), for an
optimizer to read. Batches are rows: ``x: (N, D)``; images are ``(N, C, H, W)``.

:func:`layer_norm` is a plain function (with :func:`layer_norm_backward` for its gradients).
"""
import numpy as np

from .activation import sigmoid
from .conv import col2im, conv_output_size, im2col

BN_EPS = 1e-6  # added to the variance inside the square root, so a constant feature does not divide by 0
#                (the textbook writes it as 10e-7; the checker accepts any value from 1e-8 to 1e-5)
LN_EPS = 1e-5  # layer_norm's default, the same as torch.nn.LayerNorm


class Affine:
    r"""Fully connected layer: every sample, flattened to D features, times W plus b.

    .. math::
        y = x W + b, \qquad
        \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} W^\top, \quad
        \frac{\partial L}{\partial W} = x^\top \frac{\partial L}{\partial y}, \quad
        \frac{\partial L}{\partial b} = \sum_{n} \frac{\partial L}{\partial y_n}

    Args:
        W: (D, H) weights.
        b: (H,) biases.

    Attributes set by ``backward``:
        dW: (D, H) gradient of the loss with respect to W.
        db: (H,) gradient of the loss with respect to b.
    """

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None              # the input flattened to (N, D), needed for dW
        self.original_shape = None  # the input's own shape, so that dx can take it again
        self.dW = None
        self.db = None

    def forward(self, x):
        """x: (N, ...) with D numbers per sample, e.g. (N, D) or (N, C, H, W) → (N, H)."""
        self.original_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        """dout: (N, H) → dx in the input's original shape (N, ...); sets dW and db."""
        dx = dout @ self.W.T
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        return dx.reshape(self.original_shape)


class Relu:
    r"""Rectified linear unit; the gradient passes where the input was positive.

    .. math:: y = \max(0, x), \qquad \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} \cdot [x > 0]

    At x = 0 the gradient is 0 here (1 is also accepted).
    """

    def __init__(self):
        self.mask = None  # True where the input was ≤ 0: there the output and the gradient are 0

    def forward(self, x):
        """x: (...) → (...)."""
        self.mask = x <= 0
        return np.where(self.mask, 0.0, x)

    def backward(self, dout):
        """dout: (...) → dx: (...), without changing dout."""
        return np.where(self.mask, 0.0, dout)


class Sigmoid:
    r"""Logistic sigmoid; its derivative needs only its output, which is all it caches.

    .. math:: y = \frac{1}{1 + e^{-x}}, \qquad \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y}\, y (1 - y)
    """

    def __init__(self):
        self.out = None

    def forward(self, x):
        """x: (...) → (...) in [0, 1], without overflow for large |x|."""
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        """dout: (...) → dx: (...)."""
        return dout * self.out * (1.0 - self.out)


class SoftmaxWithLoss:
    r"""Softmax followed by the cross-entropy loss, averaged over the batch.

    .. math::
        y_{nk} = \frac{e^{x_{nk}}}{\sum_j e^{x_{nj}}}, \qquad
        L = -\frac{1}{N} \sum_n \log y_{n, t_n}, \qquad
        \frac{\partial L}{\partial x} = \frac{y - T}{N}

    where T holds the one-hot rows of the labels. The log-probabilities are computed as
    :math:`x_{nk} - m_n - \log \sum_j e^{x_{nj} - m_n}` with :math:`m_n = \max_j x_{nj}`, so the loss is
    finite and exact even for scores near 1000 (the textbook's :math:`-\log(y + 10^{-7})` is also accepted).
    """

    def __init__(self):
        self.y = None  # (N, K) softmax probabilities
        self.t = None  # (N,) label indices

    def forward(self, x, t):
        """x: (N, K) scores; t: (N, K) one-hot rows or (N,) label indices → the loss, a float."""
        shifted = x - np.max(x, axis=1, keepdims=True)
        log_y = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        self.y = np.exp(log_y)
        t = np.asarray(t)
        self.t = t.argmax(axis=1) if t.shape == x.shape else t.astype(np.intp)
        n = x.shape[0]
        return float(-np.mean(log_y[np.arange(n), self.t]))

    def backward(self, dout=1):
        """dout: the upstream gradient of the scalar loss (1 when L is the final loss) → dx: (N, K)."""
        n = self.y.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1.0
        return dout * dx / n


class BatchNormalization:
    r"""Batch normalisation of every feature over the batch, then a learned scale and shift.

    Training (``train_flg=True``) normalises with the batch's mean and biased variance and updates
    the running statistics; inference normalises with the running statistics:

    .. math::
        \mu = \frac{1}{N}\sum_n x_n, \quad \sigma^2 = \frac{1}{N}\sum_n (x_n - \mu)^2, \quad
        \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \quad y = \gamma \hat x + \beta

    .. math::
        r_\mu \leftarrow m\, r_\mu + (1 - m)\, \mu, \qquad r_{\sigma^2} \leftarrow m\, r_{\sigma^2} + (1 - m)\, \sigma^2

    with momentum m and :math:`\epsilon` = ``BN_EPS``. The gradients, with :math:`g = \gamma\, \partial L/\partial y`:

    .. math::
        \frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2 + \epsilon}}
        \left(g - \overline{g} - \hat x\, \overline{g \hat x}\right), \quad
        \frac{\partial L}{\partial \gamma} = \sum_n \frac{\partial L}{\partial y_n} \hat x_n, \quad
        \frac{\partial L}{\partial \beta} = \sum_n \frac{\partial L}{\partial y_n}

    where the bars are means over the batch.

    Args:
        gamma: (D,) scale.
        beta: (D,) shift.
        momentum: m, the weight of the old running statistics in each update.
        running_mean: (D,) or None; None starts from zeros at the first forward (as the textbook).
        running_var: (D,) or None; None starts from zeros at the first forward (as the textbook;
            PyTorch starts from ones, which is also accepted).

    Attributes set by ``backward``:
        dgamma: (D,); dbeta: (D,).
    """

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean = running_mean
        self.running_var = running_var
        self.x_hat = None  # (N, D) normalised input of the last training forward
        self.std = None    # (D,) sqrt(σ² + ε) of that batch
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train_flg=True):
        """x: (N, D) → (N, D); statistics of the batch in training, running ones in inference."""
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1])
        if self.running_var is None:
            self.running_var = np.zeros(x.shape[1])
        if not train_flg:
            return self.gamma * (x - self.running_mean) / np.sqrt(self.running_var + BN_EPS) + self.beta

        mu = np.mean(x, axis=0)
        var = np.var(x, axis=0)  # biased: divides by N
        self.std = np.sqrt(var + BN_EPS)
        self.x_hat = (x - mu) / self.std
        m = self.momentum
        # New arrays rather than in-place updates: the caller's running_mean is not changed.
        self.running_mean = m * self.running_mean + (1.0 - m) * mu
        self.running_var = m * self.running_var + (1.0 - m) * var
        return self.gamma * self.x_hat + self.beta

    def backward(self, dout):
        """dout: (N, D) → dx: (N, D), after a training forward; sets dgamma and dbeta."""
        self.dbeta = np.sum(dout, axis=0)
        self.dgamma = np.sum(dout * self.x_hat, axis=0)
        g = dout * self.gamma
        return (g - np.mean(g, axis=0) - self.x_hat * np.mean(g * self.x_hat, axis=0)) / self.std


class Dropout:
    r"""Dropout in the material's form: drop units in training, scale the output at inference.

    .. math::
        \text{training: } y = x \odot M, \quad M_i = [u_i > p],\ u_i \sim U(0, 1); \qquad
        \text{inference: } y = (1 - p)\, x

    with dropout ratio p. Each unit is kept with probability 1 − p, so inference multiplies by
    1 − p to give every unit the output it has on average in training. The mask is drawn from
    NumPy's global generator at every training forward; backward lets the gradient through the
    same mask: :math:`\partial L/\partial x = M \odot \partial L/\partial y`.

    Args:
        dropout_ratio: p in [0, 1), the probability of dropping a unit.
    """

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None  # True where the unit was kept in the last training forward

    def forward(self, x, train_flg=True):
        """x: (...) → (...)."""
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout):
        """dout: (...) → dx: (...), through the mask of the last training forward."""
        return dout * self.mask


class InvertedDropout:
    r"""Inverted dropout: drop units and scale the kept ones up in training; identity at inference.

    .. math::
        \text{training: } y = \frac{x \odot M}{1 - p}, \quad M_i = [u_i > p],\ u_i \sim U(0, 1); \qquad
        \text{inference: } y = x

    Dividing by the keep probability 1 − p in training keeps every unit's expected output equal
    to x, so inference needs no change (the form PyTorch's ``nn.Dropout`` uses). Backward:
    :math:`\partial L/\partial x = M \odot \partial L/\partial y / (1 - p)`.

    Args:
        dropout_ratio: p in [0, 1), the probability of dropping a unit.
    """

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None  # 1/(1 − p) where the unit was kept in the last training forward, else 0

    def forward(self, x, train_flg=True):
        """x: (...) → (...)."""
        if train_flg:
            keep = 1.0 - self.dropout_ratio
            self.mask = (np.random.rand(*x.shape) > self.dropout_ratio) / keep
            return x * self.mask
        return x.copy()

    def backward(self, dout):
        """dout: (...) → dx: (...), through the scaled mask of the last training forward."""
        return dout * self.mask


class Convolution:
    r"""2-D convolution (cross-correlation, as in every deep-learning library) via im2col.

    .. math::
        y_{n,f,i,j} = b_f + \sum_{c,u,v} W_{f,c,u,v}\, x^{\text{pad}}_{n,\,c,\,iS+u,\,jS+v}

    im2col lays each window out as one row, so the forward pass is one matrix product
    ``col @ W.reshape(FN, -1).T``; backward is the same product transposed, and col2im adds the
    rows' gradients back onto the (overlapping) windows of x.

    Args:
        W: (FN, C, FH, FW) filters.
        b: (FN,) biases, one per filter.
        stride: S, the step between two windows.
        pad: P, the zeros added on each side of the image.

    Attributes set by ``backward``:
        dW: (FN, C, FH, FW); db: (FN,).
    """

    def __init__(self, W, b, stride=1, pad=0):
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        self.x_shape = None
        self.col = None    # (N·out_h·out_w, C·FH·FW) windows of the input
        self.col_W = None  # (C·FH·FW, FN) filters as columns
        self.dW = None
        self.db = None

    def forward(self, x):
        """x: (N, C, H, W) → (N, FN, out_h, out_w), out_h = (H + 2P − FH)//S + 1 (and so for out_w)."""
        FN, C, FH, FW = self.W.shape
        N, _, H, W = x.shape
        out_h = conv_output_size(H, FH, self.stride, self.pad)
        out_w = conv_output_size(W, FW, self.stride, self.pad)
        self.x_shape = x.shape
        self.col = im2col(x, FH, FW, self.stride, self.pad)
        self.col_W = self.W.reshape(FN, -1).T
        out = self.col @ self.col_W                             # rows (n, i, j), columns f
        out += self.b
        return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)

    def backward(self, dout):
        """dout: (N, FN, out_h, out_w) → dx: (N, C, H, W); sets dW and db."""
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)       # back to rows (n, i, j)
        self.db = np.sum(dout, axis=0)
        self.dW = (self.col.T @ dout).T.reshape(FN, C, FH, FW)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x_shape, FH, FW, self.stride, self.pad)


class Pooling:
    r"""Max pooling: the largest value of every window, channel by channel.

    .. math:: y_{n,c,i,j} = \max_{0 \le u < P_H,\ 0 \le v < P_W} x^{\text{pad}}_{n,\,c,\,iS+u,\,jS+v}

    Backward sends each output's gradient to the position of its window's maximum (the first
    one if several are equal); where windows overlap, the gradients add up. Padding, if any, adds
    zeros as im2col does (PyTorch pads with −∞, which is also accepted).

    Args:
        pool_h: P_H, the window's height.
        pool_w: P_W, the window's width.
        stride: S, the step between two windows.
        pad: P, the zeros added on each side of the image.
    """

    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad
        self.x_shape = None
        self.arg_max = None  # (N·out_h·out_w·C,) position of the maximum inside each window

    def forward(self, x):
        """x: (N, C, H, W) → (N, C, out_h, out_w)."""
        N, C, H, W = x.shape
        out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
        out_w = conv_output_size(W, self.pool_w, self.stride, self.pad)
        # im2col's columns are (c, u, v): one row per channel after this reshape, rows (n, i, j, c).
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad).reshape(-1, self.pool_h * self.pool_w)
        self.x_shape = x.shape
        self.arg_max = np.argmax(col, axis=1)
        out = col[np.arange(len(col)), self.arg_max]
        return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    def backward(self, dout):
        """dout: (N, C, out_h, out_w) → dx: (N, C, H, W)."""
        window = self.pool_h * self.pool_w
        dmax = np.zeros((self.arg_max.size, window))
        dmax[np.arange(self.arg_max.size), self.arg_max] = dout.transpose(0, 2, 3, 1).ravel()
        dcol = dmax.reshape(-1, self.x_shape[1] * window)  # rows (n, i, j), columns (c, u, v)
        return col2im(dcol, self.x_shape, self.pool_h, self.pool_w, self.stride, self.pad)


def layer_norm(x, gamma, beta, eps=LN_EPS):
    r"""Layer normalisation: every sample normalised over its own features, then scaled and shifted.

    .. math::
        \mu_n = \frac{1}{D}\sum_d x_{nd}, \quad \sigma_n^2 = \frac{1}{D}\sum_d (x_{nd} - \mu_n)^2, \quad
        y_{nd} = \gamma_d \frac{x_{nd} - \mu_n}{\sqrt{\sigma_n^2 + \epsilon}} + \beta_d

    Unlike batch normalisation the statistics do not depend on the other samples, so training and
    inference compute the same thing and a batch of one works.

    Args:
        x: (N, D) samples (any leading axes; the statistics are over the last axis).
        gamma: (D,) scale.
        beta: (D,) shift.
        eps: ε, added to the variance inside the square root.

    Returns:
        (N, D) array.
    """
    x = np.asarray(x, dtype=np.float64)
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)  # biased: divides by D
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def layer_norm_backward(dout, x, gamma, eps=LN_EPS):
    r"""Gradients of :func:`layer_norm` given the upstream gradient ``dout``.

    With :math:`\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}` and :math:`g = \gamma\, \partial L/\partial y`
    (means over the features of each sample, marked by bars):

    .. math::
        \frac{\partial L}{\partial x} = \frac{g - \overline{g} - \hat x\, \overline{g \hat x}}{\sqrt{\sigma^2 + \epsilon}}, \quad
        \frac{\partial L}{\partial \gamma} = \sum_n \frac{\partial L}{\partial y_n} \hat x_n, \quad
        \frac{\partial L}{\partial \beta} = \sum_n \frac{\partial L}{\partial y_n}

    Args:
        dout: (N, D) gradient of the loss with respect to the output.
        x: (N, D) the input of the forward pass.
        gamma: (D,) scale.
        eps: ε, as in the forward pass.

    Returns:
        tuple: dx (N, D), dgamma (D,), dbeta (D,).
    """
    x = np.asarray(x, dtype=np.float64)
    std = np.sqrt(np.var(x, axis=-1, keepdims=True) + eps)
    x_hat = (x - np.mean(x, axis=-1, keepdims=True)) / std
    batch_axes = tuple(range(x.ndim - 1))
    dgamma = np.sum(dout * x_hat, axis=batch_axes)
    dbeta = np.sum(dout, axis=batch_axes)
    g = dout * gamma
    dx = (g - np.mean(g, axis=-1, keepdims=True) - x_hat * np.mean(g * x_hat, axis=-1, keepdims=True)) / std
    return dx, dgamma, dbeta
