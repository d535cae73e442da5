"""Reductions, scans and norms against torch: float64 values, gradients and second
derivatives (zeros and ties included), the keyword forms (axis=, dtype=, out=), the dtypes of
integer and bool inputs, torch's exception types; dims drawn by hypothesis."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import v2_tensor as vt
from tests.v2_cases import assert_same, tensor
from tests.v2_parity import check, check_second_order

# NumPy must not warn where torch is silent (log 0, x/0, overflow to inf)
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

rng = np.random.default_rng(11)


def normal(*shape):
    return rng.standard_normal(shape)


def distinct(*shape):
    """Spread-out values in random order: no ties for median, cummax, norms with inf."""
    return rng.permutation(np.arange(int(np.prod(shape)), dtype=float)).reshape(shape) * 0.37 - 1


def with_zeros(*shape, count=1):
    x = normal(*shape)
    x.reshape(-1)[rng.choice(x.size, count, replace=False)] = 0.0
    return x


def _matrix_norm(L):
    return L.linalg.matrix_norm


# name: (fn(lib, x), input, has a second derivative)
CASES = {
    "prod": (lambda L, x: x.prod(), normal(2, 3), True),
    "prod_dim": (lambda L, x: L.prod(x, 1), normal(2, 3, 2), True),
    "prod_keepdim": (lambda L, x: x.prod(dim=-1, keepdim=True), normal(3, 4), True),
    "prod_one_zero": (lambda L, x: x.prod(), with_zeros(3, 3), True),
    "prod_two_zeros": (lambda L, x: x.prod(), with_zeros(3, 3, count=2), True),
    "prod_dim_zeros": (
        lambda L, x: x.prod(0),
        np.array([[0.0, 2.0], [3.0, 0.0], [0.0, 5.0]]),
        True,
    ),
    "cumsum": (lambda L, x: x.cumsum(1), normal(3, 4), False),  # (piecewise) linear
    "cumsum_first_dim": (lambda L, x: L.cumsum(x * x, dim=0), normal(3, 4), True),
    "cumprod": (lambda L, x: x.cumprod(1), normal(3, 4), True),
    "cumprod_zeros": (lambda L, x: L.cumprod(x, -1), with_zeros(3, 4, count=3), True),
    "cumprod_0d": (lambda L, x: x.cumprod(0), normal(), False),  # (piecewise) linear
    "cummax": (lambda L, x: x.cummax(1).values, distinct(3, 4), False),
    "cummax_ties": (lambda L, x: L.cummax(x, 0)[0], np.array([1.0, 3.0, 3.0, 2.0, 3.0]), False),
    "cummin": (lambda L, x: L.cummin(x, 0).values, distinct(4, 3), False),
    "logcumsumexp": (lambda L, x: x.logcumsumexp(1), normal(3, 4) * 3, True),
    "logcumsumexp_large": (lambda L, x: L.logcumsumexp(x, 0), normal(4, 2) * 800, False),
    "var_mean": (lambda L, x: L.var_mean(x, 1)[0] * L.var_mean(x, 1)[1], normal(3, 4), True),
    "std_mean": (
        lambda L, x: L.std_mean(x, dim=0, correction=0)[0] + L.std_mean(x)[1],
        normal(3, 4),
        True,
    ),
    "median": (lambda L, x: x.median(), distinct(3, 4), False),
    "median_even_count": (lambda L, x: L.median(x), distinct(2, 3), False),
    "median_ties": (lambda L, x: L.median(x), np.array([1.0, 2.0, 2.0, 2.0, 5.0]), False),
    "median_dim": (lambda L, x: x.median(1).values, distinct(3, 4), False),
    "median_dim_keepdim": (lambda L, x: L.median(x, 0, keepdim=True)[0], distinct(4, 3), False),
    "nanmedian": (lambda L, x: L.nanmedian(x), distinct(3, 3), False),
    "nanmean": (lambda L, x: x.nanmean(1), normal(3, 4), False),  # (piecewise) linear
    "nansum": (lambda L, x: L.nansum(x * x, 0), normal(3, 4), True),
    "aminmax": (lambda L, x: L.aminmax(x).min * L.aminmax(x).max, distinct(3, 4), False),
    "aminmax_dim": (
        lambda L, x: x.aminmax(dim=1)[0] + x.aminmax(dim=1, keepdim=True)[1].sum(),
        distinct(3, 4),
        False,
    ),
    "aminmax_ties": (lambda L, x: L.aminmax(x).max, np.array([1.0, 3.0, 3.0]), False),
    "norm": (lambda L, x: x.norm(), normal(3, 4), True),
    "norm_p3_dim": (lambda L, x: L.norm(x, 3, 1), normal(3, 4), True),
    "norm_p1": (
        lambda L, x: x.norm(p=1, dim=0, keepdim=True),
        normal(3, 4),
        False,
    ),  # (piecewise) linear
    "norm_fro_dims": (lambda L, x: L.norm(x, "fro", dim=(0, 1)), normal(3, 4), True),
    "norm_nuc": (lambda L, x: L.norm(x, "nuc"), normal(3, 4), False),
    "norm_inf": (lambda L, x: x.norm(math.inf), distinct(3, 4), False),  # (piecewise) linear
    "vector_norm": (lambda L, x: L.linalg.vector_norm(x), normal(3, 4), True),
    "vector_norm_p0": (lambda L, x: L.linalg.vector_norm(x, 0) * x.sum(), with_zeros(3, 4), False),
    # (second derivatives for 1 < p < 2 and p < 1: by finite differences below, since torch's
    # double backward of these first loads its compiler stack, ~20 s)
    "vector_norm_p_half": (lambda L, x: L.linalg.vector_norm(x, 0.5, dim=1), normal(3, 4), False),
    "vector_norm_p_1_5": (
        lambda L, x: L.linalg.vector_norm(x, 1.5, dim=(0, 1)),
        normal(3, 4),
        False,
    ),
    "vector_norm_p4_keepdim": (
        lambda L, x: L.linalg.vector_norm(x, 4, -1, True),
        normal(3, 4),
        True,
    ),
    "vector_norm_neg_inf": (
        lambda L, x: L.linalg.vector_norm(x, -math.inf, 0),
        distinct(3, 4),
        False,
    ),
    "vector_norm_neg_1": (lambda L, x: L.linalg.vector_norm(x, -1, 1), normal(3, 4), False),
    "vector_norm_zero_vector": (lambda L, x: L.linalg.vector_norm(x * 0.0, 3), normal(3, 4), False),
    "matrix_norm_fro": (lambda L, x: _matrix_norm(L)(x), normal(2, 3, 4), True),
    "matrix_norm_nuc": (lambda L, x: _matrix_norm(L)(x, "nuc"), normal(2, 3, 4), False),
    "matrix_norm_2": (lambda L, x: _matrix_norm(L)(x, 2), normal(3, 4), False),
    "matrix_norm_minus_2": (
        lambda L, x: _matrix_norm(L)(x, -2, keepdim=True),
        normal(2, 4, 3),
        False,
    ),
    "matrix_norm_1": (
        lambda L, x: _matrix_norm(L)(x, 1),
        distinct(2, 3, 4),
        False,
    ),  # (piecewise) linear
    "matrix_norm_minus_1": (
        lambda L, x: _matrix_norm(L)(x, -1, dim=(0, 2)),
        distinct(2, 3, 4),
        False,
    ),  # (piecewise) linear
    "matrix_norm_inf": (
        lambda L, x: _matrix_norm(L)(x, math.inf, dim=(2, 1), keepdim=True),
        distinct(2, 3, 4),
        False,
    ),  # (piecewise) linear
    "matrix_norm_minus_inf": (
        lambda L, x: _matrix_norm(L)(x, -math.inf),
        distinct(3, 4),
        False,
    ),  # (piecewise) linear
    "linalg_norm": (lambda L, x: L.linalg.norm(x), normal(2, 3, 4), True),
    "linalg_norm_ord_2d": (
        lambda L, x: L.linalg.norm(x, 1),
        distinct(3, 4),
        False,
    ),  # (piecewise) linear
    "linalg_norm_vector_dim": (lambda L, x: L.linalg.norm(x, 3, dim=1), normal(3, 4), True),
    "linalg_norm_matrix_dims": (
        lambda L, x: L.linalg.norm(x, "nuc", dim=(0, 2)),
        normal(3, 2, 4),
        False,
    ),
    "dist": (
        lambda L, x: L.dist(x, x.flip(0)),
        normal(4, 3),
        False,
    ),
    "dist_p": (lambda L, x: x.dist(x * x, 3), normal(4, 3), True),
    "sum_of_prod_and_cumsum": (
        lambda L, x: (x.prod(1) * x.cumsum(1)[:, -1]).sum(),
        normal(3, 3),
        True,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name):
    fn, x, second = CASES[name]
    check(fn, x)
    if second:
        check_second_order(fn, x)


@pytest.mark.parametrize("p", [0.5, 1.5, 3.0, -1.0])
def test_vector_norm_second_derivative_by_finite_differences(p):
    """H v from differentiating the gradient again equals (g(x + εv) - g(x - εv)) / 2ε."""
    x0, v = normal(2, 3), normal(2, 3)

    def gradient(array, create_graph=False):
        x = vt.tensor(array, requires_grad=True)
        norm = vt.linalg.vector_norm(x, p, dim=1).sum()
        (g,) = vt.autograd.grad(norm, [x], create_graph=create_graph)
        return x, g

    x, g = gradient(x0, create_graph=True)
    (hv,) = vt.autograd.grad((g * vt.tensor(v)).sum(), [x])
    eps = 1e-6
    numerical = (gradient(x0 + eps * v)[1].array - gradient(x0 - eps * v)[1].array) / (2 * eps)
    np.testing.assert_allclose(hv.array, numerical, rtol=1e-5, atol=1e-6)


def test_spectral_norms_are_twice_differentiable():
    """Through linalg.svd when the backward is recorded (the torch parity of the second
    derivatives is in tests/test_second_order.py)."""
    for ord in ("nuc", 2, -2):
        x = vt.tensor(normal(3, 4), requires_grad=True)
        assert vt.autograd.gradgradcheck(lambda t, o=ord: vt.linalg.matrix_norm(t, o), x)


def test_nan_handling_matches_torch():
    x = [[1.0, math.nan, 3.0, -2.0], [math.nan, math.nan, math.nan, math.nan]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from NumPy where torch is silent
        for fn in (
            lambda L: L.nansum(tensor(L, x), 1),
            lambda L: L.nanmean(tensor(L, x), 1),
            lambda L: L.nanmean(tensor(L, x)),
            lambda L: L.median(tensor(L, x)),
            lambda L: L.nanmedian(tensor(L, x)),
            lambda L: L.median(tensor(L, x[:1]), 1),
            lambda L: L.nanmedian(tensor(L, x[:1]), 1),
            lambda L: L.nanmedian(tensor(L, x), 1).values,
            lambda L: L.cummax(tensor(L, x), 1),
            lambda L: L.cummin(tensor(L, x), 1),
            lambda L: L.cumsum(tensor(L, x), 1),
            lambda L: L.logcumsumexp(tensor(L, [[-math.inf, 0.0, math.inf, 1.0]]), 1),
            lambda L: L.prod(tensor(L, x), 1),
            lambda L: L.linalg.vector_norm(tensor(L, x), dim=1),
            lambda L: L.any(tensor(L, x), 1),
            lambda L: L.count_nonzero(tensor(L, x)),
        ):
            assert_same(fn)
    # the gradient of nanmean and nansum skips the nan elements
    check(
        lambda L, v: L.nanmean(v, 0) + L.nansum(v, 1).sum(), np.array([[1.0, np.nan], [2.0, 4.0]])
    )


# ---- dims drawn by hypothesis ------------------------------------------------------------------


@st.composite
def tensor_and_dim(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return distinct(*shape), dim


DIM_OPS = {
    "prod": lambda L, x, d: x.prod(d),
    "cumsum": lambda L, x, d: x.cumsum(d),
    "cumprod": lambda L, x, d: L.cumprod(x, d),
    "cummax": lambda L, x, d: x.cummax(d)[0],
    "cummin": lambda L, x, d: L.cummin(x, dim=d).values,
    "logcumsumexp": lambda L, x, d: x.logcumsumexp(d),
    "median": lambda L, x, d: x.median(d, keepdim=True).values,
    "nanmedian": lambda L, x, d: L.nanmedian(x, d)[0],
    "vector_norm": lambda L, x, d: L.linalg.vector_norm(x, 3, d),
    "nansum": lambda L, x, d: x.nansum(d),
    "aminmax": lambda L, x, d: L.aminmax(x, dim=d).max,
}


@pytest.mark.parametrize("name", DIM_OPS)
@settings(max_examples=8, deadline=None)
@given(case=tensor_and_dim())
def test_over_drawn_dims(name, case):
    x, dim = case
    check(lambda L, v: DIM_OPS[name](L, v, dim), x)
    if name in ("median", "cummax"):  # the indices too
        assert_same(lambda L: getattr(tensor(L, x), name)(dim).indices)


# ---- keyword forms --------------------------------------------------------------------------

KEYWORDS = {
    "sum_axis": lambda L, x: x.sum(axis=1),
    "sum_axis_tuple": lambda L, x: L.sum(x, axis=(0, 1)),
    "mean_axis": lambda L, x: x.mean(axis=-1, keepdim=True),
    "max_axis": lambda L, x: L.max(x, axis=1).values,
    "min_axis": lambda L, x: x.min(axis=0)[0],
    "var_axis": lambda L, x: x.var(axis=1),
    "std_axis": lambda L, x: L.std(x, axis=0, correction=0),
    "prod_axis": lambda L, x: x.prod(axis=1),
    "cumsum_axis": lambda L, x: L.cumsum(x, axis=1),
    "logsumexp_axis": lambda L, x: x.logsumexp(axis=1),
    "nansum_axis": lambda L, x: x.nansum(axis=0),
    "nanmean_axis": lambda L, x: L.nanmean(x, axis=1),
    "median_axis": lambda L, x: x.median(axis=0).values,
    "sum_dtype": lambda L, x: x.float().sum(dtype=L.float64),
    "mean_dtype": lambda L, x: L.mean(x.float(), 1, dtype=L.float64),
    "prod_dtype": lambda L, x: L.prod(x.float(), dtype=L.float64),
    "prod_dim_dtype": lambda L, x: x.float().prod(0, dtype=L.float64),
    "cumsum_dtype": lambda L, x: x.float().cumsum(1, dtype=L.float64),
    "cumprod_dtype": lambda L, x: L.cumprod(x.float(), dim=0, dtype=L.float64),
    "softmax_dtype": lambda L, x: L.softmax(x.float(), 1, dtype=L.float64),
    "softmax_dtype_positional": lambda L, x: x.float().softmax(1, L.float64),
    "log_softmax_dtype": lambda L, x: L.log_softmax(x.float(), dim=0, dtype=L.float64),
    "nansum_dtype": lambda L, x: L.nansum(x.float(), dtype=L.float64),
    "vector_norm_dtype": lambda L, x: L.linalg.vector_norm(x.float(), dtype=L.float64),
}


@pytest.mark.parametrize("name", KEYWORDS)
def test_keyword_forms(name):
    x = np.round(normal(3, 4), 3)
    check(KEYWORDS[name], x, rtol=1e-6)  # float32 inputs: torch rounds some gradients first


def test_axis_on_non_differentiable_reductions():
    x = [[1, 0, 3], [0, 0, 2]]
    for fn in (
        lambda L: L.any(tensor(L, x, "int64"), axis=1),
        lambda L: tensor(L, x, "int64").all(axis=0),
        lambda L: L.argmax(tensor(L, x), axis=1),
        lambda L: tensor(L, x).argmin(axis=0, keepdim=True),
        lambda L: L.max(tensor(L, x), axis=1).indices,
        lambda L: L.sum(tensor(L, x, "int64"), axis=1, dtype=L.float32),
        lambda L: L.cumsum(tensor(L, x, "int64"), 1, dtype=L.float32),
        lambda L: L.prod(tensor(L, x, "int32"), 0, dtype=L.int16),
    ):
        assert_same(fn)


OUT_REFUSED = [
    lambda x: vt.sum(x, out=x), lambda x: vt.mean(x, out=x), lambda x: vt.prod(x, out=x),
    lambda x: vt.max(x, 0, out=x), lambda x: vt.argmax(x, out=x), lambda x: vt.var(x, out=x),
    lambda x: vt.std(x, out=x), lambda x: vt.cumsum(x, 0, out=x), lambda x: vt.cumprod(x, 0, out=x),
    lambda x: vt.cummax(x, 0, out=x), lambda x: vt.logcumsumexp(x, 0, out=x),
    lambda x: vt.any(x, out=x), lambda x: vt.all(x, out=x), lambda x: vt.nansum(x, out=x),
    lambda x: vt.nanmean(x, out=x), lambda x: vt.median(x, 0, out=x),
    lambda x: vt.aminmax(x, out=x), lambda x: vt.norm(x, out=x), lambda x: vt.softmax(x, 0, out=x),
    lambda x: vt.logsumexp(x, 0, out=x), lambda x: vt.linalg.vector_norm(x, out=x),
    lambda x: vt.linalg.matrix_norm(x.reshape(2, 2), out=x), lambda x: vt.linalg.norm(x, out=x),
    lambda x: vt.tan(x, out=x), lambda x: vt.atan2(x, x, out=x), lambda x: vt.eq(x, x, out=x),
    lambda x: vt.logit(x, out=x), lambda x: vt.round(x, out=x), lambda x: vt.clamp(x, 0, out=x),
]  # fmt: skip


@pytest.mark.parametrize("call", OUT_REFUSED)
def test_out_is_refused_clearly(call):
    x = vt.tensor([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(TypeError, match="out="):
        call(x)
    assert x.tolist() == [1.0, 2.0, 3.0, 4.0]


# ---- dtypes of integer and bool inputs -------------------------------------------------------

DTYPE_CALLS = {
    "sum": lambda L, x: x.sum(),
    "sum_dim": lambda L, x: L.sum(x, 0),
    "prod": lambda L, x: x.prod(),
    "prod_dim": lambda L, x: L.prod(x, 1),
    "cumsum": lambda L, x: x.cumsum(1),
    "cumprod": lambda L, x: L.cumprod(x, 0),
    "cummax": lambda L, x: L.cummax(x, 1),
    "cummin": lambda L, x: x.cummin(0),
    "any": lambda L, x: x.any(),
    "any_dim": lambda L, x: L.any(x, 1, keepdim=True),
    "all": lambda L, x: L.all(x),
    "all_dims": lambda L, x: x.all(dim=(0, 1)),
    "count_nonzero": lambda L, x: L.count_nonzero(x),
    "count_nonzero_dim": lambda L, x: x.count_nonzero(1),
    "count_nonzero_dims": lambda L, x: L.count_nonzero(x, (0, 1)),
    "nansum": lambda L, x: L.nansum(x),
    "median": lambda L, x: x.median(),
    "median_dim": lambda L, x: L.median(x, 0),
    "nanmedian_dim": lambda L, x: L.nanmedian(x, 1),
    "aminmax": lambda L, x: L.aminmax(x),
    "amax": lambda L, x: x.amax(1),
    "max_dim": lambda L, x: L.max(x, 1),
    "logsumexp": lambda L, x: L.logsumexp(x, 1),
    "mean": lambda L, x: x.mean(),
    "mean_dtype": lambda L, x: x.mean(dtype=L.float64),
    "nanmean": lambda L, x: L.nanmean(x),
    "var": lambda L, x: x.var(),
    "std": lambda L, x: L.std(x, 1),
    "var_mean": lambda L, x: L.var_mean(x),
    "std_mean": lambda L, x: L.std_mean(x, 0),
    "softmax": lambda L, x: L.softmax(x, 1),
    "log_softmax_dtype": lambda L, x: x.log_softmax(1, dtype=L.float64),
    "logcumsumexp": lambda L, x: L.logcumsumexp(x, 1),
    "vector_norm": lambda L, x: L.linalg.vector_norm(x),
    "matrix_norm": lambda L, x: L.linalg.matrix_norm(x),
    "norm": lambda L, x: x.norm(),
    "dist": lambda L, x: L.dist(x, x),
}


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float32"])
def test_dtypes_match_torch(dtype):
    data = [[3, 0, 1], [4, 2, 2]] if dtype != "bool" else [[True, False, True], [True, True, True]]
    for name, fn in DTYPE_CALLS.items():
        try:
            assert_same(lambda L, fn=fn: fn(L, tensor(L, data, dtype)))
        except AssertionError as error:
            raise AssertionError(f"{name} on {dtype}: {error}") from None


# ---- bad input: torch's exception types -----------------------------------------------------

ERRORS = {
    "prod_tuple_dim": lambda L: L.prod(tensor(L, [[1.0]]), (0, 1)),
    "prod_dim_out_of_range": lambda L: L.prod(tensor(L, [[1.0]]), 5),
    "cumsum_no_dim": lambda L: L.cumsum(tensor(L, [1.0])),
    "cumsum_dim_out_of_range": lambda L: tensor(L, [1.0]).cumsum(3),
    "cummax_dim_out_of_range": lambda L: L.cummax(tensor(L, [1.0]), -3),
    "logcumsumexp_int": lambda L: L.logcumsumexp(tensor(L, [1], "int64"), 0),
    "any_dim_out_of_range": lambda L: L.any(tensor(L, [1.0]), 2),
    "count_nonzero_repeated_dim": lambda L: L.count_nonzero(tensor(L, [[1.0]]), (0, 0)),
    "mean_int": lambda L: L.mean(tensor(L, [1], "int64")),
    "nanmean_int": lambda L: L.nanmean(tensor(L, [1], "int64")),
    "var_int": lambda L: L.var(tensor(L, [1, 2], "int64")),
    "var_mean_int": lambda L: L.var_mean(tensor(L, [1, 2], "int64")),
    "softmax_int": lambda L: L.softmax(tensor(L, [1, 2], "int64"), 0),
    "median_bool": lambda L: L.median(tensor(L, [True], "bool")),
    "median_empty_dim": lambda L: L.median(L.zeros(2, 0), 1),
    "median_dim_out_of_range": lambda L: L.median(tensor(L, [1.0]), 1),
    "aminmax_empty": lambda L: L.aminmax(L.zeros(0)),
    "aminmax_tuple_dim": lambda L: L.aminmax(tensor(L, [[1.0]]), dim=(0, 1)),
    "vector_norm_int": lambda L: L.linalg.vector_norm(tensor(L, [1], "int64")),
    "vector_norm_str_ord": lambda L: L.linalg.vector_norm(tensor(L, [1.0]), "fro"),
    "vector_norm_empty_inf": lambda L: L.linalg.vector_norm(L.zeros(0), math.inf),
    "vector_norm_empty_negative": lambda L: L.linalg.vector_norm(L.zeros(0), -1),
    "vector_norm_narrowing_dtype": lambda L: L.linalg.vector_norm(
        tensor(L, [1.0]), dtype=L.float32
    ),
    "vector_norm_dim_out_of_range": lambda L: L.linalg.vector_norm(tensor(L, [1.0]), dim=4),
    "matrix_norm_1d": lambda L: L.linalg.matrix_norm(tensor(L, [1.0])),
    "matrix_norm_bad_ord": lambda L: L.linalg.matrix_norm(L.ones(2, 2), 3),
    "matrix_norm_bad_str": lambda L: L.linalg.matrix_norm(L.ones(2, 2), "abc"),
    "matrix_norm_same_dims": lambda L: L.linalg.matrix_norm(L.ones(2, 2), dim=(0, 0)),
    "matrix_norm_one_dim": lambda L: L.linalg.matrix_norm(L.ones(2, 2), dim=(0,)),
    "matrix_norm_int": lambda L: L.linalg.matrix_norm(L.ones(2, 2, dtype=L.int64)),
    "linalg_norm_3d_with_ord": lambda L: L.linalg.norm(L.ones(2, 2, 2), 2),
    "linalg_norm_fro_one_dim": lambda L: L.linalg.norm(L.ones(2, 2), "fro", 1),
    "norm_nuc_one_dim": lambda L: L.norm(L.ones(2, 2), "nuc", dim=1),
    "norm_nuc_3d": lambda L: L.norm(L.ones(2, 2, 2), "nuc"),
    "norm_int": lambda L: L.norm(L.ones(2, dtype=L.int64)),
    "dist_int": lambda L: L.dist(L.ones(2, dtype=L.int64), L.ones(2, dtype=L.int64)),
    "dist_scalar": lambda L: L.dist(L.ones(2), 1.0),
    "dist_shapes": lambda L: L.dist(L.ones(2), L.ones(3)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_input_raises_as_torch(name):
    try:
        ERRORS[name](torch)
    except Exception:  # noqa: BLE001
        assert_same(ERRORS[name])
    else:
        pytest.fail(f"torch accepts {name}: not an error case")


def test_empty_and_zero_dim_inputs_match_torch():
    for fn in (
        lambda L: L.prod(L.zeros(0)),
        lambda L: L.prod(L.zeros(2, 0), 1),
        lambda L: L.cumsum(L.zeros(0), 0),
        lambda L: L.cumsum(tensor(L, 2.0), 0),
        lambda L: L.cumprod(tensor(L, 2.0), -1),
        lambda L: L.cummax(tensor(L, 3.0), 0),
        lambda L: L.cummax(L.zeros(0), 0),
        lambda L: L.logcumsumexp(tensor(L, 3.0), 0),
        lambda L: L.median(L.zeros(0)),
        lambda L: L.median(L.zeros(0, 2), 1),
        lambda L: L.median(tensor(L, 3.0), 0),
        lambda L: L.any(L.zeros(0)),
        lambda L: L.all(L.zeros(0)),
        lambda L: L.count_nonzero(L.zeros(0)),
        lambda L: L.nansum(L.zeros(0)),
        lambda L: L.aminmax(L.zeros(2, 0), dim=0),
        lambda L: L.linalg.vector_norm(L.zeros(0)),
        lambda L: L.linalg.matrix_norm(L.zeros(0, 3), 2),
        lambda L: L.linalg.matrix_norm(L.zeros(0, 3), 1),
        lambda L: L.linalg.vector_norm(tensor(L, -3.0), 3),
    ):
        assert_same(fn)
