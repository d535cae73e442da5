"""MaxPool1d/2d, AvgPool2d and AdaptiveAvgPool2d against torch in float64."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import v2_tensor as vt
import v3_nn as nn
from v3_nn.functional.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d

TOL = dict(rtol=1e-12, atol=1e-12)


def assert_pool_matches(ours, theirs, x: np.ndarray):
    x_ours, x_torch = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_torch = ours(x_ours), theirs(x_torch)
    assert y_ours.shape == tuple(y_torch.shape)
    np.testing.assert_allclose(y_ours.array, y_torch.detach().numpy(), **TOL)
    grad_y = np.random.default_rng(1).standard_normal(y_torch.shape)
    y_ours.backward(vt.tensor(grad_y))
    y_torch.backward(torch.from_numpy(grad_y))
    np.testing.assert_allclose(x_ours.grad.array, x_torch.grad.numpy(), **TOL)


MAX_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1),  # overlapping windows: gradients add up
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1)),
    dict(kernel_size=3, stride=2, padding=1, dilation=2),
    dict(kernel_size=2, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
]


@pytest.mark.parametrize("kw", MAX_CASES, ids=str)
@pytest.mark.parametrize("values", ["distinct", "ties"])
def test_max_pool2d_matches_torch(kw, values):
    rng = np.random.default_rng(0)
    shape = (2, 3, 7, 9)
    x = rng.standard_normal(shape) if values == "distinct" else rng.integers(0, 3, shape) * 1.0
    assert_pool_matches(nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), x)


@pytest.mark.parametrize(
    "kw",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=1, padding=1),
        dict(kernel_size=2, dilation=3),
    ],
    ids=str,
)
def test_max_pool1d_matches_torch(kw):
    x = np.random.default_rng(0).integers(0, 4, (2, 3, 11)) * 1.0
    assert_pool_matches(nn.MaxPool1d(**kw), torch.nn.MaxPool1d(**kw), x)


@pytest.mark.parametrize("dims", [1, 2])
def test_max_pool_return_indices_match_torch(dims):
    kw = dict(kernel_size=3, stride=2, padding=1, return_indices=True, ceil_mode=True)
    shape = (2, 3, 7, 8)[: 2 + dims]
    x = np.random.default_rng(0).integers(0, 3, shape) * 1.0
    ours = (nn.MaxPool1d if dims == 1 else nn.MaxPool2d)(**kw)
    theirs = (torch.nn.MaxPool1d if dims == 1 else torch.nn.MaxPool2d)(**kw)
    (y, indices), (y_torch, indices_torch) = ours(vt.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_array_equal(y.array, y_torch.numpy())
    np.testing.assert_array_equal(indices.array, indices_torch.numpy())


def test_max_pool_propagates_nan_like_torch():
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 6))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 1, 2, 3] = np.nan  # two NaNs share a window
    ours, theirs = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (y, indices), (y_torch, indices_torch) = (
        max_pool2d(ours, 2, return_indices=True),
        torch.nn.functional.max_pool2d(theirs, 2, return_indices=True),
    )
    np.testing.assert_array_equal(y.array, y_torch.detach().numpy())
    np.testing.assert_array_equal(indices.array, indices_torch.numpy())
    y.sum().backward()
    y_torch.sum().backward()
    np.testing.assert_array_equal(ours.grad.array, theirs.grad.numpy())


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1)], ids=str)
def test_max_pool_routes_an_infinite_gradient_only_to_the_argmax(kw):
    x = np.random.default_rng(0).standard_normal((1, 1, 5, 6))
    ours, theirs = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, y_torch = max_pool2d(ours, **kw), torch.nn.functional.max_pool2d(theirs, **kw)
    grad_y = np.ones(y.shape)
    grad_y[0, 0, 0, 1] = np.inf
    y.backward(vt.tensor(grad_y))
    y_torch.backward(torch.from_numpy(grad_y))
    np.testing.assert_array_equal(ours.grad.array, theirs.grad.numpy())


def test_a_window_entirely_in_the_padding_gives_minus_infinity_and_no_gradient():
    x = vt.tensor(np.ones((1, 1, 1, 1)), requires_grad=True)
    y = max_pool2d(x, (1, 2), stride=1, padding=(0, 1), dilation=(1, 2))  # sees x_pad[0], x_pad[2]
    np.testing.assert_array_equal(y.array, [[[[-np.inf]]]])
    y.backward(vt.tensor(np.ones((1, 1, 1, 1))))
    np.testing.assert_array_equal(x.grad.array, [[[[0.0]]]])


def test_max_pool_gradient_goes_to_the_first_maximum_of_a_tie():
    x = vt.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[[[1.0, 0.0], [0.0, 0.0]]]])


AVG_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=1, padding=1, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True),
    dict(
        kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True, count_include_pad=False
    ),
    dict(kernel_size=3, stride=2, padding=1, divisor_override=5),
]


@pytest.mark.parametrize("kw", AVG_CASES, ids=str)
def test_avg_pool2d_matches_torch(kw):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 9))
    assert_pool_matches(nn.AvgPool2d(**kw), torch.nn.AvgPool2d(**kw), x)


@pytest.mark.parametrize(
    "in_size, out_size",
    [((7, 9), (3, 4)), ((10, 3), (4, 2)), ((5, 5), (5, 5)), ((6, 7), 1), ((6, 7), (None, 3))],
)
def test_adaptive_avg_pool2d_matches_torch(in_size, out_size):
    x = np.random.default_rng(0).standard_normal((2, 3, *in_size))
    assert_pool_matches(nn.AdaptiveAvgPool2d(out_size), torch.nn.AdaptiveAvgPool2d(out_size), x)


@given(
    st.integers(1, 12),
    st.integers(1, 12),
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(0, 2**32 - 1),
)
def test_adaptive_avg_pool2d_random_sizes(h, w, out_h, out_w, seed):
    x = np.random.default_rng(seed).standard_normal((1, 2, h, w))
    y = adaptive_avg_pool2d(vt.tensor(x), (out_h, out_w))
    y_torch = torch.nn.functional.adaptive_avg_pool2d(torch.tensor(x), (out_h, out_w))
    np.testing.assert_allclose(y.array, y_torch.numpy(), **TOL)


@st.composite
def pool_geometry(draw, dilated: bool):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilated else (1, 1)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    size = tuple(
        draw(st.integers(max(1, s - 2 * p), s + 7)) for s, p in zip(spans, padding, strict=True)
    )
    kw = dict(
        kernel_size=kernel,
        stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        padding=padding,
        ceil_mode=draw(st.booleans()),
    )
    return size, kw, dilation


@given(
    pool_geometry(dilated=True),
    st.sampled_from(["distinct", "ties", "ties and NaN"]),
    st.integers(0, 2**32 - 1),
)
def test_max_pool2d_random_geometry(geometry, values, seed):
    """Values, indices and gradients as torch's, where maxima tie (the first one wins) and
    where several NaNs share a window (the last one wins)."""
    size, kw, dilation = geometry
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, (2, 2, *size)) * 1.0
    if values == "distinct":
        x = rng.standard_normal(x.shape)
    elif values == "ties and NaN":
        x[rng.random(x.shape) < 0.2] = np.nan
    ours, theirs = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, indices = max_pool2d(ours, dilation=dilation, return_indices=True, **kw)
    y_torch, indices_torch = torch.nn.functional.max_pool2d(
        theirs, dilation=dilation, return_indices=True, **kw
    )
    np.testing.assert_array_equal(y.array, y_torch.detach().numpy())
    # A dilated window can fall entirely in the padding (y = -inf); torch's index then points
    # outside the input plane and its backward writes there, so there is nothing to compare.
    assume(not np.isneginf(y.array).any())
    np.testing.assert_array_equal(indices.array, indices_torch.numpy())
    grad_y = rng.standard_normal(y.shape)
    y.backward(vt.tensor(grad_y))
    y_torch.backward(torch.from_numpy(grad_y))
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), **TOL)


@given(pool_geometry(dilated=False), st.booleans(), st.integers(0, 2**32 - 1))
def test_avg_pool2d_random_geometry(geometry, count_include_pad, seed):
    size, kw, _ = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2, *size))
    ours, theirs = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = avg_pool2d(ours, count_include_pad=count_include_pad, **kw)
    y_torch = torch.nn.functional.avg_pool2d(theirs, count_include_pad=count_include_pad, **kw)
    np.testing.assert_allclose(y.array, y_torch.detach().numpy(), **TOL)
    grad_y = rng.standard_normal(y.shape)
    y.backward(vt.tensor(grad_y))
    y_torch.backward(torch.from_numpy(grad_y))
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), **TOL)


@pytest.mark.parametrize(
    "ours, theirs, shape",
    [
        (nn.MaxPool2d(2), torch.nn.MaxPool2d(2), (3, 6, 5)),
        (nn.MaxPool1d(2), torch.nn.MaxPool1d(2), (3, 7)),
        (nn.AvgPool2d(3, 1, 1), torch.nn.AvgPool2d(3, 1, 1), (3, 6, 5)),
        (nn.AdaptiveAvgPool2d(2), torch.nn.AdaptiveAvgPool2d(2), (3, 5, 5)),
    ],
)
def test_unbatched_pooling_matches_torch(ours, theirs, shape):
    assert_pool_matches(ours, theirs, np.random.default_rng(0).standard_normal(shape))


def test_float32_stays_float32():
    x = vt.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32))
    x.requires_grad_()
    for pool in (nn.MaxPool2d(2), nn.AvgPool2d(3, 2, 1), nn.AdaptiveAvgPool2d((2, 4))):
        x.grad = None
        y = pool(x)
        y.sum().backward()
        assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_gradcheck_pooling():
    rng = np.random.default_rng(0)
    x = vt.tensor(rng.standard_normal((2, 2, 6, 7)), requires_grad=True)
    assert vt.autograd.gradcheck(lambda x: max_pool2d(x, 3, 2, 1, dilation=(1, 2)), (x,))
    assert vt.autograd.gradcheck(lambda x: avg_pool2d(x, 3, 2, 1, count_include_pad=False), (x,))
    assert vt.autograd.gradcheck(lambda x: adaptive_avg_pool2d(x, (4, 3)), (x,))


def test_reprs_follow_torch():
    for args in [(2,), (3, 1, 1)]:
        assert repr(nn.MaxPool2d(*args)) == repr(torch.nn.MaxPool2d(*args))
        assert repr(nn.AvgPool2d(*args)) == repr(torch.nn.AvgPool2d(*args))
    assert repr(nn.MaxPool1d(3, 2)) == repr(torch.nn.MaxPool1d(3, 2))
    assert repr(nn.AdaptiveAvgPool2d((5, None))) == repr(torch.nn.AdaptiveAvgPool2d((5, None)))


def test_bad_input_raises_clear_errors():
    image = vt.tensor(np.zeros((1, 1, 4, 4)))
    with pytest.raises(RuntimeError, match="max_pool2d: expected 3D .* or 4D"):
        max_pool2d(vt.tensor(np.zeros((4, 4))), 2)
    with pytest.raises(RuntimeError, match="max_pool1d: expected 2D .* or 3D"):
        nn.MaxPool1d(2)(image)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        max_pool2d(image, 2, padding=2)
    with pytest.raises(RuntimeError, match="too small"):
        avg_pool2d(image, 5)
    with pytest.raises(RuntimeError, match="must be positive"):
        max_pool2d(image, 2, stride=0)
    with pytest.raises(RuntimeError, match="output_size must be greater than or equal to 0"):
        adaptive_avg_pool2d(image, (-1, 2))
    with pytest.raises(TypeError, match="input must be a Tensor"):
        avg_pool2d(np.zeros((1, 1, 4, 4)), 2)
    with pytest.raises(NotImplementedError, match="adaptive_avg_pool2d.* not implemented for int"):
        adaptive_avg_pool2d(vt.tensor(np.zeros((1, 1, 4, 4), np.int64)), 2)


def test_integer_pooling_matches_torch():
    x = np.arange(16).reshape(1, 1, 4, 4) * 3 - 20
    for pool in (max_pool2d, avg_pool2d):
        ours = pool(vt.tensor(x), 3, padding=1, ceil_mode=True)
        theirs = getattr(torch.nn.functional, pool.__name__)(
            torch.tensor(x), 3, padding=1, ceil_mode=True
        )
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.array, theirs.numpy())
