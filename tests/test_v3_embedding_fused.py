"""The one-node embedding (gather forward, sorted-reduce backward) against weight[indices]
and torch: values, weight gradients with repeated indices, second derivatives, padding_idx and
scale_grad_by_freq still torch's."""

import numpy as np
import pytest
import torch

import v2_tensor as vt
import v3_nn.functional as F
from tests.v2_parity import check, check_second_order

INDICES = np.array([[3, 1, 3, 0], [1, 1, 5, 3], [6, 3, 3, 3]])


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 3}, {"scale_grad_by_freq": True}])
def test_matches_torch_with_repeated_indices(kwargs):
    weight = np.random.default_rng(0).standard_normal((7, 5))

    def fn(lib, w):
        mod = F if lib is vt else torch.nn.functional
        make = vt.tensor if lib is vt else torch.tensor
        return mod.embedding(make(INDICES), w, **kwargs) ** 2

    check(fn, weight)
    if not kwargs.get("scale_grad_by_freq"):  # (there ours and torch's differ, as before)
        check_second_order(fn, weight)


def test_fused_equals_the_gather_reference_in_float32_and_1d():
    rng = np.random.default_rng(1)
    for indices in (INDICES, INDICES[0], np.zeros((0, 3), np.int64), rng.integers(0, 50, 700)):
        w = vt.tensor(rng.standard_normal((50, 8)), dtype=vt.float32, requires_grad=True)
        ours = F.embedding(vt.tensor(indices), w)
        g = vt.tensor(rng.standard_normal(ours.shape), dtype=vt.float32)
        (gw,) = vt.autograd.grad(ours, w, g)
        ref = w[vt.tensor(indices)]
        (gr,) = vt.autograd.grad(ref, w, g, allow_unused=True)
        assert "EmbeddingBackward" in repr(ours.grad_fn)
        np.testing.assert_array_equal(ours.array, ref.array)
        assert gw.dtype == vt.float32 and gw.shape == (50, 8)
        np.testing.assert_allclose(gw.array, gr.array, rtol=1e-6, atol=1e-6)
