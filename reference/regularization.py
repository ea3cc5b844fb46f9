r"""Regularization: L1/L2 penalties, their gradients, and early stopping (Day 2, section 3).

A penalty is added to the loss, :math:`E(w) + \Omega(w)`, so its gradient is added to the loss
gradient ``grad`` that backpropagation gives for a parameter ``param``. The gradient functions may
change ``grad`` in place (the course material writes ``grad += ...``) and return the result.
"""
import numpy as np


def l1_penalty(W, lam):
    r"""L1 (Lasso) penalty of a weight array.

    .. math:: \Omega(W) = \lambda \lVert W \rVert_1 = \lambda \sum_{i} \lvert w_i \rvert

    Args:
        W: (...) weights, any shape.
        lam: λ ≥ 0, the regularization strength.

    Returns:
        float: the penalty.
    """
    return float(lam * np.sum(np.abs(W)))


def l2_penalty(W, lam):
    r"""L2 (Ridge, weight decay) penalty of a weight array, with the ½ that cancels on differentiating.

    .. math:: \Omega(W) = \frac{1}{2} \lambda \lVert W \rVert_2^2 = \frac{1}{2} \lambda \sum_{i} w_i^2

    Args:
        W: (...) weights, any shape.
        lam: λ ≥ 0, the regularization strength.

    Returns:
        float: the penalty.
    """
    return float(0.5 * lam * np.sum(np.square(W)))


def ridge_grad(param, grad, rate):
    r"""Loss gradient plus the gradient of the L2 penalty :math:`\frac{1}{2} \lambda \sum w^2`.

    .. math:: g \leftarrow g + \lambda\, w

    Args:
        param: (...) the parameter w.
        grad: (...) the loss gradient g with respect to ``param`` (same shape).
        rate: λ, the L2 coefficient.

    Returns:
        (...) array: the regularized gradient.
    """
    return grad + rate * param


def lasso_grad(param, grad, rate):
    r"""Loss gradient plus the (sub)gradient of the L1 penalty :math:`\lambda \sum \lvert w \rvert`.

    .. math:: g \leftarrow g + \lambda\, \mathrm{sign}(w), \quad \mathrm{sign}(0) = 0

    Args:
        param: (...) the parameter w.
        grad: (...) the loss gradient g with respect to ``param`` (same shape).
        rate: λ, the L1 coefficient.

    Returns:
        (...) array: the regularized gradient.
    """
    return grad + rate * np.sign(param)


def elastic_net_grad(param, grad, l1_rate, l2_rate):
    r"""Loss gradient plus the gradient of the Elastic Net penalty (L1 and L2 together).

    .. math::
        \Omega(w) = \lambda_1 \sum \lvert w \rvert + \frac{1}{2} \lambda_2 \sum w^2,
        \quad g \leftarrow g + \lambda_1\, \mathrm{sign}(w) + \lambda_2\, w

    Args:
        param: (...) the parameter w.
        grad: (...) the loss gradient g with respect to ``param`` (same shape).
        l1_rate: λ₁, the L1 coefficient.
        l2_rate: λ₂, the L2 coefficient.

    Returns:
        (...) array: the regularized gradient.
    """
    return grad + l1_rate * np.sign(param) + l2_rate * param


def early_stopping_epoch(val_losses, patience):
    r"""The epoch at which early stopping ends training.

    An epoch *improves* when its validation loss is strictly below the best loss of all epochs
    before it (the first epoch always does). Training stops at the first epoch e that ends a run of
    ``patience`` epochs none of which improved; if that never happens it runs to the last epoch.

    [1.0, 0.8, 0.9, 0.85, 0.95] with patience 2: epochs 2 and 3 do not beat 0.8, so it stops at 3.

    Args:
        val_losses: (E,) validation loss after each epoch (E ≥ 1).
        patience: how many epochs in a row without improvement end training (≥ 1).

    Returns:
        int: the index of the stopping epoch, in 0 … E − 1.
    """
    best = np.inf
    waited = 0  # epochs in a row that did not improve on the best
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best = loss
            waited = 0
        else:
            waited += 1
            if waited >= patience:
                return epoch
    return len(val_losses) - 1
