"""The holes the layer and optimizer suites had: for each, a wrong implementation written the way
a student would write it fails both suites, and a correct one written differently passes.

The wrong implementations here are plain code, independent of the catalog's own (the registry's
tests check those), so that a suite that lost a case would be caught by a second hand.
"""
import numpy as np
import pytest

import autograder
from autograder.registry import load
from autograder.runtime import drivers
from autograder.runtime.drivers import layer_labels, layer_steps
from reference import layers as ref
from reference import optim as ref_optim

REGISTRY = load()
SUITES = ("visible", "hidden")


def fails_both(exercise_id, implementation):
    reports = [autograder.check(exercise_id, implementation, suite=suite) for suite in SUITES]
    return all(not report.passed for report in reports), reports


def passes_both(exercise_id, implementation):
    reports = [autograder.check(exercise_id, implementation, suite=suite) for suite in SUITES]
    return all(report.passed for report in reports), reports


# 1. layers: two instances interleaved ---------------------------------------------------------------

class AffineCacheOnClass:
    """The cache kept as class attributes: the last forward of ANY layer wins."""

    x = None
    x_shape = None

    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        AffineCacheOnClass.x_shape = x.shape
        AffineCacheOnClass.x = x.reshape(x.shape[0], -1)
        return AffineCacheOnClass.x @ self.W + self.b

    def backward(self, dout):
        self.dW = AffineCacheOnClass.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(AffineCacheOnClass.x_shape)


_relu_mask = {}


class ReluModuleMask:
    """The mask kept in a module-level dict."""

    def forward(self, x):
        _relu_mask["mask"] = x <= 0
        return np.where(_relu_mask["mask"], 0.0, x)

    def backward(self, dout):
        return np.where(_relu_mask["mask"], 0.0, dout)


class AffineInstanceState:
    """Correct, with everything on the instance (and no flattening attribute names in common)."""

    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.shape_in = x.shape
        self.flat = x.reshape(len(x), -1)
        return self.flat @ self.W + self.b

    def backward(self, dout):
        self.dW, self.db = self.flat.T @ dout, dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.shape_in)


def shared_cache(layer_class):
    """Every attribute a method sets after construction goes to the class (a class-level cache)."""

    class Shared(layer_class):
        def __setattr__(self, name, value):
            if name.startswith("d") or name in vars(self) or not hasattr(self, "_built"):
                return super().__setattr__(name, value)
            setattr(type(self), name, value)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for name in list(vars(self)):  # the caches the constructor set to None move to the class
                if vars(self)[name] is None:
                    setattr(type(self), name, None)
                    del self.__dict__[name]
            self._built = True

    return Shared


LAYER_EXERCISES = [e for e in REGISTRY if REGISTRY[e].driver == "layer"]


def test_layer_state_on_the_class_fails_both_suites_and_instance_state_passes():
    failed, reports = fails_both("layers.Affine", AffineCacheOnClass)
    assert failed, [r.message for r in reports]
    assert "two layers" in reports[0].message and "layer 1: " in reports[0].message, reports[0].message
    failed, reports = fails_both("layers.Relu", ReluModuleMask)
    assert failed, [r.message for r in reports]
    passed, reports = passes_both("layers.Affine", AffineInstanceState)
    assert passed, [r.message for r in reports]


@pytest.mark.parametrize("exercise_id", LAYER_EXERCISES)
def test_every_layer_class_with_a_class_level_cache_fails_both_suites(exercise_id):
    reference = REGISTRY[exercise_id].reference
    failed, reports = fails_both(exercise_id, shared_cache(reference))
    assert failed, [r.message for r in reports]


def test_layer_labels_name_the_layer_the_method_and_the_call():
    one = {"init": {}, "steps": [("forward", (1,), {}), ("backward", (1,), {}), ("forward", (1,), {})]}
    assert layer_labels(one) == ["forward", "backward", "forward #2"]
    two = {"init": [{}, {}], "steps": [(1, "forward", (1,), {}), (2, "forward", (1,), {}),
                                        (2, "backward", (1,), {}), (1, "backward", (1,), {}),
                                        (1, "forward", (1,), {})]}
    assert layer_labels(two) == ["layer 1: forward", "layer 2: forward", "layer 2: backward",
                                 "layer 1: backward", "layer 1: forward #2"]


def test_optimizer_labels_name_the_optimizer_and_its_own_call_count():
    one = {"init": {}, "params": {}, "grads": [{}, {}]}
    assert drivers.optimizer_labels(one) == ["after update 1", "after update 2"]
    two = {"init": [{}, {}], "params": [{}, {}], "grads": [(1, {}), (2, {}), (2, {}), (1, {})]}
    assert drivers.optimizer_labels(two) == ["optimizer 1: after update 1", "optimizer 2: after update 1",
                                             "optimizer 2: after update 2", "optimizer 1: after update 2"]


def test_the_layer_driver_builds_every_layer_before_the_first_step_and_records_each_ones_attributes():
    built = []

    class Recorder:
        def __init__(self, scale):
            built.append(scale)
            self.scale = scale

        def forward(self, x):
            assert len(built) == 2, "the second layer is built before the first step"
            self.dW = self.scale * x
            return self.dW

    outputs = {}
    drivers.layer(Recorder, {"init": [{"scale": 2.0}, {"scale": 3.0}],
                             "steps": [(2, "forward", (1.0,), {}), (1, "forward", (1.0,), {})]},
                  outputs, attributes=("dW",))
    assert outputs == {"layer 2: forward": 3.0, "layer 1: forward": 2.0, "layer 1: dW": 2.0, "layer 2: dW": 3.0}


# 2. Affine on inputs with extra axes -------------------------------------------------------------

class AffineFourDimensionsOnly:
    """Written for images: N, C, H, W = x.shape (a (N, T, D) sequence does not unpack)."""

    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        if x.ndim == 4:
            N, C, H, W = x.shape
            self.shape = (N, C, H, W)
            x = x.reshape(N, C * H * W)
        else:
            self.shape = x.shape
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW, self.db = self.x.T @ dout, dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.shape)


def test_affine_flattens_any_leading_shape_and_restores_it():
    sequences = 0
    for case in REGISTRY["layers.Affine"].cases:
        inits = case.inputs["init"] if isinstance(case.inputs["init"], list) else [case.inputs["init"]]
        for layer, method, args, _ in layer_steps(case.inputs):
            if method == "forward" and args[0].ndim == 3:  # W is (T·D, H): each sample flattened
                sequences += 1
                assert inits[layer - 1]["W"].shape[0] == args[0].shape[1] * args[0].shape[2]
    assert sequences, "a (N, T, D) input"
    failed, reports = fails_both("layers.Affine", AffineFourDimensionsOnly)
    assert failed, [r.message for r in reports]
    passed, reports = passes_both("layers.Affine", ref.Affine)
    assert passed


# 3. batch normalisation: a dead unit, the running statistics, inference ------------------------------

def batch_norm(eps=1e-6, running_var_start=0.0, running_ddof=0, update_in_inference=False):
    class BatchNormalization:
        def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
            self.gamma, self.beta, self.momentum = gamma, beta, momentum
            self.running_mean, self.running_var = running_mean, running_var

        def forward(self, x, train_flg=True):
            if self.running_mean is None:
                self.running_mean = np.zeros(x.shape[1])
                self.running_var = np.full(x.shape[1], running_var_start)
            if train_flg or update_in_inference:
                m = self.momentum
                self.running_mean = m * self.running_mean + (1 - m) * x.mean(axis=0)
                self.running_var = m * self.running_var + (1 - m) * x.var(axis=0, ddof=running_ddof)
            if not train_flg:
                return self.gamma * (x - self.running_mean) / np.sqrt(self.running_var + eps) + self.beta
            self.std = np.sqrt(x.var(axis=0) + eps)
            self.xn = (x - x.mean(axis=0)) / self.std
            return self.gamma * self.xn + self.beta

        def backward(self, dout):
            self.dbeta, self.dgamma = dout.sum(axis=0), (dout * self.xn).sum(axis=0)
            g = self.gamma * dout
            return (g - g.mean(axis=0) - self.xn * (g * self.xn).mean(axis=0)) / self.std

    return BatchNormalization


def test_batch_norm_dead_unit_running_statistics_and_inference():
    with np.errstate(invalid="ignore", divide="ignore"):
        failed, reports = fails_both("layers.BatchNormalization", batch_norm(eps=0.0))
    assert failed and any("nan" in r.message for r in reports), [r.message for r in reports]
    failed, reports = fails_both("layers.BatchNormalization", batch_norm(update_in_inference=True))
    assert failed, [r.message for r in reports]
    for right in (batch_norm(eps=1e-8), batch_norm(eps=1e-5), batch_norm(running_var_start=1.0),
                  batch_norm(running_ddof=1), batch_norm(eps=1e-8, running_var_start=1.0, running_ddof=1)):
        passed, reports = passes_both("layers.BatchNormalization", right)
        assert passed, [r.message for r in reports]


def test_batch_norm_suite_compares_the_running_statistics_and_repeats_an_inference():
    entry = REGISTRY["layers.BatchNormalization"]
    assert {"running_mean", "running_var"} <= set(entry.driver_options["attributes"])
    dead = [c for c in entry.cases if any(np.ptp(args[0], axis=0).min() == 0 for _, method, args, kwargs
                                          in layer_steps(c.inputs) if method == "forward" and kwargs.get("train_flg", True))]
    assert dead, "a training batch with a feature of zero variance"
    twice = [c for c in entry.cases if sum(kwargs.get("train_flg") is False for *_, kwargs in layer_steps(c.inputs)) >= 2]
    assert twice, "two inference calls in one case"
    outputs = autograder.registry._run(entry, entry.reference, twice[0]).outputs
    inferences = [label for label, (*_, kwargs) in zip(layer_labels(twice[0].inputs), layer_steps(twice[0].inputs))
                  if kwargs.get("train_flg") is False]
    np.testing.assert_array_equal(outputs[inferences[0]], outputs[inferences[1]])


# 4. max pooling with equal maxima in a window -----------------------------------------------------------

def windowed_pooling(choose):
    """Max pooling over explicit windows; ``choose(window)`` gives the gradient's weights in it."""
    class Pooling:
        def __init__(self, pool_h, pool_w, stride=2, pad=0):
            self.ph, self.pw, self.stride, self.pad = pool_h, pool_w, stride, pad

        def forward(self, x):
            p = self.pad
            self.xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            N, C, H, W = self.xp.shape
            oh, ow = (H - self.ph) // self.stride + 1, (W - self.pw) // self.stride + 1
            out = np.zeros((N, C, oh, ow))
            self.weights = {}
            for i in range(oh):
                for j in range(ow):
                    window = self.xp[:, :, i * self.stride:i * self.stride + self.ph,
                                     j * self.stride:j * self.stride + self.pw]
                    out[:, :, i, j] = window.max(axis=(2, 3))
                    self.weights[i, j] = choose(window)
            return out

        def backward(self, dout):
            dxp = np.zeros_like(self.xp)
            for (i, j), weights in self.weights.items():
                dxp[:, :, i * self.stride:i * self.stride + self.ph, j * self.stride:j * self.stride + self.pw] += \
                    weights * dout[:, :, i, j][:, :, None, None]
            p = self.pad
            return dxp[:, :, p:dxp.shape[2] - p, p:dxp.shape[3] - p]

    return Pooling


def every_tied_maximum(window):
    return (window == window.max(axis=(2, 3), keepdims=True)).astype(float)


def one_tied_maximum(last):
    def choose(window):
        flat = window.reshape(*window.shape[:2], -1)
        tied = flat == flat.max(axis=-1, keepdims=True)
        index = flat.shape[-1] - 1 - tied[..., ::-1].argmax(axis=-1) if last else tied.argmax(axis=-1)
        return np.eye(flat.shape[-1])[index].reshape(window.shape)
    return choose


def test_pooling_ties_send_the_gradient_to_one_maximum_never_to_each():
    failed, reports = fails_both("layers.Pooling", windowed_pooling(every_tied_maximum))
    assert failed and all(r.mistake == "ties-each-get-gradient" for r in reports), [r.message for r in reports]
    for last in (False, True):
        passed, reports = passes_both("layers.Pooling", windowed_pooling(one_tied_maximum(last)))
        assert passed, [r.message for r in reports]


# 5. dropout: a mask per unit of every sample, per layer, from NumPy's stream ---------------------------

def dropout(mask_shape=lambda shape: shape, seed_in_constructor=None, mask_on_class=False):
    class Dropout:
        mask = None

        def __init__(self, dropout_ratio=0.5):
            self.dropout_ratio = dropout_ratio
            if seed_in_constructor is not None:
                np.random.seed(seed_in_constructor)

        def forward(self, x, train_flg=True):
            if not train_flg:
                return x * (1.0 - self.dropout_ratio)
            mask = np.random.rand(*mask_shape(x.shape)) > self.dropout_ratio
            if mask_on_class:
                Dropout.mask = mask
            else:
                self.mask = mask
            return x * mask

        def backward(self, dout):
            return dout * self.mask

    return Dropout


@pytest.mark.parametrize("wrong", [
    dropout(mask_shape=lambda shape: shape[1:]),  # one mask for the whole batch
    dropout(seed_in_constructor=42),              # the global stream restarted by every layer
    dropout(mask_on_class=True),                  # two layers share one mask
], ids=["mask-of-one-sample", "reseeds", "mask-on-class"])
def test_dropout_masks_are_per_unit_per_layer_and_from_the_global_stream(wrong):
    failed, reports = fails_both("layers.Dropout", wrong)
    assert failed, [r.message for r in reports]


def test_a_dropout_drawing_with_binomial_on_the_instance_passes():
    class BinomialDropout:
        def __init__(self, dropout_ratio=0.5):
            self.p = dropout_ratio

        def forward(self, x, train_flg=True):
            if train_flg:
                self.keep = np.random.binomial(1, 1.0 - self.p, size=x.shape)
                return x * self.keep
            return x * (1.0 - self.p)

        def backward(self, dout):
            return dout * self.keep

    passed, reports = passes_both("layers.Dropout", BinomialDropout)
    assert passed, [r.message for r in reports]


# 6. optimizers: two instances, parameters of repeated shapes -------------------------------------------

_momentum_velocity = {}


class MomentumModuleState:
    """The velocities in a module-level dict keyed by parameter name: two optimizers share them."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum = lr, momentum

    def update(self, params, grads):
        for key in params:
            v = _momentum_velocity.get(key, np.zeros_like(params[key]))
            _momentum_velocity[key] = self.momentum * v - self.lr * grads[key]
            params[key] += _momentum_velocity[key]


class AdaGradByShape:
    """h keyed by the parameter's shape: W1 and W2 of one shape share one accumulator."""

    def __init__(self, lr=0.01):
        self.lr, self.h = lr, {}

    def update(self, params, grads):
        for key in params:
            h = self.h.setdefault(params[key].shape, np.zeros_like(params[key]))
            h += grads[key] ** 2
            params[key] -= self.lr * grads[key] / (np.sqrt(h) + 1e-7)


class AdamStepOnClass(ref_optim.Adam):
    """The step count t as a class attribute: two optimizers count each other's steps."""

    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        AdamStepOnClass.t = getattr(AdamStepOnClass, "t", 0) + 1
        for key in params:
            self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * grads[key]
            self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * grads[key] ** 2
            m_hat = self.m[key] / (1 - self.beta1 ** AdamStepOnClass.t)
            v_hat = self.v[key] / (1 - self.beta2 ** AdamStepOnClass.t)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


@pytest.mark.parametrize("exercise_id, wrong", [
    ("optim.Momentum", MomentumModuleState), ("optim.AdaGrad", AdaGradByShape), ("optim.Adam", AdamStepOnClass)])
def test_optimizer_state_per_instance_and_per_parameter_name(exercise_id, wrong):
    _momentum_velocity.clear()
    if hasattr(AdamStepOnClass, "t"):
        del AdamStepOnClass.t
    failed, reports = fails_both(exercise_id, wrong)
    assert failed, [r.message for r in reports]


@pytest.mark.parametrize("exercise_id", [e for e in REGISTRY if e.startswith("optim.")])
def test_every_optimizer_suite_has_repeated_shapes_and_two_interleaved_optimizers(exercise_id):
    cases = REGISTRY[exercise_id].cases
    repeated = [c for c in cases if isinstance(c.inputs["params"], dict)
                and len({v.shape for v in c.inputs["params"].values()}) < len(c.inputs["params"])]
    assert repeated, "parameters of repeated shapes"
    two = [c for c in cases if isinstance(c.inputs["init"], list) and len(c.inputs["init"]) == 2]
    assert two and [n for n, _ in two[0].inputs["grads"]] != sorted(n for n, _ in two[0].inputs["grads"]), \
        "two optimizers whose calls interleave"
    outputs = autograder.registry._run(REGISTRY[exercise_id], REGISTRY[exercise_id].reference, two[0]).outputs
    assert {"optimizer 1: after update 1", "optimizer 2: after update 3", "optimizer 2: updated in place"} <= set(outputs)


# 7. other easy wrong answers that agreed with the reference ------------------------------------------------

class SoftmaxWithLossTextbook:
    """The textbook's backward: (y − t)/N, dout left out (right only when dout is 1)."""

    def forward(self, x, t):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y = e / e.sum(axis=1, keepdims=True)
        self.t = t if t.ndim == 1 else t.argmax(axis=1)
        return float(-np.mean(np.log(self.y[np.arange(len(x)), self.t] + 1e-7)))

    def backward(self, dout=1):
        dx = self.y.copy()
        dx[np.arange(len(dx)), self.t] -= 1
        return dx / len(dx)


class ReluCachesOnce:
    """The mask stored only on the first call: a second forward's input is ignored by backward."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        if self.mask is None:
            self.mask = x <= 0
        return np.maximum(x, 0.0)

    def backward(self, dout):
        return np.where(self.mask, 0.0, dout)


class AdamCorrectionAhead(ref_optim.Adam):
    """self.iter starts at 1, so the first bias correction is 1 − β², one step ahead."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        super().__init__(lr, beta1, beta2)
        self.iter = 1


def test_the_textbooks_softmax_with_loss_which_leaves_dout_out_passes():
    """The loss is the last layer, so the textbook's backward ignores dout (it is 1): a convention."""
    for suite in ("visible", "hidden"):
        report = autograder.check("layers.SoftmaxWithLoss", SoftmaxWithLossTextbook, suite=suite)
        assert report.passed, report.message


@pytest.mark.parametrize("exercise_id, wrong", [
    ("layers.Relu", ReluCachesOnce), ("optim.Adam", AdamCorrectionAhead)],
    ids=["caches-once", "bias-correction-ahead"])
def test_other_easy_wrong_answers_fail_both_suites(exercise_id, wrong):
    failed, reports = fails_both(exercise_id, wrong)
    assert failed, [r.message for r in reports]
