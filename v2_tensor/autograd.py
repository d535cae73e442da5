"""The public autograd API: backward, grad, gradcheck and the Function extension point."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import grad_mode
from .engine import run_backward
from .function import Context, Function, once_differentiable
from .tensor import Tensor

__all__ = ["Context", "Function", "GradcheckError", "backward", "grad", "gradcheck"]
__all__ += ["gradgradcheck", "once_differentiable"]


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate the gradients of `tensors` into the `.grad` of the leaves.

    A later call adds to `.grad` (set it to None to start again). With retain_graph=False
    (the default unless create_graph) the values saved for backward are freed, and a second
    backward through an op that needed them raises RuntimeError, as in torch. `inputs`
    restricts accumulation to the given leaves.
    """
    roots = _as_list(tensors)
    grads = _root_grads(roots, grad_tensors)
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward(roots, grads, keep, create_graph)
        return
    leaves = _as_list(inputs)
    found = run_backward(roots, grads, keep, create_graph, capture=leaves)
    for leaf, leaf_grad in zip(leaves, found, strict=True):
        if leaf_grad is not None:
            if not create_graph:
                leaf_grad = Tensor(leaf_grad.array.copy())
            leaf.grad = leaf_grad if leaf.grad is None else leaf.grad + leaf_grad


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs) as a tuple, leaving every `.grad` untouched (torch.autograd.grad).

    With create_graph=True the returned gradients are themselves differentiable.
    """
    roots = _as_list(outputs)
    targets = _as_list(inputs)
    for i, target in enumerate(targets):
        if not target.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    grads = _root_grads(roots, grad_outputs)
    keep = create_graph if retain_graph is None else retain_graph
    found = run_backward(roots, grads, keep, create_graph, capture=targets)
    for i, result in enumerate(found):
        if result is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} was not used to compute the outputs "
                "(pass allow_unused=True to get None for it)"
            )
    return tuple(found)


def _as_list(tensors: Any) -> list[Tensor]:
    items = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    for item in items:
        if not isinstance(item, Tensor):
            raise TypeError(f"autograd: expected Tensors, got {type(item).__name__}")
    return items


def _root_grads(roots: list[Tensor], given: Any) -> list[Tensor]:
    if given is None or isinstance(given, Tensor | np.ndarray):
        given = [given] * len(roots) if given is None else [given]
    given = list(given)
    if len(given) != len(roots):
        raise RuntimeError(f"got {len(given)} gradients for {len(roots)} outputs")
    grads = []
    for i, (root, g) in enumerate(zip(roots, given, strict=True)):
        if not root.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if root.array.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (output {i} has "
                    f"shape {root.shape}): pass `gradient` to backward, `grad_outputs` to grad"
                )
            g = Tensor(np.ones_like(root.array))
        elif not isinstance(g, Tensor):
            g = Tensor(np.asarray(g, dtype=root.dtype))
        if g.shape != root.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                f"output[{i}] has a shape of {root.shape}"
            )
        grads.append(g)
    return grads


class GradcheckError(RuntimeError):
    """A gradient that disagrees with central finite differences."""


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare backward's Jacobian with central finite differences (torch.autograd.gradcheck).

    Inputs that require grad must be float64. Returns True when every entry agrees within
    atol + rtol * |numerical|; otherwise raises GradcheckError naming the output, the input
    and both Jacobians (or returns False with raise_exception=False).
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    differentiable = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not differentiable:
        raise ValueError("gradcheck: no input requires grad")
    for x in differentiable:
        if x.dtype != np.float64:
            raise ValueError(
                f"gradcheck: inputs must be float64 for finite differences, got {x.dtype}"
            )

    def evaluate() -> list[Tensor]:
        out = fn(*inputs)
        return [out] if isinstance(out, Tensor) else [o for o in out if isinstance(o, Tensor)]

    outputs = evaluate()
    for k, output in enumerate(outputs):
        if not output.requires_grad:
            continue
        analytical = _analytical_jacobian(output, differentiable)
        with grad_mode.no_grad():
            numerical = [_numerical_jacobian(evaluate, k, x, eps) for x in differentiable]
        for i, (a, n) in enumerate(zip(analytical, numerical, strict=True)):
            if not np.allclose(a, n, atol=atol, rtol=rtol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"gradcheck: Jacobian mismatch for output {k} with respect to input {i}\n"
                    f"numerical:\n{n}\nanalytical:\n{a}"
                )
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check second derivatives by finite differences of the first (torch.autograd.gradgradcheck).

    The first derivative is a function of the inputs and of the gradients fed to the outputs:
    (x, u) -> d<u, fn(x)>/dx, computed by grad(..., create_graph=True). gradcheck then compares
    its Jacobian (from a second backward) with central differences of it, with respect to x
    and to u. `grad_outputs` default to standard normal draws (from `seed`), one per output of
    fn; given ones must be float64. Raises GradcheckError on a mismatch (or returns False with
    raise_exception=False), as gradcheck; an op whose backward is once differentiable raises
    its RuntimeError.
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    differentiable = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not differentiable:
        raise ValueError("gradgradcheck: no input requires grad")

    def outputs_of(args: tuple) -> list[Tensor]:
        out = fn(*args)
        outs = [out] if isinstance(out, Tensor) else [o for o in out if isinstance(o, Tensor)]
        return [o for o in outs if o.requires_grad]

    with grad_mode.enable_grad():
        shapes = [o.shape for o in outputs_of(inputs)]
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor(rng.standard_normal(shape)) for shape in shapes]
    else:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
        if len(grad_outputs) != len(shapes):
            raise ValueError(
                f"gradgradcheck: {len(grad_outputs)} grad_outputs for {len(shapes)} outputs "
                "that require grad"
            )
    seeds = [Tensor(np.array(g.array, dtype=np.float64), requires_grad=True) for g in grad_outputs]
    count = len(inputs)

    def first_derivative(*args: Any) -> tuple[Tensor, ...]:
        with grad_mode.enable_grad():  # gradcheck's finite differences run under no_grad
            xs, us = args[:count], args[count:]
            wanted = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
            found = grad(outputs_of(xs), wanted, list(us), create_graph=True, allow_unused=True)
        return tuple(g for g in found if g is not None)

    return gradcheck(first_derivative, (*inputs, *seeds), eps, atol, rtol, raise_exception)


def _analytical_jacobian(output: Tensor, inputs: list[Tensor]) -> list[np.ndarray]:
    """Row r of each Jacobian: the gradient of output.flat[r], one backward each."""
    jacobians = [np.zeros((output.array.size, x.array.size)) for x in inputs]
    for r in range(output.array.size):
        seed = np.zeros(output.shape)
        seed.flat[r] = 1.0
        grads = grad(output, inputs, Tensor(seed), retain_graph=True, allow_unused=True)
        for jacobian, g in zip(jacobians, grads, strict=True):
            if g is not None:
                jacobian[r] = g.array.ravel()
    return jacobians


def _numerical_jacobian(
    evaluate: Callable[[], list[Tensor]], k: int, x: Tensor, eps: float
) -> np.ndarray:
    """Column c: (f(x + eps e_c) - f(x - eps e_c)) / (2 eps), on a perturbed copy of x.array."""
    original = x.array
    x.array = original.copy()  # contiguous, so `flat` below is a view of it
    flat = x.array.reshape(-1)
    columns = []
    try:
        for c in range(flat.size):
            flat[c] = original.flat[c] + eps
            plus = evaluate()[k].array.astype(np.float64).ravel()
            flat[c] = original.flat[c] - eps
            minus = evaluate()[k].array.astype(np.float64).ravel()
            flat[c] = original.flat[c]
            columns.append((plus - minus) / (2 * eps))
    finally:
        x.array = original
    size = evaluate()[k].array.size
    return np.stack(columns, axis=1) if columns else np.zeros((size, 0))
