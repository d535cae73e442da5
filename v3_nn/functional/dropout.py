"""Dropout, as torch.nn.functional: dropout, dropout1d/2d/3d (whole channels), alpha_dropout
and feature_alpha_dropout (for SELU networks)."""

from __future__ import annotations

import math
import warnings

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the survivors by 1 / (1 - p).

    The expectation is unchanged, so evaluation (training=False) is the identity.
    The mask is drawn from v2_tensor.random.generator(). `inplace` is accepted for
    torch compatibility; the result is always a new tensor.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = vt.random.generator().random(input.shape) >= p
    return input * vt.Tensor((keep / (1.0 - p)).astype(input.dtype))


# ---- channel-wise and alpha dropout -------------------------------------------------------

_SELU_ALPHA_SCALE = 1.7580993408473766  # -SELU's saturation value: scale * alpha


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise(input: Tensor, p: float, feature: bool) -> np.ndarray:
    """Bernoulli(1 - p) keep mask, one draw per element or per (sample, channel)."""
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = (*input.shape[:2], *(1,) * (input.ndim - 2)) if feature else input.shape
    return (vt.random.generator().random(shape) >= p).astype(input.dtype)


def _dropout_impl(input: Tensor, p: float, training: bool, feature: bool, alpha: bool) -> Tensor:
    """torch's _dropout_impl: x * m / (1 - p), or alpha dropout's affine fill for SELU nets."""
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        return input * 0.0
    keep = _noise(input, p, feature)
    if not alpha:
        return input * vt.Tensor(keep / (1.0 - p))
    # dropped units go to -alpha', then y = a x' + b keeps mean 0 and variance 1
    a = 1.0 / math.sqrt((_SELU_ALPHA_SCALE**2 * p + 1) * (1 - p))
    b = (keep - 1) * (_SELU_ALPHA_SCALE * a) + _SELU_ALPHA_SCALE * a * p
    return input * vt.Tensor(keep * a) + vt.Tensor(b.astype(input.dtype))


def _channel_dims_warning(op: str, ndim: int, expected: tuple[int, int], spatial: int) -> None:
    warnings.warn(
        f"{op}: Received a {ndim}-D input to {op}, which is deprecated and will result in an "
        "error in a future release. To retain the behavior and silence this warning, please "
        f"use dropout instead. Note that {op} exists to provide channel-wise dropout on inputs "
        f"with {spatial} spatial dimensions, a channel dimension, and an optional batch "
        f"dimension (i.e. {expected[0]}D or {expected[1]}D inputs).",
        UserWarning,
        stacklevel=3,
    )


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability p."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    if input.ndim == 2:
        return _dropout_impl(input.unsqueeze(0), p, training, True, False).squeeze(0)
    return _dropout_impl(input, p, training, True, False)


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability p.

    As torch (for now), a 3-D input is read as (N, C, L), with a warning.
    """
    _check_p(p)
    if input.ndim not in (3, 4):
        _channel_dims_warning("dropout2d", input.ndim, (3, 4), 2)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    return _dropout_impl(input, p, training, True, False)


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    _check_p(p)
    if input.ndim not in (4, 5):
        _channel_dims_warning("dropout3d", input.ndim, (4, 5), 3)
    if input.ndim == 4:
        return _dropout_impl(input.unsqueeze(0), p, training, True, False).squeeze(0)
    return _dropout_impl(input, p, training, True, False)


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Dropout for SELU networks: dropped units take SELU's negative saturation value and
    an affine map a x + b restores mean 0 and variance 1. Off unless training=True."""
    return _dropout_impl(input, p, training, False, True)


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """alpha_dropout with one draw per (sample, channel)."""
    return _dropout_impl(input, p, training, True, True)
