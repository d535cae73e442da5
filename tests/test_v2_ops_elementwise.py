"""Elementwise ops against torch: float64 values, gradients and second derivatives; the dtypes
of integer and bool inputs; the exception types of bad input; broadcasting shapes drawn by
hypothesis."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

import v2_tensor as vt
from tests.v2_cases import assert_same, tensor
from tests.v2_parity import check, check_second_order

# NumPy must not warn where torch is silent (log 0, x/0, overflow to inf)
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

rng = np.random.default_rng(7)


def normal(*shape):
    return rng.standard_normal(shape)


def uniform(low, high, *shape):
    return rng.uniform(low, high, shape)


def away_from_zero(*shape):
    return rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


# name: (fn(lib, x), input, has a second derivative worth checking)
UNARY = {
    "tan": (lambda L, x: x.tan(), uniform(-1.2, 1.2, 3, 4), True),
    "asin": (lambda L, x: L.asin(x), uniform(-0.9, 0.9, 3, 4), True),
    "arcsin": (lambda L, x: L.arcsin(x), uniform(-0.9, 0.9, 3, 4), False),
    "acos": (lambda L, x: x.acos(), uniform(-0.9, 0.9, 3, 4), True),
    "atan": (lambda L, x: x.atan(), normal(3, 4), True),
    "sinh": (lambda L, x: x.sinh(), normal(3, 4), True),
    "cosh": (lambda L, x: L.cosh(x), normal(3, 4), True),
    "asinh": (lambda L, x: x.asinh(), normal(3, 4), True),
    "acosh": (lambda L, x: x.acosh(), uniform(1.2, 3.0, 3, 4), True),
    "atanh": (lambda L, x: x.atanh(), uniform(-0.9, 0.9, 3, 4), True),
    "rsqrt": (lambda L, x: x.rsqrt(), uniform(0.3, 3.0, 3, 4), True),
    "reciprocal": (lambda L, x: x.reciprocal(), away_from_zero(3, 4), True),
    "square": (lambda L, x: x.square(), normal(3, 4), True),
    "log2": (lambda L, x: x.log2(), uniform(0.3, 3.0, 3, 4), True),
    "log10": (lambda L, x: L.log10(x), uniform(0.3, 3.0, 3, 4), True),
    "log1p": (lambda L, x: x.log1p(), uniform(-0.7, 3.0, 3, 4), True),
    "expm1": (lambda L, x: x.expm1(), normal(3, 4), True),
    "exp2": (lambda L, x: x.exp2(), normal(3, 4), True),
    "erf": (lambda L, x: x.erf(), normal(3, 4), True),
    "erfc": (lambda L, x: L.erfc(x), normal(3, 4), True),
    "erfinv": (lambda L, x: x.erfinv(), uniform(-0.9, 0.9, 3, 4), True),
    "sigmoid": (lambda L, x: x.sigmoid(), normal(3, 4), True),
    "logit": (lambda L, x: x.logit(), uniform(0.05, 0.95, 3, 4), True),
    "logit_eps": (lambda L, x: L.logit(x, eps=0.2), uniform(0.0, 1.0, 4, 5), True),
    "trunc": (lambda L, x: x.trunc() * x, normal(3, 4) * 3, True),
    "fix": (lambda L, x: L.fix(x) + x, normal(3, 4) * 3, False),
    "floor": (lambda L, x: x.floor() * x, normal(3, 4) * 3, False),
    "ceil": (lambda L, x: L.ceil(x) * x, normal(3, 4) * 3, False),
    "round": (lambda L, x: x.round() * x, normal(3, 4) * 3, False),
    "round_decimals": (lambda L, x: L.round(x, decimals=2) + x, normal(3, 4) * 3, False),
    "round_negative_decimals": (lambda L, x: L.round(x, decimals=-1), normal(3, 4) * 40, False),
    "frac": (lambda L, x: x.frac() * x, normal(3, 4) * 3, True),
    "sign": (lambda L, x: x.sign() * x, away_from_zero(3, 4), False),
    "sgn": (lambda L, x: L.sgn(x) + x, away_from_zero(3, 4), False),
    "nan_to_num": (lambda L, x: x.nan_to_num() * x, normal(3, 4), True),
    "abs": (lambda L, x: x.abs(), away_from_zero(3, 4), False),
    "positive": (lambda L, x: L.positive(x) * 2, normal(3, 4), False),
    "lgamma": (lambda L, x: x.lgamma(), uniform(0.2, 4.0, 3, 4), True),
    "lgamma_negative": (lambda L, x: L.lgamma(x), uniform(-0.9, -0.1, 3, 4), True),
    "digamma": (lambda L, x: L.digamma(x), uniform(0.2, 4.0, 3, 4), True),
    "polygamma_1": (lambda L, x: L.polygamma(1, x), uniform(0.2, 4.0, 3, 4), True),
    "polygamma_2_method": (lambda L, x: x.polygamma(2), uniform(0.2, 4.0, 3, 4), True),
    "sinc": (lambda L, x: x.sinc(), normal(3, 4), True),
    "sinc_at_zero": (lambda L, x: L.sinc(x), np.array([0.0, 1.0, -2.0, 0.5]), False),
    "deg2rad": (lambda L, x: x.deg2rad() * x, normal(3, 4) * 90, True),
    "rad2deg": (lambda L, x: L.rad2deg(x), normal(3, 4), False),
    "float_power": (lambda L, x: L.float_power(x, 3), normal(3, 4), True),
    "float_power_tensor": (lambda L, x: x.abs().float_power(x), normal(3, 4), True),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_torch(name):
    fn, x, second = UNARY[name]
    check(fn, x)
    if second:
        check_second_order(fn, x)


def _binary_inputs(name, shapes):
    a, b = (normal(*shape) for shape in shapes)
    if name in ("fmod", "remainder"):
        b = np.sign(b) * (np.abs(b) + 0.5)  # no division by zero; kinks almost never drawn
    if name == "xlogy":
        b = np.abs(b) + 0.1
    if name in ("fmax", "fmin"):
        b = b + 1e-3  # no ties
    return a, b


BINARY = {
    "atan2": (lambda L, a, b: L.atan2(a, b), True),
    "arctan2": (lambda L, a, b: a.arctan2(b), False),
    "fmod": (lambda L, a, b: L.fmod(a, b) * a, True),
    "remainder": (lambda L, a, b: a.remainder(b) * b, True),
    "mod_operator": (lambda L, a, b: (a % b) * a, False),
    "copysign": (lambda L, a, b: L.copysign(a, b) * b, True),
    "hypot": (lambda L, a, b: L.hypot(a, b), True),
    "logaddexp": (lambda L, a, b: L.logaddexp(a, b), True),
    "logaddexp2": (lambda L, a, b: a.logaddexp2(b), True),
    "xlogy": (lambda L, a, b: L.xlogy(a, b), True),
    "fmax": (lambda L, a, b: L.fmax(a, b), False),
    "fmin": (lambda L, a, b: a.fmin(b), False),
    "lerp_tensor_weight": (lambda L, a, b: L.lerp(a, b, (a * b).sigmoid()), True),
    "clamp_tensor_bounds": (lambda L, a, b: L.clamp(a, min=b - 0.5, max=b + 0.5), False),
    "clip_tensor_min": (lambda L, a, b: L.clip(a, min=b), False),
}


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=6, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
def test_binary_matches_torch_with_broadcasting(name, shapes):
    fn, _ = BINARY[name]
    check(fn, *_binary_inputs(name, shapes.input_shapes))


@pytest.mark.parametrize("name", [n for n, (_, second) in BINARY.items() if second])
def test_binary_second_order(name):
    fn, _ = BINARY[name]
    check_second_order(fn, *_binary_inputs(name, [(3, 1), (1, 4)]))


SCALAR_FORMS = {
    "mod_scalar": lambda L, x: (x % 1.5) * x,
    "fmod_scalar": lambda L, x: x.fmod(-1.5) * x,
    "copysign_scalar": lambda L, x: L.copysign(x, -1.0),
    "xlogy_scalar_first": lambda L, x: L.xlogy(2.0, x),
    "xlogy_scalar_second": lambda L, x: x.xlogy(3.0),
    "lerp_scalar_weight": lambda L, x: L.lerp(x, x * x, 0.3),
    "div_floor_zero_gradient": lambda L, x: L.div(x, 0.7, rounding_mode="floor") + x,
    "div_trunc_zero_gradient": lambda L, x: x.div(-0.7, rounding_mode="trunc") * x,
}


@pytest.mark.parametrize("name", SCALAR_FORMS)
def test_scalar_operands(name):
    x = np.abs(normal(3, 4)) + 0.3
    check(SCALAR_FORMS[name], x)


REFUSED_AS_TORCH = {
    "sub_bool_tensor": lambda L: L.tensor([1, 2]) - L.tensor([True, False]),
    "rsub_bool_tensor": lambda L: L.tensor([True, False]) - L.tensor([1, 2]),
    "sub_two_bool_tensors": lambda L: L.tensor([True]) - L.tensor([False]),
    "sub_python_bool": lambda L: L.tensor([1, 2]) - True,
    "rsub_python_bool": lambda L: True - L.tensor([1.5]),
    "sub_number_from_bool": lambda L: L.tensor([True, False]) - 1.5,
    "sub_in_place_bool": lambda L: L.tensor([1, 2]).sub_(L.tensor([True, False])),
    "maximum_number": lambda L: L.maximum(L.tensor([1.0, 2.0]), 1.5),
    "minimum_number_first": lambda L: L.minimum(2, L.tensor([1, 3])),
    "exp_list": lambda L: L.exp([1.0, 2.0]),
    "abs_number": lambda L: L.abs(-2),
    "sum_list": lambda L: L.sum([1, 2]),
    "cumsum_list": lambda L: L.cumsum([1, 2], 0),
    "exp_numpy_array": lambda L: L.exp(np.ones(2)),
    "vector_norm_list": lambda L: L.linalg.vector_norm([3.0, 4.0]),
    "index_add_list_source": lambda L: L.zeros(3).index_add(0, L.tensor([0]), [1.0]),
}


@pytest.mark.parametrize("name", REFUSED_AS_TORCH)
def test_what_torch_refuses_is_refused_with_its_exception_type(name):
    with pytest.raises(Exception) as torch_error:
        REFUSED_AS_TORCH[name](torch)
    with pytest.raises(type(torch_error.value)) as ours:
        REFUSED_AS_TORCH[name](vt)
    op = name.split("_")[0]
    assert op in str(ours.value) or "subtraction" in str(ours.value), ours.value


def test_clamp_still_takes_tensor_and_number_bounds_together():
    assert_same(lambda L: L.clamp(tensor(L, [0.5, 2.0, 3.5]), L.tensor(1.0, dtype=L.float64), 3))


@pytest.mark.parametrize(
    "fn", [lambda x: x // 2, lambda x: 2.5 % x, lambda x: x.floor_divide(x + 1)]
)
def test_ops_without_derivative_as_in_torch(fn):
    """torch records floor_divide and remainder(number, tensor) but has no derivative."""
    for L in (torch, vt):
        x = L.tensor([1.5, -2.5], dtype=L.float64, requires_grad=True)
        y = fn(x)
        assert y.requires_grad
        with pytest.raises(RuntimeError, match="derivative"):
            y.sum().backward()
    assert_same(lambda L: 2.5 % tensor(L, [1.5, -2.5]))


@pytest.mark.parametrize(
    ("a", "b"),
    [([0.0, 0.5, 1.0, -1.0, 2.0], [0.0, 0.0, 0.5, 1.0, 2.0]), ([1.0, 3.0], [1.0, 3.0])],
)
def test_clamp_gradients_at_and_between_bounds(a, b):
    """At a bound (and between), the gradient goes where torch's does, scalar or tensor bounds."""
    check(lambda L, x: x.clamp(0.0, 1.0), np.array(a))
    check(lambda L, x: x.clamp(min=0.5), np.array(a))
    check(lambda L, x: L.clip(x, max=1.0), np.array(a))
    check(lambda L, x, lo: L.clamp(x, min=lo), np.array(a), np.array(b))
    check(lambda L, x, hi: L.clamp(x, max=hi), np.array(a), np.array(b))
    check(lambda L, x, lo: L.clamp(x, lo, lo + 1.0), np.array(a), np.array(b))
    check(lambda L, x, lo: L.clamp(x, lo + 1.0, lo), np.array(a), np.array(b))  # min > max


def test_ties_of_maximum_fmax_and_lerp_weight():
    a, b = (
        np.array([1.0, 2.0, 3.0, np.nan, 1.0, np.nan]),
        np.array([1.0, 1.0, 4.0, 1, np.nan, np.nan]),
    )
    for name in ("maximum", "minimum", "fmax", "fmin"):  # gradients, nan operands included
        grads = []
        for L in (torch, vt):
            x, y = (L.tensor(v, requires_grad=True) for v in (a, b))
            getattr(L, name)(x, y).sum().backward()
            grads.append(
                [np.asarray(g.detach() if L is torch else g.array) for g in (x.grad, y.grad)]
            )
        np.testing.assert_array_equal(grads[0][0], grads[1][0], err_msg=name)
        np.testing.assert_array_equal(grads[0][1], grads[1][1], err_msg=name)
    a, b = a[:3], b[:3]
    check(lambda L, x, y: L.maximum(x, y), a, b)
    check(lambda L, x, y: L.fmax(x, y), a, b)
    check(lambda L, x, y: L.fmin(x, y), a, b)
    check(lambda L, x, y, w: L.lerp(x, y, w), a, b, np.array([0.0, 0.5, 1.0]))


def test_special_values_match_torch():
    nan, inf = math.nan, math.inf
    special = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, inf, -inf, nan, 1e-300, 700.0, -700.0]
    names = [
        "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "rsqrt",
        "reciprocal", "square", "log2", "log10", "log1p", "expm1", "exp2", "erf", "erfc",
        "erfinv", "sigmoid", "logit", "trunc", "floor", "ceil", "round", "frac", "sign", "sgn",
        "nan_to_num", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit", "abs",
        "exp", "log", "sqrt", "sin", "cos", "tanh", "lgamma", "digamma", "sinc", "deg2rad",
        "rad2deg",
    ]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy must not warn where torch is silent
        for name in names:
            assert_same(lambda L, name=name: getattr(L, name)(tensor(L, special)), rtol=1e-12)
            assert_same(lambda L, name=name: getattr(L, name)(tensor(L, special, "float32")))


def test_rounding_matches_torch_at_halves():
    halves = [0.5, 1.5, 2.5, -0.5, -1.5, 0.125, 0.375, 2.675, -2.675, 1234.5678, 1e17]
    for decimals in (0, 1, 2, 3, -1, -2):
        assert_same(lambda L, d=decimals: L.round(tensor(L, halves), decimals=d), rtol=0, atol=0)
        assert_same(lambda L, d=decimals: tensor(L, halves, "float32").round(decimals=d))


def test_logit_eps_and_nan_to_num_arguments():
    p = [0.0, 0.05, 0.3, 0.95, 1.0, -0.5, 1.5]
    assert_same(lambda L: L.logit(tensor(L, p), 0.1))
    assert_same(lambda L: L.logit(tensor(L, p)))
    bad = [math.nan, math.inf, -math.inf, 2.0]
    assert_same(lambda L: L.nan_to_num(tensor(L, bad), nan=1.0, posinf=5.0, neginf=-5.0))
    assert_same(lambda L: tensor(L, bad, "float32").nan_to_num(posinf=7.0))
    check(lambda L, x: L.logit(x, eps=0.25) * x, np.array([0.1, 0.25, 0.5, 0.75, 0.9]))


# ---- dtypes of integer and bool inputs -------------------------------------------------------

DTYPES = ["int64", "int32", "int16", "int8", "uint8", "bool", "float32", "float64"]
UNARY_NAMES = [n for n in UNARY if not n.endswith(("eps", "decimals")) and n != "logit_eps"]
UNARY_NAMES += ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit", "neg", "exp"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_dtypes_match_torch(dtype):
    data = [3, 0, 1, 2] if dtype != "bool" else [True, False, True, True]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in UNARY_NAMES:
            assert_same(lambda L, name=name: getattr(L, name)(tensor(L, data, dtype)))
    assert_same(lambda L: L.round(tensor(L, data, dtype), decimals=1))


BINARY_NAMES = [
    "atan2", "fmod", "remainder", "floor_divide", "copysign", "hypot", "logaddexp",
    "logaddexp2", "xlogy", "fmax", "fmin", "maximum", "minimum", "isclose", "div", "mul",
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
]  # fmt: skip
PAIRS = [
    ("int64", "int64"), ("int32", "int64"), ("uint8", "int8"), ("bool", "bool"),
    ("bool", "int64"), ("int64", "float32"), ("float32", "float64"), ("float64", "float64"),
]  # fmt: skip


@pytest.mark.parametrize(("left", "right"), PAIRS)
def test_binary_dtypes_match_torch(left, right):
    a = [7, -3, 5, 0] if left != "bool" else [True, False, True, False]
    b = [2, 2, -3, 1] if right != "bool" else [True, True, True, True]
    if left == "uint8":
        a = [7, 3, 5, 0]
    for name in BINARY_NAMES:
        assert_same(lambda L, n=name: getattr(L, n)(tensor(L, a, left), tensor(L, b, right)))


@pytest.mark.parametrize("scalar", [2, -2, 2.5, True])
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "bool"])
def test_tensor_scalar_dtypes_match_torch(scalar, dtype):
    data = [7, -3, 5, 1] if dtype != "bool" else [True, False, True, True]
    for name in ("fmod", "remainder", "floor_divide", "copysign", "xlogy", "div", "mul"):
        assert_same(lambda L, n=name: getattr(L, n)(tensor(L, data, dtype), scalar))
    assert_same(lambda L: tensor(L, data, dtype) % scalar)
    assert_same(lambda L: tensor(L, data, dtype) // scalar)
    assert_same(lambda L: scalar % tensor(L, data, dtype))
    assert_same(lambda L: scalar // tensor(L, data, dtype))


def test_div_rounding_modes_match_torch():
    a = [7, -7, 7, -7, 0, 5, -1]
    b = [2, 2, -2, -2, 3, 5, 3]
    for mode in (None, "trunc", "floor"):
        for dtype in ("int64", "int32", "uint8", "float32", "float64"):
            x = [abs(v) for v in a] if dtype == "uint8" else a
            y = [abs(v) for v in b] if dtype == "uint8" else b
            assert_same(
                lambda L, m=mode, d=dtype, x=x, y=y: L.div(
                    tensor(L, x, d), tensor(L, y, d), rounding_mode=m
                )
            )
            assert_same(lambda L, m=mode, d=dtype, x=x: tensor(L, x, d).div(2, rounding_mode=m))
            assert_same(lambda L, m=mode, d=dtype, x=x: tensor(L, x, d).div(-2.5, rounding_mode=m))
    floats = [1.0, -1.0, 0.0, 5.5, -5.5, 1e300]
    for mode in (None, "trunc", "floor"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert_same(lambda L, m=mode: L.div(tensor(L, floats), 0.0, rounding_mode=m))
            assert_same(lambda L, m=mode: L.div(tensor(L, floats), 0.1, rounding_mode=m), rtol=0)
            assert_same(lambda L, m=mode: L.div(tensor(L, floats), -1e-300, rounding_mode=m))
    assert_same(lambda L: tensor(L, [1.0, -1.0, 7.5]) // 0.1, rtol=0)
    assert_same(lambda L: tensor(L, [1.0, -1.0, 7.5]) % 0.1, rtol=1e-12)
    assert_same(lambda L: tensor(L, [5, -5], "int64") // tensor(L, [0, 1], "int64"))
    assert_same(lambda L: tensor(L, [5, -5], "int64") % 0)
    assert_same(lambda L: L.div(tensor(L, [5], "int64"), 0, rounding_mode="trunc"))
    assert_same(lambda L: L.div(tensor(L, [5], "int64"), 2, rounding_mode="round"))


def test_closeness_and_equality_match_torch():
    a = [1.0, 2.0, math.inf, -math.inf, math.nan, 1e-9]
    b = [1.0 + 1e-6, 2.1, math.inf, math.inf, math.nan, 0.0]
    assert_same(lambda L: L.isclose(tensor(L, a), tensor(L, b)))
    assert_same(lambda L: L.isclose(tensor(L, a), tensor(L, b), equal_nan=True))
    assert_same(lambda L: tensor(L, a).isclose(tensor(L, b), rtol=0.1, atol=0.0))
    assert_same(lambda L: L.allclose(tensor(L, a[:2]), tensor(L, b[:2]), rtol=0.1))
    assert_same(lambda L: L.allclose(tensor(L, a), tensor(L, a)))
    assert_same(lambda L: L.allclose(tensor(L, a), tensor(L, a), equal_nan=True))
    assert_same(lambda L: L.isclose(tensor(L, [1, 2], "int64"), tensor(L, [1, 3], "int64")))
    assert_same(lambda L: L.isclose(tensor(L, [True], "bool"), tensor(L, [False], "bool")))
    assert_same(lambda L: L.equal(tensor(L, [1, 2], "int64"), tensor(L, [1.0, 2.0])))
    assert_same(lambda L: L.equal(tensor(L, [1, 2]), tensor(L, [[1, 2]])))
    assert_same(lambda L: tensor(L, [1, 2]).equal(tensor(L, [1, 3])))
    assert_same(lambda L: L.equal(tensor(L, [math.nan]), tensor(L, [math.nan])))


# ---- in-place twins and operators -----------------------------------------------------------

INPLACE = {
    "tan_": lambda L: tensor(L, [0.5, -0.25]).tan_(),
    "erfinv_": lambda L: tensor(L, [0.5, -0.25]).erfinv_(),
    "floor_int": lambda L: tensor(L, [3, -2], "int64").floor_(),
    "round_decimals_": lambda L: tensor(L, [1.234, -2.345]).round_(decimals=1),
    "exp2_int_refused": lambda L: tensor(L, [3, -2], "int64").exp2_(),
    "atan2_": lambda L: tensor(L, [1.0, -1.0]).atan2_(tensor(L, [2.0, 2.0])),
    "fmod_": lambda L: tensor(L, [5.5, -5.5]).fmod_(2),
    "remainder_": lambda L: tensor(L, [5, -5], "int64").remainder_(3),
    "floor_divide_": lambda L: tensor(L, [5, -5], "int64").floor_divide_(3),
    "xlogy_": lambda L: tensor(L, [0.0, 2.0]).xlogy_(tensor(L, [0.0, 3.0])),
    "copysign_": lambda L: tensor(L, [1.0, 2.0]).copysign_(-1),
    "hypot_": lambda L: tensor(L, [3.0, 5.0]).hypot_(tensor(L, [4.0, 12.0])),
    "eq_": lambda L: tensor(L, [1.0, 2.0]).eq_(tensor(L, [1.0, 3.0])),
    "lt_int": lambda L: tensor(L, [1, 5], "int64").lt_(3),
    "ge_": lambda L: tensor(L, [1.0, 5.0]).ge_(2.0),
    "logical_and_": lambda L: tensor(L, [1.0, 0.0]).logical_and_(tensor(L, [1.0, 1.0])),
    "logical_not_": lambda L: tensor(L, [1.0, 0.0]).logical_not_(),
    "nan_to_num_": lambda L: tensor(L, [math.nan, 1.0]).nan_to_num_(),
    "square_int": lambda L: tensor(L, [3, -2], "int32").square_(),
    "sgn_": lambda L: tensor(L, [3.0, -2.0]).sgn_(),
    "abs_int": lambda L: tensor(L, [3, -2], "int64").abs_(),
    "logit_": lambda L: tensor(L, [0.25, 0.5]).logit_(),
    "frac_": lambda L: tensor(L, [1.25, -2.5]).frac_(),
    "polygamma_": lambda L: tensor(L, [1.25, 2.5]).polygamma_(1),
    "float_power_": lambda L: tensor(L, [1.25, 2.5]).float_power_(2),
    "float_power_float32": lambda L: tensor(L, [1.25, 2.5], "float32").float_power_(2),
    "float_power_int": lambda L: L.float_power(tensor(L, [2, 3], "int64"), 2),
    "float_power_float32_int": lambda L: L.float_power(
        tensor(L, [2.0], "float32"), tensor(L, [2], "int64")
    ),
    "float_power_scalar_base": lambda L: L.float_power(2, tensor(L, [2.0], "float32")),
    "polygamma_negative_n": lambda L: L.polygamma(-1, tensor(L, [1.0])),
    "polygamma_float_n": lambda L: L.polygamma(1.5, tensor(L, [1.0])),
    "lgamma_int": lambda L: L.lgamma(tensor(L, [0, -1, 3], "int64")),
    "deg2rad_int": lambda L: L.deg2rad(tensor(L, [180], "int64")),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_twins_match_torch(name):
    assert_same(INPLACE[name])


def test_inplace_operators_match_torch():
    def imod(L):
        x = tensor(L, [5.5, -5.5, 2.0])
        alias = x
        x %= 2
        assert x is alias
        return x

    def ifloordiv(L):
        x = tensor(L, [5, -5, 2], "int64")
        x //= 2
        return x

    def ifloordiv_float(L):
        x = tensor(L, [5.5, -5.5, 2.0])
        x //= tensor(L, [2.0, 2.0, -3.0])
        return x

    for fn in (imod, ifloordiv, ifloordiv_float):
        assert_same(fn)


def test_inplace_op_is_recorded_for_autograd():
    def fn(L, x):
        y = x * 1.0
        y.atan2_(x + 2.0)
        z = y * 1.0
        z.tan_()
        return z

    check(fn, uniform(-1, 1, 3, 4))


# ---- bad input: torch's exception types -----------------------------------------------------

ERRORS = {
    "neg_bool": lambda L: -tensor(L, [True], "bool"),
    "neg_function_bool": lambda L: L.neg(tensor(L, [True], "bool")),
    "abs_bool": lambda L: L.abs(tensor(L, [True], "bool")),
    "floor_bool": lambda L: tensor(L, [True], "bool").floor(),
    "round_bool": lambda L: L.round(tensor(L, [True], "bool")),
    "frac_int": lambda L: L.frac(tensor(L, [1], "int64")),
    "round_decimals_int": lambda L: L.round(tensor(L, [1], "int64"), decimals=1),
    "positive_bool": lambda L: L.positive(tensor(L, [True], "bool")),
    "fmod_bool": lambda L: L.fmod(tensor(L, [True], "bool"), tensor(L, [True], "bool")),
    "remainder_bool": lambda L: tensor(L, [True], "bool") % tensor(L, [True], "bool"),
    "floor_divide_bool": lambda L: tensor(L, [True], "bool") // tensor(L, [True], "bool"),
    "fmod_int_zero": lambda L: L.fmod(tensor(L, [1], "int64"), 0),
    "remainder_int_zero": lambda L: L.remainder(tensor(L, [1], "int64"), tensor(L, [0], "int64")),
    "floor_divide_int_zero": lambda L: tensor(L, [1], "int64") // 0,
    "fmod_scalar_first": lambda L: L.fmod(2.0, tensor(L, [1.0])),
    "copysign_scalar_first": lambda L: L.copysign(2.0, tensor(L, [1.0])),
    "atan2_scalar": lambda L: L.atan2(tensor(L, [1.0]), 2.0),
    "hypot_scalar": lambda L: L.hypot(tensor(L, [1.0]), 2.0),
    "hypot_int": lambda L: L.hypot(tensor(L, [1], "int64"), tensor(L, [1], "int64")),
    "logaddexp_int": lambda L: L.logaddexp(tensor(L, [1], "int64"), tensor(L, [1], "int64")),
    "logaddexp2_scalar": lambda L: L.logaddexp2(tensor(L, [1.0]), 1.0),
    "fmax_scalar": lambda L: L.fmax(tensor(L, [1.0]), 1.0),
    "isclose_dtypes": lambda L: L.isclose(tensor(L, [1.0]), tensor(L, [1.0], "float32")),
    "isclose_scalar": lambda L: L.isclose(tensor(L, [1.0]), 1.0),
    "allclose_shapes": lambda L: L.allclose(tensor(L, [1.0, 2.0]), tensor(L, [1.0, 2.0, 3.0])),
    "atan2_shapes": lambda L: L.atan2(tensor(L, [1.0, 2.0]), tensor(L, [1.0, 2.0, 3.0])),
    "xlogy_shapes": lambda L: L.xlogy(tensor(L, [[1.0, 2.0]]), tensor(L, [1.0, 2.0, 3.0])),
    "div_bad_mode": lambda L: L.div(tensor(L, [1.0]), 2.0, rounding_mode="nearest"),
    "exp_int_inplace": lambda L: tensor(L, [1], "int64").exp_(),
    "tan_int_inplace": lambda L: tensor(L, [1], "int64").tan_(),
    "sqrt_leaf_inplace": lambda L: tensor(L, [1.0], requires_grad=True).sqrt_(),
    "comparison_shapes": lambda L: tensor(L, [1.0, 2.0]).eq_(tensor(L, [[1.0], [2.0]])),
    "lerp_weight_dtype": lambda L: L.lerp(
        tensor(L, [1.0]), tensor(L, [2.0]), tensor(L, [0.5], "float32")
    ),
    "clamp_no_bounds": lambda L: L.clamp(tensor(L, [1.0])),
    "isclose_negative_tolerance": lambda L: L.isclose(tensor(L, [1.0]), tensor(L, [1.0]), rtol=-1),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_input_raises_as_torch(name):
    expected, error = None, None
    try:
        expected = ERRORS[name](torch)
    except Exception as e:  # noqa: BLE001
        error = e
    assert error is not None, f"torch accepts {name} (returns {expected}): not an error case"
    assert_same(ERRORS[name])


def test_messages_name_the_op():
    with pytest.raises(NotImplementedError, match="bool"):
        -vt.tensor([True])
    with pytest.raises(RuntimeError, match="fmod"):
        vt.fmod(vt.tensor([1]), 0)
    with pytest.raises(TypeError, match="hypot.*other"):
        vt.hypot(vt.tensor([1.0]), 2.0)
    with pytest.raises(TypeError, match="out="):
        vt.atan2(vt.tensor([1.0]), vt.tensor([1.0]), out=vt.tensor([0.0]))


def test_erf_gradients_by_finite_differences():
    from v2_tensor.autograd import gradcheck

    for fn, low, high in ((vt.erf, -2, 2), (vt.erfc, -2, 2), (vt.erfinv, -0.9, 0.9)):
        x = vt.tensor(rng.uniform(low, high, 5), requires_grad=True)
        assert gradcheck(fn, (x,))


def test_readme_op_tables_link_to_real_functions():
    """Each `[Name](path)` of the op tables in v2_tensor/README.md names a class or function
    defined in that file (or the module itself)."""
    import pathlib
    import re

    root = pathlib.Path(vt.__file__).parent
    text = (root / "README.md").read_text()
    links = re.findall(r"\[([A-Za-z_, ]+)\]\(((?:ops/)?\w+\.py)\)", text)
    assert len(links) > 60
    for names, path in links:
        source = (root / path).read_text()
        for name in (n.strip() for n in names.split(",")):
            if name == pathlib.Path(path).stem:
                continue
            assert re.search(rf"^(class {name}[(:]|def {name}\()", source, re.M), (name, path)
    for op in (
        "tan",
        "erfinv",
        "logaddexp2",
        "xlogy",
        "cumprod",
        "logcumsumexp",
        "nanmedian",
        "vector_norm",
        "matrix_norm",
        "multinomial",
        "poisson",
        "asarray",
        "cauchy_",
    ):
        assert re.search(rf"[`.]{re.escape(op)}\b", text), op


def test_arithmetic_on_infinities_is_silent_as_in_torch():
    """inf * 0, inf - inf and float32 overflow give nan and inf without NumPy's warnings."""
    inf = float("inf")
    cases = [
        lambda L: L.tensor([inf, 1.0]) * 0,
        lambda L: L.tensor([inf]) + L.tensor([-inf]),
        lambda L: L.tensor([inf]) - inf,
        lambda L: L.tensor([3e38]) * 10,
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for case in cases:
            assert_same(case)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("zero_first", [False, True])
def test_where_with_a_zero_is_torchs_bit_for_bit(dtype, zero_first):
    """where(mask, x, 0) and where(mask, 0, x) (a ReLU's backward) select by a bit mask:
    the result is torch's to the bit, infinities, NaN and -0.0 included."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(40)
    x[:6] = [math.inf, -0.0, math.nan, -math.inf, 0.0, -2.0]
    mask = rng.random(40) < 0.5
    mask[:6] = [True, True, True, False, True, False]
    results = {}
    for L in (torch, vt):
        t, m = tensor(L, x, dtype), L.tensor(mask)
        results[L] = (L.where(m, 0.0, t) if zero_first else L.where(m, t, 0.0)).numpy()
    assert results[vt].dtype == np.dtype(dtype)
    assert results[vt].tobytes() == results[torch].tobytes()
