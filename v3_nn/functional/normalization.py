"""Batch and layer normalisation, as torch.nn.functional.batch_norm and layer_norm.

Both compute y = (x - mean) / sqrt(var + eps) * weight + bias with the biased
variance; they differ in the axes the statistics are taken over.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import v2_tensor as vt
from v2_tensor import Tensor


def _affine(normalized: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple) -> Tensor:
    if weight is not None:
        normalized = normalized * weight.reshape(shape)
    if bias is not None:
        normalized = normalized + bias.reshape(shape)
    return normalized


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing dims given by normalized_shape, per sample."""
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k :]) != normalized_shape:
        raise ValueError(
            f"layer_norm: input of shape {tuple(input.shape)} does not end in "
            f"normalized_shape {normalized_shape}"
        )
    dims = tuple(range(-k, 0))
    centered = input - input.mean(dim=dims, keepdim=True)
    variance = (centered * centered).mean(dim=dims, keepdim=True)
    return _affine(centered / (variance + eps).sqrt(), weight, bias, normalized_shape)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) over the batch and any spatial dims.

    training=True uses the batch's statistics and, when running buffers are given,
    moves them towards the batch's (the variance unbiased, n / (n - 1)) in place:
    running = (1 - momentum) * running + momentum * batch.
    training=False normalises with the running buffers.
    """
    if input.ndim < 2:
        raise ValueError(
            f"batch_norm: expected input with a channel dim 1, got {tuple(input.shape)}"
        )
    channels = input.shape[1]
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: running_mean and running_var are needed when not training"
            )
        centered = input - running_mean.reshape(shape)
        return _affine(centered / (running_var.reshape(shape) + eps).sqrt(), weight, bias, shape)

    count = math.prod(input.shape) // channels
    if count <= 1:
        raise ValueError(
            f"batch_norm: expected more than 1 value per channel when training, "
            f"got input of shape {tuple(input.shape)}"
        )
    dims = (0, *range(2, input.ndim))
    mean = input.mean(dim=dims, keepdim=True)
    centered = input - mean
    variance = (centered * centered).mean(dim=dims, keepdim=True)
    if running_mean is not None and running_var is not None:
        with vt.no_grad():  # running = (1 - momentum) running + momentum batch, in place
            running_mean.lerp_(mean.detach().reshape(channels), momentum)
            running_var.lerp_(variance.detach().reshape(channels) * (count / (count - 1)), momentum)
    return _affine(centered / (variance + eps).sqrt(), weight, bias, shape)
