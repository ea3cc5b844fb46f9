r"""Convolution helpers (Day 2, section 4): output sizes, zero padding, im2col/col2im, average pooling.

Images are batches ``x: (N, C, H, W)``: N samples, C channels, H rows, W columns. A filter of
``filter_h × filter_w`` slides over each image with a step of ``stride`` after ``pad`` zeros are
added on every side of the last two axes.

``im2col`` turns every window the filter visits into one row, so that a convolution becomes a
single matrix product; ``col2im`` is its adjoint (the transpose of that linear map), which carries
gradients back from the rows to the image: where windows overlap, their contributions add up.
Neither loops over output pixels: for each offset inside the filter (``filter_h × filter_w`` of
them) im2col copies one vectorised slab of the padded image and col2im adds one back.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    r"""Output length along one axis of a convolution or pooling window.

    .. math:: O = \left\lfloor \frac{I + 2P - F}{S} \right\rfloor + 1

    with input size I, padding P, filter size F and stride S. The worked example: a 6×6 image,
    a 2×2 filter, stride 1 and padding 1 give (6 + 2 − 2)/1 + 1 = 7, a 7×7 output.

    Args:
        input_size: I, the image's height (or width).
        filter_size: F, the filter's height (or width).
        stride: S, the step between two windows.
        pad: P, the zeros added on each side.

    Returns:
        int: the number of windows along the axis.
    """
    return int((input_size + 2 * pad - filter_size) // stride + 1)


def zero_pad(x, pad):
    r"""Surround every image with ``pad`` zeros on all four sides (rows and columns only).

    .. math:: x^{\text{pad}}_{n,c,i+P,j+P} = x_{n,c,i,j}, \quad 0 \text{ elsewhere}

    Args:
        x: (N, C, H, W) images.
        pad: P ≥ 0, the zeros added before and after each of the last two axes.

    Returns:
        (N, C, H + 2P, W + 2P) array; the batch and channel axes are not padded.
    """
    x = np.asarray(x)
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")


def _windows(x, filter_h, filter_w, stride):
    """A read-only view (N, C, out_h, out_w, filter_h, filter_w) of the windows of x (no copy)."""
    view = sliding_window_view(x, (filter_h, filter_w), axis=(2, 3))
    return view[:, :, ::stride, ::stride]


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    r"""Unroll every filter window of a batch of images into one row of a matrix.

    .. math:: \mathrm{col}\big[(n, i, j),\ (c, u, v)\big] = x^{\text{pad}}_{n,\,c,\,iS+u,\,jS+v}

    Row index (n, i, j) runs over samples, output rows and output columns (in that order, the last
    fastest); column index (c, u, v) over channels and the offsets inside the filter. A
    convolution with weights W (FN, C, FH, FW) is then ``im2col(x) @ W.reshape(FN, -1).T``.

    Args:
        input_data: (N, C, H, W) images.
        filter_h: FH, the filter's height.
        filter_w: FW, the filter's width.
        stride: S, the step between two windows.
        pad: P, the zeros added on each side before the windows are taken.

    Returns:
        (N·out_h·out_w, C·FH·FW) array with out_h = (H + 2P − FH)//S + 1 and
        out_w = (W + 2P − FW)//S + 1.
    """
    x = np.asarray(input_data)
    N, C, H, W = x.shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)
    # The padded image channels-last (N, H + 2P, W + 2P, C), so that each of the FH·FW slab copies
    # below moves runs of C contiguous numbers: col2im's loop, run forwards.
    img = np.zeros((N, H + 2 * pad, W + 2 * pad, C), dtype=x.dtype)
    img[:, pad:pad + H, pad:pad + W, :] = x.transpose(0, 2, 3, 1)
    col = np.empty((N, out_h, out_w, C, filter_h, filter_w), dtype=x.dtype)
    for u in range(filter_h):
        u_end = u + stride * out_h
        for v in range(filter_w):
            v_end = v + stride * out_w
            col[:, :, :, :, u, v] = img[:, u:u_end:stride, v:v_end:stride, :]
    return col.reshape(N * out_h * out_w, C * filter_h * filter_w)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    r"""Fold rows of windows back into images, adding up where windows overlap (adjoint of im2col).

    .. math:: x_{n,c,h,w} = \sum_{(i,u):\ iS+u = h+P}\ \sum_{(j,v):\ jS+v = w+P}
              \mathrm{col}\big[(n, i, j),\ (c, u, v)\big]

    For any x and col of matching shapes,
    :math:`\langle \mathrm{im2col}(x), \mathrm{col}\rangle = \langle x, \mathrm{col2im}(\mathrm{col})\rangle`:
    this is why the backward pass of a convolution uses col2im on the gradient of its rows. The
    padding is stripped at the end (the gradient of the added zeros is discarded).

    Args:
        col: (N·out_h·out_w, C·FH·FW) rows as im2col lays them out.
        input_shape: (N, C, H, W), the shape of the images that im2col read.
        filter_h: FH, the filter's height.
        filter_w: FW, the filter's width.
        stride: S, the step between two windows.
        pad: P, the zeros im2col added on each side.

    Returns:
        (N, C, H, W) array.
    """
    N, C, H, W = input_shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)
    col = np.asarray(col)
    dtype = np.float64 if col.dtype.kind in "biu" else col.dtype
    # The rows as (N, out_h, out_w, C, FH, FW), a view; the image is accumulated channels-last
    # (N, H, W, C) so that each of the FH·FW slab additions below reads and writes runs of C
    # contiguous numbers, with no transposed copy of col.
    blocks = col.reshape(N, out_h, out_w, C, filter_h, filter_w)
    img = np.zeros((N, H + 2 * pad, W + 2 * pad, C), dtype=dtype)
    for u in range(filter_h):
        u_end = u + stride * out_h
        for v in range(filter_w):
            v_end = v + stride * out_w
            img[:, u:u_end:stride, v:v_end:stride, :] += blocks[:, :, :, :, u, v]
    # Strip the padding and return (N, C, H, W) (a transposed view of the new array).
    return img[:, pad:pad + H, pad:pad + W, :].transpose(0, 3, 1, 2)


def avg_pool(x, pool_h, pool_w, stride):
    r"""Average pooling: the mean of every ``pool_h × pool_w`` window, channel by channel.

    .. math:: y_{n,c,i,j} = \frac{1}{P_H P_W} \sum_{u=0}^{P_H-1} \sum_{v=0}^{P_W-1} x_{n,\,c,\,iS+u,\,jS+v}

    No padding; windows that would run past the edge are dropped, as in
    :func:`conv_output_size` with P = 0.

    Args:
        x: (N, C, H, W) images.
        pool_h: P_H, the window's height.
        pool_w: P_W, the window's width.
        stride: S, the step between two windows.

    Returns:
        (N, C, out_h, out_w) array with out_h = (H − P_H)//S + 1 and out_w = (W − P_W)//S + 1.
    """
    x = np.asarray(x, dtype=np.float64)
    return _windows(x, pool_h, pool_w, stride).mean(axis=(4, 5))
