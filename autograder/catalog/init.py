"""Weight initialisation (Day 2, section 1): reference, cases, test implementations, mistakes.

Initialisers draw from NumPy's global generator, so they are checked by the ``weight_statistics``
property driver (``autograder.runtime.properties``): the shape, the measured standard deviation, a
zero mean and a normal shape, on layers of at least 50 000 weights. There the standard deviation is
measured to about 0.32 % (one standard error, 1/√(2·50 000)), and a correct answer's differs from
the reference's by about 0.45 %: RTOL = 5 % is eleven times that, while the closest mistake it
must catch (Glorot's std √(2/(n_in + n_out)) on a 200 → 400 layer) is 18 % off. The mean must lie
within 10 standard errors of 0, 10·std/√M ≤ 0.045·std for M ≥ 50 000 weights: weights whose mean is
0.1·std fail (a wrong implementation of each initialiser shows it).
"""
import numpy as np

from reference import init as ref

from ..registry import exercise, fixed, mistake

RTOL = 0.05
ATOL = 1e-12
# Layer sizes: n_in ≠ n_out everywhere, so a transposed shape or the wrong fan shows.
LAYERS = [(200, 400), (500, 100), (320, 160)]
MIN_WEIGHTS = 50_000  # the driver's statistics need at least this many weights (see properties.py)

# A student's np.random.default_rng() draws from fresh OS entropy; the mistakes that stand for it use
# this seed instead, so that a release writes the same fixture bytes every time (any seed but the
# catalog's would do: what matters is that the draws ignore NumPy's global generator).
UNSEEDED_STAND_IN = 20261203


def random_seed(rng):
    return int(rng.integers(0, 2**31 - 1))


def random_layer(rng):
    n_in = int(rng.integers(100, 501))
    n_out = -(-MIN_WEIGHTS // n_in) + int(rng.integers(0, 50))  # just over MIN_WEIGHTS: keeps checks fast
    return {"n_in": n_in, "n_out": n_out}


def stream_mistakes(scaled_normal):
    """The known ways of breaking NumPy's global stream, for an initialiser written as
    ``scaled_normal(normal, n_in, n_out, ...)`` around a standard-normal sampler ``normal(shape)``."""
    def reseeded(*args):
        np.random.seed(0)
        return scaled_normal(np.random.standard_normal, *args)

    def fixed_generator(*args):
        return scaled_normal(np.random.default_rng(0).standard_normal, *args)

    def fresh_generator(*args):
        # default_rng() as a student writes it, seeded here only so that the saved fixtures stay the same
        return scaled_normal(np.random.default_rng(UNSEEDED_STAND_IN).standard_normal, *args)

    return (
        mistake("reseeded", reseeded,
                en="np.random.seed inside the function makes every layer start from the same weights (and resets "
                   "the caller's random stream). Draw from the global generator without seeding it: seed once, "
                   "outside, if a run must be repeatable.",
                ja="関数の中で np.random.seed を呼ぶと、どの層も同じ重みになります (呼び出し側の乱数の流れもリセット"
                   "されます)。シードを設定せずにグローバルな乱数生成器から引いてください。再現性が必要なら、シードは"
                   "関数の外で 1 回だけ設定します。"),
        mistake("own-generator", fixed_generator, fresh_generator,
                en="np.random.default_rng makes a generator of its own, so np.random.seed no longer makes a run "
                   "repeatable (and default_rng(0) gives every layer the same weights). The course's components "
                   "draw from NumPy's global generator: np.random.randn(n_in, n_out).",
                ja="np.random.default_rng は独自の乱数生成器を作るため、np.random.seed で結果を再現できなくなります "
                   "(default_rng(0) ではどの層も同じ重みになります)。この講座ではグローバルな乱数生成器から引きます: "
                   "np.random.randn(n_in, n_out)。"),
    )


def cached(initialiser):
    """Draws once per shape and returns the same array again: two layers share their weights."""
    drawn = {}

    def cached_initialiser(*args):
        if args not in drawn:
            drawn[args] = initialiser(*args)
        return drawn[args]
    return cached_initialiser


def mean_shifted(initialiser, std_of):
    """Right spread, mean 0.1·std: ten times the tolerance of the mean-0 check (see init's module doc)."""
    def shifted(*args):
        return initialiser(*args) + 0.1 * std_of(*args)
    return shifted


def layer_cases(**extra):
    return [fixed(f"n_in = {n_in}, n_out = {n_out}", n_in=n_in, n_out=n_out, **extra, seed=seed)
            for seed, (n_in, n_out) in enumerate(LAYERS)]


# gaussian ---------------------------------------------------------------------------------------

def random_gaussian_case(rng):
    return {**random_layer(rng), "std": float(np.exp(rng.uniform(np.log(0.005), np.log(2.0)))),
            "seed": random_seed(rng)}


exercise(
    "init.gaussian", ref.gaussian,
    [fixed(("the default std = 0.01", "既定の std = 0.01"), n_in=200, n_out=400, seed=0),
     fixed("std = 0.5", n_in=500, n_out=100, std=0.5, seed=1),
     fixed("std = 2", n_in=320, n_out=160, std=2.0, seed=2)],
    generate=random_gaussian_case, driver="weight_statistics", rtol=RTOL, atol=ATOL, hidden_random=5,
    test_implementations=(lambda n_in, n_out, std=0.01: np.random.normal(0.0, std, size=(n_in, n_out)),
                  lambda n_in, n_out, std=0.01: std * np.random.standard_normal((n_out, n_in)).T),
    wrong_implementations=(cached(ref.gaussian), mean_shifted(ref.gaussian, lambda n_in, n_out, std=0.01: std),
                           lambda n_in, n_out, std=0.01: (std * np.random.randn(n_in, n_out)).astype(np.float32)),
    mistakes=(
        *stream_mistakes(lambda normal, n_in, n_out, std=0.01: std * normal((n_in, n_out))),
        mistake("rand-not-randn", lambda n_in, n_out, std=0.01: std * np.random.rand(n_in, n_out),
                en="np.random.rand draws uniformly from [0, 1) (all positive, mean 0.5); the weights need a "
                   "normal distribution with mean 0: std * np.random.randn(n_in, n_out).",
                ja="np.random.rand は [0, 1) の一様分布です (すべて正、平均 0.5)。平均 0 の正規分布が必要です: "
                   "std * np.random.randn(n_in, n_out)。"),
        mistake("shape-transposed", lambda n_in, n_out, std=0.01: std * np.random.randn(n_out, n_in),
                en="The shape is (n_out, n_in) (PyTorch's layout). Here a layer computes x @ W, so W is "
                   "(n_in, n_out).",
                ja="形状が (n_out, n_in) です (PyTorch の並び)。この講座の層は x @ W を計算するので、"
                   "W の形状は (n_in, n_out) です。"),
        mistake("ignores-std", lambda n_in, n_out, std=0.01: 0.01 * np.random.randn(n_in, n_out),
                en="The standard deviation is always 0.01: use the std argument (0.01 is only its default).",
                ja="標準偏差が常に 0.01 です。引数 std を使ってください (0.01 は既定値にすぎません)。"),
    ),
)


# xavier -----------------------------------------------------------------------------------------

def random_fan_case(rng):
    return {**random_layer(rng), "seed": random_seed(rng)}


exercise(
    "init.xavier", ref.xavier, layer_cases(),
    generate=random_fan_case, driver="weight_statistics", rtol=RTOL, atol=ATOL, hidden_random=5,
    test_implementations=(lambda n_in, n_out: np.random.normal(0.0, np.sqrt(1.0 / n_in), size=(n_in, n_out)),
                  lambda n_in, n_out: np.random.randn(n_in, n_out) * n_in ** -0.5),
    wrong_implementations=(cached(ref.xavier), mean_shifted(ref.xavier, lambda n_in, n_out: 1.0 / np.sqrt(n_in))),
    mistakes=(
        *stream_mistakes(lambda normal, n_in, n_out: normal((n_in, n_out)) / np.sqrt(n_in)),
        mistake("wrong-fan", lambda n_in, n_out: np.random.randn(n_in, n_out) / np.sqrt(n_out),
                en="Xavier divides by √n_in, the number of nodes in the previous layer (the fan-in), not by "
                   "√n_out.",
                ja="Xavier では前の層のノード数 n_in (入力数) の平方根 √n_in で割ります。√n_out ではありません。"),
        mistake("variance-as-std", lambda n_in, n_out: np.random.randn(n_in, n_out) / n_in,
                en="Dividing by n_in makes the variance 1/n_in²: the standard deviation is 1/√n_in, so "
                   "divide by np.sqrt(n_in).",
                ja="n_in で割ると分散が 1/n_in² になります。標準偏差が 1/√n_in なので np.sqrt(n_in) で割ってください。"),
        mistake("glorot-fan-average",
                lambda n_in, n_out: np.random.randn(n_in, n_out) * np.sqrt(2.0 / (n_in + n_out)),
                lambda n_in, n_out: np.random.uniform(-1, 1, size=(n_in, n_out)) * np.sqrt(6.0 / (n_in + n_out)),
                en="This is the Glorot form of PyTorch's xavier_normal_/xavier_uniform_, which averages the fans "
                   "(std √(2/(n_in + n_out))). The course's Xavier is normal with std 1/√n_in: "
                   "np.random.randn(n_in, n_out) / np.sqrt(n_in).",
                ja="これは PyTorch の xavier_normal_/xavier_uniform_ と同じ Glorot の形 (入力数と出力数の平均を使い、"
                   "標準偏差 √(2/(n_in + n_out))) です。この講座の Xavier は標準偏差 1/√n_in の正規分布です: "
                   "np.random.randn(n_in, n_out) / np.sqrt(n_in)。"),
        mistake("shape-transposed", lambda n_in, n_out: np.random.randn(n_out, n_in) / np.sqrt(n_in),
                en="The shape is (n_out, n_in) (PyTorch's layout). Here a layer computes x @ W, so W is "
                   "(n_in, n_out).",
                ja="形状が (n_out, n_in) です (PyTorch の並び)。この講座の層は x @ W を計算するので、"
                   "W の形状は (n_in, n_out) です。"),
    ),
)


# he ---------------------------------------------------------------------------------------------

exercise(
    "init.he", ref.he, layer_cases(),
    generate=random_fan_case, driver="weight_statistics", rtol=RTOL, atol=ATOL, hidden_random=5,
    test_implementations=(lambda n_in, n_out: np.random.randn(n_in, n_out) / np.sqrt(n_in / 2),
                  lambda n_in, n_out: np.random.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))),
    wrong_implementations=(cached(ref.he), mean_shifted(ref.he, lambda n_in, n_out: np.sqrt(2.0 / n_in))),
    mistakes=(
        *stream_mistakes(lambda normal, n_in, n_out: normal((n_in, n_out)) * np.sqrt(2.0 / n_in)),
        mistake("divided-by-sqrt2", lambda n_in, n_out: np.random.randn(n_in, n_out) / (np.sqrt(n_in) * np.sqrt(2)),
                en="This divides by √2 (std 1/√(2n)); He multiplies Xavier's 1/√n by √2: std √(2/n_in), e.g. "
                   "np.random.randn(n_in, n_out) * np.sqrt(2 / n_in).",
                ja="√2 で割っています (標準偏差 1/√(2n))。He の初期値は Xavier の 1/√n に √2 を掛けたもの、"
                   "標準偏差 √(2/n_in) です: np.random.randn(n_in, n_out) * np.sqrt(2 / n_in)。"),
        mistake("missing-sqrt2", ref.xavier,
                en="This is Xavier's std 1/√n_in; He's is √2 times larger, √(2/n_in), to make up for ReLU "
                   "zeroing half of its inputs.",
                ja="これは Xavier の標準偏差 1/√n_in です。He の初期値は ReLU が入力の半分を 0 にする分を補うため、"
                   "その √2 倍の √(2/n_in) です。"),
        mistake("variance-as-std", lambda n_in, n_out: np.random.randn(n_in, n_out) * (2.0 / n_in),
                en="2/n_in is the variance; the standard deviation is its square root: multiply by "
                   "np.sqrt(2 / n_in).",
                ja="2/n_in は分散です。標準偏差はその平方根なので np.sqrt(2 / n_in) を掛けてください。"),
    ),
)
