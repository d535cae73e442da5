"""torch.nn.functional.pad: constant, reflect, replicate and circular padding.

Every padded element is a copy of one input element (or the constant), so the non-constant
modes are a selection: along each padded axis an index array says which input position
each output position copies, and the output is one integer-array indexing op,

    y = x[..., I_h[:, None], I_w[None, :]],     I = np.pad(arange(n), (before, after), mode)

whose gradient the engine gives (adjoint: add each output gradient back onto the position
it copied; that op's own gradient is the selection again, so padding is differentiable as
often as one likes). A negative width crops, as in torch: reflect and replicate pad the
input and then crop, circular crops first and wraps what is left.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor

MODES = ("constant", "reflect", "replicate", "circular")


def _widths(op: str, input: Tensor, pad: Sequence[int]) -> list[int]:
    if not isinstance(pad, tuple | list | vt.Size):
        raise TypeError(f"{op}: argument 'pad' must be a tuple of ints, not {type(pad).__name__}")
    widths = []
    for i, width in enumerate(pad):
        if isinstance(width, Tensor) and width.ndim == 0 and width.dtype.kind in "iu":
            width = int(width.item())
        if isinstance(width, bool) or not isinstance(width, int | np.integer):
            raise TypeError(
                f"{op}: argument 'pad' must be a tuple of ints, but found element of type "
                f"{type(width).__name__} at pos {i}"
            )
        widths.append(int(width))
    if len(widths) % 2:
        raise RuntimeError(f"{op}: padding length must be divisible by 2, got pad={tuple(pad)}")
    if len(widths) // 2 > input.ndim:
        raise RuntimeError(
            f"{op}: padding length should be less than or equal to two times the input "
            f"dimension but got padding length {len(widths)} and input of dimension {input.ndim}"
        )
    return widths


def _index(mode: str, n: int, before: int, after: int) -> np.ndarray:
    """Which input position each output position along one axis copies."""
    grow = (max(before, 0), max(after, 0))
    if mode == "circular":  # crop first, then wrap what is left
        kept = np.arange(max(-before, 0), n - max(-after, 0))
        if max(grow) > len(kept):
            raise RuntimeError(
                f"pad: circular padding {(before, after)} of an axis of size {n} wraps around "
                "more than once"
            )
        return np.pad(kept, grow, mode="wrap")
    if mode == "reflect" and max(grow) >= n:
        raise RuntimeError(
            f"pad: reflect padding size should be less than the corresponding input dimension, "
            f"but got padding {(before, after)} for an axis of size {n}"
        )
    index = np.pad(np.arange(n), grow, mode="reflect" if mode == "reflect" else "edge")
    return index[max(-before, 0) : len(index) - max(-after, 0)]


def pad(
    input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """torch.nn.functional.pad: `pad` = (left, right) of the last dim, then of the one before...

    mode 'constant' pads any number of dims with `value` (0 by default); 'reflect' (mirror
    without repeating the edge), 'replicate' (repeat the edge) and 'circular' (wrap around)
    pad the last 1, 2 or 3 dims of a batched or unbatched input. Negative widths crop.
    """
    op = "pad"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    widths = _widths(op, input, pad)
    if mode not in MODES:
        raise NotImplementedError(
            f"{op}: unrecognised padding mode {mode!r}, expected one of {MODES}"
        )
    pairs = [(widths[2 * k], widths[2 * k + 1]) for k in range(len(widths) // 2)][::-1]
    sizes = input.shape[input.ndim - len(pairs) :]
    new = [n + b + a for n, (b, a) in zip(sizes, pairs, strict=True)]
    if mode == "constant":
        if min(new, default=0) < 0:
            raise RuntimeError(
                f"{op}: padding {tuple(widths)} crops more than the input of shape "
                f"{tuple(input.shape)} has"
            )
        return vt.pad(input, widths, value=0.0 if value is None else value)
    if value is not None:
        raise RuntimeError(f'{op}: padding mode "{mode}" doesn\'t take in value argument')
    k = len(pairs)
    if k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"{op}: padding size {len(widths)} is not supported for {input.ndim}D input tensor; "
            "non-constant padding pads the last dim of 2D or 3D input (size 2), the last 2 dims "
            "of 3D or 4D input (size 4) or the last 3 dims of 4D or 5D input (size 6)"
        )
    if mode != "circular" and min(input.shape[1:]) == 0:
        raise RuntimeError(
            f"{op}: {mode} padding needs non-empty dims after the batch dim, got input of shape "
            f"{tuple(input.shape)}"
        )
    if mode != "circular" and min(new) < 1:
        raise RuntimeError(
            f"{op}: input of shape {tuple(input.shape)} is too small for padding "
            f"{tuple(widths)}: the output would have size {tuple(new)}"
        )
    indices = [_index(mode, n, b, a) for n, (b, a) in zip(sizes, pairs, strict=True)]
    return input[(Ellipsis, *np.ix_(*indices))]
