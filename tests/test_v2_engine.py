"""The Tensor itself: construction and dtypes (torch's promotion rules), conversion, printing,
creation functions, the random generator and the errors of bad input."""

import numpy as np
import pytest
import torch

import v2_tensor as vt

rng = np.random.default_rng(3)


def test_tensor_dtypes_follow_torch():
    assert vt.tensor(1.5).dtype == vt.float32
    assert vt.tensor([1.0, 2.0]).dtype == vt.float32
    assert vt.tensor([1, 2]).dtype == vt.int64
    assert vt.tensor([True, False]).dtype == vt.bool
    assert vt.tensor([1, 2.5]).dtype == vt.float32
    assert vt.tensor(np.zeros(2, np.float64)).dtype == vt.float64
    assert vt.tensor(np.zeros(2, np.float32)).dtype == vt.float32
    assert vt.tensor(np.int32(3)).dtype == vt.int32
    assert vt.tensor([1, 2], dtype=vt.float64).dtype == vt.float64
    assert vt.tensor(vt.tensor([1.0])).dtype == vt.float32


def test_tensor_copies_and_Tensor_wraps():
    array = np.zeros(3, np.float32)
    copied, wrapped = vt.tensor(array), vt.Tensor(array)
    array[0] = 1.0
    assert copied.array[0] == 0.0 and wrapped.array[0] == 1.0
    assert wrapped.array is array


def test_non_numeric_data_is_a_type_error():
    for bad in (["a", "b"], "text", None, {"a": 1}, [1, "2"], object()):
        with pytest.raises(TypeError):
            vt.tensor(bad)
    with pytest.raises(TypeError):
        vt.tensor([1.0]) + "x"
    with pytest.raises(TypeError):
        vt.tensor([1, 2], dtype="complex128")
    with pytest.raises(TypeError):
        vt.tensor("1.5", dtype=vt.float32)
    with pytest.raises(ValueError, match="inhomogeneous"):
        vt.tensor([[1.0, 2.0], [3.0]])


def test_only_floating_tensors_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        vt.tensor([1, 2], requires_grad=True)
    assert vt.tensor([1.0], requires_grad=True).requires_grad
    x = vt.tensor([1.0]).requires_grad_()
    assert x.requires_grad and x.is_leaf


PROMOTION_CASES = [
    (np.float32, np.float32),
    (np.float32, np.float64),
    (np.int64, np.float32),
    (np.int32, np.float64),
    (np.int64, np.int32),
    (np.bool_, np.float32),
    (np.bool_, np.int64),
    (np.uint8, np.int8),
]


@pytest.mark.parametrize(("a", "b"), PROMOTION_CASES)
@pytest.mark.parametrize("op", ["add", "mul", "sub", "maximum"])
def test_promotion_between_tensors_matches_torch(a, b, op):
    if op == "sub" and np.bool_ in (a, b):
        return  # torch refuses bool subtraction
    x, y = np.ones(3, a), np.ones(3, b)
    got = getattr(vt, op)(vt.tensor(x), vt.tensor(y))
    expected = getattr(torch, op)(torch.tensor(x), torch.tensor(y))
    assert str(got.dtype) == str(expected.dtype).removeprefix("torch.")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.bool_])
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_promotion_with_python_scalars_matches_torch(dtype, scalar):
    x = np.ones(3, dtype)
    if dtype is np.bool_ and scalar is True:
        return
    for fn in (lambda t: t * scalar, lambda t: scalar + t, lambda t: t / scalar):
        got, expected = fn(vt.tensor(x)), fn(torch.tensor(x))
        assert str(got.dtype) == str(expected.dtype).removeprefix("torch."), fn


def test_zero_dim_tensors_promote_like_scalars():
    x = vt.ones(3)  # float32
    assert (x * vt.tensor(2.0, dtype=vt.float64)).dtype == vt.float32
    assert (vt.tensor([1, 2]) * vt.tensor(2.5, dtype=vt.float64)).dtype == vt.float64
    assert (vt.tensor([1, 2]) / vt.tensor([2, 4])).dtype == vt.float32  # true division


def test_where_dtypes_match_torch():
    mask = np.array([True, False])
    for a, b in [(1.0, 0.0), (1, 0), (1, 2.5), (np.ones(2, np.float64), 0.5), (np.ones(2, int), 2)]:
        got = vt.where(vt.tensor(mask), vt.tensor(a) if np.ndim(a) else a, b)
        expected = torch.where(torch.tensor(mask), torch.tensor(a) if np.ndim(a) else a, b)
        assert str(got.dtype) == str(expected.dtype).removeprefix("torch."), (a, b)
        np.testing.assert_array_equal(got.array, expected.numpy())
    with pytest.raises(TypeError, match="expected a Tensor"):
        vt.add(2, 3)


def test_float32_stays_float32_through_every_op():
    x = vt.tensor(rng.uniform(0.5, 1.5, (4, 3)).astype(np.float32), requires_grad=True)
    w = vt.tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    parts = [
        x + 1, 2 - x, x * 0.5, x / 3, x**2, 1.5**x, -x, x.exp(), x.log(), x.sqrt(),
        x.tanh(), x.sigmoid(), x.relu(), x.abs(), x.clamp(0.6, 1.2), x.sin(), x.cos(),
        x.clamp(min=1.0), vt.minimum(x, x.T.T), vt.where(x > 1, x, 0.0),
        x.sum(0), x.mean(1), x.max(), x.max(0).values, x.amax(1), x.var(0), x.std(),
        x.logsumexp(1), x.softmax(1), x.log_softmax(0), x @ w, x.reshape(12),
        x.permute(1, 0), x.unsqueeze(0), x.expand(2, 4, 3), x[1:, [0, 0]], x[x > 1],
        vt.cat([x, x], 0), vt.stack([x, x]), x.split(2)[0], vt.pad(x, (1, 1)),
        x.gather(1, vt.tensor([[0], [1], [2], [0]])),
    ]  # fmt: skip
    total = vt.tensor(0.0)
    for part in parts:
        assert part.dtype == vt.float32, part.grad_fn
        total = total + part.sum()
    assert total.dtype == vt.float32
    total.backward()
    assert x.grad.dtype == vt.float32 and w.grad.dtype == vt.float32


def test_int_tensor_math_gives_float32_like_torch():
    i = vt.tensor([1, 2, 3])
    assert i.exp().dtype == vt.float32
    assert (i * 0.5).dtype == vt.float32
    assert (i + 1).dtype == vt.int64
    assert i.sum().dtype == vt.int64
    with pytest.raises(RuntimeError, match="floating"):
        i.mean()


def test_broadcast_mismatch_is_a_runtime_error_naming_op_and_shapes():
    """torch raises RuntimeError ("The size of tensor a (3) must match ..."); so do we."""
    a = vt.ones(2, 3, requires_grad=True)
    b = vt.ones(4)
    for op, call in [("add", lambda: a + b), ("mul", lambda: a * b), ("sub", lambda: b - a)]:
        with pytest.raises(RuntimeError, match=rf"{op}: the size of tensor a .*shapes"):
            call()
    with pytest.raises(RuntimeError, match=r"where"):
        vt.where(vt.ones(5) > 0, a, 0.0)
    assert a.grad is None


def test_matmul_shape_errors_name_both_shapes():
    a = vt.ones(2, 3)
    for other, pattern in [
        (vt.ones(4, 5), r"matmul: shapes \(2, 3\) and \(4, 5\)"),
        (vt.ones(4), r"matmul: shapes \(2, 3\) and \(4,\)"),
        (vt.ones(5, 2, 2), r"matmul: shapes \(2, 3\) and \(5, 2, 2\)"),
    ]:
        with pytest.raises(RuntimeError, match=pattern):
            a @ other
    with pytest.raises(RuntimeError, match="batch dims"):
        vt.ones(2, 2, 3) @ vt.ones(3, 3, 1)
    with pytest.raises(RuntimeError, match="at least 1 dim"):
        vt.tensor(1.0) @ vt.ones(2)


def test_matmul_of_two_dtypes_is_refused_as_torch_does():
    with pytest.raises(RuntimeError):
        torch.ones(2, 3, dtype=torch.float32) @ torch.ones(3, 2, dtype=torch.float64)
    weight = vt.ones(3, 2, requires_grad=True)  # float32, as a model's weights
    with pytest.raises(RuntimeError, match=r"float64 \(shape \(2, 3\)\) and float32"):
        vt.ones(2, 3, dtype=vt.float64) @ weight
    assert weight.grad is None


def test_conversions():
    x = vt.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.shape == (2, 2) and x.ndim == 2 and x.numel() == 4 and x.size(1) == 2 and len(x) == 2
    assert x.sum().item() == 10.0 and isinstance(x.sum().item(), float)
    assert float(x[0, 1]) == 2.0 and int(x[1, 1]) == 4
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    np.testing.assert_array_equal(np.asarray(x), x.array)
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert [row.tolist() for row in x] == [[1.0, 2.0], [3.0, 4.0]]
    assert bool(vt.tensor([1.0])) and not bool(vt.tensor(0.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    with pytest.raises(RuntimeError, match="4 elements"):  # as torch
        x.item()
    with pytest.raises(ValueError, match=r"\(2, 2\)"):  # float() and int() as torch
        float(x)
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        int(x)
    with pytest.raises(RuntimeError, match="detach"):
        vt.ones(2, requires_grad=True).numpy()
    assert x.numpy() is x.array
    assert x.to(vt.float64).dtype == vt.float64 and x.double().float().dtype == vt.float32
    assert x.long().dtype == vt.int64
    y = np.ones((2, 2)) + x  # NumPy defers to Tensor's operators
    assert isinstance(y, vt.Tensor)


def test_cast_is_differentiable():
    x = vt.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == vt.float32
    np.testing.assert_array_equal(x.grad.array, [3.0, 3.0])


def test_repr_like_torch():
    assert repr(vt.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(vt.tensor([1.0, 2.5], requires_grad=True)) == (
        "tensor([1.0, 2.5], requires_grad=True)"
    )
    assert repr(vt.tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=float64" in repr(vt.tensor([1.0], dtype=vt.float64))
    assert repr(vt.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward>)"
    assert "\n        [" in repr(vt.zeros(2, 2))


def test_comparisons_and_logic_give_bool_tensors():
    a, b = vt.tensor([1.0, 2.0, 3.0]), vt.tensor([2.0])
    assert (a < b).tolist() == [True, False, False]
    assert (a >= 2).tolist() == [False, True, True]
    assert (a == b).tolist() == [False, True, False]
    assert (a != 2.0).dtype == vt.bool
    assert ((a > 1) & (a < 3)).tolist() == [False, True, False]
    assert ((a < 2) | (a > 2)).tolist() == [True, False, True]
    assert (~(a > 1)).tolist() == [True, False, False]
    assert not (a > 1).requires_grad
    with pytest.raises(RuntimeError, match="shapes"):
        _ = a < vt.ones(2)


def test_tensors_are_hashable_by_identity():
    a, b = vt.ones(2), vt.ones(2)
    assert len({a, b, a}) == 2


def test_creation_functions():
    assert vt.zeros(2, 3).shape == (2, 3) and vt.zeros((2, 3)).dtype == vt.float32
    assert vt.ones(2, dtype=vt.float64).dtype == vt.float64
    assert vt.full((2,), 7).dtype == vt.int64 and vt.full((2,), 7.0).dtype == vt.float32
    assert vt.full((2,), True).dtype == vt.bool
    np.testing.assert_array_equal(vt.full((2, 2), 0.5).array, np.full((2, 2), 0.5))
    x = vt.tensor([[1, 2]], dtype=vt.float64)
    assert vt.zeros_like(x).dtype == vt.float64 and vt.ones_like(x).shape == (1, 2)
    assert vt.zeros(2, requires_grad=True).requires_grad
    for args in [(5,), (1, 4), (0, 1, 0.25), (2.0, 5.0), (5, 1, -2)]:
        got, expected = vt.arange(*args), torch.arange(*args)
        np.testing.assert_allclose(got.array, expected.numpy())
        assert str(got.dtype) == str(expected.dtype).removeprefix("torch.")
    assert vt.eye(3).array.trace() == 3.0
    with pytest.raises(RuntimeError):  # torch: "Dimension size must be non-negative"
        vt.zeros(-1)


def test_manual_seed_makes_draws_repeat():
    vt.manual_seed(123)
    a, b = vt.rand(3, 4), vt.randn(5)
    generator = vt.random.generator()
    vt.manual_seed(123)
    np.testing.assert_array_equal(vt.rand(3, 4).array, a.array)
    np.testing.assert_array_equal(vt.randn(5).array, b.array)
    assert vt.random.generator() is generator  # reseeded in place
    assert a.dtype == vt.float32 and np.all((a.array >= 0) & (a.array < 1))
    assert vt.randn(2, dtype=vt.float64).dtype == vt.float64
    assert sorted(vt.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    draws = vt.randint(3, 6, (100,))
    assert draws.dtype == vt.int64 and set(draws.tolist()) <= {3, 4, 5}
    with pytest.raises(TypeError):  # torch reads a seed with int(): 1.5 is seed 1, None fails
        vt.manual_seed(None)
