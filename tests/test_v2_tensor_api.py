"""The Tensor as torch's: .data, devices, dtype names and promotion, bitwise ops, singular
points without NumPy warnings, memory freed by backward, and the one op table."""

import gc
import warnings
import weakref

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import v2_tensor as vt
from tests.v2_parity import check

# ---- .data ---------------------------------------------------------------------------------


def test_data_is_a_tensor_on_the_same_memory_without_history():
    p = vt.tensor([1.0, 2.0], requires_grad=True)
    d = p.data
    assert isinstance(d, vt.Tensor) and not d.requires_grad and d.is_leaf
    d.add_(1.0)  # the manual-update idiom of torch code: p.data.add_(p.grad, alpha=-lr)
    np.testing.assert_array_equal(p.array, [2.0, 3.0])
    p.data.normal_(0, 0.02)
    p.data.copy_(vt.tensor([5.0, 6.0]))
    p.data.zero_()
    np.testing.assert_array_equal(p.array, [0.0, 0.0])
    p.data = vt.tensor([7.0, 8.0, 9.0])  # assignment swaps the storage, as in torch
    assert p.shape == (3,) and p.requires_grad and p.is_leaf


def test_numpy_shares_memory_and_refuses_a_tensor_that_requires_grad():
    x = vt.zeros(3)
    x.numpy()[0] = 4.0
    assert x.array[0] == 4.0
    with pytest.raises(RuntimeError, match="detach"):
        vt.zeros(2, requires_grad=True).numpy()


def test_from_numpy_shares_memory_and_tensor_copies():
    array = np.zeros(3, np.float32)
    shared, copied = vt.from_numpy(array), vt.tensor(array)
    array[0] = 1.0
    assert shared.array[0] == 1.0 and copied.array[0] == 0.0


# ---- devices -------------------------------------------------------------------------------


def test_cpu_is_the_one_device_as_torch_names_it():
    x = vt.zeros(2, device="cpu")
    assert x.device == vt.device("cpu") and str(x.device) == "cpu" and not x.is_cuda
    assert repr(vt.device("cuda", 1)) == "device(type='cuda', index=1)"
    assert x.to("cpu") is x and x.cpu() is x and x.to(vt.device("cpu")) is x
    assert vt.cuda.is_available() is False and vt.accelerator.is_available() is False
    device = vt.device("cuda" if vt.cuda.is_available() else "cpu")
    for factory in (vt.zeros, vt.ones, vt.empty, vt.rand, vt.randn):
        assert factory(2, 3, device=device).shape == (2, 3)
    assert vt.arange(5, device=device).tolist() == [0, 1, 2, 3, 4]
    assert vt.tensor([1.0], device=device).device == device
    assert vt.full((2,), 1.0, device="cpu:0").shape == (2,)


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps", "meta"])
def test_other_devices_are_refused_with_the_reason(name):
    with pytest.raises(RuntimeError, match="computes on the CPU with NumPy"):
        vt.zeros(2, device=name)
    with pytest.raises(RuntimeError, match="computes on the CPU with NumPy"):
        vt.zeros(2).to(name)
    with pytest.raises(RuntimeError, match="computes on the CPU"):
        vt.zeros(2).cuda()


def test_an_unknown_device_string_is_torchs_error():
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        vt.device("gpu")
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        torch.device("gpu")


# ---- dtypes --------------------------------------------------------------------------------


def test_torch_dtype_names():
    assert vt.float is vt.float32 and vt.double is vt.float64 and vt.half is vt.float16
    assert vt.long is vt.int64 and vt.int is vt.int32 and vt.short is vt.int16
    x = vt.tensor([1.5, -2.5])
    assert x.long().dtype == vt.int64 and x.int().dtype == vt.int32 and x.half().dtype == vt.half
    assert x.double().dtype == vt.double and x.bool().dtype == vt.bool
    assert x.type() == "torch.FloatTensor" and x.type(vt.float64).dtype == vt.float64
    assert x.to(vt.float64).dtype == vt.float64 and x.to("cpu", vt.int64).dtype == vt.int64
    assert x.to(vt.zeros(1, dtype=vt.float16)).dtype == vt.float16
    assert x.is_floating_point() and not x.long().is_floating_point()
    assert x.to(vt.float32) is x and x.to(vt.float32, copy=True) is not x


def test_view_as_a_dtype_reinterprets_the_bytes():
    x = vt.ones(2)
    y = x.view(vt.int32)
    assert y.dtype == vt.int32 and y.tolist() == [1065353216, 1065353216]
    assert vt.zeros(3, dtype=vt.int64).view(vt.int32).shape == (6,)
    assert x.view(vt.int32).tolist() == torch.ones(2).view(torch.int32).tolist()


def test_default_dtype_can_be_set():
    assert vt.get_default_dtype() == vt.float32
    try:
        vt.set_default_dtype(vt.float64)
        assert vt.tensor([1.5]).dtype == vt.float64 and vt.zeros(2).dtype == vt.float64
        assert vt.arange(0.0, 1.0, 0.5).dtype == vt.float64
    finally:
        vt.set_default_dtype(vt.float32)
    with pytest.raises(TypeError, match="floating point"):
        vt.set_default_dtype(vt.int64)


def test_finfo_and_iinfo():
    assert vt.finfo(vt.float32).eps == torch.finfo(torch.float32).eps
    assert vt.finfo(vt.float64).max == torch.finfo(torch.float64).max
    assert float(vt.finfo(vt.float16).tiny) == torch.finfo(torch.float16).tiny
    assert vt.iinfo(vt.int64).max == torch.iinfo(torch.int64).max
    assert vt.iinfo(vt.uint8).min == 0


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
OPERANDS = st.one_of(
    st.tuples(st.sampled_from(DTYPES), st.sampled_from([0, 1])),  # (dtype, ndim) of a tensor
    st.sampled_from([True, 3, 2.5]),  # a Python scalar
)


def _operand(lib, spec):
    if not isinstance(spec, tuple):
        return spec
    name, ndim = spec
    shape = (2,) if ndim else ()
    return lib.ones(shape, dtype=getattr(lib, name))


@given(a=OPERANDS, b=OPERANDS, op=st.sampled_from(["add", "mul", "maximum", "where"]))
def test_type_promotion_matches_torch(a, b, op):
    if not isinstance(a, tuple) and not isinstance(b, tuple):
        return  # two Python scalars: not a tensor op

    def run(lib):
        x, y = _operand(lib, a), _operand(lib, b)
        if op == "where":
            condition = lib.ones((2,), dtype=lib.bool)
            if not isinstance(x, vt.Tensor | torch.Tensor):
                x = lib.tensor(x)
            return lib.where(condition, x, y)
        if op == "maximum":
            x = x if isinstance(x, vt.Tensor | torch.Tensor) else lib.tensor(x)
            y = y if isinstance(y, vt.Tensor | torch.Tensor) else lib.tensor(y)
        return getattr(lib, op)(x, y)

    try:
        expected = run(torch)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            run(vt)
        return
    got = run(vt)
    assert str(got.dtype) == str(expected.dtype).removeprefix("torch."), (a, b, op)


# ---- bitwise -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_bitwise_operators_compute_bits_on_integers_and_logic_on_bools(dtype):
    a_values, b_values = (
        ([5, 3, 12, 0], [6, 1, 10, 7]) if dtype != "bool" else ([1, 0, 1, 0], [1, 1, 0, 0])
    )
    results = []
    for lib in (vt, torch):
        a = lib.tensor(a_values, dtype=getattr(lib, dtype))
        b = lib.tensor(b_values, dtype=getattr(lib, dtype))
        row = [a & b, a | b, a ^ b, ~a, lib.bitwise_and(a, 3 if dtype != "bool" else True)]
        if dtype != "bool":
            row += [
                a << 2,
                a >> 1,
                lib.bitwise_left_shift(a, lib.tensor([1, 2, 0, 1], dtype=a.dtype)),
            ]
        results.append(
            [np.asarray(t.array if isinstance(t, vt.Tensor) else t.numpy()) for t in row]
        )
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_array_equal(ours, theirs)
        assert ours.dtype == theirs.dtype


def test_bitwise_on_floats_is_refused_as_torch():
    for lib in (vt, torch):
        with pytest.raises(RuntimeError):
            lib.ones(2) & lib.ones(2)


# ---- singular points -----------------------------------------------------------------------


def test_masks_select_so_relu_then_sqrt_gives_zero_not_nan():
    check(lambda L, x: x.relu().sqrt(), np.array([-1.0, 0.0, 2.0]))
    check(lambda L, x: x.clamp(min=0).sqrt(), np.array([-1.0, 0.0, 2.0]))
    check(lambda L, x: L.where(x > 0, x, 0.0).sqrt(), np.array([-1.0, 0.0, 2.0]))


@pytest.mark.parametrize(
    "fn",
    [
        lambda L, x: x.log(),
        lambda L, x: 1.0 / x,
        lambda L, x: x.sqrt(),
        lambda L, x: x**-1.0,
        lambda L, x: (x - 1).log().exp(),
    ],
)
def test_no_numpy_warning_where_torch_is_silent(fn):
    """log 0 = -inf, 1/0 = inf, sqrt'(0) = inf: values as torch's and no RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(fn, np.array([0.0, 1.0, 4.0]))


# ---- memory --------------------------------------------------------------------------------


def test_backward_frees_every_saved_array_though_the_root_lives_on():
    gc.disable()
    try:
        x = vt.tensor(np.random.default_rng(0).standard_normal((50, 50)), requires_grad=True)
        h = x
        for _ in range(5):
            h = (h * 1.5).tanh()
        loss = (h @ h.T).sum()
        saved = []
        stack = [loss.grad_fn]
        while stack:
            node = stack.pop()
            for entry in node.saved:
                if isinstance(entry[1], np.ndarray) and entry[1] is not x.array:
                    saved.append(weakref.ref(entry[1]))
            stack += [target for _, target, *_ in node.edges if not isinstance(target, vt.Tensor)]
        del h
        assert saved and all(ref() is not None for ref in saved)
        loss.backward()
        assert all(ref() is None for ref in saved)  # loss, its nodes and x remain
        assert loss.grad_fn is not None and x.grad is not None
    finally:
        gc.enable()


def test_forward_keeps_only_what_backward_needs():
    """An intermediate that no backward saves is freed as soon as the user drops it."""
    x = vt.tensor(np.ones((10, 10)), requires_grad=True)
    a = x + 1.0  # Add saves nothing; the next op, Sum, saves nothing either
    probe = weakref.ref(a.array)
    total = a.sum()
    del a
    assert probe() is None
    total.backward()
    np.testing.assert_array_equal(x.grad.array, np.ones((10, 10)))


# ---- the op table ------------------------------------------------------------------------


def test_every_table_op_is_a_function_and_marked_ones_are_methods():
    from v2_tensor.ops import INPLACE, METHOD, NO_FUNCTION, PROPERTY, TABLE

    for name, (function, flags) in TABLE.items():
        if not flags & NO_FUNCTION:
            assert getattr(vt, name) is function, name
        if flags & (METHOD | PROPERTY):
            assert name in vars(vt.Tensor), name
        if flags & INPLACE:
            assert callable(getattr(vt.Tensor, name + "_")), name


def test_the_engine_sums_broadcast_gradients_so_a_custom_op_need_not():
    class Scale(vt.Function):  # returns d/db in the broadcast shape on purpose
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * a

    a = vt.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = vt.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    Scale.apply(a, b).sum().backward()
    np.testing.assert_array_equal(b.grad.array, [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(a.grad.array, [[1, 2, 3], [1, 2, 3]])
