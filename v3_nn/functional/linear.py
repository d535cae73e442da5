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
