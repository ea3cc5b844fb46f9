"""Activation functions (Day 1, section 2): reference, cases, accepted conventions, test implementations, mistakes."""
import numpy as np

from reference import activation as ref

from ..gradcheck import elementwise_derivative
from ..registry import exercise, fixed, mistake

# Inputs used by every activation: the material's small vector, the kink, and x = ±1000.
SMALL = fixed("x = [-2, 0, 3]", x=[-2.0, 0.0, 3.0])
EXTREME = fixed("x = ±30, ±1000", x=[-1000.0, -30.0, 30.0, 1000.0])
MATRIX = fixed("a (2, 3) batch", x=[[-1.5, 0.5, 2.0], [0.0, -0.25, 4.0]])
# Away from 0 so that numerical derivatives do not straddle the ReLU/step kink.
GRAD_POINTS = np.array([[-2.1, -0.7, 0.3], [0.9, 1.6, -3.2]])


def random_array(rng, scale=3.0):
    shape = tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 3))))
    return {"x": rng.normal(0.0, scale, size=shape)}


def naive_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


exercise(
    "activation.step", ref.step, [SMALL, MATRIX], generate=random_array,
    test_implementations=(lambda x: np.where(x > 0, 1.0, 0.0),),
    mistakes=(
        mistake("one-at-zero", lambda x: np.where(x >= 0, 1.0, 0.0),
                en="The step is 0 at x = 0: use x > 0, not x >= 0.",
                ja="x = 0 でステップ関数は 0 です。x >= 0 ではなく x > 0 を使ってください。"),
        mistake("returns-bool", lambda x: x > 0,
                en="This returns booleans: convert with .astype(np.float64) (or np.where(x > 0, 1.0, 0.0)).",
                ja="真偽値の配列を返しています。.astype(np.float64) などで 0.0/1.0 の浮動小数点数にしてください。"),
    ),
)

exercise(
    "activation.sigmoid", ref.sigmoid, [SMALL, EXTREME, MATRIX], generate=random_array,
    test_implementations=(lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),),
    stability=True,  # the catalog: a warning or a non-finite value fails
    mistakes=(
        mistake("overflow", naive_sigmoid, lambda x: np.exp(x) / (1.0 + np.exp(x)),
                en="np.exp overflows for large |x| (nan or a warning at x = ±1000). Only ever exponentiate "
                   "a non-positive number: use e^x / (1 + e^x) where x < 0, or 0.5·(1 + tanh(x/2)).",
                ja="|x| が大きいと np.exp がオーバーフローします (x = ±1000 で nan または警告)。x < 0 では "
                   "e^x / (1 + e^x) を使うなど、指数が正にならない形で計算してください (0.5·(1 + tanh(x/2)) も可)。"),
        mistake("sign-flipped", lambda x: 1.0 / (1.0 + np.exp(np.clip(x, -500, 500))),
                en="The exponent's sign is flipped: σ(x) = 1 / (1 + e^(−x)), so σ(3) is close to 1, not 0.",
                ja="指数の符号が逆です。σ(x) = 1 / (1 + e^(−x)) なので σ(3) は 0 ではなく 1 に近い値です。"),
    ),
)

exercise(
    "activation.sigmoid_grad", ref.sigmoid_grad, [SMALL, EXTREME, MATRIX], generate=random_array,
    test_implementations=(lambda x: np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))) ** 2,),
    mistakes=(
        mistake("missing-one-minus", ref.sigmoid, lambda x: ref.sigmoid(x) ** 2,
                en="This is σ(x) (or σ(x)²), not its derivative: σ'(x) = σ(x)·(1 − σ(x)).",
                ja="これは σ(x) (または σ(x)²) で、導関数ではありません。σ'(x) = σ(x)·(1 − σ(x)) です。"),
        mistake("applied-to-x", lambda x: x * (1.0 - x),
                en="σ(x)(1 − σ(x)) needs σ(x) first: you computed x(1 − x). Call sigmoid(x) and use its output.",
                ja="x(1 − x) を計算しています。先に s = sigmoid(x) を求め、s(1 − s) としてください。"),
    ),
    gradient_check=lambda impl: elementwise_derivative(ref.sigmoid, impl, GRAD_POINTS),
)

exercise(
    "activation.tanh", ref.tanh, [SMALL, EXTREME, MATRIX], generate=random_array,
    test_implementations=(lambda x: 2.0 * ref.sigmoid(2.0 * x) - 1.0,),
    stability=True,  # the catalog: a warning or a non-finite value fails
    mistakes=(
        mistake("overflow", lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)),
                en="(e^x − e^−x)/(e^x + e^−x) overflows to inf/inf = nan for large |x|: use np.tanh(x).",
                ja="(e^x − e^−x)/(e^x + e^−x) は |x| が大きいと inf/inf = nan になります。np.tanh(x) を使ってください。"),
        mistake("sigmoid-instead", ref.sigmoid,
                en="This is the sigmoid (range 0 to 1); tanh ranges from −1 to 1: tanh(x) = 2σ(2x) − 1.",
                ja="これはシグモイド (値域 0〜1) です。tanh の値域は −1〜1 で、tanh(x) = 2σ(2x) − 1 です。"),
    ),
)

exercise(
    "activation.tanh_grad", ref.tanh_grad, [SMALL, EXTREME, MATRIX], generate=random_array,
    test_implementations=(lambda x: 1.0 / np.cosh(np.clip(x, -300, 300)) ** 2,),
    mistakes=(
        mistake("missing-square", lambda x: 1.0 - np.tanh(x),
                en="The derivative is 1 − tanh²(x): square the tanh.",
                ja="導関数は 1 − tanh²(x) です。tanh を 2 乗してください。"),
        mistake("sigmoid-derivative", ref.sigmoid_grad,
                en="This is the sigmoid's derivative σ(1 − σ); tanh's is 1 − tanh²(x) (1 at x = 0, not 0.25).",
                ja="これはシグモイドの導関数です。tanh の導関数は 1 − tanh²(x) です (x = 0 で 0.25 ではなく 1)。"),
    ),
    gradient_check=lambda impl: elementwise_derivative(ref.tanh, impl, GRAD_POINTS),
)

exercise(
    "activation.relu", ref.relu, [SMALL, MATRIX], generate=random_array,
    test_implementations=(lambda x: np.where(x > 0, x, 0.0), lambda x: x * (x > 0)),
    mistakes=(
        mistake("returns-derivative", ref.relu_grad, lambda x: (x > 0).astype(np.int64),
                en="This returns the derivative (0 or 1). ReLU passes positive inputs through: max(0, x).",
                ja="導関数 (0 または 1) を返しています。ReLU は正の入力をそのまま通します: max(0, x)。"),
        mistake("min-not-max", lambda x: np.minimum(0.0, x),
                en="np.minimum keeps the negative part; ReLU is np.maximum(0, x).",
                ja="np.minimum では負の部分が残ります。ReLU は np.maximum(0, x) です。"),
    ),
)

exercise(
    "activation.relu_grad", ref.relu_grad, [SMALL, MATRIX], generate=random_array,
    accepted_conventions=(lambda x: (x >= 0).astype(np.float64),),  # 1 at the kink x = 0 is also accepted
    test_implementations=(lambda x: np.heaviside(x, 0.0), lambda x: np.heaviside(x, 1.0)),
    mistakes=(
        mistake("returns-relu", ref.relu,
                en="This is ReLU itself; its derivative is 1 where x > 0 and 0 where x < 0.",
                ja="これは ReLU そのものです。導関数は x > 0 で 1、x < 0 で 0 です。"),
        mistake("returns-bool", lambda x: x > 0,
                en="This returns booleans: convert with .astype(np.float64).",
                ja="真偽値の配列を返しています。.astype(np.float64) で浮動小数点数にしてください。"),
    ),
    gradient_check=lambda impl: elementwise_derivative(ref.relu, impl, GRAD_POINTS),
)

exercise(
    "activation.identity", ref.identity, [SMALL, MATRIX], generate=random_array,
    test_implementations=(lambda x: x,),
    mistakes=(
        mistake("returns-derivative", lambda x: np.ones_like(x),
                en="This is the identity's derivative (all ones); the identity returns x unchanged.",
                ja="恒等関数の導関数 (すべて 1) を返しています。恒等関数は x をそのまま返します。"),
    ),
)


def random_logistic(rng):
    return {**random_array(rng), "A": float(rng.uniform(0.5, 3)), "a": float(rng.uniform(0.2, 3)),
            "x0": float(rng.normal())}


exercise(
    "activation.logistic", ref.logistic,
    [fixed("defaults: the sigmoid", x=[-2.0, 0.0, 3.0], A=1.0, a=1.0, x0=0.0),
     fixed("A = 2, a = 0.5, x0 = 1", x=[-1000.0, -1.0, 1.0, 3.0, 1000.0], A=2.0, a=0.5, x0=1.0)],
    generate=random_logistic,
    test_implementations=(lambda x, A=1.0, a=1.0, x0=0.0: A * 0.5 * (1.0 + np.tanh(0.5 * a * (x - x0))),),
    mistakes=(
        mistake("shift-sign", lambda x, A=1.0, a=1.0, x0=0.0: A * ref.sigmoid(a * (x + x0)),
                en="The midpoint moves the curve right: use x − x0, so that f(x0) = A/2.",
                ja="中点 x0 は曲線を右へずらします。x + x0 ではなく x − x0 とし、f(x0) = A/2 となるようにしてください。"),
        mistake("missing-height", lambda x, A=1.0, a=1.0, x0=0.0: ref.sigmoid(a * (x - x0)),
                en="The curve's height A is missing: multiply the sigmoid by A.",
                ja="高さ A が抜けています。シグモイドに A を掛けてください。"),
    ),
)


def random_scores(rng):
    if rng.random() < 0.3:
        return {"x": rng.normal(0.0, 3.0, size=int(rng.integers(2, 7)))}
    return {"x": rng.normal(0.0, 3.0, size=(int(rng.integers(2, 6)), int(rng.integers(2, 7))))}


def unstable_softmax(x):
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_over_batch(x):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


exercise(
    "activation.softmax", ref.softmax,
    [fixed("one sample", x=[0.3, 2.9, 4.0]),
     fixed("near 1000", x=[1010.0, 1000.0, 990.0]),
     fixed("a (2, 3) batch", x=[[0.3, 2.9, 4.0], [1.0, 1.0, -1.0]]),
     fixed("a (2, 3) batch near 1000", x=[[1010.0, 1000.0, 990.0], [-1000.0, -1001.0, -999.0]])],
    generate=random_scores,
    test_implementations=(lambda x: np.exp(x - np.log(np.sum(np.exp(x - x.max(-1, keepdims=True)), -1, keepdims=True))
                                   - x.max(-1, keepdims=True)),),
    stability=True,  # the catalog: a warning or a non-finite value fails
    mistakes=(
        mistake("unstable", unstable_softmax,
                en="e^1000 overflows to inf, and inf/inf is nan: subtract each row's maximum before np.exp "
                   "(the result does not change).",
                ja="e^1000 は inf になり、inf/inf は nan です。np.exp の前に各行の最大値を引いてください "
                   "(結果は変わりません)。"),
        mistake("wrong-axis", softmax_over_batch,
                en="For a batch (N, K), normalise each row (axis=-1 with keepdims=True), not each column.",
                ja="バッチ (N, K) では列ごとではなく行ごとに正規化してください (axis=-1, keepdims=True)。"),
        mistake("global-sum", lambda x: np.exp(x - np.max(x)) / np.sum(np.exp(x - np.max(x))),
                en="Dividing by the sum over the whole batch makes all rows together sum to 1; each row "
                   "must sum to 1: np.sum(..., axis=-1, keepdims=True).",
                ja="バッチ全体の和で割ると全行の合計が 1 になります。各行の和が 1 になるよう "
                   "np.sum(..., axis=-1, keepdims=True) で割ってください。"),
    ),
)
