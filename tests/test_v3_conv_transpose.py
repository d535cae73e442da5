"""ConvTranspose1d/2d/3d, Conv3d and every convolution option against torch in float64:
same weights through state_dict, outputs, input and parameter gradients, second
derivatives, torch's errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from v2_parity import check, check_second_order
from v3_twin import assert_same_error, assert_same_state, assert_twins

import v2_tensor as vt
import v3_nn as nn
import v3_nn.functional as F

RNG = np.random.default_rng(0)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


TRANSPOSE_CASES = [
    (1, dict(args=(3, 4, 3)), (2, 3, 7)),
    (1, dict(args=(4, 6, 2), kw=dict(stride=3, padding=1, output_padding=2, groups=2)), (2, 4, 5)),
    (1, dict(args=(2, 3, 3), kw=dict(dilation=2, output_padding=1, bias=False)), (2, 6)),
    (2, dict(args=(3, 4, 3)), (2, 3, 4, 5)),
    (2, dict(args=(3, 2, (2, 3)), kw=dict(stride=(2, 1), padding=(1, 0))), (2, 3, 4, 5)),
    (
        2,
        dict(args=(4, 6, 3), kw=dict(stride=2, padding=1, output_padding=1, groups=2)),
        (1, 4, 3, 4),
    ),
    (
        2,
        dict(args=(2, 2, 3), kw=dict(dilation=(2, 1), stride=(1, 2), output_padding=(1, 1))),
        (2, 2, 3, 3),
    ),
    (2, dict(args=(4, 4, 3), kw=dict(groups=4, bias=False)), (4, 3, 3)),  # depthwise, unbatched
    (3, dict(args=(2, 3, 2), kw=dict(stride=2, padding=1, output_padding=1)), (1, 2, 3, 2, 3)),
    (3, dict(args=(2, 2, (1, 2, 3)), kw=dict(dilation=(1, 2, 1), groups=2)), (2, 2, 2, 3)),
]


@pytest.mark.parametrize("dims, case, shape", TRANSPOSE_CASES, ids=str)
def test_conv_transpose_matches_torch(dims, case, shape):
    name = f"ConvTranspose{dims}d"
    ours = getattr(nn, name)(*case["args"], **case.get("kw", {}))
    theirs = getattr(torch.nn, name)(*case["args"], **case.get("kw", {}))
    assert_twins(ours, theirs, randn(*shape))
    assert repr(ours) == repr(theirs)
    for attr in ("kernel_size", "stride", "padding", "dilation", "output_padding", "groups"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert ours.transposed is theirs.transposed is True


@pytest.mark.parametrize(
    "output_size", [(9, 11), (10, 12), [10, 11], (2, 4, 9, 12), torch.Size([9, 12])], ids=str
)
def test_conv_transpose_output_size_picks_torch_output_padding(output_size):
    kw = dict(stride=2, padding=1)
    ours, theirs = nn.ConvTranspose2d(4, 3, 3, **kw), torch.nn.ConvTranspose2d(4, 3, 3, **kw)
    assert_twins(ours, theirs, randn(2, 4, 5, 6), forward_kwargs=dict(output_size=output_size))


CONV3D_CASES = [
    dict(args=(2, 3, 3)),
    dict(args=(2, 4, (2, 3, 1)), kw=dict(stride=(2, 1, 1), padding=(1, 1, 0), dilation=(1, 1, 2))),
    dict(args=(4, 4, 2), kw=dict(groups=2, bias=False, padding="same")),
    dict(args=(2, 2, 3), kw=dict(padding="valid")),
    dict(args=(2, 3, 3), kw=dict(padding=1, padding_mode="reflect")),
    dict(args=(2, 3, 3), kw=dict(padding=(2, 1, 0), padding_mode="replicate", stride=2)),
    dict(args=(2, 3, (2, 3, 2)), kw=dict(padding="same", padding_mode="circular")),
]


@pytest.mark.parametrize("case", CONV3D_CASES, ids=lambda c: str(c.get("kw", "plain")))
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv3d_matches_torch(case):
    ours, theirs = (
        nn.Conv3d(*case["args"], **case.get("kw", {})),
        torch.nn.Conv3d(*case["args"], **case.get("kw", {})),
    )
    assert_twins(ours, theirs, randn(2, case["args"][0], 4, 5, 4))
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 0), "same"], ids=str)
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_every_padding_mode_of_conv1d_and_conv2d(mode, padding):
    for dims, shape in ((1, (2, 3, 7)), (2, (2, 3, 5, 6))):
        pads = padding if isinstance(padding, str | int) else padding[:dims]
        kw = dict(padding=pads, padding_mode=mode, dilation=2 if padding == "same" else 1)
        ours = getattr(nn, f"Conv{dims}d")(3, 2, 2, **kw)
        theirs = getattr(torch.nn, f"Conv{dims}d")(3, 2, 2, **kw)
        assert_twins(ours, theirs, randn(*shape))


@st.composite
def transpose_geometry(draw):
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(
        draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
    )
    padding = tuple(draw(st.integers(0, 2)) for _ in range(2))
    size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    out = [
        (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        for n, s, p, d, k, op in zip(
            size, stride, padding, dilation, kernel, output_padding, strict=True
        )
    ]
    if min(out) < 1:
        padding = (0, 0)
    return dict(
        x=(draw(st.integers(1, 2)), c_in, *size),
        w=(c_in, c_out // groups, *kernel),
        kw=dict(
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            groups=groups,
            dilation=dilation,
        ),
    )


@settings(max_examples=25, deadline=None)
@given(transpose_geometry(), st.booleans())
def test_conv_transpose2d_random_geometry(geometry, bias):
    arrays = [RNG.standard_normal(geometry["x"]), RNG.standard_normal(geometry["w"])]
    if bias:
        arrays.append(RNG.standard_normal(geometry["w"][1] * geometry["kw"]["groups"]))
    check(
        lambda lib, *t: (
            lib.nn.functional.conv_transpose2d(*t, **geometry["kw"])
            if lib is torch
            else F.conv_transpose2d(*t, **geometry["kw"])
        ),
        *arrays,
    )


def _functional(name):
    def fn(lib, *tensors, **kw):
        namespace = torch.nn.functional if lib is torch else F
        return getattr(namespace, name)(*tensors, **kw)

    return fn


@pytest.mark.parametrize(
    "name, shapes, kw",
    [
        ("conv1d", [(2, 4, 6), (4, 2, 3), (4,)], dict(stride=2, padding=1, groups=2)),
        ("conv2d", [(1, 2, 5, 4), (3, 2, 2, 3), (3,)], dict(padding=(1, 0), dilation=(2, 1))),
        ("conv3d", [(1, 2, 3, 4, 3), (2, 1, 2, 2, 2), (2,)], dict(groups=2, padding=1)),
        ("conv_transpose1d", [(2, 2, 4), (2, 3, 3), (3,)], dict(stride=2, output_padding=1)),
        ("conv_transpose2d", [(1, 4, 3, 3), (4, 1, 2, 3), (2,)], dict(stride=(2, 1), groups=2)),
        ("conv_transpose3d", [(1, 2, 2, 3, 2), (2, 2, 2, 1, 2), (2,)], dict(padding=(1, 0, 0))),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_second_derivatives_match_torch(name, shapes, kw):
    """x and weight meet in a product, so the Hessian has cross terms: ∂²L/∂x∂W."""
    arrays = [RNG.standard_normal(s) for s in shapes]
    fn = _functional(name)
    check(lambda lib, *t: fn(lib, *t, **kw), *arrays)
    check_second_order(lambda lib, *t: fn(lib, *t, **kw) ** 2, *arrays)


def test_gradcheck_conv_transpose_and_conv3d():
    x = vt.tensor(randn(1, 2, 3, 3), requires_grad=True)
    w = vt.tensor(randn(2, 2, 2, 2, seed=1), requires_grad=True)
    assert vt.autograd.gradcheck(
        lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1), (x, w)
    )
    x3 = vt.tensor(randn(1, 1, 3, 3, 3), requires_grad=True)
    w3 = vt.tensor(randn(2, 1, 2, 2, 2, seed=2), requires_grad=True)
    assert vt.autograd.gradcheck(lambda x, w: F.conv3d(x, w, stride=(1, 2, 1)), (x3, w3))


def test_conv_transpose_is_the_adjoint_of_conv():
    """<conv(x, W), y> = <x, conv_transpose(y, W)> for the same geometry."""
    x, w = vt.tensor(randn(2, 3, 7, 6)), vt.tensor(randn(4, 3, 3, 2, seed=1))
    kw = dict(stride=2, padding=1, dilation=(1, 2))
    y = F.conv2d(x, w, **kw)
    g = vt.tensor(randn(*y.shape, seed=2))
    back = F.conv_transpose2d(g, w, output_padding=(0, 1), **kw)
    assert back.shape == x.shape
    np.testing.assert_allclose((y * g).sum().item(), (x * back).sum().item(), rtol=1e-12)


def test_default_init_is_torch_kaiming_uniform_over_the_transposed_fan_in():
    vt.manual_seed(0)
    ours, theirs = (
        nn.ConvTranspose2d(4, 6, (3, 2), groups=2),
        torch.nn.ConvTranspose2d(4, 6, (3, 2), groups=2),
    )
    assert_same_state(ours, theirs)
    assert ours.weight.dtype == np.float32
    big = nn.ConvTranspose2d(64, 6, (3, 2), groups=2)
    bound = 1 / math.sqrt(3 * 3 * 2)  # fan_in = weight.shape[1] * kh * kw = out/groups * k
    for values in (big.weight.array, big.bias.array):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.8 * bound
    vt.manual_seed(0)
    again = nn.ConvTranspose2d(4, 6, (3, 2), groups=2)
    np.testing.assert_array_equal(again.weight.array, ours.weight.array)
    assert nn.Conv3d(2, 3, 2).weight.shape == (3, 2, 2, 2, 2)


def test_float32_stays_float32_through_transpose_and_3d():
    for layer, shape in (
        (nn.ConvTranspose2d(2, 3, 3, stride=2), (1, 2, 4, 4)),
        (nn.Conv3d(2, 3, 2), (1, 2, 3, 3, 3)),
    ):
        x = vt.tensor(randn(*shape).astype(np.float32), requires_grad=True)
        y = layer(x)
        y.sum().backward()
        assert y.dtype == x.grad.dtype == layer.weight.grad.dtype == np.float32


ERRORS = [
    # (description, fn(lib, F, nn)): torch's exception type must be ours
    (
        "output_padding >= stride and dilation",
        lambda lib, F, nn: F.conv_transpose2d(
            lib.zeros(1, 2, 3, 3), lib.zeros(2, 1, 3, 3), output_padding=1
        ),
    ),
    (
        "negative output size",
        lambda lib, F, nn: F.conv_transpose2d(
            lib.zeros(1, 2, 1, 1), lib.zeros(2, 1, 3, 3), padding=3
        ),
    ),
    (
        "padding string",
        lambda lib, F, nn: F.conv_transpose2d(
            lib.zeros(1, 2, 3, 3), lib.zeros(2, 1, 3, 3), padding="same"
        ),
    ),
    (
        "channels",
        lambda lib, F, nn: F.conv_transpose2d(lib.zeros(1, 3, 3, 3), lib.zeros(2, 1, 3, 3)),
    ),
    (
        "groups",
        lambda lib, F, nn: F.conv_transpose2d(
            lib.zeros(1, 4, 3, 3), lib.zeros(4, 1, 3, 3), groups=3
        ),
    ),
    (
        "bias size",
        lambda lib, F, nn: F.conv_transpose2d(
            lib.zeros(1, 2, 3, 3), lib.zeros(2, 1, 3, 3), lib.zeros(2)
        ),
    ),
    ("2-D input", lambda lib, F, nn: F.conv_transpose2d(lib.zeros(3, 3), lib.zeros(2, 1, 3, 3))),
    (
        "negative padding",
        lambda lib, F, nn: F.conv_transpose1d(lib.zeros(1, 2, 3), lib.zeros(2, 1, 3), padding=-1),
    ),
    (
        "negative output_padding",
        lambda lib, F, nn: F.conv_transpose1d(
            lib.zeros(1, 2, 3), lib.zeros(2, 1, 3), output_padding=-1
        ),
    ),
    (
        "zero stride",
        lambda lib, F, nn: F.conv_transpose1d(lib.zeros(1, 2, 3), lib.zeros(2, 1, 3), stride=0),
    ),
    (
        "conv negative padding",
        lambda lib, F, nn: F.conv2d(lib.zeros(1, 2, 3, 3), lib.zeros(1, 2, 2, 2), padding=-1),
    ),
    (
        "conv 'same' with stride",
        lambda lib, F, nn: F.conv2d(
            lib.zeros(1, 2, 3, 3), lib.zeros(1, 2, 2, 2), padding="same", stride=2
        ),
    ),
    (
        "conv bad padding string",
        lambda lib, F, nn: F.conv2d(lib.zeros(1, 2, 3, 3), lib.zeros(1, 2, 2, 2), padding="full"),
    ),
    ("conv3d 3-D input", lambda lib, F, nn: F.conv3d(lib.zeros(2, 3, 3), lib.zeros(1, 2, 2, 2, 2))),
    ("module padding_mode", lambda lib, F, nn: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")),
    ("module groups", lambda lib, F, nn: nn.ConvTranspose1d(3, 4, 3, groups=2)),
    (
        "module output_size",
        lambda lib, F, nn: nn.ConvTranspose2d(2, 2, 3, stride=2)(
            lib.zeros(1, 2, 3, 3), output_size=(9, 9)
        ),
    ),
    (
        "module output_size length",
        lambda lib, F, nn: nn.ConvTranspose2d(2, 2, 3)(
            lib.zeros(1, 2, 3, 3), output_size=(1, 5, 5)
        ),
    ),
    ("module 'same' with stride", lambda lib, F, nn: nn.Conv3d(2, 2, 3, stride=2, padding="same")),
]


@pytest.mark.parametrize("description, fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_torch_types(description, fn):
    assert_same_error(fn)


def test_error_messages_name_the_op_and_the_sizes():
    with pytest.raises(RuntimeError, match=r"conv_transpose2d: output padding must be smaller"):
        F.conv_transpose2d(vt.zeros(1, 2, 3, 3), vt.zeros(2, 1, 3, 3), output_padding=1)
    with pytest.raises(ValueError, match=r"valid sizes range from \[9, 11\] to \[10, 12\]"):
        nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)(vt.zeros(2, 4, 5, 6), output_size=(12, 12))
    with pytest.raises(
        RuntimeError, match=r"conv_transpose2d: .*expected input\[1, 3, 3, 3\] to have 2"
    ):
        F.conv_transpose2d(vt.zeros(1, 3, 3, 3), vt.zeros(2, 1, 3, 3))
