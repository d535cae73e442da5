"""Indexing and selection against torch: scatter/gather/index_* ops, masks, take/put,
nonzero, sorting and searching, unique and counting, and every indexing form torch accepts
(index expressions drawn by hypothesis, read and written, in and out of a graph)."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import v2_tensor as vt
from tests.v2_parity import check, check_second_order

rng = np.random.default_rng(11)


def normal(*shape):
    return rng.standard_normal(shape)


def T(L, values, dtype=None):  # noqa: N802  (an index or mask tensor in either library)
    return L.tensor(np.asarray(values), dtype=dtype)


INDEX = np.array([[0, 2], [1, 0], [3, 1]])
BIG_SRC = (3, 4)  # src larger than index

SELECT_OPS = {
    "gather": (lambda L, x: x.gather(1, T(L, INDEX)), [(3, 4)]),
    "scatter": (lambda L, x, s: x.scatter(1, T(L, INDEX), s), [(3, 4), (3, 2)]),
    "scatter_value": (lambda L, x: x.scatter(1, T(L, INDEX), 2.5), [(3, 4)]),
    "scatter_add": (lambda L, x, s: x.scatter_add(1, T(L, INDEX), s), [(3, 4), (3, 2)]),
    "index_put_accumulate": (
        lambda L, x, v: x.index_put((T(L, [0, 0, 2]),), v, accumulate=True),
        [(3, 4), (3, 4)],
    ),
    "index_put_accumulate_pairs": (
        lambda L, x, v: L.index_put(x, (T(L, [1, 1]), T(L, [0, 0])), v, accumulate=True),
        [(2, 3, 2), (2,)],
    ),
    "index_put": (lambda L, x, v: x.index_put((T(L, [2, 0]),), v), [(3, 4), (4,)]),
    "index_select": (lambda L, x: x.index_select(1, T(L, [3, 0, 3])), [(2, 4)]),
    "index_select_int32": (lambda L, x: L.index_select(x, 0, T(L, [1], L.int32)), [(2, 4)]),
    "index_select_0d_index": (lambda L, x: x.index_select(0, T(L, 1)), [(2, 4)]),
    "index_add": (lambda L, x, s: x.index_add(0, T(L, [1, 1, 0]), s), [(2, 4), (3, 4)]),
    "index_add_alpha": (
        lambda L, x, s: L.index_add(x, 1, T(L, [2, 0]), s, alpha=-1.5),
        [(2, 3), (2, 2)],
    ),
    "index_copy": (lambda L, x, s: x.index_copy(1, T(L, [2, 0]), s), [(2, 3), (2, 2)]),
    "index_fill": (lambda L, x: x.index_fill(1, T(L, [2, 0]), -1.0), [(2, 3)]),
    "masked_fill": (lambda L, x: x.masked_fill(T(L, [True, False, True]), 0.5), [(2, 3)]),
    "masked_select": (lambda L, x: x.masked_select(T(L, [[True], [False]])), [(2, 3)]),
    "masked_select_broadcast_input": (
        lambda L, x: L.masked_select(x, T(L, [[True, False, True], [False, True, True]])),
        [(3,)],
    ),
    "masked_scatter": (
        lambda L, x, s: x.masked_scatter(T(L, [True, False, True]), s),
        [(2, 3), (2, 3)],
    ),
    "take": (lambda L, x: x.take(T(L, [[0, -1], [5, 3]])), [(2, 3)]),
    "take_along_dim": (lambda L, x: x.take_along_dim(T(L, [[0], [2]]), 1), [(2, 3)]),
    "take_along_dim_broadcast": (
        lambda L, x: L.take_along_dim(x, T(L, [[0, 1, 1]]), dim=0),
        [(2, 3)],
    ),
    "take_along_dim_flat": (lambda L, x: x.take_along_dim(T(L, [4, 0, 4])), [(2, 3)]),
    "put": (lambda L, x, s: x.put(T(L, [0, -1]), s), [(2, 3), (2,)]),
    "put_accumulate": (lambda L, x, s: L.put(x, T(L, [1, 1]), s, accumulate=True), [(2, 3), (2,)]),
    "sort": (lambda L, x: x.sort().values, [(3, 4)]),
    "sort_descending": (lambda L, x: L.sort(x, 0, descending=True)[0], [(3, 4)]),
    "sort_stable": (lambda L, x: x.sort(stable=True, dim=1).values, [(3, 4)]),
    "msort": (lambda L, x: L.msort(x), [(3, 4)]),
    "topk": (lambda L, x: x.topk(2).values, [(3, 4)]),
    "topk_smallest": (lambda L, x: L.topk(x, 2, dim=0, largest=False)[0], [(3, 4)]),
    "kthvalue": (lambda L, x: x.kthvalue(2).values, [(3, 4)]),
    "kthvalue_keepdim": (lambda L, x: L.kthvalue(x, 3, 0, True)[0], [(3, 4)]),
}


@pytest.mark.parametrize("name", SELECT_OPS)
def test_select_op(name):
    fn, shapes = SELECT_OPS[name]
    arrays = [normal(*s) for s in shapes]
    check(fn, *arrays)
    check_second_order(lambda L, *xs: fn(L, *[x * x for x in xs]), *arrays)


def test_scatter_with_a_src_larger_than_index():
    """torch computes the values but its backward fails on the shape (ScatterBackward0
    returned an invalid gradient); here src's unused part gets zeros, checked by finite
    differences."""
    x, src = normal(4, 4), normal(*BIG_SRC)
    for op in ("scatter", "scatter_add"):
        _same(lambda L, a, s, op=op: getattr(a, op)(0, T(L, INDEX), s), x, src)
        leaves = (vt.tensor(x, requires_grad=True), vt.tensor(src, requires_grad=True))
        assert vt.autograd.gradcheck(
            lambda a, s, op=op: getattr(a, op)(0, vt.tensor(INDEX), s), leaves
        )


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce(reduce):
    """torch's scatter(reduce=) computes values but has no derivative; here it is
    scatter_reduce's (checked by finite differences)."""
    x, src = normal(3, 4), normal(3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: the reduce argument is deprecated
        _same(lambda L, a, s: a.scatter(1, T(L, INDEX), s, reduce=reduce), x, src)
        _same(lambda L, a: a.scatter(1, T(L, INDEX), 1.5, reduce=reduce), x)
    leaves = (vt.tensor(x, requires_grad=True), vt.tensor(src, requires_grad=True))
    assert vt.autograd.gradcheck(
        lambda a, s: a.scatter(1, vt.tensor(INDEX), s, reduce=reduce), leaves
    )


REDUCE_INDEX = np.array([[0, 0, 2], [1, 1, 1]])


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    def fn(L, x, s):
        return x.scatter_reduce(1, T(L, REDUCE_INDEX), s, reduce, include_self=include_self)

    x, s = normal(2, 4), normal(2, 3)
    check(fn, x, s)
    check_second_order(lambda L, a, b: fn(L, a * a, b * b), x, s)
    # ties between self and src and between srcs share the gradient, as torch's
    tied = np.array([[1.0, 2.0, 0.0, 3.0], [1.0, 1.0, 1.0, 0.0]])
    check(fn, tied, np.array([[1.0, 1.0, 5.0], [1.0, 1.0, 0.5]]))
    # prod with zeros: the gradient is the product of the others
    check(
        fn,
        np.array([[0.0, 2.0, 1.0, 3.0], [1.0, 0.0, 1.0, 0.0]]),
        np.array([[0.0, 2.0, 3.0], [4.0, 0.0, 5.0]]),
    )
    ints = np.array([[1, 2, 3, 4], [-5, 6, 7, 8]])
    _same(
        lambda L, x: x.scatter_reduce(
            1, T(L, REDUCE_INDEX), T(L, [[1, 2, -3], [4, 5, 6]]), reduce, include_self=include_self
        ),
        ints,
    )


def test_scatter_reduce_on_a_0d_tensor_and_in_place():
    _same(lambda L, x: x.scatter_reduce(0, T(L, 0), T(L, 5.0), "amax"), np.array(2.0))
    for lib in (torch, vt):
        x = lib.ones(2, 3, dtype=lib.float64)
        x.scatter_reduce_(1, T(lib, [[0, 0]]), T(lib, [[2.0, 3.0]], lib.float64), "prod")
        assert x.tolist() == [[6.0, 1.0, 1.0], [1.0, 1.0, 1.0]]


def _same(fn, *arrays):
    """fn's result under both libraries from the same arrays (no gradients): values, dtype."""
    expected = fn(torch, *[torch.tensor(a) for a in arrays])
    got = fn(vt, *[vt.tensor(a) for a in arrays])
    _same_value(got, expected)


def _same_value(got, expected):
    if isinstance(expected, tuple | list):
        assert isinstance(got, tuple | list) and len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            _same_value(g, e)
        return
    assert isinstance(got, vt.Tensor)
    assert got.shape == tuple(expected.shape)
    assert str(got.dtype) == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(got.array, expected.numpy())


VALUE_CASES = {
    "nonzero": (lambda L, x: x.nonzero(), [[0, 1, 2], [3, 0, 0]]),
    "nonzero_tuple": (lambda L, x: L.nonzero(x, as_tuple=True), [[0, 1, 2], [3, 0, 0]]),
    "nonzero_0d": (lambda L, x: (x.nonzero(), x.nonzero(as_tuple=True)), 2.0),
    "nonzero_0d_zero": (lambda L, x: x.nonzero(as_tuple=True), 0),
    "argwhere": (lambda L, x: L.argwhere(x), [[False, True], [True, True]]),
    "where_one_argument": (lambda L, x: L.where(x > 0), [[0, 1, 2], [3, 0, 0]]),
    "where_0d": (lambda L, x: L.where(x), True),
    "sort_ties": (lambda L, x: tuple(x.sort()), [[3, 1, 2, 1], [0, -1, 5, 5]]),
    "sort_ties_descending": (
        lambda L, x: tuple(x.sort(descending=True, stable=True)),
        [[3, 1, 2, 1], [0, -1, 5, 5]],
    ),
    "sort_nan": (lambda L, x: tuple(L.sort(x, descending=True)), [np.nan, 1.0, np.inf, -1.0]),
    "sort_nan_ascending": (lambda L, x: tuple(x.sort()), [np.nan, 1.0, -np.inf, np.nan]),
    "sort_bool": (lambda L, x: tuple(x.sort()), [True, False, True]),
    "sort_0d": (lambda L, x: tuple(x.sort()), 2.0),
    "argsort": (lambda L, x: x.argsort(descending=True), [[3, 1, 2, 1], [0, -1, 5, 5]]),
    "argsort_dim0": (lambda L, x: L.argsort(x, dim=0, stable=True), [[3, 1, 2, 1], [0, -1, 5, 5]]),
    "topk_ties": (lambda L, x: tuple(x.topk(2)), [[3, 1, 2, 1], [0, -1, 5, 5]]),
    "topk_zero": (lambda L, x: tuple(x.topk(0)), [[3, 1], [0, -1]]),
    "kthvalue_ties": (lambda L, x: tuple(x.kthvalue(2)), [[3, 1, 2, 1], [0, -1, 5, 5]]),
    "searchsorted": (lambda L, x: L.searchsorted(x, T(L, [3.0, 6.0, 9.0, 0.0])), [1.0, 3, 5, 7]),
    "searchsorted_right": (
        lambda L, x: L.searchsorted(x, T(L, [3.0, 7.0]), right=True),
        [1.0, 3, 5, 7],
    ),
    "searchsorted_side": (
        lambda L, x: L.searchsorted(x, T(L, [[3.0], [7.0]]), side="right", out_int32=True),
        [1.0, 3, 5, 7],
    ),
    "searchsorted_scalar": (lambda L, x: L.searchsorted(x, 4.0), [1.0, 3, 5, 7]),
    "searchsorted_rows": (
        lambda L, x: L.searchsorted(x, T(L, [[1.5, 9.0], [3.5, 0.0]])),
        [[1.0, 2.0], [3.0, 4.0]],
    ),
    "searchsorted_sorter": (
        lambda L, x: L.searchsorted(x, T(L, [2.0, 5.0]), sorter=T(L, [1, 2, 0])),
        [5.0, 1.0, 3.0],
    ),
    "searchsorted_ints": (lambda L, x: L.searchsorted(x, T(L, [3, 6])), [1, 3, 5, 7]),
    "bucketize": (lambda L, x: L.bucketize(x, T(L, [1.0, 3, 5, 7])), [3.0, 6.0, 9.0, 1.0]),
    "bucketize_right": (
        lambda L, x: L.bucketize(x, T(L, [1.0, 3, 5, 7]), right=True),
        [[3.0, 6.0], [9.0, 1.0]],
    ),
    "unique": (lambda L, x: L.unique(x), [3, 1, 2, 1, 3, 3]),
    "unique_everything": (
        lambda L, x: L.unique(x, return_inverse=True, return_counts=True),
        [[3, 1, 2], [1, 3, 3]],
    ),
    "unique_counts": (lambda L, x: x.unique(return_counts=True), [3.0, 1.0, 3.0]),
    "unique_dim": (
        lambda L, x: L.unique(x, dim=0, return_inverse=True, return_counts=True),
        [[1, 2], [1, 2], [0, 5]],
    ),
    "unique_dim1": (lambda L, x: x.unique(dim=1), [[1, 1, 0], [2, 2, 5]]),
    "unique_bool": (lambda L, x: L.unique(x), [True, False, True]),
    "unique_consecutive": (
        lambda L, x: L.unique_consecutive(x, return_inverse=True, return_counts=True),
        [3, 1, 2, 2, 3, 3],
    ),
    "unique_consecutive_dim": (
        lambda L, x: x.unique_consecutive(dim=0, return_inverse=True, return_counts=True),
        [[1, 2], [1, 2], [0, 5], [1, 2]],
    ),
    "histc": (lambda L, x: L.histc(x, bins=4), [0.0, 1, 1, 2, 3, 4]),
    "histc_range": (lambda L, x: x.histc(4, 1, 3), [0.0, 1, 1, 2, 3, 4]),
    "histc_constant": (lambda L, x: L.histc(x, bins=4), [1.0, 1.0, 1.0]),
    "histc_float64": (lambda L, x: L.histc(x, bins=3), np.array([0.5, 0.1, 2.0, 0.25])),
    "bincount": (lambda L, x: L.bincount(x), [0, 1, 1, 4]),
    "bincount_minlength": (lambda L, x: x.bincount(minlength=7), [0, 1, 1, 4]),
    "bincount_weights": (
        lambda L, x: L.bincount(x, T(L, [0.5, 1, 2, 3], L.float32)),
        [0, 1, 1, 4],
    ),
    "bincount_int_weights": (lambda L, x: L.bincount(x, T(L, [1, 1, 2, 3])), [0, 1, 1, 4]),
    "bincount_empty": (lambda L, x: L.bincount(x), np.array([], np.int64)),
}


@pytest.mark.parametrize("name", VALUE_CASES)
def test_values(name):
    fn, values = VALUE_CASES[name]
    _same(fn, np.asarray(values))


@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    data=st.data(),
)
def test_drawn_sort_topk_and_unique(shape, data):
    ints = data.draw(hnp.arrays(np.int64, tuple(shape), elements=st.integers(-2, 2)))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    descending = data.draw(st.booleans())
    _same(lambda L, x: tuple(x.sort(dim=dim, descending=descending, stable=True)), ints)
    k = data.draw(st.integers(0, shape[dim]))
    # with ties torch's topk may pick other (equal) elements: the values must agree, and the
    # indices must point at them
    values, indices = vt.tensor(ints).topk(k, dim, largest=descending)
    _same_value(values, torch.tensor(ints).topk(k, dim, largest=descending).values)
    np.testing.assert_array_equal(np.take_along_axis(ints, indices.array, dim), values.array)
    _same(lambda L, x: L.unique(x, return_inverse=True, return_counts=True), ints)
    _same(lambda L, x: L.unique(x, dim=dim, return_inverse=True, return_counts=True), ints)
    _same(lambda L, x: L.unique_consecutive(x, dim=dim, return_counts=True), ints)
    x = normal(*shape)
    check(lambda L, t: t.sort(dim, descending).values * t.argsort(dim, descending), x)
    check(lambda L, t: t.kthvalue(max(k, 1), dim, keepdim=True).values, x)


def test_unique_records_but_is_not_differentiable_as_torch():
    x = vt.tensor([1.0, 2.0, 1.0], requires_grad=True)
    out = vt.unique(x)
    assert out.requires_grad == torch.unique(torch.tensor([1.0], requires_grad=True)).requires_grad
    with pytest.raises(NotImplementedError, match="unique"):
        out.sum().backward()
    w = vt.tensor([0.5, 1.0], requires_grad=True)
    counts = vt.bincount(vt.tensor([0, 2]), w)
    assert counts.requires_grad
    with pytest.raises(RuntimeError, match="bincount"):
        counts.sum().backward()
    assert not vt.histc(x).requires_grad


# ---- indexing: every form, drawn ---------------------------------------------------------------


@st.composite
def index_expression(draw):
    """A shape and an index into it: ints, slices with steps, None, Ellipsis, integer lists
    and arrays (broadcasting together, or not), bool masks over one or two dims, True and
    False, nested tuples."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    length = draw(st.integers(1, 3))

    def items_for(dims):
        out, k = [], 0
        while k < len(dims):
            if draw(st.integers(0, 4)) == 0:
                out.append(draw(st.sampled_from([None, True, False])))
                continue
            n = shape[dims[k]]
            kind = draw(st.sampled_from(["int", "slice", "list", "tuple", "array", "mask"]))
            if kind == "int":
                out.append(draw(st.integers(-n, n - 1)))
            elif kind == "slice":
                start = draw(st.none() | st.integers(-n - 1, n + 1))
                stop = draw(st.none() | st.integers(-n - 1, n + 1))
                out.append(slice(start, stop, draw(st.none() | st.integers(1, 3))))
            elif kind in ("list", "tuple", "array"):
                size = draw(st.sampled_from([length, 1]))
                values = [draw(st.integers(-n, n - 1)) for _ in range(size)]
                out.append(
                    values
                    if kind == "list"
                    else tuple(values)
                    if kind == "tuple"
                    else np.array(values)
                )
            else:
                width = 2 if k + 1 < len(dims) and draw(st.booleans()) else 1
                mask_shape = tuple(shape[d] for d in dims[k : k + width])
                out.append(
                    np.asarray(
                        draw(
                            st.lists(
                                st.booleans(),
                                min_size=int(np.prod(mask_shape)),
                                max_size=int(np.prod(mask_shape)),
                            )
                        )
                    ).reshape(mask_shape)
                )
                k += width
                continue
            k += 1
        return out

    used = draw(st.integers(0, len(shape)))
    head = items_for(list(range(used)))
    if draw(st.booleans()):
        tail_start = draw(st.integers(used, len(shape)))
        index = (*head, Ellipsis, *items_for(list(range(tail_start, len(shape)))))
    else:
        index = tuple(head)
    if len(index) == 1 and draw(st.booleans()):
        index = index[0]  # x[i] rather than x[(i,)]
    return shape, index


def _torch_index(index):
    if isinstance(index, tuple):
        return tuple(_torch_index(item) for item in index)
    if isinstance(index, np.ndarray):
        return torch.tensor(index)
    return index


def _outcome(fn):
    try:
        return fn()
    except Exception as error:  # noqa: BLE001  (the exception type is the outcome compared)
        return type(error)


@settings(max_examples=150, deadline=None)
@given(case=index_expression())
def test_drawn_index_expressions_read_as_torch(case):
    shape, index = case
    x = normal(*shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _outcome(lambda: torch.tensor(x)[_torch_index(index)])
        got = _outcome(lambda: vt.tensor(x)[index])
        if isinstance(expected, type):
            assert isinstance(got, type) and issubclass(got, expected), (got, expected)
            return
        assert not isinstance(got, type), got
        assert got.shape == tuple(expected.shape)
        np.testing.assert_array_equal(got.array, expected.numpy())
        check(lambda L, t: t[index if L is vt else _torch_index(index)], x)


@settings(max_examples=100, deadline=None)
@given(case=index_expression())
def test_drawn_index_expressions_written_as_torch(case):
    """x[index] = v on a tensor in the graph: values and the gradients of x and v."""
    shape, index = case
    x = normal(*shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(_outcome(lambda: torch.tensor(x)[_torch_index(index)]), type):
            return

        def fn(L, t, v):
            y = t * 1.0
            y[index if L is vt else _torch_index(index)] = v * 3.0
            return y * y

        check(fn, x, np.array(0.7))  # one value: repeated positions get the same value


BASIC = [(slice(None), 1), (Ellipsis, None, slice(0, 3, 2)), (1, None, slice(None), -1), (None,)]


@pytest.mark.parametrize("index", BASIC, ids=str)
def test_setitem_with_a_value_of_the_selections_shape_and_second_order(index):
    x = normal(3, 4, 5)
    value = normal(*torch.tensor(x)[index].shape)

    def fn(L, t, v):
        y = t * t
        y[index] = v * v
        return y * t

    check(fn, x, value)
    check_second_order(fn, x, value)


def test_setitem_with_extra_leading_ones_in_the_value():
    for lib in (torch, vt):
        y = lib.zeros(3, 4)
        y[0] = lib.ones(1, 4)
        y[:, 1] = lib.ones(1, 1, 3) * 2
        assert y.tolist() == [[1.0, 2.0, 1.0, 1.0], [0.0, 2.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0]]


def test_negative_and_zero_steps_are_value_errors_as_torch():
    for lib in (torch, vt):
        x = lib.zeros(5)
        with pytest.raises(ValueError, match="step must be greater than zero"):
            x[::-1]
        with pytest.raises(ValueError, match="step cannot be zero"):
            x[::0]
        with pytest.raises(ValueError):
            x[::-1] = 1.0


def test_index_forms_torch_accepts():
    x = normal(3, 4)
    pairs = [
        ((torch.tensor(1), slice(None)), (vt.tensor(1), slice(None))),
        (torch.tensor([True, False, True]), vt.tensor([True, False, True])),
        ((torch.tensor(True), 0), (vt.tensor(True), 0)),
        (([0, 1], [1, 2]), ([0, 1], [1, 2])),
        (((0, 1), slice(None)), ((0, 1), slice(None))),
        ([], []),
    ]
    for torch_index, vt_index in pairs:
        expected = torch.tensor(x)[torch_index]
        got = vt.tensor(x)[vt_index]
        assert got.shape == tuple(expected.shape)
        np.testing.assert_array_equal(got.array, expected.numpy())
    # a list holding slices or sequences is read as a tuple (deprecated in torch, with a warning)
    with pytest.warns(UserWarning):
        got = vt.tensor(x)[[[0, 1], [1, 2]]]
    with pytest.warns(UserWarning):
        expected = torch.tensor(x)[[[0, 1], [1, 2]]]
    np.testing.assert_array_equal(got.array, expected.numpy())
    with pytest.raises(IndexError):
        vt.tensor(x)[1.5]
    with pytest.raises(IndexError):
        vt.tensor(x)[vt.tensor([1.5])]


def test_select_ops_on_integer_tensors():
    ints = np.arange(12).reshape(3, 4)
    _same(lambda L, x: x.index_select(1, T(L, [0, 0, 3])), ints)
    _same(lambda L, x: x.index_add(0, T(L, [2, 2]), T(L, [[1] * 4, [2] * 4]), alpha=3), ints)
    _same(lambda L, x: x.index_copy(0, T(L, [2]), T(L, [[9, 9, 9, 9]])), ints)
    _same(lambda L, x: x.masked_scatter(x > 5, -x), ints)
    _same(lambda L, x: x.masked_select(x > 5), ints)
    _same(lambda L, x: x.take(T(L, [[11, 0]])), ints)
    _same(lambda L, x: x.put(T(L, [0, 0]), T(L, [5, 6]), accumulate=True), ints)
    _same(lambda L, x: x.scatter(1, T(L, [[1], [2], [3]]), 7), ints)
    _same(lambda L, x: x.gather(0, T(L, [[2, 1, 0, 0]])), ints)
    _same(lambda L, x: x.scatter_add(0, T(L, [[2, 2, 2, 2]]), x[:1] * 0 + 1), ints)


def test_in_place_twins():
    for lib in (torch, vt):
        x = lib.zeros(2, 3)
        x.index_add_(1, T(lib, [0, 0]), lib.ones(2, 2))
        x.index_copy_(0, T(lib, [1]), lib.full((1, 3), 5.0))
        x.masked_scatter_(T(lib, [True, False, False]), T(lib, [7.0, 8.0], lib.float32))
        x.put_(T(lib, [2]), T(lib, [9.0], lib.float32))
        assert x.tolist() == [[7.0, 0.0, 9.0], [8.0, 5.0, 5.0]]


# ---- errors: torch's exception types ----------------------------------------------------------


def _x(L):
    return L.zeros(3, 4)


def _i(L):
    return T(L, [[0, 1], [2, 0]])


ERRORS = [
    lambda L: _x(L).scatter(1, _i(L), L.ones(2, 2, dtype=L.float64)),
    lambda L: _x(L).scatter_add(1, _i(L), L.ones(2, 2, dtype=L.float64)),
    lambda L: _x(L).scatter(1, _i(L), L.ones(1, 1)),
    lambda L: _x(L).scatter(1, _i(L), L.tensor(2.0)),
    lambda L: _x(L).scatter(1, T(L, [[5]]), 2.0),
    lambda L: _x(L).scatter(1, T(L, [[-1]]), 2.0),
    lambda L: _x(L).gather(1, T(L, [[-1]])),
    lambda L: _x(L).gather(1, T(L, [1])),
    lambda L: _x(L).scatter(1, T(L, [[0.0]]), 2.0),
    lambda L: _x(L).scatter_reduce(1, T(L, [[0]]), L.ones(1, 1), "foo"),
    lambda L: _x(L).scatter_reduce(1, T(L, [[0]]), L.ones(1, 1, dtype=L.float64), "sum"),
    lambda L: _x(L).index_select(0, T(L, [[1]])),
    lambda L: _x(L).index_select(0, T(L, [3])),
    lambda L: _x(L).index_select(0, T(L, [-1])),
    lambda L: _x(L).index_select(0, T(L, [1.0])),
    lambda L: _x(L).index_select(2, T(L, [0])),
    lambda L: _x(L).index_add(0, T(L, [0, 0]), L.ones(2, 4, dtype=L.float64)),
    lambda L: _x(L).index_add(0, T(L, [0, 0]), L.ones(2, 3)),
    lambda L: _x(L).index_add(0, T(L, [0, 1]), L.ones(3, 4)),
    lambda L: _x(L).index_add(0, T(L, [0, 5]), L.ones(2, 4)),
    lambda L: _x(L).index_copy(0, T(L, [0, -1]), L.ones(2, 4)),
    lambda L: _x(L).index_copy(0, T(L, [0, 2], L.int32), L.ones(2, 4)),
    lambda L: _x(L).index_fill(0, T(L, [0, 2], L.int32), 1.0),
    lambda L: _x(L).masked_select(T(L, [1, 0, 1, 1])),
    lambda L: _x(L).masked_scatter(L.ones(3, 4, dtype=L.bool), L.ones(11)),
    lambda L: _x(L).masked_scatter(L.ones(4, dtype=L.bool), L.ones(20, dtype=L.float64)),
    lambda L: _x(L).masked_scatter(T(L, [1, 0, 1, 1]), L.ones(20)),
    lambda L: _x(L).take(T(L, [12])),
    lambda L: _x(L).take(T(L, [-13])),
    lambda L: _x(L).take(T(L, [1], L.int32)),
    lambda L: _x(L).take_along_dim(T(L, [0, 2]), 1),
    lambda L: _x(L).take_along_dim(T(L, [[0], [1]]), 1),
    lambda L: L.put(_x(L), T(L, [0, 1]), T(L, [9.0, 8.0, 7.0], L.float32)),
    lambda L: L.put(_x(L), T(L, [0, 12]), T(L, [9.0, 8.0], L.float32)),
    lambda L: L.put(_x(L), T(L, [0, 1]), T(L, [9.0, 8.0], L.float64)),
    lambda L: _x(L).topk(5),
    lambda L: _x(L).topk(-1),
    lambda L: _x(L).kthvalue(5),
    lambda L: _x(L).kthvalue(0),
    lambda L: _x(L).sort(2),
    lambda L: L.searchsorted(T(L, [1.0, 2.0]), T(L, [1.0]), side="left", right=True),
    lambda L: L.searchsorted(T(L, [1.0, 2.0]), T(L, [1.0]), side="foo"),
    lambda L: L.searchsorted(T(L, [[1.0, 2.0], [3.0, 4.0]]), T(L, [1.5])),
    lambda L: L.bucketize(T(L, [3.0]), T(L, [[1.0]])),
    lambda L: L.histc(T(L, [1, 2]), bins=4),
    lambda L: L.histc(T(L, [1.0]), bins=0),
    lambda L: L.histc(T(L, [1.0]), bins=4, min=3, max=1),
    lambda L: L.bincount(T(L, [0, -1])),
    lambda L: L.bincount(T(L, [[0, 1]])),
    lambda L: L.bincount(T(L, [0.0, 1.0])),
    lambda L: L.bincount(T(L, [0, 1]), weights=L.ones(3)),
    lambda L: L.unique(L.zeros(2, 2), dim=2),
    lambda L: _x(L)[5],
    lambda L: _x(L)[[5]],
    lambda L: _x(L)[0, 0, 0],
    lambda L: _x(L)[[0, 1], [0, 1, 2]],
    lambda L: _x(L)[False, [0, 1]],
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
