"""Optimizers (Day 2, section 2): reference, cases, accepted conventions, test implementations, mistakes.

Most cases build the optimizer with the case's constructor arguments and call ``update`` several
times (3 to 6) on one params dict holding two arrays of different shapes, ``W`` (rows, cols) and
``b`` (cols,), so that state that is reset between calls, created per key with the wrong shape, or
a step count that is not shared shows. One case holds two weights and two biases of the same
shapes (``W1``, ``W2``; ``b1``, ``b2``), so that state kept per shape instead of per name shows;
another trains two networks side by side, two optimizers of the class with their own params and
hyperparameters, their updates interleaved, so that state kept on the class shows. The driver
records the parameters after every call and whether the arrays were updated in place (a
network's layers hold references to them).

Gradients are kept away from 0 (|g| ≥ 0.02 in the fixed cases, ≥ 0.09 in the random ones) except
where a case sets some exactly to 0 on purpose: the adaptive methods divide by √h or √v, so a
gradient close to 0 makes the ε that guards the division matter, and the accepted placements of
ε (Adam's two forms) would drift apart.
Optimizers are not derivatives: no gradient check.
"""
import numpy as np

from reference import optim as ref

from ..registry import Case, exercise, mistake, optimizer_case

# Absolute tolerance of the adaptive methods. Measured on these cases (and under other secrets):
# Adam's and AMSGrad's two accepted forms (explicit m̂/(√v̂ + 1e-8), textbook lr_t with 1e-7 on √v)
# differ by at most ~2e-7 after 3-6 steps, AdaGrad with PyTorch's ε = 1e-10 by ~1e-7: five times
# less than this. Every known mistake differs by more than 7e-4 on some fixed case (except
# rebinds-params, caught by the in-place flag, and missing-eps, by its nan). (RMSprop with
# PyTorch's ε = 1e-8 differs by up to ~1e-6, so it is accepted as a variant instead.)
ADAPTIVE_ATOL = 1e-6


def _gradient_steps(seed, rows, cols, scales, zero_b=False):
    """Gradients with |g| in [0.1, 1]·scale for each step, rounded to 3 decimals (readable)."""
    rng = np.random.default_rng(seed)
    steps = []
    for scale in scales:
        def draw(*shape):
            return np.round(rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 1.0, size=shape) * scale, 3)
        grads = {"W": draw(rows, cols), "b": draw(cols)}
        if zero_b:
            grads["b"][0] = 0.0
        steps.append(grads)
    return steps


PARAMS = {"W": [[0.5, -1.2, 2.0], [0.1, 0.0, -0.7]], "b": [0.3, -0.2, 1.5]}
PARAMS_WIDE = {"W": [[1.0, -0.5, 0.25, 2.0]], "b": [0.0, 0.1, -0.1, 1.0]}
PARAMS_SWAPPED = {"W": [[-0.7, 0.0, 0.1], [2.0, -1.2, 0.5]], "b": [1.5, -0.2, 0.3]}  # PARAMS' shapes, other values
# Large, small, small, large, small: a moving average that forgets (RMSprop, Adam) and a maximum
# that does not (AMSGrad) part ways.
UP_AND_DOWN = (3.0, 0.3, 0.3, 2.0, 0.2)


def _as_lists(steps):
    return [{key: value.tolist() for key, value in grads.items()} for grads in steps]


def optimizers_case(name: str | tuple[str, str], inits: list, params: list, steps: list) -> Case:
    """Several optimizers of one class, numbered from 1 (the ``optimizer`` driver's form): each with
    its constructor keywords and its params dict; ``steps`` lists ``(optimizer, grads)`` in call order.
    ``name`` is the label, or ``(english, japanese)``, as in ``optimizer_case``.
    Outputs are labelled ``optimizer 1: after update 1`` ... (see ``drivers.optimizer``)."""
    one = [optimizer_case(name, init, p, [g for number, g in steps if number == index]).inputs
           for index, (init, p) in enumerate(zip(inits, params), start=1)]
    calls = [iter(each["grads"]) for each in one]
    base = optimizer_case(name, {}, {}, [])
    return Case(base.name, {"init": [each["init"] for each in one], "params": [each["params"] for each in one],
                            "grads": [(number, next(calls[number - 1])) for number, _ in steps]}, base.name_ja)


def _repeated_shapes_case(init):
    """W1, W2 of one shape and b1, b2 of another: the state of each parameter is its own."""
    first, second = _gradient_steps(4, 2, 3, (1.0, 0.5, 2.0, 1.0)), _gradient_steps(5, 2, 3, (2.0, 1.0, 0.3, 0.5))
    grads = [{"W1": a["W"], "b1": a["b"], "W2": b["W"], "b2": b["b"]} for a, b in zip(first, second)]
    params = {"W1": PARAMS["W"], "b1": PARAMS["b"], "W2": PARAMS_SWAPPED["W"], "b2": PARAMS_SWAPPED["b"]}
    return optimizer_case(("W1, W2 of one shape, b1, b2 of another, 4 updates",
                           "W1, W2 は同じ形状、b1, b2 は別の形状、4 回の更新"), init, params, _as_lists(grads))


def _two_optimizers_case(defaults_init, custom_init):
    """Two networks trained side by side: calls 1, 2, 2, 1, 1, 2 with the same parameter names."""
    first, second = _gradient_steps(6, 2, 3, (1.0, 2.0, 0.5)), _gradient_steps(7, 2, 3, (0.5, 1.0, 3.0))
    steps = [(1, first[0]), (2, second[0]), (2, second[1]), (1, first[1]), (1, first[2]), (2, second[2])]
    arguments = ", ".join(f"{key}={value}" for key, value in custom_init.items())
    return optimizers_case((f"two optimizers, default arguments and ({arguments}), updates interleaved",
                            f"2 つのオプティマイザ、既定の引数と ({arguments})、更新を交互に"),
                           [defaults_init, custom_init], [PARAMS, PARAMS_SWAPPED],
                           [(number, {k: v.tolist() for k, v in g.items()}) for number, g in steps])


def optimizer_cases(defaults_init, custom_init, custom_scales=(1.0, 1.0, 0.5, 2.0)):
    """Defaults over 5 steps; other constructor arguments; a gradient that stays exactly 0;
    parameters of repeated shapes; two optimizers interleaved."""
    return [
        optimizer_case(("default arguments, 5 updates", "既定の引数、5 回の更新"), defaults_init, PARAMS,
                       _as_lists(_gradient_steps(1, 2, 3, UP_AND_DOWN))),
        optimizer_case((f"{custom_init}, {len(custom_scales)} updates", f"{custom_init}、{len(custom_scales)} 回の更新"),
                       custom_init, PARAMS_WIDE,
                       _as_lists(_gradient_steps(2, 1, 4, custom_scales))),
        optimizer_case(("b[0]'s gradient is always 0, 3 updates",
                        "b[0] の勾配は常に 0、3 回の更新"), defaults_init, PARAMS,
                       _as_lists(_gradient_steps(3, 2, 3, (1.0, 2.0, 0.5), zero_b=True))),
        _repeated_shapes_case(defaults_init),
        _two_optimizers_case(defaults_init, custom_init),
    ]


def random_case(make_init, scales=(0.3, 1.0, 3.0)):
    """Random shapes, 3 to 6 updates, gradients with |g| in [0.3, 1]·scale, the scale drawn per step."""
    def generate(rng):
        rows, cols = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        steps = int(rng.integers(3, 7))
        params = {"W": rng.normal(size=(rows, cols)), "b": rng.normal(size=cols)}
        grads = []
        for _ in range(steps):
            scale = float(rng.choice(scales))
            grads.append({key: rng.choice([-1.0, 1.0], size=value.shape)
                          * rng.uniform(0.3, 1.0, size=value.shape) * scale
                          for key, value in params.items()})
        return {"init": make_init(rng), "params": params, "grads": grads}
    return generate


def _state_on_class(optimizer_class, *names):
    """``optimizer_class`` with the attributes ``names`` kept on the class, shared by all its
    instances (as ``type(self).v = ...`` or a module-level dict would)."""

    class SharedState(optimizer_class):
        def __setattr__(self, name, value):
            if name in names:
                setattr(type(self), name, value)
            else:
                super().__setattr__(name, value)

    SharedState.__name__ = SharedState.__qualname__ = f"{optimizer_class.__name__}SharedState"
    return SharedState


class _ByShape(dict):
    """A state dict that files each parameter's state under its shape instead of its name."""

    def __init__(self, shapes):
        super().__init__()
        self.shapes = shapes  # parameter name -> shape, of the params being updated

    def __getitem__(self, key):
        return super().__getitem__(self.shapes[key])

    def __setitem__(self, key, value):
        super().__setitem__(self.shapes[key], value)


def _state_by_shape(optimizer_class, *names):
    """``optimizer_class`` whose per-parameter state dicts ``names`` are keyed by shape, so that
    two parameters of one shape (W1 and W2) share their state."""

    class StateByShape(optimizer_class):
        def update(self, params, grads):
            self._shapes = {key: np.shape(value) for key, value in params.items()}
            super().update(params, grads)

        def __setattr__(self, name, value):
            if name in names and isinstance(value, dict) and not isinstance(value, _ByShape):
                by_shape = _ByShape(self._shapes)
                for key, item in value.items():
                    if not dict.__contains__(by_shape, self._shapes[key]):
                        by_shape[key] = item
                value = by_shape
            super().__setattr__(name, value)

    StateByShape.__name__ = StateByShape.__qualname__ = f"{optimizer_class.__name__}StateByShape"
    return StateByShape


def _state(instance, name, params):
    """The optimizer's per-parameter state called ``name``, created on first use."""
    if getattr(instance, name, None) is None:
        setattr(instance, name, {key: np.zeros_like(value) for key, value in params.items()})
    return getattr(instance, name)


REBINDS_EN = ("The values are right, but params[key] = params[key] - ... binds a NEW array to the key. "
              "The layers of a network keep references to the original weight arrays, so they never see "
              "the update and the network does not learn. Change the array in place: params[key] -= ....")
REBINDS_JA = ("値は正しいのですが、params[key] = params[key] - ... は新しい配列をキーに結び付けます。"
              "ネットワークの各層は元の重み配列への参照を持っているので、この更新は層に届かず学習が進みません。"
              "params[key] -= ... のようにその場で (in place) 配列を書き換えてください。")


# optim.SGD ---------------------------------------------------------------------------------------

class SGDAssignsStep:
    """The material's slip: params[key] = lr * grad (the weight itself is dropped)."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] = self.lr * grads[key]


class SGDAssignsStepInPlace(SGDAssignsStep):
    def update(self, params, grads):
        for key in params:
            params[key][...] = self.lr * grads[key]


class SGDRebinds(SGDAssignsStep):
    def update(self, params, grads):
        for key in params:
            params[key] = params[key] - self.lr * grads[key]


class SGDAddsGradient(SGDAssignsStep):
    def update(self, params, grads):
        for key in params:
            params[key] += self.lr * grads[key]


class SGDSubtractOut(SGDAssignsStep):
    def update(self, params, grads):
        for key, grad in grads.items():
            np.subtract(params[key], self.lr * grad, out=params[key])


class SGDSliceAssign(SGDAssignsStep):
    def update(self, params, grads):
        for key in params:
            params[key][...] = params[key] - self.lr * grads[key]


exercise(
    "optim.SGD", ref.SGD, optimizer_cases({}, {"lr": 0.1}),
    driver="optimizer",
    generate=random_case(lambda rng: {"lr": float(rng.uniform(0.001, 0.5))}),
    test_implementations=(SGDSubtractOut, SGDSliceAssign),
    wrong_implementations=(_state_on_class(ref.SGD, "lr"),),
    mistakes=(
        mistake("assigns-step", SGDAssignsStep, SGDAssignsStepInPlace,
                en="params[key] = lr * grad replaces the weight by the step: subtract the step from the "
                   "weight instead, params[key] -= lr * grads[key].",
                ja="params[key] = lr * grad では重みが更新量そのものに置き換わります。重みから更新量を引いてください: "
                   "params[key] -= lr * grads[key]。"),
        mistake("rebinds-params", SGDRebinds, en=REBINDS_EN, ja=REBINDS_JA),
        mistake("adds-gradient", SGDAddsGradient,
                en="The step goes against the gradient (downhill): w ← w − lr·g, so use -=, not +=.",
                ja="更新は勾配と逆向き (坂を下る向き) です: w ← w − lr·g。+= ではなく -= を使ってください。"),
    ),
)


# optim.Momentum ----------------------------------------------------------------------------------

class MomentumSignFlipped:
    """v ← μv + lr·g; w ← w + v (the catalog's sign-flipped)."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        v = _state(self, "v", params)
        for key in params:
            v[key] = self.momentum * v[key] + self.lr * grads[key]
            params[key] += v[key]


class MomentumVelocityReset(MomentumSignFlipped):
    def update(self, params, grads):
        self.v = None
        v = _state(self, "v", params)
        for key in params:
            v[key] = self.momentum * v[key] - self.lr * grads[key]
            params[key] += v[key]


class MomentumEMA(MomentumSignFlipped):
    """The moving-average form: v ← μv + (1 − μ)g; w ← w − lr·v."""

    def update(self, params, grads):
        v = _state(self, "v", params)
        for key in params:
            v[key] = self.momentum * v[key] + (1.0 - self.momentum) * grads[key]
            params[key] -= self.lr * v[key]


class MomentumTorchForm(MomentumSignFlipped):
    """PyTorch's form: b ← μb + g; w ← w − lr·b (the same method when lr is constant)."""

    def update(self, params, grads):
        b = _state(self, "v", params)
        for key in params:
            b[key] = self.momentum * b[key] + grads[key]
            params[key] -= self.lr * b[key]


class MomentumStepSubtracted(MomentumSignFlipped):
    """v ← μv − lr·g as it should be, but then w ← w − v: the sign flipped where v is applied."""

    def update(self, params, grads):
        v = _state(self, "v", params)
        for key in params:
            v[key] = self.momentum * v[key] - self.lr * grads[key]
            params[key] -= v[key]


class MomentumRebindsState(MomentumSignFlipped):
    """Rebinding the velocity is fine: only the parameters must be changed in place."""

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: 0.0 for key in params}
        for key in params:
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key][...] = params[key] + self.v[key]


exercise(
    "optim.Momentum", ref.Momentum, optimizer_cases({}, {"lr": 0.1, "momentum": 0.5}),
    driver="optimizer",
    generate=random_case(lambda rng: {"lr": float(rng.uniform(0.001, 0.3)),
                                      "momentum": float(rng.uniform(0.3, 0.95))}),
    test_implementations=(MomentumTorchForm, MomentumRebindsState),
    wrong_implementations=(_state_on_class(ref.Momentum, "v"), _state_by_shape(ref.Momentum, "v"),
                           MomentumStepSubtracted),
    mistakes=(
        mistake("sign-flipped", MomentumSignFlipped,
                en="The velocity must move against the gradient: v ← μv − lr·g, then w ← w + v "
                   "(with + lr·g the weights climb uphill).",
                ja="速度は勾配と逆向きに更新します: v ← μv − lr·g、その後 w ← w + v (+ lr·g では坂を登ってしまいます)。"),
        mistake("velocity-reset", MomentumVelocityReset,
                en="The velocity is re-created on every call, so momentum never builds up (this is plain "
                   "SGD): create v once, on the first call (if self.v is None), and keep it.",
                ja="速度 v を毎回作り直しているので慣性が蓄積されません (ただの SGD です)。v は最初の呼び出し "
                   "(if self.v is None) で一度だけ作り、保持してください。"),
        mistake("ema-form", MomentumEMA,
                en="This is the moving-average form v ← μv + (1 − μ)g, w ← w − lr·v: its steps are "
                   "(1 − μ) times smaller. The catalog's momentum is v ← μv − lr·g, w ← w + v.",
                ja="これは移動平均の形 v ← μv + (1 − μ)g, w ← w − lr·v で、更新量が (1 − μ) 倍小さくなります。"
                   "ここでのモメンタムは v ← μv − lr·g, w ← w + v です。"),
    ),
)


# optim.AdaGrad -----------------------------------------------------------------------------------

class AdaGradStateReset:
    """The material's slip: h = {} inside update, so h holds only the current g²."""

    def __init__(self, lr=0.01):
        self.lr, self.h = lr, None

    def update(self, params, grads):
        h = {key: np.zeros_like(value) for key, value in params.items()}
        for key in params:
            h[key] += grads[key] ** 2
            params[key] -= self.lr * grads[key] / (np.sqrt(h[key]) + 1e-7)


class AdaGradStateResetRebinds(AdaGradStateReset):
    """The material's function as written: fresh h, and param[key] = param[key] - ...."""

    def update(self, params, grads):
        h = {key: 0 for key in params}
        for key in params:
            h[key] += grads[key] * grads[key]
            params[key] = params[key] - self.lr * grads[key] / (np.sqrt(h[key]) + 1e-7)


class AdaGradRebinds(AdaGradStateReset):
    def update(self, params, grads):
        h = _state(self, "h", params)
        for key in params:
            h[key] += grads[key] ** 2
            params[key] = params[key] - self.lr * grads[key] / (np.sqrt(h[key]) + 1e-7)


class AdaGradNoSqrt(AdaGradStateReset):
    def update(self, params, grads):
        h = _state(self, "h", params)
        for key in params:
            h[key] += grads[key] ** 2
            params[key] -= self.lr * grads[key] / (h[key] + 1e-7)


class AdaGradNoEps(AdaGradStateReset):
    def update(self, params, grads):
        h = _state(self, "h", params)
        for key in params:
            h[key] += grads[key] ** 2
            params[key] -= self.lr * grads[key] / np.sqrt(h[key])


class AdaGradTorchEps(AdaGradStateReset):
    """PyTorch's Adagrad: the same update with ε = 1e-10, learning rate written as lr/(√h + ε)."""

    def update(self, params, grads):
        h = _state(self, "h", params)
        for key, grad in grads.items():
            h[key] = h[key] + grad * grad
            params[key] -= (self.lr / (np.sqrt(h[key]) + 1e-10)) * grad


exercise(
    "optim.AdaGrad", ref.AdaGrad, optimizer_cases({}, {"lr": 0.1}),
    driver="optimizer", atol=ADAPTIVE_ATOL,
    generate=random_case(lambda rng: {"lr": float(rng.uniform(0.001, 0.1))}),
    test_implementations=(AdaGradTorchEps,),
    wrong_implementations=(_state_on_class(ref.AdaGrad, "h"), _state_by_shape(ref.AdaGrad, "h")),
    mistakes=(
        mistake("state-reset", AdaGradStateReset, AdaGradStateResetRebinds,
                en="h is created anew on every update, so it holds only the current g² and every step is "
                   "±lr: create h once (if self.h is None) and let it accumulate across calls.",
                ja="h を毎回作り直しているため、h には今回の g² しか入らず、更新量は常に ±lr になります。h は一度だけ "
                   "(if self.h is None) 作り、呼び出しをまたいで蓄積させてください。"),
        mistake("rebinds-params", AdaGradRebinds, en=REBINDS_EN, ja=REBINDS_JA),
        mistake("no-sqrt", AdaGradNoSqrt,
                en="Divide by the square root of h: w ← w − lr·g/(√h + 1e-7). h has the units of g², so "
                   "g/h is not scale-free.",
                ja="h の平方根で割ってください: w ← w − lr·g/(√h + 1e-7)。h は g² の単位を持つので g/h では尺度が合いません。"),
        mistake("missing-eps", AdaGradNoEps,
                en="Add a small constant to the denominator, g/(√h + 1e-7): where a gradient has been 0 so "
                   "far, h is 0 and g/√h is 0/0 = nan.",
                ja="分母に小さな定数を加えてください: g/(√h + 1e-7)。勾配がこれまで 0 の要素では h が 0 で、"
                   "g/√h は 0/0 = nan になります。"),
    ),
)


# optim.RMSprop -----------------------------------------------------------------------------------

class RMSpropDecaySwapped:
    """h ← (1 − ρ)h + ρg²: the weights of the old average and the new g² exchanged."""

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate, self.h = lr, decay_rate, None

    def update(self, params, grads):
        h = _state(self, "h", params)
        for key in params:
            h[key] = (1.0 - self.decay_rate) * h[key] + self.decay_rate * grads[key] ** 2
            params[key] -= self.lr * grads[key] / (np.sqrt(h[key]) + 1e-7)


class RMSpropStateReset(RMSpropDecaySwapped):
    def update(self, params, grads):
        self.h = None
        h = _state(self, "h", params)
        for key in params:
            h[key] = self.decay_rate * h[key] + (1.0 - self.decay_rate) * grads[key] ** 2
            params[key] -= self.lr * grads[key] / (np.sqrt(h[key]) + 1e-7)


class RMSpropNoOneMinus(RMSpropDecaySwapped):
    def update(self, params, grads):
        h = _state(self, "h", params)
        for key in params:
            h[key] = self.decay_rate * h[key] + grads[key] ** 2
            params[key] -= self.lr * grads[key] / (np.sqrt(h[key]) + 1e-7)


class RMSpropTorchEps(RMSpropDecaySwapped):
    """PyTorch's RMSprop defaults: ε = 1e-8 outside the square root; h written as an in-place lerp."""

    def update(self, params, grads):
        h = _state(self, "h", params)
        for key, grad in grads.items():
            h[key] += (1.0 - self.decay_rate) * (grad * grad - h[key])
            params[key] -= self.lr * grad / (np.sqrt(h[key]) + 1e-8)


class RMSpropEpsInsideSqrt(RMSpropDecaySwapped):
    """ε = 1e-7 under the square root, √(h + ε), instead of added to it."""

    def update(self, params, grads):
        h = _state(self, "h", params)
        for key in params:
            h[key] = self.decay_rate * h[key] + (1.0 - self.decay_rate) * grads[key] ** 2
            params[key] -= self.lr * grads[key] / np.sqrt(h[key] + 1e-7)


class RMSpropRebindsState(RMSpropDecaySwapped):
    """The moving average as a new array each step (fine: only params must change in place)."""

    def update(self, params, grads):
        h = _state(self, "h", params)
        for key in params:
            h[key] = self.decay_rate * h[key] + (1.0 - self.decay_rate) * grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(h[key]) + 1e-7)


exercise(
    "optim.RMSprop", ref.RMSprop, optimizer_cases({}, {"lr": 0.05, "decay_rate": 0.9}),
    driver="optimizer", atol=ADAPTIVE_ATOL,
    generate=random_case(lambda rng: {"lr": float(rng.uniform(0.001, 0.05)),
                                      "decay_rate": float(rng.uniform(0.8, 0.999))}),
    # The catalog fixes ρ but not ε: the material's 1e-7 is the reference; PyTorch's default 1e-8 is
    # accepted too (on small gradients at ρ near 1 the two differ by up to ~1e-5, more than ATOL).
    accepted_conventions=(RMSpropTorchEps,),
    test_implementations=(RMSpropTorchEps, RMSpropRebindsState),
    wrong_implementations=(_state_on_class(ref.RMSprop, "h"), _state_by_shape(ref.RMSprop, "h"),
                           RMSpropEpsInsideSqrt),
    mistakes=(
        mistake("decay-swapped", RMSpropDecaySwapped,
                en="The old average keeps the weight ρ and the new g² gets 1 − ρ: h ← ρh + (1 − ρ)g².",
                ja="古い平均に ρ、新しい g² に 1 − ρ の重みを掛けます: h ← ρh + (1 − ρ)g²。"),
        mistake("state-reset", RMSpropStateReset,
                en="h is created anew on every update, so the moving average never forms: create h once "
                   "(if self.h is None) and keep it between calls.",
                ja="h を毎回作り直しているので移動平均になりません。h は一度だけ (if self.h is None) 作り、"
                   "呼び出しをまたいで保持してください。"),
        mistake("missing-one-minus-rho", RMSpropNoOneMinus,
                en="Weight the new g² by (1 − ρ): h ← ρh + (1 − ρ)g². Without it h is a (leaky) sum as in "
                   "AdaGrad, not an average, and the steps come out about √(1 − ρ) times too small.",
                ja="新しい g² には (1 − ρ) を掛けます: h ← ρh + (1 − ρ)g²。掛けないと h は平均ではなく AdaGrad の"
                   "ような和になり、更新量がおよそ √(1 − ρ) 倍に小さくなります。"),
    ),
)


# optim.Adam --------------------------------------------------------------------------------------

class AdamTextbook:
    """The textbook's form: bias corrections folded into lr_t, ε = 1e-7 added to √v."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.iter, self.m, self.v = 0, None, None

    def update(self, params, grads):
        m, v = _state(self, "m", params), _state(self, "v", params)
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        for key in params:
            m[key] += (1 - self.beta1) * (grads[key] - m[key])
            v[key] += (1 - self.beta2) * (grads[key] ** 2 - v[key])
            params[key] -= lr_t * m[key] / (np.sqrt(v[key]) + 1e-7)


class AdamExplicit(AdamTextbook):
    """m̂ and v̂ written out, the moments as fresh arrays each step."""

    def update(self, params, grads):
        m, v = _state(self, "m", params), _state(self, "v", params)
        self.iter += 1
        t = self.iter
        for key, g in grads.items():
            m[key] = self.beta1 * m[key] + (1 - self.beta1) * g
            v[key] = self.beta2 * v[key] + (1 - self.beta2) * g * g
            m_hat = m[key] / (1 - self.beta1 ** t)
            v_hat = v[key] / (1 - self.beta2 ** t)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


class AdamNoBiasCorrection(AdamTextbook):
    def update(self, params, grads):
        m, v = _state(self, "m", params), _state(self, "v", params)
        for key in params:
            m[key] = self.beta1 * m[key] + (1 - self.beta1) * grads[key]
            v[key] = self.beta2 * v[key] + (1 - self.beta2) * grads[key] ** 2
            params[key] -= self.lr * m[key] / (np.sqrt(v[key]) + 1e-8)


class AdamBetasSwapped(AdamTextbook):
    def update(self, params, grads):
        m, v = _state(self, "m", params), _state(self, "v", params)
        self.iter += 1
        t = self.iter
        for key in params:
            m[key] = self.beta2 * m[key] + (1 - self.beta2) * grads[key]
            v[key] = self.beta1 * v[key] + (1 - self.beta1) * grads[key] ** 2
            m_hat, v_hat = m[key] / (1 - self.beta2 ** t), v[key] / (1 - self.beta1 ** t)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


class AdamStepPerKey(AdamTextbook):
    """self.iter += 1 inside the loop over keys: each parameter sees a different t."""

    def update(self, params, grads):
        m, v = _state(self, "m", params), _state(self, "v", params)
        for key in params:
            self.iter += 1
            lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
            m[key] += (1 - self.beta1) * (grads[key] - m[key])
            v[key] += (1 - self.beta2) * (grads[key] ** 2 - v[key])
            params[key] -= lr_t * m[key] / (np.sqrt(v[key]) + 1e-7)


class AdamCorrectionOneStepAhead(AdamTextbook):
    """The bias corrections with t + 1: 1 − β1² at the first step instead of 1 − β1."""

    def update(self, params, grads):
        self.iter += 1
        super().update(params, grads)
        self.iter -= 1


class AdamCorrectionOneStepBehind(AdamExplicit):
    """The bias corrections with t − 1, except at the first step (1 − β⁰ = 0 would divide by 0)."""

    def update(self, params, grads):
        if self.iter:
            self.iter -= 1
            super().update(params, grads)
        else:
            super().update(params, grads)
            return
        self.iter += 1


class AdamNoSqrt(AdamTextbook):
    def update(self, params, grads):
        m, v = _state(self, "m", params), _state(self, "v", params)
        self.iter += 1
        t = self.iter
        for key in params:
            m[key] = self.beta1 * m[key] + (1 - self.beta1) * grads[key]
            v[key] = self.beta2 * v[key] + (1 - self.beta2) * grads[key] ** 2
            params[key] -= self.lr * (m[key] / (1 - self.beta1 ** t)) / (v[key] / (1 - self.beta2 ** t) + 1e-8)


def random_adam_init(rng):
    return {"lr": float(rng.uniform(5e-4, 5e-3)), "beta1": float(rng.uniform(0.8, 0.95)),
            "beta2": float(rng.uniform(0.99, 0.9995))}


exercise(
    "optim.Adam", ref.Adam, optimizer_cases({}, {"lr": 0.003, "beta1": 0.8, "beta2": 0.99}),
    driver="optimizer", atol=ADAPTIVE_ATOL,
    generate=random_case(random_adam_init),
    accepted_conventions=(AdamTextbook,),  # the textbook's lr_t form with ε = 1e-7 on √v (the catalog names both)
    test_implementations=(AdamExplicit, AdamTextbook),
    wrong_implementations=(_state_on_class(ref.Adam, "m", "v", "iter"), _state_by_shape(ref.Adam, "m", "v"),
                           AdamCorrectionOneStepAhead, AdamCorrectionOneStepBehind),
    mistakes=(
        mistake("no-bias-correction", AdamNoBiasCorrection,
                en="m and v start at 0, so early on they are far too small: divide by the bias corrections, "
                   "m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ), with t the number of updates so far (or use "
                   "lr_t = lr·√(1 − β2ᵗ)/(1 − β1ᵗ)).",
                ja="m と v は 0 から始まるので、初めのうちは小さすぎます。t を更新回数として m̂ = m/(1 − β1ᵗ)、"
                   "v̂ = v/(1 − β2ᵗ) と補正してください (または lr_t = lr·√(1 − β2ᵗ)/(1 − β1ᵗ) を使います)。"),
        mistake("betas-swapped", AdamBetasSwapped,
                en="beta1 (0.9) belongs to the first moment m (the average gradient) and beta2 (0.999) to "
                   "the second moment v (the average g²): they are swapped.",
                ja="beta1 (0.9) は 1 次モーメント m (勾配の平均)、beta2 (0.999) は 2 次モーメント v (g² の平均) の"
                   "係数です。入れ替わっています。"),
        mistake("step-per-key", AdamStepPerKey,
                en="The step count t is incremented once per parameter, so each parameter sees a different "
                   "t: increment it once per update call, before the loop over the keys.",
                ja="ステップ数 t をパラメータごとに増やしているため、パラメータごとに t が違ってしまいます。"
                   "t は update の呼び出しごとに 1 回、キーのループの前で増やしてください。"),
        mistake("no-sqrt", AdamNoSqrt,
                en="Divide by the square root of the second moment: m̂/(√v̂ + ε). v̂ has the units of g².",
                ja="2 次モーメントの平方根で割ってください: m̂/(√v̂ + ε)。v̂ は g² の単位を持ちます。"),
    ),
)


# optim.AMSGrad -----------------------------------------------------------------------------------

class AMSGradPlainAdam(AdamExplicit):
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        super().__init__(lr, beta1, beta2)
        self.v_max = None


class AMSGradMaxOfCorrected(AMSGradPlainAdam):
    """The maximum taken over the bias-corrected v̂ instead of the raw v."""

    def update(self, params, grads):
        m, v, v_max = (_state(self, name, params) for name in ("m", "v", "v_max"))
        self.iter += 1
        t = self.iter
        for key in params:
            m[key] = self.beta1 * m[key] + (1 - self.beta1) * grads[key]
            v[key] = self.beta2 * v[key] + (1 - self.beta2) * grads[key] ** 2
            v_max[key] = np.maximum(v_max[key], v[key] / (1 - self.beta2 ** t))
            params[key] -= self.lr * (m[key] / (1 - self.beta1 ** t)) / (np.sqrt(v_max[key]) + 1e-8)


class AMSGradMaxInAverage(AMSGradPlainAdam):
    """v itself replaced by the maximum, so the moving average never decays."""

    def update(self, params, grads):
        m, v = _state(self, "m", params), _state(self, "v", params)
        self.iter += 1
        t = self.iter
        for key in params:
            m[key] = self.beta1 * m[key] + (1 - self.beta1) * grads[key]
            v[key] = np.maximum(v[key], self.beta2 * v[key] + (1 - self.beta2) * grads[key] ** 2)
            m_hat, v_hat = m[key] / (1 - self.beta1 ** t), v[key] / (1 - self.beta2 ** t)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


class AMSGradTextbook(AMSGradPlainAdam):
    """The textbook's lr_t form with the maximum of v (ε = 1e-7 on √v_max)."""

    def update(self, params, grads):
        m, v, v_max = (_state(self, name, params) for name in ("m", "v", "v_max"))
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        for key in params:
            m[key] += (1 - self.beta1) * (grads[key] - m[key])
            v[key] += (1 - self.beta2) * (grads[key] ** 2 - v[key])
            v_max[key] = np.maximum(v_max[key], v[key])
            params[key] -= lr_t * m[key] / (np.sqrt(v_max[key]) + 1e-7)


class AMSGradTorchOrder(AMSGradPlainAdam):
    """PyTorch's order of operations: denom = √v_max/√(1 − β2ᵗ) + ε, step = lr/(1 − β1ᵗ)."""

    def update(self, params, grads):
        m, v, v_max = (_state(self, name, params) for name in ("m", "v", "v_max"))
        self.iter += 1
        t = self.iter
        for key, g in grads.items():
            m[key] = self.beta1 * m[key] + (1 - self.beta1) * g
            v[key] = self.beta2 * v[key] + (1 - self.beta2) * g * g
            np.maximum(v_max[key], v[key], out=v_max[key])
            denom = np.sqrt(v_max[key]) / np.sqrt(1 - self.beta2 ** t) + 1e-8
            params[key] -= (self.lr / (1 - self.beta1 ** t)) * m[key] / denom


# β2 = 0.9 lets v decay within a few steps, so that its running maximum differs from it.
exercise(
    "optim.AMSGrad", ref.AMSGrad,
    optimizer_cases({}, {"lr": 0.01, "beta1": 0.8, "beta2": 0.9}, custom_scales=UP_AND_DOWN),
    driver="optimizer", atol=ADAPTIVE_ATOL,
    generate=random_case(lambda rng: {**random_adam_init(rng), "beta2": float(rng.uniform(0.85, 0.99))},
                         scales=(0.3, 3.0)),
    accepted_conventions=(AMSGradTextbook,),  # the textbook's lr_t form, as for Adam
    test_implementations=(AMSGradTorchOrder, AMSGradTextbook),
    wrong_implementations=(_state_on_class(ref.AMSGrad, "m", "v", "v_max", "iter"),
                           _state_by_shape(ref.AMSGrad, "m", "v", "v_max")),
    mistakes=(
        mistake("plain-adam", AMSGradPlainAdam,
                en="This is Adam: AMSGrad also keeps v_max ← max(v_max, v) (elementwise, kept between "
                   "calls) and divides by √(v_max/(1 − β2ᵗ)) + ε instead of √v̂ + ε.",
                ja="これは Adam です。AMSGrad では v_max ← max(v_max, v) (要素ごと、呼び出しをまたいで保持) を"
                   "求め、√v̂ + ε の代わりに √(v_max/(1 − β2ᵗ)) + ε で割ります。"),
        mistake("max-of-corrected-v", AMSGradMaxOfCorrected,
                en="Take the maximum over the raw v, then bias-correct it: v_max ← max(v_max, v), "
                   "denominator √(v_max/(1 − β2ᵗ)) + ε (as PyTorch's Adam(amsgrad=True)). Early on v̂ is "
                   "barely averaged (v̂ = g² at t = 1), so a maximum over v̂ holds on to one early gradient.",
                ja="最大値は補正前の v について取り、その後でバイアス補正します: v_max ← max(v_max, v)、分母は "
                   "√(v_max/(1 − β2ᵗ)) + ε (PyTorch の Adam(amsgrad=True) と同じ)。初期の v̂ はほとんど平均されていない "
                   "(t = 1 では v̂ = g²) ので、v̂ の最大を取ると初期の一つの勾配に引きずられます。"),
        mistake("max-in-average", AMSGradMaxInAverage,
                en="Keep v as Adam's moving average and store the maximum separately (v_max): writing "
                   "max(v, ...) back into v stops the average from ever decaying.",
                ja="v は Adam と同じ移動平均のままにし、最大値は別の変数 v_max に保持してください。max を v に書き戻すと"
                   "移動平均が減衰しなくなります。"),
    ),
)
