"""Numerical gradient and gradient descent (Day 1, sections 4–5): reference, cases, accepted conventions, mistakes.

A case carries its test function as data, ``{"f(x)": expression, constant: value, ...}``
(``driver_options={"functions": ("f",)}``): the call driver compiles the expression with ``np`` and
the constants, so the saved fixture holds the function itself. The driver also records arguments
changed in place, which is how "x restored afterwards" is checked: the reference restores x.

Some test functions are not a sum of one-variable terms ((Σx)², xᵀAx, a network's loss): there a
partial derivative depends on the other elements, so an element left shifted by ±h while the next
ones are differentiated changes the result, and a function of a matrix tells a 2-D x from a
flattened copy.
"""
import numpy as np

from reference import gradient as ref

from ..registry import exercise, fixed, mistake
from ..runtime.drivers import EXPRESSION, as_function


def function(expression, **constants):
    """A test function as case data: ``f(x) = expression`` with ``np``, ``x`` and the constants."""
    return {EXPRESSION: expression, **{name: np.asarray(value, dtype=np.float64) for name, value in constants.items()}}


# f(x) = Σx², gradient 2x; any shape.
SUM_OF_SQUARES = function("np.sum(x ** 2)")
# f(x, y) = x²/20 + y², the optimizer demo surface; gradient (x/10, 2y); x of size 2.
ELONGATED_BOWL = function("x[0] ** 2 / 20.0 + x[1] ** 2")
# f(x) = Σ sin(x)·cos(2x), smooth with a non-trivial gradient for any shape.
SINE_PRODUCT = function("np.sum(np.sin(x) * np.cos(2.0 * x))")
# f(x) = Σ x³ − 3x; gradient 3x² − 3.
CUBIC = function("np.sum(x ** 3 - 3.0 * x)")
# f(x) = (Σx)²; every partial derivative is 2Σx, so it depends on every element.
SQUARED_SUM = function("np.sum(x) ** 2")


def quadratic_form(a):
    """f(x) = Σ_j x_jᵀ A x_j over the columns of x (n, k), A (n, n) not symmetric; gradient (A + Aᵀ) x."""
    return function("np.sum(x * (A @ x))", A=a)


QUADRATIC_A = [[2.0, -1.0, 0.5], [0.3, 1.5, -0.8], [-1.2, 0.4, 3.0]]
# A network's mean cross-entropy as a function of its hidden weights W = x (D, H): tanh hidden units,
# fixed output weights V (H, O), inputs X (N, D) and one-hot targets T (N, O).
NETWORK_X = [[1.0, -0.5, 2.0], [0.3, 1.2, -1.0]]
NETWORK_V = [[1.0, -0.5], [-0.8, 0.7], [0.4, 1.3], [-1.2, -0.6]]
NETWORK_T = [[0.0, 1.0], [1.0, 0.0]]
NETWORK_LOSS = function(
    "np.mean(np.log(np.sum(np.exp(np.tanh(X @ x) @ V), axis=1)) - np.sum((np.tanh(X @ x) @ V) * T, axis=1))",
    X=NETWORK_X, V=NETWORK_V, T=NETWORK_T)
NETWORK_W = [[0.5, -1.0, 0.3, 0.8], [1.2, 0.4, -0.7, 0.1], [-0.3, 0.9, 0.6, -1.1]]


# numerical_gradient ------------------------------------------------------------------------------------

def random_numerical_gradient(rng):
    kind = int(rng.integers(0, 6))
    shape = tuple(int(n) for n in rng.integers(1, 5, size=int(rng.integers(1, 4))))
    if kind == 0:
        f, shape = ELONGATED_BOWL, (2,)
    elif kind == 1:
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 4)))
        f = quadratic_form(rng.normal(size=(shape[0], shape[0])))
    else:
        f = (SUM_OF_SQUARES, SINE_PRODUCT, CUBIC, SQUARED_SUM)[kind - 2]
    return {"f": f, "x": rng.normal(0.0, 2.0, size=shape), "h": float(rng.choice([1e-4, 1e-3, 1e-2]))}


def gradient_by_nditer(f, x, h=1e-4):
    """The textbook's loop: np.nditer with a multi-index."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()
    return grad


def gradient_on_copies(f, x, h=1e-4):
    """Never touches x: each evaluation gets its own perturbed copy."""
    flat = x.reshape(-1)
    grad = np.empty(flat.size)
    for i in range(flat.size):
        step = np.zeros(flat.size)
        step[i] = h
        grad[i] = (f((flat + step).reshape(x.shape)) - f((flat - step).reshape(x.shape))) / (2 * h)
    return grad.reshape(x.shape)


def forward_difference(f, x, h=1e-4):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        fx = f(x)
        x[idx] = tmp + h
        grad[idx] = (f(x) - fx) / h
        x[idx] = tmp
    return grad


def central_difference_over_h(f, x, h=1e-4):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / h
        x[idx] = tmp
    return grad


def not_restored(f, x, h=1e-4):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
    return grad


def hard_coded_h(f, x, h=1e-4):
    step = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + step
        fxh1 = f(x)
        x[idx] = tmp - step
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * step)
        x[idx] = tmp
    return grad


def first_axis_only(f, x, h=1e-4):
    """range(len(x)): for a 2-D x, x[i] is a whole row, and a view, so tmp moves with it."""
    grad = np.zeros_like(x)
    for i in range(len(x)):
        tmp = x[i]
        x[i] = tmp + h
        fxh1 = f(x)
        x[i] = tmp - h
        fxh2 = f(x)
        grad[i] = (fxh1 - fxh2) / (2 * h)
        x[i] = tmp
    return grad


def restored_only_at_the_end(f, x, h=1e-4):
    """Puts x back once, after the loop: each element is differentiated with the earlier ones at x − h."""
    saved = x.copy()
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
    x[...] = saved
    return grad


def on_a_flat_copy(f, x, h=1e-4):
    """Loops over x.flatten(), a 1-D copy, and passes that copy to f: right only where f ignores x's shape."""
    flat = x.flatten()
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        tmp = flat[i]
        flat[i] = tmp + h
        fxh1 = f(flat)
        flat[i] = tmp - h
        fxh2 = f(flat)
        grad[i] = (fxh1 - fxh2) / (2 * h)
        flat[i] = tmp
    return grad.reshape(x.shape)


def flat_into_the_transpose(f, x, h=1e-4):
    """Perturbs x.flat[i] but writes the result to grad.T.flat[i], another element when x is not 1-D."""
    grad = np.zeros_like(x)
    for i in range(x.size):
        tmp = x.flat[i]
        x.flat[i] = tmp + h
        fxh1 = f(x)
        x.flat[i] = tmp - h
        fxh2 = f(x)
        x.flat[i] = tmp
        grad.T.flat[i] = (fxh1 - fxh2) / (2 * h)
    return grad


def network_loss_gradient(w):
    """∂/∂W of NETWORK_LOSS by backpropagation: s = tanh(XW), p = softmax(sV), ∂L/∂W = Xᵀ((p − T)Vᵀ ⊙ (1 − s²))/N."""
    X, V, T = (np.array(a) for a in (NETWORK_X, NETWORK_V, NETWORK_T))
    s = np.tanh(X @ w)
    z = s @ V
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return X.T @ (((p - T) @ V.T) * (1 - s ** 2)) / len(X)


def analytic_gradients(implementation):
    """The implementation's estimate against the exact gradients of the test functions."""
    x = np.array([[1.7, -0.6, 2.3], [-1.4, 0.45, 3.1]])
    x3 = np.array([[1.7, -0.6], [2.3, -1.4], [0.45, 3.1]])
    a = np.array(QUADRATIC_A)
    w = np.array(NETWORK_W)
    bowl = np.array([-3.0, 2.0])
    exact = [
        ("Σx²", SUM_OF_SQUARES, x, 2 * x),
        ("Σ(x³ − 3x)", CUBIC, x, 3 * x ** 2 - 3),
        ("Σ sin(x)cos(2x)", SINE_PRODUCT, x, np.cos(x) * np.cos(2 * x) - 2 * np.sin(x) * np.sin(2 * x)),
        ("(Σx)²", SQUARED_SUM, x, np.full_like(x, 2 * x.sum())),
        ("Σ x_jᵀ A x_j", quadratic_form(a), x3, (a + a.T) @ x3),
        ("a network's loss in W", NETWORK_LOSS, w, network_loss_gradient(w)),
        ("x²/20 + y²", ELONGATED_BOWL, bowl, np.array([bowl[0] / 10, 2 * bowl[1]])),
    ]
    return [(name, gradient, implementation(as_function(f), point.copy(), 1e-4)) for name, f, point, gradient in exact]


exercise(
    "gradient.numerical_gradient", ref.numerical_gradient,
    [fixed(("f = Σx² at x = [3, 4]", "x = [3, 4] での f = Σx²"), f=SUM_OF_SQUARES, x=[3.0, 4.0], h=1e-4),
     fixed(("f = x²/20 + y² at (−3, 2), default h",
            "(−3, 2) での f = x²/20 + y²、h は既定値"), f=ELONGATED_BOWL, x=[-3.0, 2.0]),
     fixed(("f = Σ sin(x)cos(2x) on a (2, 3) array", "(2, 3) の配列での f = Σ sin(x)cos(2x)"), f=SINE_PRODUCT,
           x=[[0.5, -1.0, 2.0], [1.5, 0.0, -2.5]], h=1e-4),
     fixed(("f = Σ(x³ − 3x) with h = 0.01 (central error h² = 1e-4)",
            "h = 0.01 での f = Σ(x³ − 3x) (中心差分の誤差は h² = 1e-4)"), f=CUBIC, x=[-2.0, 0.5, 1.5], h=1e-2),
     fixed(("f = Σx² on a (2, 2, 2) array",
            "(2, 2, 2) の配列での f = Σx²"),
           f=SUM_OF_SQUARES, x=[[[1.0, -2.0], [0.5, 3.0]], [[-1.5, 2.5], [0.0, 4.0]]],
           h=1e-3),
     # Not sums of one-variable terms, on 2-D x, h = 1e-3: an element left at x − h moves the later
     # partial derivatives by about h (relative 1e-4 and more), a thousand times the tolerance.
     fixed(("f = (Σx)² on a (2, 3) array, h = 0.001",
            "(2, 3) の配列での f = (Σx)²、h = 0.001"),
           f=SQUARED_SUM, x=[[0.5, -1.0, 2.0], [1.5, 0.25, -2.5]], h=1e-3),
     fixed(("f = Σ_j x_jᵀ A x_j on a (3, 2) array, A not symmetric, h = 0.001",
            "(3, 2) の配列での f = Σ_j x_jᵀ A x_j、A は非対称、h = 0.001"), f=quadratic_form(QUADRATIC_A),
           x=[[1.0, -0.5], [0.3, 2.0], [-1.5, 0.7]], h=1e-3),
     fixed(("a network's loss as a function of its (3, 4) weights, h = 0.001",
            "(3, 4) の重みの関数としてのネットワークの損失、h = 0.001"), f=NETWORK_LOSS, x=NETWORK_W, h=1e-3)],
    generate=random_numerical_gradient,
    driver_options={"functions": ("f",)},
    test_implementations=(gradient_by_nditer, gradient_on_copies),
    wrong_implementations=(on_a_flat_copy, flat_into_the_transpose),
    mistakes=(
        mistake("forward-difference", forward_difference,
                en="This is the forward difference (f(x + h) − f(x))/h, whose error is of order h. Use the central "
                   "difference (f(x + h) − f(x − h)) / (2h): its error is of order h².",
                ja="前方差分 (f(x + h) − f(x))/h になっています (誤差は h のオーダー)。中心差分 "
                   "(f(x + h) − f(x − h)) / (2h) を使ってください (誤差は h² のオーダー)。"),
        mistake("divides-by-h", central_difference_over_h,
                en="x + h and x − h are 2h apart: divide the difference by 2h, not h (your gradient is twice too large).",
                ja="x + h と x − h の間隔は 2h です。差を h ではなく 2h で割ってください (勾配が 2 倍になっています)。"),
        mistake("not-restored", not_restored,
                en="x is left perturbed (at x − h) after each element: put the original value back, x[idx] = tmp_val, "
                   "before moving on, so x is unchanged when the function returns.",
                ja="各要素を x − h にずらしたまま戻していません。次の要素に進む前に x[idx] = tmp_val で元の値に戻し、"
                   "関数の終了時に x が変わらないようにしてください。"),
        mistake("restored-only-at-end", restored_only_at_the_end,
                en="x is put back only after the loop, so each element is differentiated while the elements before "
                   "it are still at x − h: for a function whose partial derivatives depend on several elements, "
                   "such as (Σx)², the gradient comes out wrong. Restore x[idx] = tmp_val right after its two "
                   "evaluations, inside the loop.",
                ja="x をループの後でまとめて戻しているため、各要素の微分を、それより前の要素が x − h にずれたままの点で"
                   "計算しています。(Σx)² のように偏微分が複数の要素に依存する関数では勾配が正しくなりません。"
                   "2 回の評価の直後、ループの中で x[idx] = tmp_val と戻してください。"),
        mistake("ignores-h", hard_coded_h,
                en="The step is hard-coded: use the argument h that the caller passes.",
                ja="刻み幅が固定値になっています。引数として渡された h を使ってください。"),
        mistake("first-axis-only", first_axis_only,
                en="For an array with 2 or more dimensions, x[i] is a whole row (and a view that changes with x): "
                   "loop over every element, e.g. for idx in np.ndindex(x.shape), or np.nditer with "
                   "flags=['multi_index'].",
                ja="2 次元以上の配列では x[i] は行全体 (しかも x と連動するビュー) です。np.ndindex(x.shape) や "
                   "flags=['multi_index'] を付けた np.nditer で、すべての要素を 1 つずつ処理してください。"),
    ),
    gradient_check=analytic_gradients,
)


# gradient_descent -------------------------------------------------------------------------------------

def random_descent(rng):
    kind = int(rng.integers(0, 5))
    shape = (2,) if kind == 0 else (int(rng.integers(1, 5)),)
    f = (ELONGATED_BOWL, SUM_OF_SQUARES, SINE_PRODUCT, SQUARED_SUM, CUBIC)[kind]
    if f is CUBIC:  # near its minimum at x = 1; lr·f'' < 1 keeps every step stable
        init_x = rng.uniform(0.6, 1.6, size=shape)
    else:
        init_x = rng.normal(0.0, 2.0, size=shape)
    return {"f": f, "init_x": init_x, "lr": float(rng.uniform(0.01, 0.1)), "step_num": int(rng.integers(5, 50))}


def one_step_short(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num - 1):
        x -= lr * ref.numerical_gradient(f, x)
    return x


def descent_in_place(f, init_x, lr=0.01, step_num=100):
    """The textbook's form: x is init_x itself, updated in place."""
    x = init_x
    for i in range(step_num):
        grad = ref.numerical_gradient(f, x)
        x -= lr * grad
    return x


def descent_rebinding(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num):
        x = x - lr * ref.numerical_gradient(f, x)
    return x


def ascent(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num):
        x += lr * ref.numerical_gradient(f, x)
    return x


def gradient_once(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    grad = ref.numerical_gradient(f, x)
    for _ in range(step_num):
        x -= lr * grad
    return x


def return_inside_loop(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num):
        x -= lr * ref.numerical_gradient(f, x)
        return x


exercise(
    "gradient.gradient_descent", ref.gradient_descent,
    [fixed(("f = x0² + x1² from (−3, 4), lr 0.1, 100 steps",
            "f = x0² + x1²、(−3, 4) から、lr 0.1、100 ステップ"), f=SUM_OF_SQUARES, init_x=[-3.0, 4.0],
           lr=0.1, step_num=100),
     fixed(("defaults: lr 0.01, 100 steps", "既定値: lr 0.01、100 ステップ"), f=SUM_OF_SQUARES, init_x=[-3.0, 4.0]),
     fixed(("f = x²/20 + y² from (−7, 2), lr 0.9, 30 steps",
            "f = x²/20 + y²、(−7, 2) から、lr 0.9、30 ステップ"), f=ELONGATED_BOWL, init_x=[-7.0, 2.0],
           lr=0.9, step_num=30),
     fixed(("f = Σ(x³ − 3x) from (0.5, 2), lr 0.05, 20 steps",
            "f = Σ(x³ − 3x)、(0.5, 2) から、lr 0.05、20 ステップ"), f=CUBIC, init_x=[0.5, 2.0], lr=0.05, step_num=20),
     fixed(("f = xᵀAx from (1, −2, 0.5), lr 0.1, 10 steps",
            "f = xᵀAx、(1, −2, 0.5) から、lr 0.1、10 ステップ"),
           f=quadratic_form(QUADRATIC_A), init_x=[1.0, -2.0, 0.5],
           lr=0.1, step_num=10)],
    generate=random_descent,
    # The textbook updates init_x itself (x = init_x; x -= ...): allowed, as long as x is returned.
    driver_options={"functions": ("f",), "may_modify": ("init_x",)},
    test_implementations=(descent_in_place, descent_rebinding),
    wrong_implementations=(one_step_short,),
    mistakes=(
        mistake("ascent", ascent,
                en="x moves along the gradient, uphill: subtract it, x -= lr * grad.",
                ja="勾配の方向 (上り坂) に進んでいます。x -= lr * grad のように勾配を引いてください。"),
        mistake("gradient-once", gradient_once,
                en="The gradient is computed once, at the start: compute it again at the current x inside the loop, "
                   "on every step.",
                ja="勾配を最初に 1 回しか計算していません。ループの中で毎回、現在の x での勾配を計算してください。"),
        mistake("return-inside-loop", return_inside_loop,
                en="It returns after the first step: `return x` is indented inside the for loop; move it out.",
                ja="1 ステップ目で return しています。`return x` が for ループの中にあるので、ループの外へ出してください。"),
    ),
)


# sgd_step ---------------------------------------------------------------------------------------------

def random_sgd(rng):
    shape = tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 3))))
    return {"w": rng.normal(0.0, 1.0, size=shape), "grad": rng.normal(0.0, 1.0, size=shape),
            "lr": float(rng.choice([0.001, 0.01, 0.1, 0.5]))}


def sgd_in_place(w, grad, lr):
    w -= lr * grad
    return w


exercise(
    "gradient.sgd_step", ref.sgd_step,
    [fixed(("the material's example: w = 3, gradient 3, lr 0.5 → 1.5",
            "教材の例: w = 3、勾配 3、lr 0.5 → 1.5"), w=3.0, grad=3.0, lr=0.5),
     fixed(("a vector, lr 0.1", "ベクトル、lr 0.1"), w=[0.5, -1.0, 2.0], grad=[1.0, -2.0, 0.5], lr=0.1),
     fixed(("a (2, 3) weight matrix, lr 0.01", "(2, 3) の重み行列、lr 0.01"), w=[[0.1, 0.2, -0.3], [1.0, -1.0, 0.0]],
           grad=[[2.0, -0.5, 0.0], [0.3, 0.3, -4.0]], lr=0.01)],
    generate=random_sgd,
    # Updating w (and grad) in place is how optimizers work; it is allowed as long as the result is returned.
    driver_options={"may_modify": ("w", "grad")},
    test_implementations=(sgd_in_place, lambda w, grad, lr: np.subtract(w, np.multiply(lr, grad))),
    mistakes=(
        mistake("plus-not-minus", lambda w, grad, lr: w + lr * grad,
                en="Adding the gradient climbs uphill: w ← w − lr·grad.",
                ja="勾配を足すと損失が増える方向へ進みます。w ← w − lr·grad です。"),
        mistake("missing-lr", lambda w, grad, lr: w - grad,
                en="The step must be scaled by the learning rate: w − lr·grad.",
                ja="更新量に学習率を掛けてください: w − lr·grad。"),
        mistake("returns-step", lambda w, grad, lr: lr * grad,
                en="This returns only the step lr·grad: the new parameter is w − lr·grad.",
                ja="更新量 lr·grad だけを返しています。新しいパラメータは w − lr·grad です。"),
    ),
)
