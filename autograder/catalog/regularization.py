"""Regularization (Day 2, section 3): reference, cases, test implementations, mistakes, gradient checks.

The gradient functions may change ``grad`` in place (the material writes ``grad += rate * param``),
so their driver allows it: ``may_modify=("grad",)``.
"""
import numpy as np

from reference import regularization as ref

from ..gradcheck import numerical_gradient
from ..registry import exercise, fixed, mistake

# Weights with mixed signs, a zero, and magnitudes other than 0 and 1 (where w² = |w| = w would hide
# a wrong power).
W_MATRIX = [[0.5, -1.5, 2.0], [0.0, -0.25, 3.0]]
W_VECTOR = [-0.3, 0.7, -2.2, 1.1]
# A (2, 2, 2, 2) convolution filter.
W_FILTER = (np.arange(16.0).reshape(2, 2, 2, 2) - 7.5) / 4.0

# The gradient exercises: the parameter, and the loss gradient backpropagation gave for it.
PARAM = [[0.5, -1.5, 2.0], [0.0, -0.25, 3.0]]
GRAD = [[0.1, 0.2, -0.3], [-0.4, 0.5, 0.05]]
# For numerical gradients: every entry is far from the kink of |w| at 0.
GRAD_PARAM = np.array([[0.5, -1.5, 2.0], [-0.7, -0.25, 3.0]])
GRAD_LOSS = np.array([[0.1, 0.2, -0.3], [-0.4, 0.5, 0.05]])


def random_weights(rng):
    shape = tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 4))))
    return rng.normal(0.0, 1.5, size=shape)


def random_penalty_case(rng):
    return {"W": random_weights(rng), "lam": float(rng.uniform(0.0, 1.0))}


def random_gradient_case(rng, rates=("rate",)):
    param = random_weights(rng)
    case = {"param": param, "grad": rng.normal(0.0, 0.5, size=param.shape)}
    case.update({name: float(rng.uniform(0.0, 1.0)) for name in rates})
    return case


def penalty_gradient(implementation, penalty, *rates):
    """``implementation`` against the numerical gradient of a linear loss Σ g·w plus ``penalty(w)``.

    The linear term's gradient is the ``grad`` passed in, so the result must be grad + ∂penalty/∂w.
    """
    param, loss_grad = GRAD_PARAM.copy(), GRAD_LOSS.copy()
    numeric = numerical_gradient(lambda: float(np.sum(loss_grad * param) + penalty(param)), param)
    analytic = implementation(param.copy(), loss_grad.copy(), *rates)
    return [("d/dparam", analytic, numeric)]


# penalties --------------------------------------------------------------------------------------

PENALTY_CASES = [
    fixed(("a (2, 3) matrix, λ = 0.1", "(2, 3) の行列、λ = 0.1"), W=W_MATRIX, lam=0.1),
    fixed(("a vector, λ = 0.01", "ベクトル、λ = 0.01"), W=W_VECTOR, lam=0.01),
    fixed(("a (2, 2, 2, 2) filter, λ = 0.5", "(2, 2, 2, 2) のフィルタ、λ = 0.5"), W=W_FILTER, lam=0.5),
    fixed(("λ = 0: no penalty", "λ = 0: ペナルティなし"), W=W_MATRIX, lam=0.0),
]

exercise(
    "regularization.l1_penalty", ref.l1_penalty, PENALTY_CASES, generate=random_penalty_case,
    test_implementations=(lambda W, lam: lam * np.linalg.norm(np.ravel(W), 1),
                  lambda W, lam: lam * sum(abs(w) for w in np.ravel(W))),
    mistakes=(
        mistake("missing-abs", lambda W, lam: lam * np.sum(W),
                en="Without np.abs the negative weights cancel the positive ones: λ Σ |w|.",
                ja="np.abs がないと負の重みが正の重みを打ち消します。λ Σ |w| です。"),
        mistake("squared", lambda W, lam: lam * np.sum(W ** 2), lambda W, lam: 0.5 * lam * np.sum(W ** 2),
                en="This squares the weights: that is the L2 penalty. L1 sums absolute values: λ Σ |w|.",
                ja="重みを 2 乗しています (これは L2 正則化です)。L1 は絶対値の和です: λ Σ |w|。"),
        mistake("half-factor", lambda W, lam: 0.5 * lam * np.sum(np.abs(W)),
                en="The ½ belongs to the L2 penalty (½λΣw², so that its gradient is λw); L1 is λ Σ |w|.",
                ja="½ は L2 正則化 (½λΣw²、勾配が λw になるように付ける) のものです。L1 は λ Σ |w| です。"),
    ),
)

exercise(
    "regularization.l2_penalty", ref.l2_penalty, PENALTY_CASES, generate=random_penalty_case,
    test_implementations=(lambda W, lam: 0.5 * lam * np.linalg.norm(np.ravel(W)) ** 2,
                  lambda W, lam: lam * np.dot(np.ravel(W), np.ravel(W)) / 2),
    mistakes=(
        mistake("missing-half", lambda W, lam: lam * np.sum(W ** 2),
                en="The L2 penalty carries a ½: ½ λ Σ w², so that its gradient is λ·w.",
                ja="L2 正則化には ½ が付きます: ½ λ Σ w² (勾配が λ·w になります)。"),
        mistake("norm-not-squared", lambda W, lam: 0.5 * lam * np.sqrt(np.sum(W ** 2)),
                lambda W, lam: 0.5 * lam * np.linalg.norm(W),
                en="np.linalg.norm (or √Σw²) is the norm itself; the penalty uses its square: ½ λ Σ w².",
                ja="np.linalg.norm (√Σw²) はノルムそのものです。正則化項はその 2 乗を使います: ½ λ Σ w²。"),
        mistake("abs-not-square", lambda W, lam: lam * np.sum(np.abs(W)), lambda W, lam: 0.5 * lam * np.sum(np.abs(W)),
                en="This sums absolute values: that is the L1 penalty. L2 sums squares: ½ λ Σ w².",
                ja="絶対値の和になっています (これは L1 正則化です)。L2 は 2 乗の和です: ½ λ Σ w²。"),
    ),
)


# gradients --------------------------------------------------------------------------------------

def ridge_in_place(param, grad, rate):
    grad += rate * param
    return grad


def lasso_in_place(param, grad, rate):
    grad += rate * np.sign(param)
    return grad


exercise(
    "regularization.ridge_grad", ref.ridge_grad,
    [fixed(("a (2, 3) parameter, rate 0.1", "(2, 3) のパラメータ、rate 0.1"), param=PARAM, grad=GRAD, rate=0.1),
     fixed(("a vector, rate 0.5", "ベクトル、rate 0.5"), param=W_VECTOR, grad=[0.0, 1.0, -1.0, 0.25], rate=0.5),
     fixed(("rate 0: the gradient unchanged", "rate 0: 勾配はそのまま"), param=PARAM, grad=GRAD, rate=0.0)],
    generate=random_gradient_case, driver_options={"may_modify": ("grad",)},
    test_implementations=(ridge_in_place, lambda param, grad, rate: np.add(grad, np.multiply(rate, param))),
    mistakes=(
        mistake("penalty-not-gradient", lambda param, grad, rate: grad + rate * np.sum(param ** 2),
                lambda param, grad, rate: grad + rate * param ** 2,
                en="This adds the penalty (rate·Σw² or rate·w²), not its gradient. The gradient of ½·rate·Σw² "
                   "is rate·w: grad += rate * param.",
                ja="正則化項そのもの (rate·Σw² や rate·w²) を足しています。必要なのはその勾配です。"
                   "½·rate·Σw² の勾配は rate·w なので grad += rate * param としてください。"),
        mistake("summed-param", lambda param, grad, rate: grad + rate * np.sum(param),
                en="rate·Σw adds one number to every element. Each weight gets its own term: rate * param.",
                ja="rate·Σw はすべての要素に同じ 1 つの数を足します。重みごとの項 rate * param を足してください。"),
        mistake("forgets-grad", lambda param, grad, rate: rate * param,
                en="This returns only the penalty's gradient rate·w: add it to the loss gradient, "
                   "grad + rate * param.",
                ja="正則化項の勾配 rate·w だけを返しています。誤差の勾配に足してください: grad + rate * param。"),
    ),
    gradient_check=lambda impl: penalty_gradient(impl, lambda w: 0.5 * 0.3 * np.sum(w ** 2), 0.3),
)

exercise(
    "regularization.lasso_grad", ref.lasso_grad,
    [fixed(("a (2, 3) parameter with a zero, rate 0.1",
            "0 を含む (2, 3) のパラメータ、rate 0.1"), param=PARAM, grad=GRAD, rate=0.1),
     fixed(("a vector, rate 0.5", "ベクトル、rate 0.5"), param=W_VECTOR, grad=[0.0, 1.0, -1.0, 0.25], rate=0.5),
     fixed(("rate 0: the gradient unchanged", "rate 0: 勾配はそのまま"), param=PARAM, grad=GRAD, rate=0.0)],
    generate=random_gradient_case, driver_options={"may_modify": ("grad",)},
    test_implementations=(lasso_in_place,
                  lambda param, grad, rate: grad + rate * (np.greater(param, 0).astype(float) - (param < 0))),
    mistakes=(
        mistake("abs-not-sign", lambda param, grad, rate: grad + rate * np.abs(param),
                en="rate·|w| is the penalty, not its gradient. d|w|/dw = sign(w): grad += rate * np.sign(param).",
                ja="rate·|w| は正則化項そのもので、勾配ではありません。d|w|/dw = sign(w) なので "
                   "grad += rate * np.sign(param) としてください。"),
        mistake("clipped-not-sign", lambda param, grad, rate: grad + rate * np.maximum(param, 0),
                lambda param, grad, rate: grad + rate * np.minimum(param, 0),
                en="np.maximum/np.minimum(param, 0) keeps the weights' sizes. The gradient of |w| is −1, 0 or 1: "
                   "np.sign(param).",
                ja="np.maximum/np.minimum(param, 0) では重みの大きさが残ります。|w| の勾配は −1、0、1 のいずれか "
                   "(np.sign(param)) です。"),
        mistake("divides-by-abs", lambda param, grad, rate: grad + rate * param / np.abs(param),
                en="param / |param| is the sign except at 0, where it is 0/0 = nan. Use np.sign(param) "
                   "(sign(0) = 0).",
                ja="param / |param| は 0 以外では符号ですが、0 では 0/0 = nan になります。np.sign(param) を使って"
                   "ください (sign(0) = 0)。"),
        mistake("forgets-grad", lambda param, grad, rate: rate * np.sign(param),
                en="This returns only the penalty's gradient rate·sign(w): add it to the loss gradient, "
                   "grad + rate * np.sign(param).",
                ja="正則化項の勾配 rate·sign(w) だけを返しています。誤差の勾配に足してください: "
                   "grad + rate * np.sign(param)。"),
    ),
    gradient_check=lambda impl: penalty_gradient(impl, lambda w: 0.25 * np.sum(np.abs(w)), 0.25),
)


def elastic_net_in_place(param, grad, l1_rate, l2_rate):
    grad += l1_rate * np.sign(param)
    grad += l2_rate * param
    return grad


exercise(
    "regularization.elastic_net_grad", ref.elastic_net_grad,
    [fixed(("a (2, 3) parameter with a zero",
            "0 を含む (2, 3) のパラメータ"), param=PARAM, grad=GRAD, l1_rate=0.1, l2_rate=0.3),
     fixed(("a vector", "ベクトル"), param=W_VECTOR, grad=[0.0, 1.0, -1.0, 0.25], l1_rate=0.5, l2_rate=0.05),
     fixed(("l1_rate 0: ridge", "l1_rate 0: リッジ"), param=PARAM, grad=GRAD, l1_rate=0.0, l2_rate=0.2),
     fixed(("l2_rate 0: lasso", "l2_rate 0: ラッソ"), param=PARAM, grad=GRAD, l1_rate=0.2, l2_rate=0.0)],
    generate=lambda rng: random_gradient_case(rng, rates=("l1_rate", "l2_rate")),
    driver_options={"may_modify": ("grad",)},
    test_implementations=(elastic_net_in_place,
                  lambda param, grad, l1_rate, l2_rate: ref.ridge_grad(param, ref.lasso_grad(param, grad, l1_rate),
                                                                       l2_rate)),
    mistakes=(
        mistake("rates-swapped",
                lambda param, grad, l1_rate, l2_rate: grad + l1_rate * param + l2_rate * np.sign(param),
                en="The rates are swapped: l1_rate goes with sign(w) (from |w|) and l2_rate with w (from ½w²).",
                ja="係数が逆です。l1_rate は sign(w) (|w| の勾配) に、l2_rate は w (½w² の勾配) に掛けます。"),
        mistake("abs-not-sign", lambda param, grad, l1_rate, l2_rate: grad + l1_rate * np.abs(param) + l2_rate * param,
                en="The L1 term's gradient is l1_rate·sign(w), not l1_rate·|w| (that is the penalty itself).",
                ja="L1 項の勾配は l1_rate·sign(w) です。l1_rate·|w| は正則化項そのものです。"),
        mistake("l2-doubled",
                lambda param, grad, l1_rate, l2_rate: grad + l1_rate * np.sign(param) + 2 * l2_rate * param,
                en="With the course's L2 penalty ½·λ₂·Σw² (as in l2_penalty and ridge_grad) the gradient is λ₂·w, "
                   "not 2·λ₂·w.",
                ja="この講座の L2 正則化項は ½·λ₂·Σw² (l2_penalty や ridge_grad と同じ) なので、勾配は 2·λ₂·w では"
                   "なく λ₂·w です。"),
    ),
    gradient_check=lambda impl: penalty_gradient(
        impl, lambda w: 0.2 * np.sum(np.abs(w)) + 0.5 * 0.3 * np.sum(w ** 2), 0.2, 0.3),
)


# early stopping ---------------------------------------------------------------------------------

def random_losses_case(rng):
    epochs = int(rng.integers(1, 16))
    # a noisy decreasing curve rounded to 0.05, so that ties with the best loss occur
    losses = np.round((1.0 + np.cumsum(rng.normal(-0.03, 0.1, size=epochs))) * 20.0) / 20.0
    return {"val_losses": losses, "patience": int(rng.integers(1, 5))}


def stops_late(val_losses, patience):
    best, waited = np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, waited = loss, 0
        else:
            waited += 1
            if waited > patience:
                return epoch
    return len(val_losses) - 1


def compares_previous(val_losses, patience):
    previous, waited = np.inf, 0
    for epoch, loss in enumerate(val_losses):
        waited = 0 if loss < previous else waited + 1
        previous = loss
        if waited >= patience:
            return epoch
    return len(val_losses) - 1


def ties_improve(val_losses, patience):
    best, waited = np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss <= best:
            best, waited = loss, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch
    return len(val_losses) - 1


def counter_never_reset(val_losses, patience):
    best, waited = np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best = loss
        else:
            waited += 1
            if waited >= patience:
                return epoch
    return len(val_losses) - 1


def length_if_never(val_losses, patience):
    best, waited = np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, waited = loss, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch
    return len(val_losses)


def stops_by_window(val_losses, patience):
    """The definition read literally: the first e whose last `patience` epochs never beat the best before them."""
    improved = [loss < min(val_losses[:e], default=np.inf) for e, loss in enumerate(val_losses)]
    for epoch in range(patience - 1, len(val_losses)):
        if not any(improved[epoch - patience + 1:epoch + 1]):
            return epoch
    return len(val_losses) - 1


exercise(
    "regularization.early_stopping_epoch", ref.early_stopping_epoch,
    [fixed(("the catalog's example, patience 2",
            "課題一覧の例、patience 2"), val_losses=[1.0, 0.8, 0.9, 0.85, 0.95], patience=2),
     fixed(("always improving: runs to the end",
            "常に改善: 最後まで続く"), val_losses=[1.0, 0.9, 0.8, 0.7], patience=2),
     fixed(("ties with the best do not improve",
            "最良と同じ値は改善ではない"), val_losses=[1.0, 0.5, 0.5, 0.5, 0.4], patience=2),
     fixed(("worse, then better but not the best",
            "悪化の後に改善、ただし最良ではない"), val_losses=[1.0, 0.5, 0.9, 0.8, 0.7, 0.6], patience=3),
     fixed(("two separate bad epochs, patience 2",
            "離れた 2 つの悪いエポック、patience 2"), val_losses=[1.0, 1.1, 0.9, 1.0, 0.8, 0.7], patience=2),
     fixed("patience 1", val_losses=[0.5, 0.6, 0.4], patience=1),
     fixed(("one epoch", "1 エポック"), val_losses=[0.3], patience=1)],
    generate=random_losses_case,
    test_implementations=(stops_by_window,),
    mistakes=(
        mistake("late-by-one", stops_late,
                en="It stops one epoch late: stop as soon as `patience` epochs in a row did not improve "
                   "(counter >= patience).",
                ja="1 エポック遅れて止まっています。改善しないエポックが patience 回続いた時点 "
                   "(カウンタ >= patience) で止めてください。"),
        mistake("compares-previous", compares_previous,
                en="Compare each loss with the best loss so far, not with the previous epoch's: a loss that is "
                   "lower than the last one but above the best is no improvement.",
                ja="直前のエポックではなく、それまでの最良の損失と比べてください。直前より下がっても最良値より"
                   "大きければ改善ではありません。"),
        mistake("ties-improve", ties_improve,
                en="A loss equal to the best is no improvement: use a strict comparison, loss < best.",
                ja="最良値と等しい損失は改善ではありません。厳密な比較 loss < best を使ってください。"),
        mistake("counter-not-reset", counter_never_reset,
                en="The counter must go back to 0 whenever the loss improves; it counts epochs in a row "
                   "without improvement, not all of them.",
                ja="損失が改善したらカウンタを 0 に戻してください。数えるのは改善しないエポックの連続回数で、"
                   "合計ではありません。"),
        mistake("best-epoch", lambda val_losses, patience: int(np.argmin(val_losses)),
                en="This is the epoch with the lowest loss (the weights one would restore), not the epoch at "
                   "which training stops.",
                ja="これは損失が最小のエポック (復元する重みのエポック) で、学習を止めるエポックではありません。"),
        mistake("length-if-never", length_if_never,
                en="When training never stops early it ends at the last epoch, whose index is "
                   "len(val_losses) − 1.",
                ja="早期終了しない場合は最後のエポックで終わります。その添字は len(val_losses) − 1 です。"),
    ),
)
