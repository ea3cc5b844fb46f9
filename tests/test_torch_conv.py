"""reference.conv against PyTorch's own ops (CPU, float64) on random images and geometries.

Layouts: ``F.unfold`` returns (N, C·kh·kw, L), its columns (C, kh, kw) and its L windows ordered
(out_h, out_w); our im2col returns (N·out_h·out_w, C·kh·kw), one row per window. So
``im2col(x) == unfold(x).transpose(1, 2).reshape(N·L, C·kh·kw)``, and ``F.fold`` (which sums
overlapping windows) takes the same rearrangement back.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reference import conv

# (shape (N, C, H, W), filter_h, filter_w, stride, pad): square and not, overlapping and not,
# strides that do not divide H + 2·pad − filter, padding wider than the stride.
GEOMETRIES = [
    ((2, 3, 7, 6), 3, 3, 1, 1),
    ((1, 1, 5, 5), 1, 1, 1, 0),
    ((3, 2, 8, 8), 2, 2, 2, 0),
    ((2, 2, 9, 7), 4, 3, 3, 2),
    ((2, 3, 6, 6), 2, 2, 1, 1),
    ((1, 4, 10, 5), 3, 2, 2, 1),
    ((4, 1, 4, 9), 4, 5, 1, 0),
]


def tensor(array):
    return torch.from_numpy(np.ascontiguousarray(array))


@pytest.mark.parametrize("shape, fh, fw, stride, pad", GEOMETRIES)
def test_im2col_matches_unfold(shape, fh, fw, stride, pad):
    x = np.random.default_rng(0).normal(size=shape)
    unfolded = F.unfold(tensor(x), (fh, fw), padding=pad, stride=stride).numpy()  # (N, C·fh·fw, L)
    expected = unfolded.transpose(0, 2, 1).reshape(-1, unfolded.shape[1])
    np.testing.assert_array_equal(conv.im2col(x, fh, fw, stride, pad), expected)


@pytest.mark.parametrize("shape, fh, fw, stride, pad", GEOMETRIES)
def test_col2im_matches_fold(shape, fh, fw, stride, pad):
    N, C, H, W = shape
    rows = N * conv.conv_output_size(H, fh, stride, pad) * conv.conv_output_size(W, fw, stride, pad)
    col = np.random.default_rng(1).normal(size=(rows, C * fh * fw))
    folded = F.fold(tensor(col.reshape(N, -1, C * fh * fw).transpose(0, 2, 1)), (H, W), (fh, fw),
                    padding=pad, stride=stride).numpy()
    np.testing.assert_allclose(conv.col2im(col, shape, fh, fw, stride, pad), folded, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape, fh, fw, stride, pad", GEOMETRIES)
def test_col2im_is_the_gradient_of_unfold(shape, fh, fw, stride, pad):
    """Autograd through F.unfold: d/dx Σ unfold(x)·c = col2im(c), the adjoint."""
    rng = np.random.default_rng(2)
    x = tensor(rng.normal(size=shape)).requires_grad_()
    unfolded = F.unfold(x, (fh, fw), padding=pad, stride=stride)
    c = rng.normal(size=(unfolded.shape[0] * unfolded.shape[2], unfolded.shape[1]))
    weights = tensor(c.reshape(unfolded.shape[0], unfolded.shape[2], unfolded.shape[1]).transpose(0, 2, 1))
    (unfolded * weights).sum().backward()
    np.testing.assert_allclose(conv.col2im(c, shape, fh, fw, stride, pad), x.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape, fh, fw, stride, pad", GEOMETRIES)
def test_convolution_by_im2col_matches_conv2d(shape, fh, fw, stride, pad):
    """The column layout (C, fh, fw) is the one W.reshape(FN, -1) gives: im2col(x) @ W.T is conv2d."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    W = rng.normal(size=(5, shape[1], fh, fw))
    N, _, H, Wd = shape
    out_h, out_w = conv.conv_output_size(H, fh, stride, pad), conv.conv_output_size(Wd, fw, stride, pad)
    ours = (conv.im2col(x, fh, fw, stride, pad) @ W.reshape(5, -1).T).reshape(N, out_h, out_w, 5)
    theirs = F.conv2d(tensor(x), tensor(W), stride=stride, padding=pad).numpy()
    np.testing.assert_allclose(ours.transpose(0, 3, 1, 2), theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape, ph, pw, stride", [
    ((2, 3, 4, 4), 2, 2, 2), ((1, 2, 5, 7), 3, 2, 2), ((2, 2, 3, 4), 2, 2, 1), ((3, 1, 9, 8), 3, 3, 3),
    ((1, 1, 6, 6), 1, 1, 1), ((2, 4, 7, 5), 2, 3, 1),
])
def test_avg_pool_matches_avg_pool2d(shape, ph, pw, stride):
    x = np.random.default_rng(4).normal(size=shape)
    expected = F.avg_pool2d(tensor(x), (ph, pw), stride=stride).numpy()
    np.testing.assert_allclose(conv.avg_pool(x, ph, pw, stride), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("pad", [0, 1, 3])
def test_zero_pad_matches_pad(pad):
    x = np.random.default_rng(5).normal(size=(2, 3, 4, 5))
    expected = F.pad(tensor(x), (pad, pad, pad, pad)).numpy()
    np.testing.assert_array_equal(conv.zero_pad(x, pad), expected)


@pytest.mark.parametrize("size, filter_size, stride, pad", [
    (6, 2, 1, 1),                                   # the material's example: 7
    (32, 5, 1, 0), (14, 5, 1, 0),                   # LeNet's convolutions: 28, 10
    (28, 3, 1, 1), (7, 2, 2, 0), (9, 4, 3, 2), (10, 3, 2, 1), (5, 5, 1, 0), (1, 3, 1, 1),
])
def test_conv_output_size_matches_conv2d(size, filter_size, stride, pad):
    x = torch.zeros(1, 1, size, size + 3, dtype=torch.float64)
    W = torch.zeros(1, 1, filter_size, filter_size, dtype=torch.float64)
    out = F.conv2d(x, W, stride=stride, padding=pad)
    got = conv.conv_output_size(size, filter_size, stride, pad)
    assert isinstance(got, int)
    assert got == out.shape[2]
    assert conv.conv_output_size(size + 3, filter_size, stride, pad) == out.shape[3]


@pytest.mark.parametrize("size, expected", [(28, 14), (10, 5), (7, 3)])
def test_conv_output_size_matches_max_pool2d(size, expected):
    """LeNet's subsampling: 2×2 windows with stride 2 (28 → 14, 10 → 5)."""
    out = F.max_pool2d(torch.zeros(1, 1, size, size, dtype=torch.float64), 2, stride=2)
    assert conv.conv_output_size(size, 2, stride=2) == out.shape[2] == expected
