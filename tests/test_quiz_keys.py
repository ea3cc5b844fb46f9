"""Every quiz key that a reference function can compute is computed here and compared."""
import math

import numpy as np
import pytest

import autograder
from autograder.registry import load
from autograder.runtime.quiz import TEST_DATA
from reference import activation, conv, data, gradient, loss, network, regularization

REGISTRY = load()


def key(item):
    return REGISTRY[item].reference


def evaluate(expression, data_name, variant=0):
    names = {"np": np, **TEST_DATA[data_name](variant)}
    return eval(expression, {"__builtins__": {}}, names)  # noqa: S307


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


@pytest.mark.parametrize("variant", range(3))
def test_penalty_fill_ins_complete_the_reference_gradients(variant):
    names = TEST_DATA["penalty"](variant)
    param, grad, rate = names["param"], names["grad"], names["rate"]
    ridge = grad + rate * evaluate(key("day2_quiz.l2_grad_fill"), "penalty", variant)
    lasso = grad + rate * evaluate(key("day2_quiz.l1_grad_fill"), "penalty", variant)
    np.testing.assert_allclose(ridge, regularization.ridge_grad(param.copy(), grad.copy(), rate))
    np.testing.assert_allclose(lasso, regularization.lasso_grad(param.copy(), grad.copy(), rate))


def test_random_crop_fill_in_is_the_reference_s_window():
    """Whatever offset the reference's random_crop draws, the fill-in at that offset gives the same crop."""
    image = np.arange(6 * 8 * 3, dtype=np.float64).reshape(6, 8, 3)
    np.random.seed(3)
    for _ in range(20):
        crop = data.random_crop(image, (3, 4))
        top, left = np.argwhere(image[..., 0] == crop[0, 0, 0])[0]
        names = {"np": np, "image": image, "top": top, "bottom": top + 3, "left": left, "right": left + 4}
        np.testing.assert_array_equal(eval(key("day2_quiz.random_crop_fill"), {"__builtins__": {}}, names), crop)


def test_minibatch_fill_in_matches_the_reference_batches():
    """The reference's minibatches, replayed with its permutation, are the fill-in's slices."""
    names = TEST_DATA["minibatch"](0)
    data_x, data_t = names["data_x"], names["data_t"]
    np.random.seed(5)
    batches = list(data.minibatches(data_x, data_t, 4))
    np.random.seed(5)
    shuffle_idx = np.random.permutation(len(data_x))
    for number, (x_batch, t_batch) in enumerate(batches):
        i, i_end = 4 * number, min(4 * number + 4, len(data_x))
        scope = {"np": np, "data_x": data_x, "data_t": data_t, "shuffle_idx": shuffle_idx, "i": i, "i_end": i_end}
        got_x, got_t = eval(key("day1_quiz.minibatch_slice"), {"__builtins__": {}}, scope)
        np.testing.assert_array_equal(got_x, x_batch)
        np.testing.assert_array_equal(got_t, t_batch)
