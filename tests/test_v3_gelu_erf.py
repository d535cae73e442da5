"""The blocked float32 exact GELU (v3_nn/functional/gelu_erf.py) on a dense grid: its CDF
against float64 scipy, its values and gradients against torch's float32 kernel and against
the composed reference (activation.gelu_composed), second derivatives in float32, the
tanh approximation exactly torch's, and scipy not imported by `import v3_nn`."""

import math
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from scipy.special import erf

import v2_tensor as vt
import v3_nn.functional as F
from v3_nn.functional import activation, gelu_erf

# every float32 in [-10, 10] at step ~1e-4, and the blocks' edges crossed (size > BLOCK)
GRID = np.linspace(-10.0, 10.0, 200_001, dtype=np.float32)  # 7 blocks, the last partial


def _exact_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + erf(x.astype(np.float64) / math.sqrt(2.0)))


def test_cdf32_is_exact_to_float32_rounding_even_in_the_tail():
    got = gelu_erf.normal_cdf32(GRID).astype(np.float64)
    exact = _exact_cdf(GRID)
    # absolutely within 4 float32 ulps of numbers near 0.5 ...
    assert np.abs(got - exact).max() < 2.5e-7
    # ... and relatively accurate where Phi is tiny (torch's 1 + erf loses it there)
    tail = GRID < -2
    from scipy.special import ndtr

    exact_tail = ndtr(GRID[tail].astype(np.float64))
    assert (np.abs(got[tail] - exact_tail) / exact_tail).max() < 1e-5


def test_cdf32_special_values_and_shapes():
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e30, -1e30], np.float32)
    got = gelu_erf.normal_cdf32(x)
    np.testing.assert_array_equal(got, [1.0, 0.0, np.nan, 0.5, 0.5, 1.0, 0.0])
    y = np.arange(24, dtype=np.float32).reshape(2, 3, 4).transpose(2, 0, 1) / 10 - 1
    np.testing.assert_allclose(gelu_erf.normal_cdf32(y), _exact_cdf(y), atol=2.5e-7)
    assert gelu_erf.normal_cdf32(np.zeros((0, 3), np.float32)).shape == (0, 3)


def test_float32_gelu_values_and_gradients_match_torch_and_the_reference_on_a_dense_grid():
    g = np.random.default_rng(0).standard_normal(GRID.shape).astype(np.float32)
    x = vt.tensor(GRID, requires_grad=True)
    out = F.gelu(x)
    assert out.dtype == vt.float32
    out.backward(vt.tensor(g))
    xt = torch.tensor(GRID, requires_grad=True)
    outt = TF.gelu(xt)
    outt.backward(torch.tensor(g))
    # torch's float32 kernel errs by up to ~4e-7 itself; ours is within rounding of exact
    np.testing.assert_allclose(out.array, outt.detach().numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(x.grad.array, xt.grad.numpy(), rtol=0, atol=2e-6)
    exact = GRID.astype(np.float64) * _exact_cdf(GRID)
    assert np.abs(out.array - exact).max() < 1.2e-6  # ~2.5e-7 |x|, rounding of x Phi
    # the composed reference (x (1 + erf(x / sqrt 2)) / 2 in Tensor ops) in float32
    xr = vt.tensor(GRID, requires_grad=True)
    ref = activation.gelu_composed(xr)
    ref.backward(vt.tensor(g))
    np.testing.assert_allclose(out.array, ref.array, rtol=0, atol=1e-6)
    np.testing.assert_allclose(x.grad.array, xr.grad.array, rtol=0, atol=2e-6)


def test_float32_second_derivative_matches_torch():
    x = vt.tensor(GRID[::1000], requires_grad=True)
    (g,) = vt.autograd.grad(F.gelu(x).sum(), x, create_graph=True)
    (h,) = vt.autograd.grad((g * g).sum(), x)
    xt = torch.tensor(GRID[::1000], requires_grad=True)
    (gt,) = torch.autograd.grad(TF.gelu(xt).sum(), xt, create_graph=True)
    (ht,) = torch.autograd.grad((gt * gt).sum(), xt)
    np.testing.assert_allclose(g.array, gt.detach().numpy(), rtol=0, atol=2e-6)
    np.testing.assert_allclose(h.array, ht.numpy(), rtol=0, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_gelu_is_torchs_formula(dtype):
    grid = GRID[::7].astype(dtype)
    x = vt.tensor(grid, requires_grad=True)
    out = F.gelu(x, approximate="tanh")
    out.sum().backward()
    xt = torch.tensor(grid, requires_grad=True)
    outt = TF.gelu(xt, approximate="tanh")
    outt.sum().backward()
    tol = 1e-14 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(out.array, outt.detach().numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(x.grad.array, xt.grad.numpy(), rtol=0, atol=tol)


def test_float64_gelu_keeps_scipys_exact_erf():
    grid = GRID[::3].astype(np.float64)
    x = vt.tensor(grid, requires_grad=True)
    F.gelu(x).sum().backward()
    xt = torch.tensor(grid, requires_grad=True)
    TF.gelu(xt).sum().backward()
    np.testing.assert_allclose(F.gelu(vt.tensor(grid)).array, TF.gelu(torch.tensor(grid)).numpy(),
                               rtol=1e-14, atol=1e-15)  # fmt: skip
    np.testing.assert_allclose(x.grad.array, xt.grad.numpy(), rtol=1e-13, atol=1e-15)


def test_import_v3_nn_does_not_import_scipy():
    code = "import sys, v3_nn; assert 'scipy' not in sys.modules, 'scipy imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
