"""The affine map y = x W^T + b, as torch.nn.functional.linear."""

from __future__ import annotations

import numpy as np

from v2_tensor import Tensor
from v2_tensor.autograd import Function


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W^T + b for x of shape (..., in_features) and W of shape (out_features, in_features)."""
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise ValueError(
            f"linear: input of shape {tuple(input.shape)} does not end in in_features="
            f"{weight.shape[-1]} (weight shape {tuple(weight.shape)})"
        )
    dtype = input.dtype
    if (
        dtype.kind == "f"
        and weight.ndim == 2
        and weight.dtype == dtype
        and (bias is None or (bias.dtype == dtype and bias.ndim <= 1))
    ):
        return Linear.apply(input, weight, bias)
    return linear_composed(input, weight, bias)


def linear_composed(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ W.T + b in two Tensor ops: the reference the one-node Linear is tested against (and
    the path for mixed dtypes, which matmul refuses as torch does)."""
    output = input @ weight.T
    return output if bias is None else output + bias


class Linear(Function):
    """y = x W^T + b as one node, x flattened to a matrix X of shape (N, in) first:

        Y = X W^T + b,  dL/dX = G W,  dL/dW = G^T X,  dL/db = sum over rows of G

    (G = dL/dY of shape (N, out)). Written so, dL/dW comes out of one matmul as a C-ordered
    (out, in) array, where `x @ W.T` hands back the transpose of X^T G: a Fortran-ordered view
    that makes every later step on it (optimizer, clipping) slower. The backward is in Tensor
    ops, so it is differentiable again."""

    @staticmethod
    def forward(ctx, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        out = np.matmul(x.reshape(-1, x.shape[-1]), w.T)
        if b is not None:
            out += b
        return out.reshape(*x.shape[:-1], w.shape[0])

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple:
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        g = grad.reshape(-1, w.shape[0])
        gx = (g @ w).reshape(x.shape) if need_x else None
        gw = g.T @ x.reshape(-1, x.shape[-1]) if need_w else None
        gb = g.sum(dim=0) if need_b and ctx.has_bias else None
        return gx, gw, gb


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1^T A_k x2 + b_k for x1 (..., in1), x2 (..., in2) and A of shape (out, in1, in2):
    one matmul x1 [A_1 ... A_out] to (N, out, in2), then the dot with x2."""
    out_features, in1, in2 = weight.shape
    lead = tuple(input1.shape[:-1])
    if (
        input1.ndim == 0
        or input1.shape[-1] != in1
        or input2.ndim == 0
        or input2.shape[-1] != in2
        or tuple(input2.shape[:-1]) != lead
    ):
        raise RuntimeError(
            f"bilinear: input1 {tuple(input1.shape)} and input2 {tuple(input2.shape)} must "
            f"agree in all but their last dims, which must be in1_features={in1} and "
            f"in2_features={in2} (weight shape {tuple(weight.shape)})"
        )
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    stacked = weight.permute(1, 0, 2).reshape(in1, out_features * in2)  # [A_1 ... A_out]
    left = (x1 @ stacked).reshape(-1, out_features, in2)  # x1^T A_k for every k
    output = (left * x2.unsqueeze(1)).sum(dim=-1)
    if bias is not None:
        output = output + bias
    return output.reshape(*lead, out_features)
