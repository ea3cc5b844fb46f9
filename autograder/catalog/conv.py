"""Convolution helpers (Day 2, section 4): reference, cases, test implementations, mistakes.

Besides a small square case to follow by hand, fixed image cases use non-square images and windows
(out_h ≠ out_w, filter_h ≠ filter_w), more than one sample and channel, padding, strides that do not
divide evenly (a quotient such as 5/3 that rounding would take up) and the default stride and
padding, so that a swapped axis, a wrong row or column order, a forgotten stride or padding, a
rounded size or a wrong default changes the result somewhere.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from reference import conv as ref

from ..gradcheck import numerical_gradient
from ..registry import exercise, fixed, mistake


def _values(*shape, seed):
    """Distinct, reproducible values for a fixed case (rounded so a message shows them plainly)."""
    return np.round(np.random.default_rng(seed).normal(size=shape), 3)


# conv.conv_output_size ---------------------------------------------------------------------------

def random_sizes(rng):
    pad = int(rng.integers(0, 3))
    input_size = int(rng.integers(1, 40))
    filter_size = int(rng.integers(1, min(7, input_size + 2 * pad) + 1))
    return {"input_size": input_size, "filter_size": filter_size,
            "stride": int(rng.integers(1, 4)), "pad": pad}


def size_true_division(input_size, filter_size, stride=1, pad=0):
    return (input_size + 2 * pad - filter_size) / stride + 1


def size_float(input_size, filter_size, stride=1, pad=0):
    return float((input_size + 2 * pad - filter_size) // stride + 1)


exercise(
    "conv.conv_output_size", ref.conv_output_size,
    [fixed(("the material's example: 6×6 image, 2×2 filter, stride 1, pad 1 → 7",
            "教材の例: 6×6 の画像、2×2 のフィルタ、ストライド 1、パディング 1 → 7"),
           input_size=6, filter_size=2, stride=1, pad=1),
     fixed(("LeNet C1: 32, 5×5 filter → 28",
            "LeNet C1: 32、5×5 のフィルタ → 28"), input_size=32, filter_size=5, stride=1, pad=0),
     fixed(("LeNet S2: 28, 2×2 pooling, stride 2 → 14",
            "LeNet S2: 28、2×2 のプーリング、ストライド 2 → 14"), input_size=28, filter_size=2, stride=2, pad=0),
     fixed(("LeNet C3: 14, 5×5 filter → 10",
            "LeNet C3: 14、5×5 のフィルタ → 10"), input_size=14, filter_size=5, stride=1, pad=0),
     fixed(("LeNet S4: 10, 2×2 pooling, stride 2 → 5",
            "LeNet S4: 10、2×2 のプーリング、ストライド 2 → 5"), input_size=10, filter_size=2, stride=2, pad=0),
     fixed(("'same' padding: 28, 3×3 filter, pad 1 → 28",
            "'same' パディング: 28、3×3 のフィルタ、パディング 1 → 28"),
           input_size=28, filter_size=3, stride=1, pad=1),
     fixed(("stride 2 that does not divide: 7, 2, stride 2 → 3",
            "割り切れないストライド: 7, 2、ストライド 2 → 3"), input_size=7, filter_size=2, stride=2, pad=0),
     fixed(("stride 3, pad 2: 9, 4 → 4",
            "ストライド 3、パディング 2: 9, 4 → 4"), input_size=9, filter_size=4, stride=3, pad=2),
     # Quotients that are not integers, so that rounding, ceil and floor give three answers:
     # 7/2 = 3.5 (round half to even: 4), 8/3 ≈ 2.67 (round: 3), 7/3 ≈ 2.33 (ceil: 3).
     fixed(("(9 − 2)/2 = 3.5: floor → 4",
            "(9 − 2)/2 = 3.5: 切り捨て → 4"), input_size=9, filter_size=2, stride=2, pad=0),
     fixed(("(10 − 2)/3 ≈ 2.67: floor → 3",
            "(10 − 2)/3 ≈ 2.67: 切り捨て → 3"), input_size=10, filter_size=2, stride=3, pad=0),
     fixed(("(7 + 2·1 − 2)/3 ≈ 2.33: floor → 3",
            "(7 + 2·1 − 2)/3 ≈ 2.33: 切り捨て → 3"), input_size=7, filter_size=2, stride=3, pad=1),
     # Defaults: stride 1, pad 0 when not given.
     fixed(("default pad 0: 9, 4, stride 2 → 3",
            "既定のパディング 0: 9, 4、ストライド 2 → 3"), input_size=9, filter_size=4, stride=2),
     fixed(("defaults stride 1, pad 0: 5, 3 → 3",
            "既定のストライド 1、パディング 0: 5, 3 → 3"), input_size=5, filter_size=3)],
    generate=random_sizes,
    test_implementations=(
        lambda input_size, filter_size, stride=1, pad=0:
            int(np.floor((input_size + 2 * pad - filter_size) / stride)) + 1,
        lambda input_size, filter_size, stride=1, pad=0:
            len(range(0, input_size + 2 * pad - filter_size + 1, stride)),
        lambda input_size, filter_size, stride=1, pad=0: int((input_size + 2 * pad - filter_size) / stride + 1),
    ),
    wrong_implementations=(
        lambda input_size, filter_size, stride=1, pad=0: int(round((input_size + 2 * pad - filter_size) / stride)) + 1,
        lambda input_size, filter_size, stride=1, pad=0: int(np.ceil((input_size + 2 * pad - filter_size) / stride)) + 1,
        lambda input_size, filter_size, stride=2, pad=0: (input_size + 2 * pad - filter_size) // stride + 1,
        lambda input_size, filter_size, stride=1, pad=1: (input_size + 2 * pad - filter_size) // stride + 1,
    ),
    mistakes=(
        mistake("missing-plus-one", lambda input_size, filter_size, stride=1, pad=0:
                (input_size + 2 * pad - filter_size) // stride,
                en="(I + 2P − F)//S counts the steps between windows, not the windows: add 1 for the "
                   "first window (6, 2, stride 1, pad 1 gives 7, not 6).",
                ja="(I + 2P − F)//S は窓を動かす回数で、窓の数ではありません。最初の位置の分の "
                   "+1 を足してください (6, 2, ストライド 1, パディング 1 なら 6 ではなく 7)。"),
        mistake("float-result", size_float, size_true_division,
                en="A size must be an int (it is used in reshape and range): use integer division // "
                   "and return (I + 2P − F)//S + 1, not (I + 2P − F)/S + 1 (which gives 7.0, or 3.5 when "
                   "the stride does not divide).",
                ja="サイズは int でなければなりません (reshape や range で使います)。/ ではなく整数除算 // を使い "
                   "(I + 2P − F)//S + 1 を返してください (/ では 7.0 や、割り切れないとき 3.5 になります)。"),
        mistake("pad-one-side", lambda input_size, filter_size, stride=1, pad=0:
                (input_size + pad - filter_size) // stride + 1,
                en="Padding adds P zeros on BOTH sides: the padded size is I + 2P, not I + P.",
                ja="パディングは両側に P 個ずつ 0 を加えます。パディング後の大きさは I + P ではなく I + 2P です。"),
        mistake("plus-one-before-division", lambda input_size, filter_size, stride=1, pad=0:
                (input_size + 2 * pad - filter_size + 1) // stride,
                en="Add 1 after dividing by the stride: (I + 2P − F)//S + 1 (28, 2, stride 2 gives 14, not 13).",
                ja="+1 はストライドで割った後に足します: (I + 2P − F)//S + 1 (28, 2, ストライド 2 なら 13 ではなく 14)。"),
    ),
)


# conv.zero_pad -----------------------------------------------------------------------------------

def random_images(rng, max_side=6):
    shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4)),
             int(rng.integers(1, max_side + 1)), int(rng.integers(1, max_side + 1)))
    return rng.normal(size=shape)


exercise(
    "conv.zero_pad", ref.zero_pad,
    [fixed(("one 2×3 image, pad 1",
            "2×3 の画像 1 枚、パディング 1"), x=[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]], pad=1),
     fixed(("(2, 3, 3, 4), pad 2", "(2, 3, 3, 4)、パディング 2"), x=_values(2, 3, 3, 4, seed=1), pad=2),
     fixed(("pad 0 leaves the images unchanged",
            "パディング 0 では画像はそのまま"), x=_values(2, 1, 2, 3, seed=2), pad=0)],
    generate=lambda rng: {"x": random_images(rng), "pad": int(rng.integers(0, 3))},
    test_implementations=(
        lambda x, pad: np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant", constant_values=0),
        lambda x, pad: _pad_by_assignment(x, pad),
    ),
    mistakes=(
        mistake("pads-all-axes", lambda x, pad: np.pad(x, pad),
                en="np.pad(x, pad) pads every axis, including the batch and the channels: pad only the "
                   "last two, np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)]).",
                ja="np.pad(x, pad) はバッチとチャンネルを含むすべての軸をパディングします。最後の 2 軸だけを "
                   "np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)]) でパディングしてください。"),
        mistake("one-side", lambda x, pad: np.pad(x, [(0, 0), (0, 0), (0, pad), (0, pad)]),
                en="Zeros go on both sides of each axis (before and after): use (pad, pad), not (0, pad).",
                ja="0 は各軸の前後両側に加えます。(0, pad) ではなく (pad, pad) としてください。"),
        mistake("height-only", lambda x, pad: np.pad(x, [(0, 0), (0, 0), (pad, pad), (0, 0)]),
                en="Only the rows are padded: the width needs (pad, pad) too, so H and W both grow by 2·pad.",
                ja="高さ方向だけがパディングされています。幅にも (pad, pad) を指定し、H と W の両方を 2·pad 増やしてください。"),
    ),
)


def _pad_by_assignment(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    out[:, :, pad:pad + H, pad:pad + W] = x
    return out


# conv.im2col -------------------------------------------------------------------------------------

def _out(size, filter_size, stride, pad):
    return (size + 2 * pad - filter_size) // stride + 1


def im2col_textbook(input_data, filter_h, filter_w, stride=1, pad=0):
    """The textbook's layout: gather each filter offset for all windows, then transpose."""
    N, C, H, W = input_data.shape
    out_h, out_w = _out(H, filter_h, stride, pad), _out(W, filter_w, stride, pad)
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        for x in range(filter_w):
            col[:, :, y, x, :, :] = img[:, :, y:y + stride * out_h:stride, x:x + stride * out_w:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def im2col_per_window(input_data, filter_h, filter_w, stride=1, pad=0):
    """One row per window, in the order (n, i, j)."""
    N, C, H, W = input_data.shape
    out_h, out_w = _out(H, filter_h, stride, pad), _out(W, filter_w, stride, pad)
    img = ref.zero_pad(input_data, pad)
    rows = [img[n, :, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w].ravel()
            for n in range(N) for i in range(out_h) for j in range(out_w)]
    return np.array(rows)


def im2col_hwc_columns(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h, out_w = _out(H, filter_h, stride, pad), _out(W, filter_w, stride, pad)
    col = ref.im2col(input_data, filter_h, filter_w, stride, pad)
    return col.reshape(-1, C, filter_h, filter_w).transpose(0, 2, 3, 1).reshape(N * out_h * out_w, -1)


def im2col_rows_w_first(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h, out_w = _out(H, filter_h, stride, pad), _out(W, filter_w, stride, pad)
    col = ref.im2col(input_data, filter_h, filter_w, stride, pad)
    return col.reshape(N, out_h, out_w, -1).transpose(0, 2, 1, 3).reshape(N * out_h * out_w, -1)


def im2col_rows_batch_last(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h, out_w = _out(H, filter_h, stride, pad), _out(W, filter_w, stride, pad)
    col = ref.im2col(input_data, filter_h, filter_w, stride, pad)
    return col.reshape(N, out_h, out_w, -1).transpose(1, 2, 0, 3).reshape(N * out_h * out_w, -1)


def im2col_without_padding(input_data, filter_h, filter_w, stride=1, pad=0):
    return ref.im2col(input_data, filter_h, filter_w, stride, 0)


def im2col_slices_without_step(input_data, filter_h, filter_w, stride=1, pad=0):
    """Window count from the stride, but each offset's slice takes neighbouring pixels (no ::stride)."""
    N, C, H, W = input_data.shape
    out_h, out_w = _out(H, filter_h, stride, pad), _out(W, filter_w, stride, pad)
    img = ref.zero_pad(input_data, pad)
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        for x in range(filter_w):
            col[:, :, y, x, :, :] = img[:, :, y:y + out_h, x:x + out_w]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def random_geometry(rng):
    """Images with a filter, stride and padding that leave at least one window."""
    x = random_images(rng, max_side=6)
    pad = int(rng.integers(0, 2))
    stride = int(rng.integers(1, 3))
    filter_h = int(rng.integers(1, min(3, x.shape[2] + 2 * pad) + 1))
    filter_w = int(rng.integers(1, min(3, x.shape[3] + 2 * pad) + 1))
    return x, filter_h, filter_w, stride, pad


def random_im2col(rng):
    x, filter_h, filter_w, stride, pad = random_geometry(rng)
    return {"input_data": x, "filter_h": filter_h, "filter_w": filter_w, "stride": stride, "pad": pad}


# ((English, Japanese) label, shape, filter_h, filter_w, stride, pad, seed): shared by im2col and col2im.
GEOMETRIES = [
    (("one 3×3 image, 2×2 filter", "3×3 の画像 1 枚、2×2 のフィルタ"), (1, 1, 3, 3), 2, 2, 1, 0, None),
    (("(2, 2, 4, 5), 3×2 filter, pad 1", "(2, 2, 4, 5)、3×2 のフィルタ、パディング 1"), (2, 2, 4, 5), 3, 2, 1, 1, 3),
    (("(1, 3, 5, 5), 3×3 filter, stride 2",
      "(1, 3, 5, 5)、3×3 のフィルタ、ストライド 2"), (1, 3, 5, 5), 3, 3, 2, 0, 4),
    (("(2, 1, 6, 5), 2×2 filter, stride 2, pad 1",
      "(2, 1, 6, 5)、2×2 のフィルタ、ストライド 2、パディング 1"), (2, 1, 6, 5), 2, 2, 2, 1, 5),
    # (7 − 2)/3 ≈ 1.67 rows and (6 − 3)/3 = 1 columns: a rounded out_h would be 3, not 2
    (("(1, 2, 7, 6), 2×3 filter, stride 3",
      "(1, 2, 7, 6)、2×3 のフィルタ、ストライド 3"), (1, 2, 7, 6), 2, 3, 3, 0, 8),
]


def _geometry_image(shape, seed):
    if seed is None:  # small enough to follow by hand: the rows are [0 1 3 4], [1 2 4 5], ...
        return np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    return _values(*shape, seed=seed)


exercise(
    "conv.im2col", ref.im2col,
    [*(fixed(name, input_data=_geometry_image(shape, seed), filter_h=fh, filter_w=fw, stride=s, pad=p)
       for name, shape, fh, fw, s, p, seed in GEOMETRIES),
     fixed(("defaults stride 1, pad 0: (1, 2, 3, 4), 2×3 filter",
            "既定のストライド 1、パディング 0: (1, 2, 3, 4)、2×3 のフィルタ"), input_data=_values(1, 2, 3, 4, seed=9),
           filter_h=2, filter_w=3)],
    generate=random_im2col,
    test_implementations=(im2col_textbook, im2col_per_window),
    mistakes=(
        mistake("columns-hwc", im2col_hwc_columns,
                en="The columns must run over (channel, filter row, filter column), the channel slowest, "
                   "as W.reshape(FN, -1) flattens a filter (FN, C, FH, FW); yours put the channel last "
                   "(FH, FW, C). Transpose to (N, out_h, out_w, C, FH, FW) before reshaping.",
                ja="列は (チャンネル, フィルタの行, フィルタの列) の順 (チャンネルが最も外側) でなければなりません。"
                   "フィルタ (FN, C, FH, FW) を W.reshape(FN, -1) で平らにした順と同じです。チャンネルが最後 "
                   "(FH, FW, C) になっています。reshape の前に (N, out_h, out_w, C, FH, FW) に転置してください。"),
        mistake("row-order", im2col_rows_w_first, im2col_rows_batch_last,
                en="The rows must be ordered (sample, output row, output column), the output column "
                   "fastest, so that the product reshapes to (N, out_h, out_w, FN). Check the axes you "
                   "transpose before the final reshape: (N, out_h, out_w, C, FH, FW).",
                ja="行の順序は (サンプル, 出力の行, 出力の列) で、出力の列が最も速く変わる必要があります "
                   "(積を (N, out_h, out_w, FN) に reshape するため)。最後の reshape の前の転置を "
                   "(N, out_h, out_w, C, FH, FW) にしてください。"),
        mistake("padding-ignored", im2col_without_padding,
                en="pad is ignored: surround the images with pad zeros on the last two axes first "
                   "(np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])), and count the windows with "
                   "H + 2·pad.",
                ja="pad が無視されています。先に最後の 2 軸の周囲に pad 個の 0 を加え "
                   "(np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)]))、窓の数も H + 2·pad で数えてください。"),
        mistake("stride-not-in-slice", im2col_slices_without_step,
                en="With stride S the windows start S pixels apart: slice each filter offset with a step, "
                   "img[:, :, y:y + S·out_h:S, x:x + S·out_w:S], not img[:, :, y:y + out_h, x:x + out_w].",
                ja="ストライド S では窓は S ピクセルずつずれます。各オフセットのスライスにステップを付け "
                   "img[:, :, y:y + S·out_h:S, x:x + S·out_w:S] としてください (img[:, :, y:y + out_h, ...] ではありません)。"),
    ),
)


# conv.col2im -------------------------------------------------------------------------------------

def _col2im_by_offsets(col, input_shape, filter_h, filter_w, stride, pad, combine, strip=True,
                       layout="chw"):
    """The textbook's loop with a choice of how overlaps combine (for the alternatives and mistakes)."""
    N, C, H, W = input_shape
    out_h, out_w = _out(H, filter_h, stride, pad), _out(W, filter_w, stride, pad)
    if layout == "chw":
        blocks = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    else:  # columns read as (FH, FW, C)
        blocks = col.reshape(N, out_h, out_w, filter_h, filter_w, C).transpose(0, 5, 3, 4, 1, 2)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    count = np.zeros_like(img)
    for y in range(filter_h):
        for x in range(filter_w):
            window = (slice(None), slice(None), slice(y, y + stride * out_h, stride),
                      slice(x, x + stride * out_w, stride))
            if combine == "assign":
                img[window] = blocks[:, :, y, x]
            else:
                img[window] += blocks[:, :, y, x]
                count[window] += 1
    if combine == "average":
        img = img / np.maximum(count, 1)
    return img[:, :, pad:pad + H, pad:pad + W] if strip else img


def col2im_textbook(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    return _col2im_by_offsets(col, input_shape, filter_h, filter_w, stride, pad, "add")


def col2im_per_window(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """One window at a time: add each row, reshaped to (C, FH, FW), where im2col read it."""
    N, C, H, W = input_shape
    out_h, out_w = _out(H, filter_h, stride, pad), _out(W, filter_w, stride, pad)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    rows = iter(col)
    for n in range(N):
        for i in range(out_h):
            for j in range(out_w):
                img[n, :, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w] += \
                    next(rows).reshape(C, filter_h, filter_w)
    return img[:, :, pad:pad + H, pad:pad + W]


def random_col2im(rng):
    x, filter_h, filter_w, stride, pad = random_geometry(rng)
    N, C, H, W = x.shape
    rows = N * _out(H, filter_h, stride, pad) * _out(W, filter_w, stride, pad)
    return {"col": rng.normal(size=(rows, C * filter_h * filter_w)), "input_shape": x.shape,
            "filter_h": filter_h, "filter_w": filter_w, "stride": stride, "pad": pad}


def _col2im_case(name, shape, fh, fw, s, p, seed):
    rows = shape[0] * _out(shape[2], fh, s, p) * _out(shape[3], fw, s, p)
    columns = shape[1] * fh * fw
    col = np.ones((rows, columns)) if seed is None else _values(rows, columns, seed=seed + 10)
    english, japanese = name
    if seed is None:  # all ones: the count of covering windows is the thing to read off
        english += ": all ones, so each pixel shows how many windows cover it"
        japanese += ": すべて 1 なので、各画素の値はそれを覆う窓の数"
    return fixed((english, japanese), col=col, input_shape=shape, filter_h=fh, filter_w=fw, stride=s, pad=p)


def col2im_adjoint_check(implementation):
    """col2im(c) is the gradient of Σ im2col(x)·c with respect to x (the adjoint of im2col)."""
    shape, fh, fw, stride, pad = (2, 2, 5, 5), 3, 2, 2, 1  # every pixel lies in some window
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    c = rng.normal(size=ref.im2col(x, fh, fw, stride, pad).shape)
    numeric = numerical_gradient(lambda: float(np.sum(ref.im2col(x, fh, fw, stride, pad) * c)), x)
    analytic = implementation(c.copy(), shape, fh, fw, stride, pad)
    return [("col2im(c) = d/dx Σ im2col(x)·c", np.asarray(analytic), numeric)]


exercise(
    "conv.col2im", ref.col2im,
    [*(_col2im_case(*geometry) for geometry in GEOMETRIES),
     fixed(("defaults stride 1, pad 0: (1, 2, 3, 4), 2×3 filter",
            "既定のストライド 1、パディング 0: (1, 2, 3, 4)、2×3 のフィルタ"),
           col=_values(4, 12, seed=19), input_shape=(1, 2, 3, 4),
           filter_h=2, filter_w=3)],
    generate=random_col2im,
    test_implementations=(col2im_textbook, col2im_per_window),
    mistakes=(
        mistake("assigns-overlaps",
                lambda col, input_shape, filter_h, filter_w, stride=1, pad=0:
                _col2im_by_offsets(col, input_shape, filter_h, filter_w, stride, pad, "assign"),
                en="Where windows overlap, a pixel received a contribution from every window that read it: "
                   "add them up (img[...] += ...), do not overwrite (img[...] = ...): col2im is the "
                   "adjoint (transpose) of im2col, so every window's contribution counts.",
                ja="窓が重なる画素は、それを読んだすべての窓から寄与を受けます。上書き (=) ではなく"
                   "足し合わせて (+=) ください。col2im は im2col の随伴 (転置) なので、すべての窓の寄与が数えられます。"),
        mistake("averages-overlaps",
                lambda col, input_shape, filter_h, filter_w, stride=1, pad=0:
                _col2im_by_offsets(col, input_shape, filter_h, filter_w, stride, pad, "average"),
                en="Dividing by the number of overlapping windows would invert im2col, but backward needs "
                   "the sum of the gradients from every window (the adjoint): do not divide.",
                ja="重なった窓の数で割ると im2col の逆写像になりますが、逆伝播では各窓からの勾配の"
                   "和 (随伴) が必要です。割らないでください。"),
        mistake("padding-not-stripped",
                lambda col, input_shape, filter_h, filter_w, stride=1, pad=0:
                _col2im_by_offsets(col, input_shape, filter_h, filter_w, stride, pad, "add", strip=False),
                en="Return the image without its padding: img[:, :, pad:pad + H, pad:pad + W], shape "
                   "input_shape (the gradient of the added zeros is not needed).",
                ja="パディングを取り除いて返してください: img[:, :, pad:pad + H, pad:pad + W] (形は input_shape)。"
                   "付け足した 0 の勾配は不要です。"),
        mistake("columns-hwc",
                lambda col, input_shape, filter_h, filter_w, stride=1, pad=0:
                _col2im_by_offsets(col, input_shape, filter_h, filter_w, stride, pad, "add", layout="hwc"),
                en="The columns are (channel, filter row, filter column), the channel slowest, as im2col "
                   "lays them out: reshape col to (N, out_h, out_w, C, FH, FW), not (..., FH, FW, C).",
                ja="列は im2col と同じく (チャンネル, フィルタの行, フィルタの列) の順です。col を "
                   "(N, out_h, out_w, C, FH, FW) に reshape してください ((..., FH, FW, C) ではありません)。"),
    ),
    gradient_check=col2im_adjoint_check,
)


# conv.avg_pool -----------------------------------------------------------------------------------

def _pool_windows(x, pool_h, pool_w, stride_h, stride_w):
    return sliding_window_view(x, (pool_h, pool_w), axis=(2, 3))[:, :, ::stride_h, ::stride_w]


def avg_pool_via_im2col(x, pool_h, pool_w, stride):
    N, C, H, W = x.shape
    out_h, out_w = _out(H, pool_h, stride, 0), _out(W, pool_w, stride, 0)
    col = ref.im2col(x.reshape(N * C, 1, H, W), pool_h, pool_w, stride, 0)
    return col.mean(axis=1).reshape(N, C, out_h, out_w)


def avg_pool_loops(x, pool_h, pool_w, stride):
    N, C, H, W = x.shape
    out = np.zeros((N, C, _out(H, pool_h, stride, 0), _out(W, pool_w, stride, 0)))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = x[:, :, i * stride:i * stride + pool_h, j * stride:j * stride + pool_w]
            out[:, :, i, j] = window.sum(axis=(2, 3)) / (pool_h * pool_w)
    return out


def random_pool(rng):
    x = random_images(rng, max_side=7)
    return {"x": x, "pool_h": int(rng.integers(1, min(3, x.shape[2]) + 1)),
            "pool_w": int(rng.integers(1, min(3, x.shape[3]) + 1)), "stride": int(rng.integers(1, 4))}


exercise(
    "conv.avg_pool", ref.avg_pool,
    [fixed(("one 4×4 image 0 … 15, 2×2 windows, stride 2 → [[2.5, 4.5], [10.5, 12.5]]",
            "4×4 の画像 (0 … 15) 1 枚、2×2 の窓、ストライド 2 → [[2.5, 4.5], [10.5, 12.5]]"),
           x=np.arange(16.0).reshape(1, 1, 4, 4), pool_h=2, pool_w=2, stride=2),
     fixed(("(2, 2, 3, 4), overlapping 2×2 windows, stride 1",
            "(2, 2, 3, 4)、重なり合う 2×2 の窓、ストライド 1"), x=_values(2, 2, 3, 4, seed=6),
           pool_h=2, pool_w=2, stride=1),
     fixed(("(1, 2, 5, 7), 3×2 windows, stride 2",
            "(1, 2, 5, 7)、3×2 の窓、ストライド 2"), x=_values(1, 2, 5, 7, seed=7), pool_h=3, pool_w=2, stride=2),
     fixed(("(2, 1, 7, 6), 2×2 windows, stride 3: (7 − 2)/3 ≈ 1.67 → 2 rows",
            "(2, 1, 7, 6)、2×2 の窓、ストライド 3: (7 − 2)/3 ≈ 1.67 → 2 行"), x=_values(2, 1, 7, 6, seed=10),
           pool_h=2, pool_w=2, stride=3)],
    generate=random_pool,
    test_implementations=(avg_pool_via_im2col, avg_pool_loops),
    mistakes=(
        mistake("takes-max", lambda x, pool_h, pool_w, stride:
                _pool_windows(x, pool_h, pool_w, stride, stride).max(axis=(4, 5)),
                en="This is max pooling: average pooling takes the mean of each window (np.mean over "
                   "the window's two axes).",
                ja="これは最大値プーリングです。平均プーリングでは各窓の平均 (窓の 2 軸での np.mean) を取ります。"),
        mistake("sums-window", lambda x, pool_h, pool_w, stride:
                _pool_windows(x, pool_h, pool_w, stride, stride).sum(axis=(4, 5)),
                en="Divide each window's sum by its size pool_h·pool_w (or use the mean).",
                ja="各窓の和を大きさ pool_h·pool_w で割ってください (または平均を使ってください)。"),
        mistake("stride-as-pool", lambda x, pool_h, pool_w, stride:
                _pool_windows(x, pool_h, pool_w, pool_h, pool_w).mean(axis=(4, 5)),
                en="The windows move by stride, which need not equal the window size: start window (i, j) "
                   "at row i·stride and column j·stride.",
                ja="窓は stride ずつ動きます (窓の大きさと同じとは限りません)。窓 (i, j) は"
                   "行 i·stride、列 j·stride から始めてください。"),
        mistake("pool-dims-swapped", lambda x, pool_h, pool_w, stride:
                _pool_windows(x, pool_w, pool_h, stride, stride).mean(axis=(4, 5)),
                en="pool_h is the window's height (along H, axis 2) and pool_w its width (along W, axis 3): "
                   "they are swapped.",
                ja="pool_h は窓の高さ (H 方向、軸 2)、pool_w は幅 (W 方向、軸 3) です。入れ替わっています。"),
    ),
)
