"""Broadcasting: the result shape of two operands, and the one helper that sums a
gradient back to the shape of an input that was broadcast."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tensor import Tensor


def broadcast_shape(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy's rule: align trailing dims; each pair must match or one of them be 1."""
    result = []
    for i in range(1, max(len(a), len(b)) + 1):
        m = a[-i] if i <= len(a) else 1
        n = b[-i] if i <= len(b) else 1
        if m != n and m != 1 and n != 1:
            raise ValueError(f"{op}: shapes {a} and {b} cannot be broadcast together")
        result.append(m if n == 1 else n)
    return tuple(reversed(result))


def unbroadcast(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum `grad` over the dims that broadcasting added or stretched, giving it `shape`.

    If y = f(broadcast(x)), then dL/dx sums dL/dy over every copy of x: the leading dims
    that x lacked and the dims where x had size 1.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    stretched = tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    summed = grad.sum(tuple(range(extra)) + stretched, keepdim=True)
    return summed.reshape(shape)
