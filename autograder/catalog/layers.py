"""Layers (Day 1 section 5, Day 2 sections 1, 3, 4): reference, cases, accepted conventions, test implementations, mistakes.

Layers are checked through the ``layer`` driver: the checker builds the student's class with the
case's constructor arguments and runs its steps (forward, backward, ...), recording every result
and, at the end, the parameter gradients. Every layer class has a case with two layers of the
class interleaved (forward 1, forward 2, backward 2, backward 1, see :func:`layers_case`), so
that state kept on the class or in a module-level variable instead of the instance fails. The
dropout layers draw random masks and are checked by the property summary of
``autograder/runtime/dropout_properties.py``.

Most wrong implementations below are written as small configurable classes (``_bn(...)``,
``_softmax_loss(...)``) so that each mistake differs from the reference in exactly one place.
"""
import numpy as np

from reference import layers as ref
from reference.activation import softmax
from reference.conv import col2im, conv_output_size, im2col

from ..gradcheck import layer_gradients, numerical_gradient
from ..registry import Case, exercise, fixed, layer_case, mistake


def _values(*shape, seed, scale=1.0):
    """Reproducible values for a fixed case, rounded so that a message shows them plainly."""
    return np.round(np.random.default_rng(seed).normal(0.0, scale, size=shape), 2)


def _shape(rng, low, high, ndim):
    return tuple(int(n) for n in rng.integers(low, high + 1, size=ndim))


def layers_case(name: str | tuple[str, str], inits: list, *steps) -> Case:
    """A case with several layers of one class, numbered from 1 (the ``layer`` driver's form).

    ``inits`` holds each layer's constructor keywords; a step is ``(layer, method, args...)``,
    with an optional dict of keywords last, as in ``layer_case``. Outputs are labelled
    ``layer 1: forward``, ``layer 2: backward #2`` ... (see ``drivers.layer_labels``). ``name`` is
    the case's label, or ``(english, japanese)`` as in ``layer_case`` (so in the helpers below).
    """
    base = layer_case(name, {}, *(step[1:] for step in steps))
    # A copy of every array: two steps never share one (a layer may change its dout in place).
    plain = [(method, tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args), kwargs)
             for method, args, kwargs in base.inputs["steps"]]
    return Case(base.name, {"init": [layer_case(name, init).inputs["init"] for init in inits],
                            "steps": [(step[0], *normalised) for step, normalised in zip(steps, plain)]},
                base.name_ja)


def interleaved(name: str | tuple[str, str], inits: list, forwards: list, douts: list) -> Case:
    """Two layers, forward 1, forward 2, backward 2, backward 1: each backward must use its own
    layer's cache. ``forwards`` holds each layer's forward arguments (a tuple), ``douts`` each
    backward's (a tuple, empty for ``backward()``)."""
    return layers_case(name, inits, (1, "forward", *forwards[0]), (2, "forward", *forwards[1]),
                       (2, "backward", *douts[1]), (1, "backward", *douts[0]))


def interleaved_cases(name: str | tuple[str, str], first: Case, second: Case) -> Case:
    """The forward and backward of two one-layer cases (``layer_case``), interleaved as two
    layers: forward 1, forward 2, backward 2, backward 1."""
    (f1, b1), (f2, b2) = first.inputs["steps"], second.inputs["steps"]
    return layers_case(name, [first.inputs["init"], second.inputs["init"]],
                       (1, f1[0], *f1[1], f1[2]), (2, f2[0], *f2[1], f2[2]),
                       (2, b2[0], *b2[1], b2[2]), (1, b1[0], *b1[1], b1[2]))


def reforward_case(name: str | tuple[str, str], first: Case, second: Case) -> Case:
    """One layer built as in ``first``: forward on first's input, forward on second's, then
    second's backward, which must use the cache of the second forward (same shapes in both)."""
    (f1, _), (f2, b2) = first.inputs["steps"], second.inputs["steps"]
    base = layer_case(name, {})
    return Case(base.name, {"init": first.inputs["init"], "steps": [f1, f2, b2]}, base.name_ja)


def _state_on_class(layer_class, *names):
    """``layer_class`` with the attributes ``names`` kept on the class, shared by all its instances
    (as ``type(self).x = x`` or a module-level cache would): one layer's backward then reads what
    another layer's forward stored."""

    class SharedState(layer_class):
        def __setattr__(self, name, value):
            if name in names:
                setattr(type(self), name, value)
            else:
                super().__setattr__(name, value)

    SharedState.__name__ = SharedState.__qualname__ = f"{layer_class.__name__}SharedState"
    return SharedState


def _caches_first_input(layer_class, *names):
    """``layer_class`` that stores the attributes ``names`` only the first time (a cache that a
    second forward does not refresh), so a backward after two forwards uses the first input."""

    class FirstCache(layer_class):
        def __setattr__(self, name, value):
            if name in names and getattr(self, name, None) is not None:
                return
            super().__setattr__(name, value)

    FirstCache.__name__ = FirstCache.__qualname__ = f"{layer_class.__name__}FirstCache"
    return FirstCache


# layers.Affine ------------------------------------------------------------------------------------

def random_affine(rng):
    n = int(rng.integers(1, 6))
    sample = _shape(rng, 2, 4, int(rng.choice([1, 2, 3])))  # (D,), (T, D) or (C, H, W)
    d, h = int(np.prod(sample)), int(rng.integers(1, 5))
    return layer_case("random", {"W": rng.normal(size=(d, h)), "b": rng.normal(size=h)},
                      ("forward", rng.normal(size=(n, *sample))),
                      ("backward", rng.normal(size=(n, h)))).inputs


class AffineFlatDx(ref.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        return dx.reshape(dx.shape[0], -1)


class AffineDbMean(ref.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.mean(dout, axis=0)
        return dx


class AffineLowercase:
    """The material's own Affine: it stores the gradients as ``dw`` (and ``db``)."""

    def __init__(self, W, b):
        self.w, self.b = W, b

    def forward(self, x):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return np.dot(self.x, self.w) + self.b

    def backward(self, dout):
        self.dw = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.w.T).reshape(self.original_x_shape)


class AffineEinsum:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return np.einsum("nd,dh->nh", x.reshape(len(x), -1), self.W) + self.b

    def backward(self, dout):
        flat = self.x.reshape(len(self.x), -1)
        self.dW = np.einsum("nd,nh->dh", flat, dout)
        self.db = dout.sum(axis=0)
        return np.einsum("nh,dh->nd", dout, self.W).reshape(self.x.shape)


class AffineImagesOnly(ref.Affine):
    """Flattens (N, C, H, W) images but leaves any other shape as it is: (N, T, D) fails."""

    def forward(self, x):
        if x.ndim != 4:
            self.original_shape, self.x = x.shape, x
            return x @ self.W + self.b
        return super().forward(x)


class AffineDwMean(ref.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = self.dW / len(dout)
        return dx


class AffineDbNotSummed(ref.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout[0]  # the first sample's gradient, not the sum over the batch
        return dx


class AffineDbSummedOverFeatures(ref.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.sum(dout, axis=1)
        return dx


AFFINE_W = np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0]])
AFFINE_IMAGE_W = _values(8, 3, seed=11)
AFFINE_SEQUENCE_W = _values(6, 2, seed=18)  # D = T·D' = 3·2 for (N, T, D') = (2, 3, 2) sequences

exercise(
    "layers.Affine", ref.Affine,
    [layer_case(("a (2, 3) batch, W (3, 2)", "(2, 3) のバッチ、W は (3, 2)"), {"W": AFFINE_W, "b": [0.1, -0.2]},
                ("forward", [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]]),
                ("backward", [[1.0, -1.0], [0.5, 2.0]])),
     layer_case(("images (2, 2, 2, 2) flattened to D = 8",
                 "画像 (2, 2, 2, 2) を D = 8 に平坦化"), {"W": AFFINE_IMAGE_W, "b": [0.0, 1.0, -1.0]},
                ("forward", _values(2, 2, 2, 2, seed=12)),
                ("backward", _values(2, 3, seed=13))),
     layer_case(("one sample", "1 サンプル"), {"W": AFFINE_W, "b": [0.0, 0.0]},
                ("forward", [[2.0, -1.0, 0.5]]), ("backward", [[1.0, 1.0]])),
     layer_case(("sequences (2, 3, 2) flattened to D = 6",
                 "系列 (2, 3, 2) を D = 6 に平坦化"), {"W": AFFINE_SEQUENCE_W, "b": [0.5, -0.5]},
                ("forward", _values(2, 3, 2, seed=19)), ("backward", [[1.0, -0.5], [2.0, 0.25]])),
     layer_case(("two forwards, then backward: dW from the second input",
                 "forward を 2 回、続いて backward: dW は 2 回目の入力から"), {"W": AFFINE_W, "b": [0.1, -0.2]},
                ("forward", [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]]), ("forward", [[0.5, -2.0, 1.0], [3.0, 1.0, -1.5]]),
                ("backward", [[1.0, -1.0], [0.5, 2.0]])),
     interleaved(("two layers, (2, 2, 3) and (2, 3, 2) inputs", "2 つの層、入力は (2, 2, 3) と (2, 3, 2)"), [
         {"W": AFFINE_SEQUENCE_W, "b": [0.5, -0.5]}, {"W": _values(6, 2, seed=110), "b": [0.0, 1.0]}],
         [(_values(2, 2, 3, seed=111),), (_values(2, 3, 2, seed=112),)],
         [([[1.0, -0.5], [2.0, 0.25]],), ([[-1.0, 0.5], [0.75, 1.5]],)])],
    generate=random_affine, driver="layer", driver_options={"attributes": ("dW", "db")},
    test_implementations=(AffineEinsum,),
    wrong_implementations=(
        _state_on_class(ref.Affine, "x", "original_shape"), _caches_first_input(ref.Affine, "x", "original_shape"),
        AffineImagesOnly, AffineDwMean, AffineDbNotSummed, AffineDbSummedOverFeatures,
    ),
    mistakes=(
        mistake("dx-not-reshaped", AffineFlatDx,
                en="backward must return dx in the shape x had: keep x.shape in forward and end with "
                   "dx.reshape(original_shape), so that the layer below (e.g. a convolution) gets (N, C, H, W).",
                ja="backward は x と同じ形状の dx を返す必要があります。forward で x.shape を保存し、"
                   "最後に dx.reshape(元の形状) としてください (下の層が畳み込みなら (N, C, H, W) が必要です)。"),
        mistake("db-mean", AffineDbMean,
                en="db is the sum of dout over the batch, not its mean: the loss already averages over "
                   "the samples, so use np.sum(dout, axis=0).",
                ja="db はバッチ方向の dout の和です (平均ではありません)。損失がすでにサンプル数で割っているので "
                   "np.sum(dout, axis=0) としてください。"),
        mistake("lowercase-dw", AffineLowercase,
                en="The weight gradient must be stored as self.dW (capital W, as the weight W): an optimizer "
                   "reads grads from the attributes dW and db.",
                ja="重みの勾配は self.dW (重み W と同じ大文字) に保存してください。オプティマイザは dW と db を読みます。"),
    ),
    gradient_check=lambda impl: layer_gradients(
        impl, {"W": _values(12, 3, seed=14), "b": _values(3, seed=15)},
        (_values(2, 3, 2, 2, seed=16),), _values(2, 3, seed=17)),
)


# layers.Relu --------------------------------------------------------------------------------------

def random_activation_layer(rng):
    shape = _shape(rng, 1, 5, int(rng.integers(1, 4)))
    return layer_case("random", {}, ("forward", rng.normal(0.0, 3.0, size=shape)),
                      ("backward", rng.normal(size=shape))).inputs


class ReluOneAtZero:
    """The other accepted convention: derivative 1 at x = 0."""

    def forward(self, x):
        self.mask = x < 0
        return np.where(self.mask, 0.0, x)

    def backward(self, dout):
        return np.where(self.mask, 0.0, dout)


class ReluTextbook:
    """The material's Relu: a boolean mask, a copy of x, and dout changed in place."""

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class ReluIgnoresDout(ref.Relu):
    def backward(self, dout):
        return (~self.mask).astype(np.float64)


class ReluOfDout(ref.Relu):
    def backward(self, dout):
        return np.maximum(0.0, dout)


RELU_X = [[1.0, -2.0, 0.0], [-0.5, 3.0, 2.0]]
RELU_X2 = [[-1.5, 2.0, 0.5], [1.0, -3.0, 0.25]]  # positive exactly where RELU_X is not (its 0 aside)
RELU_DOUT = [[2.0, 1.0, 5.0], [-1.0, -3.0, 0.5]]

exercise(
    "layers.Relu", ref.Relu,
    [layer_case(("a (2, 3) batch with a 0",
                 "0 を含む (2, 3) のバッチ"), {}, ("forward", RELU_X), ("backward", RELU_DOUT)),
     layer_case(("images (1, 2, 2, 2)", "画像 (1, 2, 2, 2)"), {}, ("forward", _values(1, 2, 2, 2, seed=21)),
                ("backward", _values(1, 2, 2, 2, seed=22))),
     layer_case(("two forwards, then backward: the mask of the second input",
                 "forward を 2 回、続いて backward: 2 回目の入力のマスク"), {},
                ("forward", RELU_X), ("forward", RELU_X2), ("backward", RELU_DOUT)),
     interleaved(("two layers", "2 つの層"), [{}, {}], [(RELU_X,), (RELU_X2,)], [(RELU_DOUT,), (RELU_DOUT,)])],
    generate=random_activation_layer, driver="layer",
    accepted_conventions=(ReluOneAtZero,),
    test_implementations=(ReluTextbook,),
    wrong_implementations=(_state_on_class(ref.Relu, "mask"), _caches_first_input(ref.Relu, "mask")),
    mistakes=(
        mistake("ignores-dout", ReluIgnoresDout,
                en="backward returns the local derivative (0 or 1) alone: multiply it by dout, i.e. "
                   "pass dout through where x > 0 and 0 elsewhere.",
                ja="backward が局所的な微分 (0 または 1) だけを返しています。dout を掛けてください "
                   "(x > 0 の位置では dout をそのまま、それ以外は 0)。"),
        mistake("relu-of-dout", ReluOfDout,
                en="backward applied ReLU to dout; the mask comes from forward's input x: keep "
                   "dout where x > 0 (even if dout is negative) and set it to 0 where x ≤ 0.",
                ja="backward で dout に ReLU をかけています。マスクは forward の入力 x で決まります。"
                   "x > 0 の位置では dout を (負でも) そのまま通し、x ≤ 0 の位置を 0 にしてください。"),
    ),
    gradient_check=lambda impl: layer_gradients(
        impl, {}, (np.array([[-2.1, -0.7, 0.3], [0.9, 1.6, -3.2]]),), np.array([[1.0, -2.0, 0.5], [3.0, -1.0, 2.0]])),
)


# layers.Sigmoid -----------------------------------------------------------------------------------

class SigmoidTextbook:
    """The textbook's layer: np.exp(-x) overflows at x = -1000 with a warning, but the values are
    right (1 / (1 + inf) = 0), and stability is not part of this exercise's answer."""

    def forward(self, x):
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class SigmoidUsesInput(ref.Sigmoid):
    def forward(self, x):
        self.x = x
        return super().forward(x)

    def backward(self, dout):
        return dout * self.x * (1.0 - self.x)


class SigmoidIgnoresDout(ref.Sigmoid):
    def backward(self, dout):
        return self.out * (1.0 - self.out)


class SigmoidTanh:
    def forward(self, x):
        self.out = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


SIGMOID_X = [[-1.5, 0.5, 2.0], [0.0, -0.25, 4.0]]
SIGMOID_X2 = [[2.5, -1.0, 0.0], [-3.0, 1.5, -0.5]]
SIGMOID_DOUT = [[0.5, -1.0, 2.0], [1.0, 3.0, -0.5]]

exercise(
    "layers.Sigmoid", ref.Sigmoid,
    [layer_case("x = [-2, 0, 3]", {}, ("forward", [-2.0, 0.0, 3.0]), ("backward", [1.0, 2.0, -1.0])),
     layer_case("x = ±1000", {}, ("forward", [[-1000.0, -30.0], [30.0, 1000.0]]),
                ("backward", [[1.0, 1.0], [1.0, 1.0]])),
     layer_case(("a (2, 3) batch", "(2, 3) のバッチ"), {}, ("forward", SIGMOID_X), ("backward", SIGMOID_DOUT)),
     layer_case(("two forwards, then backward: the output of the second",
                 "forward を 2 回、続いて backward: 2 回目の出力"), {},
                ("forward", SIGMOID_X), ("forward", SIGMOID_X2), ("backward", SIGMOID_DOUT)),
     interleaved(("two layers", "2 つの層"), [{}, {}], [(SIGMOID_X,), (SIGMOID_X2,)],
                 [(SIGMOID_DOUT,), (SIGMOID_DOUT,)])],
    generate=random_activation_layer, driver="layer",
    test_implementations=(SigmoidTanh, SigmoidTextbook),
    wrong_implementations=(_state_on_class(ref.Sigmoid, "out"), _caches_first_input(ref.Sigmoid, "out")),
    mistakes=(
        mistake("uses-input", SigmoidUsesInput,
                en="The derivative is y(1 − y) with the OUTPUT y = σ(x) saved in forward, not x(1 − x) with the input.",
                ja="微分は forward で保存した出力 y = σ(x) を使った y(1 − y) です。入力 x で x(1 − x) としていませんか。"),
        mistake("ignores-dout", SigmoidIgnoresDout,
                en="backward returns the local derivative y(1 − y) alone: multiply it by dout (chain rule).",
                ja="backward が局所的な微分 y(1 − y) だけを返しています。連鎖律に従って dout を掛けてください。"),
    ),
    gradient_check=lambda impl: layer_gradients(
        impl, {}, (np.array([[-2.1, -0.7, 0.3], [0.9, 1.6, -3.2]]),), np.array([[1.0, -2.0, 0.5], [3.0, -1.0, 2.0]])),
)


# layers.SoftmaxWithLoss ---------------------------------------------------------------------------

DELTA = 1e-7  # the textbook's constant inside log(y + δ), accepted as a variant


def _softmax_loss(delta=0.0, *, returns="loss", batch_mean=True, column_max=False, one_hot_only=False,
                  uses_dout=True):
    """A SoftmaxWithLoss written with ``delta`` inside the log, and optionally one mistake."""

    class SoftmaxWithLoss:
        def forward(self, x, t):
            if column_max:  # the material's softmax: c = np.max(a, axis=0)
                e = np.exp(x - np.max(x, axis=0))
                self.y = e / np.sum(e, axis=1, keepdims=True)
            else:
                self.y = softmax(x)
            n = len(x)
            if one_hot_only:
                self.t = t
                loss = -np.sum(t * np.log(self.y + delta)) / n
            else:
                self.t = t.argmax(axis=1) if t.shape == x.shape else t
                if delta:
                    loss = -np.sum(np.log(self.y[np.arange(n), self.t] + delta)) / n
                else:
                    loss = ref.SoftmaxWithLoss().forward(x, self.t)
            return self.y if returns == "probabilities" else loss

        def backward(self, dout=1):
            n = len(self.y)
            if one_hot_only:
                dx = self.y - self.t
            else:
                dx = self.y.copy()
                dx[np.arange(n), self.t] -= 1.0
            return (dout if uses_dout else 1.0) * dx / (n if batch_mean else 1)

    return SoftmaxWithLoss


def random_softmax_loss(rng):
    n, k = int(rng.integers(1, 6)), int(rng.integers(2, 6))
    x = rng.normal(0.0, 2.0, size=(n, k))
    labels = rng.integers(0, k, size=n)
    t = np.eye(k)[labels] if rng.random() < 0.5 else labels
    return layer_case("random", {}, ("forward", x, t), ("backward",)).inputs


def _both(**options):
    """The mistake written with and without the textbook's δ, as students write either."""
    return _softmax_loss(0.0, **options), _softmax_loss(DELTA, **options)


SOFTMAX_X = [[0.5, -1.0, 2.0, 0.0], [1.5, 1.5, 0.0, -2.0], [-0.5, 0.25, 0.75, 3.0]]
SOFTMAX_T = np.array([2, 0, 3])
SOFTMAX_X2 = [[2.0, 0.5, -1.5, 1.0], [-1.0, 0.0, 2.5, 0.5], [0.25, -2.0, 1.0, 1.5]]
SOFTMAX_T2 = np.array([1, 3, 0])

exercise(
    "layers.SoftmaxWithLoss", ref.SoftmaxWithLoss,
    [layer_case(("one-hot labels, a (2, 3) batch", "one-hot ラベル、(2, 3) のバッチ"), {},
                ("forward", [[0.3, 2.9, 4.0], [1.0, 1.0, -1.0]], [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), ("backward",)),
     layer_case(("label indices, a (3, 4) batch, backward(1)",
                 "ラベルのインデックス、(3, 4) のバッチ、backward(1)"), {},
                ("forward", [[0.5, -1.0, 2.0, 0.0], [1.5, 1.5, 0.0, -2.0], [-0.5, 0.25, 0.75, 3.0]],
                 np.array([2, 0, 3])), ("backward", 1.0)),
     layer_case(("scores near ±1000, a true class with probability e^-20",
                 "±1000 付近のスコア、正解クラスの確率は e^-20"), {},
                ("forward", [[1010.0, 1000.0, 990.0], [-1000.0, -1001.0, -999.0]], np.array([2, 1])), ("backward",)),
     layer_case(("backward(2.5): the loss scaled upstream", "backward(2.5): 上流で定数倍された損失"), {},
                ("forward", SOFTMAX_X, SOFTMAX_T), ("backward", 2.5)),
     layer_case(("two forwards, then backward: y and t of the second",
                 "forward を 2 回、続いて backward: 2 回目の y と t"), {},
                ("forward", SOFTMAX_X, SOFTMAX_T), ("forward", SOFTMAX_X2, SOFTMAX_T2), ("backward",)),
     interleaved(("two layers", "2 つの層"), [{}, {}], [(SOFTMAX_X, SOFTMAX_T), (SOFTMAX_X2, SOFTMAX_T2)], [(), ()])],
    generate=random_softmax_loss, driver="layer",
    # The textbook: cross_entropy_error(softmax(x), t) with log(y + 1e-7), and a backward that leaves
    # dout out (the loss is the last layer, so dout is 1 there); both are its students' habits.
    accepted_conventions=(_softmax_loss(DELTA), *_both(uses_dout=False)),
    test_implementations=(_softmax_loss(1e-300),),
    wrong_implementations=(_state_on_class(ref.SoftmaxWithLoss, "y", "t"),
                           _caches_first_input(ref.SoftmaxWithLoss, "y", "t")),
    mistakes=(
        mistake("returns-probabilities", *_both(returns="probabilities"),
                en="forward must return the loss (a number), not the softmax probabilities: keep y for "
                   "backward in self.y and return cross_entropy_error(y, t).",
                ja="forward は確率ではなく損失 (スカラー) を返します。y は backward のため self.y に保存し、"
                   "cross_entropy_error(y, t) を返してください。"),
        mistake("no-batch-mean", *_both(batch_mean=False),
                en="The loss is the mean over the batch, so its gradient is (y − t)/N: divide by the batch size.",
                ja="損失はバッチ平均なので、勾配は (y − t)/N です。バッチサイズで割ってください。"),
        mistake("max-over-batch", *_both(column_max=True),
                en="Subtract each ROW's maximum, np.max(x, axis=1, keepdims=True): subtracting each column's "
                   "maximum (axis=0) changes the probabilities of every sample that is not the column's maximum.",
                ja="各行の最大値 np.max(x, axis=1, keepdims=True) を引いてください。列ごとの最大値 (axis=0) を"
                   "引くと、サンプルごとの確率が変わってしまいます。"),
        mistake("one-hot-only", *_both(one_hot_only=True),
                en="t may be label indices (N,) as well as one-hot rows (N, K): convert indices (or pick "
                   "y[np.arange(N), t]) instead of computing t * log(y) and y − t directly.",
                ja="t は one-hot (N, K) だけでなくラベルのインデックス (N,) の場合もあります。t * log(y) や y − t を"
                   "直接計算せず、y[np.arange(N), t] を使うなどしてインデックスにも対応してください。"),
    ),
    gradient_check=lambda impl: layer_gradients(
        impl, {}, (np.array([[2.5, 0.3, -1.0], [0.1, 1.8, 0.4]]), np.array([0, 1])), None),
)


# layers.BatchNormalization ------------------------------------------------------------------------

def _bn(*, eps=ref.BN_EPS, init="zeros", ddof=0, running_ddof=0, inference="running",
        momentum_swapped=False, backward="exact", updates_at_inference=False, running_of="var"):
    """A batch normalisation written step by step, with one choice per argument.

    ddof: the variance that normalises (1 = the unbiased-variance mistake); running_ddof: the
    variance that enters the running statistics (1 = PyTorch's, accepted); init: what a None
    running_var starts from ("zeros" as the textbook, "ones" as PyTorch); inference: "running"
    or "batch" statistics; backward: "exact", "textbook" (the chain rule node by node) or
    "constant-stats" (a mistake); updates_at_inference: the running statistics also move in
    inference (a mistake); running_of: "var", or "std" (the standard deviation averaged instead
    of the variance, a mistake).
    """

    class BatchNormalization:
        def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
            self.gamma, self.beta, self.momentum = gamma, beta, momentum
            self.running_mean, self.running_var = running_mean, running_var

        def forward(self, x, train_flg=True):
            d = x.shape[1]
            if self.running_mean is None:  # zeros in the textbook and in PyTorch
                self.running_mean = np.zeros(d)
            if self.running_var is None:
                self.running_var = np.zeros(d) if init == "zeros" else np.ones(d)
            if not train_flg and inference == "running":
                if updates_at_inference:
                    self._update_running(x)
                return self.gamma * (x - self.running_mean) / np.sqrt(self.running_var + eps) + self.beta
            mu = x.mean(axis=0)
            self.xc = x - mu
            var = np.var(x, axis=0, ddof=ddof)
            self.std = np.sqrt(var + eps)
            self.xn = self.xc / self.std
            if train_flg:
                self._update_running(x)
            return self.gamma * self.xn + self.beta

        def _update_running(self, x):
            m = 1.0 - self.momentum if momentum_swapped else self.momentum
            running = np.var(x, axis=0, ddof=running_ddof)
            if running_of == "std":
                running = np.sqrt(running)
            self.running_mean = m * self.running_mean + (1 - m) * x.mean(axis=0)
            self.running_var = m * self.running_var + (1 - m) * running

        def backward(self, dout):
            n = len(dout)
            self.dbeta = dout.sum(axis=0)
            self.dgamma = np.sum(self.xn * dout, axis=0)
            dxn = self.gamma * dout
            if backward == "constant-stats":
                return dxn / self.std
            if backward == "exact":
                return (dxn - dxn.mean(axis=0) - self.xn * np.mean(dxn * self.xn, axis=0)) / self.std
            dxc = dxn / self.std
            dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
            dvar = 0.5 * dstd / self.std
            dxc += (2.0 / n) * self.xc * dvar
            dmu = np.sum(dxc, axis=0)
            return dxc - dmu / n

    return BatchNormalization


def _standardised(rng, n, d):
    """(n, d) features with a mean of about 0 ± 2 and a variance between 1 and 9 exactly.

    A variance well above every accepted ε keeps the results of ε = 1e-8 … 1e-5 within the tolerance.
    """
    z = rng.normal(size=(n, d))
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    return rng.normal(0.0, 2.0, size=d) + rng.uniform(1.0, 3.0, size=d) * z


def random_batch_norm(rng):
    n, d = int(rng.integers(3, 7)), int(rng.integers(2, 6))
    init = {"gamma": rng.uniform(0.5, 2.0, size=d) * rng.choice([-1.0, 1.0], size=d),
            "beta": rng.normal(size=d), "momentum": float(rng.choice([0.9, 0.8, 0.3]))}
    if rng.random() < 0.5:
        init["running_mean"] = rng.normal(size=d)
        init["running_var"] = rng.uniform(1.0, 4.0, size=d)
    return layer_case("random", init,
                      ("forward", _standardised(rng, n, d)), ("backward", rng.normal(size=(n, d))),
                      ("forward", _standardised(rng, n, d), {"train_flg": True}), ("backward", rng.normal(size=(n, d))),
                      ("forward", _standardised(rng, n, d), {"train_flg": False})).inputs


BN_X = [[1.0, -2.0, 3.5], [2.5, 0.5, -1.0], [-0.5, 1.5, 2.0], [3.0, -1.0, 0.5]]
BN_DOUT = [[0.5, -1.0, 2.0], [1.0, 0.0, -0.5], [-1.5, 2.0, 1.0], [0.25, 1.0, -2.0]]
BN_X2 = [[2.0, 0.0, -1.5], [-1.0, 3.0, 1.0], [0.5, -2.0, 2.5], [4.5, 1.0, 0.0]]
BN_X3 = [[1.0, 1.0, 1.0], [0.0, -1.0, 2.0]]
# The second feature is the same in every sample (a dead unit): its batch variance is exactly 0, so
# x̂ = 0/√ε = 0 whatever ε, and with the same dout in every sample its dx is exactly 0 too; only a
# missing ε (0/0 = nan) shows. Its running variance stays well above ε (given, then only shrinking).
BN_DEAD_X = [[1.0, 2.0, 3.5], [2.5, 2.0, -1.0], [-0.5, 2.0, 2.0], [3.0, 2.0, 0.5]]
BN_DEAD_DOUT = [[0.5, 0.75, 2.0], [1.0, 0.75, -0.5], [-1.5, 0.75, 1.0], [0.25, 0.75, -2.0]]
BN_GIVEN = {"running_mean": [0.5, -0.5, 1.0], "running_var": [2.0, 1.0, 1.5]}

exercise(
    "layers.BatchNormalization", ref.BatchNormalization,
    [layer_case(("one training step, γ = 1, β = 0",
                 "学習 1 ステップ、γ = 1, β = 0"), {"gamma": [1.0, 1.0, 1.0], "beta": [0.0, 0.0, 0.0]},
                ("forward", BN_X), ("backward", BN_DOUT)),
     layer_case(("given running statistics, momentum 0.9: train, then inference",
                 "running_mean と running_var を指定、momentum 0.9: 学習、続いて推論"),
                {"gamma": [0.5, 2.0, -1.0], "beta": [1.0, -0.5, 0.25],
                 "running_mean": [0.5, -0.5, 1.0], "running_var": [2.0, 1.0, 1.5]},
                ("forward", BN_X), ("backward", BN_DOUT), ("forward", BN_X3, {"train_flg": False})),
     layer_case(("running statistics from None, momentum 0.3: train, train, inference",
                 "running_mean と running_var は None から、momentum 0.3: 学習、学習、推論"),
                {"gamma": [1.5, 0.5, 1.0], "beta": [0.0, 1.0, -1.0], "momentum": 0.3},
                ("forward", BN_X, {"train_flg": True}), ("backward", BN_DOUT),
                ("forward", BN_X2, {"train_flg": True}), ("backward", BN_DOUT),
                ("forward", BN_X3, {"train_flg": False})),
     layer_case(("a feature with zero batch variance (a dead unit)", "バッチ内の分散が 0 の特徴 (死んだユニット)"),
                {"gamma": [1.0, 2.0, 0.5], "beta": [0.0, 0.5, -1.0], **BN_GIVEN},
                ("forward", BN_DEAD_X), ("backward", BN_DEAD_DOUT), ("forward", BN_X3, {"train_flg": False})),
     layer_case(("train, then the same inference twice: inference leaves the running statistics alone",
                 "学習、続いて同じ推論を 2 回: 推論は running_mean と running_var を変えない"),
                {"gamma": [1.5, 0.5, 1.0], "beta": [0.0, 1.0, -1.0], "momentum": 0.5, **BN_GIVEN},
                ("forward", BN_X), ("backward", BN_DOUT),
                ("forward", BN_X2, {"train_flg": False}), ("forward", BN_X2, {"train_flg": False})),
     layers_case(("two layers: train 1, train 2, backward 2, backward 1, inference 1, inference 2",
                  "2 つの層: 学習 1、学習 2、backward 2、backward 1、推論 1、推論 2"),
                 [{"gamma": [0.5, 2.0, -1.0], "beta": [1.0, -0.5, 0.25], **BN_GIVEN},
                  {"gamma": [1.5, 0.5, 1.0], "beta": [0.0, 1.0, -1.0], "momentum": 0.3}],
                 (1, "forward", BN_X), (2, "forward", BN_X2), (2, "backward", BN_DOUT), (1, "backward", BN_DEAD_DOUT),
                 (1, "forward", BN_X3, {"train_flg": False}), (2, "forward", BN_X3, {"train_flg": False}))],
    generate=random_batch_norm, driver="layer",
    # The running statistics are compared after the steps too (the textbook's names, which the
    # constructor's arguments give them), so an update that inference makes and a second
    # inference would undo cannot hide.
    driver_options={"attributes": ("dgamma", "dbeta", "running_mean", "running_var")},
    # ε from 1e-8 to 1e-5 (the reference uses 1e-6) moves results by up to ~3e-5 relative, and dx,
    # a difference of terms of size ~|γ·dout|/σ, by up to ~2e-5 absolute (measured on 300 random cases
    # with each ε): the tolerance leaves a margin of 2 or more. Every mistake moves them by percents.
    rtol=1e-4, atol=5e-5,
    accepted_conventions=(_bn(init="ones"), _bn(running_ddof=1), _bn(init="ones", running_ddof=1)),
    test_implementations=(_bn(eps=1e-8, backward="textbook"), _bn(eps=1e-5), _bn(eps=1e-5, init="ones", running_ddof=1)),
    wrong_implementations=(
        _state_on_class(ref.BatchNormalization, "x_hat", "std"),
        _state_on_class(ref.BatchNormalization, "running_mean", "running_var"),
        _caches_first_input(ref.BatchNormalization, "x_hat", "std"),
        _bn(running_of="std"),
    ),
    mistakes=(
        mistake("missing-eps", _bn(eps=0.0), _bn(eps=0.0, backward="textbook"),
                en="Add a small ε to the variance inside the square root, √(σ² + ε) (the textbook uses 10e-7): "
                   "a feature that is the same in every sample of the batch has σ² = 0, and without ε "
                   "(x − μ)/σ is 0/0 = nan.",
                ja="平方根の中で分散に小さな ε を加えてください: √(σ² + ε) (教科書では 10e-7)。バッチ内のどのサンプルでも"
                   "同じ値の特徴量は σ² = 0 なので、ε がないと (x − μ)/σ が 0/0 = nan になります。"),
        mistake("stats-updated-at-inference", _bn(updates_at_inference=True),
                en="Update running_mean and running_var only in training (train_flg=True): inference must "
                   "leave them alone, or every prediction changes the statistics and the same input gives "
                   "another output the next time.",
                ja="running_mean と running_var は学習時 (train_flg=True) だけ更新してください。推論時に更新すると、"
                   "予測のたびに統計量が変わり、同じ入力でも次は別の出力になります。"),
        mistake("unbiased-variance", _bn(ddof=1, running_ddof=1, backward="textbook"), _bn(ddof=1, running_ddof=1),
                en="Batch normalisation divides by the biased variance of the batch, Σ(x − μ)²/N "
                   "(np.var(x, axis=0)), not the unbiased one with N − 1 (ddof=1).",
                ja="バッチ正規化ではバッチの分散を N で割ったもの (np.var(x, axis=0)) を使います。"
                   "N − 1 で割る不偏分散 (ddof=1) ではありません。"),
        mistake("batch-stats-at-inference", _bn(inference="batch"),
                en="When train_flg is False, normalise with running_mean and running_var (collected during "
                   "training), not with the mean and variance of the batch at hand.",
                ja="train_flg が False のときは、学習中に集めた running_mean と running_var で正規化してください。"
                   "推論時のバッチの平均・分散を使ってはいけません。"),
        mistake("momentum-swapped", _bn(momentum_swapped=True),
                en="The running statistics keep the momentum share of the OLD value: "
                   "r ← momentum·r + (1 − momentum)·batch (PyTorch's momentum is the other way round).",
                ja="移動平均は古い値に momentum を掛けます: r ← momentum·r + (1 − momentum)·(バッチの値)。"
                   "(PyTorch の momentum は逆の意味です)"),
        mistake("stats-treated-as-constants", _bn(backward="constant-stats"),
                en="dx = γ·dout/σ treats the batch mean and variance as constants, but they depend on x: "
                   "dx = (g − mean(g) − x̂·mean(g·x̂))/σ with g = γ·dout (means over the batch).",
                ja="dx = γ·dout/σ ではバッチの平均と分散を定数として扱っていますが、これらも x に依存します。"
                   "g = γ·dout として dx = (g − mean(g) − x̂·mean(g·x̂))/σ です (平均はバッチ方向)。"),
    ),
    gradient_check=lambda impl: layer_gradients(
        impl, {"gamma": np.array([1.5, -0.5, 2.0]), "beta": np.array([0.2, 0.0, -1.0])},
        (np.array(BN_X),), np.array(BN_DOUT), {"train_flg": True}),
)


# layers.Dropout and layers.InvertedDropout ----------------------------------------------------------

def random_dropout(rng):
    ratio = float(np.round(rng.choice([rng.uniform(0.15, 0.4), rng.uniform(0.6, 0.85)]), 2))
    shape = _shape(rng, 1, 5, int(rng.integers(2, 5)))
    x = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)  # 0.5 ≤ |x| ≤ 2
    return {"seed": int(rng.integers(2**31)), "dropout_ratio": ratio, "x": x}


# The share of kept units is measured on 20 000 units (see dropout_properties.PROBE_SHAPE): 0.03 is
# 8.5 standard deviations. Every mistake moves some recorded number by 0.075 or more (ratios are kept
# 0.1 or more away from 0.5 and every |x| ≥ 0.5) or turns a recorded property false.
DROPOUT_ATOL = 0.03



def _away_from_zero(*shape, seed):
    """Values with 0.5 ≤ |x| ≤ 2 for a fixed case, so that every inference mistake shows clearly."""
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape), 2)


DROPOUT_CASES = [
    fixed(("ratio 0.3, x (3, 4)",
           "ratio 0.3、x は (3, 4)"), seed=0, dropout_ratio=0.3, x=_away_from_zero(3, 4, seed=31)),
    fixed(("ratio 0.6, images x (2, 2, 2, 3)",
           "ratio 0.6、画像 x は (2, 2, 2, 3)"), seed=1, dropout_ratio=0.6, x=_away_from_zero(2, 2, 2, 3, seed=32)),
    fixed(("ratio 0.2, x (1, 5)",
           "ratio 0.2、x は (1, 5)"), seed=2, dropout_ratio=0.2, x=[[1.0, -2.0, 0.5, 3.0, -1.5]]),
]


def _dropout(*, inverted=False, keep_with_ratio=False, new_mask_in_backward=False, train_scale=None,
             inference_scale=None, backward_scaled=True, draw="rand", one_sample_mask=False,
             reseeds=False, mask_on_class=False):
    """A dropout layer with one choice per argument.

    draw: "rand" (np.random.rand > ratio), "binomial" or "random" (another correct way to draw);
    train_scale / inference_scale: multiply the kept units / the inference output by this function
    of the ratio (default: the form's own scale); one_sample_mask: draw a mask of one sample's shape
    x.shape[1:] and broadcast it over the batch; reseeds: np.random.seed(0) in the constructor;
    mask_on_class: the mask stored on the class, shared by all layers (the last three are wrong).
    """

    def keep_scale(ratio):
        return 1.0 / (1.0 - ratio) if inverted else 1.0

    def infer_scale(ratio):
        return 1.0 if inverted else 1.0 - ratio

    train_scale = train_scale or keep_scale
    inference_scale = inference_scale or infer_scale

    class DropoutLayer:
        def __init__(self, dropout_ratio=0.5):
            self.dropout_ratio = dropout_ratio
            if reseeds:
                np.random.seed(0)

        def __setattr__(self, name, value):
            if mask_on_class and name == "mask":
                setattr(type(self), name, value)
            else:
                super().__setattr__(name, value)

        def _mask(self, shape):
            if one_sample_mask:
                shape = shape[1:]
            if keep_with_ratio:
                return np.random.rand(*shape) < self.dropout_ratio
            if draw == "binomial":
                return np.random.binomial(1, 1.0 - self.dropout_ratio, size=shape).astype(bool)
            if draw == "random":
                return np.random.random(shape) >= self.dropout_ratio
            return np.random.rand(*shape) > self.dropout_ratio

        def forward(self, x, train_flg=True):
            if train_flg:
                self.mask = self._mask(x.shape)
                return x * self.mask * train_scale(self.dropout_ratio)
            return x * inference_scale(self.dropout_ratio)

        def backward(self, dout):
            mask = self._mask(dout.shape) if new_mask_in_backward else self.mask
            return dout * mask * (train_scale(self.dropout_ratio) if backward_scaled else 1.0)

    return DropoutLayer


def _dropout_stream_mistakes(inverted):
    """The mistakes that both dropout layers share: one mask for the batch, and a reseeded stream."""
    return (
        mistake("one-mask-for-the-batch", _dropout(inverted=inverted, one_sample_mask=True),
                en="Draw the mask with the shape of the whole input, np.random.rand(*x.shape): a mask of one "
                   "sample's shape (x.shape[1:]) is broadcast over the batch, so every sample loses the same units.",
                ja="マスクは入力全体の形状で作ってください: np.random.rand(*x.shape)。1 サンプル分の形状 (x.shape[1:]) の"
                   "マスクはバッチ全体にブロードキャストされ、どのサンプルでも同じユニットが消えてしまいます。"),
        mistake("reseeds", _dropout(inverted=inverted, reseeds=True),
                en="Do not call np.random.seed inside the layer: it restarts NumPy's global random stream, so "
                   "every new layer draws the same masks and the rest of the program's draws repeat. Seed once, "
                   "outside, if you want reproducible runs.",
                ja="層の中で np.random.seed を呼ばないでください。NumPy のグローバルな乱数列がやり直しになり、新しい層は"
                   "毎回同じマスクを引き、プログラムの他の乱数も繰り返されます。再現性が必要なら、層の外で一度だけ"
                   "シードを設定してください。"),
    )


def _same(ratio):
    return 1.0


def _keep(ratio):
    return 1.0 - ratio


def _inverse_keep(ratio):
    return 1.0 / (1.0 - ratio)


def dropout_gradient_check(impl):
    """backward against numerical gradients of sum(forward(x)·dout), the mask held fixed by seeding
    NumPy's global generator alike before every forward (NumPy's state is restored afterwards)."""

    class SameMask(impl):
        def forward(self, x, train_flg=True):
            np.random.seed(DROPOUT_CHECK_SEED)
            return super().forward(x, train_flg)

    state = np.random.get_state()
    try:
        return layer_gradients(SameMask, {"dropout_ratio": 0.4}, (_away_from_zero(3, 5, seed=33),),
                               _away_from_zero(3, 5, seed=34))
    finally:
        np.random.set_state(state)


DROPOUT_CHECK_SEED = 35

exercise(
    "layers.Dropout", ref.Dropout, DROPOUT_CASES,
    generate=random_dropout, driver="dropout", rtol=1e-7, atol=DROPOUT_ATOL, hidden_random=6,
    gradient_check=dropout_gradient_check,
    test_implementations=(_dropout(draw="binomial"), _dropout(draw="random")),
    wrong_implementations=(_dropout(mask_on_class=True),),
    mistakes=(
        mistake("new-mask-in-backward", _dropout(new_mask_in_backward=True),
                en="backward must use the mask that forward drew (self.mask), not draw a new one: the "
                   "gradient flows only through the units that were kept.",
                ja="backward では forward で作ったマスク (self.mask) を使ってください。新しく乱数を引いては"
                   "いけません。勾配は forward で残ったユニットだけを通ります。"),
        mistake("no-inference-scaling", _dropout(inference_scale=_same),
                en="In this form training keeps only a share 1 − ratio of the units, so inference must "
                   "multiply x by (1 − dropout_ratio) to give the same expected output.",
                ja="この形式では学習時にユニットの (1 − ratio) しか残らないので、推論時は x に "
                   "(1 − dropout_ratio) を掛けて出力の期待値を揃えてください。"),
        mistake("scaled-in-training", _dropout(train_scale=_keep),
                en="In training the material's dropout only masks: return x * mask. The factor "
                   "(1 − dropout_ratio) belongs to inference (train_flg=False) only.",
                ja="この形式の学習時はマスクを掛けるだけです (x * mask)。(1 − dropout_ratio) を掛けるのは"
                   "推論時 (train_flg=False) だけです。"),
        mistake("keeps-with-ratio", _dropout(keep_with_ratio=True),
                en="dropout_ratio is the share of units DROPPED: keep a unit where "
                   "np.random.rand(*x.shape) > dropout_ratio, so that about 1 − ratio of them survive.",
                ja="dropout_ratio は「消す」ユニットの割合です。np.random.rand(*x.shape) > dropout_ratio の"
                   "位置を残し、約 1 − ratio のユニットが残るようにしてください。"),
        *_dropout_stream_mistakes(inverted=False),
    ),
)

exercise(
    "layers.InvertedDropout", ref.InvertedDropout, DROPOUT_CASES,
    generate=random_dropout, driver="dropout", rtol=1e-7, atol=DROPOUT_ATOL, hidden_random=6,
    gradient_check=dropout_gradient_check,
    test_implementations=(_dropout(inverted=True, draw="binomial"), _dropout(inverted=True, draw="random")),
    wrong_implementations=(_dropout(inverted=True, mask_on_class=True),),
    mistakes=(
        mistake("multiplies-by-keep-prob", _dropout(inverted=True, train_scale=_keep),
                en="Inverted dropout DIVIDES the kept units by the keep probability 1 − ratio in training "
                   "(x * mask / (1 − dropout_ratio)), so that their expected value stays x.",
                ja="逆ドロップアウトでは学習時に残ったユニットを保持率 1 − ratio で「割り」ます "
                   "(x * mask / (1 − dropout_ratio))。こうして期待値が x のまま保たれます。"),
        mistake("scales-at-inference", _dropout(inverted=True, inference_scale=_keep),
                _dropout(inverted=True, inference_scale=_inverse_keep),
                en="With inverted dropout the scaling is done in training, so inference returns x unchanged.",
                ja="逆ドロップアウトではスケーリングを学習時に済ませているので、推論時は x をそのまま返します。"),
        mistake("backward-not-scaled", _dropout(inverted=True, backward_scaled=False),
                en="backward must scale like forward did: dx = dout * mask / (1 − dropout_ratio) "
                   "(store the scaled mask in forward and multiply by it).",
                ja="backward も forward と同じくスケーリングが必要です: dx = dout * mask / (1 − dropout_ratio)。"
                   "(forward でスケーリング済みのマスクを保存して掛けるのが簡単です)"),
        mistake("new-mask-in-backward", _dropout(inverted=True, new_mask_in_backward=True),
                en="backward must use the mask that forward drew (self.mask), not draw a new one.",
                ja="backward では forward で作ったマスク (self.mask) を使ってください。新しく乱数を引いてはいけません。"),
        mistake("keeps-with-ratio", _dropout(inverted=True, keep_with_ratio=True),
                en="dropout_ratio is the share of units DROPPED: keep a unit where "
                   "np.random.rand(*x.shape) > dropout_ratio, so that about 1 − ratio of them survive.",
                ja="dropout_ratio は「消す」ユニットの割合です。np.random.rand(*x.shape) > dropout_ratio の"
                   "位置を残し、約 1 − ratio のユニットが残るようにしてください。"),
        *_dropout_stream_mistakes(inverted=True),
    ),
)


# layers.Convolution -------------------------------------------------------------------------------

def _conv_case(name, rng_or_seed, n, c, h, w, fn, fh, fw, stride, pad):
    rng = rng_or_seed if isinstance(rng_or_seed, np.random.Generator) else np.random.default_rng(rng_or_seed)
    out_h, out_w = conv_output_size(h, fh, stride, pad), conv_output_size(w, fw, stride, pad)
    round_ = (lambda a: a) if isinstance(rng_or_seed, np.random.Generator) else (lambda a: np.round(a, 2))
    return layer_case(name, {"W": round_(rng.normal(size=(fn, c, fh, fw))), "b": round_(rng.normal(size=fn)),
                             "stride": stride, "pad": pad},
                      ("forward", round_(rng.normal(size=(n, c, h, w)))),
                      ("backward", round_(rng.normal(size=(n, fn, out_h, out_w)))))


def random_convolution(rng):
    fh, fw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    stride, pad = int(rng.integers(1, 3)), int(rng.integers(0, 2))
    h, w = int(rng.integers(max(fh, 3), 8)), int(rng.integers(max(fw, 3), 8))
    return _conv_case("random", rng, int(rng.integers(1, 3)), int(rng.integers(1, 4)), h, w,
                      int(rng.integers(1, 4)), fh, fw, stride, pad).inputs


class ConvolutionMissingTranspose(ref.Convolution):
    def forward(self, x):
        out = super().forward(x)  # (N, FN, out_h, out_w)
        # the rows of col @ col_W are (n, i, j): reshaping them straight to (N, FN, ...) scrambles them
        return out.transpose(0, 2, 3, 1).reshape(out.shape)


class ConvolutionDwNotTransposed(ref.Convolution):
    def backward(self, dout):
        dx = super().backward(dout)
        FN = self.W.shape[0]
        self.dW = (self.col.T @ dout.transpose(0, 2, 3, 1).reshape(-1, FN)).reshape(self.W.shape)
        return dx


class ConvolutionFlipped(ref.Convolution):
    """A true convolution: the filter rotated by 180° (as scipy.signal.convolve2d would)."""

    def __init__(self, W, b, stride=1, pad=0):
        super().__init__(W[:, :, ::-1, ::-1], b, stride, pad)

    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = self.dW[:, :, ::-1, ::-1]
        return dx


class ConvolutionDbOverBatch(ref.Convolution):
    """db summed over the batch and the output's width but not its height."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout.sum(axis=(0, 3))[:, 0]
        return dx


class ConvolutionLoops:
    """The definition, one output pixel at a time."""

    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x):
        FN, C, FH, FW = self.W.shape
        self.xp = np.pad(x, ((0, 0), (0, 0), (self.pad, self.pad), (self.pad, self.pad)))
        self.x_shape = x.shape
        out_h = (self.xp.shape[2] - FH) // self.stride + 1
        out_w = (self.xp.shape[3] - FW) // self.stride + 1
        out = np.zeros((x.shape[0], FN, out_h, out_w))
        for i in range(out_h):
            for j in range(out_w):
                patch = self.xp[:, :, i * self.stride:i * self.stride + FH, j * self.stride:j * self.stride + FW]
                out[:, :, i, j] = np.tensordot(patch, self.W, axes=([1, 2, 3], [1, 2, 3])) + self.b
        return out

    def backward(self, dout):
        FN, C, FH, FW = self.W.shape
        dxp = np.zeros_like(self.xp)
        self.dW = np.zeros_like(self.W)
        self.db = dout.sum(axis=(0, 2, 3))
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                rows = slice(i * self.stride, i * self.stride + FH)
                cols = slice(j * self.stride, j * self.stride + FW)
                self.dW += np.tensordot(dout[:, :, i, j], self.xp[:, :, rows, cols], axes=([0], [0]))
                dxp[:, :, rows, cols] += np.tensordot(dout[:, :, i, j], self.W, axes=([1], [0]))
        H, W = self.x_shape[2:]
        return dxp[:, :, self.pad:self.pad + H, self.pad:self.pad + W]


exercise(
    "layers.Convolution", ref.Convolution,
    [layer_case(("one 3×3 image, one 2×2 filter", "3×3 の画像 1 枚、2×2 のフィルタ 1 つ"),
                {"W": [[[[1.0, 0.0], [0.0, -1.0]]]], "b": [0.5]},
                ("forward", [[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]]]),
                ("backward", [[[[1.0, -1.0], [2.0, 0.5]]]])),
     _conv_case(("2 images, 3 channels, 5×6, two 3×3 filters, pad 1",
                 "画像 2 枚、3 チャンネル、5×6、3×3 のフィルタ 2 つ、パディング 1"), 41, 2, 3, 5, 6, 2, 3, 3, 1, 1),
     _conv_case(("stride 2, pad 1, three 2×3 filters on 7×6 images",
                 "ストライド 2、パディング 1、7×6 の画像に 2×3 のフィルタ 3 つ"), 42, 2, 2, 7, 6, 3, 2, 3, 2, 1),
     reforward_case(("two forwards, then backward: dW from the second input",
                     "forward を 2 回、続いて backward: dW は 2 回目の入力から"),
                    _conv_case("", 47, 2, 2, 4, 5, 2, 2, 2, 1, 0), _conv_case("", 48, 2, 2, 4, 5, 2, 2, 2, 1, 0)),
     interleaved_cases(("two layers, pad 1", "2 つの層、パディング 1"),
                       _conv_case("", 49, 2, 2, 4, 5, 2, 3, 3, 1, 1), _conv_case("", 50, 2, 2, 4, 5, 2, 3, 3, 1, 1))],
    generate=random_convolution, driver="layer", driver_options={"attributes": ("dW", "db")},
    rtol=1e-7, atol=1e-10,
    test_implementations=(ConvolutionLoops,),
    wrong_implementations=(
        _state_on_class(ref.Convolution, "col", "x_shape"), _caches_first_input(ref.Convolution, "col", "x_shape"),
        ConvolutionDbOverBatch,
    ),
    mistakes=(
        mistake("missing-transpose", ConvolutionMissingTranspose,
                en="The rows of im2col(x) @ W_col are ordered (N, out_h, out_w) with one column per filter: "
                   "reshape to (N, out_h, out_w, FN) and then transpose(0, 3, 1, 2), not straight to (N, FN, out_h, out_w).",
                ja="im2col(x) @ W_col の行は (N, out_h, out_w) の順で、列がフィルタです。(N, FN, out_h, out_w) に"
                   "直接 reshape せず、(N, out_h, out_w, FN) にしてから transpose(0, 3, 1, 2) してください。"),
        mistake("dW-not-transposed", ConvolutionDwNotTransposed,
                en="col.T @ dout has shape (C·FH·FW, FN): transpose it to (FN, C·FH·FW) before reshaping to "
                   "(FN, C, FH, FW), or the weights' gradients land in the wrong places.",
                ja="col.T @ dout の形状は (C·FH·FW, FN) です。(FN, C, FH, FW) に reshape する前に転置して "
                   "(FN, C·FH·FW) にしてください。そうしないと勾配が別の重みの位置に入ります。"),
        mistake("flipped-filter", ConvolutionFlipped,
                en="A convolution layer does not flip its filter (it is a cross-correlation): multiply each window "
                   "by W as it is, y[i, j] = Σ W[u, v]·x[i + u, j + v].",
                ja="畳み込み層ではフィルタを反転しません (相互相関です)。各窓に W をそのまま掛けます: "
                   "y[i, j] = Σ W[u, v]·x[i + u, j + v]。"),
    ),
    gradient_check=lambda impl: layer_gradients(
        impl, {"W": _values(2, 2, 3, 2, seed=43), "b": _values(2, seed=44), "stride": 2, "pad": 1},
        (_values(2, 2, 5, 4, seed=45),), _values(2, 2, 3, 3, seed=46)),
)


# layers.Pooling -----------------------------------------------------------------------------------

def _pool_case(name, rng_or_seed, n, c, h, w, pool_h, pool_w, stride, pad):
    rng = rng_or_seed if isinstance(rng_or_seed, np.random.Generator) else np.random.default_rng(rng_or_seed)
    out_h, out_w = conv_output_size(h, pool_h, stride, pad), conv_output_size(w, pool_w, stride, pad)
    # Distinct values (no ties inside a window): a permutation, plus a little noise in random cases.
    x = (rng.permutation(n * c * h * w).reshape(n, c, h, w) - n * c * h * w / 2) / 4
    if isinstance(rng_or_seed, np.random.Generator):
        x = x + rng.uniform(-0.1, 0.1, size=x.shape)
    dout = rng.normal(size=(n, c, out_h, out_w))
    return layer_case(name, {"pool_h": pool_h, "pool_w": pool_w, "stride": stride, "pad": pad},
                      ("forward", x), ("backward", dout if isinstance(rng_or_seed, np.random.Generator)
                                       else np.round(dout, 2)))


def random_pooling(rng):
    pool_h, pool_w = int(rng.integers(1, 4)), int(rng.integers(2, 4))
    stride = int(rng.integers(1, 4))
    h, w = int(rng.integers(max(pool_h, 3), 8)), int(rng.integers(max(pool_w, 3), 8))
    pad = int(rng.integers(0, 2)) if min(pool_h, pool_w) >= 2 else 0
    return _pool_case("random", rng, int(rng.integers(1, 3)), int(rng.integers(1, 4)), h, w,
                      pool_h, pool_w, stride, pad).inputs


class PoolingMinusInfPad:
    """PyTorch's convention: padding never wins the maximum (pads with −∞). Written with windows.

    ``TIES`` says where the gradient of a window with several equal maxima goes: "first" (as
    np.argmax and PyTorch), "last" (a loop keeping ``>=``, also one element, accepted), "each"
    (every tied element gets all of it) or "share" (they share it): the last two are wrong;
    "first by column" is the first in the window read column by column (one element, right).
    """

    PAD_VALUE = -np.inf
    TIES = "first"

    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        self.ph, self.pw, self.stride, self.pad = pool_h, pool_w, stride, pad

    def _windows(self, xp):
        view = np.lib.stride_tricks.sliding_window_view(xp, (self.ph, self.pw), axis=(2, 3))
        view = view[:, :, ::self.stride, ::self.stride]  # (N, C, out_h, out_w, ph, pw)
        return view.reshape(*view.shape[:4], -1)

    def forward(self, x):
        p = self.pad
        self.x_shape = x.shape
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=self.PAD_VALUE)
        windows = self._windows(xp)
        out = windows.max(axis=-1)
        tied = windows == out[..., None]
        if self.TIES == "first":
            self.weights = np.eye(windows.shape[-1])[tied.argmax(axis=-1)]
        elif self.TIES == "first by column":  # the window scanned column by column
            by_column = tied.reshape(*tied.shape[:4], self.ph, self.pw).swapaxes(-1, -2).reshape(tied.shape)
            v, u = np.divmod(by_column.argmax(axis=-1), self.ph)
            self.weights = np.eye(windows.shape[-1])[u * self.pw + v]
        elif self.TIES == "last":
            self.weights = np.eye(windows.shape[-1])[windows.shape[-1] - 1 - tied[..., ::-1].argmax(axis=-1)]
        else:
            self.weights = tied / (tied.sum(axis=-1, keepdims=True) if self.TIES == "share" else 1.0)
        return out

    def backward(self, dout):
        N, C, H, W = self.x_shape
        p = self.pad
        dxp = np.zeros((N, C, H + 2 * p, W + 2 * p))
        n, c, i, j, k = np.indices(self.weights.shape)
        u, v = np.divmod(k, self.pw)
        np.add.at(dxp, (n, c, i * self.stride + u, j * self.stride + v), self.weights * dout[..., None])
        return dxp[:, :, p:p + H, p:p + W]


class PoolingLastOfTies(PoolingMinusInfPad):
    """Zero padding as im2col, and the gradient of tied maxima to the last of them: one element."""

    PAD_VALUE, TIES = 0.0, "last"


class PoolingColumnOrder(PoolingMinusInfPad):
    """Zero padding, and the first of tied maxima in the window read column by column: one element."""

    PAD_VALUE, TIES = 0.0, "first by column"


class PoolingTiesEach(PoolingMinusInfPad):
    """mask = (window == max): each of the tied maxima gets the whole gradient."""

    PAD_VALUE, TIES = 0.0, "each"


class PoolingTiesShare(PoolingMinusInfPad):
    PAD_VALUE, TIES = 0.0, "share"


class PoolingTextbook:
    """The textbook's max pooling: im2col, max over each row of pool_h·pool_w, col2im back."""

    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def forward(self, x):
        N, C, H, W = x.shape
        out_h = int(1 + (H + 2 * self.pad - self.pool_h) / self.stride)
        out_w = int(1 + (W + 2 * self.pad - self.pool_w) / self.stride)
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad).reshape(-1, self.pool_h * self.pool_w)
        self.x, self.arg_max = x, np.argmax(col, axis=1)
        return np.max(col, axis=1).reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)
        pool_size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, pool_size))
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dmax = dmax.reshape(dout.shape + (pool_size,))
        dcol = dmax.reshape(dmax.shape[0] * dmax.shape[1] * dmax.shape[2], -1)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)


class PoolingSpread(ref.Pooling):
    """Backward as average pooling's: every element of the window gets dout / (pool_h·pool_w)."""

    def __init__(self, pool_h, pool_w, stride=2, pad=0, share=True):
        super().__init__(pool_h, pool_w, stride, pad)
        self.share = share

    def backward(self, dout):
        window = self.pool_h * self.pool_w
        spread = np.repeat(dout.transpose(0, 2, 3, 1).reshape(-1, 1), window, axis=1)
        dcol = (spread / window if self.share else spread).reshape(-1, self.x_shape[1] * window)
        return col2im(dcol, self.x_shape, self.pool_h, self.pool_w, self.stride, self.pad)


class PoolingSpreadWhole(PoolingSpread):
    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        super().__init__(pool_h, pool_w, stride, pad, share=False)


class PoolingMissingTranspose(ref.Pooling):
    def forward(self, x):
        out = super().forward(x)  # (N, C, out_h, out_w)
        return out.transpose(0, 2, 3, 1).reshape(out.shape)


# Ties in 2×2 windows, stride 2: two equal maxima side by side, one above the other, a window of
# zeros (as after a ReLU), and a window without ties.
POOL_TIES = [[[[4.0, 4.0, 2.5, 1.0],
               [-1.0, 0.5, 2.5, 0.0],
               [0.0, 0.0, 3.0, 1.0],
               [0.0, 0.0, 2.0, -1.0]]]]
POOL_TIES_DOUT = [[[[1.5, -2.0], [0.5, 3.0]]]]

exercise(
    "layers.Pooling", ref.Pooling,
    [layer_case(("2×2 windows, stride 2, one 4×4 image",
                 "2×2 の窓、ストライド 2、4×4 の画像 1 枚"), {"pool_h": 2, "pool_w": 2, "stride": 2, "pad": 0},
                ("forward", [[[[1.0, 3.0, 2.0, 0.0], [4.0, -1.0, 5.0, 6.0], [0.5, 7.0, -2.0, 1.5], [2.5, 1.0, 8.0, 3.5]]]]),
                ("backward", [[[[1.0, 2.0], [-1.0, 0.5]]]])),
     _pool_case(("2 images, 3 channels, 5×6, 2×2 windows, stride 2 (last row left out)",
                 "画像 2 枚、3 チャンネル、5×6、2×2 の窓、ストライド 2 (最後の行は使われない)"),
                51, 2, 3, 5, 6, 2, 2, 2, 0),
     _pool_case(("overlapping 3×2 windows, stride 1, 2 channels",
                 "重なり合う 3×2 の窓、ストライド 1、2 チャンネル"), 52, 1, 2, 5, 4, 3, 2, 1, 0),
     _pool_case(("2×2 windows, stride 2, pad 1", "2×2 の窓、ストライド 2、パディング 1"), 53, 1, 2, 4, 5, 2, 2, 2, 1),
     layer_case(("equal maxima in a window: the whole gradient to one of them",
                 "窓の中に等しい最大値: 勾配はすべてそのうちの一つへ"),
                {"pool_h": 2, "pool_w": 2, "stride": 2, "pad": 0}, ("forward", POOL_TIES), ("backward", POOL_TIES_DOUT)),
     layer_case(("equal maxima in overlapping 2×2 windows, stride 1",
                 "重なり合う 2×2 の窓の中に等しい最大値、ストライド 1"),
                {"pool_h": 2, "pool_w": 2, "stride": 1, "pad": 0},
                ("forward", [[[[1.0, 3.0, 3.0], [0.0, 2.0, -1.0], [0.0, 2.0, 0.5]]]]),
                ("backward", [[[[1.0, -2.0], [0.5, 3.0]]]])),
     reforward_case(("two forwards, then backward: the maxima of the second input",
                     "forward を 2 回、続いて backward: 2 回目の入力の最大値"),
                    _pool_case("", 56, 1, 2, 4, 4, 2, 2, 2, 0), _pool_case("", 57, 1, 2, 4, 4, 2, 2, 2, 0)),
     interleaved_cases(("two layers, 3×2 windows, stride 1", "2 つの層、3×2 の窓、ストライド 1"),
                       _pool_case("", 58, 2, 2, 4, 4, 3, 2, 1, 0), _pool_case("", 59, 2, 2, 4, 4, 3, 2, 1, 0))],
    generate=random_pooling, driver="layer",
    # Equal maxima: the catalog lets the whole gradient go to any ONE of them. The cases tie two
    # elements side by side or one above the other, or a whole window, so that "one" means the
    # first (np.argmax, PyTorch: the reference) or the last (a loop that keeps >=) in either scan order.
    accepted_conventions=(PoolingMinusInfPad, PoolingLastOfTies),
    test_implementations=(PoolingTextbook, PoolingColumnOrder),
    wrong_implementations=(_state_on_class(ref.Pooling, "arg_max", "x_shape"),
                           _caches_first_input(ref.Pooling, "arg_max", "x_shape")),
    mistakes=(
        mistake("ties-each-get-gradient", PoolingTiesEach, PoolingTiesShare,
                en="Where a window holds several equal maxima, send its gradient to ONE of them (e.g. the "
                   "np.argmax of the window, as PyTorch does): a mask window == max gives every tied element "
                   "the gradient (or a share of it), which the output, the same maximum, does not have.",
                ja="窓の中に同じ最大値が複数あるときは、勾配をそのうちの一つだけに流してください (例: 窓の np.argmax。"
                   "PyTorch も同様です)。window == max のマスクでは、同じ値の要素すべてに勾配 (またはその分け前) が"
                   "流れてしまいます。出力は一つの最大値なので、勾配も一つの位置だけに流れます。"),
        mistake("gradient-spread", PoolingSpread, PoolingSpreadWhole,
                en="Max pooling's gradient goes only to the position of each window's maximum (store the "
                   "argmax in forward); spreading dout over the whole window is average pooling's backward.",
                ja="最大値プーリングの勾配は各窓の最大値の位置だけに流れます (forward で argmax を保存)。"
                   "dout を窓全体に配るのは平均プーリングの逆伝播です。"),
        mistake("missing-transpose", PoolingMissingTranspose,
                en="After the max over each row, the values are ordered (N, out_h, out_w, C): reshape to "
                   "(N, out_h, out_w, C) and transpose(0, 3, 1, 2), not straight to (N, C, out_h, out_w).",
                ja="行ごとの最大値は (N, out_h, out_w, C) の順に並んでいます。(N, C, out_h, out_w) に直接 reshape "
                   "せず、(N, out_h, out_w, C) にしてから transpose(0, 3, 1, 2) してください。"),
    ),
    gradient_check=lambda impl: layer_gradients(
        impl, {"pool_h": 3, "pool_w": 2, "stride": 2, "pad": 0},
        (np.random.default_rng(54).permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) / 10.0,),
        _values(2, 2, 3, 3, seed=55)),
)


# layers.layer_norm --------------------------------------------------------------------------------

def random_layer_norm(rng):
    n, d = int(rng.integers(1, 6)), int(rng.integers(2, 9))
    return {"x": rng.normal(rng.normal(0.0, 2.0), rng.uniform(0.5, 3.0), size=(n, d)),
            "gamma": rng.normal(1.0, 0.5, size=d), "beta": rng.normal(size=d),
            "eps": float(rng.choice([1e-5, 1e-3, 0.1]))}


def layer_norm_over_batch(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta


def layer_norm_unbiased(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, ddof=1, keepdims=True) + eps) + beta


def layer_norm_eps_outside(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(axis=-1, keepdims=True)) / (x.std(axis=-1, keepdims=True) + eps) + beta


def layer_norm_transposed(x, gamma, beta, eps=1e-5):
    """Normalise columns of x.T, the way batch norm code written for (D, N) data would."""
    xt = x.T
    return (gamma[:, None] * (xt - xt.mean(axis=0)) / np.sqrt(xt.var(axis=0) + eps) + beta[:, None]).T


def layer_norm_check(impl):
    """The reference's layer_norm_backward against numerical gradients of impl (x, γ, β)."""
    x = _values(3, 5, seed=61, scale=2.0)
    gamma, beta, dout = _values(5, seed=62) + 1.0, _values(5, seed=63), _values(3, 5, seed=64)
    eps = 1e-3

    def loss():
        return float(np.sum(impl(x, gamma, beta, eps) * dout))

    dx, dgamma, dbeta = ref.layer_norm_backward(dout, x, gamma, eps)
    return [("dx", dx, numerical_gradient(loss, x)), ("dgamma", dgamma, numerical_gradient(loss, gamma)),
            ("dbeta", dbeta, numerical_gradient(loss, beta))]


exercise(
    "layers.layer_norm", ref.layer_norm,
    [fixed(("a (2, 4) batch, γ = 1, β = 0",
            "(2, 4) のバッチ、γ = 1, β = 0"), x=[[1.0, 2.0, 3.0, 6.0], [-1.0, 0.0, 4.0, 1.0]],
           gamma=[1.0, 1.0, 1.0, 1.0], beta=[0.0, 0.0, 0.0, 0.0], eps=1e-5),
     fixed(("γ, β and eps = 0.1", "γ, β と eps = 0.1"), x=[[0.5, -1.5, 2.0], [3.0, 1.0, 2.0], [0.0, 0.25, -0.25]],
           gamma=[2.0, 0.5, -1.0], beta=[1.0, 0.0, -0.5], eps=0.1),
     fixed(("a constant sample gives β", "定数のサンプルは β になる"), x=[[2.0, 2.0, 2.0], [1.0, -1.0, 3.0]],
           gamma=[1.5, 1.0, 0.5], beta=[0.1, 0.2, 0.3], eps=1e-5)],
    generate=random_layer_norm,
    test_implementations=(layer_norm_transposed,
                  lambda x, gamma, beta, eps=1e-5: (x - x.mean(-1, keepdims=True))
                  * (gamma / np.sqrt(((x - x.mean(-1, keepdims=True)) ** 2).mean(-1, keepdims=True) + eps)) + beta),
    mistakes=(
        mistake("batch-axis", layer_norm_over_batch,
                en="That is batch normalisation: layer normalisation takes the mean and variance over the "
                   "features of each sample, axis=-1 (or 1) with keepdims=True, not over the batch (axis=0).",
                ja="それはバッチ正規化です。レイヤー正規化では各サンプルの特徴量方向 (axis=-1 または 1、"
                   "keepdims=True) で平均と分散を取ります。バッチ方向 (axis=0) ではありません。"),
        mistake("unbiased-variance", layer_norm_unbiased,
                en="Use the biased variance of each sample's features, Σ(x − μ)²/D (np.var with the default ddof=0).",
                ja="各サンプルの特徴量の分散は D で割ったもの Σ(x − μ)²/D を使います (np.var の既定 ddof=0)。"),
        mistake("eps-outside-sqrt", layer_norm_eps_outside,
                en="eps goes inside the square root: (x − μ)/√(σ² + eps), not (x − μ)/(σ + eps).",
                ja="eps は平方根の中に入れます: (x − μ)/√(σ² + eps)。(x − μ)/(σ + eps) ではありません。"),
    ),
    gradient_check=layer_norm_check,
)
