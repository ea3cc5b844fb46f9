"""Properties of the data, init and regularization references, and of the drivers that check them.

Each test states a property that must hold for every input (hypothesis draws the inputs) and that
follows from the catalog's definition, not from the code under test.
"""
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograder
from autograder.registry import REGISTRY, prepare
from autograder.runtime.compare import compare
from autograder.runtime.engine import execute
from reference import data, init, regularization

SEEDS = st.integers(0, 2**32 - 1)
FINITE = st.floats(-100, 100, allow_nan=False, allow_infinity=False)
quick = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def seeded(seed, function, *args):
    """``function(*args)`` with the global generator seeded, the caller's state put back afterwards."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        return function(*args)
    finally:
        np.random.set_state(state)


# data.minibatches and data.iterations_per_epoch ----------------------------------------------------

@quick
@given(n=st.integers(1, 60), batch_size=st.integers(1, 70), width=st.integers(1, 3), seed=SEEDS)
def test_minibatches_use_every_sample_once_in_aligned_pairs(n, batch_size, width, seed):
    x = np.arange(n * width, dtype=np.float64).reshape(n, width)
    t = np.arange(n) * 10
    batches = seeded(seed, lambda: list(data.minibatches(x, t, batch_size)))
    sizes = [len(xb) for xb, _ in batches]
    assert sizes == [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    samples = np.concatenate([xb[:, 0] for xb, _ in batches]) / width
    assert sorted(samples.tolist()) == list(range(n))  # every sample exactly once
    for xb, tb in batches:
        np.testing.assert_array_equal(tb, xb[:, 0] / width * 10)  # each input keeps its target


@quick
@given(n=st.integers(1, 5000), batch_size=st.integers(1, 6000))
def test_iterations_per_epoch_is_the_smallest_count_of_batches_holding_n(n, batch_size):
    k = data.iterations_per_epoch(n, batch_size)
    assert isinstance(k, int)
    assert (k - 1) * batch_size < n <= k * batch_size


@quick
@given(n=st.integers(1, 40), batch_size=st.integers(1, 50), seed=SEEDS)
def test_iterations_per_epoch_counts_the_minibatches(n, batch_size, seed):
    x = np.zeros((n, 1))
    batches = seeded(seed, lambda: list(data.minibatches(x, x, batch_size)))
    assert data.iterations_per_epoch(n, batch_size) == len(batches)


def test_iterations_per_epoch_worked_examples():
    """The material: 1000 samples, batch 50 → 20 updates; online learning → 1000; batch learning → 1."""
    assert data.iterations_per_epoch(1000, 50) == 20
    assert data.iterations_per_epoch(1000, 1) == 1000
    assert data.iterations_per_epoch(1000, 1000) == 1


# data.random_crop and data.horizontal_flip --------------------------------------------------------

def crop_corner(image, crop):
    """(top, left) of a crop of an image filled with arange: its first value says where it starts."""
    return divmod(int(crop[0, 0, 0]) // image.shape[2], image.shape[1])


@st.composite
def image_and_crop(draw):
    height, width, channels = draw(st.integers(1, 8)), draw(st.integers(1, 8)), draw(st.integers(1, 3))
    crop = (draw(st.integers(1, height)), draw(st.integers(1, width)))
    image = np.arange(height * width * channels, dtype=np.float64).reshape(height, width, channels)
    return image, crop


@quick
@given(case=image_and_crop(), seed=SEEDS)
def test_random_crop_always_returns_a_window_of_the_image(case, seed):
    image, (crop_h, crop_w) = case
    crop = seeded(seed, data.random_crop, image, (crop_h, crop_w))
    assert crop.shape == (crop_h, crop_w, image.shape[2])
    top, left = crop_corner(image, crop)
    assert 0 <= top <= image.shape[0] - crop_h and 0 <= left <= image.shape[1] - crop_w
    np.testing.assert_array_equal(crop, image[top:top + crop_h, left:left + crop_w])


@settings(max_examples=20, deadline=None)
@given(case=image_and_crop(), seed=SEEDS)
def test_random_crop_reaches_every_offset_including_the_last(case, seed):
    """400 draws over at most 8 offsets per axis miss one with probability below 16·(7/8)^400 < 1e-21."""
    image, crop_size = case
    corners = seeded(seed, lambda: [crop_corner(image, data.random_crop(image, crop_size)) for _ in range(400)])
    assert {top for top, _ in corners} == set(range(image.shape[0] - crop_size[0] + 1))
    assert {left for _, left in corners} == set(range(image.shape[1] - crop_size[1] + 1))


@quick
@given(image=hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=3, max_side=6), elements=FINITE))
def test_horizontal_flip_is_an_involution_that_reverses_columns(image):
    before = image.copy()
    flipped = data.horizontal_flip(image)
    np.testing.assert_array_equal(image, before)  # the input is unchanged
    np.testing.assert_array_equal(data.horizontal_flip(flipped), image)
    width = image.shape[1]
    for j in range(width):
        np.testing.assert_array_equal(flipped[:, j], image[:, width - 1 - j])


# data.target_encoding -----------------------------------------------------------------------------

@st.composite
def encoding_inputs(draw):
    n = draw(st.integers(1, 25))
    categories = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    y = np.array(draw(st.lists(st.floats(-10, 10, allow_nan=False), min_size=n, max_size=n)))
    return categories, y, draw(st.floats(-3, 10)), draw(st.floats(0.1, 5))


@quick
@given(inputs=encoding_inputs())
def test_target_encoding_lies_between_the_category_mean_and_the_global_mean(inputs):
    categories, y, k, f = inputs
    encoded = data.target_encoding(categories, y, k, f)
    assert encoded.shape == y.shape
    prior = y.mean()
    slack = 1e-9 * (1.0 + np.abs(y).max())
    for category in np.unique(categories):
        inside = categories == category
        values = encoded[inside]
        assert np.all(values == values[0])  # one value per category
        low, high = sorted((y[inside].mean(), prior))
        assert low - slack <= values[0] <= high + slack


def test_target_encoding_worked_example():
    """The material's example with k = f = 1: one sample (λ = 1/2) is halfway to the global mean 10/11."""
    encoded = data.target_encoding(np.array([0] + [1] * 10), [1.0] * 10 + [0.0])
    lam = 1.0 / (1.0 + np.exp(-9.0))
    np.testing.assert_allclose(encoded[0], 0.5 * 1.0 + 0.5 * 10 / 11, rtol=1e-12)
    np.testing.assert_allclose(encoded[1:], lam * 0.9 + (1 - lam) * 10 / 11, rtol=1e-12)


@quick
@given(inputs=encoding_inputs(), shift=st.integers(1, 100))
def test_target_encoding_does_not_depend_on_how_categories_are_named(inputs, shift):
    categories, y, k, f = inputs
    renamed = np.array([f"c{c * 7 + shift}" for c in categories])
    np.testing.assert_allclose(data.target_encoding(renamed, y, k, f), data.target_encoding(categories, y, k, f))


# init ----------------------------------------------------------------------------------------------

@quick
@given(n_in=st.integers(1, 50), n_out=st.integers(1, 50), seed=SEEDS, std=st.floats(0.001, 10))
def test_initialisers_share_one_normal_draw_scaled_by_their_std(n_in, n_out, seed, std):
    """With the same seed each is the standard normal draw times its std: σ, 1/√n_in, √(2/n_in)."""
    unit = seeded(seed, np.random.randn, n_in, n_out)
    np.testing.assert_allclose(seeded(seed, init.gaussian, n_in, n_out, std), std * unit, rtol=1e-12)
    np.testing.assert_allclose(seeded(seed, init.gaussian, n_in, n_out), 0.01 * unit, rtol=1e-12)
    np.testing.assert_allclose(seeded(seed, init.xavier, n_in, n_out), unit / np.sqrt(n_in), rtol=1e-12)
    np.testing.assert_allclose(seeded(seed, init.he, n_in, n_out), unit * np.sqrt(2.0 / n_in), rtol=1e-12)


# regularization ------------------------------------------------------------------------------------

WEIGHTS = hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5), elements=FINITE)
RATES = st.floats(0, 10)


@quick
@given(W=WEIGHTS, lam=RATES, scale=st.floats(-5, 5))
def test_penalties_are_non_negative_and_scale_with_the_weights(W, lam, scale):
    assert regularization.l1_penalty(W, lam) >= 0 and regularization.l2_penalty(W, lam) >= 0
    np.testing.assert_allclose(regularization.l1_penalty(scale * W, lam),
                               abs(scale) * regularization.l1_penalty(W, lam), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(regularization.l2_penalty(scale * W, lam),
                               scale**2 * regularization.l2_penalty(W, lam), rtol=1e-9, atol=1e-12)


@quick
@given(W=WEIGHTS, lam=RATES)
def test_penalty_gradients_are_the_derivatives_of_the_penalties(W, lam):
    """Central differences of l2_penalty are exact for a quadratic; l1's are exact away from 0."""
    W = np.where(np.abs(W) < 1e-3, 0.5, W)  # away from the kink of |w|
    zero = np.zeros_like(W)
    step = 1e-4
    for gradient, penalty in ((regularization.ridge_grad, regularization.l2_penalty),
                              (regularization.lasso_grad, regularization.l1_penalty)):
        numeric = np.zeros_like(W)
        for index in np.ndindex(W.shape):
            bump = np.zeros_like(W)
            bump[index] = step
            numeric[index] = (penalty(W + bump, lam) - penalty(W - bump, lam)) / (2 * step)
        np.testing.assert_allclose(gradient(W, zero.copy(), lam), numeric, rtol=1e-5, atol=1e-6 * (1 + lam))


@quick
@given(W=WEIGHTS, l1=RATES, l2=RATES, data_grad=st.floats(-3, 3))
def test_elastic_net_gradient_is_the_sum_of_the_lasso_and_ridge_terms(W, l1, l2, data_grad):
    grad = np.full_like(W, data_grad)
    expected = regularization.lasso_grad(W, grad.copy(), l1) + regularization.ridge_grad(W, grad.copy(), l2) - grad
    np.testing.assert_allclose(regularization.elastic_net_grad(W, grad.copy(), l1, l2), expected,
                               rtol=1e-12, atol=1e-12)


LOSSES = st.lists(st.sampled_from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]), min_size=1, max_size=15)


def improved(losses):
    """Whether each epoch is strictly below every epoch before it (the first one always is)."""
    return [loss < min(losses[:e], default=np.inf) for e, loss in enumerate(losses)]


@quick
@given(losses=LOSSES, patience=st.integers(1, 5))
def test_early_stopping_stops_at_the_first_run_of_patience_epochs_without_improvement(losses, patience):
    stop = regularization.early_stopping_epoch(losses, patience)
    assert isinstance(stop, int) and 0 <= stop < len(losses)
    better = improved(losses)
    ends_a_run = [e >= patience - 1 and not any(better[e - patience + 1:e + 1]) for e in range(len(losses))]
    if any(ends_a_run):
        assert stop == ends_a_run.index(True)
    else:
        assert stop == len(losses) - 1


@quick
@given(losses=LOSSES, patience=st.integers(1, 5))
def test_more_patience_never_stops_earlier(losses, patience):
    stop = regularization.early_stopping_epoch(losses, patience)
    assert regularization.early_stopping_epoch(losses, patience + 1) >= stop


def test_early_stopping_worked_example():
    """The catalog: epochs 2 (0.9) and 3 (0.85) do not beat 0.8, so patience 2 stops at epoch 3."""
    assert regularization.early_stopping_epoch([1.0, 0.8, 0.9, 0.85, 0.95], 2) == 3


# the property drivers ------------------------------------------------------------------------------

RANDOM_EXERCISES = [eid for eid in autograder.exercises()
                    if REGISTRY[eid].driver in ("minibatch_properties", "crop_properties", "weight_statistics")]


def test_the_random_exercises_use_the_property_drivers():
    assert set(RANDOM_EXERCISES) == {"data.minibatches", "data.random_crop", "init.gaussian", "init.xavier",
                                     "init.he"}


@pytest.mark.parametrize("exercise_id", RANDOM_EXERCISES)
def test_drivers_leave_the_students_random_state_untouched(exercise_id):
    entry = REGISTRY[exercise_id]

    def crashes(*args):
        np.random.rand(3)
        raise RuntimeError("student bug")

    np.random.seed(12345)
    before = np.random.get_state()
    for candidate in (entry.reference, crashes, *(m.implementations[0] for m in entry.mistakes)):
        execute(entry.driver, entry.driver_options, candidate, entry.cases[0].inputs, time_limit=None)
        after = np.random.get_state()
        assert after[0] == before[0] and np.array_equal(after[1], before[1]) and after[2:] == before[2:]


@pytest.mark.parametrize("exercise_id", RANDOM_EXERCISES)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=SEEDS)
def test_summaries_do_not_depend_on_the_seed(exercise_id, seed):
    """The reference's and every mistake's summary is the same under any seed: what makes a correct
    answer pass and a mistake be named whatever order it draws in."""
    entry = REGISTRY[exercise_id]
    suite = prepare(exercise_id, "visible")
    for case in suite.cases:
        inputs = {**case.inputs, "seed": seed}
        runs = [(entry.reference, case.expected[0])]
        for known in entry.mistakes:
            runs += [(impl, outputs) for impl, (outputs, _) in zip(known.implementations, case.mistakes[known.id])]
        for implementation, expected in runs:
            got = execute(entry.driver, entry.driver_options, implementation, inputs, time_limit=None).outputs
            found = compare(got, expected, entry.rtol, entry.atol, nan_equal=True)
            assert found is None, f"{case.name}, {getattr(implementation, '__name__', implementation)}: {found}"


@pytest.mark.parametrize("exercise_id, candidate", [
    ("data.minibatches", lambda x, t, batch_size: None),
    ("data.minibatches", lambda x, t, batch_size: (x, t)),  # returns instead of yielding
    ("data.minibatches", lambda x, t, batch_size: itertools.repeat((x, t))),  # never ends
    ("data.minibatches", lambda x, t, batch_size: [(x[:1].astype(int), "label")]),
    ("data.random_crop", lambda image, crop_size: None),
    ("data.random_crop", lambda image, crop_size: "crop"),
    ("data.random_crop", lambda image, crop_size: image[:0]),
    ("init.he", lambda n_in, n_out: None),
    ("init.he", lambda n_in, n_out: np.zeros((n_in, n_out))),
    ("init.he", lambda n_in, n_out: [["w"]]),
])
def test_drivers_turn_garbage_into_a_failed_report(exercise_id, candidate):
    report = autograder.check(exercise_id, candidate)
    assert not report.passed and report.message
