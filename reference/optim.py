r"""Optimizers (Day 2, section 2): SGD, Momentum, AdaGrad, RMSprop, Adam and AMSGrad.

Every optimizer is a class built with its hyperparameters and called once per training step:

    optimizer = Adam(lr=0.001)
    optimizer.update(params, grads)   # params, grads: dicts of arrays with the same keys and shapes

``update`` changes the arrays in ``params`` IN PLACE (``params[key] -= ...``): a network's layers
hold references to those very arrays, so a new array bound to ``params[key]`` would never reach
them. State (velocities, squared-gradient accumulators, moments, the step count) is created on the
first call with the shapes of the parameters, and kept between calls.

In the formulas, w is a parameter, g its gradient ∂L/∂w, η the learning rate ``lr``, and all
operations on arrays are elementwise.
"""
import numpy as np

ADAGRAD_EPS = 1e-7   # keeps g / √h finite while h is still 0 (the material's value)
RMSPROP_EPS = 1e-7   # the same role and value as in AdaGrad (the material's value; PyTorch's default is 1e-8)
ADAM_EPS = 1e-8      # the Adam paper's and PyTorch's ε, added to √v̂ (the bias-corrected second moment)


def _zeros_like_each(params):
    """One zero array per parameter, with its shape and dtype (state created on first use)."""
    return {key: np.zeros_like(value) for key, value in params.items()}


class SGD:
    r"""Stochastic gradient descent: a step of size η against the gradient.

    .. math:: w \leftarrow w - \eta\, g

    Args:
        lr: η, the learning rate.
    """

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        """Apply one step to every array in ``params`` (in place).

        Args:
            params: dict of arrays, e.g. {"W1": (D, H), "b1": (H,)}; changed in place.
            grads: dict of arrays with the same keys and shapes, the gradients ∂L/∂w.
        """
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    r"""SGD with momentum: a velocity that keeps a fraction μ of the previous step.

    .. math:: v \leftarrow \mu\, v - \eta\, g, \qquad w \leftarrow w + v, \qquad v_0 = 0

    PyTorch's ``SGD(momentum=μ)`` writes the same method as :math:`b \leftarrow \mu b + g`,
    :math:`w \leftarrow w - \eta b`; with a constant η its :math:`-\eta b` is exactly our v.

    Args:
        lr: η, the learning rate.
        momentum: μ, the fraction of the velocity kept from one step to the next.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None          # one velocity per parameter, kept across calls

    def update(self, params, grads):
        """Apply one step to every array in ``params`` (in place); see :meth:`SGD.update`."""
        if self.v is None:
            self.v = _zeros_like_each(params)
        for key in params:
            self.v[key] *= self.momentum
            self.v[key] -= self.lr * grads[key]
            params[key] += self.v[key]


class AdaGrad:
    r"""AdaGrad: each weight's step shrinks with the sum of its squared gradients so far.

    .. math:: h \leftarrow h + g^2, \qquad
              w \leftarrow w - \eta\, \frac{g}{\sqrt{h} + \epsilon}, \qquad h_0 = 0,\ \epsilon = 10^{-7}

    h is never reset: it accumulates over the whole training run.

    Args:
        lr: η, the learning rate.
    """

    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None          # one accumulator per parameter, kept across calls

    def update(self, params, grads):
        """Apply one step to every array in ``params`` (in place); see :meth:`SGD.update`."""
        if self.h is None:
            self.h = _zeros_like_each(params)
        for key in params:
            self.h[key] += grads[key] ** 2
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + ADAGRAD_EPS)


class RMSprop:
    r"""RMSprop: AdaGrad with an exponential moving average of g² instead of a sum, so it forgets.

    .. math:: h \leftarrow \rho\, h + (1 - \rho)\, g^2, \qquad
              w \leftarrow w - \eta\, \frac{g}{\sqrt{h} + \epsilon}, \qquad h_0 = 0,\ \epsilon = 10^{-7}

    PyTorch's ``RMSprop(alpha=ρ, eps=ε)`` computes the same (its default ε is 1e-8).

    Args:
        lr: η, the learning rate.
        decay_rate: ρ, the fraction of h kept from one step to the next.
    """

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = None          # one moving average per parameter, kept across calls

    def update(self, params, grads):
        """Apply one step to every array in ``params`` (in place); see :meth:`SGD.update`."""
        if self.h is None:
            self.h = _zeros_like_each(params)
        for key in params:
            self.h[key] *= self.decay_rate
            self.h[key] += (1.0 - self.decay_rate) * grads[key] ** 2
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + RMSPROP_EPS)


class Adam:
    r"""Adam: momentum (first moment m) and RMSprop (second moment v), both bias-corrected.

    At step t = 1, 2, … (one count for all parameters):

    .. math::
        m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2, \qquad m_0 = v_0 = 0

        \hat m = \frac{m}{1 - \beta_1^t}, \qquad \hat v = \frac{v}{1 - \beta_2^t}, \qquad
        w \leftarrow w - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}, \qquad \epsilon = 10^{-8}

    The bias corrections undo the pull of the zero start: without them the first steps are too
    small or too large by a factor √(1 − β2ᵗ)/(1 − β1ᵗ). The textbook folds them into the
    learning rate, :math:`\eta_t = \eta \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)`,
    :math:`w \leftarrow w - \eta_t\, m / (\sqrt{v} + 10^{-7})`: the same method, with ε placed
    differently (both are accepted). This is PyTorch's ``Adam(lr=η, betas=(β1, β2), eps=1e-8)``.

    Args:
        lr: η, the learning rate.
        beta1: β1, the decay of the first moment m (the average gradient).
        beta2: β2, the decay of the second moment v (the average squared gradient).
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0          # t, the number of updates so far (shared by all parameters)
        self.m = None
        self.v = None

    def update(self, params, grads):
        """Apply one step to every array in ``params`` (in place); see :meth:`SGD.update`."""
        if self.m is None:
            self.m, self.v = _zeros_like_each(params), _zeros_like_each(params)
        self.iter += 1
        correction1 = 1.0 - self.beta1 ** self.iter
        correction2 = 1.0 - self.beta2 ** self.iter
        for key in params:
            self.m[key] += (1.0 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1.0 - self.beta2) * (grads[key] ** 2 - self.v[key])
            m_hat = self.m[key] / correction1
            v_hat = self.v[key] / correction2
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + ADAM_EPS)


class AMSGrad(Adam):
    r"""AMSGrad: Adam whose denominator never shrinks, as PyTorch's ``Adam(amsgrad=True)``.

    At step t, with m and v updated exactly as in :class:`Adam`:

    .. math::
        v_{\max} \leftarrow \max(v_{\max}, v), \qquad
        w \leftarrow w - \eta\, \frac{m / (1 - \beta_1^t)}{\sqrt{v_{\max} / (1 - \beta_2^t)} + \epsilon},
        \qquad v_{\max,0} = 0,\ \epsilon = 10^{-8}

    The maximum is kept over the raw (uncorrected) v, then both bias corrections are applied as in
    Adam. Because v_max only grows, a rare large gradient keeps damping later steps instead of
    being forgotten.

    Args:
        lr: η, the learning rate.
        beta1: β1, the decay of the first moment m.
        beta2: β2, the decay of the second moment v.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        super().__init__(lr, beta1, beta2)
        self.v_max = None      # the largest v seen so far, elementwise, per parameter

    def update(self, params, grads):
        """Apply one step to every array in ``params`` (in place); see :meth:`SGD.update`."""
        if self.m is None:
            self.m, self.v = _zeros_like_each(params), _zeros_like_each(params)
            self.v_max = _zeros_like_each(params)
        self.iter += 1
        correction1 = 1.0 - self.beta1 ** self.iter
        correction2 = 1.0 - self.beta2 ** self.iter
        for key in params:
            self.m[key] += (1.0 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1.0 - self.beta2) * (grads[key] ** 2 - self.v[key])
            np.maximum(self.v_max[key], self.v[key], out=self.v_max[key])
            m_hat = self.m[key] / correction1
            v_hat = self.v_max[key] / correction2
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + ADAM_EPS)
