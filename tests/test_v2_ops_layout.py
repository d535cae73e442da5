"""Shape and layout ops against torch: values, gradients and second derivatives in float64,
integer and bool inputs, views that write through as torch's do, and torch's exception types
for bad input. Shapes and dims are drawn by hypothesis."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import v2_tensor as vt
from tests.v2_parity import check, check_second_order

rng = np.random.default_rng(7)


def normal(*shape):
    return rng.standard_normal(shape)


def _pieces_sum(parts):
    """A loss that weighs each piece differently (so a wrong cut changes the gradient)."""
    return sum((p * (i + 1)).sum() for i, p in enumerate(parts))


def _meshgrid_loss(L, x, y, indexing):
    a, b = L.meshgrid(x, y, indexing=indexing)
    return a * 2 + b * b


LAYOUT_OPS = {
    "flip": (lambda L, x: x.flip(0), (2, 3, 4)),
    "flip_dims": (lambda L, x: L.flip(x, (0, 2)), (2, 3, 4)),
    "flip_negative": (lambda L, x: x.flip(-1, 1), (2, 3, 4)),
    "fliplr": (lambda L, x: L.fliplr(x), (3, 4)),
    "flipud": (lambda L, x: x.flipud(), (3, 4)),
    "roll_flat": (lambda L, x: x.roll(5), (2, 3, 4)),
    "roll_dim": (lambda L, x: x.roll(2, 1), (2, 3, 4)),
    "roll_dims": (lambda L, x: L.roll(x, (1, -2), (0, 2)), (2, 3, 4)),
    "rot90": (lambda L, x: x.rot90(), (3, 4)),
    "rot90_k2": (lambda L, x: L.rot90(x, 2, [1, 2]), (2, 3, 4)),
    "rot90_k3": (lambda L, x: L.rot90(x, 3, [2, 0]), (2, 3, 4)),
    "rot90_negative": (lambda L, x: L.rot90(x, -1, [0, 1]), (3, 4)),
    "rot90_k0": (lambda L, x: L.rot90(x, 4), (3, 4)),
    "repeat": (lambda L, x: x.repeat(2, 1, 3), (2, 3, 4)),
    "repeat_new_dims": (lambda L, x: x.repeat(2, 2, 1, 1), (3, 4)),
    "repeat_zero": (lambda L, x: x.repeat(0, 2), (3, 4)),
    "tile": (lambda L, x: x.tile((2,)), (3, 4)),
    "tile_more": (lambda L, x: L.tile(x, (2, 1, 1, 2)), (2, 3, 4)),
    "repeat_interleave_flat": (lambda L, x: x.repeat_interleave(2), (2, 3)),
    "repeat_interleave_dim": (lambda L, x: x.repeat_interleave(3, dim=1), (2, 3)),
    "repeat_interleave_tensor": (
        lambda L, x: L.repeat_interleave(x, L.tensor([1, 0, 2]), dim=1),
        (2, 3, 4),
    ),
    "repeat_interleave_one_count": (
        lambda L, x: x.repeat_interleave(L.tensor([2]), dim=0),
        (2, 3),
    ),
    "tril": (lambda L, x: x.tril(), (4, 4)),
    "tril_offset": (lambda L, x: L.tril(x, -1), (2, 3, 4)),
    "triu": (lambda L, x: x.triu(1), (3, 4)),
    "triu_negative": (lambda L, x: L.triu(x, diagonal=-2), (2, 4, 3)),
    "diag_vector": (lambda L, x: L.diag(x), (4,)),
    "diag_vector_offset": (lambda L, x: L.diag(x, -2), (3,)),
    "diag_matrix": (lambda L, x: x.diag(), (3, 4)),
    "diag_matrix_offset": (lambda L, x: x.diag(1), (3, 4)),
    "diagonal": (lambda L, x: x.diagonal(), (3, 4)),
    "diagonal_offset": (lambda L, x: x.diagonal(-1), (4, 3)),
    "diagonal_dims": (lambda L, x: L.diagonal(x, 1, 2, 0), (3, 4, 5)),
    "diagonal_negative_dims": (lambda L, x: x.diagonal(0, -1, -2), (2, 3, 3)),
    "diag_embed": (lambda L, x: L.diag_embed(x), (2, 3)),
    "diag_embed_offset": (lambda L, x: L.diag_embed(x, 1, 0, 2), (2, 3)),
    "diagflat": (lambda L, x: L.diagflat(x, -1), (2, 2)),
    "trace": (lambda L, x: x.trace(), (3, 4)),
    "narrow": (lambda L, x: x.narrow(1, 1, 2), (2, 3, 4)),
    "narrow_negative_start": (lambda L, x: L.narrow(x, -1, -3, 2), (2, 3, 4)),
    "select": (lambda L, x: x.select(1, -1), (2, 3, 4)),
    "unfold": (lambda L, x: x.unfold(1, 2, 1), (2, 4, 3)),
    "unfold_step": (lambda L, x: x.unfold(-1, 2, 3), (2, 7)),
    "unfold_whole": (lambda L, x: x.unfold(0, 3, 1), (3,)),
    "unflatten": (lambda L, x: x.unflatten(1, (2, -1)), (2, 6, 2)),
    "movedim": (lambda L, x: x.movedim(0, -1), (2, 3, 4)),
    "movedim_many": (lambda L, x: L.movedim(x, (0, 1), (2, 0)), (2, 3, 4)),
    "moveaxis": (lambda L, x: L.moveaxis(x, -1, 0), (2, 3, 4)),
    "swapaxes": (lambda L, x: x.swapaxes(0, 2), (2, 3, 4)),
    "swapdims": (lambda L, x: L.swapdims(x, -1, 1), (2, 3, 4)),
    "contiguous": (lambda L, x: x.t().contiguous(), (3, 4)),
    "ravel": (lambda L, x: x.t().ravel(), (3, 4)),
    "broadcast_to": (lambda L, x: x.broadcast_to((2, 3, 4)), (3, 1)),
    "broadcast_tensors": (
        lambda L, x: _pieces_sum(L.broadcast_tensors(x, L.ones(2, 1, 1, dtype=L.float64))),
        (3, 1),
    ),
    "squeeze_dims": (lambda L, x: x.squeeze((0, 2)), (1, 3, 1, 4)),
    "squeeze_list": (lambda L, x: L.squeeze(x, [-1, 1]), (1, 3, 1, 4)),
    "atleast_1d": (lambda L, x: L.atleast_1d(x) * 2, ()),
    "atleast_2d": (lambda L, x: L.atleast_2d(x), (3,)),
    "atleast_3d_vector": (lambda L, x: L.atleast_3d(x), (3,)),
    "atleast_3d_matrix": (lambda L, x: L.atleast_3d(x), (2, 3)),
    "atleast_many": (lambda L, x: _pieces_sum(L.atleast_3d(x, x[0], x[0, 0])), (2, 3)),
    "meshgrid_ij": (lambda L, x: _meshgrid_loss(L, x[0], x[1, :2], "ij"), (2, 3)),
    "meshgrid_xy": (lambda L, x: _meshgrid_loss(L, x[0], x[1, :2], "xy"), (2, 3)),
    "view_as": (lambda L, x: x.view_as(L.zeros(4, 3)), (2, 6)),
    "reshape_as": (lambda L, x: x.t().reshape_as(L.zeros(2, 6)), (3, 4)),
    "expand_as": (lambda L, x: x.expand_as(L.zeros(2, 3, 4)), (3, 1)),
    "tensor_split_sections": (lambda L, x: _pieces_sum(x.tensor_split(3, 1)), (2, 7)),
    "tensor_split_indices": (lambda L, x: _pieces_sum(L.tensor_split(x, [1, 4, 9])), (6, 2)),
    "tensor_split_tensor": (
        lambda L, x: _pieces_sum(x.tensor_split(L.tensor([2, 1]), dim=-1)),
        (2, 5),
    ),
    "hsplit": (lambda L, x: _pieces_sum(L.hsplit(x, 2)), (3, 4)),
    "hsplit_vector": (lambda L, x: _pieces_sum(x.hsplit([1, 3])), (5,)),
    "vsplit": (lambda L, x: _pieces_sum(x.vsplit([2])), (3, 4)),
    "dsplit": (lambda L, x: _pieces_sum(L.dsplit(x, 2)), (2, 3, 4)),
    "hstack": (lambda L, x: L.hstack([x, x * 2]), (2, 3)),
    "hstack_vectors": (lambda L, x: L.hstack((x[0], x[1], x[0, :1])), (2, 3)),
    "vstack": (lambda L, x: L.vstack([x, x[0]]), (2, 3)),
    "row_stack": (lambda L, x: L.row_stack([x[1], x[0]]), (2, 3)),
    "dstack": (lambda L, x: L.dstack([x, x * x]), (2, 3)),
    "column_stack": (lambda L, x: L.column_stack([x, x[:, 0], x[:, 1] * x[:, 2]]), (2, 3)),
}


@pytest.mark.parametrize("name", LAYOUT_OPS)
def test_layout_op(name):
    fn, shape = LAYOUT_OPS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(fn, normal(*shape))
        check_second_order(lambda L, x: fn(L, x * x), normal(*shape))


def _same(fn, *arrays):
    """fn's result under both libraries from the same (non-float) arrays: values and dtype."""
    expected = fn(torch, *[torch.tensor(a) for a in arrays])
    got = fn(vt, *[vt.tensor(a) for a in arrays])
    if isinstance(expected, tuple | list):
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            _same_value(g, e)
    else:
        _same_value(got, expected)


def _same_value(got, expected):
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, vt.Tensor)
        assert got.shape == tuple(expected.shape)
        assert str(got.dtype) == str(expected.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(got.array, expected.numpy())
    else:
        assert got == expected


INTEGER_CASES = [
    lambda L, x: x.flip(1),
    lambda L, x: x.roll(1, 0),
    lambda L, x: x.rot90(),
    lambda L, x: x.repeat(2, 1),
    lambda L, x: x.repeat_interleave(2, 0),
    lambda L, x: x.tril(),
    lambda L, x: x.triu(-1),
    lambda L, x: x.diagonal(),
    lambda L, x: L.diag(x[0]),
    lambda L, x: L.diag_embed(x),
    lambda L, x: x.narrow(1, 1, 2),
    lambda L, x: x.unfold(1, 2, 1),
    lambda L, x: x.movedim(0, 1),
    lambda L, x: L.hstack([x, x]),
    lambda L, x: L.column_stack([x[0], x[1]]),
    lambda L, x: x.tensor_split(2, 1),
    lambda L, x: L.meshgrid(x[0], x[1], indexing="xy"),
    lambda L, x: L.atleast_3d(x),
]


@pytest.mark.parametrize("case", range(len(INTEGER_CASES)))
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_and_bool_inputs(case, dtype):
    _same(INTEGER_CASES[case], (rng.integers(0, 3, (3, 3))).astype(dtype))


def test_trace_of_integers_is_int64_and_of_bools_is_refused():
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    _same(lambda L, t: t.trace(), x)
    with pytest.raises(NotImplementedError):
        vt.tensor(x.astype(bool)).trace()


def test_repeat_interleave_of_counts_alone():
    _same(lambda L, c: L.repeat_interleave(c), np.array([2, 0, 3]))


# ---- shapes and dims drawn by hypothesis -------------------------------------------------------


@st.composite
def shape_and_dims(draw, count=None):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    n = len(shape)
    k = draw(st.integers(1, n)) if count is None else min(count, n)
    dims = draw(st.permutations(range(n)))[:k]
    dims = [d - n if draw(st.booleans()) else d for d in dims]
    return shape, dims


@settings(max_examples=20, deadline=None)
@given(case=shape_and_dims(), shift=st.integers(-5, 5))
def test_drawn_flips_rolls_and_moves(case, shift):
    shape, dims = case
    x = normal(*shape)
    check(lambda L, t: t.flip(dims), x)
    check(lambda L, t: t.roll([shift] * len(dims), dims), x)
    destination = list(reversed(range(len(dims))))
    check(lambda L, t: L.movedim(t, dims, destination), x)


@settings(max_examples=20, deadline=None)
@given(case=shape_and_dims(count=2), offset=st.integers(-3, 3))
def test_drawn_diagonals(case, offset):
    shape, dims = case
    if len(dims) < 2:
        return
    x = normal(*shape)
    check(lambda L, t: t.diagonal(offset, *dims), x)
    y = normal(*shape[:-1])
    check(lambda L, t: L.diag_embed(t, offset, *dims), y)


@settings(max_examples=20, deadline=None)
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    data=st.data(),
)
def test_drawn_unfold_and_tensor_split(shape, data):
    x = normal(*shape)
    dim = data.draw(st.integers(0, len(shape) - 1))
    size = data.draw(st.integers(0, shape[dim]))
    step = data.draw(st.integers(1, 3))
    check(lambda L, t: t.unfold(dim, size, step) * 1.5, x)
    sections = data.draw(st.integers(1, 6))
    check(lambda L, t: _pieces_sum(t.tensor_split(sections, dim)), x)
    cuts = data.draw(st.lists(st.integers(-6, 6), max_size=3))
    check(lambda L, t: _pieces_sum(t.tensor_split(cuts, dim)), x)


# ---- views write through, as torch's -----------------------------------------------------------

VIEWS = {
    "diagonal": lambda t: t.diagonal(1),
    "narrow": lambda t: t.narrow(1, 1, 2),
    "select": lambda t: t.select(0, 1),
    "unfold": lambda t: t.unfold(1, 2, 2),
    "unflatten": lambda t: t.unflatten(1, (2, 2)),
    "movedim": lambda t: t.movedim(1, 0),
    "swapaxes": lambda t: t.swapaxes(0, 1),
    "tensor_split": lambda t: t.tensor_split(2, 1)[1],
    "atleast_3d": lambda t: vt.atleast_3d(t) if isinstance(t, vt.Tensor) else torch.atleast_3d(t),
}


@pytest.mark.parametrize("name", VIEWS)
def test_views_share_memory_and_write_through(name):
    take = VIEWS[name]
    values = normal(3, 4)
    expected_base = torch.tensor(values)
    base = vt.tensor(values)
    take(expected_base).mul_(-2)
    view = take(base)
    assert np.shares_memory(view.array, base.array)
    view.mul_(-2)
    np.testing.assert_array_equal(base.array, expected_base.numpy())
    assert base._version == view._version == 1


@pytest.mark.parametrize("name", VIEWS)
def test_in_place_through_a_view_in_a_graph(name):
    take = VIEWS[name]

    def fn(L, x):
        y = x * 1.0
        take(y).mul_(3.0)
        return y * y

    check(fn, normal(3, 4))


def test_overlapping_unfold_refuses_in_place_writes():
    # torch writes an element once per window that holds it (a deliberate difference: the
    # middle element of arange(5) is multiplied by 8 here), so v2_tensor refuses, as it does
    # for an expanded tensor; windows that do not overlap write through
    x = torch.arange(5.0)
    x.unfold(0, 3, 1).mul_(2)
    assert x.tolist() == [0.0, 4.0, 16.0, 12.0, 8.0]
    with pytest.raises(RuntimeError, match="single memory location"):
        vt.arange(5.0).unfold(0, 3, 1).mul_(2)
    y = vt.arange(6.0)
    y.unfold(0, 2, 3).mul_(2)
    assert y.tolist() == [0.0, 2.0, 2.0, 6.0, 8.0, 5.0]


def test_broadcast_shapes():
    # torch.broadcast_shapes's first call imports for seconds: its answer via broadcast_tensors
    expected = torch.broadcast_tensors(torch.zeros(3, 1), torch.zeros(2), torch.zeros(2))[0]
    assert vt.broadcast_shapes((3, 1), (2,), 2) == tuple(expected.shape) == (3, 2)
    # and torch raises RuntimeError for shapes that do not broadcast
    with pytest.raises(RuntimeError, match="size of tensor a"):
        vt.broadcast_shapes((3, 1), (2, 4))


def test_copies_are_not_views():
    x = vt.zeros(3, 4)
    for out in (x.flip(0), x.roll(1), x.repeat(1, 1), x.tril(), x.diag(), x.rot90()):
        assert not np.shares_memory(out.array, x.array)
    t = x.t()
    assert not t.is_contiguous() and t.contiguous().is_contiguous()
    assert x.contiguous() is x


# ---- attributes, new_* and *_like ----------------------------------------------------------------


def test_tensor_attributes_match_torch():
    for array in (np.zeros((2, 3, 4)), np.array(2.5), np.ones(3, np.int32), np.ones(2, bool)):
        t, e = vt.tensor(array), torch.tensor(array)
        assert t.numel() == e.numel() == vt.numel(t) == t.nelement()
        assert t.dim() == e.dim() == t.ndim == t.ndimension()
        assert t.element_size() == e.element_size()
        assert t.size() == tuple(e.size())
        if t.ndim:
            assert t.size(-1) == e.size(-1)
        assert t.tolist() == e.tolist()
    assert vt.tensor([3.5]).item() == torch.tensor([3.5]).item()
    with pytest.raises(RuntimeError):
        vt.tensor([1.0, 2.0]).item()
    with pytest.raises(IndexError):
        vt.zeros(2, 3).size(2)


NEW = [
    lambda x: x.new_zeros(2, 3),
    lambda x: x.new_zeros((2,)),
    lambda x: x.new_ones((1, 2), dtype=vt.float64 if isinstance(x, vt.Tensor) else torch.float64),
    lambda x: x.new_full((2, 2), 2.7),
    lambda x: x.new_full((3,), True),
    lambda x: x.new_tensor([1.5, 2.5]),
    lambda x: x.new_tensor([[1, 2]]),
    lambda x: x.new_empty(2, 3).shape,
    lambda x: x.new_empty((1,)).dtype,
]


@pytest.mark.parametrize("case", range(len(NEW)))
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_new_factories_take_dtype_from_self(case, dtype):
    x = np.zeros(2, dtype)
    expected, got = NEW[case](torch.tensor(x)), NEW[case](vt.tensor(x))
    if isinstance(expected, torch.Tensor):
        _same_value(got, expected)
    elif isinstance(expected, torch.dtype):
        assert str(got) == str(expected).removeprefix("torch.")
    else:
        assert tuple(got) == tuple(expected)


LIKE = [
    lambda L, x: L.zeros_like(x),
    lambda L, x: L.ones_like(x),
    lambda L, x: L.full_like(x, 2.7),
    lambda L, x: L.zeros_like(x, dtype=L.float64),
    lambda L, x: L.empty_like(x).shape,
]


@pytest.mark.parametrize("case", range(len(LIKE)))
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.bool_])
def test_like_factories(case, dtype):
    x = np.ones((2, 3), dtype)
    expected, got = LIKE[case](torch, torch.tensor(x)), LIKE[case](vt, vt.tensor(x))
    if isinstance(expected, torch.Tensor):
        _same_value(got, expected)
    else:
        assert tuple(got) == tuple(expected)


# ---- errors: torch's exception types ----------------------------------------------------------


def _x(L):
    return L.zeros(2, 3, 4)


ERRORS = [
    lambda L: _x(L).flip(0, 0),
    lambda L: _x(L).flip(3),
    lambda L: L.fliplr(L.zeros(3)),
    lambda L: L.flipud(L.zeros(())),
    lambda L: _x(L).roll((1, 2), (0,)),
    lambda L: _x(L).roll((1, 2)),
    lambda L: _x(L).rot90(1, [0, 0]),
    lambda L: _x(L).rot90(1, [0]),
    lambda L: L.zeros(3).rot90(),
    lambda L: _x(L).repeat(2),
    lambda L: _x(L).repeat(-1, 1, 1),
    lambda L: _x(L).repeat_interleave(-1),
    lambda L: _x(L).repeat_interleave(L.tensor([1, 2, 3]), dim=0),
    lambda L: L.zeros(3).tril(),
    lambda L: L.zeros(3).triu(),
    lambda L: L.diag(_x(L)),
    lambda L: L.diag(L.zeros(())),
    lambda L: L.trace(_x(L)),
    lambda L: _x(L).diagonal(0, 1, 1),
    lambda L: _x(L).diagonal(0, 0, 3),
    lambda L: L.diag_embed(L.zeros(3), 0, 0, 0),
    lambda L: _x(L).narrow(1, 2, 2),
    lambda L: _x(L).narrow(1, -4, 1),
    lambda L: _x(L).narrow(1, 4, 0),
    lambda L: _x(L).narrow(1, 1, -1),
    lambda L: _x(L).narrow(5, 1, 1),
    lambda L: _x(L).select(1, 3),
    lambda L: _x(L).unfold(2, 5, 1),
    lambda L: _x(L).unfold(2, 2, 0),
    lambda L: _x(L).unfold(3, 2, 1),
    lambda L: _x(L).unflatten(2, (3, -1)),
    lambda L: _x(L).unflatten(2, ()),
    lambda L: _x(L).movedim((0, 0), (1, 2)),
    lambda L: _x(L).movedim((0,), (1, 2)),
    lambda L: L.broadcast_tensors(L.zeros(3), L.zeros(2)),
    lambda L: L.broadcast_to(L.zeros(3), (2, 2)),
    lambda L: L.zeros(1, 2, 1).squeeze((0, 0)),
    lambda L: L.meshgrid(L.zeros(2, 2), L.zeros(3), indexing="ij"),
    lambda L: L.meshgrid(L.zeros(2), L.zeros(3), indexing="foo"),
    lambda L: L.meshgrid(L.zeros(2), L.zeros(3, dtype=L.float64), indexing="ij"),
    lambda L: L.meshgrid([], indexing="ij"),
    lambda L: L.tensor_split(L.zeros(()), 2),
    lambda L: _x(L).tensor_split(0),
    lambda L: L.hsplit(L.zeros(3, 5), 2),
    lambda L: L.vsplit(L.zeros(3), 1),
    lambda L: L.dsplit(L.zeros(3, 4), 2),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_bad_input_raises_torchs_exception_type(case):
    with pytest.raises(Exception) as expected:
        ERRORS[case](torch)
    with pytest.raises(Exception) as got:
        ERRORS[case](vt)
    assert got.type is expected.type or issubclass(got.type, expected.type), (
        got.value,
        expected.value,
    )
