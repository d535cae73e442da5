"""In-place ops (`x.add_(y)`, `x += y`, `x[i] = v`, `x.zero_()`): one mechanism for all of them.

Each in-place op is its out-of-place twin written back into the tensor's own memory:
`x.mul_(y)` computes `mul(x, y)` and copies the result into `x`, so that `x`, its views and
anything sharing its memory (`x.data`, `x.numpy()`) see the new values. The version counter
of `x` (shared with its views) goes up by one, and a backward that saved `x` before the
change refuses to run on the changed value.

When autograd must see the change (grad mode on, and `x` or an operand requires grad), the
out-of-place op is recorded on a stand-in for `x` that holds a copy of its old values, and
`x` takes the result's place in the graph, so gradients stay right. If `x` is a view, its
base's history is rewritten too: the base becomes `CopySlices(old base, new values)`, whose
backward sends the gradient outside the view to the old base and inside it to the new
values, as torch's CopySlices does.

As in torch, refused before anything changes: an in-place op on a leaf that requires grad
(or a view of one) in grad mode, on memory that several elements share (an expanded
tensor), with a result of another shape, with a result of a dtype that cannot be cast to
the tensor's (a float result into an integer tensor), and on an output of an op that
returns several views (split, unbind) when autograd is recording.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import dtypes, grad_mode
from .function import Context, Function, ViewInfo, replay_view, replay_view_array, take_identity
from .tensor import Tensor


def apply_inplace(
    name: str, target: Tensor, compute: Callable, *args: Any, **kwargs: Any
) -> Tensor:
    """Write compute(target, *args, **kwargs) into target's memory; returns target."""
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(target).__name__}")
    view = target._view
    recording = grad_mode._enabled and (target._requires_grad or _any_requires_grad(args, kwargs))
    if grad_mode._enabled:
        _refuse_leaf(name, target, view)
    if not target.array.flags.writeable:
        raise RuntimeError(
            f"{name}: unsupported operation: more than one element of the written-to tensor "
            "refers to a single memory location (an expanded or broadcast tensor); clone() it "
            "before modifying it in place"
        )
    if not recording:
        if _write_direct(name, target, args, kwargs):
            return target
        with grad_mode.no_grad():
            result = compute(target, *args, **kwargs)
        _check_result(name, target, result)
        np.copyto(target.array, result.array, casting="unsafe")
        bump_version(target)
        return target
    if view is not None and view.multi_output:
        raise RuntimeError(
            f"{name}: this tensor is a view made by an op that returns several views (split, "
            "chunk, unbind), which may not be modified in place while autograd records; use "
            "an out-of-place op instead"
        )
    stand_in = _stand_in(target)
    result = compute(stand_in, *args, **kwargs)
    _check_result(name, target, result)
    if result.array.dtype != target.array.dtype:
        result = result.to(target.array.dtype)
    np.copyto(target.array, result.array)
    bump_version(target)
    _retarget_outputs(result, target)
    if view is None:
        take_identity(target, result)
    else:
        _rewrite_base(view, result)
        view.refresh(target, force=True)
    return target


# The arithmetic that optimizers and initialisers run most, written straight into memory
# with one NumPy call when nothing is recorded: x.add_(y, alpha=a) is np.add(x, a*y, out=x).
_UFUNCS = {
    "add_": np.add,
    "sub_": np.subtract,
    "mul_": np.multiply,
    "div_": np.true_divide,
}


def _write_direct(name: str, target: Tensor, args: tuple, kwargs: dict) -> bool:
    """The common case in one NumPy call: a float tensor and a number, or a tensor of its
    dtype that broadcasts to its shape. False when the general path must run."""
    ufunc = _UFUNCS.get(name)
    array = target.array
    if ufunc is None or len(args) != 1 or array.dtype.kind != "f" or set(kwargs) - {"alpha"}:
        return False
    (other,) = args
    if isinstance(other, Tensor):
        operand = other.array
        if operand.dtype != array.dtype or not _fits(operand.shape, array.shape):
            return False
    elif type(other) in (int, float):
        operand = other
    else:
        return False
    alpha = kwargs.get("alpha", 1)
    if alpha != 1:
        operand = operand * alpha
    ufunc(array, operand, out=array)
    bump_version(target)
    return True


def _fits(shape: tuple, target: tuple) -> bool:
    """Does `shape` broadcast to `target` without growing it?"""
    if shape == target:
        return True
    if len(shape) > len(target):
        return False
    return all(n in (1, m) for n, m in zip(shape[::-1], target[::-1], strict=False))


def bump_version(tensor: Tensor) -> None:
    """Record that tensor's memory changed (every in-place write ends here)."""
    tensor._counter().value += 1


def _any_requires_grad(args: tuple, kwargs: dict) -> bool:
    for value in (*args, *kwargs.values()):
        if isinstance(value, Tensor) and value._requires_grad:
            return True
    return False


def _refuse_leaf(name: str, target: Tensor, view: ViewInfo | None) -> None:
    if view is not None:
        base = view.base
        if base._grad_fn is None and base._requires_grad:
            raise RuntimeError(
                f"{name}: a view of a leaf Variable that requires grad is being used in an "
                "in-place operation (modify it under no_grad(), or clone the leaf first)"
            )
    elif target._grad_fn is None and target._requires_grad:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad is being used in an in-place "
            "operation (modify parameters under no_grad(), as optimizers do)"
        )


def _check_result(name: str, target: Tensor, result: Tensor) -> None:
    if result.array.shape != target.array.shape:
        raise RuntimeError(
            f"{name}: output with shape {target.array.shape} doesn't match the broadcast shape "
            f"{result.array.shape}"
        )
    if not dtypes.can_cast(result.array.dtype, target.array.dtype):
        raise RuntimeError(
            f"{name}: result type {result.array.dtype} can't be cast to the desired output "
            f"type {target.array.dtype}"
        )


def _stand_in(target: Tensor) -> Tensor:
    """A tensor with target's place in the graph and a copy of its values, on which the
    out-of-place op is recorded (so nothing it saves is overwritten by the write-back)."""
    if target._view is not None:
        target._view.refresh(target)
    stand_in = Tensor(target.array.copy())
    take_identity(stand_in, target)
    return stand_in


def _retarget_outputs(result: Tensor, target: Tensor) -> None:
    """The result's node keeps target (not the discarded result) as its saved output, so a
    later in-place change of target is caught as torch catches it."""
    node = result._grad_fn
    if node is None or type(node.saved) is not tuple:
        return
    counter = target._counter()
    node.saved = tuple(
        (entry[0], target.array, counter, counter.value, None, entry[5])
        if entry[0] == 2 and entry[1] is result.array
        else entry
        for entry in node.saved
    )


def _rewrite_base(view: ViewInfo, values: Tensor) -> None:
    """The view's base now holds `values` inside the view: give it a CopySlices node."""
    base = view.base
    old_base = Tensor(base.array)
    take_identity(old_base, base)
    take_identity(base, CopySlices.apply(old_base, values, view.steps))


class CopySlices(Function):
    """base' = base with the view region replaced by `values` (already written in memory)."""

    @staticmethod
    def forward(ctx: Context, base: np.ndarray, values: np.ndarray, steps: tuple) -> np.ndarray:
        ctx.steps, ctx.base_shape = steps, base.shape
        return base

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        outside = np.ones(ctx.base_shape, dtype=bool)
        replay_view_array(ctx.steps, outside)[...] = False
        # outside the view the old base survives; inside, the values replaced it
        return grad.where(Tensor(outside), 0.0), replay_view(ctx.steps, grad), None
