"""Reverse-mode traversal: gradients flow from the roots to the leaves in topological order.

The order is Kahn's algorithm over the recorded nodes (no recursion, so a 1,000,000-op chain
is fine): a node runs its backward once every consumer of its outputs has sent its gradient.
Three jobs belong to the engine and to no op:

- broadcasting: a backward may return the gradient of a broadcast operand in the result's
  shape; the engine sums it back to the input's shape (`sum_to`), in one place;
- accumulation: gradients reaching the same tensor along several paths add up, and leaves
  accumulate into `.grad` across backward calls;
- ownership: a gradient whose memory nothing outside the engine can see is *owned*. An
  owned gradient may be added to in place, or become a leaf's `.grad` without a copy; any
  other is copied first. A backward's result is owned when its memory is new (it shares
  none with the incoming gradients or the saved values), or is that of an owned incoming
  gradient passed on once.
"""

from __future__ import annotations

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
    backward = _Pass(create_graph, capture)
    pending = _count_consumers(roots)
    ready = []
    for root, grad in zip(roots, root_grads, strict=True):
        node = root.grad_fn
        if node is None:
            backward.to_leaf(root, grad, owned=False)
        else:
            backward.send(node, root.output_nr, grad, owned=False)
            if pending[node] == 0 and node not in ready:
                ready.append(node)
    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            grads = backward.buffers.pop(node, None)
            in_grads = backward.run(node, grads) if grads is not None else None
            for position, target, output_nr, _, _ in node.edges:
                grad = in_grads[position] if in_grads is not None else None
                if type(target) is not Context:
                    if grad is not None:
                        backward.to_leaf(target, grad[0], grad[1])
                    continue
                if grad is not None:
                    backward.send(target, output_nr, grad[0], grad[1])
                pending[target] -= 1
                if pending[target] == 0:
                    ready.append(target)
            if not retain_graph:
                node.release()
    return backward.captured_for(capture)


def _count_consumers(roots: list[Tensor]) -> dict[Context, int]:
    """For every node reachable from the roots: how many recorded edges lead into it."""
    pending: dict[Context, int] = {}
    stack = []
    for root in roots:
        node = root.grad_fn
        if node is not None and node not in pending:
            pending[node] = 0
            stack.append(node)
    while stack:
        for edge in stack.pop().edges:
            producer = edge[1]
            if type(producer) is not Context:
                continue
            if producer in pending:
                pending[producer] += 1
            else:
                pending[producer] = 1
                stack.append(producer)
    return pending


class _Pass:
    """The state of one backward pass: gradients waiting at nodes, and what was captured."""

    def __init__(self, create_graph: bool, capture: list[Tensor] | None) -> None:
        self.create_graph = create_graph
        # node -> one [gradient, owned] slot per output of the node
        self.buffers: dict[Context, list] = {}
        self.wanted: dict | None = None
        self.captured: dict = {}
        if capture is not None:
            self.wanted = {_key(t): i for i, t in enumerate(capture)}

    def send(self, node: Context, output_nr: int, grad: Tensor, owned: bool) -> None:
        """Add grad to the gradient waiting for output `output_nr` of `node`."""
        slots = self.buffers.get(node)
        if slots is None:
            slots = self.buffers[node] = [None] * len(node.output_meta)
        slots[output_nr] = self._add(slots[output_nr], grad, owned)

    def _add(self, slot: list | None, grad: Tensor, owned: bool) -> list:
        if slot is None:
            return [grad, owned]
        total, total_owned = slot
        if total_owned and _can_add_in_place(total, grad):
            np.add(total.array, grad.array, out=total.array)
            return slot
        return [total + grad, True]

    def run(self, node: Context, slots: list) -> list:
        """Call node's backward on its output gradients; returns [gradient, owned] (or None)
        per forward argument, each summed back to its input's shape and dtype."""
        grads = []
        watched = self.wanted is not None or node.retained is not None or node.hooks is not None
        for output_nr, slot in enumerate(slots):
            if slot is None:
                shape, dtype = node.output_meta[output_nr]
                grads.append(Tensor(np.zeros(shape, dtype)))
                continue
            grad = slot[0]
            if watched:
                if node.hooks is not None and output_nr in node.hooks:
                    grad = _run_hooks(node.hooks[output_nr], grad)
                self._keep(node, output_nr, grad)
            grads.append(grad)
        result = node.function.backward(node, *grads)
        in_grads = list(result) if type(result) is tuple else [result]
        if len(in_grads) != node.arg_count:
            raise RuntimeError(
                f"{node.name}.backward returned {len(in_grads)} gradients for "
                f"{node.arg_count} forward arguments"
            )
        visible = returned = None
        for position, target, _, shape, dtype in node.edges:
            grad = in_grads[position]
            if grad is None:
                continue
            if not isinstance(grad, Tensor) or grad.array.shape != shape or grad.dtype != dtype:
                grad = _fit(node, position, grad, shape, dtype)
            owned = False  # only a leaf's gradient is worth proving owned (to adopt it)
            if type(target) is not Context and not grad._requires_grad:
                if visible is None:
                    visible = _visible_memory(node, slots)
                    returned = _returned(result if type(result) is tuple else (result,))
                root = _root(grad.array)
                owned = visible.get(root, True) and returned.get(root, 0) <= 1
            in_grads[position] = [grad, owned]
        return in_grads

    def _keep(self, node: Context, output_nr: int, grad: Tensor) -> None:
        """Capture a gradient autograd.grad asked for, or store one retain_grad() asked for."""
        if self.wanted is not None:
            if (node, output_nr) in self.wanted:
                self.captured[(node, output_nr)] = grad
            return
        if node.retained is not None and output_nr in node.retained:
            tensor = node.retained[output_nr]()
            if tensor is not None:
                grad = grad if self.create_graph else Tensor(grad.array.copy())
                tensor.grad = grad if tensor.grad is None else tensor.grad + grad

    def to_leaf(self, leaf: Tensor, grad: Tensor, owned: bool) -> None:
        """Accumulate into leaf.grad (or capture it), running the leaf's hooks first."""
        if leaf._hooks:
            hooked = _run_hooks(leaf._hooks, grad)
            owned = owned and hooked is grad
            grad = hooked
        if self.wanted is not None:
            if id(leaf) in self.wanted:
                slot = self.captured.get(id(leaf))
                self.captured[id(leaf)] = self._add(slot, grad, owned)
            return
        if self.create_graph:
            leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        elif leaf.grad is None:
            adopt = owned and grad.array.flags.writeable and grad.array.flags.c_contiguous
            leaf.grad = grad if adopt else Tensor(np.array(grad.array, order="C"))
        elif _can_add_in_place(leaf.grad, grad):
            np.add(leaf.grad.array, grad.array, out=leaf.grad.array)  # as torch accumulates
            if leaf.grad._version_counter is not None:
                leaf.grad._version_counter.value += 1
        else:
            leaf.grad = leaf.grad + grad

    def captured_for(self, capture: list[Tensor] | None) -> list[Tensor | None] | None:
        if capture is None:
            return None
        result = []
        for tensor in capture:
            found = self.captured.get(_key(tensor))
            result.append(found[0] if isinstance(found, list) else found)
        return result


def _key(tensor: Tensor) -> object:
    node = tensor.grad_fn
    return id(tensor) if node is None else (node, tensor.output_nr)


def _can_add_in_place(total: Tensor, grad: Tensor) -> bool:
    array = total.array
    return (
        not total._requires_grad
        and not grad._requires_grad
        and array.shape == grad.array.shape
        and array.dtype == grad.array.dtype
        and array.flags.writeable
    )


def _fit(node: Context, position: int, grad: object, shape: tuple, dtype: np.dtype) -> Tensor:
    """The gradient for argument `position` as a Tensor of the input's shape and dtype."""
    if not isinstance(grad, Tensor):
        grad = Tensor(np.asarray(grad))
    if grad.array.shape != shape:
        grad = sum_to(node.name, position, grad, shape)
    if grad.array.dtype != dtype:
        grad = grad.to(dtype)
    return grad


def sum_to(op: str, position: int, grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum `grad` over the dims that broadcasting added or stretched, giving it `shape`.

    If y = f(broadcast(x)), then dL/dx sums dL/dy over every copy of x: the leading dims
    that x lacked and the dims where x had size 1.
    """
    extra = grad.ndim - len(shape)
    if extra < 0 or any(n != 1 and n != grad.shape[extra + i] for i, n in enumerate(shape)):
        raise RuntimeError(
            f"{op}.backward returned a gradient of shape {grad.shape} for argument {position} "
            f"of shape {shape}, and the one cannot be summed to the other"
        )
    stretched = tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    summed = grad.sum(tuple(range(extra)) + stretched, keepdim=True)
    return summed.reshape(shape)


def _visible_memory(node: Context, slots: list) -> dict[int, bool]:
    """The memory a backward's result must not be handed out from without a copy: the incoming
    gradients' (mapped to whether they were owned) and the saved values'."""
    visible = {}
    for slot in slots:
        if slot is not None:
            visible[_root(slot[0].array)] = slot[1]
    saved = node.saved
    if type(saved) is tuple:
        for entry in saved:
            if type(entry[1]) is np.ndarray:
                visible[_root(entry[1])] = False
    return visible


def _returned(grads: list) -> dict[int, int]:
    """How many of a backward's results share each piece of memory."""
    counts: dict[int, int] = {}
    for grad in grads:
        array = grad.array if isinstance(grad, Tensor) else grad
        if isinstance(array, np.ndarray):
            root = _root(array)
            counts[root] = counts.get(root, 0) + 1
    return counts


def _root(array: np.ndarray) -> int:
    """The identity of the memory an array is a view of (itself, when it owns its memory)."""
    base = array.base
    return id(array if base is None else base)


def _run_hooks(hooks: list, grad: Tensor) -> Tensor:
    for hook in list(hooks):
        replaced = hook(grad)
        if replaced is not None:
            grad = replaced
    return grad
