"""Norms: vector p-norms, matrix norms, torch.norm and dist.

`vector_norm` is one Function with torch's backward (norm_backward), written in Tensor ops so
that it is differentiable again; the matrix norms compose it with abs, sum, amax and amin,
except the spectral ones (2, -2, 'nuc'), which need singular vectors.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .. import dtypes, grad_mode
from ..function import Context, Function
from ..tensor import Tensor
from .arithmetic import where
from .conventions import as_tensor_arg, refuse_kinds, refuse_out
from .decompositions import Svd
from .dims import kept_shape, normalize_dim, normalize_dims

_QUIET = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}


class VectorNorm(Function):
    """‖x‖_p = (Σ |x|^p)^(1/p) over dims; p = inf is max |x|, -inf min |x|, 0 the count of
    nonzeros."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, p: float, dims: tuple, keepdim: bool) -> np.ndarray:
        ctx.p, ctx.dims, ctx.keepdim, ctx.shape = p, dims, keepdim, x.shape
        a = np.abs(x)
        with np.errstate(**_QUIET):
            if p == math.inf:
                out = a.max(axis=dims, keepdims=keepdim, initial=0)
            elif p == -math.inf:
                out = a.min(axis=dims, keepdims=keepdim)
            elif p == 0:
                out = (a != 0).sum(axis=dims, keepdims=keepdim)
            elif p == 1:
                out = a.sum(axis=dims, keepdims=keepdim)
            elif p == 2:
                out = np.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
            else:
                out = (a**p).sum(axis=dims, keepdims=keepdim) ** (1 / p)
        out = np.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        p = ctx.p
        if not ctx.keepdim:
            shape = kept_shape(ctx.shape, ctx.dims)
            grad, out = grad.reshape(shape), out.reshape(shape)
        zero_norm = Tensor(out.array == 0)
        if p == 0:
            grad_x = x * 0.0
        elif p == 1:
            grad_x = x.sgn() * grad  # ∂Σ|x|/∂x = sign x
        elif p == 2:
            grad_x = grad * where(zero_norm, 0.0, x / out)  # x / ‖x‖, 0 at the zero vector
        elif math.isinf(p):  # shared evenly by the elements that reach the extreme
            a = x.abs()
            chosen = ((a == out) | a.isnan()).to(x.dtype)
            grad_x = x.sgn() * (grad / chosen.sum(ctx.dims, keepdim=True) * chosen)
        else:  # ∂‖x‖_p/∂x = sign(x) |x|^(p-1) / ‖x‖^(p-1)
            if p < 1:
                scaled = where(Tensor(x.array == 0), 0.0, x.sgn() * x.abs() ** (p - 1))
                return scaled * grad * out ** (1 - p), None, None, None
            scaled = x.sgn() * x.abs() ** (p - 1) if p < 2 else x * x.abs() ** (p - 2)
            grad_x = scaled * where(zero_norm, 0.0, grad / out ** (p - 1))
        return grad_x, None, None, None


class SpectralNorm(Function):
    """The matrix norms made of singular values over the last two dims: 'nuc' (Σ σ), 2 (max
    σ) and -2 (min σ). The gradient is U Vᵀ, or u vᵀ of the chosen singular value. The
    first-order path takes them from the forward's NumPy SVD; when the backward is recorded
    (create_graph), U and Vᵀ come from linalg.svd, whose own backward is in Tensor ops, so
    the norm is twice differentiable (at distinct singular values, as torch's)."""

    @staticmethod
    def forward(ctx: Context, m: np.ndarray, kind: Any) -> np.ndarray:
        ctx.kind = kind
        ctx.save_for_backward(m)
        if m.shape[-1] == 0 or m.shape[-2] == 0:
            ctx.uv = None
            return np.zeros(m.shape[:-2], dtype=m.dtype)
        u, s, vh = np.linalg.svd(m, full_matrices=False)
        if kind == "nuc":
            ctx.uv = u @ vh
            return s.sum(-1)
        k = 0 if kind == 2 else -1  # NumPy sorts singular values in descending order
        ctx.uv = u[..., :, k, None] * vh[..., None, k, :]
        return s[..., k]

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        if ctx.uv is None:
            return Tensor(np.zeros((*grad.shape, 0, 0), grad.dtype)), None
        if not grad_mode.is_grad_enabled():
            return Tensor(grad.array[..., None, None] * ctx.uv), None
        (m,) = ctx.saved_tensors
        u, _, vh = Svd.apply(m, False)
        if ctx.kind == "nuc":
            uv = u @ vh  # ∂ Σσ / ∂A = U Vᵀ
        else:
            k = 0 if ctx.kind == 2 else vh.shape[-2] - 1
            uv = u[..., :, k : k + 1] * vh[..., k : k + 1, :]  # ∂σ_k / ∂A = u_k v_kᵀ
        return grad.unsqueeze(-1).unsqueeze(-1) * uv, None


def _float(op: str, x: Tensor, dtype: Any) -> Tensor:
    refuse_kinds(op, x, "biu", "; expected a floating point input")
    if dtype is not None:
        target = dtypes.as_dtype(dtype)
        if target.kind != "f" or target.itemsize < x.dtype.itemsize:
            raise RuntimeError(
                f"{op}: the dtype of the input ({x.dtype}) should be convertible without "
                f"narrowing to the specified dtype ({target})"
            )
        x = x.to(target)
    return x


def _order(op: str, ord: Any) -> float:
    if isinstance(ord, builtins.bool) or not isinstance(ord, int | float | np.number):
        raise TypeError(f"{op}(): argument 'ord' must be Number, not {type(ord).__name__}")
    return float(ord)


def vector_norm(
    x: Tensor,
    ord: Any = 2,  # noqa: A002  (torch's name)
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    out: Any = None,
) -> Tensor:
    """‖x‖_ord over dim (an int, a tuple, or None for every element), as torch.linalg."""
    refuse_out("linalg.vector_norm", out)
    x = _float("linalg.vector_norm", as_tensor_arg("linalg.vector_norm", x), dtype)
    p = _order("linalg.vector_norm", ord)
    dims = normalize_dims("linalg.vector_norm", dim, x.ndim)
    if (p < 0 or math.isinf(p)) and any(x.shape[d] == 0 for d in dims):
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
            "operation does not have an identity"
        )
    return VectorNorm.apply(x, p, dims, keepdim)


def matrix_norm(
    A: Tensor,  # noqa: N803  (torch's name)
    ord: Any = "fro",  # noqa: A002
    dim: Any = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
    out: Any = None,
) -> Tensor:
    """Frobenius ('fro'), nuclear ('nuc'), spectral (2, -2), max/min column sum (1, -1) or
    row sum (inf, -inf) norm of the matrices in dims `dim`."""
    op = "linalg.matrix_norm"
    refuse_out(op, out)
    x = _float(op, as_tensor_arg(op, A), dtype)
    if x.ndim < 2:
        raise RuntimeError(
            f"{op}: The input tensor A must have at least 2 dimensions (got {x.ndim})"
        )
    if not isinstance(dim, tuple | list) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {dim}")
    rows, cols = (normalize_dim(op, d, x.ndim) for d in dim)
    if rows == cols:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return VectorNorm.apply(x, 2.0, tuple(sorted((rows, cols))), keepdim)
    if ord in ("nuc", 2, -2) and not isinstance(ord, builtins.bool):
        m = x.permute(*[d for d in range(x.ndim) if d not in (rows, cols)], rows, cols)
        result = SpectralNorm.apply(m, "nuc" if ord == "nuc" else int(ord))
        return result.reshape(kept_shape(x.shape, (rows, cols))) if keepdim else result
    if ord in (1, -1, math.inf, -math.inf) and not isinstance(ord, builtins.bool):
        summed, extreme = (rows, cols) if abs(ord) == 1 else (cols, rows)
        sums = x.abs().sum(summed, keepdim=True)
        result = sums.amax(extreme, keepdim=True) if ord > 0 else sums.amin(extreme, keepdim=True)
        if not keepdim:
            result = result.reshape([n for i, n in enumerate(x.shape) if i not in (rows, cols)])
        return result
    raise RuntimeError(f"{op}: Order {ord} not supported.")


def linalg_norm(
    A: Tensor,  # noqa: N803
    ord: Any = None,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
    *,
    out: Any = None,
    dtype: Any = None,
) -> Tensor:
    """torch.linalg.norm: a vector norm over one dim (or of the flattened input when neither
    ord nor dim is given), a matrix norm over two."""
    op = "linalg.norm"
    refuse_out(op, out)
    x = as_tensor_arg(op, A)
    if dim is not None:
        dims = dim if isinstance(dim, tuple | list) else (dim,)
        if len(dims) == 1:
            if isinstance(ord, str):
                raise RuntimeError(f"{op}: ord {ord!r} needs a 2-tuple dim (a matrix norm)")
            return vector_norm(x, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(x, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(x, 2, None, keepdim, dtype=dtype)
    if x.ndim == 2:
        return matrix_norm(x, ord, (-2, -1), keepdim, dtype=dtype)
    if x.ndim == 1 and not isinstance(ord, str):
        return vector_norm(x, ord, None, keepdim, dtype=dtype)
    raise RuntimeError(
        f"{op}: If dim is not specified but ord is, the input must be 1D or 2D. Got {x.ndim}D."
    )


def norm(
    input: Tensor,
    p: Any = "fro",
    dim: Any = None,
    keepdim: bool = False,
    out: Any = None,
    dtype: Any = None,
) -> Tensor:
    """torch.norm (and Tensor.norm): p a number is a vector norm over dim (every element by
    default), 'fro' the 2-norm, 'nuc' the nuclear norm of a matrix."""
    refuse_out("norm", out)
    x = as_tensor_arg("norm", input)
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(x, 2, dim, keepdim, dtype=dtype)
        dims = tuple(range(x.ndim)) if dim is None else dim
        return matrix_norm(x, p, dims, keepdim, dtype=dtype)
    return vector_norm(x, 2.0 if p is None else p, dim, keepdim, dtype=dtype)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """‖input - other‖_p over every element (the two broadcast)."""
    for name, x in (("input", input), ("other", other)):
        if not isinstance(x, Tensor):
            raise TypeError(f"dist(): argument '{name}' must be Tensor, not {type(x).__name__}")
    refuse_kinds("dist", input, "biu", "; norm(): expected a floating point input")
    return vector_norm(input - other, p)
