"""The holes real wrong submissions found in the suites of the function exercises, one test per kind.

Each test runs wrong implementations of one kind through both suites and requires them to fail (and
right variants of the same formula to pass); expected numbers come from the math module, PyTorch or
a hand calculation in the docstring, never from the reference the suites are built from.
"""
import dataclasses
import inspect
import json
import math

import numpy as np
import pytest
import torch

import autograder
from autograder.catalog import activation as activation_catalog
from autograder.catalog import data as data_catalog
from autograder.catalog import gradient as gradient_catalog
from autograder.catalog import init as init_catalog
from autograder.registry import REGISTRY, prepare
from autograder.runtime import properties, serialize
from autograder.runtime.drivers import as_function
from autograder.runtime.engine import run_suite
from reference import activation, data, gradient, init
from reference import conv as conv_reference

SUITES = ("visible", "hidden")


def rejected_by_both_suites(exercise_id, implementation):
    return all(not autograder.check(exercise_id, implementation, suite=suite).passed for suite in SUITES)


def fixed_cases_only(exercise_id):
    """The visible suite without its random cases: what the fixed cases alone decide."""
    suite = prepare(exercise_id, "visible")
    return dataclasses.replace(suite, cases=[c for c in suite.cases if not c.name.startswith("random")])


# 1. tails and limits -------------------------------------------------------------------------------

def exact_sigmoid(x):
    """σ(x) in the math module, each element on its own: e^x/(1 + e^x) for x < 0 (no cancellation)."""
    return np.array([math.exp(v) / (1.0 + math.exp(v)) if v < 0 else 1.0 / (1.0 + math.exp(-v))
                     for v in np.ravel(x)]).reshape(np.shape(x))


def test_tail_cases_expect_the_exact_values():
    """σ(−30) = 9.357622968840175e-14 and σ(−40) ≈ 4.248e-18 to full precision, σ(±1000) = 0 and 1
    exactly; tanh(1e-12) = 1e-12; softmax gives e^−30/(1 + …) and exactly 0 for a gap of 995."""
    tails = next(c for c in prepare("activation.sigmoid").cases if c.name.startswith("the tails"))
    np.testing.assert_allclose(tails.expected[0]["return"], exact_sigmoid(tails.inputs["x"]), rtol=1e-15, atol=0)
    assert tails.expected[0]["return"][0] == 0.0 and tails.expected[0]["return"][-1] == 1.0
    near_zero = next(c for c in prepare("activation.tanh").cases if c.name.startswith("near 0"))
    np.testing.assert_allclose(near_zero.expected[0]["return"], [math.tanh(v) for v in near_zero.inputs["x"]],
                               rtol=1e-15, atol=0)
    tiny = next(c for c in prepare("activation.softmax").cases if c.name.startswith("tiny"))
    row = tiny.inputs["x"][1]
    exact = [math.exp(v - 5.0) / sum(math.exp(u - 5.0) for u in row) for v in row]
    np.testing.assert_allclose(tiny.expected[0]["return"][1], exact, rtol=1e-14, atol=0)
    assert tiny.expected[0]["return"][1][-1] == 0.0


TAIL_WRONG = [
    ("activation.sigmoid", activation_catalog.clipped_sigmoid(20.0)),
    ("activation.sigmoid", activation_catalog.clipped_sigmoid(30.0)),
    ("activation.sigmoid", activation_catalog.clipped_sigmoid(500.0)),
    ("activation.sigmoid", activation_catalog.tanh_sigmoid),
    ("activation.sigmoid", lambda x: np.clip(activation.sigmoid(x), 1e-12, 1.0 - 1e-12)),  # an ε
    ("activation.sigmoid_grad", lambda x: activation_catalog.clipped_sigmoid(30.0)(x)
     * (1.0 - activation_catalog.clipped_sigmoid(30.0)(x))),
    ("activation.tanh", activation_catalog.clipped_exp_tanh),
    ("activation.tanh", lambda x: 2.0 * activation.sigmoid(2.0 * x) - 1.0),
    ("activation.softmax", lambda x: (lambda e: e / e.sum(-1, keepdims=True))(
        np.exp(x - x.max(-1, keepdims=True)) + 1e-12)),
    ("activation.logistic", lambda x, A=1.0, a=1.0, x0=0.0: A * 0.5 * (1.0 + np.tanh(0.5 * a * (x - x0)))),
    ("loss.bce_with_logits", lambda z, t: float(np.mean(np.maximum(z, 0.0) - z * t
                                                        + np.log(1.0 + np.exp(-np.abs(z)) + 1e-12)))),
]


@pytest.mark.parametrize("exercise_id, implementation", TAIL_WRONG)
def test_tails_and_limits_reject_clipping_and_epsilons(exercise_id, implementation):
    assert rejected_by_both_suites(exercise_id, implementation)


@pytest.mark.parametrize("exercise_id, implementation", [
    ("activation.sigmoid_grad", lambda x: 0.25 / np.cosh(x / 2.0) ** 2),
    ("activation.sigmoid_grad", lambda x: activation_catalog.naive_sigmoid(x) * (1 - activation_catalog.naive_sigmoid(x))),
])
def test_a_naive_but_right_sigmoid_grad_passes_with_advice(exercise_id, implementation):
    """Stability is not part of sigmoid_grad: the overflow at x = ±1000 is advice, not a failure."""
    for suite in SUITES:
        report = autograder.check(exercise_id, implementation, suite=suite)
        assert report.passed, report.message
        assert "Advice" in report.message and "overflow" in report.message


# 2. float32 where float64 is due ---------------------------------------------------------------------

def float_leaves(value):
    if isinstance(value, dict):
        return any(float_leaves(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(float_leaves(v) for v in value)
    return isinstance(value, (float, np.floating)) or (isinstance(value, np.ndarray) and value.dtype == np.float64)


def as_float32(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    if isinstance(value, (float, np.floating)):
        return np.float32(value)
    if isinstance(value, dict):
        return {key: as_float32(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(as_float32(item) for item in value)
    return value


def in_float32(reference):
    if inspect.isgeneratorfunction(reference):
        def generator(*args, **kwargs):
            for item in reference(*args, **kwargs):
                yield as_float32(item)
        return generator
    return lambda *args, **kwargs: as_float32(reference(*args, **kwargs))


FLOAT_FUNCTIONS = [e for e in autograder.exercises() if REGISTRY[e].candidate_kind == "function"
                   and float_leaves(prepare(e).cases[0].expected[0])]


def test_every_float_function_is_covered():
    assert {"activation.sigmoid", "loss.cross_entropy_error", "gradient.numerical_gradient", "init.he",
            "data.minibatches", "data.random_crop", "conv.im2col"} <= set(FLOAT_FUNCTIONS)
    assert "conv.conv_output_size" not in FLOAT_FUNCTIONS  # an int


@pytest.mark.parametrize("exercise_id", FLOAT_FUNCTIONS)
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_reference_in_float32_fails_and_says_float64(exercise_id, language):
    candidate = in_float32(REGISTRY[exercise_id].reference)
    for suite in SUITES:
        report = autograder.check(exercise_id, candidate, suite=suite, language=language)
        assert not report.passed, f"{exercise_id}: float32 passes the {suite} suite"
        assert "float64" in report.message, report.message


# 3. numerical_gradient: test functions as data, and functions that are not separable -------------------

@pytest.mark.parametrize("implementation", [
    gradient_catalog.restored_only_at_the_end,  # x restored, but only after the loop
    gradient_catalog.forward_difference,
    gradient_catalog.on_a_flat_copy,            # right only for 1-D x
    gradient_catalog.flat_into_the_transpose,   # x.flat[i] perturbed, another element written
])
def test_numerical_gradient_wrong_kinds_fail(implementation):
    assert rejected_by_both_suites("gradient.numerical_gradient", implementation)


def test_a_late_restore_shows_only_where_the_function_is_not_separable():
    """For a sum of one-variable terms an element left at x − h changes no other partial derivative:
    only the cases (Σx)², xᵀAx and the network's loss tell restoring late from restoring in time."""
    report = run_suite(fixed_cases_only("gradient.numerical_gradient"), gradient_catalog.restored_only_at_the_end)
    failed = {result.name for result in report.cases if not result.passed}
    assert failed and all(name.startswith(("f = (Σx)²", "f = Σ_j x_jᵀ A x_j", "a network's loss")) for name in failed)
    assert len(failed) == 3


def test_test_functions_are_data_that_round_trip_through_a_fixture():
    suite = prepare("gradient.numerical_gradient", "visible")
    text = serialize.dumps(suite)
    assert '"f(x)": "np.sum(x * (A @ x))"' in text
    loaded = serialize.loads(text)
    assert serialize.dumps(loaded) == text
    assert run_suite(loaded, gradient.numerical_gradient).passed
    assert not run_suite(loaded, gradient_catalog.restored_only_at_the_end).passed
    for case in json.loads(text)["suite"]["cases"]:
        assert set(case["inputs"]["f"]) >= {"f(x)"}  # the function itself, not a name to look up


def test_the_network_loss_test_function_matches_torch():
    """The compiled expression against the same loss in torch, and its gradient against autograd."""
    f = as_function(gradient_catalog.NETWORK_LOSS)
    w = np.array(gradient_catalog.NETWORK_W)
    weights = torch.tensor(w, requires_grad=True)
    X, V = (torch.tensor(np.array(a)) for a in (gradient_catalog.NETWORK_X, gradient_catalog.NETWORK_V))
    labels = torch.tensor(np.argmax(gradient_catalog.NETWORK_T, axis=1))
    loss = torch.nn.functional.cross_entropy(torch.tanh(X @ weights) @ V, labels)
    loss.backward()
    assert f(w) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(gradient.numerical_gradient(f, w.copy(), 1e-5), weights.grad.numpy(), rtol=1e-7, atol=1e-9)


# 4. random components keep NumPy's global stream ---------------------------------------------------------

def reseeding(initialiser):
    def drawn(*args):
        np.random.seed(0)
        return initialiser(*args)
    return drawn


STREAM_WRONG = [
    ("init.gaussian", lambda n_in, n_out, std=0.01: std * np.random.default_rng(0).standard_normal((n_in, n_out))),
    ("init.gaussian", reseeding(init.gaussian)),
    ("init.gaussian", init_catalog.cached(init.gaussian)),
    ("init.xavier", lambda n_in, n_out: np.random.default_rng().standard_normal((n_in, n_out)) / np.sqrt(n_in)),
    ("init.xavier", reseeding(init.xavier)),
    ("init.xavier", init_catalog.cached(init.xavier)),
    ("init.he", reseeding(init.he)),
    ("init.he", init_catalog.cached(init.he)),
    ("data.minibatches", data_catalog.own_generator),
    ("data.minibatches", data_catalog.seeded_inside),
    ("data.random_crop", data_catalog.crop_own_generator),
    ("data.random_crop", data_catalog.crop_reseeded),
    ("data.random_crop", data_catalog.crop_cached_per_call_pair()),
]


@pytest.mark.parametrize("exercise_id, implementation", STREAM_WRONG)
def test_reseeding_own_generators_and_cached_results_fail(exercise_id, implementation):
    assert rejected_by_both_suites(exercise_id, implementation)


@pytest.mark.parametrize("exercise_id, prop", [
    ("init.he", "two layers get different weights"),
    ("init.he", "weights follow NumPy's global generator"),
])
def test_a_reseeding_initialiser_fails_even_where_the_checker_seeded_alike(exercise_id, prop):
    """The first case's seed is 0: a candidate that calls np.random.seed(0) draws exactly the weights the
    reference draws there, so only the calls the checker watches after its own seeding show it."""
    suite = fixed_cases_only(exercise_id)
    assert suite.cases[0].inputs["seed"] == 0
    report = run_suite(suite, reseeding(init.he))
    first = report.cases[0]
    assert not first.passed
    assert first.execution.outputs["standard deviation"] == suite.cases[0].expected[0]["standard deviation"]
    assert first.execution.outputs[prop] is False


def test_the_stream_checks_leave_the_students_state_and_see_a_continuing_stream():
    np.random.seed(2024)
    before = np.random.get_state()
    assert autograder.check("init.xavier", init.xavier).passed
    after = np.random.get_state()
    assert np.array_equal(before[1], after[1]) and before[2:] == after[2:]
    summary = prepare("init.xavier").cases[0].expected[0]
    assert summary["two layers get different weights"] and summary["a new array on every call"]
    assert summary["weights follow NumPy's global generator"] and summary["global generator moves on"]


# 5. the initialisers' thresholds ------------------------------------------------------------------------

@pytest.mark.parametrize("exercise_id, std_of", [
    ("init.gaussian", lambda n_in, n_out, std=0.01: std),
    ("init.xavier", lambda n_in, n_out: 1.0 / np.sqrt(n_in)),
    ("init.he", lambda n_in, n_out: np.sqrt(2.0 / n_in)),
])
def test_a_mean_of_a_tenth_of_the_std_fails_the_mean_check(exercise_id, std_of):
    """10 standard errors of the mean of M ≥ 50 000 weights are at most 10/√50 000 ≈ 0.045 std."""
    assert properties.MEAN_STANDARD_ERRORS / math.sqrt(init_catalog.MIN_WEIGHTS) < 0.05
    shifted = init_catalog.mean_shifted(REGISTRY[exercise_id].reference, std_of)
    for suite in SUITES:
        report = autograder.check(exercise_id, shifted, suite=suite)
        assert not report.passed
        assert "mean is 0: got False" in report.message, report.message


def test_the_materials_he_bug_fails_the_standard_deviation():
    """std 1/√(2n) instead of √(2/n) is a factor 2 off, far beyond the 5 % tolerance."""
    report = autograder.check("init.he", lambda n_in, n_out: np.random.randn(n_in, n_out) / np.sqrt(2 * n_in))
    assert not report.passed and "standard deviation" in report.message


# 6. fixed cases decide integer division and category order ----------------------------------------------

@pytest.mark.parametrize("exercise_id, implementation", [
    ("conv.conv_output_size", lambda input_size, filter_size, stride=1, pad=0:
        int(round((input_size + 2 * pad - filter_size) / stride)) + 1),
    ("conv.conv_output_size", lambda input_size, filter_size, stride=1, pad=0:
        math.ceil((input_size + 2 * pad - filter_size) / stride) + 1),
    ("data.iterations_per_epoch", lambda n, batch_size: int(round(n / batch_size + 0.5))),
    ("data.iterations_per_epoch", lambda n, batch_size: round(n / batch_size)),
    ("data.target_encoding", data_catalog.first_appearance_labels),
    ("data.target_encoding", data_catalog.sorted_samples),
])
def test_fixed_cases_alone_reject_rounding_and_category_order(exercise_id, implementation):
    assert not run_suite(fixed_cases_only(exercise_id), implementation).passed
    assert rejected_by_both_suites(exercise_id, implementation)


def test_the_fixed_sizes_have_non_integer_quotients():
    """(9 − 2)/2 = 3.5 and (10 − 2)/3 ≈ 2.67: floor, round and ceil do not agree on them."""
    quotients = [(c.inputs["input_size"] + 2 * c.inputs.get("pad", 0) - c.inputs["filter_size"])
                 / c.inputs.get("stride", 1) for c in REGISTRY["conv.conv_output_size"].cases]
    assert any(math.floor(q) != round(q) for q in quotients)                      # 3.5, 2.67: round is wrong
    assert any(math.floor(q) == round(q) != math.ceil(q) for q in quotients)     # 2.33: ceil is wrong


def test_target_encoding_follows_the_samples_order_in_a_hand_example():
    """Categories 3, 1, 3 with y = 1, 0, 0 and k = 1, f = 1: category 3 has n = 2, λ = σ(1) ≈ 0.7311,
    mean ½; category 1 has n = 1, λ = ½, mean 0; the global mean is ⅓."""
    lam = 1.0 / (1.0 + math.exp(-1.0))
    three = lam * 0.5 + (1 - lam) / 3
    one = 0.5 * 0.0 + 0.5 / 3
    np.testing.assert_allclose(data.target_encoding(np.array([3, 1, 3]), [1.0, 0.0, 0.0]), [three, one, three],
                               rtol=1e-12)


# 7. accepted conventions against an independent oracle ----------------------------------------------------
# (the loss conventions are checked against PyTorch in tests/test_torch_loss.py)

def test_relu_grad_conventions_match_autograd_and_differ_only_at_the_kink():
    """torch's ReLU derivative is 0 at x = 0 (the reference's choice); the accepted convention takes 1
    there, as the catalog allows, and agrees with autograd everywhere else."""
    x = np.array([-2.0, -1e-300, 0.0, 1e-300, 0.5, 3.0])
    leaf = torch.tensor(x, requires_grad=True)
    torch.relu(leaf).sum().backward()
    autograd = leaf.grad.numpy()
    convention = REGISTRY["activation.relu_grad"].accepted_conventions[0]
    np.testing.assert_array_equal(activation.relu_grad(x), autograd)
    away = x != 0
    np.testing.assert_array_equal(convention(x)[away], autograd[away])
    assert convention(x)[~away].tolist() == [1.0]


# 8. Japanese hints: tests/test_registry.py checks every exercise's (stray spaces, one word for window)

# 9. keyword defaults and off-by-one counts ----------------------------------------------------------------

@pytest.mark.parametrize("exercise_id, implementation", [
    ("activation.logistic", activation_catalog.logistic_with_defaults(1.0, 1.0, 1.0)),
    ("activation.logistic", activation_catalog.logistic_with_defaults(1.0, 0.5, 0.0)),
    ("conv.conv_output_size", lambda input_size, filter_size, stride=1, pad=1:
        (input_size + 2 * pad - filter_size) // stride + 1),
    ("conv.im2col", lambda input_data, filter_h, filter_w, stride=2, pad=0:
        conv_reference.im2col(input_data, filter_h, filter_w, stride, pad)),
    ("gradient.gradient_descent", gradient_catalog.one_step_short),
])
def test_wrong_defaults_and_off_by_one_counts_fail(exercise_id, implementation):
    assert rejected_by_both_suites(exercise_id, implementation)
