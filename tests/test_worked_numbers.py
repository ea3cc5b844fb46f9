"""The course material's own worked numbers, computed by the reference.

Each expected value is the material's (quoted in the test's docstring) or a hand calculation shown
there, never a number read back from the code under test.
"""
import math

import numpy as np
import pytest

from reference import activation, conv, data, loss, network, regularization

# The material's worked network (Day 1): x = (2, 3, 1), zero biases, its 2×3 matrix written for
# W @ x, which is our W1 transposed (batches are rows: x @ W1).
X = np.array([[2.0, 3.0, 1.0]])
PARAMS = {
    "W1": np.array([[3.0, 1.0, 2.0], [-2.0, -3.0, -1.0]]).T,
    "b1": np.zeros(2),
    "W2": np.array([[3.0, 2.0]]).T,
    "b2": np.zeros(1),
}


def test_sigmoid_network_gives_0_95257194():
    """Material: u1 = (11, −14), h1 = σ(u1), y = σ(3·h11 + 2·h12) = 0.95257194."""
    y = network.two_layer_forward(X, PARAMS)
    assert float(np.ravel(y)[0]) == pytest.approx(0.95257194, abs=5e-9)


def test_relu_linear_network_gives_33():
    """Material: h1 = max(0, (11, −14)) = (11, 0); y = 3 × 11 + 2 × 0 = 33."""
    y = network.two_layer_forward_relu_linear(X, PARAMS)
    assert float(np.ravel(y)[0]) == pytest.approx(33.0)


def test_mse_of_the_worked_example_is_169():
    """Material: L = (20 − 33)² / 1 = 169."""
    assert loss.mean_squared_error(np.array([33.0]), np.array([20.0])) == pytest.approx(169.0)


def test_sigmoid_derivative_peaks_at_a_quarter():
    """σ'(0) = σ(0)(1 − σ(0)) = ½ · ½ = 0.25, the largest value of σ'."""
    xs = np.linspace(-10, 10, 2001)
    assert activation.sigmoid_grad(np.array([0.0]))[0] == pytest.approx(0.25)
    assert activation.sigmoid_grad(xs).max() == pytest.approx(0.25)


def test_cross_entropy_uses_the_natural_log():
    """q = (0.8, 0.1, 0.1), first class true: −ln 0.8 = 0.22314 (the material's 0.09 is −log10 0.8)."""
    value = loss.cross_entropy_error(np.array([0.8, 0.1, 0.1]), np.array([1.0, 0.0, 0.0]))
    assert value == pytest.approx(-math.log(0.8), abs=1e-6)
    assert value != pytest.approx(-math.log10(0.8), abs=1e-3)


def test_iterations_per_epoch():
    """1000 samples in minibatches of 50: 1000 / 50 = 20 updates; online learning (batch 1): 1000."""
    assert data.iterations_per_epoch(1000, 50) == 20
    assert data.iterations_per_epoch(1000, 1) == 1000
    assert data.iterations_per_epoch(1001, 50) == 21  # the short last batch is one more update


def test_conv_output_size_of_the_quiz():
    """6×6 input, 2×2 filter, stride 1, pad 1: (6 + 2 − 2)/1 + 1 = 7."""
    size = conv.conv_output_size(6, 2, 1, 1)
    assert size == 7 and isinstance(size, (int, np.integer))


def test_lenet_feature_map_sizes():
    """LeNet: 32 −(5×5 conv)→ 28 −(2×2 pool, stride 2)→ 14 −(5×5 conv)→ 10 −(pool)→ 5."""
    sizes = [32]
    for filter_size, stride in [(5, 1), (2, 2), (5, 1), (2, 2)]:
        sizes.append(conv.conv_output_size(sizes[-1], filter_size, stride, 0))
    assert sizes == [32, 28, 14, 10, 5]


def test_early_stopping_example_of_the_catalog():
    """[1.0, 0.8, 0.9, 0.85, 0.95], patience 2: best 0.8 at epoch 1; epochs 2 and 3 do not improve
    on it, so training stops at epoch 3."""
    assert regularization.early_stopping_epoch([1.0, 0.8, 0.9, 0.85, 0.95], 2) == 3
