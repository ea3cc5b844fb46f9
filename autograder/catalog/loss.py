"""Loss functions (Day 1, section 3): reference, cases, accepted conventions, test implementations, mistakes."""
import numpy as np

from reference import loss as ref
from reference.activation import softmax

from ..gradcheck import numerical_gradient
from ..registry import exercise, fixed, mistake

# The material's fruit example q = (0.8, 0.1, 0.1) (banana is true: −ln 0.8 ≈ 0.2231), and a batch
# with a probability of 0 in a wrong class (0·log 0 must not become nan), labelled by index.
FRUIT = [0.8, 0.1, 0.1]
BATCH = [[0.1, 0.7, 0.2, 0.0], [0.25, 0.25, 0.25, 0.25], [0.05, 0.05, 0.3, 0.6]]
BATCH_LABELS = np.array([1, 0, 3])


def one_hot(labels, k):
    return np.eye(k)[np.asarray(labels)]


def random_probabilities(rng, n, k):
    return rng.dirichlet(np.ones(k), size=n)


# sum_squared_error / mean_squared_error ------------------------------------------------------------

def random_regression(rng):
    shape = tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 3))))
    return {"y": rng.normal(0.0, 2.0, size=shape), "t": rng.normal(0.0, 2.0, size=shape)}


REGRESSION_CASES = [
    fixed(("the material's example: y = 33, t = 20", "教材の例: y = 33, t = 20"), y=[33.0], t=[20.0]),
    fixed(("three outputs", "3 つの出力"), y=[1.0, 2.0, 3.5], t=[1.5, 2.0, 2.0]),
    fixed(("a (2, 3) batch",
           "(2, 3) のバッチ"), y=[[0.2, -1.0, 4.0], [3.0, 0.0, -0.5]], t=[[0.0, -1.0, 2.5], [1.0, 0.5, -0.5]]),
]

exercise(
    "loss.sum_squared_error", ref.sum_squared_error, REGRESSION_CASES, generate=random_regression,
    test_implementations=(lambda y, t: 0.5 * float(np.dot(np.ravel(y - t), np.ravel(y - t))),
                  lambda y, t: float(np.sum((t - y) ** 2) / 2)),
    mistakes=(
        mistake("missing-half", lambda y, t: float(np.sum((y - t) ** 2)),
                en="This is Σ(y − t)²: the sum-of-squares error has a factor ½ in front, E = ½Σ(y − t)², "
                   "so that its derivative is simply y − t.",
                ja="Σ(y − t)² になっています。二乗和誤差は E = ½Σ(y − t)² で、½ があるので微分が y − t になります。"),
        mistake("mean-instead", lambda y, t: float(np.mean((y - t) ** 2)),
                en="This is the mean squared error; this exercise is the textbook's ½Σ(y − t)²: sum over every "
                   "element and multiply by ½, do not divide by the number of elements.",
                ja="これは平均二乗誤差です。この課題は教科書の ½Σ(y − t)² です。"
                   "要素数で割らず、全要素の和に ½ を掛けてください。"),
    ),
)

exercise(
    "loss.mean_squared_error", ref.mean_squared_error, REGRESSION_CASES, generate=random_regression,
    test_implementations=(lambda y, t: float(np.sum((y - t) ** 2) / np.size(y)),
                  lambda y, t: float(np.square(np.subtract(t, y)).mean())),
    mistakes=(
        mistake("half-sum", lambda y, t: float(0.5 * np.sum((y - t) ** 2)),
                en="This is ½Σ(y − t)², the textbook's sum-of-squares error. The mean squared error divides the "
                   "sum of squares by the number of elements, with no ½: (20 − 33)² / 1 = 169.",
                ja="これは教科書の二乗和誤差 ½Σ(y − t)² です。平均二乗誤差は二乗の和を要素数で割り、½ は付けません: "
                   "(20 − 33)² / 1 = 169。"),
        mistake("sum-not-mean", lambda y, t: float(np.sum((t - y) ** 2)),
                en="This sums the squared errors without dividing by their number: use np.mean((t - y) ** 2).",
                ja="二乗誤差を合計したまま、要素数で割っていません。np.mean((t - y) ** 2) を使ってください。"),
        mistake("root-mean", lambda y, t: float(np.sqrt(np.mean((t - y) ** 2))),
                en="This is the root of the mean squared error (RMSE); the MSE has no square root.",
                ja="これは平均二乗誤差の平方根 (RMSE) です。MSE には平方根を付けません。"),
    ),
)


# cross_entropy_error --------------------------------------------------------------------------------

def random_classification(rng):
    """Softmax-like probabilities with labels as one-hot rows or indices, for one sample or a batch."""
    n, k = int(rng.integers(1, 6)), int(rng.integers(2, 7))
    y = random_probabilities(rng, n, k)
    labels = rng.integers(0, k, size=n)
    t = one_hot(labels, k) if rng.random() < 0.5 else labels
    if n == 1 and rng.random() < 0.5:  # one sample as (K,), its label one-hot (K,) or a scalar index
        y, t = y[0], t[0]
    return {"y": y, "t": t}


def _rows(y, t):
    """A learner's way of accepting both label forms (the textbook's reshape and argmax)."""
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    return y, t


def textbook_cross_entropy(y, t):
    y, t = _rows(y, t)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


def one_hot_cross_entropy(y, t):
    y, t = _rows(y, t)
    t = np.eye(y.shape[1])[t]
    return float(-np.sum(t * np.log(y + 1e-7)) / y.shape[0])


def cross_entropy_log10(y, t):
    y, t = _rows(y, t)
    return float(-np.mean(np.log10(y[np.arange(len(y)), t] + 1e-7)))


def cross_entropy_summed(y, t):
    y, t = _rows(y, t)
    return float(-np.sum(np.log(y[np.arange(len(y)), t] + 1e-7)))


def cross_entropy_no_delta(y, t):
    y, t = _rows(y, t)
    return float(-np.mean(np.log(y[np.arange(len(y)), t])))


def one_hot_cross_entropy_no_delta(y, t):
    y, t = _rows(y, t)
    t = np.eye(y.shape[1])[t]
    return float(-np.sum(t * np.log(y)) / y.shape[0])


def cross_entropy_one_hot_only(y, t):
    if y.ndim == 1:
        t = t.reshape(1, -1)
        y = y.reshape(1, -1)
    return float(-np.sum(t * np.log(y + 1e-7)) / y.shape[0])


def clipped_cross_entropy(y, t):
    if y.ndim == 1:
        y, t = y[np.newaxis], np.reshape(t, (1, -1)) if np.ndim(t) else np.reshape(t, (1,))
    if t.size == y.size:
        t = t.argmax(axis=1)
    return float(-np.mean(np.log(np.clip(y[np.arange(len(y)), t], 1e-7, 1.0))))


exercise(
    "loss.cross_entropy_error", ref.cross_entropy_error,
    [fixed(("the material's example: q = (0.8, 0.1, 0.1), first class true (−ln 0.8 ≈ 0.2231)",
            "教材の例: q = (0.8, 0.1, 0.1)、正解は最初のクラス (−ln 0.8 ≈ 0.2231)"),
           y=FRUIT, t=[1.0, 0.0, 0.0]),
     fixed(("q = (0.8, 0.1, 0.1) with the label as an index",
            "q = (0.8, 0.1, 0.1)、ラベルはインデックス"), y=FRUIT, t=np.array(0)),
     fixed(("the material's second example: q = (0.3, 0.4, 0.3)",
            "教材の 2 つ目の例: q = (0.3, 0.4, 0.3)"), y=[0.3, 0.4, 0.3], t=[1.0, 0.0, 0.0]),
     fixed(("a batch of 3, one-hot labels",
            "3 サンプルのバッチ、one-hot ラベル"), y=BATCH, t=one_hot(BATCH_LABELS, 4)),
     fixed(("a batch of 3, label indices", "3 サンプルのバッチ、ラベルのインデックス"), y=BATCH, t=BATCH_LABELS),
     fixed(("a true-class probability of 0 (finite thanks to δ = 1e-7)",
            "正解クラスの確率が 0 (δ = 1e-7 のおかげで有限)"),
           y=[[0.0, 1.0, 0.0], [0.1, 0.2, 0.7]], t=np.array([0, 2]))],
    generate=random_classification,
    # Clipping the probabilities at δ instead of adding δ is as good: the two differ by at most
    # δ / (p·|ln p|) relative, < 1e-5 for the probabilities drawn here.
    rtol=1e-5,
    test_implementations=(textbook_cross_entropy, one_hot_cross_entropy, clipped_cross_entropy),
    stability=True,  # the catalog: a warning or a non-finite value fails
    mistakes=(
        mistake("log10", cross_entropy_log10,
                en="This uses the base-10 logarithm: cross entropy uses the natural log, np.log "
                   "(−ln 0.8 ≈ 0.223, not 0.097).",
                ja="常用対数 (底 10) を使っています。交差エントロピーは自然対数 np.log を使います "
                   "(−ln 0.8 ≈ 0.223 であり 0.097 ではありません)。"),
        mistake("no-batch-mean", cross_entropy_summed,
                en="This sums the loss over the batch: divide by the batch size N to get the mean, so the "
                   "loss does not grow with the batch.",
                ja="バッチ全体で損失を合計しています。バッチサイズ N で割って平均にしてください "
                   "(バッチが大きくても損失が増えないように)。"),
        mistake("no-delta", cross_entropy_no_delta, one_hot_cross_entropy_no_delta,
                en="log(0) is −inf (and 0·log 0 is nan) when a probability is 0: add a small δ = 1e-7 inside "
                   "the log, np.log(y + 1e-7), as the material does.",
                ja="確率が 0 のとき log(0) は −inf (0·log 0 は nan) になります。教材と同じく log の中に "
                   "δ = 1e-7 を足してください: np.log(y + 1e-7)。"),
        mistake("one-hot-only", cross_entropy_one_hot_only,
                en="This only works when t is one-hot. When t holds class indices, pick each row's "
                   "probability with y[np.arange(N), t] (or convert t with t.argmax(axis=1) when t.size == y.size).",
                ja="t が one-hot のときしか正しく動きません。t がクラス番号のときは y[np.arange(N), t] で各行の"
                   "正解クラスの確率を取り出してください (t.size == y.size なら t.argmax(axis=1) で番号に変換)。"),
    ),
)


# binary_cross_entropy --------------------------------------------------------------------------------

def random_binary(rng):
    """Probabilities kept in [0.02, 0.98]: there any δ from 0 to 1e-7 changes the loss by < 1e-5 relative."""
    shape = tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 3))))
    o = rng.uniform(0.02, 0.98, size=shape)
    t = rng.integers(0, 2, size=shape).astype(np.float64)
    if rng.random() < 0.2:  # soft targets
        t = rng.uniform(0.0, 1.0, size=shape)
    return {"o": o, "t": t}


def bce_with_delta(delta):
    def bce(o, t):
        return float(-np.mean(t * np.log(o + delta) + (1 - t) * np.log(1 - o + delta)))
    return bce


def bce_clipped(o, t):
    """Clipping o into [1e-7, 1 − 1e-7] instead of adding δ."""
    o = np.clip(o, 1e-7, 1 - 1e-7)
    return float(-np.mean(t * np.log(o) + (1 - t) * np.log(1 - o)))


exercise(
    "loss.binary_cross_entropy", ref.binary_cross_entropy,
    [fixed(("three outputs", "3 つの出力"), o=[0.9, 0.2, 0.6], t=[1.0, 0.0, 1.0]),
     fixed(("confident and right", "自信をもって正解"), o=[0.98, 0.02], t=[1.0, 0.0]),
     fixed(("confident and wrong", "自信をもって不正解"), o=[0.98, 0.02], t=[0.0, 1.0]),
     fixed(("a (2, 3) multi-label batch", "(2, 3) のマルチラベルのバッチ"), o=[[0.7, 0.1, 0.5], [0.3, 0.95, 0.05]],
           t=[[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]),
     fixed(("soft targets", "ソフトターゲット"), o=[0.3, 0.7], t=[0.5, 0.25])],
    generate=random_binary,
    # δ from 0 to 1e-7: at o in [0.02, 0.98] it changes each term by < 1e-5 of its value.
    rtol=1e-5, atol=1e-10,
    accepted_conventions=(bce_with_delta(0.0),),
    test_implementations=(bce_with_delta(5e-8), bce_clipped),
    mistakes=(
        mistake("missing-negative-term", lambda o, t: float(-np.mean(t * np.log(o + 1e-7))),
                en="The term for t = 0 is missing: BCE = −mean(t·log(o) + (1 − t)·log(1 − o)); without the second "
                   "term a wrong prediction for a 0 target costs nothing.",
                ja="t = 0 の項が抜けています。BCE = −mean(t·log(o) + (1 − t)·log(1 − o)) です。第 2 項がないと、"
                   "正解が 0 のときの誤った予測に損失がかかりません。"),
        mistake("sum-not-mean", lambda o, t: float(-np.sum(t * np.log(o + 1e-7) + (1 - t) * np.log(1 - o + 1e-7))),
                en="This sums over the elements: the loss is the mean, −(1/n)Σ[...]; use np.mean.",
                ja="要素について合計しています。損失は平均 −(1/n)Σ[...] です。np.mean を使ってください。"),
        mistake("log10", lambda o, t: float(-np.mean(t * np.log10(o + 1e-7) + (1 - t) * np.log10(1 - o + 1e-7))),
                en="This uses the base-10 logarithm: use the natural log, np.log.",
                ja="常用対数 (底 10) を使っています。自然対数 np.log を使ってください。"),
    ),
)


# bce_with_logits ------------------------------------------------------------------------------------

def random_logits(rng):
    shape = tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 3))))
    z = rng.normal(0.0, 4.0, size=shape)
    if rng.random() < 0.3:
        z[tuple(rng.integers(0, n) for n in shape)] = rng.choice([-1.0, 1.0]) * rng.uniform(500.0, 1000.0)
    return {"z": z, "t": rng.integers(0, 2, size=shape).astype(np.float64)}


def naive_bce_with_logits(z, t):
    o = 1.0 / (1.0 + np.exp(-z))
    return float(-np.mean(t * np.log(o) + (1 - t) * np.log(1 - o)))


def naive_bce_with_logits_delta(z, t):
    o = 1.0 / (1.0 + np.exp(-z))
    return float(-np.mean(t * np.log(o + 1e-7) + (1 - t) * np.log(1 - o + 1e-7)))


exercise(
    "loss.bce_with_logits", ref.bce_with_logits,
    [fixed(("three logits", "3 つのロジット"), z=[2.0, -1.0, 0.0], t=[1.0, 0.0, 1.0]),
     fixed(("z = ±1000, right", "z = ±1000、正解"), z=[1000.0, -1000.0], t=[1.0, 0.0]),
     fixed(("z = ±1000, wrong (loss 1000 each)",
            "z = ±1000、不正解 (損失はそれぞれ 1000)"), z=[1000.0, -1000.0], t=[0.0, 1.0]),
     fixed(("a (2, 3) batch",
            "(2, 3) のバッチ"), z=[[3.0, -0.5, 30.0], [-30.0, 0.25, -4.0]], t=[[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]),
     fixed(("confident and right at |z| = 30, 40: a loss of 6.3e-14",
            "|z| = 30, 40 で自信をもって正解: 損失は 6.3e-14"), z=[30.0, -30.0, 40.0], t=[1.0, 0.0, 1.0])],
    generate=random_logits,
    # A loss of 0 at z = ±1000 (right) is exact, and small losses count: an absolute error of 1e-12
    # (an ε inside a log) fails. Not 0: log(1 + e^(−|z|)) and logaddexp, both right, keep a loss of
    # 6e-14 to an absolute 4e-15 only.
    atol=1e-14,
    test_implementations=(lambda z, t: float(np.mean(np.logaddexp(0.0, z) - z * t)),
                  lambda z, t: float(np.mean(t * np.logaddexp(0.0, -z) + (1 - t) * np.logaddexp(0.0, z)))),
    wrong_implementations=(
        lambda z, t: float(np.mean(np.maximum(z, 0.0) - z * t + np.log(1.0 + np.exp(-np.abs(z)) + 1e-12))),
        lambda z, t: ref.binary_cross_entropy(np.clip(0.5 * (1.0 + np.tanh(0.5 * z)), 1e-12, 1.0 - 1e-12), t),
        lambda z, t: float(np.mean(np.logaddexp(0.0, np.clip(z, -30.0, 30.0)) - np.clip(z, -30.0, 30.0) * t)),
    ),
    stability=True,  # the catalog: a warning or a non-finite value fails
    mistakes=(
        mistake("unstable", naive_bce_with_logits, naive_bce_with_logits_delta,
                en="sigmoid followed by log loses everything for large |z|: σ(1000) rounds to 1, so log(1 − σ) "
                   "is −inf or log(δ). Compute from z directly: max(z, 0) − z·t + log(1 + e^(−|z|)) "
                   "(np.log1p(np.exp(-np.abs(z)))).",
                ja="シグモイドの後で log を取ると |z| が大きいときに情報が失われます (σ(1000) は 1 に丸められ "
                   "log(1 − σ) が −inf や log(δ) になります)。z から直接 max(z, 0) − z·t + log(1 + e^(−|z|)) "
                   "(np.log1p(np.exp(-np.abs(z)))) で計算してください。"),
        mistake("logits-as-probabilities", ref.binary_cross_entropy,
                en="z are logits (scores before the sigmoid), not probabilities: apply the sigmoid first, or use "
                   "the stable form max(z, 0) − z·t + log(1 + e^(−|z|)).",
                ja="z はシグモイドを通す前のスコア (ロジット) で、確率ではありません。先にシグモイドを適用するか、"
                   "安定な形 max(z, 0) − z·t + log(1 + e^(−|z|)) を使ってください。"),
        mistake("sum-not-mean", lambda z, t: float(np.sum(np.logaddexp(0.0, z) - z * t)),
                en="This sums over the elements: the loss is the mean over them; use np.mean.",
                ja="要素について合計しています。損失は要素の平均です。np.mean を使ってください。"),
    ),
)


# kl_divergence / js_divergence -----------------------------------------------------------------------

def random_distributions(rng):
    k = int(rng.integers(2, 8))
    p, q = random_probabilities(rng, 2, k)
    if rng.random() < 0.4:  # some outcomes impossible under p
        p[rng.random(k) < 0.3] = 0.0
        if p.sum() == 0:
            p[0] = 1.0
        p /= p.sum()
    return {"p": p, "q": q}


def kl_without_zero_rule(p, q):
    return float(np.sum(p * np.log(p / q)))


def kl_with_where(p, q):
    support = p > 0  # np.where evaluates both branches: keep log's argument positive everywhere
    ratio = np.where(support, p, 1.0) / np.where(support, q, 1.0)
    return float(np.sum(np.where(support, p * np.log(ratio), 0.0)))


def kl_with_scipy(p, q):
    from scipy.special import rel_entr
    return float(np.sum(rel_entr(p, q)))


def kl_by_loop(p, q):
    total = 0.0
    for pk, qk in zip(p, q):
        if pk > 0:
            total += pk * (np.log(pk) - np.log(qk))
    return total


exercise(
    "loss.kl_divergence", ref.kl_divergence,
    [fixed(("three outcomes", "3 つの事象"), p=[0.5, 0.3, 0.2], q=[0.4, 0.4, 0.2]),
     fixed(("p = 0 for one outcome (its term counts 0)",
            "1 つの事象で p = 0 (その項は 0 と数える)"), p=[0.0, 0.5, 0.5], q=[0.2, 0.3, 0.5]),
     fixed(("p = q: divergence 0",
            "p = q: ダイバージェンスは 0"), p=[0.25, 0.25, 0.25, 0.25], q=[0.25, 0.25, 0.25, 0.25]),
     fixed(("p = q with a shared zero", "共通の 0 を含む p = q"), p=[0.0, 0.6, 0.4], q=[0.0, 0.6, 0.4])],
    generate=random_distributions,
    test_implementations=(kl_with_where, kl_with_scipy, kl_by_loop),
    mistakes=(
        mistake("zero-p-nan", kl_without_zero_rule,
                en="Where p = 0, p·log(p/q) is 0·(−inf) = nan in NumPy: those terms count 0 (the limit of p log p). "
                   "Sum only over p > 0, e.g. mask = p > 0; np.sum(p[mask] * np.log(p[mask] / q[mask])).",
                ja="p = 0 のところで p·log(p/q) は NumPy では 0·(−inf) = nan になります。これらの項は 0 として扱います "
                   "(p log p の極限)。mask = p > 0 として np.sum(p[mask] * np.log(p[mask] / q[mask])) のように "
                   "p > 0 の項だけを足してください。"),
        mistake("swapped-arguments", lambda p, q: kl_with_where(q, p),
                en="This is KL(q‖p): KL is not symmetric. KL(p‖q) = Σ p·log(p/q), weighted by p.",
                ja="KL(q‖p) を計算しています。KL は対称ではありません。KL(p‖q) = Σ p·log(p/q) で、重みは p です。"),
        mistake("cross-entropy-instead", lambda p, q: float(-np.sum(p * np.log(q))),
                en="−Σ p·log q is the cross entropy H(p, q) = H(p) + KL(p‖q): subtract the entropy, i.e. use "
                   "Σ p·log(p/q). KL(p‖p) must be 0.",
                ja="−Σ p·log q は交差エントロピー H(p, q) = H(p) + KL(p‖q) です。エントロピーを引いた "
                   "Σ p·log(p/q) を計算してください。KL(p‖p) は 0 になるはずです。"),
    ),
)


def js_with(kl):
    def js(p, q):
        m = (p + q) / 2
        return 0.5 * kl(p, m) + 0.5 * kl(q, m)
    return js


def entropy(p):
    support = p > 0
    return float(-np.sum(p[support] * np.log(p[support])))


def js_by_entropies(p, q):
    """JS = H(m) − ½H(p) − ½H(q): the entropy of the mixture minus the mean entropy."""
    return entropy((p + q) / 2) - 0.5 * entropy(p) - 0.5 * entropy(q)


exercise(
    "loss.js_divergence", ref.js_divergence,
    [fixed(("three outcomes", "3 つの事象"), p=[0.5, 0.3, 0.2], q=[0.1, 0.3, 0.6]),
     fixed(("no outcome in common: ln 2", "共通の事象なし: ln 2"), p=[1.0, 0.0], q=[0.0, 1.0]),
     fixed(("p = 0 for one outcome", "1 つの事象で p = 0"), p=[0.0, 0.5, 0.5], q=[0.2, 0.3, 0.5]),
     fixed(("p = q: divergence 0", "p = q: ダイバージェンスは 0"), p=[0.2, 0.3, 0.5], q=[0.2, 0.3, 0.5])],
    generate=random_distributions,
    test_implementations=(js_with(kl_with_scipy), js_by_entropies),
    mistakes=(
        mistake("missing-half", lambda p, q: kl_with_where(p, (p + q) / 2) + kl_with_where(q, (p + q) / 2),
                en="Each KL term has weight ½: JS = ½KL(p‖m) + ½KL(q‖m), at most ln 2.",
                ja="それぞれの KL に ½ を掛けます: JS = ½KL(p‖m) + ½KL(q‖m) (最大値は ln 2)。"),
        mistake("kl-between-p-and-q", lambda p, q: 0.5 * kl_without_zero_rule(p, q) + 0.5 * kl_without_zero_rule(q, p),
                en="JS compares p and q each with their mixture m = (p + q)/2, not with each other: "
                   "JS = ½KL(p‖m) + ½KL(q‖m). That also keeps it finite where p or q is 0.",
                ja="JS は p と q を互いにではなく、それぞれの混合 m = (p + q)/2 と比べます: JS = ½KL(p‖m) + ½KL(q‖m)。"
                   "こうすると p や q が 0 のところでも有限になります。"),
        mistake("m-not-halved", lambda p, q: 0.5 * kl_with_where(p, p + q) + 0.5 * kl_with_where(q, p + q),
                en="The mixture is the average m = (p + q)/2, a distribution that sums to 1; p + q sums to 2.",
                ja="混合分布は平均 m = (p + q)/2 です (和が 1 の分布)。p + q の和は 2 になってしまいます。"),
        mistake("zero-p-nan", js_with(kl_without_zero_rule),
                en="Where p (or q) is 0, p·log(p/m) is 0·(−inf) = nan in NumPy: those terms count 0. Sum only over "
                   "the outcomes where p > 0 (and q > 0 for the second KL).",
                ja="p (または q) が 0 のところで p·log(p/m) は NumPy では 0·(−inf) = nan になります。これらの項は 0 と"
                   "して扱い、p > 0 (2 つ目の KL では q > 0) の項だけを足してください。"),
    ),
)


# wasserstein_1d ---------------------------------------------------------------------------------------

def random_histograms(rng):
    k = int(rng.integers(2, 10))
    p, q = random_probabilities(rng, 2, k)
    return {"p": p, "q": q, "dx": float(rng.uniform(0.1, 2.0))}


def wasserstein_by_transport(p, q, dx=1.0):
    """Move mass left to right: what has to cross each gap is the running surplus of p over q."""
    carried, total = 0.0, 0.0
    for pk, qk in zip(p, q):
        carried += pk - qk
        total += abs(carried) * dx
    return total


exercise(
    "loss.wasserstein_1d", ref.wasserstein_1d,
    [fixed(("all mass moved from the first to the last point, dx = 0.5",
            "最初の点から最後の点へすべての質量を移す、dx = 0.5"), p=[1.0, 0.0, 0.0], q=[0.0, 0.0, 1.0], dx=0.5),
     fixed(("three points, dx = 1", "3 点、dx = 1"), p=[0.2, 0.5, 0.3], q=[0.3, 0.3, 0.4], dx=1.0),
     fixed(("five points, default dx",
            "5 点、dx は既定値"), p=[0.1, 0.2, 0.4, 0.2, 0.1], q=[0.3, 0.3, 0.2, 0.1, 0.1]),
     fixed(("p = q: distance 0", "p = q: 距離は 0"), p=[0.5, 0.25, 0.25], q=[0.5, 0.25, 0.25], dx=2.0)],
    generate=random_histograms,
    test_implementations=(wasserstein_by_transport,
                  lambda p, q, dx=1.0: float(np.abs(np.cumsum(p - q)).sum() * dx)),
    mistakes=(
        mistake("pdf-not-cdf", lambda p, q, dx=1.0: float(np.sum(np.abs(p - q)) * dx),
                en="This compares the histograms point by point; the earth mover's distance compares the cumulative "
                   "sums (np.cumsum), so moving mass further costs more.",
                ja="ヒストグラムを点ごとに比べています。Wasserstein 距離は累積和 (np.cumsum) どうしを比べるので、"
                   "遠くへ運ぶほどコストが大きくなります。"),
        mistake("missing-dx", lambda p, q, dx=1.0: float(np.sum(np.abs(np.cumsum(p) - np.cumsum(q)))),
                en="Multiply by the grid spacing dx: the distance is measured in the grid's units.",
                ja="格子の間隔 dx を掛けてください。距離は格子の単位で測ります。"),
        mistake("no-abs", lambda p, q, dx=1.0: float(np.sum(np.cumsum(p) - np.cumsum(q)) * dx),
                en="Take the absolute value of each CDF difference before summing; otherwise mass moved right "
                   "and mass moved left cancel out.",
                ja="累積分布の差は足す前に絶対値を取ってください。そうしないと右へ運ぶ量と左へ運ぶ量が打ち消し合います。"),
    ),
)


# softmax_cross_entropy_grad ---------------------------------------------------------------------------

def random_softmax_grad(rng):
    """Batches (N, K) only, as the material's SoftmaxWithLoss.backward takes them (N from t.shape[0])."""
    n, k = int(rng.integers(1, 6)), int(rng.integers(2, 7))
    labels = rng.integers(0, k, size=n)
    return {"y": softmax(rng.normal(0.0, 2.0, size=(n, k))),
            "t": np.eye(k)[labels] if rng.random() < 0.5 else labels}


def grad_by_one_hot(y, t):
    y2, t2 = _rows(y, t)
    t2 = np.eye(y2.shape[1])[t2]
    return ((y2 - t2) / y2.shape[0]).reshape(np.shape(y))


def grad_textbook(y, t):
    """The material's SoftmaxWithLoss.backward."""
    batch_size = t.shape[0]
    if t.size == y.size:
        return (y - t) / batch_size
    dx = y.copy()
    dx[np.arange(batch_size), t] -= 1
    return dx / batch_size


def grad_summed(y, t):
    return grad_by_one_hot(y, t) * y.shape[0]


def grad_one_hot_only(y, t):
    return (y - t) / y.shape[0]


def mean_log_softmax_loss(x, labels):
    """Mean cross entropy of softmax(x) computed from the scores, exactly (no δ)."""
    shifted = x - x.max(axis=1, keepdims=True)
    log_y = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.mean(log_y[np.arange(len(x)), labels]))


def softmax_cross_entropy_gradients(implementation):
    """The gradient from y = softmax(x) against central differences of the mean loss in x."""
    x = np.array([[0.3, -1.2, 2.0, 0.5], [1.5, 0.2, -0.7, 0.0], [-2.0, 1.0, 0.4, 0.9]])
    labels = np.array([2, 0, 3])
    numeric = numerical_gradient(lambda: mean_log_softmax_loss(x, labels), x)
    y = softmax(x)
    return [("dL/dx, label indices", implementation(y.copy(), labels.copy()), numeric),
            ("dL/dx, one-hot labels", implementation(y.copy(), one_hot(labels, 4)), numeric)]


exercise(
    "loss.softmax_cross_entropy_grad", ref.softmax_cross_entropy_grad,
    [fixed(("a batch of 2, one-hot labels",
            "2 サンプルのバッチ、one-hot ラベル"),
           y=[[0.1, 0.7, 0.2], [0.3, 0.3, 0.4]], t=[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),
     fixed(("a batch of 2, label indices",
            "2 サンプルのバッチ、ラベルのインデックス"), y=[[0.1, 0.7, 0.2], [0.3, 0.3, 0.4]], t=np.array([1, 0])),
     fixed(("one sample as a (1, 3) batch, index label",
            "(1, 3) のバッチとしての 1 サンプル、ラベルはインデックス"), y=[FRUIT], t=np.array([0])),
     fixed(("a batch of 3, label indices", "3 サンプルのバッチ、ラベルのインデックス"), y=BATCH, t=BATCH_LABELS)],
    generate=random_softmax_grad,
    test_implementations=(grad_by_one_hot, grad_textbook),
    mistakes=(
        mistake("no-batch-mean", grad_summed,
                en="The loss is the mean over the batch, so its gradient is (y − t)/N: divide by the batch size.",
                ja="損失はバッチの平均なので、勾配は (y − t)/N です。バッチサイズで割ってください。"),
        mistake("sign-flipped", lambda y, t: -grad_by_one_hot(y, t),
                en="The sign is flipped: the gradient is (y − t)/N, positive for the wrong classes.",
                ja="符号が逆です。勾配は (y − t)/N で、正解でないクラスでは正になります。"),
        mistake("one-hot-only", grad_one_hot_only,
                en="y − t only works when t is one-hot. When t holds class indices, subtract 1 at each row's true "
                   "class: g = y.copy(); g[np.arange(N), t] -= 1; then divide by N.",
                ja="y − t は t が one-hot のときしか使えません。t がクラス番号のときは各行の正解クラスから 1 を引きます: "
                   "g = y.copy(); g[np.arange(N), t] -= 1 とし、N で割ってください。"),
    ),
    gradient_check=softmax_cross_entropy_gradients,
)
