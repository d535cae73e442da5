"""v3_nn activations against torch in float64: values, input (and PReLU weight) gradients at
random points, at every kink and threshold, at huge inputs, second derivatives, repr,
in-place semantics and torch's errors."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import v2_tensor as vt
import v3_nn as nn
import v3_nn.functional as F
from tests.v2_parity import check_second_order

RTOL, ATOL = 1e-10, 1e-12

# (ours, theirs, points where the formula changes: each is tested exactly, and +-1e-9)
MODULES = [
    (lambda: nn.ReLU(), lambda: torch.nn.ReLU(), [0.0]),
    (lambda: nn.ReLU6(), lambda: torch.nn.ReLU6(), [0.0, 6.0]),
    (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2), [0.0]),
    (lambda: nn.ELU(), lambda: torch.nn.ELU(), [0.0]),
    (lambda: nn.ELU(0.5), lambda: torch.nn.ELU(0.5), [0.0]),
    (lambda: nn.SELU(), lambda: torch.nn.SELU(), [0.0]),
    (lambda: nn.CELU(), lambda: torch.nn.CELU(), [0.0]),
    (lambda: nn.CELU(2.5), lambda: torch.nn.CELU(2.5), [0.0]),
    (lambda: nn.GELU(), lambda: torch.nn.GELU(), [0.0]),
    (lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh"), [0.0]),
    (lambda: nn.SiLU(), lambda: torch.nn.SiLU(), [0.0]),
    (lambda: nn.Mish(), lambda: torch.nn.Mish(), [0.0]),
    (lambda: nn.Hardswish(), lambda: torch.nn.Hardswish(), [-3.0, 3.0]),
    (lambda: nn.Hardsigmoid(), lambda: torch.nn.Hardsigmoid(), [-3.0, 3.0]),
    (lambda: nn.Hardtanh(), lambda: torch.nn.Hardtanh(), [-1.0, 1.0]),
    (lambda: nn.Hardtanh(-2.0, 0.5), lambda: torch.nn.Hardtanh(-2.0, 0.5), [-2.0, 0.5]),
    (lambda: nn.Softplus(), lambda: torch.nn.Softplus(), [0.0, 20.0]),
    (lambda: nn.Softplus(2.0, 5.0), lambda: torch.nn.Softplus(2.0, 5.0), [0.0, 2.5]),
    (lambda: nn.Softsign(), lambda: torch.nn.Softsign(), [0.0]),
    (lambda: nn.LogSigmoid(), lambda: torch.nn.LogSigmoid(), [0.0]),
    (lambda: nn.Tanhshrink(), lambda: torch.nn.Tanhshrink(), [0.0]),
    (lambda: nn.Softshrink(), lambda: torch.nn.Softshrink(), [-0.5, 0.5]),
    (lambda: nn.Hardshrink(0.3), lambda: torch.nn.Hardshrink(0.3), [-0.3, 0.3]),
    (lambda: nn.Threshold(0.1, 20.0), lambda: torch.nn.Threshold(0.1, 20.0), [0.1]),
    (lambda: nn.Tanh(), lambda: torch.nn.Tanh(), [0.0]),
    (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid(), [0.0]),
    (lambda: nn.RReLU().eval(), lambda: torch.nn.RReLU().eval(), [0.0]),
    (lambda: nn.GLU(), lambda: torch.nn.GLU(), []),
    (lambda: nn.GLU(0), lambda: torch.nn.GLU(0), []),
    (lambda: nn.Softmax(1), lambda: torch.nn.Softmax(1), []),
    (lambda: nn.Softmin(-1), lambda: torch.nn.Softmin(-1), []),
    (lambda: nn.LogSoftmax(1), lambda: torch.nn.LogSoftmax(1), []),
    (lambda: nn.Softmax2d(), lambda: torch.nn.Softmax2d(), []),
]

# activations without a double backward in torch, or with one that differs at measure zero
# piecewise linear ones (whose gradient does not depend on x), and torch's hardsigmoid,
# which has no double backward
PIECEWISE_LINEAR = {"ReLU", "ReLU6", "LeakyReLU", "Hardtanh", "Hardshrink", "Softshrink"}
NO_SECOND_ORDER = PIECEWISE_LINEAR | {"Threshold", "RReLU", "Hardsigmoid"}


def _input(kinks: list[float], shape=(4, 6, 2, 2), seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(scale=3.0, size=shape)
    special = [p + d for p in kinks for d in (0.0, 1e-9, -1e-9)] + [1e3, -1e3, 40.0, -40.0]
    flat = x.reshape(-1)
    special = special[: flat.size]
    flat[: len(special)] = special
    return x


def _close(ours, theirs, rtol=RTOL, atol=ATOL, msg=""):
    ours = ours.array if isinstance(ours, vt.Tensor) else ours
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=msg)


def _ids(case):
    return repr(case[1]())


@pytest.mark.parametrize("case", MODULES, ids=_ids)
def test_module_values_and_gradients_match_torch_at_kinks_and_huge_inputs(case):
    ours, theirs = case[0](), case[1]()
    assert repr(ours) == repr(theirs)
    x = _input(case[2])
    xs, xt = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = ours(xs), theirs(xt)
    assert ys.dtype == vt.float64 and ys.shape == tuple(yt.shape)
    _close(ys, yt, msg="values")
    upstream = np.random.default_rng(1).normal(size=yt.shape)
    ys.backward(vt.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    _close(xs.grad, xt.grad, msg="input gradient")
    # float32 in, float32 out, values to float32 rounding
    y32 = ours(vt.tensor(x.astype(np.float32)))
    assert y32.dtype == vt.float32
    _close(y32, theirs(torch.tensor(x, dtype=torch.float32)), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize(
    "case", [c for c in MODULES if repr(c[1]()).split("(")[0] not in NO_SECOND_ORDER], ids=_ids
)
def test_second_derivatives_match_torch(case):
    ours, theirs = case[0](), case[1]()
    x = np.random.default_rng(2).normal(scale=2.0, size=(4, 4, 2, 2))
    check_second_order(lambda lib, t: (ours if lib is vt else theirs)(t), x)


def test_functional_forms_match_torch():
    x = _input([0.0, 1.0, -1.0], shape=(3, 4, 5))
    cases = [
        ("relu", {}),
        ("relu6", {}),
        ("elu", {"alpha": 0.7}),
        ("selu", {}),
        ("celu", {"alpha": 0.3}),
        ("leaky_relu", {"negative_slope": 0.3}),
        ("hardtanh", {"min_val": -0.5, "max_val": 1.0}),
        ("hardswish", {}),
        ("hardsigmoid", {}),
        ("silu", {}),
        ("mish", {}),
        ("softplus", {"beta": 0.5, "threshold": 3.0}),
        ("softsign", {}),
        ("logsigmoid", {}),
        ("tanhshrink", {}),
        ("softshrink", {"lambd": 1.0}),
        ("hardshrink", {"lambd": 1.0}),
        ("threshold", {"threshold": 1.0, "value": -2.0}),
        ("glu", {"dim": 1}),
        ("gelu", {"approximate": "tanh"}),
        ("softmin", {"dim": 2}),
        ("softmax", {"dim": 0, "dtype": torch.float64}),
        ("log_softmax", {"dim": 1}),
        ("rrelu", {"lower": 0.2, "upper": 0.4}),
    ]
    for name, kwargs in cases:
        xs, xt = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ours_kwargs = {k: (vt.float64 if v is torch.float64 else v) for k, v in kwargs.items()}
        ys, yt = getattr(F, name)(xs, **ours_kwargs), getattr(TF, name)(xt, **kwargs)
        _close(ys, yt, msg=name)
        ys.sum().backward()
        yt.sum().backward()
        _close(xs.grad, xt.grad, msg=name + " gradient")


@pytest.mark.parametrize("shape, num", [((4, 3, 5), 3), ((4, 3), 1), ((5,), 1), ((2, 3, 2, 2), 3)])
def test_prelu_values_and_input_and_weight_gradients(shape, num):
    ours, theirs = nn.PReLU(num, init=0.1).double(), torch.nn.PReLU(num, init=0.1).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert ours.weight.dtype == vt.float64 and nn.PReLU().weight.dtype == vt.float32
    weights = np.random.default_rng(3).normal(size=num)
    ours.load_state_dict({"weight": weights})
    theirs.load_state_dict({"weight": torch.tensor(weights)})
    x = _input([0.0], shape=shape)
    xs, xt = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = ours(xs), theirs(xt)
    _close(ys, yt)
    upstream = np.random.default_rng(4).normal(size=shape)
    ys.backward(vt.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    _close(xs.grad, xt.grad)
    _close(ours.weight.grad, theirs.weight.grad)
    check_second_order(
        lambda lib, t, w: (F if lib is vt else TF).prelu(t, w),
        np.random.default_rng(5).normal(size=shape),
        weights,
    )


def test_prelu_rejects_wrong_channel_count_as_torch():
    for lib, mod in ((vt, nn.PReLU(3)), (torch, torch.nn.PReLU(3))):
        with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel"):
            mod(lib.zeros(2, 4))


def test_rrelu_training_draws_slopes_from_the_seeded_generator():
    x = np.concatenate([-np.linspace(0.1, 5, 2000), [0.0], np.linspace(0.1, 5, 100)])
    module = nn.RReLU(0.1, 0.3)
    vt.manual_seed(0)
    xs = vt.tensor(x, requires_grad=True)
    y = module(xs)
    y.sum().backward()
    slopes = y.array[:2000] / x[:2000]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.05
    np.testing.assert_allclose(xs.grad.array[:2000], slopes)  # d/dx (r x) = r
    np.testing.assert_array_equal(y.array[2001:], x[2001:])  # positives pass
    assert 0.1 <= xs.grad.array[2000] <= 0.3  # at 0 the random slope, as torch's x <= 0 branch
    np.testing.assert_array_equal(xs.grad.array[2001:], 1.0)
    vt.manual_seed(0)
    np.testing.assert_array_equal(module(vt.tensor(x)).array, y.array)  # the seed repeats
    eval_out = module.eval()(vt.tensor(x))
    _close(eval_out, torch.nn.RReLU(0.1, 0.3).eval()(torch.tensor(x)))


INPLACE = [
    (lambda: nn.ReLU(inplace=True), lambda: torch.nn.ReLU(inplace=True)),
    (lambda: nn.ReLU6(inplace=True), lambda: torch.nn.ReLU6(inplace=True)),
    (lambda: nn.LeakyReLU(0.1, True), lambda: torch.nn.LeakyReLU(0.1, True)),
    (lambda: nn.ELU(0.5, True), lambda: torch.nn.ELU(0.5, True)),
    (lambda: nn.SELU(True), lambda: torch.nn.SELU(True)),
    (lambda: nn.CELU(1.5, True), lambda: torch.nn.CELU(1.5, True)),
    (lambda: nn.SiLU(True), lambda: torch.nn.SiLU(True)),
    (lambda: nn.Mish(True), lambda: torch.nn.Mish(True)),
    (lambda: nn.Hardswish(True), lambda: torch.nn.Hardswish(True)),
    (lambda: nn.Hardsigmoid(True), lambda: torch.nn.Hardsigmoid(True)),
    (lambda: nn.Hardtanh(-0.5, 0.5, True), lambda: torch.nn.Hardtanh(-0.5, 0.5, True)),
    (lambda: nn.Threshold(0.2, -1.0, True), lambda: torch.nn.Threshold(0.2, -1.0, True)),
    (lambda: nn.RReLU(inplace=True).eval(), lambda: torch.nn.RReLU(inplace=True).eval()),
]


@pytest.mark.parametrize("case", INPLACE, ids=lambda c: repr(c[1]()))
def test_inplace_writes_into_the_input_as_torch(case):
    ours, theirs = case[0](), case[1]()
    assert repr(ours) == repr(theirs)
    x = _input([0.0], shape=(3, 5))
    results = []
    for lib, module in ((vt, ours), (torch, theirs)):
        leaf = lib.tensor(x, requires_grad=True)
        hidden = leaf * 2.0
        version = hidden._version
        out = module(hidden)
        assert out is hidden and hidden._version == version + 1
        out.backward(lib.tensor(np.arange(15.0).reshape(3, 5)))
        results.append((np.array(out.detach().numpy()), leaf.grad.detach().numpy()))
        with pytest.raises(RuntimeError, match="leaf"):
            module(lib.tensor(x, requires_grad=True))  # a leaf that requires grad: refused
        plain = lib.tensor(x)
        assert module(plain) is plain  # no grad needed: written straight in
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=RTOL, atol=ATOL)


def test_functional_inplace_variants_return_their_input():
    for name in ("relu_", "elu_", "selu_", "celu_", "leaky_relu_", "hardtanh_", "rrelu_"):
        x = vt.tensor([-1.0, 0.5], dtype=vt.float64)
        assert getattr(F, name)(x) is x
        expected = getattr(TF, name)(torch.tensor([-1.0, 0.5], dtype=torch.float64))
        _close(x, expected, msg=name)
    x = vt.tensor([-1.0, 0.5])
    assert F.threshold_(x, 0.0, 3.0) is x
    _close(x, np.array([3.0, 0.5]))


def test_exact_gelu_has_second_and_third_derivatives():
    check_second_order(lambda lib, t: (F if lib is vt else TF).gelu(t), np.linspace(-4, 4, 17))
    x = vt.tensor([0.3, -1.2], dtype=vt.float64, requires_grad=True)
    (g,) = vt.autograd.grad(F.gelu(x).sum(), x, create_graph=True)
    (h,) = vt.autograd.grad(g.sum(), x, create_graph=True)
    phi = np.exp(-0.5 * x.array**2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(h.array, phi * (2 - x.array**2), rtol=1e-12)
    (third,) = vt.autograd.grad(h.sum(), x)  # gelu''' = phi (x^3 - 4x)
    np.testing.assert_allclose(third.array, phi * (x.array**3 - 4 * x.array), rtol=1e-12)


def test_errors_match_torch():
    x = vt.zeros(2, 3)
    xt = torch.zeros(2, 3)
    for ours, theirs, error in [
        (lambda: F.glu(x, 1), lambda: TF.glu(xt, 1), RuntimeError),
        (lambda: F.glu(vt.tensor(1.0)), lambda: TF.glu(torch.tensor(1.0)), RuntimeError),
        (lambda: F.softshrink(x, -1.0), lambda: TF.softshrink(xt, -1.0), RuntimeError),
        (lambda: nn.Softmax2d()(x), lambda: torch.nn.Softmax2d()(xt), ValueError),
        (lambda: F.gelu(x, approximate="x"), lambda: TF.gelu(xt, approximate="x"), RuntimeError),
        (lambda: nn.GELU("fast")(x), lambda: torch.nn.GELU("fast")(xt), RuntimeError),
        (lambda: nn.Hardtanh(1.0, -1.0), lambda: torch.nn.Hardtanh(1.0, -1.0), AssertionError),
    ]:
        with pytest.raises(error):
            theirs()
        with pytest.raises(error):
            ours()
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(x, 1)
    with pytest.raises(ValueError, match="3D or 4D"):
        nn.Softmax2d()(x)


def test_softmax_family_without_dim_warns_and_uses_torchs_legacy_dim():
    x = np.random.default_rng(6).normal(size=(2, 3))
    for ours, theirs in ((nn.Softmin(), torch.nn.Softmin()), (nn.Softmax(), torch.nn.Softmax())):
        with pytest.warns(UserWarning, match="Implicit dimension"):
            out = ours(vt.tensor(x))
        with pytest.warns(UserWarning):
            expected = theirs(torch.tensor(x))
        _close(out, expected)


def test_tiny_results_keep_their_relative_precision_as_torch():
    # log1p and expm1 where torch's kernels use them: softplus(-40) is 4e-18, not 0
    x = np.array([-40.0, -1e-10, 1e-10, 40.0])
    for name, kwargs in [
        ("softplus", {}),
        ("logsigmoid", {}),
        ("elu", {}),
        ("mish", {}),
        ("selu", {}),
        ("celu", {"alpha": 2.0}),
    ]:
        ours = getattr(F, name)(vt.tensor(x), **kwargs).array
        theirs = getattr(TF, name)(torch.tensor(x), **kwargs).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, err_msg=name)
