"""1-3D max, average, power-average, adaptive pooling and unpooling against torch in float64:
outputs, indices, gradients, second derivatives, reprs and torch's errors."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from v2_parity import check, check_second_order
from v3_twin import assert_same_error, assert_twins

import v2_tensor as vt
import v3_nn as nn
import v3_nn.functional as F


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def ties(*shape, seed=0):
    return np.random.default_rng(seed).integers(0, 3, shape) * 1.0


MODULE_CASES = [
    ("MaxPool3d", dict(kernel_size=2), (2, 2, 4, 5, 4)),
    (
        "MaxPool3d",
        dict(kernel_size=(3, 2, 2), stride=1, padding=(1, 0, 1), dilation=(1, 2, 1)),
        (1, 2, 4, 5, 4),
    ),
    ("MaxPool3d", dict(kernel_size=2, stride=2, ceil_mode=True, return_indices=True), (2, 5, 5, 3)),
    (
        "MaxPool1d",
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, return_indices=True),
        (2, 3, 8),
    ),
    ("AvgPool1d", dict(kernel_size=3, stride=2, padding=1), (2, 3, 8)),
    ("AvgPool1d", dict(kernel_size=2, ceil_mode=True, count_include_pad=False, padding=1), (3, 7)),
    ("AvgPool3d", dict(kernel_size=2), (2, 2, 4, 4, 5)),
    (
        "AvgPool3d",
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        (1, 2, 5, 4, 5),
    ),
    ("AvgPool3d", dict(kernel_size=(2, 3, 2), stride=1, divisor_override=5), (2, 3, 4, 4)),
    (
        "AvgPool2d",
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=4),
        (2, 2, 6, 7),
    ),
    ("LPPool1d", dict(norm_type=2, kernel_size=3, stride=2), (2, 3, 8)),
    ("LPPool2d", dict(norm_type=3, kernel_size=(2, 3), ceil_mode=True), (2, 2, 5, 7)),
    ("LPPool2d", dict(norm_type=1.5, kernel_size=2, stride=1), (2, 4, 4)),
    ("LPPool3d", dict(norm_type=2, kernel_size=2), (1, 2, 4, 4, 4)),
    ("LPPool2d", dict(norm_type=float("inf"), kernel_size=2), (2, 2, 4, 4)),
    ("AdaptiveAvgPool1d", dict(output_size=3), (2, 3, 7)),
    ("AdaptiveAvgPool1d", dict(output_size=5), (3, 5)),
    ("AdaptiveAvgPool3d", dict(output_size=(2, None, 3)), (2, 2, 5, 4, 7)),
    ("AdaptiveAvgPool3d", dict(output_size=1), (2, 3, 4, 5)),
    ("AdaptiveMaxPool1d", dict(output_size=3, return_indices=True), (2, 3, 7)),
    ("AdaptiveMaxPool2d", dict(output_size=(3, 4), return_indices=True), (2, 2, 7, 9)),
    ("AdaptiveMaxPool2d", dict(output_size=(None, 2)), (3, 5, 5)),
    ("AdaptiveMaxPool3d", dict(output_size=(2, 3, 2), return_indices=True), (1, 2, 5, 4, 3)),
]


@pytest.mark.parametrize("values", [randn, ties], ids=["distinct", "ties"])
@pytest.mark.parametrize("name, kw, shape", MODULE_CASES, ids=str)
def test_pooling_modules_match_torch(name, kw, shape, values):
    x = values(*shape)
    if name.startswith("LPPool") and kw["norm_type"] not in (2, float("inf")):
        x = np.abs(x) + 0.5  # x^p of a negative x is NaN for a fractional p (in torch too)
    ours, theirs = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(ours) == repr(theirs)
    assert_twins(ours, theirs, x)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_max_unpool_inverts_max_pool_like_torch(dims):
    shape = (2, 2, 6, 4, 4)[: 2 + dims]
    x = randn(*shape)
    kw = dict(kernel_size=2, stride=2, padding=0)
    pool = getattr(torch.nn, f"MaxPool{dims}d")(return_indices=True, **kw)
    y, indices = pool(torch.tensor(x))
    for output_size in (None, shape[2:]):
        ours = getattr(nn, f"MaxUnpool{dims}d")(**kw)
        theirs = getattr(torch.nn, f"MaxUnpool{dims}d")(**kw)
        assert repr(ours) == repr(theirs)
        y_ours = vt.tensor(y.numpy(), requires_grad=True)
        y_torch = y.clone().requires_grad_()
        out = ours(y_ours, vt.tensor(indices.numpy()), output_size=output_size)
        out_torch = theirs(y_torch, indices, output_size=output_size)
        np.testing.assert_array_equal(out.array, out_torch.detach().numpy())
        grad = randn(*out.shape, seed=3)
        out.backward(vt.tensor(grad))
        out_torch.backward(torch.tensor(grad))
        np.testing.assert_allclose(y_ours.grad.array, y_torch.grad.numpy())


def test_max_unpool_with_padding_and_unbatched_input():
    x = torch.tensor(randn(3, 7, 6))
    y, indices = torch.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True)
    ours = F.max_unpool2d(vt.tensor(y.numpy()), vt.tensor(indices.numpy()), 3, 2, 1, (7, 6))
    theirs = torch.nn.functional.max_unpool2d(y, indices, 3, 2, 1, (7, 6))
    np.testing.assert_array_equal(ours.array, theirs.numpy())


@st.composite
def pool3d_geometry(draw):
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(3))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(3))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    size = tuple(
        draw(st.integers(max(1, s - 2 * p), s + 3)) for s, p in zip(spans, padding, strict=True)
    )
    stride = tuple(draw(st.integers(1, 3)) for _ in range(3))
    return (
        size,
        dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=draw(st.booleans())),
        dilation,
    )


@settings(max_examples=20, deadline=None)
@given(pool3d_geometry(), st.booleans(), st.integers(0, 2**32 - 1))
def test_max_and_avg_pool3d_random_geometry(geometry, count_include_pad, seed):
    size, kw, dilation = geometry
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, (1, 2, *size)) * 1.0
    y = F.max_pool3d(vt.tensor(x), dilation=dilation, **kw)
    y_torch = torch.nn.functional.max_pool3d(torch.tensor(x), dilation=dilation, **kw)
    np.testing.assert_array_equal(y.array, y_torch.numpy())
    if any(n < k for n, k in zip(size, kw["kernel_size"], strict=True)):
        # torch's 3D average pool asks the unpadded input to hold a kernel
        assert_same_error(lambda lib, F, nn: F.avg_pool3d(lib.tensor(x), **kw))
    else:
        check(
            lambda lib, t: (F if lib is vt else torch.nn.functional).avg_pool3d(
                t, count_include_pad=count_include_pad, **kw
            ),
            x,
        )
    assume(np.isfinite(y.array).all())  # a window wholly in the padding: torch's backward is off
    check(
        lambda lib, t: (F if lib is vt else torch.nn.functional).max_pool3d(
            t, dilation=dilation, **kw
        ),
        x,
    )


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=3), st.data())
def test_adaptive_pools_random_sizes(size, data):
    dims = len(size)
    out = tuple(data.draw(st.integers(1, 5)) for _ in size)
    x = np.random.default_rng(dims).integers(0, 4, (2, 2, *size)) * 1.0
    for kind in ("avg", "max"):
        name = f"adaptive_{kind}_pool{dims}d"
        check(
            lambda lib, t, name=name: getattr(F if lib is vt else torch.nn.functional, name)(
                t, out
            ),
            x,
        )
    y, i = getattr(F, f"adaptive_max_pool{dims}d")(vt.tensor(x), out, return_indices=True)
    y_t, i_t = getattr(torch.nn.functional, f"adaptive_max_pool{dims}d")(
        torch.tensor(x), out, return_indices=True
    )
    np.testing.assert_array_equal(i.array, i_t.numpy())


@pytest.mark.parametrize(
    "name, kw",
    [
        ("max_pool1d", dict(kernel_size=3, stride=1, padding=1)),
        ("max_pool2d", dict(kernel_size=2, stride=1)),
        ("max_pool3d", dict(kernel_size=2)),
        ("avg_pool1d", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
        ("avg_pool2d", dict(kernel_size=2, stride=1, padding=1)),
        ("avg_pool3d", dict(kernel_size=2, stride=1)),
        ("adaptive_avg_pool2d", dict(output_size=(2, 3))),
        ("adaptive_max_pool2d", dict(output_size=(2, 3))),
        # lp_pool is avg_pool and pow, both covered; torch's own double backward of it takes
        # over 30 s on this CPU, so it is not compared here
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_second_derivatives_match_torch(name, kw):
    """A pool is (piecewise) linear, so d²(pool(x)²)/dx² = 2 JᵀJ: the backward's own backward."""
    dims = int(name[-2])
    x = randn(2, 2, *(5, 4, 4)[:dims])

    def fn(lib, t):
        return getattr(F if lib is vt else torch.nn.functional, name)(t, **kw) ** 2

    check_second_order(fn, x)


def test_gradcheck_new_pools():
    x = vt.tensor(randn(1, 2, 4, 3, 5), requires_grad=True)
    assert vt.autograd.gradcheck(lambda t: F.max_pool3d(t, 2, 1, 1, dilation=(1, 2, 1)), (x,))
    assert vt.autograd.gradcheck(lambda t: F.avg_pool3d(t, 2, 1, 1, ceil_mode=True), (x,))
    assert vt.autograd.gradcheck(lambda t: F.adaptive_max_pool3d(t, (2, 2, 3)), (x,))
    assert vt.autograd.gradcheck(lambda t: F.lp_pool1d(t[0, 0].abs() + 0.1, 3, 2), (x,))


def test_float32_stays_float32():
    x = vt.tensor(randn(2, 3, 4, 4, 4).astype(np.float32), requires_grad=True)
    for pool in (nn.MaxPool3d(2), nn.AvgPool3d(2), nn.AdaptiveMaxPool3d(2), nn.LPPool3d(2, 2)):
        x.grad = None
        y = pool(x)
        y.sum().backward()
        assert y.dtype == x.grad.dtype == np.float32


ERRORS = [
    ("max_pool3d 2-D input", lambda lib, F, nn: F.max_pool3d(lib.zeros(4, 4), 2)),
    (
        "padding over half the kernel",
        lambda lib, F, nn: F.max_pool3d(lib.zeros(1, 1, 4, 4, 4), 2, padding=2),
    ),
    ("avg_pool1d padding", lambda lib, F, nn: F.avg_pool1d(lib.zeros(1, 1, 8), 2, padding=2)),
    ("output too small", lambda lib, F, nn: F.avg_pool3d(lib.zeros(1, 1, 2, 2, 2), 3)),
    (
        "divisor zero",
        lambda lib, F, nn: F.avg_pool3d(lib.zeros(1, 1, 2, 2, 2), 2, divisor_override=0),
    ),
    ("float kernel", lambda lib, F, nn: F.max_pool2d(lib.zeros(1, 1, 4, 4), 2.0)),
    (
        "adaptive negative size",
        lambda lib, F, nn: F.adaptive_avg_pool3d(lib.zeros(1, 1, 4, 4, 4), -1),
    ),
    ("adaptive empty input", lambda lib, F, nn: F.adaptive_max_pool2d(lib.zeros(1, 1, 0, 3), 2)),
    ("adaptive 1-D input", lambda lib, F, nn: F.adaptive_max_pool2d(lib.zeros(8), 2)),
    (
        "adaptive 3 sizes for 2-D",
        lambda lib, F, nn: F.adaptive_avg_pool2d(lib.zeros(1, 1, 4, 4), (1, 2, 3)),
    ),
    ("adaptive_avg_pool1d 4-D", lambda lib, F, nn: F.adaptive_avg_pool1d(lib.zeros(1, 1, 4, 4), 2)),
    (
        "adaptive int input",
        lambda lib, F, nn: F.adaptive_avg_pool2d(lib.ones(1, 1, 4, 4, dtype=lib.int64), 2),
    ),
    (
        "adaptive_max_pool1d None",
        lambda lib, F, nn: F.adaptive_max_pool1d(lib.zeros(1, 2, 7), None),
    ),
    ("lp_pool norm 0", lambda lib, F, nn: F.lp_pool2d(lib.zeros(1, 1, 4, 4), 0, 2)),
    (
        "unpool bad index",
        lambda lib, F, nn: F.max_unpool2d(
            lib.zeros(1, 1, 2, 2), lib.full((1, 1, 2, 2), 99, dtype=lib.int64), 2
        ),
    ),
    (
        "unpool index shape",
        lambda lib, F, nn: F.max_unpool2d(
            lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 2, 1, dtype=lib.int64), 2
        ),
    ),
    (
        "unpool float index",
        lambda lib, F, nn: F.max_unpool2d(lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 2, 2), 2),
    ),
    (
        "unpool output_size",
        lambda lib, F, nn: F.max_unpool2d(
            lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 2, 2, dtype=lib.int64), 2, output_size=(6, 6)
        ),
    ),
    (
        "unpool output_size length",
        lambda lib, F, nn: F.max_unpool2d(
            lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 2, 2, dtype=lib.int64), 2, output_size=(1, 4, 4)
        ),
    ),
]


@pytest.mark.parametrize("description, fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_torch_types(description, fn):
    assert_same_error(fn)


def test_adaptive_pool_to_size_zero_is_empty_as_in_torch():
    x = vt.tensor(randn(1, 2, 4, 4))
    assert F.adaptive_avg_pool2d(x, 0).shape == (1, 2, 0, 0)
    assert F.adaptive_max_pool2d(x, (0, 2)).shape == (1, 2, 0, 2)


def test_integer_max_and_avg_pool3d_match_torch():
    x = np.arange(64).reshape(1, 1, 4, 4, 4) * 3 - 90
    for name in ("max_pool3d", "avg_pool3d"):
        ours = getattr(F, name)(vt.tensor(x), 3, stride=2, padding=1)
        theirs = getattr(torch.nn.functional, name)(torch.tensor(x), 3, stride=2, padding=1)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.array, theirs.numpy())
