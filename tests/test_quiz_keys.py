"""Every quiz key that a reference function can compute is computed here and compared."""
import math

import numpy as np
import pytest

import autograder
from autograder.registry import load
from autograder.runtime.quiz import evaluate
from reference import activation, conv, data, gradient, loss, network, regularization

REGISTRY = load()


def key(item):
    return REGISTRY[item].reference


def fill_in_data(item):
    """The names of each case of a code fill-in, as the fixture saves them."""
    return [case.inputs["names"] for case in REGISTRY[item].cases]


def test_chain_rule_key_is_the_numerical_derivative():
    """z = t², t = x + y at (x, y) = (1.5, 2): dz/dx, by central differences on the reference."""
    point = np.array([1.5, 2.0])
    grad = gradient.numerical_gradient(lambda p: float((p[0] + p[1]) ** 2), point.copy())
    assert key("day1_quiz.chain_rule") == pytest.approx(grad[0], abs=1e-4)


def test_sigmoid_derivative_maximum():
    assert key("day1_quiz.sigmoid_grad_max") == pytest.approx(activation.sigmoid_grad(np.linspace(-8, 8, 1601)).max())


MATERIAL_X = np.array([[2.0, 3.0, 1.0]])
MATERIAL_PARAMS = {"W1": np.array([[3.0, 1.0, 2.0], [-2.0, -3.0, -1.0]]).T, "b1": np.zeros(2),
                   "W2": np.array([[3.0, 2.0]]).T, "b2": np.zeros(1)}


def test_forward_pass_keys():
    assert key("day1_quiz.forward_sigmoid") == pytest.approx(
        float(np.ravel(network.two_layer_forward(MATERIAL_X, MATERIAL_PARAMS))[0]), abs=1e-8)
    assert key("day1_quiz.forward_relu") == pytest.approx(
        float(np.ravel(network.two_layer_forward_relu_linear(MATERIAL_X, MATERIAL_PARAMS))[0]))
    assert key("day1_quiz.mse") == pytest.approx(loss.mean_squared_error(np.array([33.0]), np.array([20.0])))


def test_cross_entropy_key_is_the_natural_log_not_the_material_s_print():
    computed = loss.cross_entropy_error(np.array([0.8, 0.1, 0.1]), np.array([1.0, 0.0, 0.0]))
    assert key("day1_quiz.cross_entropy") == pytest.approx(computed, abs=1e-6)
    material_print = 0.09  # the material's base-10 value
    assert not autograder.check("day1_quiz.cross_entropy", material_print).passed
    assert autograder.check("day1_quiz.cross_entropy", -math.log10(0.8)).mistake == "log10"


def test_iteration_keys():
    assert key("day1_quiz.iterations_per_epoch") == data.iterations_per_epoch(1000, 50)
    assert key("day1_quiz.online_iterations") == data.iterations_per_epoch(1000, 1)


def test_conv_keys():
    assert key("day2_quiz.conv_output_size") == conv.conv_output_size(6, 2, 1, 1)
    sizes, size = [], 32
    for filter_size, stride in [(5, 1), (2, 2), (5, 1), (2, 2)]:
        size = conv.conv_output_size(size, filter_size, stride, 0)
        sizes.append(size)
    assert list(key("day2_quiz.lenet_sizes")) == sizes


@pytest.mark.parametrize("case", range(3))
def test_penalty_fill_ins_complete_the_reference_gradients(case):
    names = fill_in_data("day2_quiz.l2_grad_fill")[case]
    assert names.keys() == fill_in_data("day2_quiz.l1_grad_fill")[case].keys() == {"param", "grad", "rate"}
    param, grad, rate = names["param"], names["grad"], names["rate"]
    ridge = grad + rate * evaluate(key("day2_quiz.l2_grad_fill"), names)
    lasso = grad + rate * evaluate(key("day2_quiz.l1_grad_fill"), fill_in_data("day2_quiz.l1_grad_fill")[case])
    np.testing.assert_allclose(ridge, regularization.ridge_grad(param.copy(), grad.copy(), rate))
    np.testing.assert_allclose(lasso, regularization.lasso_grad(param.copy(), grad.copy(), rate))


def test_l1_test_data_holds_a_zero_weight():
    """sign(0) = 0 is the reference's subgradient: without a zero, (param > 0) * 2 - 1 would pass."""
    assert any((names["param"] == 0).any() for names in fill_in_data("day2_quiz.l1_grad_fill"))
    assert not autograder.check("day2_quiz.l1_grad_fill", "(param > 0) * 2.0 - 1").passed


def test_random_crop_fill_in_is_the_reference_s_window():
    """Whatever offset the reference's random_crop draws, the fill-in at that offset gives the same crop."""
    image = np.arange(6 * 8 * 3, dtype=np.float64).reshape(6, 8, 3)
    np.random.seed(3)
    for _ in range(20):
        crop = data.random_crop(image, (3, 4))
        top, left = (int(i) for i in np.argwhere(image[..., 0] == crop[0, 0, 0])[0])
        names = {"image": image, "top": top, "bottom": top + 3, "left": left, "right": left + 4}
        np.testing.assert_array_equal(evaluate(key("day2_quiz.random_crop_fill"), names), crop)


def test_random_crop_test_data_are_windows_inside_their_images():
    """Each case is a window the reference could draw: inside the image, of a positive size, and the
    sizes differ between cases (so a size written into the answer fails)."""
    sizes = set()
    for names in fill_in_data("day2_quiz.random_crop_fill"):
        height, width, _ = names["image"].shape
        assert 0 <= names["top"] < names["bottom"] <= height and 0 <= names["left"] < names["right"] <= width
        sizes.add((names["bottom"] - names["top"], names["right"] - names["left"]))
    assert len(sizes) == 3


def test_minibatch_fill_in_matches_the_reference_batches():
    """The reference's minibatches, replayed with its permutation, are the fill-in's slices."""
    names = fill_in_data("day1_quiz.minibatch_slice")[0]
    data_x, data_t = names["data_x"], names["data_t"]
    np.random.seed(5)
    batches = list(data.minibatches(data_x, data_t, 4))
    np.random.seed(5)
    shuffle_idx = np.random.permutation(len(data_x))
    for number, (x_batch, t_batch) in enumerate(batches):
        i, i_end = 4 * number, min(4 * number + 4, len(data_x))
        scope = {"data_x": data_x, "data_t": data_t, "shuffle_idx": shuffle_idx, "i": i, "i_end": i_end}
        got_x, got_t = evaluate(key("day1_quiz.minibatch_slice"), scope)
        np.testing.assert_array_equal(got_x, x_batch)
        np.testing.assert_array_equal(got_t, t_batch)


def sigmoid(u):
    return 1.0 / (1.0 + math.exp(-u))


# The right value of every numeric item graded after rounding, computed here by hand (the material's
# worked numbers), not read from the catalog.
ROUNDED_ITEMS = {
    "day1_quiz.chain_rule": 2 * (1.5 + 2.0),                                  # dz/dx = 2(x + y)
    "day1_quiz.sigmoid_grad_max": sigmoid(0) * (1 - sigmoid(0)),              # σ'(0) = 1/4
    "day1_quiz.forward_sigmoid": sigmoid(3 * sigmoid(11) + 2 * sigmoid(-14)),  # hidden units 11 and −14
    "day1_quiz.mse": (20 - 33) ** 2,
    "day1_quiz.cross_entropy": -math.log(0.8),
}


def decimals_of(item):
    return REGISTRY[item].driver_options["decimals"]


def test_every_item_graded_after_rounding_is_covered():
    rounded = {item for item, entry in REGISTRY.items()
               if entry.driver == "quiz_number" and entry.driver_options.get("decimals") is not None}
    assert rounded == set(ROUNDED_ITEMS)


@pytest.mark.parametrize("item", ROUNDED_ITEMS)
def test_an_answer_right_to_one_decimal_fewer_is_rejected(item):
    """Off by one unit in the last graded decimal: equal after rounding to decimals − 1 places, not at decimals."""
    right, decimals = ROUNDED_ITEMS[item], decimals_of(item)
    wrong = next(right + sign * 10.0 ** -decimals for sign in (1, -1)
                 if round(right + sign * 10.0 ** -decimals, decimals - 1) == round(right, decimals - 1))
    assert round(wrong, decimals) != round(right, decimals)
    report = autograder.check(item, wrong)
    assert not report.passed, report.message
    assert f"rounding to {decimals} decimals" in report.message
    assert f"{decimals} 桁に丸めて" in autograder.check(item, wrong, language="ja").message


@pytest.mark.parametrize("item", ROUNDED_ITEMS)
def test_an_answer_right_to_more_decimals_passes(item):
    right, decimals = ROUNDED_ITEMS[item], decimals_of(item)
    for answer in (right, round(right, decimals + 3), right + 0.2 * 10.0 ** -decimals, f"{right:.{decimals + 2}f}"):
        report = autograder.check(item, answer)
        assert report.passed, (answer, report.message)
