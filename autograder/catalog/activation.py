"""Activation functions (Day 1, section 2): reference, cases, accepted conventions, test implementations, mistakes."""
import numpy as np

from reference import activation as ref

from ..gradcheck import elementwise_derivative
from ..registry import exercise, fixed, mistake

# Where the reference is exact in the tails, values are compared relative to their size: an atol
# below every non-zero normal float64, so that only an exact 0 matches an expected 0 (σ(−1000)).
TAIL_ATOL = float(np.finfo(np.float64).tiny)

# Inputs used by every activation: the material's small vector, the kink, and x = ±1000.
SMALL = fixed("x = [-2, 0, 3]", x=[-2.0, 0.0, 3.0])
EXTREME = fixed("x = ±30, ±1000", x=[-1000.0, -30.0, 30.0, 1000.0])
MATRIX = fixed(("a (2, 3) batch", "(2, 3) のバッチ"), x=[[-1.5, 0.5, 2.0], [0.0, -0.25, 4.0]])
# The tails, compared relative to their size (TAIL_ATOL) where the reference is exact there:
# σ(−30) ≈ 9.4e-14, σ(−40) ≈ 4.2e-18, σ(−1000) = 0 and σ(1000) = 1 exactly. For the derivative only
# the negative side: a right s(1 − s) keeps 3 digits of σ'(30) ≈ 9.4e-14 (1 − σ(30) rounds).
SIGMOID_TAILS = fixed(("the tails: x = −1000, −40, −30, 30, 1000",
                       "両側の裾: x = −1000, −40, −30, 30, 1000"), x=[-1000.0, -40.0, -30.0, 30.0, 1000.0])
SIGMOID_GRAD_TAILS = fixed(("the negative tail and the limits: x = −1000, −40, −30, 1000",
                            "負の裾と極限: x = −1000, −40, −30, 1000"),
                           x=[-1000.0, -40.0, -30.0, 1000.0])
# tanh near 0 is about x, exactly, in np.tanh; e^x − e^−x (or 2σ(2x) − 1) cancels there.
TANH_NEAR_ZERO = fixed(("near 0: x = 1e-12, −2e-13, 5e-14",
                        "0 付近: x = 1e-12, −2e-13, 5e-14"), x=[1e-12, -2e-13, 5e-14])
# Away from 0 so that numerical derivatives do not straddle the ReLU/step kink.
GRAD_POINTS = np.array([[-2.1, -0.7, 0.3], [0.9, 1.6, -3.2]])


def random_array(rng, scale=3.0):
    shape = tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 3))))
    return {"x": rng.normal(0.0, scale, size=shape)}


def naive_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def masked_sigmoid(x):
    """The two forms of σ, each only where its exponent is ≤ 0."""
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def tanh_sigmoid(x):
    """σ(x) = (1 + tanh(x/2))/2: right in value, but 1 + tanh(x/2) cancels for x ≪ 0."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def clipped_sigmoid(bound):
    def sigmoid(x):
        return 1.0 / (1.0 + np.exp(-np.clip(x, -bound, bound)))
    return sigmoid


def clipped_exp_tanh(x):
    """(e^x − e^−x)/(e^x + e^−x) with x clipped to [−20, 20] against overflow (tanh(20) rounds to 1)."""
    x = np.clip(x, -20.0, 20.0)
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


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
    "activation.sigmoid", ref.sigmoid, [SMALL, SIGMOID_TAILS, MATRIX], generate=random_array,
    atol=TAIL_ATOL,  # the reference is exact in both tails: compare σ(−40) ≈ 4.2e-18 relative to its size
    test_implementations=(masked_sigmoid, lambda x: np.exp(-np.logaddexp(0.0, -x))),
    wrong_implementations=(lambda x: np.clip(ref.sigmoid(x), 1e-12, 1.0 - 1e-12),  # an epsilon against log(0)
                           lambda x: ref.sigmoid(x) + 1e-15),
    stability=True,  # the catalog: a warning or a non-finite value fails
    mistakes=(
        mistake("overflow", naive_sigmoid, lambda x: np.exp(x) / (1.0 + np.exp(x)),
                en="np.exp overflows for large |x| (nan or a warning at x = ±1000). Only ever exponentiate "
                   "a non-positive number: 1 / (1 + e^(−x)) where x ≥ 0 and e^x / (1 + e^x) where x < 0.",
                ja="|x| が大きいと np.exp がオーバーフローします (x = ±1000 で nan または警告)。x ≥ 0 では "
                   "1 / (1 + e^(−x))、x < 0 では e^x / (1 + e^x) と、指数が正にならない形で計算してください。"),
        mistake("clipped-input", clipped_sigmoid(20.0), clipped_sigmoid(30.0), clipped_sigmoid(500.0),
                en="Clipping x against overflow changes σ beyond the bound: σ(−40) ≈ 4.2e-18 and σ(−1000) is "
                   "exactly 0, not σ(−30) or σ(−500). Do not clip; exponentiate only non-positive numbers: "
                   "e^x / (1 + e^x) where x < 0.",
                ja="オーバーフロー対策に x をクリップすると、境界の外で σ の値が変わります。σ(−40) ≈ 4.2e-18、"
                   "σ(−1000) はちょうど 0 で、σ(−30) や σ(−500) ではありません。クリップせず、x < 0 では "
                   "e^x / (1 + e^x) と指数が正にならない形で計算してください。"),
        mistake("tail-precision", tanh_sigmoid,
                en="0.5·(1 + tanh(x/2)) is σ in exact arithmetic, but for x ≪ 0 it adds 1 to a number close to −1 "
                   "and loses the digits: σ(−30) ≈ 9.4e-14 keeps only 3 of them and σ(−40) becomes 0. Use "
                   "e^x / (1 + e^x) where x < 0.",
                ja="0.5·(1 + tanh(x/2)) は式としては σ ですが、x ≪ 0 では −1 に近い数に 1 を足すため桁が失われます "
                   "(σ(−30) ≈ 9.4e-14 は 3 桁しか合わず、σ(−40) は 0 になります)。x < 0 では e^x / (1 + e^x) を"
                   "使ってください。"),
        mistake("sign-flipped", lambda x: 1.0 / (1.0 + np.exp(np.clip(x, -500, 500))),
                en="The exponent's sign is flipped: σ(x) = 1 / (1 + e^(−x)), so σ(3) is close to 1, not 0.",
                ja="指数の符号が逆です。σ(x) = 1 / (1 + e^(−x)) なので σ(3) は 0 ではなく 1 に近い値です。"),
    ),
)

exercise(
    "activation.sigmoid_grad", ref.sigmoid_grad, [SMALL, SIGMOID_GRAD_TAILS, MATRIX], generate=random_array,
    atol=TAIL_ATOL,  # exact on the negative tail (σ'(−40) ≈ 4.2e-18); the positive tail is not among the cases
    # Stability is not part of this exercise: a naive σ, or cosh overflowing at ±1000, gives the right
    # values (σ'(±1000) = 0) with a warning, which the report only mentions.
    test_implementations=(lambda x: np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))) ** 2,
                          lambda x: naive_sigmoid(x) * (1.0 - naive_sigmoid(x)),
                          lambda x: 0.25 / np.cosh(x / 2.0) ** 2),
    wrong_implementations=(lambda x: clipped_sigmoid(20.0)(x) * (1.0 - clipped_sigmoid(20.0)(x)),
                           lambda x: clipped_sigmoid(30.0)(x) * (1.0 - clipped_sigmoid(30.0)(x)),
                           lambda x: tanh_sigmoid(x) * (1.0 - tanh_sigmoid(x))),
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
    "activation.tanh", ref.tanh, [SMALL, EXTREME, TANH_NEAR_ZERO, MATRIX], generate=random_array,
    atol=TAIL_ATOL,  # np.tanh is exact near 0 (tanh(1e-12) = 1e-12) and at the limits ±1
    test_implementations=(lambda x: np.sinh(np.clip(x, -20.0, 20.0)) / np.cosh(np.clip(x, -20.0, 20.0)),
                          lambda x: -np.sign(x) * np.expm1(-2.0 * np.abs(x)) / (1.0 + np.exp(-2.0 * np.abs(x)))),
    stability=True,  # the catalog: a warning or a non-finite value fails
    mistakes=(
        mistake("cancellation-near-zero", clipped_exp_tanh, lambda x: 2.0 * ref.sigmoid(2.0 * x) - 1.0,
                en="Near x = 0 this subtracts two numbers close to 1 (e^x − e^−x, or 2σ(2x) − 1) and loses the "
                   "digits: tanh(1e-12) comes out several percent off. Use np.tanh(x), exact everywhere.",
                ja="x = 0 の近くでは 1 に近い 2 つの数の差 (e^x − e^−x や 2σ(2x) − 1) を取るため桁が失われ、"
                   "tanh(1e-12) が数 % ずれます。どこでも正確な np.tanh(x) を使ってください。"),
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


def logistic_with_defaults(A, a, x0):
    """A right formula whose keyword defaults are (A, a, x0): wrong unless they are (1, 1, 0)."""
    def logistic(x, A=A, a=a, x0=x0):
        return A * ref.sigmoid(a * (x - x0))
    return logistic


exercise(
    "activation.logistic", ref.logistic,
    [fixed(("A = 1, a = 1, x0 = 0 given: the sigmoid",
            "A = 1, a = 1, x0 = 0 を指定: シグモイド"), x=[-2.0, 0.0, 3.0], A=1.0, a=1.0, x0=0.0),
     fixed(("only x: the defaults A = 1, a = 1, x0 = 0", "x だけ: 既定値 A = 1, a = 1, x0 = 0"), x=[-2.0, 0.5, 3.0]),
     fixed("A = 2, a = 0.5, x0 = 1", x=[-1000.0, -1.0, 1.0, 3.0, 1000.0], A=2.0, a=0.5, x0=1.0),
     fixed(("the tail: A = 3, a = 2, x0 = −1 at x = −20, −30 (f ≈ 9.4e-17, 1.9e-25)",
            "裾: A = 3, a = 2, x0 = −1、x = −20, −30 (f ≈ 9.4e-17, 1.9e-25)"), x=[-20.0, -30.0, 0.0],
           A=3.0, a=2.0, x0=-1.0)],
    generate=random_logistic,
    atol=TAIL_ATOL,  # exact in the tails, as the sigmoid
    test_implementations=(lambda x, A=1.0, a=1.0, x0=0.0: A / (1.0 + np.exp(-a * (x - x0))),
                          lambda x, A=1.0, a=1.0, x0=0.0: A * np.exp(-np.logaddexp(0.0, -a * (x - x0)))),
    wrong_implementations=(logistic_with_defaults(1.0, 1.0, 1.0), logistic_with_defaults(2.0, 1.0, 0.0),
                           logistic_with_defaults(1.0, 0.5, 0.0),
                           lambda x, A=1.0, a=1.0, x0=0.0: A * 0.5 * (1.0 + np.tanh(0.5 * a * (x - x0)))),
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
    [fixed(("one sample", "1 サンプル"), x=[0.3, 2.9, 4.0]),
     fixed(("near 1000", "1000 付近"), x=[1010.0, 1000.0, 990.0]),
     fixed(("a (2, 3) batch", "(2, 3) のバッチ"), x=[[0.3, 2.9, 4.0], [1.0, 1.0, -1.0]]),
     fixed(("a (2, 3) batch near 1000",
            "1000 付近の (2, 3) のバッチ"), x=[[1010.0, 1000.0, 990.0], [-1000.0, -1001.0, -999.0]]),
     # Probabilities e^−30 ≈ 9.4e-14, e^−40 ≈ 4.2e-18 and exactly 0, compared relative to their size.
     fixed(("tiny probabilities: 9.4e-14, 4.2e-18 and 0",
            "ごく小さな確率: 9.4e-14, 4.2e-18 と 0"), x=[[1000.0, 970.0, 960.0, 0.0], [5.0, -25.0, -35.0, -995.0]]),
     fixed(("a (3, 2) batch: rows of two", "(3, 2) のバッチ: 長さ 2 の行"), x=[[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]])],
    generate=random_scores,
    atol=TAIL_ATOL,  # e^(x − max) / Σ is exact for tiny probabilities too
    test_implementations=(lambda x: np.exp(x - np.log(np.sum(np.exp(x - x.max(-1, keepdims=True)), -1, keepdims=True))
                                   - x.max(-1, keepdims=True)),),
    wrong_implementations=(
        lambda x: (lambda e: e / np.sum(e, axis=-1, keepdims=True))(np.exp(x - np.max(x, axis=-1, keepdims=True)) + 1e-12),
        lambda x: ref.softmax(x) + 1e-12,
        lambda x: ref.softmax(np.clip(x - np.max(x, axis=-1, keepdims=True), -30.0, 0.0)),
    ),
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
