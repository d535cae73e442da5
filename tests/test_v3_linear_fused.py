"""The one-node linear against the composed reference (x @ W.T + b) and torch: values,
gradients of input, weight and bias, second derivatives, 1-D to 3-D input, and the weight
gradient C-ordered."""

import numpy as np
import pytest
import torch

import v2_tensor as vt
import v3_nn.functional as F
from tests.v2_parity import check, check_second_order
from v3_nn.functional.linear import linear_composed


@pytest.mark.parametrize("shape", [(5,), (4, 5), (2, 3, 5), (2, 1, 3, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_matches_torch_values_gradients_and_second_order(shape, bias):
    rng = np.random.default_rng(len(shape))
    arrays = [rng.standard_normal(shape), rng.standard_normal((6, 5))]
    if bias:
        arrays.append(rng.standard_normal(6))

    def fn(lib, *tensors):
        mod = F if lib is vt else torch.nn.functional
        return mod.linear(*tensors)

    check(fn, *arrays)
    check_second_order(fn, *arrays)


def test_fused_equals_composed_and_the_weight_gradient_is_c_ordered():
    rng = np.random.default_rng(3)
    for dtype, tol in ((vt.float64, 1e-12), (vt.float32, 1e-5)):
        x = vt.tensor(rng.standard_normal((3, 4, 5)), dtype=dtype, requires_grad=True)
        w = vt.tensor(rng.standard_normal((6, 5)), dtype=dtype, requires_grad=True)
        b = vt.tensor(rng.standard_normal(6), dtype=dtype, requires_grad=True)
        g = vt.tensor(rng.standard_normal((3, 4, 6)), dtype=dtype)
        out = F.linear(x, w, b)
        assert "LinearBackward" in repr(out.grad_fn)
        grads = vt.autograd.grad(out, (x, w, b), g)
        ref = linear_composed(x, w, b)
        ref_grads = vt.autograd.grad(ref, (x, w, b), g)
        assert out.dtype == dtype
        np.testing.assert_allclose(out.array, ref.array, rtol=tol, atol=tol)
        for a, e in zip(grads, ref_grads, strict=True):
            assert a.dtype == dtype
            np.testing.assert_allclose(a.array, e.array, rtol=tol, atol=tol)
        assert grads[1].array.flags["C_CONTIGUOUS"]


def test_only_the_needed_gradients_and_mixed_dtypes_refused_like_torch():
    x = vt.randn(4, 5)
    w = vt.randn(6, 5, requires_grad=True)
    F.linear(x, w).sum().backward()
    assert x.grad is None and w.grad.shape == (6, 5)
    with pytest.raises(RuntimeError):
        torch.nn.functional.linear(torch.randn(4, 5), torch.randn(6, 5, dtype=torch.float64))
    with pytest.raises(RuntimeError):
        F.linear(vt.randn(4, 5), vt.randn(6, 5, dtype=vt.float64))
