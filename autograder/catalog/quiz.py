"""Quiz items from the material's 確認テスト and 例題チャレンジ: the key, equivalent answers, wrong options.

Each item is an exercise whose submission is an answer value (driver ``quiz_*``). The reference is
the key; ``test_implementations`` are other correct ways to write it; each wrong option is a known mistake
whose message says why it is wrong. Keys that a reference function can compute are checked against
it in ``tests/test_quiz_keys.py``. Items graded by a person (short explanations) live only in the
notebooks, as nbgrader manually graded cells.
"""
import numpy as np

from ..registry import Case, exercise, mistake

ANSWER = (Case("answer", {}, "解答"),)


def _mistakes(wrong):
    """(id, value or tuple of values, en, ja) rows as Mistakes; a tuple lists several wrong answers
    that are the same mistake (a list is one answer, e.g. the LeNet sizes)."""
    return tuple(mistake(m_id, *(values if isinstance(values, tuple) else (values,)), en=en, ja=ja)
                 for m_id, values, en, ja in wrong)


def choice(id, key, wrong, **options):
    exercise(id, key, ANSWER, driver="quiz_choice", driver_options={"salt": id}, visible_random=0,
             hidden_random=0, mistakes=_mistakes(wrong),
             **options)


def number(id, key, wrong, decimals=None, **options):
    exercise(id, key, ANSWER, driver="quiz_number", driver_options={"salt": id, "decimals": decimals},
             visible_random=0, hidden_random=0,
             mistakes=_mistakes(wrong), **options)


def matching(id, key, wrong, **options):
    cases = (Case("pairs", {"items": list(key)}, "組み合わせ"),)
    exercise(id, key, cases, driver="quiz_matching", driver_options={"salt": id}, visible_random=0,
             hidden_random=0, mistakes=_mistakes(wrong),
             **options)


def expression(id, key, test_data, wrong, **options):
    """A code fill-in: ``test_data`` is one dict per case of the names the answer may use, with their
    values (saved in the fixture with the case, so the student-side runtime holds no course data)."""
    cases = tuple(Case(f"test data {number}", {"names": names}, f"テストデータ {number}")
                  for number, names in enumerate(test_data, start=1))
    exercise(id, key, cases, driver="quiz_expression", visible_random=0, hidden_random=0,
             mistakes=_mistakes(wrong), **options)


def crop_data():
    """Three (H, W, C) = (6, 8, 3) images with windows at other offsets and of other sizes (a size
    written into the answer, such as top + 3, fails)."""
    windows = [(1, 2, 3, 4), (2, 3, 2, 5), (0, 4, 4, 3)]  # (top, left, crop height, crop width)
    return [{"image": np.arange(6 * 8 * 3, dtype=np.float64).reshape(6, 8, 3) + 100.0 * number,
             "top": top, "bottom": top + height, "left": left, "right": left + width}
            for number, (top, left, height, width) in enumerate(windows)]


def minibatch_data():
    """Ten samples (data_x: (10, 3), data_t: (10,) labels) in a shuffled order; the batch i:i_end."""
    cases = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        cases.append({"data_x": rng.normal(size=(10, 3)), "data_t": rng.integers(0, 4, size=10),
                      "shuffle_idx": rng.permutation(10), "i": 2 + seed, "i_end": 6 + seed})
    return cases


def penalty_data():
    """param and grad: (3, 4), rate λ = 0.1. The last case has a weight at exactly 0, where
    sign(0) = 0 (the reference's subgradient) tells np.sign from e.g. (param > 0) * 2 - 1."""
    cases = []
    for seed in range(3):
        rng = np.random.default_rng(10 + seed)
        cases.append({"param": rng.normal(size=(3, 4)), "grad": rng.normal(size=(3, 4)), "rate": 0.1})
    cases[-1]["param"][1, 2] = 0.0
    return cases


# Day 1 ------------------------------------------------------------------------------------------

choice("day1_quiz.optimised_parameters", 2, [
    ("hyperparameter", 1, "The number of layers is chosen by the designer (a hyperparameter); training "
     "adjusts the weights and biases.", "層の数は設計者が決めるハイパーパラメータです。学習で調整するのは重みとバイアスです。"),
    ("learning-rate", 3, "The learning rate is a hyperparameter set before training; training adjusts the weights and biases.",
     "学習率は学習前に決めるハイパーパラメータです。学習で調整するのは重みとバイアスです。"),
    ("input-data", 4, "The inputs are given data, not parameters; training adjusts the weights and biases.",
     "入力はデータであってパラメータではありません。学習で調整するのは重みとバイアスです。"),
], test_implementations=("2", 2.0))

choice("day1_quiz.aim", 2, [
    ("imitate-neurons", 1, "The brain is the inspiration, not the objective: the aim is the parameters that "
     "minimise the loss.", "脳は着想の元であって目的ではありません。目的は損失を最小にするパラメータを見つけることです。"),
    ("maximise-parameters", 3, "More parameters is not the aim; the aim is the parameters that minimise the loss.",
     "パラメータを増やすことは目的ではありません。目的は損失を最小にするパラメータを見つけることです。"),
    ("memorise", 4, "Memorising the training data is over-fitting; the aim is parameters that minimise the loss "
     "(and generalise).", "訓練データの丸暗記は過学習です。目的は損失を最小にする (そして汎化する) パラメータです。"),
], test_implementations=("2",))

number("day1_quiz.chain_rule", 7.0, [
    ("forgot-factor-two", 3.5, "dz/dt = 2t: you left out the factor 2 (dz/dx = dz/dt · dt/dx = 2t · 1).",
     "dz/dt = 2t の係数 2 が抜けています (dz/dx = dz/dt · dt/dx = 2t · 1)。"),
    ("value-not-derivative", 12.25, "That is z = t² itself; the question asks for dz/dx = 2(x + y).",
     "それは z = t² の値です。求めるのは dz/dx = 2(x + y) です。"),
    ("dropped-y", 3.0, "t = x + y, so dz/dx = 2(x + y), not 2x.", "t = x + y なので dz/dx = 2x ではなく 2(x + y) です。"),
], decimals=4, test_implementations=(7, "7.0", 7.00001))

number("day1_quiz.sigmoid_grad_max", 0.25, [
    ("sigmoid-value", 0.5, "0.5 is σ(0); the derivative there is σ(0)(1 − σ(0)) = 0.25.",
     "0.5 は σ(0) の値です。導関数は σ(0)(1 − σ(0)) = 0.25 です。"),
    ("sigmoid-limit", 1.0, "1 is the limit of σ itself; its derivative σ(1 − σ) peaks at 0.25.",
     "1 は σ 自身の極限値です。導関数 σ(1 − σ) の最大値は 0.25 です。"),
], decimals=3, test_implementations=(1 / 4, "0.25"))

number("day1_quiz.forward_sigmoid", 0.95257194, [
    ("relu-output", 33, "33 is the ReLU / linear network; with sigmoids everywhere y = σ(3σ(11) + 2σ(−14)).",
     "33 は ReLU/恒等関数のネットワークの値です。すべてシグモイドなら y = σ(3σ(11) + 2σ(−14)) です。"),
    ("hidden-only", 0.99998329, "σ(11) is the first hidden unit; apply the output layer and its sigmoid too.",
     "σ(11) は中間層の値です。出力層とそのシグモイドも計算してください。"),
], decimals=6, test_implementations=(0.952572, "0.95257194"))

number("day1_quiz.forward_relu", 33, [
    ("hidden-only", 11, "11 is the first hidden unit; the output is y = 3 × 11 + 2 × 0.",
     "11 は中間層の値です。出力は y = 3 × 11 + 2 × 0 です。"),
    ("relu-on-negative", 5, "max(0, −14) = 0: ReLU removes the negative unit, so y = 3 × 11 + 2 × 0 = 33.",
     "max(0, −14) = 0 なので y = 3 × 11 + 2 × 0 = 33 です。"),
], test_implementations=(33.0, "33"))

number("day1_quiz.mse", 169, [
    ("half-sum", 84.5, "That is ½(20 − 33)², the other convention; the mean of (t − y)² over one output is 169.",
     "それは ½(20 − 33)² です。1 出力の (t − y)² の平均は 169 です。"),
    ("no-square", 13, "Square the error: (20 − 33)² = 169.", "誤差を 2 乗してください: (20 − 33)² = 169。"),
], decimals=2, test_implementations=(169.0, "169"))

number("day1_quiz.cross_entropy", 0.2231435513, [
    ("log10", 0.09691001, "That is −log₁₀ 0.8; cross entropy uses the natural log: −ln 0.8 ≈ 0.223.",
     "それは −log₁₀ 0.8 です。交差エントロピーは自然対数を使います: −ln 0.8 ≈ 0.223。"),
    ("probability", 0.8, "0.8 is the probability of the true class; the loss is −ln 0.8.",
     "0.8 は正解クラスの確率です。損失は −ln 0.8 です。"),
], decimals=3, test_implementations=(0.223, "0.2231"))

number("day1_quiz.iterations_per_epoch", 20, [
    ("batch-size", 50, "50 is the batch size; one epoch takes 1000 / 50 = 20 updates.",
     "50 はバッチサイズです。1 エポックの更新回数は 1000 / 50 = 20 回です。"),
    ("samples", 1000, "1000 updates per epoch is online learning (batch size 1); with batches of 50 it is 20.",
     "1000 回はオンライン学習 (バッチサイズ 1) の場合です。バッチサイズ 50 なら 20 回です。"),
], test_implementations=(20.0, "20"))

number("day1_quiz.online_iterations", 1000, [
    ("one-update", 1, "Online learning updates after every sample: 1000 samples, 1000 updates per epoch.",
     "オンライン学習はサンプルごとに更新するので、1000 サンプルなら 1 エポックで 1000 回です。"),
    ("minibatch", 20, "20 is the minibatch count for batches of 50; online learning updates after every sample.",
     "20 はバッチサイズ 50 のときの回数です。オンライン学習はサンプルごとに更新します。"),
], test_implementations=(1000.0, "1000"))

expression("day1_quiz.minibatch_slice", "data_x[shuffle_idx[i:i_end]], data_t[shuffle_idx[i:i_end]]", minibatch_data(), [
    ("unshuffled", "data_x[i:i_end], data_t[i:i_end]", "Index through the shuffled order: shuffle_idx[i:i_end] "
     "picks the samples of this minibatch.", "シャッフルした順序で取り出してください: shuffle_idx[i:i_end] がこのミニバッチのサンプルです。"),
    ("misaligned", "data_x[shuffle_idx[i:i_end]], data_t[i:i_end]", "The labels must use the same indices as the "
     "inputs, or each input gets another sample's label.", "正解ラベルも入力と同じインデックスで取り出さないと、別のサンプルのラベルと組になります。"),
], test_implementations=("(data_x[shuffle_idx][i:i_end], data_t[shuffle_idx][i:i_end])",
                 "data_x[shuffle_idx[i:i_end], :], data_t[shuffle_idx[i:i_end]]"))

# Day 2 ------------------------------------------------------------------------------------------

choice("day2_quiz.zero_init", 1, [
    ("no-learning-rate", 2, "The learning rate does not depend on the weights; the problem is symmetry: every unit "
     "in a layer gets the same gradient and stays identical.", "学習率は重みに依存しません。問題は対称性です: 同じ層のユニットが同じ勾配を受け、同一のままになります。"),
    ("overflow", 3, "Zeros do not overflow; the problem is that identical units receive identical updates.",
     "0 でオーバーフローは起きません。問題は同じユニットが同じ更新を受け続けることです。"),
    ("fine", 4, "All-zero weights do break training: every unit of a layer computes and learns the same thing.",
     "重みをすべて 0 にすると学習が破綻します。同じ層のユニットがすべて同じ計算・同じ学習をするためです。"),
], test_implementations=("1",))

choice("day2_quiz.batchnorm_effects", [1, 2], [
    ("no-activation", [1, 3], "Batch normalisation does not replace the activation functions; its second effect is "
     "a mild regularisation (less over-fitting).", "バッチ正規化は活性化関数の代わりにはなりません。もう一つの効果は過学習の抑制 (正則化) です。"),
    ("no-speedup", [2, 4], "It does speed up and stabilise training (larger learning rates work); a batch of one "
     "sample is not its effect.", "学習を速く安定にする (大きな学習率が使える) ことも効果です。"),
    ("one-only", (1, 2), "Choose two options: faster, stabler training, and less over-fitting.",
     "2 つ選んでください: 学習の高速化・安定化と、過学習の抑制です。"),
], test_implementations=((2, 1), {1, 2}, ["1", "2"]))

matching("day2_quiz.optimizer_matching", {"Momentum": "C", "AdaGrad": "A", "RMSProp": "B"}, [
    ("adagrad-rmsprop-swapped", {"Momentum": "C", "AdaGrad": "B", "RMSProp": "A"}, "AdaGrad accumulates every past "
     "squared gradient (steps only shrink); RMSProp keeps a moving average, which fixes that.",
     "AdaGrad は過去の勾配の 2 乗をすべて足し込みます (ステップは小さくなる一方)。RMSProp は移動平均でそれを改善します。"),
    ("momentum-adagrad-swapped", {"Momentum": "A", "AdaGrad": "C", "RMSProp": "B"}, "Momentum keeps a velocity (like "
     "a ball rolling downhill); AdaGrad adapts each parameter's step to its squared-gradient history.",
     "モメンタムは速度を持ちます (坂を転がるボール)。AdaGrad はパラメータごとに勾配の 2 乗の履歴で学習率を調整します。"),
], test_implementations=({"Momentum": "c", "AdaGrad": "a", "RMSProp": "b"},))

choice("day2_quiz.ridge", 1, [
    ("lambda-zero", 2, "With λ = 0 the penalty vanishes and nothing constrains the weights.",
     "λ = 0 では罰則項が消え、重みは何も制約されません。"),
    ("sparse", 3, "Setting weights exactly to 0 (sparsity) is the Lasso's (L1) effect; Ridge shrinks them smoothly.",
     "重みをちょうど 0 にする (スパース化) のは Lasso (L1) の性質です。Ridge は滑らかに小さくします。"),
    ("absolute-values", 4, "Ridge adds the squared weights (L2); the sum of absolute values is the Lasso (L1).",
     "Ridge が加えるのは重みの 2 乗和 (L2) です。絶対値の和は Lasso (L1) です。"),
], test_implementations=("1",))

choice("day2_quiz.l1_contour", 2, [
    ("l2-circle", 1, "The circle is the L2 ball (w₁² + w₂² ≤ r²); the L1 ball |w₁| + |w₂| ≤ r is the diamond, whose "
     "corners on the axes make weights exactly 0.", "円は L2 (w₁² + w₂² ≤ r²) です。L1 の |w₁| + |w₂| ≤ r はひし形で、軸上の角で重みがちょうど 0 になります。"),
], test_implementations=("2",))

expression("day2_quiz.l2_grad_fill", "param", penalty_data(), [
    ("penalty-not-gradient", ("param ** 2", "np.sum(param ** 2)"), "param² is (twice) the penalty itself; its gradient is param (times the rate).",
     "param² は罰則項そのものです。その勾配は param (に係数を掛けたもの) です。"),
    ("l1-gradient", "np.sign(param)", "np.sign(param) is the L1 (Lasso) gradient; the L2 gradient is param.",
     "np.sign(param) は L1 (Lasso) の勾配です。L2 の勾配は param です。"),
    ("sum-of-weights", "np.sum(param)", "The gradient has one entry per weight: d(½Σw²)/dw = w, so the blank is param, "
     "not a sum.", "勾配は重みごとに 1 つの値を持ちます。d(½Σw²)/dw = w なので、空欄は和ではなく param です。"),
], test_implementations=("1.0 * param", "np.asarray(param)"))

expression("day2_quiz.l1_grad_fill", "np.sign(param)", penalty_data(), [
    ("abs-not-sign", "np.abs(param)", "|w| is the penalty; its gradient is sign(w).",
     "|w| は罰則項そのものです。その勾配は sign(w) です。"),
    ("l2-gradient", "param", "param is the L2 (Ridge) gradient; the L1 gradient is np.sign(param).",
     "param は L2 (Ridge) の勾配です。L1 の勾配は np.sign(param) です。"),
    ("clipped-not-sign", ("np.maximum(param, 0)", "np.minimum(param, 0)"), "d|w|/dw is +1 for w > 0 and −1 for "
     "w < 0: np.sign(param), not the weights clipped at 0.", "d|w|/dw は w > 0 で +1、w < 0 で −1 です。0 で切った重みではなく np.sign(param) です。"),
], test_implementations=("np.where(param > 0, 1.0, np.where(param < 0, -1.0, 0.0))", "np.sign(param) * 1.0"))

expression("day2_quiz.random_crop_fill", "image[top:bottom, left:right, :]", crop_data(), [
    ("swapped-bounds", ("image[bottom:top, right:left, :]", "image[bottom:top, left:right, :]"), "Slices go from the smaller index to the larger one: "
     "image[top:bottom, left:right, :].", "スライスは小さい添字から大きい添字へ: image[top:bottom, left:right, :] です。"),
    ("channels-first", "image[:, top:bottom, left:right]", "The image is (H, W, C): rows first, then columns, then "
     "channels.", "画像は (H, W, C) です。行、列、チャンネルの順に指定してください。"),
    ("rows-columns-swapped", "image[left:right, top:bottom, :]", "top:bottom selects rows (axis 0) and left:right "
     "columns (axis 1).", "top:bottom が行 (軸 0)、left:right が列 (軸 1) です。"),
], test_implementations=("image[top:bottom, left:right]", "image[top:bottom][:, left:right]"))

number("day2_quiz.conv_output_size", 7, [
    ("missing-plus-one", 6, "(6 + 2·1 − 2)/1 + 1 = 7: you left out the + 1.", "(6 + 2·1 − 2)/1 + 1 = 7 です。+ 1 が抜けています。"),
    ("no-padding", 5, "The padding adds 1 on each side: (6 + 2·1 − 2)/1 + 1 = 7.",
     "パディングは両側に 1 ずつ加わります: (6 + 2·1 − 2)/1 + 1 = 7。"),
], test_implementations=(7.0, "7"))

number("day2_quiz.lenet_sizes", [28, 14, 10, 5], [
    ("missing-plus-one", ([27, 13, 8, 4], [27, 12, 7, 2]), "Each size is (in − filter)/stride + 1: 32 − 5 + 1 = 28, not 27.",
     "出力サイズは (入力 − フィルタ)/ストライド + 1 です。32 − 5 + 1 = 28 で、27 ではありません。"),
    ("pool-stride-one", [28, 27, 23, 22], "LeNet's 2×2 pooling has stride 2 and halves the size: 28 → 14.",
     "LeNet の 2×2 プーリングはストライド 2 でサイズを半分にします: 28 → 14。"),
], test_implementations=((28, 14, 10, 5), ["28", "14", "10", "5"]))

matching("day2_quiz.ensembles", {"bagging": "A", "boosting": "B"}, [
    ("swapped", {"bagging": "B", "boosting": "A"}, "Bagging averages models trained on resamples (lower variance); "
     "boosting fits each model to the previous ones' errors (lower bias).",
     "バギングはリサンプリングで学習したモデルを平均します (分散を下げる)。ブースティングは前のモデルの誤りを順に学習します (バイアスを下げる)。"),
], test_implementations=({"bagging": "a", "boosting": "b"},))

choice("day2_quiz.residual", 2, [
    ("forgot-identity", 1, "The skip path x contributes its own derivative 1: d(f(x) + x)/dx = f′(x) + 1.",
     "スキップ接続の x も微分 1 を持ちます: d(f(x) + x)/dx = f′(x) + 1。"),
    ("product-rule", 3, "It is a sum, not a product: the derivative of f(x) + x is f′(x) + 1.",
     "積ではなく和です: f(x) + x の微分は f′(x) + 1 です。"),
    ("not-differentiated", 4, "Differentiate f too: d(f(x) + x)/dx = f′(x) + 1.",
     "f も微分してください: d(f(x) + x)/dx = f′(x) + 1。"),
], test_implementations=("2",))
