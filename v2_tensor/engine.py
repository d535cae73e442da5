"""Reverse-mode traversal: gradients flow from the roots to the leaves in topological order.

The order is Kahn's algorithm over the recorded nodes (no recursion, so a 100,000-op chain is
fine): a node runs its backward once every consumer of its outputs has sent its gradient.
"""

from __future__ import annotations

import sys

import numpy as np

from . import grad_mode
from .function import Context
from .tensor import Tensor


def run_backward(
    roots: list[Tensor],
    root_grads: list[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: list[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Backpropagate root_grads from roots.

    With capture=None every reachable leaf accumulates into `.grad`; otherwise nothing's
    `.grad` changes and the gradients of the tensors in `capture` are returned (None where
    unreachable).
    """
    captured: dict[int, Tensor] = {}
    wanted = None if capture is None else {id(t): t for t in capture}
    pending = _count_consumers(roots)
    buffers: dict[Context, list] = {}
    ready = []
    for root, grad in zip(roots, root_grads, strict=True):
        node = root.grad_fn
        if node is None:
            _deliver_to_leaf(root, grad, create_graph, wanted, captured)
            continue
        _send(buffers, root, grad)
        if pending[node] == 0 and node not in ready:
            ready.append(node)

    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is not None:
                if wanted is not None:
                    _capture_outputs(node, grads, wanted, captured)
                elif node.retained:
                    _retain_grads(node, grads, create_graph)
            in_grads = _call_backward(node, grads) if grads is not None else None
            del grads  # so that a leaf can adopt a gradient array nobody else holds
            for index, tensor in node.edges:
                grad = None
                if in_grads is not None:
                    grad, in_grads[index] = in_grads[index], None
                producer = tensor.grad_fn
                if producer is None:
                    if grad is not None:
                        _deliver_to_leaf(tensor, grad, create_graph, wanted, captured)
                    continue
                if grad is not None:
                    _send(buffers, tensor, grad)
                pending[producer] -= 1
                if pending[producer] == 0:
                    ready.append(producer)
            grad = None  # drop the last one too, or a leaf reached next would have to copy
            if not retain_graph:
                node.release()
    if wanted is None:
        return None
    return [captured.get(id(t)) for t in capture]


def _count_consumers(roots: list[Tensor]) -> dict[Context, int]:
    """For every node reachable from the roots: how many recorded edges lead into it."""
    pending: dict[Context, int] = {}
    stack = []
    for root in roots:
        if root.grad_fn is not None and root.grad_fn not in pending:
            pending[root.grad_fn] = 0
            stack.append(root.grad_fn)
    while stack:
        node = stack.pop()
        for _, tensor in node.edges:
            producer = tensor.grad_fn
            if producer is None:
                continue
            if producer in pending:
                pending[producer] += 1
            else:
                pending[producer] = 1
                stack.append(producer)
    return pending


def _call_backward(node: Context, grads: list) -> list:
    """Run one node's backward and check what it returns against its inputs."""
    for i, grad in enumerate(grads):
        if grad is None:
            raw = node.raw_outputs[i]
            grads[i] = Tensor(np.zeros(np.shape(raw), dtype=np.asarray(raw).dtype))
    result = node.function.backward(node, *grads)
    in_grads = list(result) if type(result) is tuple else [result]
    if len(in_grads) != len(node.args):
        raise RuntimeError(
            f"{node.name}.backward returned {len(in_grads)} gradients for "
            f"{len(node.args)} forward arguments"
        )
    for index, tensor in node.edges:
        grad = in_grads[index]
        if grad is None:
            continue
        if not isinstance(grad, Tensor):
            grad = in_grads[index] = Tensor(np.asarray(grad))
        if grad.data.shape != tensor.data.shape:
            raise RuntimeError(
                f"{node.name}.backward returned a gradient of shape {grad.data.shape} for "
                f"argument {index} of shape {tensor.data.shape}"
            )
        if grad.data.dtype != tensor.data.dtype:
            in_grads[index] = grad.to(tensor.data.dtype)
    return in_grads


def _send(buffers: dict[Context, list], tensor: Tensor, grad: Tensor) -> None:
    """Add grad to the gradient waiting for `tensor` at the node that produced it."""
    slots = buffers.get(tensor.grad_fn)
    if slots is None:
        slots = buffers[tensor.grad_fn] = [None] * len(tensor.grad_fn.raw_outputs)
    slots[tensor.output_nr] = _add(slots[tensor.output_nr], grad)


def _add(total: Tensor | None, grad: Tensor) -> Tensor:
    return grad if total is None else total + grad


def _capture_outputs(node: Context, grads: list, wanted: dict, captured: dict) -> None:
    for ref, grad in zip(node.outputs, grads, strict=True):
        output = ref()
        if output is not None and grad is not None and id(output) in wanted:
            captured[id(output)] = grad


def _retain_grads(node: Context, grads: list, create_graph: bool) -> None:
    """Store the gradient of each output that asked for it with retain_grad()."""
    for index in node.retained:
        output, grad = node.outputs[index](), grads[index]
        if output is None or grad is None:
            continue
        grad = grad if create_graph else Tensor(grad.data.copy())
        output.grad = grad if output.grad is None else output.grad + grad


def _deliver_to_leaf(
    leaf: Tensor, grad: Tensor, create_graph: bool, wanted: dict | None, captured: dict
) -> None:
    if wanted is not None:
        if id(leaf) in wanted:
            captured[id(leaf)] = _add(captured.get(id(leaf)), grad)
        return
    if create_graph:
        leaf.grad = _add(leaf.grad, grad)
    elif leaf.grad is None:
        leaf.grad = grad if _is_private(grad) else Tensor(grad.data.copy())
    elif leaf.grad.requires_grad or not leaf.grad.data.flags.writeable:
        leaf.grad = Tensor(leaf.grad.data + grad.data)
    else:
        leaf.grad.data += grad.data  # in place, as torch accumulates


# References to a gradient Tensor that only the engine holds: the caller's local variable,
# the `grad` parameter of _deliver_to_leaf, this function's parameter and getrefcount's own.
_PRIVATE_TENSOR_REFS = 4


def _is_private(grad: Tensor) -> bool:
    """True when nothing outside the engine can see `grad` or its memory (CPython refcounts,
    as torch's AccumulateGrad checks use_count), so a leaf may adopt it instead of copying."""
    if grad.requires_grad or sys.getrefcount(grad) != _PRIVATE_TENSOR_REFS:
        return False
    # the array: referenced by the Tensor's `data` slot and by getrefcount's argument
    if sys.getrefcount(grad.data) != 2:
        return False
    if grad.data.base is None:
        return True
    # a view (g.T, g.reshape): adoptable if writeable and its base is held by nothing else
    return (
        grad.data.flags.writeable
        and type(grad.data.base) is np.ndarray
        and sys.getrefcount(grad.data.base) == 2
    )
