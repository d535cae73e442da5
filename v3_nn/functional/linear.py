"""The affine map y = x W^T + b, as torch.nn.functional.linear."""

from __future__ import annotations

from v2_tensor import Tensor


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W^T + b for x of shape (..., in_features) and W of shape (out_features, in_features)."""
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise ValueError(
            f"linear: input of shape {tuple(input.shape)} does not end in in_features="
            f"{weight.shape[-1]} (weight shape {tuple(weight.shape)})"
        )
    output = input @ weight.T
    return output if bias is None else output + bias


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
