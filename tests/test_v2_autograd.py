"""The autograd engine: traversal, accumulation, grad modes, higher order, the Function
extension point, gradcheck and the errors of backward."""

import gc
import sys
import weakref

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import v2_tensor as vt
from tests.v2_parity import check
from v2_tensor.autograd import Function, GradcheckError, gradcheck, once_differentiable

rng = np.random.default_rng(2)


def leaf(*shape, dtype=vt.float64):
    return vt.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)


def test_deep_chain_of_100000_ops_backpropagates_without_recursion():
    limit = sys.getrecursionlimit()
    x = vt.tensor(0.5, dtype=vt.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0
    assert sys.getrecursionlimit() == limit


def test_reused_node_sums_its_gradients():
    x = leaf(3)
    y = x * x + x.exp() * x  # x feeds four edges
    y.sum().backward()
    expected = 2 * x.array + np.exp(x.array) * (1 + x.array)
    np.testing.assert_allclose(x.grad.array, expected, rtol=1e-12)


def test_gradients_accumulate_across_backward_calls():
    x = leaf(2, 3)
    (x * 2).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.array, 2 + 2 * x.array, rtol=1e-12)
    assert x.grad is first  # accumulated in place, as torch
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.array, 3.0)


def test_leaf_gradients_never_share_memory():
    a, b = leaf(3), leaf(3)
    (a + b).sum().backward()  # add passes one gradient array to both
    assert not np.shares_memory(a.grad.array, b.grad.array)
    a.grad.array *= 10  # an in-place update (gradient clipping) must not leak into b
    np.testing.assert_array_equal(b.grad.array, 1.0)

    x = leaf(2, 2)
    seed = vt.ones(2, 2, dtype=vt.float64)
    x.reshape(4).reshape(2, 2).backward(seed)
    x.grad.array[0, 0] = 7.0
    assert seed.array[0, 0] == 1.0  # the caller's gradient was not adopted

    w = leaf(3, 4)
    u = vt.tensor(rng.standard_normal((5, 4)))
    out = u @ w.T
    out.sum().backward()  # w's gradient arrives as a transposed view: adopting it is safe
    np.testing.assert_allclose(w.grad.array, np.ones((5, 3)).T @ u.array, rtol=1e-12)
    assert w.grad.array.flags.writeable


def test_no_grad_context_decorator_and_nesting():
    x = leaf(3)
    with vt.no_grad():
        assert not vt.is_grad_enabled()
        y = x * 2
        with vt.enable_grad():
            z = x * 2
    assert vt.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @vt.no_grad()
    def f(t):
        return t * 2

    @vt.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert vt.is_grad_enabled()
    with vt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ValueError), vt.no_grad():
        raise ValueError
    assert vt.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_data():
    x = leaf(3)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (d * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.array, 2 * x.array)


def test_retain_graph():
    x = leaf(3)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    expected = 2 * np.exp(x.array) * (1 + x.array)
    np.testing.assert_allclose(x.grad.array, expected, rtol=1e-12)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_autograd_grad_leaves_dot_grad_alone_and_handles_unused_inputs():
    x, z = leaf(3), leaf(3)
    h = x.tanh()
    y = (h * h).sum()
    gx, gh = vt.autograd.grad(y, [x, h], retain_graph=True)
    np.testing.assert_allclose(gh.array, 2 * np.tanh(x.array))
    np.testing.assert_allclose(gx.array, 2 * np.tanh(x.array) * (1 - np.tanh(x.array) ** 2))
    assert x.grad is None
    with pytest.raises(RuntimeError, match="not used"):
        vt.autograd.grad(y, [x, z], retain_graph=True)
    gx2, gz = vt.autograd.grad(y, [x, z], allow_unused=True)
    assert gz is None
    np.testing.assert_allclose(gx2.array, gx.array)


def test_autograd_grad_of_several_outputs_with_grad_outputs():
    a = rng.standard_normal(3)
    x_vt, x_t = vt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    v1, v2 = rng.standard_normal(3), rng.standard_normal(())
    (g_vt,) = vt.autograd.grad([x_vt.exp(), x_vt.sum() ** 2], x_vt, [vt.tensor(v1), vt.tensor(v2)])
    (g_t,) = torch.autograd.grad(
        [x_t.exp(), x_t.sum() ** 2], x_t, [torch.tensor(v1), torch.tensor(v2)]
    )
    np.testing.assert_allclose(g_vt.array, g_t.numpy(), rtol=1e-12)


def test_hessian_vector_product_matches_torch():
    a, v = rng.standard_normal(4), rng.standard_normal(4)

    def hvp(lib):
        x = (torch.tensor if lib is torch else vt.tensor)(a, requires_grad=True)
        f = (x.sin() * x.exp()).sum() + (x @ x) ** 2
        (g,) = lib.autograd.grad(f, x, create_graph=True)
        (h,) = lib.autograd.grad((g * (torch.tensor if lib is torch else vt.tensor)(v)).sum(), x)
        return h

    np.testing.assert_allclose(hvp(vt).array, hvp(torch).numpy(), rtol=1e-10)


def test_backward_with_create_graph_gives_differentiable_grad():
    x = vt.tensor([1.0, 2.0], dtype=vt.float64, requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad  # 3x²
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.array, 6 * x.array)


def test_backward_inputs_restricts_accumulation():
    x, y = leaf(2), leaf(2)
    (x * y).sum().backward(inputs=[x])
    np.testing.assert_allclose(x.grad.array, y.array)
    assert y.grad is None


def test_backward_errors():
    x = leaf(2, 3)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        vt.tensor([1.0]).sum().backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(vt.ones(3, 2))
    assert x.grad is None
    (x * 2).backward(np.ones((2, 3)))  # a gradient given as an array
    np.testing.assert_allclose(x.grad.array, 2.0)


def test_retain_grad_keeps_an_intermediate_gradient_like_torch():
    a = rng.standard_normal(3)

    def run(lib):
        x = (torch.tensor if lib is torch else vt.tensor)(a, requires_grad=True)
        y = x.exp()
        y.retain_grad()
        z = y * y
        assert y.retains_grad and not z.retains_grad
        (z.sum() + y.sum()).backward(retain_graph=True)
        (y * 3).sum().backward()  # accumulates
        return y.grad, z

    (y_grad, z), (y_grad_t, _) = run(vt), run(torch)
    np.testing.assert_allclose(y_grad.array, y_grad_t.numpy(), rtol=1e-12)
    assert z.grad is None  # not retained (torch warns and gives None)


def test_graph_interface_for_tools():
    x = leaf(2)
    w = vt.tensor([3.0, 4.0], dtype=vt.float64)
    y = (x * w).sum()
    node = y.grad_fn
    assert node.name == "Sum"
    ((product, nr),) = node.next_functions
    assert product.name == "Mul" and nr == 0
    (accumulate, _), (constant, _) = product.next_functions  # as torch: (AccumulateGrad, None)
    assert accumulate.name == "AccumulateGrad" and accumulate.variable is x
    assert constant is None
    assert x.is_leaf and not y.is_leaf
    values, indices = leaf(2, 3).max(1)
    assert values.output_nr == 0 and values.grad_fn.name == "MaxAlongDim"
    assert indices.grad_fn is None and not indices.requires_grad


def test_graph_is_freed_by_reference_counting_alone():
    """No reference cycles between tensors and nodes: memory returns as soon as the loss goes."""
    gc.disable()
    try:
        x = leaf(100)
        h = (x.exp() * x).sigmoid()
        out = h.softmax(0).sum()
        probe = weakref.ref(h)
        del h
        out.backward()
        del out
        assert probe() is None
    finally:
        gc.enable()


# ---- the Function extension point --------------------------------------------------------


class Cube(Function):
    """x³ with a backward written in Tensor ops: differentiable twice."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class NumpySoftplus(Function):
    """log(1 + e^x) with a NumPy backward: differentiable once."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0, x)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad.array / (1 + np.exp(-x.array))


class SplitSigns(Function):
    """Two outputs: the positive and the negative part; `scale` is a non-tensor argument."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        ctx.save_for_backward(x)
        return np.maximum(x, 0) * scale, np.minimum(x, 0) * scale

    @staticmethod
    def backward(ctx, grad_pos, grad_neg):
        (x,) = ctx.saved_tensors
        positive = vt.tensor(x.array > 0)
        return vt.where(positive, grad_pos, grad_neg) * ctx.scale, None


def test_custom_function_first_and_second_order():
    x = leaf(4)
    assert gradcheck(Cube.apply, [x])
    (g,) = vt.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = vt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.array, 6 * x.array, rtol=1e-12)
    assert Cube.apply(x).grad_fn.name == "Cube"


def test_once_differentiable_backward_works_once_and_refuses_twice():
    x = leaf(5)
    assert gradcheck(NumpySoftplus.apply, [x])
    y = NumpySoftplus.apply(x).sum()
    (g,) = vt.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.array, 1 / (1 + np.exp(-x.array)))
    with pytest.raises(RuntimeError, match="once_differentiable"):
        vt.autograd.grad(g.sum(), x)


def test_function_with_two_outputs_and_unused_output():
    x = vt.tensor([-2.0, 1.0, 3.0], dtype=vt.float64, requires_grad=True)
    pos, neg = SplitSigns.apply(x, 2.0)
    np.testing.assert_array_equal(pos.array, [0, 2, 6])
    assert gradcheck(lambda t: SplitSigns.apply(t, 2.0), [x])
    pos.sum().backward()  # neg gets no gradient: its backward sees zeros
    np.testing.assert_array_equal(x.grad.array, [0, 2, 2])


def test_needs_input_grad_and_non_float_outputs():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["needs"] = ctx.needs_input_grad
            return a + b, np.argmax(a + b)

        @staticmethod
        def backward(ctx, grad, _):
            return grad, grad

    out, index = Probe.apply(leaf(3), vt.tensor(np.zeros(3)))
    assert seen["needs"] == (True, False)
    assert out.requires_grad and not index.requires_grad


def test_backward_returning_a_wrong_shape_is_reported():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum()

    with pytest.raises(RuntimeError, match="Broken.backward returned a gradient of shape"):
        Broken.apply(leaf(3)).sum().backward()


# ---- gradcheck -----------------------------------------------------------------------------


def test_gradcheck_passes_on_library_ops():
    a, b = leaf(3, 4), leaf(4, 2)
    assert gradcheck(lambda x, y: (x @ y).tanh().log_softmax(1), [a, b])
    assert gradcheck(lambda x: x.var(0) + x.amax(1).sum(), [a])
    assert gradcheck(lambda x: x[[0, 2, 2]].softmax(0), [a], eps=1e-6, atol=1e-6)


def test_gradcheck_catches_a_wrong_backward():
    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2x

    x = leaf(3)
    before = x.array.copy()
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(WrongSquare.apply, [x])
    assert gradcheck(WrongSquare.apply, [x], raise_exception=False) is False
    np.testing.assert_array_equal(x.array, before)  # inputs restored after perturbing


def test_gradcheck_wants_float64():
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda x: x * 2, [vt.ones(2, requires_grad=True)])


# ---- random graphs -------------------------------------------------------------------------

GRAPH_OPS = {
    "add": (2, lambda L, a, b: a + b),
    "mul": (2, lambda L, a, b: a * b),
    "sub": (2, lambda L, a, b: a - b),
    "maximum": (2, lambda L, a, b: L.maximum(a, b + 0.01)),
    "tanh": (1, lambda L, a: a.tanh()),
    "sigmoid": (1, lambda L, a: a.sigmoid()),
    "sum_keepdim": (1, lambda L, a: a.sum(1, keepdim=True)),
    "mean_rows": (1, lambda L, a: a.mean(0, keepdim=True)),
    "softmax": (1, lambda L, a: a.softmax(1)),
    "matmul_t": (1, lambda L, a: a @ a.T @ a * 0.1),
}


@settings(max_examples=30, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(sorted(GRAPH_OPS)), st.integers(0, 100), st.integers(0, 100)),
        min_size=1,
        max_size=10,
    )
)
def test_random_graphs_match_torch(steps):
    """DAGs where nodes feed several later nodes (fan-out, reuse): gradients sum like torch."""
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

    def build(L, x, y):
        nodes = [x, y]
        for name, i, j in steps:
            arity, fn = GRAPH_OPS[name]
            args = [nodes[i % len(nodes)], nodes[j % len(nodes)]][:arity]
            nodes.append(fn(L, *args))
        return sum((node * (k + 1)).sum() for k, node in enumerate(nodes[2:]))

    check(build, a, b, atol=1e-9)


def test_a_gradient_returned_twice_is_never_shared_by_two_leaves():
    """A backward that hands the same array to two inputs: each leaf gets its own .grad, so
    accumulating into one never changes the other."""

    class Twice(vt.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            shared = np.array(grad.array)  # new memory, returned for both inputs
            return shared, shared

    a, b = leaf(3), leaf(3)
    Twice.apply(a, b).sum().backward()
    assert a.grad.array is not b.grad.array
    b.grad.array[0] = 99.0
    (Twice.apply(a, b) * 2).sum().backward()
    np.testing.assert_array_equal(b.grad.array, [101.0, 3.0, 3.0])
    np.testing.assert_array_equal(a.grad.array, [3.0, 3.0, 3.0])
    # one input through another node first: its leaf still gets memory of its own
    c, d = leaf(3), leaf(3)
    Twice.apply(c * 1.0, d).sum().backward()
    d.grad.array[0] = 99.0
    np.testing.assert_array_equal(c.grad.array, [1.0, 1.0, 1.0])
