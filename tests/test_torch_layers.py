"""The reference layers against PyTorch's (CPU, float64): forward values and autograd gradients.

PyTorch is an independent implementation of the same mathematics, so agreement here checks the
reference itself (the registry tests only check that the autograder reproduces the reference).
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reference import layers

SEEDS = range(5)


def tensor(array, grad=False):
    return torch.tensor(np.asarray(array, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def standardised(rng, n, d):
    """Features with a variance of 1 to 9, so that the choice of ε hardly matters."""
    z = rng.normal(size=(n, d))
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    return rng.normal(0.0, 2.0, size=d) + rng.uniform(1.0, 3.0, size=d) * z


def assert_close(ours, theirs, rtol=1e-10, atol=1e-12):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


# batch normalisation --------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_batch_norm_training_matches_torch(seed):
    """Forward and dx, dγ, dβ in training; torch's momentum is 1 − ours."""
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(3, 9)), int(rng.integers(2, 6))
    x, dout = standardised(rng, n, d), rng.normal(size=(n, d))
    gamma, beta = rng.normal(1.0, 0.5, size=d), rng.normal(size=d)
    running_mean, running_var = rng.normal(size=d), rng.uniform(0.5, 2.0, size=d)
    momentum = 0.9

    layer = layers.BatchNormalization(gamma.copy(), beta.copy(), momentum, running_mean.copy(), running_var.copy())
    out = layer.forward(x.copy(), train_flg=True)
    dx = layer.backward(dout.copy())

    xt, gt, bt = tensor(x, True), tensor(gamma, True), tensor(beta, True)
    torch_mean, torch_var = tensor(running_mean), tensor(running_var)
    expected = F.batch_norm(xt, torch_mean, torch_var, gt, bt, training=True,
                            momentum=1.0 - momentum, eps=layers.BN_EPS)
    expected.backward(tensor(dout))

    assert_close(out, expected)
    assert_close(dx, xt.grad, atol=1e-10)
    assert_close(layer.dgamma, gt.grad)
    assert_close(layer.dbeta, bt.grad)
    assert_close(layer.running_mean, torch_mean)
    # torch feeds the unbiased variance into its running average, the textbook the biased one.
    assert_close(layer.running_var - momentum * running_var,
                 (torch_var.numpy() - momentum * running_var) * (n - 1) / n)


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_norm_inference_matches_torch(seed):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(1, 6)), int(rng.integers(2, 6))
    x = rng.normal(0.0, 2.0, size=(n, d))
    gamma, beta = rng.normal(1.0, 0.5, size=d), rng.normal(size=d)
    running_mean, running_var = rng.normal(size=d), rng.uniform(0.5, 2.0, size=d)

    layer = layers.BatchNormalization(gamma, beta, 0.9, running_mean.copy(), running_var.copy())
    out = layer.forward(x.copy(), train_flg=False)
    expected = F.batch_norm(tensor(x), tensor(running_mean), tensor(running_var), tensor(gamma), tensor(beta),
                            training=False, eps=layers.BN_EPS)
    assert_close(out, expected)
    assert_close(layer.running_mean, running_mean)  # inference leaves the statistics alone
    assert_close(layer.running_var, running_var)


# layer normalisation --------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("eps", [1e-5, 0.1])
def test_layer_norm_matches_torch(seed, eps):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(1, 6)), int(rng.integers(2, 9))
    x, dout = rng.normal(1.0, 2.0, size=(n, d)), rng.normal(size=(n, d))
    gamma, beta = rng.normal(1.0, 0.5, size=d), rng.normal(size=d)

    xt, gt, bt = tensor(x, True), tensor(gamma, True), tensor(beta, True)
    expected = F.layer_norm(xt, (d,), gt, bt, eps=eps)
    expected.backward(tensor(dout))
    dx, dgamma, dbeta = layers.layer_norm_backward(dout, x, gamma, eps)

    assert_close(layers.layer_norm(x, gamma, beta, eps), expected)
    assert_close(dx, xt.grad, atol=1e-10)
    assert_close(dgamma, gt.grad)
    assert_close(dbeta, bt.grad)


# convolution and pooling ----------------------------------------------------------------------------

CONV_SETTINGS = [  # N, C, H, W, FN, FH, FW, stride, pad
    (1, 1, 3, 3, 1, 2, 2, 1, 0),
    (2, 3, 5, 6, 2, 3, 3, 1, 1),
    (2, 2, 7, 6, 3, 2, 3, 2, 1),
    (1, 3, 7, 7, 2, 3, 1, 3, 2),
    (2, 1, 4, 5, 4, 1, 1, 1, 0),
]


@pytest.mark.parametrize("setting", CONV_SETTINGS)
def test_convolution_matches_torch_conv2d(setting):
    n, c, h, w, fn, fh, fw, stride, pad = setting
    rng = np.random.default_rng(sum(setting))
    x, W, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(fn, c, fh, fw)), rng.normal(size=fn)

    xt, Wt, bt = tensor(x, True), tensor(W, True), tensor(b, True)
    expected = F.conv2d(xt, Wt, bt, stride=stride, padding=pad)
    dout = rng.normal(size=tuple(expected.shape))
    expected.backward(tensor(dout))

    layer = layers.Convolution(W.copy(), b.copy(), stride, pad)
    out = layer.forward(x.copy())
    dx = layer.backward(dout.copy())
    assert_close(out, expected)
    assert_close(dx, xt.grad)
    assert_close(layer.dW, Wt.grad)
    assert_close(layer.db, bt.grad)


POOL_SETTINGS = [  # N, C, H, W, pool_h, pool_w, stride, pad
    (1, 1, 4, 4, 2, 2, 2, 0),
    (2, 3, 5, 6, 2, 2, 2, 0),
    (1, 2, 5, 4, 3, 2, 1, 0),
    (2, 2, 7, 7, 3, 3, 2, 1),
    (1, 3, 6, 7, 2, 3, 3, 1),
]


@pytest.mark.parametrize("setting", POOL_SETTINGS)
def test_max_pooling_matches_torch_max_pool2d(setting):
    """Distinct values (no ties); positive when padded, where torch pads with −∞ and im2col with 0."""
    n, c, h, w, pool_h, pool_w, stride, pad = setting
    rng = np.random.default_rng(sum(setting))
    x = rng.permutation(n * c * h * w).reshape(n, c, h, w) / 7.0
    if not pad:
        x = x - x.mean()

    xt = tensor(x, True)
    expected = F.max_pool2d(xt, (pool_h, pool_w), stride=stride, padding=pad)
    dout = rng.normal(size=tuple(expected.shape))
    expected.backward(tensor(dout))

    layer = layers.Pooling(pool_h, pool_w, stride, pad)
    assert_close(layer.forward(x.copy()), expected)
    assert_close(layer.backward(dout.copy()), xt.grad)


# affine, activations, loss ----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4, 5), (3, 2, 2, 3), (1, 7)])
def test_affine_matches_torch_linear(shape):
    rng = np.random.default_rng(len(shape))
    x = rng.normal(size=shape)
    d, h = int(np.prod(shape[1:])), 3
    W, b = rng.normal(size=(d, h)), rng.normal(size=h)
    dout = rng.normal(size=(shape[0], h))

    xt, Wt, bt = tensor(x, True), tensor(W, True), tensor(b, True)
    expected = F.linear(xt.reshape(shape[0], -1), Wt.T, bt)  # torch's weight is (out, in): our W transposed
    expected.backward(tensor(dout))

    layer = layers.Affine(W.copy(), b.copy())
    assert_close(layer.forward(x.copy()), expected)
    dx = layer.backward(dout.copy())
    assert dx.shape == shape
    assert_close(dx, xt.grad)
    assert_close(layer.dW, Wt.grad)
    assert_close(layer.db, bt.grad)


@pytest.mark.parametrize("layer_class, torch_function", [(layers.Relu, torch.relu), (layers.Sigmoid, torch.sigmoid)])
def test_activation_layers_match_torch(layer_class, torch_function):
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(0.0, 3.0, size=20), [-1000.0, -30.0, 30.0, 1000.0]]).reshape(4, 6)
    dout = rng.normal(size=x.shape)
    xt = tensor(x, True)
    expected = torch_function(xt)
    expected.backward(tensor(dout))

    layer = layer_class()
    assert_close(layer.forward(x.copy()), expected)
    assert_close(layer.backward(dout.copy()), xt.grad)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss_matches_torch_cross_entropy(seed, one_hot):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 6)), int(rng.integers(2, 6))
    x = rng.normal(0.0, 3.0, size=(n, k))
    if seed == 0:
        x = x + 1000.0  # stable for large scores
    labels = rng.integers(0, k, size=n)

    xt = tensor(x, True)
    expected = F.cross_entropy(xt, torch.tensor(labels), reduction="mean")
    expected.backward()

    layer = layers.SoftmaxWithLoss()
    loss = layer.forward(x.copy(), np.eye(k)[labels] if one_hot else labels)
    assert isinstance(loss, float)
    assert_close(loss, expected)
    assert_close(layer.backward(), xt.grad)


# dropout ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ratio", [0.2, 0.5, 0.75])
def test_inverted_dropout_scales_like_torch_dropout(ratio):
    """torch.nn.functional.dropout is inverted dropout: kept units × 1/(1 − p), identity in eval mode."""
    x = np.full((200, 100), 1.5)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        theirs = F.dropout(tensor(x), p=ratio, training=True).numpy()
    state = np.random.get_state()
    try:
        np.random.seed(0)
        layer = layers.InvertedDropout(ratio)
        ours = layer.forward(x.copy())
        inference = layer.forward(x.copy(), train_flg=False)
    finally:
        np.random.set_state(state)
    assert set(np.unique(ours)) == set(np.unique(theirs)) == {0.0, 1.5 / (1.0 - ratio)}
    assert abs(np.mean(ours != 0) - np.mean(theirs != 0)) < 0.03
    assert_close(inference, F.dropout(tensor(x), p=ratio, training=False))


# accepted conventions ------------------------------------------------------------------------------
# Each convention the registry accepts besides the reference is checked here against torch or a
# slow loop, not against the reference: a convention that agreed with a broken reference would
# otherwise make the registry's own tests pass with both wrong.

from autograder.registry import load  # noqa: E402

REGISTRY = load()


def relu_derivative_one_at_zero(convention):
    """torch.clamp(x, min=0) passes the gradient at x == 0 (derivative 1 there)."""
    x = np.array([[-2.0, 0.0, 1.5], [0.0, -0.5, 3.0]])
    dout = np.array([[1.0, 2.0, -1.0], [-3.0, 0.5, 2.0]])
    xt = tensor(x, True)
    expected = torch.clamp(xt, min=0.0)
    expected.backward(tensor(dout))
    layer = convention()
    assert_close(layer.forward(x.copy()), expected)
    assert_close(layer.backward(dout.copy()), xt.grad)


def softmax_loss_with_delta(convention):
    """The textbook's −mean log(y + 1e-7) in torch; its backward is (y − t)/N, cross entropy's gradient."""
    rng = np.random.default_rng(3)
    x, labels = rng.normal(0.0, 3.0, size=(4, 5)), np.array([0, 3, 4, 1])
    xt = tensor(x, True)
    probabilities = torch.softmax(tensor(x), dim=1)
    loss = -torch.mean(torch.log(probabilities[torch.arange(4), torch.tensor(labels)] + 1e-7))
    F.cross_entropy(xt, torch.tensor(labels)).backward()
    layer = convention()
    assert_close(layer.forward(x.copy(), labels), loss)
    assert_close(layer.backward(), xt.grad)


def softmax_loss_dout_left_out(delta):
    """The textbook's backward, which leaves dout out: whatever dout is passed, dx is (y − t)/N, the
    gradient of the mean cross entropy (torch's); the loss has the δ inside the log, or none."""
    def check(convention):
        rng = np.random.default_rng(5)
        x, labels = rng.normal(0.0, 3.0, size=(3, 4)), np.array([2, 0, 3])
        xt = tensor(x, True)
        probabilities = torch.softmax(tensor(x), dim=1)
        loss = -torch.mean(torch.log(probabilities[torch.arange(3), torch.tensor(labels)] + delta))
        F.cross_entropy(xt, torch.tensor(labels)).backward()
        layer = convention()
        assert_close(layer.forward(x.copy(), labels), loss)
        assert_close(layer.backward(2.5), xt.grad)
    return check


def batch_norm_convention(init, unbiased_running_var):
    """Two training steps and an inference against F.batch_norm started from torch's running
    statistics (zeros, and zeros or ones); torch feeds the unbiased variance into the running
    average, so for a biased convention the batch parts are scaled by (N − 1)/N (one N throughout)."""
    def check(convention):
        rng = np.random.default_rng(4)
        n, d, momentum = 5, 3, 0.8
        gamma, beta = rng.normal(1.0, 0.5, size=d), rng.normal(size=d)
        layer = convention(gamma.copy(), beta.copy(), momentum)
        start_var = np.ones(d) if init == "ones" else np.zeros(d)
        torch_mean, torch_var = tensor(np.zeros(d)), tensor(start_var)
        for _ in range(2):
            x, dout = standardised(rng, n, d), rng.normal(size=(n, d))
            xt, gt, bt = tensor(x, True), tensor(gamma, True), tensor(beta, True)
            expected = F.batch_norm(xt, torch_mean, torch_var, gt, bt, training=True,
                                    momentum=1.0 - momentum, eps=layers.BN_EPS)
            expected.backward(tensor(dout))
            assert_close(layer.forward(x.copy(), train_flg=True), expected)
            assert_close(layer.backward(dout.copy()), xt.grad, atol=1e-10)
            assert_close(layer.dgamma, gt.grad)
            assert_close(layer.dbeta, bt.grad)
        assert_close(layer.running_mean, torch_mean)
        decayed = momentum ** 2 * start_var
        scale = 1.0 if unbiased_running_var else (n - 1) / n
        assert_close(layer.running_var - decayed, (torch_var.numpy() - decayed) * scale)
        x = rng.normal(size=(2, d))
        inference = F.batch_norm(tensor(x), tensor(layer.running_mean), tensor(layer.running_var),
                                 tensor(gamma), tensor(beta), training=False, eps=layers.BN_EPS)
        assert_close(layer.forward(x.copy(), train_flg=False), inference)
    return check


def max_pool_minus_inf_padding(convention):
    """All values negative, so that a zero pad would win every border window: torch pads with −∞."""
    rng = np.random.default_rng(5)
    x = -1.0 - rng.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) / 10.0
    xt = tensor(x, True)
    expected = F.max_pool2d(xt, (2, 3), stride=2, padding=1)
    dout = rng.normal(size=tuple(expected.shape))
    expected.backward(tensor(dout))
    layer = convention(2, 3, 2, 1)
    assert_close(layer.forward(x.copy()), expected)
    assert_close(layer.backward(dout.copy()), xt.grad)


def slow_max_pool_last_of_ties(x, dout, pool_h, pool_w, stride):
    """Max pooling written as loops, keeping the last of equal maxima (>= while scanning each window)."""
    dx = np.zeros_like(x)
    N, C, out_h, out_w = dout.shape
    out = np.zeros(dout.shape)
    for n in range(N):
        for c in range(C):
            for i in range(out_h):
                for j in range(out_w):
                    best, where = -np.inf, None
                    for u in range(pool_h):
                        for v in range(pool_w):
                            value = x[n, c, i * stride + u, j * stride + v]
                            if value >= best:
                                best, where = value, (i * stride + u, j * stride + v)
                    out[n, c, i, j] = best
                    dx[n, c, where[0], where[1]] += dout[n, c, i, j]
    return out, dx


def max_pool_last_of_ties(convention):
    """Ties everywhere (values from {0, 1, 2}), overlapping windows: the slow loop's last-of-ties."""
    rng = np.random.default_rng(6)
    x = rng.integers(0, 3, size=(2, 2, 5, 6)).astype(np.float64)
    dout = rng.normal(size=(2, 2, 4, 5))
    out, dx = slow_max_pool_last_of_ties(x, dout, 2, 2, 1)
    layer = convention(2, 2, 1, 0)
    assert_close(layer.forward(x.copy()), out)
    assert_close(layer.backward(dout.copy()), dx)


# One oracle per accepted convention, in the registry's order.
LAYER_CONVENTION_ORACLES = {
    "layers.Relu": [relu_derivative_one_at_zero],
    "layers.SoftmaxWithLoss": [softmax_loss_with_delta, softmax_loss_dout_left_out(0.0),
                               softmax_loss_dout_left_out(1e-7)],
    "layers.BatchNormalization": [batch_norm_convention("ones", False), batch_norm_convention("zeros", True),
                                  batch_norm_convention("ones", True)],
    "layers.Pooling": [max_pool_minus_inf_padding, max_pool_last_of_ties],
}
LAYER_EXERCISES = [e for e in REGISTRY if e.startswith("layers.")]


@pytest.mark.parametrize("exercise_id", LAYER_EXERCISES)
def test_every_accepted_layer_convention_has_an_oracle(exercise_id):
    conventions = REGISTRY[exercise_id].accepted_conventions
    assert len(LAYER_CONVENTION_ORACLES.get(exercise_id, [])) == len(conventions), \
        f"{exercise_id}: {len(conventions)} accepted conventions, oracles for {len(LAYER_CONVENTION_ORACLES.get(exercise_id, []))}"


CONVENTION_CHECKS = [(e, i) for e, oracles in LAYER_CONVENTION_ORACLES.items() for i in range(len(oracles))]


@pytest.mark.parametrize("exercise_id, index", CONVENTION_CHECKS)
def test_accepted_layer_convention_matches_its_oracle(exercise_id, index):
    LAYER_CONVENTION_ORACLES[exercise_id][index](REGISTRY[exercise_id].accepted_conventions[index])


def test_the_reference_pooling_agrees_with_the_slow_loop_without_ties_and_not_with_ties():
    """The last-of-ties oracle is a real oracle: it agrees with the reference (first of ties) on
    distinct values and parts from it on ties."""
    rng = np.random.default_rng(7)
    distinct = rng.permutation(2 * 5 * 6).reshape(1, 2, 5, 6) / 4.0
    dout = rng.normal(size=(1, 2, 4, 5))
    layer = layers.Pooling(2, 2, 1, 0)
    out, dx = slow_max_pool_last_of_ties(distinct, dout, 2, 2, 1)
    assert_close(layer.forward(distinct.copy()), out)
    assert_close(layer.backward(dout.copy()), dx)
    tied = np.zeros((1, 2, 5, 6))
    layer.forward(tied.copy())
    assert not np.allclose(layer.backward(dout.copy()), slow_max_pool_last_of_ties(tied, dout, 2, 2, 1)[1])


def test_max_pooling_with_ties_sends_the_whole_gradient_to_the_first_like_torch():
    """torch's CPU max_pool2d keeps the first of equal maxima, as the reference does."""
    x = np.array([[[[4.0, 4.0, 2.5, 1.0], [-1.0, 0.5, 2.5, 0.0], [0.0, 0.0, 3.0, 1.0], [0.0, 0.0, 2.0, -1.0]]]])
    dout = np.array([[[[1.5, -2.0], [0.5, 3.0]]]])
    xt = tensor(x, True)
    F.max_pool2d(xt, 2, stride=2).backward(tensor(dout))
    layer = layers.Pooling(2, 2, 2, 0)
    layer.forward(x.copy())
    assert_close(layer.backward(dout.copy()), xt.grad)
