"""Parity with torch: a test is written once as a function of the library (`lib` is torch or
v2_tensor) and run with both, in float64; values and gradients must agree."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

import v2_tensor as vt

ATOL = 1e-10


def _to_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.array)


def run(lib, fn: Callable, arrays: Sequence[np.ndarray], grad_out: np.ndarray | None):
    """fn(lib, *leaves) and the gradient of <fn, grad_out> with respect to every leaf."""
    make = torch.tensor if lib is torch else vt.tensor
    leaves = [make(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(lib, *leaves)
    seed = np.ones(out.shape) if grad_out is None else grad_out
    (out * make(seed)).sum().backward()
    return out, [leaf.grad for leaf in leaves]


def check(
    fn: Callable,
    *arrays: np.ndarray,
    grad_out: np.ndarray | None = None,
    atol: float = ATOL,
    rtol: float = 1e-9,
) -> None:
    """Values and first-order gradients of fn under v2_tensor match torch."""
    if grad_out is None:
        probe, _ = run(torch, fn, arrays, None)
        grad_out = np.random.default_rng(len(probe.shape)).standard_normal(probe.shape)
    expected, expected_grads = run(torch, fn, arrays, grad_out)
    got, got_grads = run(vt, fn, arrays, grad_out)
    assert got.shape == tuple(expected.shape), (got.shape, expected.shape)
    assert got.dtype == np.float64
    np.testing.assert_allclose(_to_numpy(got), _to_numpy(expected), atol=atol, rtol=rtol)
    for i, (g, e) in enumerate(zip(got_grads, expected_grads, strict=True)):
        if e is None:
            assert g is None or not np.any(g.array), f"input {i}: torch has no gradient"
            continue
        assert g is not None, f"input {i}: no gradient"
        assert g.shape == tuple(e.shape)
        np.testing.assert_allclose(
            _to_numpy(g), _to_numpy(e), atol=atol, rtol=rtol, err_msg=f"gradient of input {i}"
        )


def check_second_order(
    fn: Callable, *arrays: np.ndarray, atol: float = 1e-9, rtol: float = 1e-8, seed: int = 0
) -> None:
    """The gradient's own gradient: with u and v random, d/dx <v, d<u, fn>/dx> (a Hessian-vector
    product for scalar fn) matches torch, through autograd.grad(create_graph=True)."""
    rng = np.random.default_rng(seed)
    shape = run(torch, fn, arrays, None)[0].shape
    u = rng.standard_normal(shape)
    vs = [rng.standard_normal(np.shape(a)) for a in arrays]

    def hvp(lib):
        make = torch.tensor if lib is torch else vt.tensor
        leaves = [make(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
        out = (fn(lib, *leaves) * make(u)).sum()
        grads = lib.autograd.grad(out, leaves, create_graph=True)
        inner = sum((g * make(v)).sum() for g, v in zip(grads, vs, strict=True))
        second = lib.autograd.grad(inner, leaves, allow_unused=True)
        return [_to_numpy(g) for g in grads], [
            np.zeros(np.shape(a)) if s is None else _to_numpy(s)
            for s, a in zip(second, arrays, strict=True)
        ]

    (g_torch, h_torch), (g_vt, h_vt) = hvp(torch), hvp(vt)
    for got, expected in zip(g_vt + h_vt, g_torch + h_torch, strict=True):
        np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol)
