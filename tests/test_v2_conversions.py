"""Conversions between tensors, NumPy arrays and Python values against torch: dtypes inferred,
memory shared where torch shares it, and torch's exception types."""

import math

import numpy as np
import pytest
import torch

import v2_tensor as vt
from tests.v2_cases import assert_same, outcome

# torch warns when a tensor that requires grad becomes a Python number (tensor([t, 2.0]))
pytestmark = pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")


def _memory(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.array


@pytest.mark.parametrize(
    "make",
    [
        lambda L, a: L.from_numpy(a),
        lambda L, a: L.as_tensor(a),
        lambda L, a: L.as_tensor(a, dtype=L.float64),
        lambda L, a: L.asarray(a),
        lambda L, a: L.asarray(a, copy=False),
        lambda L, a: L.asarray(a, requires_grad=True),
        lambda L, a: L.asarray(a, copy=True),
        lambda L, a: L.as_tensor(a, dtype=L.float32),
        lambda L, a: L.asarray(a, dtype=L.float32),
        lambda L, a: L.tensor(a),
        lambda L, a: L.from_numpy(a[::2]),
        lambda L, a: L.from_numpy(a.reshape(2, 3).T),
    ],
)
def test_memory_is_shared_exactly_where_torch_shares_it(make):
    assert_same(lambda L: make(L, np.arange(6.0)))  # the same dtype, shape, requires_grad
    shared = []
    for L in (torch, vt):
        a = np.arange(6.0)
        t = make(L, a)
        shared.append(np.shares_memory(_memory(t), a))
        if shared[-1]:  # a change through the array is seen by the tensor
            a.reshape(-1)[0] = 42.0
            assert _memory(t).reshape(-1)[0] == 42.0
    assert shared[0] == shared[1], f"torch shares: {shared[0]}, v2_tensor shares: {shared[1]}"


def test_shared_tensor_sees_in_place_changes_and_numpy_shares_back():
    a = np.zeros(3)
    t = vt.from_numpy(a)
    t.add_(1.0)
    np.testing.assert_array_equal(a, [1, 1, 1])
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)
    t.numpy()[1] = 5
    assert t.tolist() == [1.0, 5.0, 1.0]
    assert vt.as_tensor(t) is t and vt.asarray(t) is t
    assert vt.asarray(t, copy=True) is not t and not np.shares_memory(
        vt.asarray(t, copy=True).array, a
    )


def test_asarray_requires_grad_marks_the_tensor_itself():
    for L in (torch, vt):
        t = L.tensor([1.0, 2.0])
        assert L.asarray(t, requires_grad=True) is t and t.requires_grad


CASES = {
    "tensor_of_0d_tensors": lambda L: L.tensor([L.tensor(1.0), L.tensor(2.0)]),
    "tensor_of_one_element_tensors": lambda L: L.tensor([L.tensor([1.0]), L.tensor([2.0])]),
    "tensor_nested_mixed": lambda L: L.tensor([[L.tensor(1), 2], [3, L.tensor(4.5)]]),
    "tensor_float64_item": lambda L: L.tensor([L.tensor(1, dtype=L.float64), 2.0]),
    "tensor_int32_item": lambda L: L.tensor([L.tensor(1, dtype=L.int32), 2]),
    "tensor_int8_uint8": lambda L: L.tensor(
        [L.tensor(1, dtype=L.int8), L.tensor(2, dtype=L.uint8)]
    ),
    "tensor_bool_and_int": lambda L: L.tensor([L.tensor(True), 2]),
    "tensor_half_and_int": lambda L: L.tensor([L.tensor(1.5, dtype=L.float16), 2]),
    "tensor_half_and_float": lambda L: L.tensor([L.tensor(1.5, dtype=L.float16), 2.5]),
    "tensor_tuple_of_tensors": lambda L: L.tensor((L.tensor(1), L.tensor(2))),
    "tensor_items_need_no_grad": lambda L: L.tensor([L.tensor(1.5, requires_grad=True), 2.0]),
    "tensor_of_tensors_dtype": lambda L: L.tensor([L.tensor(1), L.tensor(2)], dtype=L.float64),
    "tensor_many_element_ints": lambda L: L.tensor([L.tensor([1, 2]), L.tensor([3, 4])]),
    "tensor_many_element_floats": lambda L: L.tensor([L.tensor([1.5, 2.0])]),
    "tensor_numpy_float32": lambda L: L.tensor([np.float32(1.5)]),
    "tensor_numpy_int32": lambda L: L.tensor([np.int32(1)]),
    "tensor_array": lambda L: L.tensor(np.arange(3.0)),
    "tensor_int_and_float": lambda L: L.tensor([1, 2.0]),
    "tensor_bool_and_int_list": lambda L: L.tensor([True, 2]),
    "tensor_range": lambda L: L.tensor(range(3)),
    "tensor_empty": lambda L: L.tensor(()),
    "tensor_empty_nested": lambda L: L.tensor([[]]),
    "tensor_ragged": lambda L: L.tensor([[1, 2], [3]]),
    "tensor_string": lambda L: L.tensor("a"),
    "tensor_float_to_int": lambda L: L.tensor([1.5, -2.5], dtype=L.int64),
    "tensor_int_beyond_int64": lambda L: L.tensor([1, 2**63]),
    "tensor_int_below_int64": lambda L: L.tensor(-(2**63) - 1),
    "tensor_int_beyond_uint64": lambda L: L.tensor([[1], [2**64]]),
    "tensor_int64_extremes": lambda L: L.tensor([-(2**63), 2**63 - 1]),
    "tensor_big_int_beside_float": lambda L: L.tensor([1.5, 2**63]),
    "tensor_big_int_as_float": lambda L: L.tensor([1, 2**63], dtype=L.float64),
    "as_tensor_list": lambda L: L.as_tensor([1, 2.5]),
    "as_tensor_int": lambda L: L.as_tensor(3),
    "as_tensor_tuple": lambda L: L.as_tensor((1, 2)),
    "as_tensor_dtype": lambda L: L.as_tensor(np.arange(3.0), dtype=L.float32),
    "as_tensor_of_graph_tensor": lambda L: L.as_tensor(
        L.ones(2, requires_grad=True) * 2, dtype=L.float64
    ),
    "asarray_list": lambda L: L.asarray([1.0, 2.0]),
    "asarray_int": lambda L: L.asarray(3),
    "asarray_float": lambda L: L.asarray(3.5),
    "asarray_bools": lambda L: L.asarray([True, False]),
    "asarray_numpy_scalar": lambda L: L.asarray(np.float64(2.5)),
    "asarray_dtype": lambda L: L.asarray([[1, 2], [3, 4]], dtype=L.float16),
    "asarray_float_requires_grad": lambda L: L.asarray([1.0, 2], requires_grad=True),
    "asarray_int_requires_grad": lambda L: L.asarray([1, 2], requires_grad=True),
    "asarray_list_no_copy": lambda L: L.asarray([1, 2], copy=False),
    "asarray_cast_no_copy": lambda L: L.asarray(np.arange(3.0), dtype=L.float32, copy=False),
    "asarray_tensor_cast_no_copy": lambda L: L.asarray(L.ones(2), dtype=L.float64, copy=False),
    "asarray_tensor_dtype": lambda L: L.asarray(L.ones(2), dtype=L.float64),
    "from_numpy_list": lambda L: L.from_numpy([1.0]),
    "from_numpy_scalar": lambda L: L.from_numpy(np.float64(2.0)),
    "from_numpy_strings": lambda L: L.from_numpy(np.array(["a"])),
    "from_numpy_float16": lambda L: L.from_numpy(np.ones(2, dtype=np.float16)),
    "from_numpy_bool": lambda L: L.from_numpy(np.ones(2, dtype=bool)),
}


@pytest.mark.parametrize("name", CASES)
def test_conversions_match_torch(name):
    assert_same(CASES[name])


PYTHON_VALUES = {
    "item_float": lambda L: L.tensor([2.5]).item(),
    "item_int8": lambda L: L.tensor(3, dtype=L.int8).item(),
    "item_bool": lambda L: L.tensor([True]).item(),
    "item_half": lambda L: L.tensor(2.5, dtype=L.float16).item(),
    "item_requires_grad": lambda L: L.tensor([2.5], requires_grad=True).item(),
    "item_many": lambda L: L.tensor([1.0, 2.0]).item(),
    "item_none": lambda L: L.tensor([]).item(),
    "float_many": lambda L: float(L.tensor([1.0, 2.0])),
    "int_of_float": lambda L: int(L.tensor([2.7])),
    "float_of_int": lambda L: float(L.tensor(3)),
    "bool_many": lambda L: bool(L.tensor([1, 2])),
    "tolist_nested": lambda L: L.tensor([[1, 2]]).tolist(),
    "tolist_0d": lambda L: L.tensor(3).tolist(),
    "tolist_bools": lambda L: L.tensor([True, False]).tolist(),
    "tolist_float32": lambda L: L.tensor([0.1], dtype=L.float32).tolist(),
    "tolist_requires_grad": lambda L: L.tensor([1.0, 2.0], requires_grad=True).tolist(),
    "tolist_empty": lambda L: L.zeros(2, 0).tolist(),
    "tolist_special": lambda L: L.tensor([math.inf, -math.inf]).tolist(),
    "numpy_requires_grad": lambda L: L.tensor([1.0], requires_grad=True).numpy(),
    "numpy_force": lambda L: L.tensor([1.0], requires_grad=True).numpy(force=True).tolist(),
    "numpy_dtype": lambda L: str(L.tensor([1, 2], dtype=L.int16).numpy().dtype),
    "numpy_of_graph_tensor": lambda L: (L.ones(2, requires_grad=True) * 2).numpy(),
    "detach_numpy": lambda L: (L.ones(2, requires_grad=True) * 2).detach().numpy().tolist(),
}


@pytest.mark.parametrize("name", PYTHON_VALUES)
def test_python_values_match_torch(name):
    assert_same(PYTHON_VALUES[name])


def test_tolist_types_are_python_types():
    for dtype, kind in ((vt.float32, float), (vt.int8, int), (vt.bool, bool), (vt.float16, float)):
        value = vt.zeros(2, dtype=dtype).tolist()[0]
        assert type(value) is kind
    _, error = outcome(vt, lambda L: L.tensor([L.tensor([1, 2])]))
    assert "stack" in str(error)
