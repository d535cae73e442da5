"""Resampling: F.interpolate (nearest, nearest-exact, linear, bilinear, bicubic, trilinear,
area), pixel_shuffle, pixel_unshuffle and channel_shuffle, as torch.nn.functional.

Interpolation is separable: along each spatial axis every output position reads a few
input positions ("taps") and weighs them,

    y[..., o] = sum_k w_k[o] * x[..., i_k[o]]

with one tap of weight 1 for nearest, two for linear (1 - λ and λ) and four for cubic
(Keys' kernel, a = -0.75). The taps and weights are torch's, computed in NumPy; the sum is
integer-array indexing and products, Tensor ops whose gradient the engine gives (and can
differentiate again). Axes are resampled last one first, the order of torch's kernel.
'area' is adaptive average pooling. The shuffles are reshapes and permutations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from v2_tensor import Tensor

from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
INTERPOLATING = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}  # mode -> input dim
CUBIC_A = -0.75


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _scale(size: int, out: int, align_corners: bool, scale: float | None) -> float:
    """torch's area_pixel_compute_scale: input pixels per output pixel."""
    if align_corners:
        return (size - 1) / (out - 1) if out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else size / out


def _source(scale: float, out: int, align_corners: bool, cubic: bool) -> np.ndarray:
    """torch's area_pixel_compute_source_index for every output position."""
    dst = np.arange(out, dtype=np.float64)
    if align_corners:
        return scale * dst
    src = scale * (dst + 0.5) - 0.5
    return src if cubic else np.maximum(src, 0.0)


def _floor_guard(real: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """torch's guard_index_and_lambda: index = min(floor(real), size - 1), λ clamped to [0, 1].

    The floor is taken of the source position rounded to float32 (torch's floorf).
    """
    index = np.minimum(np.floor(real.astype(np.float32)).astype(np.int64), size - 1)
    return index, np.clip(real - index, 0.0, 1.0)


def _nearest_taps(size: int, out: int, scale: float | None, exact: bool, planar: bool) -> list:
    # torch's 2-d kernel alone (planar) copies when out == size and halves when out == 2 size,
    # whatever the scale factor; its 1-d and 3-d kernels always use the scale
    if out == size and planar and not exact:
        return [(np.arange(out), None)]
    if out == 2 * size and planar and not exact:
        return [(np.arange(out) >> 1, None)]
    # torch's arithmetic: a float32 scale, floorf(dst * scale) or floorf((dst + 0.5) * scale)
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(size) / out
    if exact:
        source = ((np.arange(out) + 0.5) * np.float64(s)).astype(np.float32)
    else:
        source = np.arange(out, dtype=np.float32) * s
    return [(np.minimum(np.floor(source).astype(np.int64), size - 1), None)]


def _linear_taps(size: int, out: int, align_corners: bool, scale: float | None) -> list:
    if out == size:  # torch copies: weights 1 and 0 on the same pixel
        same = np.arange(out)
        return [(same, np.ones(out)), (same, np.zeros(out))]
    real = _source(_scale(size, out, align_corners, scale), out, align_corners, cubic=False)
    i0, lam = _floor_guard(real, size)
    i1 = i0 + (i0 < size - 1)
    return [(i0, 1.0 - lam), (i1, lam)]


def _cubic_weights(t: np.ndarray) -> list[np.ndarray]:
    """Keys' cubic convolution weights of the taps at -1, 0, 1, 2 for a fraction t."""
    a = CUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)]


def _cubic_taps(size: int, out: int, align_corners: bool, scale: float | None) -> list:
    real = _source(_scale(size, out, align_corners, scale), out, align_corners, cubic=True)
    i0, t = _floor_guard(real, size)
    weights = _cubic_weights(t)
    return [(np.clip(i0 - 1 + k, 0, size - 1), weights[k]) for k in range(4)]


def resample_axis(x: Tensor, axis: int, taps: list) -> Tensor:
    """sum_k w_k * x[..., i_k, ...] along one axis (w None: a plain selection)."""
    lead = (slice(None),) * axis
    shape = [1] * x.ndim
    shape[axis] = -1
    total = None
    for index, weight in taps:
        picked = x[(*lead, index)]
        if weight is not None:
            picked = picked * Tensor(np.asarray(weight, x.dtype).reshape(shape))
        total = picked if total is None else total + picked
    return total


def _output_size(input, size, scale_factor, recompute_scale_factor, mode):
    """(output size, scale factors or None) as torch's interpolate resolves them."""
    dims = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, list | tuple):
            if len(size) != dims:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                    "size in (o1, o2, ...,oK) format."
                )
            if not all(_is_int(n) for n in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(n) for n in size]}"
                )
            out = [int(n) for n in size]
        else:
            if not _is_int(size):
                raise TypeError(f"interpolate: size must be an int or ints, got {size!r}")
            out = [int(size)] * dims
        scales = None
    elif scale_factor is not None:
        if isinstance(scale_factor, list | tuple):
            if len(scale_factor) != dims:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {spatial} and scale_factor of shape "
                    f"{list(scale_factor)}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                    "format and scale_factor in (s1, s2, ...,sK) format."
                )
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dims
        out = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        out = [math.floor(float(n) * s) for n, s in zip(spatial, scales, strict=True)]
        scales = None
    if out is None:
        out = [int(n * s) for n, s in zip(spatial, scales, strict=True)]  # C++: truncation
    if min(spatial) < 1 or min(out) < 1:
        raise RuntimeError(
            f"interpolate: input and output sizes should be greater than 0, but got input "
            f"{tuple(spatial)} and output {tuple(out)}"
        )
    return out, scales


def interpolate(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """torch.nn.functional.interpolate over (N, C, L), (N, C, H, W) or (N, C, D, H, W).

    Give `size` or `scale_factor`. A scale factor sets the output size floor(n * s) and,
    unless recompute_scale_factor, also the sampling step 1 / s (torch's rule).
    align_corners (linear modes only) maps the corner pixels' centres onto each other.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: input must be a Tensor, not {type(input).__name__}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    if mode not in MODES or input.ndim not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: {' | '.join(MODES)} (got {mode})"
        )
    if mode in INTERPOLATING and input.ndim != INTERPOLATING[mode]:
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {INTERPOLATING[mode]}D input"
        )
    out, scales = _output_size(input, size, scale_factor, recompute_scale_factor, mode)
    if antialias:
        raise NotImplementedError(
            "interpolate: antialias=True is not implemented in v3_nn (torch's antialiased "
            "bilinear/bicubic downsampling)"
        )
    if input.dtype.kind != "f":
        raise NotImplementedError(f'"interpolate" not implemented for {input.dtype} input')
    if input.shape[1] == 0:
        raise RuntimeError(f"interpolate: non-empty channel dim expected, got {input.shape}")
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[input.ndim - 3]
        return pool(input, tuple(out))
    y = input
    scales = scales or [None] * len(out)
    for axis in reversed(range(len(out))):
        n, o, s = input.shape[2 + axis], out[axis], scales[axis]
        if mode in ("nearest", "nearest-exact"):
            taps = _nearest_taps(n, o, s, mode == "nearest-exact", planar=input.ndim == 4)
        elif mode == "bicubic":
            taps = _cubic_taps(n, o, align_corners, s)
        else:
            taps = _linear_taps(n, o, align_corners, s)
        y = resample_axis(y, 2 + axis, taps)
    return y


def upsample(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """torch.nn.functional.upsample (deprecated there): interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
) -> Tensor:
    """torch.nn.functional.upsample_nearest: interpolate(mode='nearest')."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
) -> Tensor:
    """torch.nn.functional.upsample_bilinear: interpolate(mode='bilinear', align_corners=True)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _check_factor(op: str, name: str, factor) -> int:
    if not _is_int(factor):
        raise TypeError(f"{op}: {name} must be an int, got {factor!r}")
    if factor <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {factor}")
    return int(factor)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r², H, W) -> (*, C, H r, W r): y[c, h r + i, w r + j] = x[c r² + i r + j, h, w]."""
    op = "pixel_shuffle"
    r = _check_factor(op, "upscale_factor", upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(
            f"{op} expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            f"{op} expects its input's 'channel' dimension to be divisible by the square of "
            f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)  # (*, C, H, r, W, r)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r², H, W): the inverse of pixel_shuffle."""
    op = "pixel_unshuffle"
    r = _check_factor(op, "downscale_factor", downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(
            f"{op} expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    *lead, c, h, w = input.shape
    for name, n, axis in (("height", h, -2), ("width", w, -1)):
        if n % r:
            raise RuntimeError(
                f"{op} expects {name} to be divisible by downscale_factor, but "
                f"input.size({axis})={n} is not divisible by {r}"
            )
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)  # (*, C, r, r, H, W)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *) with C = g k: channel i k + j moves to j g + i (ShuffleNet's shuffle)."""
    op = "channel_shuffle"
    g = _check_factor(op, "groups", groups)
    if input.ndim <= 2:
        raise RuntimeError(
            f"{op} expects input with > 2 dims, but got input with sizes {list(input.shape)}"
        )
    n, c, *rest = input.shape
    if c % g:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {c} channels and {g} groups."
        )
    x = input.reshape(n, g, c // g, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)
