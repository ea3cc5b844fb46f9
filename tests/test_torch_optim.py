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


# accepted conventions ------------------------------------------------------------------------------
# Each convention the registry accepts besides the reference is checked against torch here, not
# against the reference: a convention that agreed with a broken reference would otherwise make
# the registry's own tests pass with both wrong.

def textbook_eps(beta2, eps=1e-7):
    """The textbook's lr_t form as torch's Adam: ε_t = 1e-7/√(1 − β2ᵗ) before step t.

    lr_t·m/(√v + 1e-7) with lr_t = lr·√(1 − β2ᵗ)/(1 − β1ᵗ) equals lr·m̂/(√v̂ + ε_t), since
    √v̂ = √v/√(1 − β2ᵗ); torch reads ε from the parameter group at every step.
    """
    def set_eps(theirs, step):
        for group in theirs.param_groups:
            group["eps"] = eps / np.sqrt(1.0 - beta2 ** step)
    return set_eps


def run_convention(ours, make_torch, seed, before_step=None):
    """Like run_both, with a hook that adjusts the torch optimizer before each step."""
    params, grads = problem(seed)
    tensors = {key: torch.tensor(value.copy(), dtype=torch.float64, requires_grad=True)
               for key, value in params.items()}
    theirs = make_torch(list(tensors.values()))
    for step, grad in enumerate(grads, start=1):
        ours.update(params, {key: value.copy() for key, value in grad.items()})
        for key, tensor in tensors.items():
            tensor.grad = torch.tensor(grad[key], dtype=torch.float64)
        if before_step:
            before_step(theirs, step)
        theirs.step()
        for key in params:
            np.testing.assert_allclose(params[key], tensors[key].detach().numpy(), rtol=1e-10, atol=1e-13,
                                       err_msg=f"{key} after step {step}")


from autograder.catalog import optim as catalog  # noqa: E402 - the conventions live in the catalog
from autograder.registry import load  # noqa: E402

REGISTRY = load()

CONVENTION_ORACLES = {
    # class name: (hyperparameter sets, torch optimizer for (params, hyperparameters), hook)
    "AdamTextbook": (
        [dict(lr=0.001, beta1=0.9, beta2=0.999), dict(lr=0.01, beta1=0.8, beta2=0.99)],
        lambda p, h: torch.optim.Adam(p, lr=h["lr"], betas=(h["beta1"], h["beta2"])),
        lambda h: textbook_eps(h["beta2"])),
    "AMSGradTextbook": (
        [dict(lr=0.001, beta1=0.9, beta2=0.999), dict(lr=0.01, beta1=0.8, beta2=0.9)],
        lambda p, h: torch.optim.Adam(p, lr=h["lr"], betas=(h["beta1"], h["beta2"]), amsgrad=True),
        lambda h: textbook_eps(h["beta2"])),
    "RMSpropTorchEps": (
        [dict(lr=0.01, decay_rate=0.99), dict(lr=0.05, decay_rate=0.9)],
        lambda p, h: torch.optim.RMSprop(p, lr=h["lr"], alpha=h["decay_rate"], eps=1e-8),
        lambda h: None),
}

OPTIMIZER_CONVENTIONS = [(exercise_id, convention.__name__)
                         for exercise_id in ("optim.SGD", "optim.Momentum", "optim.AdaGrad", "optim.RMSprop",
                                             "optim.Adam", "optim.AMSGrad")
                         for convention in REGISTRY[exercise_id].accepted_conventions]


def test_every_accepted_optimizer_convention_has_an_oracle():
    assert OPTIMIZER_CONVENTIONS, "no accepted conventions found"
    missing = [name for _, name in OPTIMIZER_CONVENTIONS if name not in CONVENTION_ORACLES]
    assert not missing, f"accepted conventions without a torch oracle: {missing}"


@pytest.mark.parametrize("exercise_id, name", OPTIMIZER_CONVENTIONS)
def test_accepted_optimizer_convention_matches_torch(exercise_id, name):
    convention = next(c for c in REGISTRY[exercise_id].accepted_conventions if c.__name__ == name)
    settings, make_torch, hook = CONVENTION_ORACLES[name]
    for seed, hyperparameters in enumerate(settings, start=10):
        run_convention(convention(**hyperparameters), lambda p: make_torch(p, hyperparameters), seed,
                       hook(hyperparameters))


def test_the_textbook_oracle_tells_the_two_adam_forms_apart():
    """The ε_t trick is exact: the explicit form (ε = 1e-8) fails against it, the textbook form passes."""
    hyperparameters = dict(lr=0.01, beta1=0.8, beta2=0.99)
    make = lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99))  # noqa: E731
    run_convention(catalog.AdamTextbook(**hyperparameters), make, 3, textbook_eps(0.99))
    with pytest.raises(AssertionError):
        run_convention(optim.Adam(**hyperparameters), make, 3, textbook_eps(0.99))
