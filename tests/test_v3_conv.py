"""Conv1d / Conv2d against torch in float64: outputs, input and parameter gradients."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import v2_tensor as vt
import v3_nn as nn
from v3_nn.functional.conv import conv1d, conv2d, mode_pad

TOL = dict(rtol=1e-10, atol=1e-10)


def assert_twin_matches(ours: nn.Module, theirs: torch.nn.Module, x: np.ndarray) -> None:
    """Copy our weights into the torch twin, run both in float64, compare y, dx and dparams."""
    ours.double()
    theirs.double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x_ours, x_torch = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_torch = ours(x_ours), theirs(x_torch)
    np.testing.assert_allclose(y_ours.array, y_torch.detach().numpy(), **TOL)
    grad_y = np.random.default_rng(1).standard_normal(y_torch.shape)
    y_ours.backward(vt.tensor(grad_y))
    y_torch.backward(torch.from_numpy(grad_y))
    np.testing.assert_allclose(x_ours.grad.array, x_torch.grad.numpy(), **TOL)
    torch_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(param.grad.array, torch_params[name].grad.numpy(), **TOL)


CONV2D_CASES = [
    dict(args=(3, 4, 3), kw={}),
    dict(args=(3, 5, 3), kw=dict(stride=2, padding=1)),
    dict(args=(2, 4, (2, 3)), kw=dict(stride=(2, 1), padding=(1, 2))),
    dict(args=(2, 3, 3), kw=dict(dilation=2, padding=2)),
    dict(args=(2, 3, (3, 2)), kw=dict(dilation=(1, 3), stride=(1, 2))),
    dict(args=(4, 6, 3), kw=dict(groups=2, bias=False, padding=1)),
    dict(args=(4, 8, 3), kw=dict(groups=4, stride=2)),  # depthwise, two filters per channel
    dict(args=(3, 2, 4), kw=dict(padding="same", dilation=(2, 1))),  # asymmetric 'same' padding
    dict(args=(3, 2, 3), kw=dict(padding="valid")),
    dict(args=(2, 3, 3), kw=dict(padding=(1, 2), padding_mode="reflect")),
    dict(args=(2, 3, 3), kw=dict(padding=2, padding_mode="replicate", stride=2)),
    dict(args=(2, 3, (2, 3)), kw=dict(padding="same", padding_mode="circular")),
    dict(args=(3, 4, 1), kw={}),
]


@pytest.mark.parametrize("case", CONV2D_CASES, ids=lambda c: str(c["kw"]) or "plain")
def test_conv2d_matches_torch(case):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, case["args"][0], 7, 8))
    ours, theirs = (
        nn.Conv2d(*case["args"], **case["kw"]),
        torch.nn.Conv2d(*case["args"], **case["kw"]),
    )
    assert_twin_matches(ours, theirs, x)


CONV1D_CASES = [
    dict(args=(3, 4, 3), kw={}),
    dict(args=(4, 6, 2), kw=dict(stride=3, padding=2, dilation=2, groups=2)),
    dict(args=(3, 2, 4), kw=dict(padding="same", bias=False)),
    dict(args=(2, 3, 3), kw=dict(padding=2, padding_mode="circular")),
    dict(args=(2, 3, 3), kw=dict(padding=1, padding_mode="reflect")),
]


@pytest.mark.parametrize("case", CONV1D_CASES, ids=lambda c: str(c["kw"]) or "plain")
def test_conv1d_matches_torch(case):
    x = np.random.default_rng(0).standard_normal((3, case["args"][0], 11))
    ours, theirs = (
        nn.Conv1d(*case["args"], **case["kw"]),
        torch.nn.Conv1d(*case["args"], **case["kw"]),
    )
    assert_twin_matches(ours, theirs, x)


@pytest.mark.parametrize("layer, shape", [("Conv2d", (3, 6, 5)), ("Conv1d", (3, 9))])
def test_unbatched_input_matches_torch(layer, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    ours, theirs = (
        getattr(nn, layer)(3, 4, 3, padding=1),
        getattr(torch.nn, layer)(3, 4, 3, padding=1),
    )
    assert_twin_matches(ours, theirs, x)


@st.composite
def conv_geometry(draw):
    groups = draw(st.sampled_from([1, 2, 3]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    size = [draw(st.integers(max(1, s - 2 * p), s + 6)) for s, p in zip(span, padding, strict=True)]
    n = draw(st.integers(1, 3))
    return dict(
        x_shape=(n, c_in, *size),
        w_shape=(c_out, c_in // groups, *kernel),
        bias=draw(st.booleans()),
        kw=dict(stride=stride, padding=padding, dilation=dilation, groups=groups),
    )


@given(conv_geometry(), st.integers(0, 2**32 - 1))
def test_conv2d_functional_random_geometry(geometry, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(geometry["x_shape"]), rng.standard_normal(geometry["w_shape"])]
    if geometry["bias"]:
        arrays.append(rng.standard_normal(geometry["w_shape"][0]))
    ours = [vt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = conv2d(*ours, **geometry["kw"])
    y_torch = torch.nn.functional.conv2d(*theirs, **geometry["kw"])
    np.testing.assert_allclose(y.array, y_torch.detach().numpy(), **TOL)
    grad_y = rng.standard_normal(y_torch.shape)
    y.backward(vt.tensor(grad_y))
    y_torch.backward(torch.from_numpy(grad_y))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), **TOL)


def test_only_the_needed_gradients_are_computed():
    x = vt.tensor(np.ones((1, 2, 4, 4)))  # an input image: no gradient wanted
    weight = vt.tensor(np.ones((3, 2, 3, 3)), requires_grad=True)
    conv2d(x, weight).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(weight.grad.array, np.full((3, 2, 3, 3), 4.0))


def test_float32_stays_float32():
    conv = nn.Conv2d(2, 3, 3, padding=1)
    x = vt.tensor(np.random.default_rng(0).standard_normal((2, 2, 5, 5)).astype(np.float32))
    x.requires_grad_()
    y = conv(x)
    y.sum().backward()
    assert y.dtype == np.float32
    assert x.grad.dtype == np.float32
    assert conv.weight.grad.dtype == np.float32 and conv.bias.grad.dtype == np.float32


def test_default_init_matches_torch_distribution_and_keys():
    vt.manual_seed(0)
    ours, theirs = nn.Conv2d(4, 6, (3, 2), groups=2), torch.nn.Conv2d(4, 6, (3, 2), groups=2)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    for key, value in ours.state_dict().items():
        assert value.shape == tuple(theirs.state_dict()[key].shape)
        assert value.dtype == np.float32
    bound = 1 / math.sqrt(2 * 3 * 2)  # fan_in = in_channels / groups * kh * kw
    big = nn.Conv2d(4, 64, (3, 2), groups=2)
    for values in (big.weight.array, big.bias.array):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.9 * bound
    assert abs(big.weight.array.mean()) < 0.05 * bound
    vt.manual_seed(0)
    np.testing.assert_array_equal(nn.Conv2d(4, 6, (3, 2), groups=2).weight.array, ours.weight.array)


def test_attributes_and_repr_follow_torch():
    ours = nn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2, bias=False, padding_mode="reflect")
    theirs = torch.nn.Conv2d(
        2, 4, 3, stride=2, padding=1, groups=2, bias=False, padding_mode="reflect"
    )
    for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation"):
        assert getattr(ours, name) == getattr(theirs, name)
    assert ours.bias is None
    assert repr(ours) == repr(theirs)
    assert repr(nn.Conv1d(3, 5, 2, padding="same")) == repr(
        torch.nn.Conv1d(3, 5, 2, padding="same")
    )


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_mode_pad_matches_torch(mode):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    ours, theirs = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = mode_pad(ours, ((2, 1), (3, 0)), mode)
    y_torch = torch.nn.functional.pad(theirs, (3, 0, 2, 1), mode=mode)
    np.testing.assert_allclose(y.array, y_torch.detach().numpy(), **TOL)
    grad_y = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(vt.tensor(grad_y))
    y_torch.backward(torch.from_numpy(grad_y))
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), **TOL)


def test_gradcheck_conv_and_padding():
    rng = np.random.default_rng(0)
    x = vt.tensor(rng.standard_normal((2, 4, 5, 6)), requires_grad=True)
    w = vt.tensor(rng.standard_normal((2, 2, 3, 2)), requires_grad=True)
    b = vt.tensor(rng.standard_normal(2), requires_grad=True)

    def conv(x, w, b):
        return conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)

    assert vt.autograd.gradcheck(conv, (x, w, b))
    x1 = vt.tensor(rng.standard_normal((2, 2, 7)), requires_grad=True)
    w1 = vt.tensor(rng.standard_normal((3, 2, 3)), requires_grad=True)
    assert vt.autograd.gradcheck(lambda x, w: conv1d(x, w, stride=2, padding=1), (x1, w1))
    assert vt.autograd.gradcheck(lambda x: mode_pad(x, ((1, 2), (2, 1)), "reflect"), (x,))


def test_bad_input_raises_clear_errors():
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D"):
        conv(vt.tensor(np.zeros((3, 5))))
    with pytest.raises(RuntimeError, match="to have 3 channels, but got 2 channels"):
        conv(vt.tensor(np.zeros((1, 2, 5, 5), np.float32)))
    with pytest.raises(RuntimeError, match="kernel size can't be greater"):
        conv(vt.tensor(np.zeros((1, 3, 2, 5), np.float32)))
    with pytest.raises(RuntimeError, match="share a dtype"):
        conv(vt.tensor(np.zeros((1, 3, 5, 5), np.float64)))
    with pytest.raises(TypeError, match="input must be a Tensor"):
        conv(np.zeros((1, 3, 5, 5), np.float32))
    with pytest.raises(RuntimeError, match="conv2d: not implemented for int64"):
        conv2d(
            vt.tensor(np.zeros((1, 1, 3, 3), np.int64)), vt.tensor(np.ones((1, 1, 2, 2), np.int64))
        )
    with pytest.raises(RuntimeError, match=r"Expected 2D \(unbatched\) or 3D"):
        nn.Conv1d(3, 4, 3)(vt.tensor(np.zeros((1, 3, 5, 5), np.float32)))


def test_bad_constructor_arguments_raise_before_anything_is_built():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="not supported for strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="invalid padding string"):
        nn.Conv2d(3, 4, 3, padding="full")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="groups must be a positive"):
        nn.Conv1d(3, 4, 3, groups=0)
    with pytest.raises(TypeError, match="kernel_size must be an int or 2 ints"):
        nn.Conv2d(3, 4, (3, 3, 3))
    with pytest.raises(ValueError, match=r"Conv2d: kernel_size \(0, 0\), stride .* positive"):
        nn.Conv2d(3, 4, 0)
    with pytest.raises(ValueError, match="positive"):
        nn.Conv1d(3, 4, 3, stride=0)
    with pytest.raises(ValueError, match="Conv2d: in_channels must be a positive int, got 3.0"):
        nn.Conv2d(3.0, 4, 3)


def test_a_zero_sized_kernel_is_refused_not_convolved():
    with pytest.raises(RuntimeError, match=r"conv2d: kernel size should be greater than zero"):
        conv2d(vt.zeros(1, 3, 5, 5), vt.zeros(4, 3, 0, 3))
