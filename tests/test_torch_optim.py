"""reference.optim against torch.optim (CPU, float64): the same parameters and gradients, 6 steps.

Each test feeds the same gradient sequence to our optimizer (on a dict of NumPy arrays) and to the
torch optimizer (on tensors whose ``.grad`` is set by hand), and compares the parameters after
every step. Where the two libraries name or default a constant differently, the test says so:

- Momentum: torch keeps b ← μb + g and steps w ← w − lr·b; ours keeps v ← μv − lr·g and steps
  w ← w + v. By induction v = −lr·b at every step when lr is constant, so the weights agree (and
  the test checks v = −lr·b itself).
- AdaGrad: torch's default ε is 1e-10, ours (the material's) 1e-7; both add ε outside the square
  root, so torch is run with eps=1e-7.
- RMSprop: torch's ``alpha`` is our ``decay_rate`` ρ; its default ε is 1e-8, ours 1e-7 (the
  material's), both outside the square root, so torch is run with eps=1e-7.
- Adam, AMSGrad: ε = 1e-8 added to √v̂ in both (our reference uses the explicit m̂/(√v̂ + ε) form).
"""
import numpy as np
import pytest
import torch

from reference import optim

STEPS = 6


def problem(seed):
    """Two parameters of different shapes and STEPS gradients for each (sizes varying, none tiny)."""
    rng = np.random.default_rng(seed)
    params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    grads = [{key: rng.normal(size=value.shape) * scale for key, value in params.items()}
             for scale in (3.0, 0.3, 1.0, 0.1, 2.0, 0.5)[:STEPS]]
    return params, grads


def run_both(ours, make_torch, seed=0, check_step=None):
    params, grads = problem(seed)
    tensors = {key: torch.tensor(value.copy(), dtype=torch.float64, requires_grad=True)
               for key, value in params.items()}
    theirs = make_torch(list(tensors.values()))
    arrays = dict(params)  # the very arrays: in-place updates keep them in the dict
    for step, grad in enumerate(grads, start=1):
        ours.update(params, {key: value.copy() for key, value in grad.items()})
        for key, tensor in tensors.items():
            tensor.grad = torch.tensor(grad[key], dtype=torch.float64)
        theirs.step()
        for key in params:
            assert params[key] is arrays[key], f"{key} was rebound, not updated in place"
            np.testing.assert_allclose(params[key], tensors[key].detach().numpy(), rtol=1e-10, atol=1e-13,
                                       err_msg=f"{key} after step {step}")
        if check_step:
            check_step(ours, theirs, tensors)


@pytest.mark.parametrize("lr", [0.01, 0.3])
def test_sgd(lr):
    run_both(optim.SGD(lr=lr), lambda p: torch.optim.SGD(p, lr=lr))


@pytest.mark.parametrize("lr, momentum", [(0.01, 0.9), (0.1, 0.5)])
def test_momentum_equals_torch_sgd_with_momentum(lr, momentum):
    def velocity_is_minus_lr_times_buffer(ours, theirs, tensors):
        for key, tensor in tensors.items():
            buffer = theirs.state[tensor]["momentum_buffer"].numpy()
            np.testing.assert_allclose(ours.v[key], -lr * buffer, rtol=1e-10, atol=1e-14)

    run_both(optim.Momentum(lr=lr, momentum=momentum),
             lambda p: torch.optim.SGD(p, lr=lr, momentum=momentum, dampening=0.0, nesterov=False),
             seed=1, check_step=velocity_is_minus_lr_times_buffer)


@pytest.mark.parametrize("lr", [0.01, 0.5])
def test_adagrad(lr):
    run_both(optim.AdaGrad(lr=lr),
             lambda p: torch.optim.Adagrad(p, lr=lr, eps=optim.ADAGRAD_EPS, lr_decay=0.0,
                                           initial_accumulator_value=0.0), seed=2)


def test_adagrad_with_torch_default_eps_agrees_to_tolerance():
    """With torch's own ε = 1e-10 the weights differ only by ~lr·1e-7/|g| per step."""
    params, grads = problem(2)
    tensors = [torch.tensor(v.copy(), requires_grad=True) for v in params.values()]
    theirs = torch.optim.Adagrad(tensors, lr=0.01)
    ours = optim.AdaGrad(lr=0.01)
    for grad in grads:
        ours.update(params, grad)
        for tensor, g in zip(tensors, grad.values()):
            tensor.grad = torch.tensor(g)
        theirs.step()
    for value, tensor in zip(params.values(), tensors):
        np.testing.assert_allclose(value, tensor.detach().numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("lr, decay_rate", [(0.01, 0.99), (0.05, 0.9)])
def test_rmsprop(lr, decay_rate):
    run_both(optim.RMSprop(lr=lr, decay_rate=decay_rate),
             lambda p: torch.optim.RMSprop(p, lr=lr, alpha=decay_rate, eps=optim.RMSPROP_EPS,
                                           momentum=0.0, centered=False), seed=3)


@pytest.mark.parametrize("lr, beta1, beta2", [(0.001, 0.9, 0.999), (0.01, 0.8, 0.99)])
def test_adam(lr, beta1, beta2):
    run_both(optim.Adam(lr=lr, beta1=beta1, beta2=beta2),
             lambda p: torch.optim.Adam(p, lr=lr, betas=(beta1, beta2), eps=optim.ADAM_EPS), seed=4)


@pytest.mark.parametrize("lr, beta1, beta2", [(0.001, 0.9, 0.999), (0.01, 0.8, 0.9)])
def test_amsgrad(lr, beta1, beta2):
    def running_max_matches(ours, theirs, tensors):
        for key, tensor in tensors.items():
            np.testing.assert_allclose(ours.v_max[key], theirs.state[tensor]["max_exp_avg_sq"].numpy(),
                                       rtol=1e-12, atol=0)

    run_both(optim.AMSGrad(lr=lr, beta1=beta1, beta2=beta2),
             lambda p: torch.optim.Adam(p, lr=lr, betas=(beta1, beta2), eps=optim.ADAM_EPS, amsgrad=True),
             seed=5, check_step=running_max_matches)


def test_amsgrad_differs_from_adam_when_gradients_shrink():
    """The gradient sequence (large, then small) makes the running maximum matter."""
    params, grads = problem(5)
    adam, amsgrad = optim.Adam(lr=0.01, beta2=0.9), optim.AMSGrad(lr=0.01, beta2=0.9)
    p_adam, p_ams = {k: v.copy() for k, v in params.items()}, {k: v.copy() for k, v in params.items()}
    for grad in grads:
        adam.update(p_adam, grad)
        amsgrad.update(p_ams, grad)
    assert np.max(np.abs(p_adam["W"] - p_ams["W"])) > 1e-4
