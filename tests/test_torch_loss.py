"""Cross-checks of the loss references (and the network's backward) against PyTorch, in float64."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.catalog import loss as loss_catalog
from autograder.registry import REGISTRY
from reference import activation, loss, network

SEEDS = range(8)


def rng_for(seed):
    return np.random.default_rng(1000 + seed)


def scores(rng, scale=2.0):
    n, k = int(rng.integers(1, 7)), int(rng.integers(2, 8))
    return rng.normal(0.0, scale, size=(n, k))


def tensor(array, requires_grad=False):
    return torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_matches_torch(seed):
    x = scores(rng_for(seed))
    x[0, 0] += 1000.0  # a large score must not overflow
    expected = torch.softmax(tensor(x), dim=-1).numpy()
    np.testing.assert_allclose(activation.softmax(x), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(activation.softmax(x[0]), expected[0], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_of_softmax_matches_torch_cross_entropy_on_logits(seed):
    """torch takes logits and has no δ; ours takes probabilities with δ = 1e-7 inside the log.

    For a true-class probability p, |−log(p + δ) − (−log p)| ≤ δ/p, so the mean differs by at most
    the mean of δ/p over the batch.
    """
    rng = rng_for(seed)
    x = scores(rng, scale=1.0)
    labels = rng.integers(0, x.shape[1], size=len(x))
    y = activation.softmax(x)
    expected = F.cross_entropy(tensor(x), torch.tensor(labels)).item()
    bound = np.mean(loss.DELTA / y[np.arange(len(y)), labels]) + 1e-12
    assert abs(loss.cross_entropy_error(y, labels) - expected) <= bound
    assert abs(loss.cross_entropy_error(y, np.eye(x.shape[1])[labels]) - expected) <= bound


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_cross_entropy_matches_torch(seed):
    rng = rng_for(seed)
    o = rng.uniform(0.02, 0.98, size=(3, 4))
    t = rng.integers(0, 2, size=(3, 4)).astype(np.float64)
    expected = F.binary_cross_entropy(tensor(o), tensor(t)).item()
    bound = np.mean(loss.DELTA / np.minimum(o, 1 - o)) + 1e-12  # δ inside the logs, as for cross entropy
    assert abs(loss.binary_cross_entropy(o, t) - expected) <= bound


@pytest.mark.parametrize("seed", SEEDS)
def test_bce_with_logits_matches_torch(seed):
    rng = rng_for(seed)
    z = rng.normal(0.0, 5.0, size=(4, 3))
    z[0, 0], z[1, 1], z[2, 2] = 1000.0, -1000.0, 800.0
    t = rng.integers(0, 2, size=z.shape).astype(np.float64)
    t[1, 2] = 0.3  # a soft target
    expected = F.binary_cross_entropy_with_logits(tensor(z), tensor(t)).item()
    assert loss.bce_with_logits(z, t) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_kl_divergence_matches_torch_kl_div(seed):
    """F.kl_div(log q, p, reduction='sum') is Σ p (log p − log q), with p = 0 terms counting 0."""
    rng = rng_for(seed)
    k = int(rng.integers(2, 9))
    p, q = rng.dirichlet(np.ones(k), size=2)
    p[rng.random(k) < 0.3] = 0.0
    p = p / p.sum() if p.sum() > 0 else np.eye(k)[0]
    expected = F.kl_div(torch.log(tensor(q)), tensor(p), reduction="sum").item()
    assert loss.kl_divergence(p, q) == pytest.approx(expected, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_grad_matches_autograd(seed):
    rng = rng_for(seed)
    x = scores(rng)
    labels = rng.integers(0, x.shape[1], size=len(x))
    logits = tensor(x, requires_grad=True)
    F.cross_entropy(logits, torch.tensor(labels)).backward()
    y = activation.softmax(x)
    for t in (labels, np.eye(x.shape[1])[labels]):
        np.testing.assert_allclose(loss.softmax_cross_entropy_grad(y, t), logits.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_two_layer_backward_matches_autograd(seed):
    """ReLU hidden layer, softmax output, mean cross-entropy: torch differentiates two_layer_loss's formula."""
    rng = rng_for(seed)
    n, d, h, o = 5, 4, 6, 3
    x = rng.normal(size=(n, d))
    labels = rng.integers(0, o, size=n)
    params = {"W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h),
              "W2": rng.normal(size=(h, o)), "b2": rng.normal(size=o)}
    weights = {key: tensor(value, requires_grad=True) for key, value in params.items()}
    u = torch.relu(tensor(x) @ weights["W1"] + weights["b1"]) @ weights["W2"] + weights["b2"]
    torch_loss = F.cross_entropy(u, torch.tensor(labels))
    torch_loss.backward()
    assert network.two_layer_loss(x, labels, params) == pytest.approx(torch_loss.item(), rel=1e-12)
    grads = network.two_layer_backward(x, labels, params)
    for key, weight in weights.items():
        np.testing.assert_allclose(grads[key], weight.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=key)


# The accepted conventions, each against torch written the same way (not against the reference).

@pytest.mark.parametrize("seed", SEEDS)
def test_binary_cross_entropy_without_delta_is_torch(seed):
    """The accepted δ = 0 form is exactly torch's binary cross entropy (which clamps its logs at −100,
    far below the probabilities in [0.02, 0.98] used here)."""
    rng = rng_for(seed)
    o = rng.uniform(0.02, 0.98, size=(3, 4))
    t = rng.integers(0, 2, size=(3, 4)).astype(np.float64)
    (no_delta,) = REGISTRY["loss.binary_cross_entropy"].accepted_conventions
    expected = F.binary_cross_entropy(tensor(o), tensor(t)).item()
    assert no_delta(o, t) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_adding_or_clipping_delta_is_torch_nll_of_that_log(seed):
    """δ added inside the log (the reference) is F.nll_loss(log(y + δ)); clipping at δ (accepted by the
    suite's tolerance) is F.nll_loss(log(clamp(y, δ, 1))). A probability of 0 is included."""
    rng = rng_for(seed)
    n, k = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    y = rng.dirichlet(np.ones(k), size=n)
    labels = rng.integers(0, k, size=n)
    y[0] = np.eye(k)[(labels[0] + 1) % k]  # the true class has probability 0
    added = F.nll_loss(torch.log(tensor(y) + 1e-7), torch.tensor(labels)).item()
    clipped = F.nll_loss(torch.log(torch.clamp(tensor(y), 1e-7, 1.0)), torch.tensor(labels)).item()
    assert loss.cross_entropy_error(y, labels) == pytest.approx(added, rel=1e-12)
    assert loss_catalog.textbook_cross_entropy(y, np.eye(k)[labels]) == pytest.approx(added, rel=1e-12)
    assert loss_catalog.clipped_cross_entropy(y, labels) == pytest.approx(clipped, rel=1e-12)
    assert abs(clipped - added) <= REGISTRY["loss.cross_entropy_error"].rtol * added  # why both pass
