"""A two-layer network (Day 1, sections 1 and 5): reference, cases, test implementations, mistakes, gradient check."""
import numpy as np

from reference import network as ref
from reference.activation import relu, sigmoid, softmax

from ..gradcheck import numerical_gradient
from ..registry import exercise, fixed, mistake

# The material's worked network: x = (2, 3, 1), zero biases. It writes u = W x with
# W = [[3, 1, 2], [−2, −3, −1]] and w2 = [[3, 2]]; our rows-as-samples weights are their transposes.
MATERIAL_X = [2.0, 3.0, 1.0]
MATERIAL_PARAMS = {
    "W1": np.array([[3.0, 1.0, 2.0], [-2.0, -3.0, -1.0]]).T,   # (3, 2)
    "b1": np.zeros(2),
    "W2": np.array([[3.0, 2.0]]).T,                            # (2, 1)
    "b2": np.zeros(1),
}
# A batch of 3 samples, D = 3, H = 4, O = 2, with non-zero biases; some hidden units negative.
BATCH_X = [[1.0, -0.5, 2.0], [0.3, 1.2, -1.0], [-2.0, 0.4, 0.7]]
BATCH_PARAMS = {
    "W1": np.array([[0.5, -1.0, 0.3, 0.8], [1.2, 0.4, -0.7, 0.1], [-0.3, 0.9, 0.6, -1.1]]),
    "b1": np.array([0.1, -0.2, 0.3, 0.05]),
    "W2": np.array([[1.0, -0.5], [-0.8, 0.7], [0.4, 1.3], [-1.2, -0.6]]),
    "b2": np.array([0.2, -0.4]),
}


def random_params(rng, d, h, o):
    return {"W1": rng.normal(0.0, 1.0, size=(d, h)), "b1": rng.normal(0.0, 0.5, size=h),
            "W2": rng.normal(0.0, 1.0, size=(h, o)), "b2": rng.normal(0.0, 0.5, size=o)}


def random_network(rng):
    n, d, h, o = (int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 4)))
    x = rng.normal(0.0, 1.5, size=(n, d))
    if n == 1 and rng.random() < 0.5:
        x = x[0]
    return {"x": x, "params": random_params(rng, d, h, o)}


# affine_forward -----------------------------------------------------------------------------------------

def random_affine(rng):
    n, d, h = int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    x = rng.normal(0.0, 1.0, size=(n, d)) if rng.random() < 0.8 else rng.normal(0.0, 1.0, size=d)
    return {"x": x, "W": rng.normal(0.0, 1.0, size=(d, h)), "b": rng.normal(0.0, 1.0, size=h)}


exercise(
    "network.affine_forward", ref.affine_forward,
    [fixed(("the material's first layer: x = (2, 3, 1) → u = (11, −14)",
            "教材の第 1 層: x = (2, 3, 1) → u = (11, −14)"), x=MATERIAL_X,
           W=MATERIAL_PARAMS["W1"], b=MATERIAL_PARAMS["b1"]),
     fixed(("a batch of 3, D = 3, H = 3",
            "3 サンプルのバッチ、D = 3, H = 3"), x=BATCH_X, W=BATCH_PARAMS["W1"][:, :3], b=[0.5, -1.0, 2.0]),
     fixed(("a batch of 4, D = 2, H = 3",
            "4 サンプルのバッチ、D = 2, H = 3"), x=[[1.0, 2.0], [0.0, -1.0], [3.0, 0.5], [-2.0, -2.0]],
           W=[[0.2, -0.4, 1.0], [0.7, 0.1, -0.3]], b=[0.1, 0.2, 0.3])],
    generate=random_affine,
    test_implementations=(lambda x, W, b: np.dot(x, W) + b, lambda x, W, b: np.einsum("...d,dh->...h", x, W) + b),
    mistakes=(
        mistake("missing-bias", lambda x, W, b: x @ W,
                en="The bias is missing: u = x @ W + b.",
                ja="バイアスが抜けています: u = x @ W + b。"),
        mistake("w-times-x", lambda x, W, b: W @ x + b,
                en="Samples are rows here and W is (D, H): compute x @ W + b. The material's W @ x is for one column "
                   "vector x with the transposed (H, D) matrix.",
                ja="ここではサンプルは行で、W の形は (D, H) です。x @ W + b を計算してください。教材の W @ x は列ベクトル "
                   "x と転置した (H, D) 行列の場合です。"),
        mistake("elementwise", lambda x, W, b: x * W + b,
                en="x * W multiplies element by element; the layer needs the matrix product x @ W (or np.dot(x, W)).",
                ja="x * W は要素ごとの積です。行列積 x @ W (または np.dot(x, W)) を使ってください。"),
    ),
)


# two_layer_forward (sigmoid hidden, sigmoid output) -------------------------------------------------------

def forward_with(hidden, output, use_bias=True):
    def forward(x, params):
        b1 = params["b1"] if use_bias else 0.0
        b2 = params["b2"] if use_bias else 0.0
        h = hidden(np.dot(x, params["W1"]) + b1)
        return output(np.dot(h, params["W2"]) + b2)
    return forward


def column_vector_forward(x, params):
    """The material's u = W x, applied to our (D, H) weights."""
    h = sigmoid(params["W1"] @ x + params["b1"])
    return sigmoid(params["W2"] @ h + params["b2"])


def identity(u):
    return u


def stable_sigmoid_tanh(u):
    return 0.5 * (1.0 + np.tanh(0.5 * u))


exercise(
    "network.two_layer_forward", ref.two_layer_forward,
    [fixed(("the material's example: x = (2, 3, 1), zero biases → 0.95257194",
            "教材の例: x = (2, 3, 1)、バイアスは 0 → 0.95257194"), x=MATERIAL_X, params=MATERIAL_PARAMS),
     fixed(("the same network, the sample as a (1, 3) batch",
            "同じネットワーク、サンプルを (1, 3) のバッチとして"), x=[MATERIAL_X], params=MATERIAL_PARAMS),
     fixed(("a batch of 3 with biases (D = 3, H = 4, O = 2)",
            "バイアスのある 3 サンプルのバッチ (D = 3, H = 4, O = 2)"), x=BATCH_X, params=BATCH_PARAMS)],
    generate=random_network,
    test_implementations=(forward_with(stable_sigmoid_tanh, stable_sigmoid_tanh),
                  lambda x, params: ref.sigmoid(ref.affine_forward(ref.sigmoid(x @ params["W1"] + params["b1"]),
                                                                   params["W2"], params["b2"]))),
    mistakes=(
        mistake("relu-hidden", forward_with(relu, sigmoid),
                en="The hidden layer uses ReLU; this exercise uses the sigmoid in both layers (the material's example "
                   "gives 0.95257194).",
                ja="中間層に ReLU を使っています。この課題では両方の層でシグモイドを使います (教材の例では 0.95257194)。"),
        mistake("linear-output", forward_with(sigmoid, identity),
                en="The output layer's sigmoid is missing: y = σ(h @ W2 + b2).",
                ja="出力層のシグモイドが抜けています: y = σ(h @ W2 + b2)。"),
        mistake("missing-bias", forward_with(sigmoid, sigmoid, use_bias=False),
                en="The biases are missing: add b1 to x @ W1 and b2 to h @ W2.",
                ja="バイアスが抜けています。x @ W1 に b1 を、h @ W2 に b2 を足してください。"),
        mistake("w-times-x", column_vector_forward,
                en="Samples are rows and W1 is (D, H): compute x @ W1 + b1. The material's W @ x is for one column "
                   "vector x with the transposed matrix.",
                ja="サンプルは行で、W1 の形は (D, H) です。x @ W1 + b1 を計算してください。教材の W @ x は列ベクトル x と"
                   "転置した行列の場合です。"),
    ),
)


# two_layer_forward_relu_linear (ReLU hidden, linear output) -----------------------------------------------

exercise(
    "network.two_layer_forward_relu_linear", ref.two_layer_forward_relu_linear,
    [fixed(("the material's example: x = (2, 3, 1), zero biases → 33",
            "教材の例: x = (2, 3, 1)、バイアスは 0 → 33"), x=MATERIAL_X, params=MATERIAL_PARAMS),
     fixed(("a batch of 3 with biases (D = 3, H = 4, O = 2)",
            "バイアスのある 3 サンプルのバッチ (D = 3, H = 4, O = 2)"), x=BATCH_X, params=BATCH_PARAMS)],
    generate=random_network,
    test_implementations=(forward_with(lambda u: u * (u > 0), identity),
                  lambda x, params: np.maximum(0, x @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]),
    mistakes=(
        mistake("sigmoid-hidden", forward_with(sigmoid, identity),
                en="The hidden layer uses the sigmoid; this network uses ReLU, max(0, u) (the material's example gives "
                   "h = (11, 0) and y = 33).",
                ja="中間層にシグモイドを使っています。このネットワークは ReLU max(0, u) を使います (教材の例では "
                   "h = (11, 0)、y = 33)。"),
        mistake("relu-on-output", forward_with(relu, relu),
                en="The output is linear (the identity), for regression: do not apply ReLU to h @ W2 + b2, or "
                   "negative outputs become 0.",
                ja="回帰のため出力層は線形 (恒等関数) です。h @ W2 + b2 に ReLU を適用しないでください (負の出力が 0 に"
                   "なってしまいます)。"),
        mistake("missing-bias", forward_with(relu, identity, use_bias=False),
                en="The biases are missing: add b1 to x @ W1 and b2 to h @ W2.",
                ja="バイアスが抜けています。x @ W1 に b1 を、h @ W2 に b2 を足してください。"),
    ),
)


# two_layer_backward (ReLU hidden, softmax output, mean cross-entropy) --------------------------------------

def random_backward(rng):
    n, d, h, o = int(rng.integers(1, 6)), int(rng.integers(2, 6)), int(rng.integers(2, 6)), int(rng.integers(2, 5))
    labels = rng.integers(0, o, size=n)
    t = np.eye(o)[labels] if rng.random() < 0.5 else labels
    return {"x": rng.normal(0.0, 1.0, size=(n, d)), "t": t, "params": random_params(rng, d, h, o)}


BACKWARD_X = [[1.0, -0.5, 2.0], [0.3, 1.2, -1.0], [-2.0, 0.4, 0.7]]
BACKWARD_PARAMS = {
    "W1": np.array([[0.5, -1.0, 0.3, 0.8], [1.2, 0.4, -0.7, 0.1], [-0.3, 0.9, 0.6, -1.1]]),
    "b1": np.array([0.1, -0.2, 0.3, 0.05]),
    "W2": np.array([[1.0, -0.5, 0.3], [-0.8, 0.7, 0.2], [0.4, 1.3, -0.9], [-1.2, -0.6, 0.5]]),
    "b2": np.array([0.2, -0.4, 0.1]),
}
BACKWARD_LABELS = np.array([2, 0, 1])
# The material's backprop demo input: one sample x = (1, 5), target class 1 of 2.
DEMO_PARAMS = {
    "W1": np.array([[0.1, 0.3, -0.5], [0.2, -0.4, 0.6]]),
    "b1": np.array([0.1, 0.2, 0.3]),
    "W2": np.array([[0.1, 0.4], [0.2, 0.5], [-0.3, 0.6]]),
    "b2": np.array([0.1, 0.2]),
}


def backward_with(*, mean=True, mask="u1", transpose_weights=False, bias="sum"):
    """Backpropagation with one step changed, as a learner might write it."""
    def backward(x, t, params):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        u1 = x @ W1 + b1
        h = np.maximum(0, u1)
        y = softmax(h @ W2 + b2)
        t_one_hot = t if np.ndim(t) == 2 else np.eye(y.shape[1])[t]
        delta2 = (y - t_one_hot) / (len(x) if mean else 1)
        dh = delta2 @ W2.T
        delta1 = dh * ((u1 > 0) if mask == "u1" else (h > 0) if mask == "h" else (dh > 0))
        grads = {}
        for name, inputs, delta in (("1", x, delta1), ("2", h, delta2)):
            grads["W" + name] = delta.T @ inputs if transpose_weights else inputs.T @ delta
            grads["b" + name] = np.sum(delta, axis=0) if bias == "sum" else np.sum(delta, axis=1) if bias == "axis1" \
                else delta
        return grads
    return backward


def layers_backward(x, t, params):
    """The textbook's layer-by-layer form: Affine, Relu, Affine, SoftmaxWithLoss."""
    u1 = np.dot(x, params["W1"]) + params["b1"]
    mask = u1 <= 0
    h = u1.copy()
    h[mask] = 0
    y = softmax(np.dot(h, params["W2"]) + params["b2"])
    if t.ndim == 1:
        t = np.eye(y.shape[1])[t]
    dout = (y - t) / x.shape[0]
    grads = {"W2": np.dot(h.T, dout), "b2": np.sum(dout, axis=0)}
    dout = np.dot(dout, params["W2"].T)
    dout[mask] = 0
    grads["W1"] = np.dot(x.T, dout)
    grads["b1"] = np.sum(dout, axis=0)
    return grads


def backward_against_numerical(implementation):
    """Every gradient against central differences of two_layer_loss (hidden units kept away from the kink)."""
    rng = np.random.default_rng(11)  # every gradient element well above round-off
    x = rng.normal(0.0, 1.0, size=(4, 3))
    labels = np.array([0, 2, 1, 2])
    params = random_params(rng, 3, 5, 3)
    assert np.min(np.abs(x @ params["W1"] + params["b1"])) > 1e-3  # no ReLU kink within the step
    analytic = implementation(x.copy(), labels.copy(), {k: v.copy() for k, v in params.items()})
    one_hot = implementation(x.copy(), np.eye(3)[labels], {k: v.copy() for k, v in params.items()})
    checks = []
    for name in ("W1", "b1", "W2", "b2"):
        numeric = numerical_gradient(lambda: ref.two_layer_loss(x, labels, params), params[name])
        checks += [(f"d{name}", analytic[name], numeric), (f"d{name}, one-hot t", one_hot[name], numeric)]
    return checks


exercise(
    "network.two_layer_backward", ref.two_layer_backward,
    [fixed(("a batch of 3, label indices (D = 3, H = 4, O = 3)",
            "3 サンプルのバッチ、ラベルのインデックス (D = 3, H = 4, O = 3)"),
           x=BACKWARD_X, t=BACKWARD_LABELS, params=BACKWARD_PARAMS),
     fixed(("a batch of 3, one-hot labels",
            "3 サンプルのバッチ、one-hot ラベル"),
           x=BACKWARD_X, t=np.eye(3)[BACKWARD_LABELS], params=BACKWARD_PARAMS),
     fixed(("one sample as in the material's demo: x = (1, 5), class 1 of 2",
            "教材のデモと同じ 1 サンプル: x = (1, 5)、2 クラスのうちクラス 1"), x=[[1.0, 5.0]], t=[[0.0, 1.0]],
           params=DEMO_PARAMS)],
    generate=random_backward,
    test_implementations=(layers_backward, backward_with(mask="h")),
    mistakes=(
        mistake("no-batch-mean", backward_with(mean=False),
                en="The loss is the mean over the batch, so the output delta is (y − t)/N: divide by the batch size "
                   "(every gradient is N times too large).",
                ja="損失はバッチの平均なので、出力層のデルタは (y − t)/N です。バッチサイズで割ってください (すべての勾配が "
                   "N 倍になっています)。"),
        mistake("relu-mask-wrong-tensor", backward_with(mask="dh"),
                en="The ReLU passes the gradient where its input u1 = x @ W1 + b1 was positive (mask u1 > 0, saved in "
                   "the forward pass), not where the incoming gradient is positive.",
                ja="ReLU が勾配を通すのは、順伝播での入力 u1 = x @ W1 + b1 が正だったところです (順伝播で保存した"
                   "マスク u1 > 0)。流れてきた勾配が正かどうかではありません。"),
        mistake("transposed-grads", backward_with(transpose_weights=True),
                en="dW must have W's shape (D, H): dW1 = x.T @ delta1 and dW2 = h.T @ delta2, not delta.T @ x.",
                ja="dW は W と同じ形 (D, H) になります: dW1 = x.T @ delta1、dW2 = h.T @ delta2 です "
                   "(delta.T @ x ではありません)。"),
        mistake("bias-not-summed", backward_with(bias="axis1"), backward_with(bias="delta"),
                en="A bias is added to every sample, so its gradient sums the deltas over the batch: "
                   "np.sum(delta, axis=0), shape (H,).",
                ja="バイアスはすべてのサンプルに足されるので、その勾配はデルタをバッチ方向に合計したものです: "
                   "np.sum(delta, axis=0) (形は (H,))。"),
    ),
    gradient_check=backward_against_numerical,
)
