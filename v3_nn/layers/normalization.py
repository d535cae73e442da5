"""BatchNorm1d, BatchNorm2d and LayerNorm, as torch.nn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor

from ..functional.normalization import batch_norm, layer_norm
from ..module import Module, Parameter


class _BatchNorm(Module):
    """Normalises each channel with batch statistics in training, running ones in eval.

    Training with track_running_stats also moves running_mean and running_var towards
    the batch's (momentum, or a cumulative average when momentum is None) and counts
    the batches in num_batches_tracked.
    """

    input_dims: tuple[int, ...]

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        dtype = np.dtype(dtype or vt.float32)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", vt.Tensor(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", vt.Tensor(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", vt.Tensor(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, input: Tensor) -> Tensor:
        name = type(self).__name__
        if input.ndim not in self.input_dims or input.shape[1] != self.num_features:
            dims = " or ".join(f"{d}D" for d in self.input_dims)
            raise ValueError(
                f"{name}: expected {dims} input with {self.num_features} channels in dim 1, "
                f"got shape {tuple(input.shape)}"
            )
        update = self.training and self.track_running_stats
        momentum = self.momentum
        if update and momentum is None:
            momentum = 1.0 / (int(self.num_batches_tracked.array) + 1)
        output = batch_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            training=self.training or self.running_mean is None,
            momentum=momentum,
            eps=self.eps,
        )
        if update:
            self.num_batches_tracked.add_(1)
        return output

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input."""

    input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input."""

    input_dims = (4,)


class LayerNorm(Module):
    """Normalises each sample over its trailing normalized_shape dims."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        dtype = np.dtype(dtype or vt.float32)
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        affine = elementwise_affine
        self.weight = Parameter(np.ones(self.normalized_shape, dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype)) if affine and bias else None

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
