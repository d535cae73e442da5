"""In-place ops against torch: values, gradients through in-place changes (also of views),
version-counter errors and the refusals torch makes, in float64."""

import numpy as np
import pytest
import torch

import v2_tensor as vt

rng = np.random.default_rng(7)


def both(array, requires_grad=True):
    """The same float64 leaf in each library."""
    return (
        vt.tensor(array, dtype=vt.float64, requires_grad=requires_grad),
        torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad),
    )


def assert_close(ours, theirs):
    np.testing.assert_allclose(np.asarray(ours.detach().array), theirs.detach().numpy(), atol=1e-12)


# name: fn(lib, x) applying the in-place op to a clone of x (a non-leaf), returning it
INPLACE = {
    "add_": lambda L, h, o: h.add_(o, alpha=2.0),
    "sub_": lambda L, h, o: h.sub_(o, alpha=0.5),
    "mul_": lambda L, h, o: h.mul_(o),
    "div_": lambda L, h, o: h.div_(o + 3.0),
    "pow_": lambda L, h, o: h.abs().pow_(o),
    "neg_": lambda L, h, o: h.neg_().mul_(o),
    "abs_": lambda L, h, o: (h + 0.1).abs_().mul_(o),
    "exp_": lambda L, h, o: h.exp_() * o,
    "exp_then_mul_": lambda L, h, o: _refused_by_both(L, h.exp_().mul_(o), o),
    "log_": lambda L, h, o: h.abs().add_(0.1).log_().mul_(o),
    "sqrt_": lambda L, h, o: h.abs().add_(0.1).sqrt_() * o,
    "clamp_": lambda L, h, o: h.clamp_(-0.5, 0.5).mul_(o),
    "clamp_min_": lambda L, h, o: h.clamp_min_(-0.2).mul_(o),
    "clamp_max_": lambda L, h, o: h.clamp_max_(0.3).mul_(o),
    "relu_": lambda L, h, o: h.relu_() * o,
    "sigmoid_": lambda L, h, o: h.sigmoid_() * o,
    "tanh_": lambda L, h, o: h.tanh_() * o,
    "zero_": lambda L, h, o: h.zero_().add_(o),
    "fill_": lambda L, h, o: h.fill_(2.5).mul_(o),
    "fill_tensor": lambda L, h, o: h.fill_(o[0, 0]),
    "copy_": lambda L, h, o: h.copy_(o * 3),
    "copy_broadcast": lambda L, h, o: h.copy_(o[0]),
    "masked_fill_": lambda L, h, o: h.masked_fill_(o > 0, -1.0).mul_(o),
    "index_fill_": lambda L, h, o: h.index_fill_(1, L.tensor([0, 2]), 0.5).mul_(o),
    "scatter_": lambda L, h, o: h.scatter_(1, L.tensor([[2, 0, 1, 3]] * 3), o),
    "scatter_add_": lambda L, h, o: h.scatter_add_(
        0, L.tensor([[0, 1, 2, 0], [2, 2, 1, 0]]), o[:2]
    ),
    "iadd": lambda L, h, o: _iop(h, o, "add"),
    "imul": lambda L, h, o: _iop(h, o, "mul"),
    "isub": lambda L, h, o: _iop(h, o, "sub"),
    "idiv": lambda L, h, o: _iop(h, o + 3.0, "div"),
    "setitem": lambda L, h, o: _setitem(h, o),
    "setitem_mask": lambda L, h, o: _setitem_mask(h, o),
}


def _refused_by_both(L, h, o):
    """exp_ saved its result, which mul_ then changed: both libraries refuse the backward."""
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h.sum().backward(retain_graph=True)
    return h.detach() * 0 + o * 0


def _iop(h, o, kind):
    if kind == "add":
        h += o
    elif kind == "mul":
        h *= o
    elif kind == "sub":
        h -= o
    else:
        h /= o
    return h


def _setitem(h, o):
    h[1] = o[0] * 2
    h[:, 0] = 7.0
    return h


def _setitem_mask(h, o):
    h[o > 0.3] = 0.0
    return h * o


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_op_on_a_non_leaf_matches_torch(name):
    fn = INPLACE[name]
    x_array, o_array = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    (x, tx), (o, to) = both(x_array), both(o_array)
    ours, theirs = fn(vt, x * 1.0, o), fn(torch, tx * 1.0, to)
    assert_close(ours, theirs)
    seed = rng.standard_normal((3, 4))
    (ours * vt.tensor(seed)).sum().backward()
    (theirs * torch.tensor(seed)).sum().backward()
    for a, b in [(x, tx), (o, to)]:
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad.array)
        else:
            assert_close(a.grad, b.grad)


def test_inplace_returns_self_and_counts_versions():
    x = vt.zeros(3)
    assert x._version == 0
    assert x.add_(1) is x and x._version == 1
    x += 1
    x[0] = 5
    x.mul_(vt.ones(3))
    assert x._version == 4
    np.testing.assert_array_equal(x.array, [5.0, 2.0, 2.0])


def test_views_share_memory_and_version_with_their_base():
    x = vt.zeros(2, 3)
    row, t, flat = x[0], x.T, x.view(6)
    row.fill_(1.0)
    t[2, 1] = 4.0
    flat[3:5].add_(2.0)
    np.testing.assert_array_equal(x.array, [[1, 1, 1], [2, 2, 4]])
    assert x._version == row._version == t._version == flat._version == 3
    copy = x[[0, 1]]  # an index array copies, as in torch
    copy.zero_()
    assert x.array.sum() == 11.0


def test_inplace_through_views_of_a_graph_tensor_rewrites_the_base_history():
    """h = x * w; h[0] *= 2 through a view; h.sum() -- gradients as torch's CopySlices."""

    def run(L, x, w):
        h = x * w
        row, other = h[0], h[1]
        row.mul_(3.0)
        h[:, 1:].tanh_()
        return (h * h).sum() + other.sum()

    x_array, w_array = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    (x, tx), (w, tw) = both(x_array), both(w_array)
    run(vt, x, w).backward()
    run(torch, tx, tw).backward()
    assert_close(x.grad, tx.grad)
    assert_close(w.grad, tw.grad)


def test_inplace_on_a_view_of_a_tensor_without_grad_makes_the_base_require_grad():
    y_array = rng.standard_normal(3)
    (y, ty) = both(y_array)
    b, tb = vt.zeros(3, dtype=vt.float64), torch.zeros(3, dtype=torch.float64)
    b[:2].copy_(y[:2] * 3)
    tb[:2].copy_(ty[:2] * 3)
    assert b.requires_grad and b.grad_fn is not None
    (b * b).sum().backward()
    (tb * tb).sum().backward()
    assert_close(y.grad, ty.grad)


def test_modifying_a_saved_tensor_makes_backward_refuse():
    x = vt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x.clone()
    b = a * x  # Mul saves a
    a.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*version 1; "):
        b.sum().backward()
    e = x.exp()  # Exp saves its output
    e.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()
    # a change through .data is not seen, as in torch (its version counter is its own)
    a = x.clone()
    c = a * x
    a.data.add_(1)
    c.sum().backward()


def test_detach_shares_the_version_counter_and_data_does_not():
    p = vt.tensor([1.0, 2.0], requires_grad=True)
    d = p.data
    d.add_(1)
    assert p._version == 0 and d._version == 1
    e = p.detach()
    e.add_(1)
    assert p._version == 1
    np.testing.assert_array_equal(p.array, [3.0, 4.0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: p.add_(1), "a leaf Variable that requires grad"),
        (lambda p: p[0].mul_(2), "a view of a leaf Variable"),
        (lambda p: p.__setitem__(0, 1.0), "a leaf Variable that requires grad"),
        (lambda p: (p * 1).unbind()[0].mul_(2), "returns several views"),
        (lambda p: vt.zeros(1).expand(3).add_(1), "more than one element"),
        (lambda p: vt.zeros(3, dtype=vt.long).add_(1.5), "can't be cast"),
        (lambda p: vt.zeros(3).add_(vt.ones(2, 3)), "doesn't match the broadcast shape"),
        (lambda p: vt.zeros(3, dtype=vt.long).div_(2), "can't be cast"),
    ],
)
def test_inplace_refusals_are_torchs(call, message):
    """Each case raises a RuntimeError in torch too; nothing is changed before it."""
    p = vt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=message):
        call(p)
    np.testing.assert_array_equal(p.array, [1.0, 2.0, 3.0])
    assert p._version == 0


def test_inplace_on_a_leaf_is_allowed_under_no_grad():
    p = vt.tensor([1.0, 2.0], requires_grad=True)
    with vt.no_grad():
        p.mul_(2).add_(vt.ones(2), alpha=0.5)
        p[0] = 0.0
    np.testing.assert_array_equal(p.array, [0.0, 4.5])
    assert p.is_leaf and p.requires_grad


def test_inplace_with_a_grad_operand_makes_a_leaf_without_grad_a_graph_tensor():
    y, ty = both(rng.standard_normal(3))
    a, ta = vt.zeros(3, dtype=vt.float64), torch.zeros(3, dtype=torch.float64)
    a.add_(y * 2)
    ta.add_(ty * 2)
    assert a.requires_grad and not a.is_leaf
    (a * a).sum().backward()
    (ta * ta).sum().backward()
    assert_close(y.grad, ty.grad)


def test_random_fills_write_in_place_with_their_distributions():
    vt.manual_seed(0)
    x = vt.empty(20000, dtype=vt.float64)
    assert x.normal_(2.0, 0.5) is x
    assert abs(x.array.mean() - 2.0) < 0.02 and abs(x.array.std() - 0.5) < 0.02
    x.uniform_(-1, 3)
    assert x.array.min() >= -1 and x.array.max() < 3 and abs(x.array.mean() - 1.0) < 0.05
    x.bernoulli_(0.25)
    assert set(np.unique(x.array)) <= {0.0, 1.0} and abs(x.array.mean() - 0.25) < 0.02
    x.exponential_(4.0)
    assert x.array.min() >= 0 and abs(x.array.mean() - 0.25) < 0.01
    assert x._version == 4


def test_requires_grad_rules_are_torchs():
    with pytest.raises(RuntimeError, match="floating point"):
        vt.tensor([1, 2]).requires_grad_()
    x = vt.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    x.requires_grad = False
    assert not (x * 2).requires_grad
    z = (vt.ones(2, requires_grad=True) * 3).detach_()
    assert z.is_leaf and not z.requires_grad
    with pytest.raises(RuntimeError, match="view"):
        vt.ones(2, 2)[0].detach_()
