"""Every differentiable op of v2_tensor against torch in float64: values, gradients, and
gradients of gradients; broadcasting shapes drawn by hypothesis."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import v2_tensor as vt
from tests.v2_parity import check, check_second_order

rng = np.random.default_rng(0)


def normal(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape):
    """Values whose sign is unambiguous, for ops with a kink at 0 (relu, abs)."""
    x = rng.uniform(0.2, 2.0, shape)
    return x * rng.choice([-1.0, 1.0], shape)


def distinct(*shape):
    """A random permutation of spread-out values: no ties for max/min."""
    return rng.permutation(np.arange(int(np.prod(shape)), dtype=float)).reshape(shape) * 0.37


# name: (fn(lib, *inputs), inputs, has a second derivative)
UNARY = {
    "exp": (lambda L, x: x.exp(), [normal(3, 4)], True),
    "log": (lambda L, x: x.log(), [positive(3, 4)], True),
    "sqrt": (lambda L, x: x.sqrt(), [positive(3, 4)], True),
    "tanh": (lambda L, x: x.tanh(), [normal(3, 4)], True),
    "sigmoid": (lambda L, x: x.sigmoid(), [normal(3, 4) * 5], True),
    "relu": (lambda L, x: x.relu(), [away_from_zero(3, 4)], False),
    "abs": (lambda L, x: x.abs(), [away_from_zero(3, 4)], False),
    "neg": (lambda L, x: -x, [normal(3, 4)], False),
    "sin": (lambda L, x: x.sin(), [normal(3, 4)], True),
    "cos": (lambda L, x: x.cos(), [normal(3, 4)], True),
    "clamp": (lambda L, x: x.clamp(-0.5, 0.7), [away_from_zero(5, 4)], False),
    "clamp_min": (lambda L, x: x.clamp(min=0.3), [away_from_zero(5, 4)], False),
    "clamp_max": (lambda L, x: L.clamp(x, max=-0.3), [away_from_zero(5, 4)], False),
    "pow_int": (lambda L, x: x**3, [normal(3, 4)], True),
    "pow_float": (lambda L, x: x**1.7, [positive(3, 4)], True),
    "pow_negative": (lambda L, x: x**-2, [positive(3, 4)], True),
    "pow_zero": (lambda L, x: x**0, [normal(3, 4)], False),
    "scalar_pow": (lambda L, x: 1.5**x, [normal(3, 4)], True),
    "rsub": (lambda L, x: 2.0 - x, [normal(3, 4)], False),
    "rdiv": (lambda L, x: 2.0 / x, [positive(3, 4)], True),
    "radd_rmul": (lambda L, x: 3 * (1 + x), [normal(3, 4)], False),
    "square_0d": (lambda L, x: x * x, [normal()], True),
    "exp_0d": (lambda L, x: x.exp(), [normal()], True),
}

BINARY = {
    "add": (lambda L, a, b: a + b, False),
    "sub": (lambda L, a, b: a - b, False),
    "mul": (lambda L, a, b: a * b, True),
    "div": (lambda L, a, b: a / (b.abs() + 0.5), True),
    "pow": (lambda L, a, b: (a.abs() + 0.5) ** b, True),
    "maximum": (lambda L, a, b: L.maximum(a, b), False),
    "minimum": (lambda L, a, b: L.minimum(a, b), False),
    "where": (lambda L, a, b: L.where(a > b, a * a, b), False),
}

REDUCTIONS = {
    "sum": (lambda L, x: (x * x).sum(), True),
    "sum_dim": (lambda L, x: (x * x).sum(1), True),
    "sum_neg_dim_keepdim": (lambda L, x: x.exp().sum(-1, keepdim=True), True),
    "sum_tuple": (lambda L, x: x.sum((0, 2)), False),
    "mean": (lambda L, x: (x * x).mean(), True),
    "mean_tuple_keepdim": (lambda L, x: x.mean((0, 2), keepdim=True), False),
    "max_all": (lambda L, x: x.max(), False),
    "min_all": (lambda L, x: x.min(), False),
    "max_dim": (lambda L, x: x.max(1).values, False),
    "min_dim_keepdim": (lambda L, x: x.min(dim=-1, keepdim=True)[0], False),
    "amax": (lambda L, x: x.amax((0, 1)), False),
    "amin_keepdim": (lambda L, x: x.amin(2, keepdim=True), False),
    "var": (lambda L, x: x.var(), True),
    "var_dim": (lambda L, x: x.var(1), True),
    "var_biased_keepdim": (lambda L, x: x.var((0, 2), unbiased=False, keepdim=True), True),
    "var_correction": (lambda L, x: x.var(2, correction=0), True),
    "std": (lambda L, x: x.std(), True),
    "std_dim": (lambda L, x: x.std(0, keepdim=True), True),
    "logsumexp": (lambda L, x: x.logsumexp(1), True),
    "logsumexp_tuple": (lambda L, x: L.logsumexp(x, (0, 2), keepdim=True), True),
    "softmax": (lambda L, x: x.softmax(-1), True),
    "softmax_dim0": (lambda L, x: L.softmax(x, 0), True),
    "log_softmax": (lambda L, x: x.log_softmax(1), True),
    "log_softmax_last": (lambda L, x: L.log_softmax(x, -1), True),
}

MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize("name", UNARY)
def test_unary(name):
    fn, inputs, smooth = UNARY[name]
    check(fn, *inputs)
    if smooth:
        check_second_order(fn, *inputs)


@pytest.mark.parametrize("name", BINARY)
def test_binary_same_shape(name):
    fn, smooth = BINARY[name]
    a, b = distinct(3, 4), distinct(3, 4)[::-1].copy()
    check(fn, a, b)
    if smooth:
        check_second_order(fn, a, b)


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=15, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3))
def test_binary_broadcasting(name, shapes):
    """Any pair of broadcastable shapes (size-1 dims, missing leading dims, 0-d)."""
    fn, smooth = BINARY[name]
    a_shape, b_shape = shapes.input_shapes
    a = distinct(*a_shape)
    b = distinct(*b_shape) + 0.123  # never equal to an element of a
    check(fn, a, b)


@pytest.mark.parametrize("name", BINARY)
def test_binary_second_order_broadcast(name):
    fn, smooth = BINARY[name]
    if smooth:
        check_second_order(fn, normal(2, 3, 4), normal(3, 1))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
@pytest.mark.parametrize("scalar", [2, 0.5, -1.5])
def test_tensor_scalar_both_sides(op, scalar):
    funcs = {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "pow": lambda a, b: a**b,
    }
    f = funcs[op]
    check(lambda L, x: f(x, scalar), positive(3, 2))
    check(lambda L, x: f(scalar if op != "pow" else abs(scalar), x), positive(3, 2))


def test_clamp_passes_no_gradient_at_its_bounds():
    at_bounds = np.array([-0.5, 0.7, 0.7, -2.0, 0.1, 2.0])
    check(lambda L, x: x.clamp(-0.5, 0.7), at_bounds)
    check(lambda L, x: x.clamp(min=-0.5), at_bounds)
    check(lambda L, x: x.clamp(max=0.7), at_bounds)


def test_maximum_ties_split_the_gradient():
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 5.0, 3.0])
    check(lambda L, x, y: L.maximum(x, y), a, b)
    check(lambda L, x, y: L.minimum(x, y), a, b)
    check(lambda L, x, y: L.max(x, y), a, b)  # torch.max(input, other) is maximum
    check(lambda L, x, y: x.min(y), a, b)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction(name):
    fn, smooth = REDUCTIONS[name]
    x = distinct(3, 4, 2) if not smooth else normal(3, 4, 2)
    check(fn, x)
    if smooth:
        check_second_order(fn, x)


def test_whole_max_splits_ties_evenly_like_torch():
    x = np.array([[1.0, 3.0, 3.0], [0.0, 3.0, -1.0]])
    check(lambda L, t: t.max(), x)
    check(lambda L, t: t.min(), -x)
    check(lambda L, t: t.amax(1), x)
    check(lambda L, t: t.amax((0, 1)), x)


def test_std_of_equal_elements_has_zero_gradient_like_torch():
    """ds/dx = (x - mean) / ((n - 1) s) is 0/0 at s = 0: torch defines it as 0, not nan."""
    x = np.array([[0.5, 0.5, 0.5], [1.0, 2.0, 4.0]])
    check(lambda L, t: t.std(1), x)
    check(lambda L, t: t.std(1, keepdim=True, correction=0), x)
    check_second_order(lambda L, t: t.std(1), x)


def test_max_with_dim_sends_the_gradient_to_the_returned_index():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    check(lambda L, t: t.max(1).values, x)
    check(lambda L, t: t.min(0).values, np.array([[1.0, 3.0], [1.0, 2.0]]))
    for dim in (0, 1):
        got = vt.tensor(x).max(dim)
        expected = torch.tensor(x).max(dim)
        np.testing.assert_array_equal(got.indices.array, expected.indices.numpy())
        assert got.indices.dtype == np.int64
        values, indices = got  # a namedtuple, as torch's
        assert values is got.values and indices is got.indices


def test_zero_dim_tensors_along_dim_0_like_torch():
    """A 0-d tensor is one element along dim 0 (or -1): max/min/gather/argmax work on it."""
    x = np.array(1.7)
    check(lambda L, t: t.max(0).values * 3, x)
    check(lambda L, t: t.min(-1, keepdim=True)[0], x)
    check(lambda L, t: t.gather(0, L.tensor(0)), x)
    assert vt.tensor(x).max(0).indices.item() == 0 and vt.tensor(x).argmax(0).item() == 0
    with pytest.raises(IndexError, match="0-d"):
        vt.tensor(x).unbind(0)


def test_argmax_argmin():
    x = distinct(3, 4)
    for dim in (None, 0, 1, -1):
        np.testing.assert_array_equal(
            vt.tensor(x).argmax(dim).array, torch.tensor(x).argmax(dim).numpy()
        )
        np.testing.assert_array_equal(
            vt.tensor(x).argmin(dim).array, torch.tensor(x).argmin(dim).numpy()
        )
    assert vt.tensor(x).argmax(1, keepdim=True).shape == (3, 1)


@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax"])
@pytest.mark.parametrize("scale", [1e3, -1e3])
def test_stable_at_large_logits(name, scale):
    """No inf or nan at logits of +-1e3, in values and in gradients."""
    x = np.array([[1.0, 0.5, -0.25], [0.0, 0.0, 0.0], [1.0, -1.0, 0.3]]) * scale
    fn = REDUCTIONS[name][0]
    check(fn, x, atol=1e-9)
    t = vt.tensor(x, dtype=vt.float32, requires_grad=True)
    out = fn(vt, t)
    out.sum().backward()
    assert np.all(np.isfinite(out.array)) and np.all(np.isfinite(t.grad.array))
    assert out.dtype == np.float32


def test_logsumexp_of_minus_infinity_rows():
    x = vt.tensor([[-np.inf, -np.inf], [0.0, -np.inf]], dtype=vt.float64)
    expected = torch.tensor(x.array).logsumexp(1)
    np.testing.assert_array_equal(x.logsumexp(1).array, expected.numpy())


@pytest.mark.parametrize(("a_shape", "b_shape"), MATMUL_SHAPES)
def test_matmul(a_shape, b_shape):
    a, b = normal(*a_shape), normal(*b_shape)
    check(lambda L, x, y: x @ y, a, b)
    check_second_order(lambda L, x, y: (x @ y) * (x @ y), a, b)


def test_matmul_with_constant_operand_and_rmatmul():
    w = normal(4, 3)
    x = normal(2, 4)
    check(lambda L, a: a @ L.tensor(w), x)
    check(lambda L, a: L.tensor(x) @ a, w)
    got = x @ vt.tensor(w)  # ndarray @ Tensor gives a Tensor
    assert isinstance(got, vt.Tensor)
    np.testing.assert_allclose(got.array, x @ w)


def test_composite_mlp_loss_second_order():
    """A gradient penalty: the norm of d(loss)/d(input) differentiated by the weights."""
    w1, w2, x = normal(4, 5), normal(5, 3), normal(6, 4)
    y = rng.integers(0, 3, 6)

    def penalty(L, w1, w2, x):
        logits = (x @ w1).tanh() @ w2
        loss = -logits.log_softmax(1)[L.arange(6), L.tensor(y)].mean()
        (g,) = L.autograd.grad(loss, x, create_graph=True)
        return (g * g).sum()

    check(penalty, w1, w2, x, atol=1e-9)


@st.composite
def shape_and_dims(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
    dims = draw(
        st.lists(
            st.integers(-len(shape), len(shape) - 1),
            min_size=1,
            max_size=len(shape),
            unique_by=lambda d: d % len(shape),
        )
    )
    return shape, tuple(dims), draw(st.booleans())


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")  # var of 1 element
@settings(max_examples=25, deadline=None)
@given(
    case=shape_and_dims(), op=st.sampled_from(["sum", "mean", "amax", "var", "std", "logsumexp"])
)
def test_reductions_over_drawn_dims(case, op):
    """Any set of dims (negative or not, in any order), with and without keepdim; var and std of
    one element per slice are nan, gradients included, in both libraries."""
    shape, dims, keepdim = case
    x = rng.permutation(np.arange(int(np.prod(shape)), dtype=float)).reshape(shape) * 0.3
    check(lambda L, t: getattr(t, op)(dims, keepdim=keepdim), x)


@settings(max_examples=15, deadline=None)
@given(
    batch=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
    sizes=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
)
def test_batched_matmul_drawn_shapes(batch, sizes):
    n, k, m = sizes
    a_batch, b_batch = batch.input_shapes
    check(lambda L, x, y: x @ y, normal(*a_batch, n, k), normal(*b_batch, k, m))
