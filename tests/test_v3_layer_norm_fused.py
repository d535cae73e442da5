"""The one-node layer_norm against the composed reference and torch: values, the gradients of
input, weight and bias, second derivatives, float32, with and without the affine."""

import numpy as np
import pytest
import torch

import v2_tensor as vt
import v3_nn.functional as F
from tests.v2_parity import check, check_second_order
from v3_nn.functional.normalization import layer_norm_composed

CASES = [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((3, 1, 6), (6,))]


@pytest.mark.parametrize("shape,norm", CASES)
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_matches_torch_values_gradients_and_second_order(shape, norm, affine):
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape) * 3 + 1
    w = rng.standard_normal(norm)
    b = rng.standard_normal(norm)

    def fn(lib, x, *wb):
        mod = F if lib is vt else torch.nn.functional
        weight = wb[0] if wb else None
        bias = wb[1] if len(wb) > 1 else None
        return mod.layer_norm(x, norm, weight, bias, 1e-5)

    arrays = {"both": (x, w, b), "weight": (x, w), "none": (x,)}[affine]
    check(fn, *arrays, rtol=1e-9, atol=1e-10)
    check_second_order(fn, *arrays)


def test_fused_is_one_node_and_equals_the_composed_reference():
    rng = np.random.default_rng(1)
    x = vt.tensor(rng.standard_normal((6, 7)), requires_grad=True)
    w = vt.tensor(rng.standard_normal(7), requires_grad=True)
    b = vt.tensor(rng.standard_normal(7), requires_grad=True)
    g = vt.tensor(rng.standard_normal((6, 7)))
    out = F.layer_norm(x, (7,), w, b)
    assert "NativeLayerNormBackward" in repr(out.grad_fn)  # one node, named like torch's
    grads = vt.autograd.grad(out, (x, w, b), g)
    ref = layer_norm_composed(x, (7,), w, b)
    ref_grads = vt.autograd.grad(ref, (x, w, b), g)
    np.testing.assert_allclose(out.array, ref.array, rtol=1e-12, atol=1e-13)
    for a, e in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(a.array, e.array, rtol=1e-10, atol=1e-12)


def test_float32_matches_torch():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((12, 64, 128)).astype(np.float32) * 2
    w = rng.standard_normal(128).astype(np.float32)
    b = rng.standard_normal(128).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    ours = [vt.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.layer_norm(ours[0], (128,), ours[1], ours[2])
    outt = torch.nn.functional.layer_norm(theirs[0], (128,), theirs[1], theirs[2])
    out.backward(vt.tensor(g))
    outt.backward(torch.tensor(g))
    assert out.dtype == vt.float32
    np.testing.assert_allclose(out.array, outt.detach().numpy(), rtol=1e-5, atol=1e-5)
    for a, e in zip(ours, theirs, strict=True):
        assert a.grad.dtype == vt.float32
        np.testing.assert_allclose(a.grad.array, e.grad.numpy(), rtol=1e-4, atol=2e-4)
