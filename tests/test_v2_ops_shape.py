"""Shape ops, joins and indexing against torch (values and gradients, float64), with index
expressions drawn by hypothesis."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import v2_tensor as vt
from tests.v2_parity import check, check_second_order

rng = np.random.default_rng(1)


def normal(*shape):
    return rng.standard_normal(shape)


SHAPE_OPS = {
    "reshape": (lambda L, x: x.reshape(4, 6), (2, 3, 4)),
    "reshape_tuple_minus_one": (lambda L, x: x.reshape((-1, 3)), (2, 3, 4)),
    "view": (lambda L, x: x.view(6, -1), (2, 3, 4)),
    "flatten": (lambda L, x: x.flatten(), (2, 3, 4)),
    "flatten_range": (lambda L, x: x.flatten(1), (2, 3, 4)),
    "flatten_middle": (lambda L, x: L.flatten(x, 0, 1), (2, 3, 4)),
    "permute": (lambda L, x: x.permute(2, 0, 1), (2, 3, 4)),
    "permute_negative": (lambda L, x: x.permute(-1, 0, 1), (2, 3, 4)),
    "transpose": (lambda L, x: x.transpose(0, 2), (2, 3, 4)),
    "transpose_negative": (lambda L, x: L.transpose(x, -1, -2), (2, 3, 4)),
    "T": (lambda L, x: x.T, (3, 4)),
    "t": (lambda L, x: x.t(), (3, 4)),
    "t_1d": (lambda L, x: x.t(), (3,)),
    "mT": (lambda L, x: x.mT, (2, 3, 4)),
    "unsqueeze": (lambda L, x: x.unsqueeze(1), (3, 4)),
    "unsqueeze_end": (lambda L, x: x.unsqueeze(-1), (3, 4)),
    "squeeze": (lambda L, x: x.squeeze(), (3, 1, 4, 1)),
    "squeeze_dim": (lambda L, x: x.squeeze(1), (3, 1, 4, 1)),
    "squeeze_non_one_dim": (lambda L, x: x.squeeze(0), (3, 1, 4, 1)),
    "expand": (lambda L, x: x.expand(2, 3, 4), (3, 1)),
    "expand_minus_one": (lambda L, x: x.expand(5, -1, 4), (3, 1)),
    "expand_as": (lambda L, x: x.expand_as(L.zeros(2, 3, 4, dtype=L.float64)), (3, 1)),
    "split": (lambda L, x: x.split(2, 1)[1], (3, 5)),
    "split_last_short": (lambda L, x: x.split(2, 1)[2], (3, 5)),
    "split_sizes": (lambda L, x: L.split(x, [1, 3, 1], dim=1)[1], (3, 5)),
    "chunk": (lambda L, x: x.chunk(3, 0)[2], (7, 2)),
    "unbind": (lambda L, x: x.unbind(1)[2] * 2 + x.unbind(1)[0], (3, 4)),
    "pad": (lambda L, x: _pad(L)(x, (1, 2)), (3, 4)),
    "pad_two_dims": (lambda L, x: _pad(L)(x, (1, 0, 2, 1), value=0.5), (2, 3, 4)),
}


def _pad(L):
    return torch.nn.functional.pad if L is torch else vt.pad


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_op(name):
    fn, shape = SHAPE_OPS[name]
    check(fn, normal(*shape))
    check_second_order(lambda L, x: fn(L, x * x), normal(*shape))


def test_split_all_pieces_and_chunk_count():
    x = normal(7, 3)
    for lib_pieces in (vt.tensor(x).chunk(3), vt.tensor(x).split(3)):
        assert [p.shape for p in lib_pieces] == [(3, 3), (3, 3), (1, 3)]
    assert [p.shape for p in vt.tensor(x).chunk(4, 1)] == [
        tuple(p.shape) for p in torch.tensor(x).chunk(4, 1)
    ]
    check(lambda L, t: sum(p.sum() * (i + 1) for i, p in enumerate(t.split(3))), x)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack(dim):
    a, b, c = normal(2, 3), normal(2, 3), normal(2, 3)
    check(lambda L, x, y, z: L.cat([x, y, z], dim), a, b, c)
    check(lambda L, x, y, z: L.stack([x, y, z], dim), a, b, c)
    check(lambda L, x, y: L.cat((x, y.exp()), dim=dim) ** 2, a, b)
    check_second_order(lambda L, x, y: L.cat([x * y, y], dim) ** 2, a, b)
    check_second_order(lambda L, x, y: L.stack([x * y, y], dim) ** 2, a, b)


def test_cat_of_different_sizes_along_dim():
    check(lambda L, x, y: L.cat([x, y], 1), normal(2, 3), normal(2, 1))


BASIC_INDICES = [
    (1,),
    (-1,),
    (slice(1, None),),
    (slice(None, None, 2),),
    (slice(None, 2),),
    (Ellipsis, 1),
    (None, 0),
    (1, None, slice(0, 2)),
    (slice(None), -2, None),
    (Ellipsis, None),
    (0, 1, 2),
]


@pytest.mark.parametrize("index", BASIC_INDICES, ids=str)
def test_basic_indexing(index):
    check(lambda L, x: x[index], normal(3, 4, 5))
    check_second_order(lambda L, x: (x * x)[index], normal(3, 4, 5))


def test_integer_array_indices_accumulate_repeats():
    x = normal(4, 3)
    rows = [0, 2, 2, 0, 3]
    check(lambda L, t: t[rows], x)
    check(lambda L, t: t[L.tensor(rows)], x)
    check(lambda L, t: t[L.tensor(rows), L.tensor([0, 1, 1, 0, 2])], x)
    check(lambda L, t: t[:, [2, 2, 0]], x)
    check(lambda L, t: t[np.array([[0, 1], [1, 1]])], x)
    check_second_order(lambda L, t: (t * t)[[1, 1, 3]], x)


MIXED_INDICES = [
    (0, slice(None), [1, 2]),  # torch (4, 2), NumPy alone (2, 4)
    ([2, 0, 2], slice(None), -1),
    (1, slice(1, None), np.array([True, False, True, True, False])),
    (None, 1, Ellipsis, [0, 0, 4]),
    (slice(None), [1, 3], 2),
    (True, 2, slice(None), [0, 4]),
]


@pytest.mark.parametrize("index", MIXED_INDICES, ids=str)
def test_integers_mixed_with_index_arrays_order_dims_like_torch(index):
    """torch takes the integers first, then the arrays: the result dims follow from that."""
    x = normal(3, 4, 5)
    check(lambda L, t: t[index if L is vt else _torch_index(index)], x)
    check_second_order(lambda L, t: (t * t)[index if L is vt else _torch_index(index)], x)
    y, expected = vt.zeros(3, 4, 5, dtype=vt.float64), torch.zeros(3, 4, 5, dtype=torch.float64)
    value = normal(*expected[_torch_index(index)].shape)
    y[index] = value
    expected[_torch_index(index)] = torch.tensor(value)
    np.testing.assert_array_equal(y.array, expected.numpy())


def test_boolean_mask_indexing():
    x = normal(3, 4)
    mask = x > 0.1
    check(lambda L, t: t[L.tensor(mask)], x)
    check(lambda L, t: t[t > 0], x)
    check(lambda L, t: t[L.tensor(mask[:, 0])], x)


@st.composite
def array_and_index(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    kind = draw(st.sampled_from(["basic", "integer", "mask", "mixed", "mixed"]))
    if kind == "basic":
        index = draw(
            hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True).filter(
                _no_negative_step  # torch has no negative slice steps
            )
        )
    elif kind == "integer":
        count = draw(st.integers(1, 5))
        index = draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=count, max_size=count))
        if len(shape) > 1 and draw(st.booleans()):
            index = (slice(None), [i % shape[1] for i in index])
    elif kind == "mask":
        masked = shape[: draw(st.integers(1, len(shape)))]  # a mask over the leading dims
        index = draw(hnp.arrays(np.bool_, masked))
    else:
        index = draw(mixed_index(shape))
    return shape, index


@st.composite
def mixed_index(draw, shape):
    """One item per dim, each an int, a slice, an integer list (repeats allowed) or a bool
    mask, with None and Ellipsis slipped in: ints and arrays apart is where torch and NumPy
    order the result dims differently."""
    items = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "int", "slice", "list", "list", "mask"]))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            items.append(slice(draw(st.integers(-n, n)), None, draw(st.integers(1, 2))))
        elif kind == "list":
            items.append(draw(st.lists(st.integers(-n, n - 1), min_size=2, max_size=2)))
        else:
            items.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    masks = [i for i, item in enumerate(items) if isinstance(item, np.ndarray)]
    if len(masks) + any(isinstance(item, list) for item in items) > 1:
        for i in masks:  # index arrays must broadcast together: one True in each mask
            items[i] = np.arange(len(items[i])) == np.argmax(items[i])
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), None)
    if draw(st.booleans()):
        ellipsis_at = draw(st.integers(0, len(items) - 1))
        items[ellipsis_at : ellipsis_at + 1] = [Ellipsis]
    return tuple(items)


@settings(max_examples=60, deadline=None)
@given(case=array_and_index())
def test_drawn_index_expressions(case):
    shape, index = case
    x = rng.standard_normal(shape)
    expected = torch.tensor(x)[_torch_index(index)]
    if expected.numel() == 0:
        assert vt.tensor(x)[index].shape == tuple(expected.shape)
        return
    check(lambda L, t: t[index if L is vt else _torch_index(index)], x)


def _no_negative_step(index):
    items = index if isinstance(index, tuple) else (index,)
    return not any(isinstance(i, slice) and (i.step or 1) < 0 for i in items)


def _torch_index(index):
    """torch reads a NumPy bool array like a bool tensor; lists of ints stay lists."""
    if isinstance(index, tuple):
        return tuple(_torch_index(item) for item in index)
    if isinstance(index, np.ndarray):
        return torch.tensor(index)
    return index


def test_gather():
    x = normal(3, 4)
    index = np.array([[0, 0], [3, 1], [2, 2]])
    check(lambda L, t: t.gather(1, L.tensor(index)), x)
    check(lambda L, t: L.gather(t, 0, L.tensor([[2, 1, 0, 0]])), x)
    check_second_order(lambda L, t: (t * t).gather(1, L.tensor(index)), x)


def test_index_out_of_range_is_an_index_error_with_the_shape():
    x = vt.zeros(2, 3)
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[2]
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[:, -4]
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[[0, 5]]
    with pytest.raises(IndexError):
        x[0, 0, 0]
    with pytest.raises(RuntimeError):  # torch: "index 3 is out of bounds for dimension 1"
        x.gather(1, vt.tensor([[3], [0]]))
    with pytest.raises(IndexError):
        x[vt.tensor([0.5])]


def test_setitem_on_plain_tensors_and_refusal_on_graph_tensors():
    x = vt.zeros(2, 3)
    x[0, 1] = 5.0
    x[1] = vt.tensor([1.0, 2.0, 3.0])
    x[x > 2.5] = -1.0
    np.testing.assert_array_equal(x.array, [[0, -1, 0], [1, 2, -1]])
    w = vt.zeros(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        w[0, 0] = 1.0
    with vt.no_grad():
        w[0, 0] = 1.0  # allowed without graph, as torch's in-place init
    assert w.array[0, 0] == 1.0
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[3] = 1.0


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda x: x.reshape(5, 5), RuntimeError),
        (lambda x: x.reshape(-1, -1), RuntimeError),
        (lambda x: x.view(7, -1), RuntimeError),
        (lambda x: x.permute(0, 0, 1), RuntimeError),
        (lambda x: x.permute(0, 1), RuntimeError),
        (lambda x: x.transpose(0, 3), IndexError),
        (lambda x: x.t(), RuntimeError),
        (lambda x: x.expand(3, 3, 4), RuntimeError),
        (lambda x: x.sum(3), IndexError),
        (lambda x: x.unsqueeze(4), IndexError),
        (lambda x: vt.cat([x, vt.zeros(2, 2, 2)], 0), RuntimeError),
        (lambda x: vt.stack([x, vt.zeros(2, 3, 5)]), RuntimeError),
        (lambda x: x.split([1, 2], 0), RuntimeError),
        (lambda x: vt.cat([], 0), ValueError),
        (lambda x: vt.cat([vt.tensor(1.0), vt.tensor(2.0)]), RuntimeError),
        (lambda x: vt.cat([x, x[0]]), RuntimeError),
    ],
)
def test_shape_errors(call, error):
    with pytest.raises(error):
        call(vt.zeros(2, 3, 4))
