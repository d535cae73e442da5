"""v1_scalar.engine: every op against torch.autograd in float64, graphs, errors."""

import gc
import math
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from v1_scalar.engine import Value, sum_values, topological_order

TOL = {"rel": 1e-10, "abs": 1e-10}


def reals(lo=-5.0, hi=5.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def torch_leaf(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def assert_close(ours, theirs):
    theirs = float(theirs)
    if math.isinf(theirs) or math.isnan(theirs):
        assert ours == theirs or (math.isnan(ours) and math.isnan(theirs))
    else:
        assert ours == pytest.approx(theirs, **TOL)


# name: (our op, torch's op, strategy for the input)
UNARY = {
    "neg": (lambda v: -v, lambda t: -t, reals()),
    "abs": (abs, torch.abs, reals()),
    "relu": (lambda v: v.relu(), torch.relu, reals()),
    "tanh": (lambda v: v.tanh(), torch.tanh, reals()),
    "sigmoid": (lambda v: v.sigmoid(), torch.sigmoid, reals(-40, 40)),
    "softplus": (lambda v: v.softplus(), F.softplus, reals(-30, 30)),
    "exp": (lambda v: v.exp(), torch.exp, reals(-20, 20)),
    "log": (lambda v: v.log(), torch.log, reals(1e-6, 1e3)),
    "sqrt": (lambda v: v.sqrt(), torch.sqrt, reals(1e-6, 1e3)),
    "sin": (lambda v: v.sin(), torch.sin, reals()),
    "cos": (lambda v: v.cos(), torch.cos, reals()),
    "square": (lambda v: v**2, lambda t: t**2, reals()),
    "cube": (lambda v: v**3, lambda t: t**3, reals()),
    "inverse_sqrt": (lambda v: v**-0.5, lambda t: t**-0.5, reals(1e-3, 1e3)),
    "power_1.7": (lambda v: v**1.7, lambda t: t**1.7, reals(0, 10)),
    "add_constant": (lambda v: v + 2.5, lambda t: t + 2.5, reals()),
    "constant_add": (lambda v: 2.5 + v, lambda t: 2.5 + t, reals()),
    "sub_constant": (lambda v: v - 2.5, lambda t: t - 2.5, reals()),
    "constant_sub": (lambda v: 2.5 - v, lambda t: 2.5 - t, reals()),
    "mul_constant": (lambda v: v * -1.5, lambda t: t * -1.5, reals()),
    "constant_mul": (lambda v: -1.5 * v, lambda t: -1.5 * t, reals()),
    "div_constant": (lambda v: v / 3.0, lambda t: t / 3.0, reals()),
    "constant_div": (lambda v: 3.0 / v, lambda t: 3.0 / t, reals(0.1, 5)),
    "constant_pow": (lambda v: 2.0**v, lambda t: 2.0**t, reals()),
}

BINARY = {
    "add": (lambda a, b: a + b, reals(), reals()),
    "sub": (lambda a, b: a - b, reals(), reals()),
    "mul": (lambda a, b: a * b, reals(), reals()),
    "div": (lambda a, b: a / b, reals(), reals(0.1, 5)),
    "pow": (lambda a, b: a**b, reals(0.1, 5), reals(-3, 3)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_op_matches_torch(name, data):
    ours, theirs, inputs = UNARY[name]
    x = data.draw(inputs)
    v, t = Value(x), torch_leaf(x)
    out_v, out_t = ours(v), theirs(t)
    out_v.backward()
    out_t.backward()
    assert_close(out_v.data, out_t.item())
    assert_close(v.grad, t.grad.item())


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_op_matches_torch(name, data):
    op, left, right = BINARY[name]
    a, b = data.draw(left), data.draw(right)
    va, vb, ta, tb = Value(a), Value(b), torch_leaf(a), torch_leaf(b)
    out_v, out_t = op(va, vb), op(ta, tb)
    out_v.backward()
    out_t.backward()
    assert_close(out_v.data, out_t.item())
    assert_close(va.grad, ta.grad.item())
    assert_close(vb.grad, tb.grad.item())


@pytest.mark.parametrize(
    "ours, theirs, x",
    [
        (lambda v: v.relu(), torch.relu, 0.0),
        (abs, torch.abs, 0.0),
        (lambda v: v.sqrt(), torch.sqrt, 0.0),
        (lambda v: v**0.5, lambda t: t**0.5, 0.0),
        (lambda v: v**0, lambda t: t**0, 0.0),
        (lambda v: v**2, lambda t: t**2, 0.0),
        (lambda v: v**-1, lambda t: t**-1, -2.0),
        (lambda v: v**3, lambda t: t**3, -1.5),
        (lambda v: v.sigmoid(), torch.sigmoid, -800.0),
        (lambda v: v.sigmoid(), torch.sigmoid, 800.0),
        (lambda v: v.softplus(), F.softplus, 25.0),
        (lambda v: v.softplus(), F.softplus, -800.0),
        (lambda v: v.tanh(), torch.tanh, 400.0),
    ],
)
def test_edge_points_match_torch(ours, theirs, x):
    """Kinks, poles and saturation give torch's values and gradients, without overflow."""
    v, t = Value(x), torch_leaf(x)
    ours(v).backward()
    out_t = theirs(t)
    out_t.backward()
    assert_close(ours(Value(x)).data, out_t.item())
    assert_close(v.grad, t.grad.item())


def test_value_exponent_edge_cases_match_torch():
    for base, exponent in [(0.0, 2.0), (-2.0, 2.0), (-2.0, 3.0)]:
        vb, ve, tb, te = Value(base), Value(exponent), torch_leaf(base), torch_leaf(exponent)
        (vb**ve).backward()
        (tb**te).backward()
        assert_close(vb.grad, tb.grad.item())
        assert_close(ve.grad, te.grad.item())


def test_composed_expression_with_reused_nodes_matches_torch():
    def f(a, b, c, softplus):
        d = a * b + b**3
        e = d.tanh() * a - c / (1 + b * b)
        g = (e * d).sigmoid() + softplus(c - a) + abs(a - 2 * b)
        h = (d * d + 1).log() * g + (e + 1.5 * b).relu() - 2**c
        return h / (g + 3) + (h * h + 1).sqrt() + d.exp() * 1e-2 + d.sin() * e.cos()

    values = [Value(x) for x in (0.7, -1.3, 0.4)]
    tensors = [torch_leaf(x) for x in (0.7, -1.3, 0.4)]
    out_v = f(*values, softplus=lambda v: v.softplus())
    out_t = f(*tensors, softplus=F.softplus)
    out_v.backward()
    out_t.backward()
    assert_close(out_v.data, out_t.item())
    for v, t in zip(values, tensors, strict=True):
        assert_close(v.grad, t.grad.item())


@given(
    st.lists(reals(), min_size=1, max_size=6),
    st.lists(st.integers(0, 5), min_size=1, max_size=10),
)
def test_sum_values_matches_torch_with_reused_terms_and_constants(xs, picks):
    values, tensors = [Value(x) for x in xs], [torch_leaf(x) for x in xs]
    terms_v = [values[i % len(xs)] * values[0] for i in picks] + [2.5]
    terms_t = [tensors[i % len(xs)] * tensors[0] for i in picks] + [2.5]
    out_v = sum_values(terms_v).tanh()
    out_t = torch.stack([*terms_t[:-1], torch.tensor(2.5, dtype=torch.float64)]).sum().tanh()
    out_v.backward()
    out_t.backward()
    assert_close(out_v.data, out_t.item())
    for v, t in zip(values, tensors, strict=True):
        assert_close(v.grad, 0.0 if t.grad is None else t.grad.item())


def test_sum_values_is_one_node_with_the_chains_float():
    xs = [Value(x) for x in (0.1, 0.2, 0.3, 1e16, -1e16)]
    total = sum_values(xs)
    assert total._op == "sum" and total._prev == tuple(xs)
    assert total.data == sum(x.data for x in xs) == (sum(xs)).data
    assert topological_order(total) == [*xs, total]
    assert sum_values([]).data == 0.0 and sum_values([]).__class__ is Value
    with pytest.raises(TypeError, match="Value sum_values: operand must be a real number"):
        sum_values([Value(1.0), "2"])


# ---- random expression programs: each step applies an op to earlier results ----------

PROGRAM_UNARY = {
    "neg": (lambda v: -v, lambda t: -t),
    "tanh": (lambda v: v.tanh(), torch.tanh),
    "sigmoid": (lambda v: v.sigmoid(), torch.sigmoid),
    "relu": (lambda v: v.relu(), torch.relu),
    "abs": (abs, torch.abs),
    "softplus": (lambda v: v.softplus(), F.softplus),
    "sin": (lambda v: v.sin(), torch.sin),
    "exp_tanh": (lambda v: v.tanh().exp(), lambda t: t.tanh().exp()),
    "log1_sq": (lambda v: (v * v + 1).log(), lambda t: (t * t + 1).log()),
    "sqrt1_sq": (lambda v: (1 + v * v).sqrt(), lambda t: (1 + t * t).sqrt()),
    "square": (lambda v: v**2, lambda t: t**2),
    "recip1_sq": (lambda v: 1 / (1 + v * v), lambda t: 1 / (1 + t * t)),
}
PROGRAM_BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1.5 + b * b),
    "pow": lambda a, b: (1 + a * a) ** (b.tanh()),
}


@st.composite
def programs(draw):
    n_leaves = draw(st.integers(1, 4))
    leaves = draw(st.lists(reals(-2, 2), min_size=n_leaves, max_size=n_leaves))
    steps = []
    for i in range(draw(st.integers(1, 12))):
        available = n_leaves + i
        if draw(st.booleans()):
            steps.append(
                (
                    draw(st.sampled_from(sorted(PROGRAM_UNARY))),
                    draw(st.integers(0, available - 1)),
                    None,
                )
            )
        else:
            a, b = draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))
            steps.append((draw(st.sampled_from(sorted(PROGRAM_BINARY))), a, b))
    return leaves, steps


def run_program(program, make_leaf, engine):
    leaves, steps = program
    nodes = [make_leaf(x) for x in leaves]
    for name, a, b in steps:
        if b is None:
            nodes.append(PROGRAM_UNARY[name][engine](nodes[a]))
        else:
            nodes.append(PROGRAM_BINARY[name](nodes[a], nodes[b]))
    out = nodes[-1] + nodes[len(leaves) - 1] * 0.5  # reuse: the last leaf feeds the output twice
    return nodes[: len(leaves)], out


@given(programs())
def test_random_expressions_match_torch(program):
    values, out_v = run_program(program, Value, 0)
    tensors, out_t = run_program(program, torch_leaf, 1)
    assume(math.isfinite(out_t.item()) and abs(out_t.item()) < 1e8)
    out_v.backward()
    out_t.backward()
    assert_close(out_v.data, out_t.item())
    for v, t in zip(values, tensors, strict=True):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert v.grad == pytest.approx(expected, rel=1e-9, abs=1e-9)


# ---- graph structure and accumulation --------------------------------------------------


def test_micrograd_attributes_and_repr():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    assert c._prev == (a, b) and c._op == "*"
    assert (-a)._prev == (a,) and a._prev == () and a._op == ""
    assert repr(c) == "Value(data=-6.0, grad=0.0)"
    assert repr(Value(1, label="x")) == "Value(data=1.0, grad=0.0, label='x')"
    assert Value(np.float32(0.5)).data == 0.5 and type(Value(np.int64(3)).data) is float
    assert (a**2)._op == "**2" and (a**b)._op == "**" and (a / b)._op == "/"


def test_numpy_scalars_defer_to_value():
    v = Value(2.0)
    for out in (np.int64(-1) * v, np.float64(3.0) + v, np.float32(1.0) - v, np.float64(4) / v):
        assert type(out) is Value
    assert (np.float64(4) / v).data == 2.0


def test_topological_order_lists_inputs_before_outputs():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    position = {id(node): i for i, node in enumerate(order)}
    assert len(order) == 5 and order[-1] is e
    for node in order:
        assert all(position[id(child)] < position[id(node)] for child in node._prev)


def test_gradients_accumulate_across_backward_calls_like_torch():
    a, ta = Value(1.5), torch_leaf(1.5)
    for _ in range(3):
        (a * a * a + a).backward()
        (ta * ta * ta + ta).backward()
    assert_close(a.grad, ta.grad.item())
    a.grad = 0.0
    (a * 2).backward()
    assert a.grad == 2.0


def test_backward_twice_on_one_graph_doubles_leaf_gradients_only():
    a, b = Value(3.0), Value(4.0)
    c = a * b
    d = c * c
    d.backward()
    d.backward()
    assert (a.grad, b.grad) == (2 * 2 * 12 * 4, 2 * 2 * 12 * 3)
    assert c.grad == 24.0 and d.grad == 1.0  # intermediate: this call's value


def test_backward_of_a_leaf_accumulates_one():
    a = Value(3.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        before = sum(type(o) is Value for o in gc.get_objects())
        x = [Value(float(i)) for i in range(50)]
        out = sum((xi * xi).tanh() for xi in x)
        out.backward()
        assert sum(type(o) is Value for o in gc.get_objects()) > before + 100
        del x, out
        assert sum(type(o) is Value for o in gc.get_objects()) == before
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_million_node_chain_backpropagates_and_is_freed():
    """A depth-1,000,000 chain at Python's default recursion limit: backward, then free."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        x, w = Value(0.5), Value(1.0)
        v = x
        for _ in range(1_000_000):
            v = v * w
        assert len(topological_order(v)) == 1_000_002
        v.backward()
        assert x.grad == 1.0
        assert w.grad == 1_000_000 * 0.5  # d(x·w^n)/dw = n·x·w^(n-1)
        del v  # a million nested deallocations, which CPython must not recurse through
    finally:
        sys.setrecursionlimit(limit)


# ---- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["1.0", None, [1.0], 1 + 2j, True, Value(1.0)])
def test_non_numeric_data_is_a_type_error_naming_the_value(bad):
    with pytest.raises(TypeError, match="Value: data must be a real number, got"):
        Value(bad)


def test_non_numeric_operand_is_a_type_error_naming_op_and_value():
    with pytest.raises(TypeError, match=r"Value \*: operand must be .* got 'a' \(str\)"):
        Value(1.0) * "a"
    with pytest.raises(TypeError, match=r"Value \+: operand .* got None"):
        None + Value(1.0)
    with pytest.raises(TypeError, match=r"Value \*\*: operand .* got \[2\]"):
        Value(1.0) ** [2]


@pytest.mark.parametrize(
    "expr, error, message",
    [
        (lambda: Value(0.0).log(), ValueError, r"Value log: input must be positive, got 0.0"),
        (lambda: Value(-1.0).log(), ValueError, r"Value log: .* got -1.0"),
        (lambda: Value(-4.0).sqrt(), ValueError, r"Value sqrt: .* non-negative, got -4.0"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"Value /: division by zero \(1.0 / 0.0\)"),
        (lambda: 2 / Value(0.0), ZeroDivisionError, r"Value /: division by zero \(2.0 / 0.0\)"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"Value \*\*: 0.0 .* negative power -1"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"negative base -8.0 .* non-integer"),
        (lambda: Value(-8.0) ** Value(0.5), ValueError, r"negative base -8.0 .* 0.5"),
        (lambda: Value(1000.0).exp(), OverflowError, r"Value exp: exp\(1000.0\) overflows"),
        (lambda: Value(10.0) ** 400, OverflowError, r"Value \*\*: 10.0 \*\* 400.0 overflows"),
    ],
)
def test_domain_errors_name_the_op_and_value(expr, error, message):
    with pytest.raises(error, match=message):
        expr()


def test_a_new_op_can_be_built_from_its_value_and_local_derivatives():
    a, b = Value(2.0), Value(5.0)
    hypot = math.hypot(a.data, b.data)  # d hypot/da = a / hypot
    out = Value(hypot, (a, b), "hypot", _local_grads=(a.data / hypot, b.data / hypot))
    (out * 3).backward()
    assert out._prev == (a, b) and out._op == "hypot"
    assert a.grad == pytest.approx(3 * 2 / math.sqrt(29)) and b.grad == pytest.approx(15 / 29**0.5)


def test_hand_built_nodes_need_a_local_derivative_per_child():
    a = Value(1.0)
    with pytest.raises(ValueError, match="got 1 children and 0 local derivatives"):
        Value(2.0, (a,), "custom")
    with pytest.raises(ValueError, match="up to two children"):
        Value(2.0, (a, a, a), "sum3", _local_grads=(1, 1, 1))
    with pytest.raises(TypeError, match="children must be Values, got 1.0"):
        Value(2.0, (a, 1.0), "+", _local_grads=(1, 1))
    with pytest.raises(TypeError, match="data must be a real number, got 'one'"):
        Value(2.0, (a,), "f", _local_grads=("one",))
