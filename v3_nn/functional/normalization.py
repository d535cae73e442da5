"""Normalisation, as torch.nn.functional: batch_norm, layer_norm, group_norm, instance_norm,
rms_norm, local_response_norm and normalize.

The first four compute y = (x - mean) / sqrt(var + eps) * weight + bias with the biased
variance; they differ in the axes the statistics are taken over (batch and spatial dims,
a sample's trailing dims, a sample's group of channels, one sample's one channel).
rms_norm divides by the root mean square only. All are composed of Tensor ops, so they are
differentiable as often as one likes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.autograd import Function

from .padding import pad
from .pooling import avg_pool2d, avg_pool3d


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
    normalized_shape = _normalized_shape("layer_norm", input, normalized_shape, weight, bias)
    dtype = input.dtype
    if (
        dtype in (vt.float32, vt.float64)
        and all(t is None or t.dtype == dtype for t in (weight, bias))
        and input.numel() > 0
    ):
        return NativeLayerNorm.apply(input, weight, bias, float(eps), len(normalized_shape))
    return layer_norm_composed(input, normalized_shape, weight, bias, eps)


def layer_norm_composed(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """layer_norm composed of nine Tensor ops: the reference the one-node version is tested
    against (and the path for mixed dtypes and empty inputs)."""
    normalized_shape = _normalized_shape("layer_norm", input, normalized_shape, weight, bias)
    k = len(normalized_shape)
    dims = tuple(range(-k, 0))
    centered = input - input.mean(dim=dims, keepdim=True)
    variance = (centered * centered).mean(dim=dims, keepdim=True)
    return _affine(centered / (variance + eps).sqrt(), weight, bias, normalized_shape)


class NativeLayerNorm(Function):
    """layer_norm as one node. Over the last k dims (N values per sample):

        mu = mean(x),  var = mean((x - mu)^2),  r = 1 / sqrt(var + eps),
        xhat = (x - mu) r,  y = xhat w + b

    and, with g = dL/dy and h = g w (h = g without a weight),

        dL/db = sum over samples of g,  dL/dw = sum over samples of g xhat,
        dL/dx = r (h - mean(h) - xhat mean(h xhat))

    (the mean(h) term from mu, the xhat mean(h xhat) term from r). Forward keeps x, mu and r
    (as torch does) and recomputes xhat in the backward. Under create_graph the backward is
    the same formula in Tensor ops, from x and w, so that it is differentiable again."""

    @staticmethod
    def forward(ctx, x, w, b, eps: float, k: int) -> np.ndarray:
        axes = tuple(range(x.ndim - k, x.ndim))
        mu = x.mean(axis=axes, keepdims=True)
        xhat = x - mu
        var = np.multiply(xhat, xhat).mean(axis=axes, keepdims=True)
        var += eps
        r = np.sqrt(var, out=var)
        np.reciprocal(r, out=r)
        xhat *= r
        if w is not None:
            xhat *= w
        if b is not None:
            xhat += b
        ctx.save_for_backward(x, w)
        ctx.mu, ctx.r, ctx.eps, ctx.axes = mu, r, eps, axes
        ctx.has_w, ctx.has_b = w is not None, b is not None
        return xhat

    @staticmethod
    def backward(ctx, g: Tensor) -> tuple:
        x, w = ctx.saved_tensors
        axes = ctx.axes
        if vt.is_grad_enabled():  # create_graph: the formula in Tensor ops
            mu = x.mean(dim=axes, keepdim=True)
            xc = x - mu
            r = ((xc * xc).mean(dim=axes, keepdim=True) + ctx.eps).rsqrt()
            xhat = xc * r
            h = g * w if ctx.has_w else g
            gx = r * (h - h.mean(dim=axes, keepdim=True)
                      - xhat * (h * xhat).mean(dim=axes, keepdim=True))  # fmt: skip
            gw = g * xhat if ctx.has_w else None  # (the engine sums it to w's shape)
            return gx, gw, g if ctx.has_b else None, None, None
        x, g = x.array, g.array
        r = ctx.r
        xhat = x - ctx.mu
        xhat *= r
        lead = tuple(range(x.ndim - len(axes)))
        gw = np.multiply(g, xhat).sum(axis=lead) if ctx.has_w else None
        gb = g.sum(axis=lead) if ctx.has_b else None
        h = g * w.array if ctx.has_w else g.copy()
        term = np.multiply(h, xhat).mean(axis=axes, keepdims=True)
        xhat *= term
        h -= h.mean(axis=axes, keepdims=True)
        h -= xhat
        h *= r
        return h, gw, gb, None, None


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
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.shape != (channels,):
            raise RuntimeError(
                f"batch_norm: {name} should contain {channels} elements not {t.numel()} "
                f"(input of shape {tuple(input.shape)})"
            )
    _check_channel_vectors("batch_norm", input, weight, bias)
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


def _check_channel_vectors(op: str, input: Tensor, weight, bias) -> None:
    channels = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (channels,):
            raise RuntimeError(
                f"{op}: {name} should contain {channels} elements not {t.numel()} "
                f"(input of shape {tuple(input.shape)})"
            )


def _normalized_shape(op: str, input: Tensor, normalized_shape, weight, bias) -> tuple:
    if isinstance(normalized_shape, int | np.integer):
        raise TypeError(
            f"{op}(): argument 'normalized_shape' must be a tuple of ints, not int "
            "(the module accepts an int)"
        )
    shape = tuple(int(n) for n in normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k :]) != shape:
        raise RuntimeError(
            f"{op}: given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"{op}: expected {name} to be of same shape as normalized_shape, but got "
                f"{name} of shape {list(t.shape)} and normalized_shape = {list(shape)}"
            )
    return shape


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample's channels in num_groups groups (input (N, C, *))."""
    op = "group_norm"
    if input.ndim < 2:
        raise RuntimeError(
            f"{op}: expected at least 2 dimensions for input tensor but received {input.ndim}"
        )
    n, channels = input.shape[:2]
    if num_groups < 1 or channels % num_groups:
        raise RuntimeError(
            f"{op}: expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(input.shape)} and num_groups={num_groups}"
        )
    _check_channel_vectors(op, input, weight, bias)
    grouped = input.reshape(n, num_groups, -1)
    centered = grouped - grouped.mean(dim=-1, keepdim=True)
    variance = (centered * centered).mean(dim=-1, keepdim=True)
    normalized = (centered / (variance + eps).sqrt()).reshape(input.shape)
    return _affine(normalized, weight, bias, (channels,) + (1,) * (input.ndim - 2))


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial dims (input (N, C, *)).

    With use_input_stats and running buffers given, each buffer moves towards the sample
    statistics averaged over the batch (the variance unbiased), in place, as torch's does.
    Without use_input_stats it normalises with the running buffers.
    """
    op = "instance_norm"
    if input.ndim < 3:
        raise ValueError(
            f"{op}: expected input (N, C, *spatial) with a spatial dim, got {tuple(input.shape)}"
        )
    channels = input.shape[1]
    shape = (1, channels) + (1,) * (input.ndim - 2)
    _check_channel_vectors(op, input, weight, bias)
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.shape != (channels,):
            raise RuntimeError(
                f"{op}: {name} should contain {channels} elements not {t.numel()} "
                f"(input of shape {tuple(input.shape)})"
            )
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                f"{op}: expected running_mean and running_var to be defined when "
                "use_input_stats is false"
            )
        centered = input - running_mean.reshape(shape)
        return _affine(centered / (running_var.reshape(shape) + eps).sqrt(), weight, bias, shape)
    count = math.prod(input.shape[2:])
    if count <= 1:
        raise ValueError(
            f"{op}: expected more than 1 spatial element when training, got input size "
            f"{tuple(input.shape)}"
        )
    dims = tuple(range(2, input.ndim))
    mean = input.mean(dim=dims, keepdim=True)
    centered = input - mean
    variance = (centered * centered).mean(dim=dims, keepdim=True)
    with vt.no_grad():  # running = (1 - m) running + m * (the batch's mean of the statistics)
        if running_mean is not None:
            running_mean.lerp_(mean.detach().reshape(-1, channels).mean(dim=0), momentum)
        if running_var is not None:
            unbiased = variance.detach().reshape(-1, channels) * (count / (count - 1))
            running_var.lerp_(unbiased.mean(dim=0), momentum)
    return _affine(centered / (variance + eps).sqrt(), weight, bias, shape)


def rms_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """y = x / sqrt(mean(x²) + eps) * weight over the trailing normalized_shape dims.

    eps=None uses the machine epsilon of the input's dtype (torch.finfo(dtype).eps).
    """
    shape = _normalized_shape("rms_norm", input, normalized_shape, weight, None)
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    dims = tuple(range(-len(shape), 0))
    normalized = input * ((input * input).mean(dim=dims, keepdim=True) + eps).pow(-0.5)
    return normalized if weight is None else normalized * weight


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """y = x / (k + alpha * mean of x² over `size` neighbouring channels)^beta (torch's code)."""
    if input.ndim < 3:
        raise ValueError(
            f"local_response_norm: expected 3D or higher dimensionality input (got {input.ndim} "
            "dimensions)"
        )
    if input.numel() == 0:
        return input
    div = input * input
    if input.ndim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).reshape(sizes)
    return input / (div * alpha + k).pow(beta)
