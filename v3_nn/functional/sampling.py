"""Spatial transformers: F.affine_grid and F.grid_sample, as torch.nn.functional.

affine_grid maps the output's pixel centres (a fixed grid in [-1, 1]) through a batch of
affine matrices: grid = [x, y, 1] @ θᵀ, one matmul.

grid_sample reads the input at those (x, y[, z]) positions. A position is first turned into
pixel units (unnormalised), then brought inside the image by the padding mode ('border'
clamps, 'reflection' mirrors); both are piecewise linear, so the coordinate is rebuilt as
slope * position + offset with torch's value and slope (0 on and beyond the borders, ±1
inside). Bilinear sampling weighs the 2^D neighbours by the products of (1 - f) and f, f
the fractional part; bicubic uses Keys' kernel over 4 x 4 neighbours; nearest picks one.
All of it is Tensor ops on the input (an integer-array gather) and on the grid (the
weights), so the gradients of both come from the engine.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor

from .upsampling import CUBIC_A

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


def _align(align_corners: bool | None) -> bool:
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


# ---------------------------------------------------------------- affine_grid


def _base_axis(steps: int, align_corners: bool) -> np.ndarray:
    """torch's linspace_from_neg_one: pixel centres in [-1, 1] (corners when aligned)."""
    if steps <= 1:
        return np.zeros(steps)
    r = np.linspace(-1.0, 1.0, steps)
    return r if align_corners else r * (steps - 1) / steps


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """Sampling grid (N, H, W, 2) for 2D theta (N, 2, 3), or (N, D, H, W, 3) for (N, 3, 4)."""
    align_corners = _align(align_corners)
    if not isinstance(theta, Tensor):
        raise TypeError(f"affine_grid: theta must be a Tensor, not {type(theta).__name__}")
    if theta.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(n) for n in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}."
        )
    dims = len(size) - 2
    if theta.ndim != 3 or theta.shape[-2:] != (dims, dims + 1):
        raise ValueError(
            f"Expected a batch of {dims}D affine matrices of shape Nx{dims}x{dims + 1} for size "
            f"{size}. Got {tuple(theta.shape)}."
        )
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(
            f"affine_grid: theta holds {theta.shape[0]} matrices for a batch of {size[0]}"
        )
    spatial = size[2:]
    axes = [_base_axis(n, align_corners) for n in spatial]  # (D, H, W) order
    mesh = np.meshgrid(*axes, indexing="ij")
    columns = [m.reshape(-1) for m in reversed(mesh)]  # x (W) first, as torch
    base = np.stack([*columns, np.ones(columns[0].shape)], axis=-1).astype(theta.dtype)
    grid = Tensor(base) @ theta.transpose(1, 2)  # (N, prod(spatial), dims)
    return grid.reshape(size[0], *spatial, dims)


# ---------------------------------------------------------------- grid_sample


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """[-1, 1] -> pixel units: corner centres (aligned) or corner edges at ±1."""
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _clip(x: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """torch's clip_coordinates_set_grad: into [0, size - 1], slope 0 on and beyond the bounds."""
    value = np.clip(x, 0, size - 1)
    return value, ((x > 0) & (x < size - 1)).astype(x.dtype)


def _reflect(x: np.ndarray, twice_low: int, twice_high: int) -> tuple[np.ndarray, np.ndarray]:
    """torch's reflect_coordinates_set_grad: mirror x into [low, high], slope ±1."""
    if twice_low == twice_high:
        return np.zeros_like(x), np.zeros_like(x)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    shifted = x - low
    sign = np.where(shifted < 0, -1.0, 1.0)
    shifted = np.abs(shifted)
    extra = np.fmod(shifted, span)
    even = np.floor(shifted / span) % 2 == 0
    return np.where(even, extra + low, span - extra + low), np.where(even, sign, -sign)


def _pad_coordinate(x: np.ndarray, size: int, padding_mode: str, align_corners: bool):
    """(value, slope) of torch's compute_coordinates for one axis."""
    slope = np.ones_like(x)
    if padding_mode == "reflection":
        if align_corners:
            x, slope = _reflect(x, 0, 2 * (size - 1))
        else:
            x, slope = _reflect(x, -1, 2 * size - 1)
    if padding_mode in ("border", "reflection"):
        x, clip_slope = _clip(x, size)
        slope = slope * clip_slope
    return x, slope


def _through(coord: Tensor, value: np.ndarray, slope: np.ndarray) -> Tensor:
    """The affine map with the given value and slope at coord: slope * coord + offset."""
    dtype = coord.dtype
    return coord * Tensor(slope.astype(dtype)) + Tensor((value - slope * coord.array).astype(dtype))


def _cubic_weights(t: Tensor) -> list[Tensor]:
    """Keys' weights (a = -0.75) of the taps at -1, 0, 1, 2 for a fraction t (Tensor ops)."""
    a = CUBIC_A

    def near(x):
        return ((x * (a + 2) - (a + 3)) * x) * x + 1

    def far(x):
        return ((x * a - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)]


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """torch.nn.functional.grid_sample: input (N, C, H, W) at grid (N, Ho, Wo, 2) positions
    (x, y in [-1, 1]), or (N, C, D, H, W) at (N, Do, Ho, Wo, 3)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
            f"'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    align_corners = _align(align_corners)
    for name, value in (("input", input), ("grid", grid)):
        if not isinstance(value, Tensor):
            raise TypeError(f"grid_sample: {name} must be a Tensor, not {type(value).__name__}")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(
            f"grid_sampler(): expected 4D or 5D input and grid with the same number of "
            f"dimensions, but got input with sizes {list(input.shape)} and grid with sizes "
            f"{list(grid.shape)}"
        )
    dims = input.ndim - 2
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input "
            f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if grid.shape[-1] != dims:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {dims} in last dimension, but got "
            f"grid with sizes {list(grid.shape)}"
        )
    if input.dtype != grid.dtype or input.dtype.kind != "f":
        raise RuntimeError(
            f"grid_sampler(): expected input and grid of one floating dtype, got {input.dtype} "
            f"and {grid.dtype}"
        )
    if mode == "bicubic" and dims != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if min(input.shape[2:]) < 1:
        raise RuntimeError(
            f"grid_sampler(): expected input to have non-empty spatial dimensions, but input "
            f"has sizes {list(input.shape)}"
        )
    n, c, *sizes = input.shape
    out_spatial = grid.shape[1:-1]
    flat_grid = grid.reshape(n, -1, dims)
    # per spatial axis (D, H, W order): the pixel coordinate, a Tensor of shape (N, P)
    coords = [
        _unnormalize(flat_grid[:, :, dims - 1 - axis], sizes[axis], align_corners)
        for axis in range(dims)
    ]
    if mode == "bicubic":
        taps = _bicubic_taps(coords, sizes, padding_mode, align_corners)
    else:
        padded = []
        for axis, coord in enumerate(coords):
            value, slope = _pad_coordinate(coord.array, sizes[axis], padding_mode, align_corners)
            padded.append(_through(coord, value, slope) if padding_mode != "zeros" else coord)
        taps = (_nearest_taps if mode == "nearest" else _linear_taps)(padded, sizes)
    positions = np.stack([t[0] for t in taps], axis=1)  # (N, K, P) flat input positions
    inside = np.stack([t[1] for t in taps], axis=1)
    batch = np.arange(n).reshape(n, 1, 1)
    values = input.reshape(n, c, -1)[batch, :, np.where(inside, positions, 0)]  # (N, K, P, C)
    weights = [w for w in (_tap_weight(t) for t in taps) if w is not None]
    mask = Tensor(inside.astype(input.dtype))
    if weights:
        mask = vt.stack(weights, dim=1) * mask
    out = (values * mask.unsqueeze(-1)).sum(1)  # (N, P, C)
    return out.transpose(1, 2).reshape(n, c, *out_spatial)


def _tap_weight(tap):
    return tap[2] if len(tap) > 2 else None


def _flat(indices: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Flat position in the input volume of integer coordinates, and whether all are inside."""
    inside = np.ones(indices[0].shape, bool)
    flat = np.zeros(indices[0].shape, np.int64)
    for index, size in zip(indices, sizes, strict=True):
        inside &= (index >= 0) & (index < size)
        flat = flat * size + np.clip(index, 0, size - 1)
    return flat, inside


def _nearest_taps(coords: list[Tensor], sizes: list[int]) -> list:
    indices = [np.rint(c.array).astype(np.int64) for c in coords]  # nearbyint: ties to even
    return [_flat(indices, sizes)]


def _linear_taps(coords: list[Tensor], sizes: list[int]) -> list:
    floors = [np.floor(c.array) for c in coords]
    fractions = [c - Tensor(f) for c, f in zip(coords, floors, strict=True)]
    taps = []
    for corner in itertools.product((0, 1), repeat=len(coords)):
        indices = [f.astype(np.int64) + k for f, k in zip(floors, corner, strict=True)]
        weight = None
        for fraction, k in zip(fractions, corner, strict=True):
            factor = fraction if k else 1 - fraction
            weight = factor if weight is None else weight * factor
        taps.append((*_flat(indices, sizes), weight))
    return taps


def _bicubic_taps(coords, sizes, padding_mode: str, align_corners: bool) -> list:
    """4 x 4 taps around floor(x, y); each tap's integer position goes through the padding."""
    floors = [np.floor(c.array) for c in coords]
    weights = [_cubic_weights(c - Tensor(f)) for c, f in zip(coords, floors, strict=True)]
    taps = []
    for offsets in itertools.product(range(4), repeat=len(coords)):
        indices = []
        for f, k, size in zip(floors, offsets, sizes, strict=True):
            value, _ = _pad_coordinate(f - 1 + k, size, padding_mode, align_corners)
            indices.append(np.trunc(value).astype(np.int64))
        weight = None
        for w, k in zip(weights, offsets, strict=True):
            weight = w[k] if weight is None else weight * w[k]
        taps.append((*_flat(indices, sizes), weight))
    return taps
