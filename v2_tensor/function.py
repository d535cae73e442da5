"""Function, the base class of every op, and Context, its graph node.

An op is a Function subclass with two static methods (minitorch's and torch's design):

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):            # NumPy arrays in, NumPy array(s) out
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):           # Tensors in, Tensors out
            a, b = ctx.saved_tensors
            return grad * b, grad * a      # d(ab)/da = b, d(ab)/db = a

    out = Mul.apply(x, y)                  # Tensors in, Tensor(s) out

forward(ctx, *args, **kwargs)
    Receives every Tensor argument as its `.data` array (other arguments as they are) and
    returns an array or a tuple of arrays (one Tensor output each). `ctx.needs_input_grad`
    already tells which positional arguments need a gradient. Store what backward needs with
    `ctx.save_for_backward(*arrays)` and plain values as attributes (`ctx.dim = dim`).

backward(ctx, *grad_outputs)
    Receives one gradient Tensor per output (zeros for an output that got none) and returns
    one gradient per positional argument of forward: a Tensor, an ndarray or None (for
    non-tensor arguments and inputs whose `ctx.needs_input_grad` is False); a single value
    when forward has one positional argument. `ctx.saved_tensors` returns the saved arrays
    as Tensors, and an array that was an input or an output of forward comes back as that
    very Tensor. So a backward written with Tensor ops is itself differentiable
    (`create_graph=True`: Hessian-vector products, gradient penalties). A backward that
    computes in NumPy is differentiable once: decorate it with `@once_differentiable` so that
    differentiating it twice raises instead of returning a wrong answer.

Outputs of integer or bool dtype never require grad (argmax indices, masks). When no input
requires grad, or under `no_grad()`, apply records nothing.

A Context is the `grad_fn` of the tensors it produced: `grad_fn.name` is the op's name
('Mul'), `grad_fn.inputs` its input Tensors, `grad_fn.next_functions` their grad_fns.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from . import grad_mode
from .tensor import Tensor

_RELEASED = object()


class Context:
    """One recorded op: what forward saved for backward, and the edges to its inputs."""

    __slots__ = (
        "function",
        "args",
        "edges",
        "saved",
        "raw_outputs",
        "outputs",
        "retained",
        "__dict__",
    )

    def __init__(self, function: type[Function], args: tuple, edges: list) -> None:
        self.function = function
        self.args = args
        self.edges = edges  # (position in args, input Tensor) for each input that needs a grad
        self.saved: tuple = ()
        self.retained: frozenset[int] = frozenset()  # outputs that called retain_grad()

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each positional argument of forward: does it need a gradient?"""
        needed = [False] * len(self.args)
        for position, _ in self.edges:
            needed[position] = True
        return tuple(needed)

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (or other values) for backward; read them back as `saved_tensors`."""
        self.saved = values

    @property
    def saved_tensors(self) -> tuple:
        if self.saved is _RELEASED:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time (its saved "
                "values were freed after the first backward); pass retain_graph=True the "
                "first time if you need to backward twice"
            )
        return tuple([self._as_tensor(value) for value in self.saved])

    def _as_tensor(self, value: Any) -> Any:
        if not isinstance(value, np.ndarray | np.generic):
            return value
        for arg in self.args:
            if isinstance(arg, Tensor) and arg.data is value:
                return arg
        for index, raw in enumerate(self.raw_outputs):
            if raw is value:
                output = self.outputs[index]()
                return output if output is not None else Tensor(np.asarray(raw))
        return Tensor(np.asarray(value))

    def release(self) -> None:
        """Free what forward saved: a second backward through this node then raises."""
        if self.saved:
            self.saved = _RELEASED

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        return tuple(arg for arg in self.args if isinstance(arg, Tensor))

    @property
    def next_functions(self) -> tuple[Context | None, ...]:
        return tuple(tensor.grad_fn for tensor in self.inputs)

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"


class Function:
    """Base class of every differentiable op; see the module docstring for the contract."""

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Tensor) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        arrays, edges = [], []
        enabled = grad_mode._enabled
        for position, arg in enumerate(args):
            if isinstance(arg, Tensor):
                arrays.append(arg.data)
                if enabled and arg.requires_grad:
                    edges.append((position, arg))
            else:
                arrays.append(arg)
        ctx = Context(cls, args, edges)
        raw = cls.forward(ctx, *arrays, **kwargs)
        if not edges:  # nothing to differentiate: record no graph
            if type(raw) is not tuple:
                return _output(raw, None, 0)
            return tuple(_output(r, None, i) for i, r in enumerate(raw))
        if type(raw) is not tuple:
            ctx.raw_outputs = (raw,)
            out = _output(raw, ctx, 0)
            ctx.outputs = (weakref.ref(out),)
            return out
        ctx.raw_outputs = raw
        outputs = tuple(_output(r, ctx, i) for i, r in enumerate(raw))
        ctx.outputs = tuple(weakref.ref(output) for output in outputs)
        return outputs


def _output(raw: Any, node: Context | None, index: int) -> Tensor:
    out = Tensor.__new__(Tensor)
    out.data = raw if type(raw) is np.ndarray else np.asarray(raw)
    out.grad = None
    out.output_nr = index
    if node is not None and out.data.dtype.kind == "f":
        out.requires_grad = True
        out.grad_fn = node
    else:
        out.requires_grad = False
        out.grad_fn = None
    return out


def once_differentiable(backward: Callable) -> Callable:
    """Mark a backward computed outside Tensor ops (in NumPy): differentiating it again raises."""

    @functools.wraps(backward)
    def wrapper(ctx: Context, *grad_outputs: Tensor) -> Any:
        creating_graph = grad_mode._enabled
        with grad_mode.no_grad():
            result = backward(ctx, *grad_outputs)
        if not creating_graph:
            return result
        sources = [t for t in (*ctx.inputs, *grad_outputs) if t.requires_grad]
        if not sources:
            return result
        many = type(result) is tuple
        marked = tuple(
            None if g is None else _OnceDifferentiable.apply(g, *sources, name=ctx.name)
            for g in (result if many else (result,))
        )
        return marked if many else marked[0]

    return wrapper


class _OnceDifferentiable(Function):
    """Passes a gradient through; raises if anything tries to differentiate through it."""

    @staticmethod
    def forward(ctx: Context, grad: Any, *sources: Any, name: str) -> Any:
        ctx.op_name = name
        return grad

    @staticmethod
    def backward(ctx: Context, *grads: Tensor) -> Any:
        raise RuntimeError(
            f"{ctx.op_name}: its backward is marked once_differentiable (computed in NumPy), "
            "so it cannot be differentiated a second time"
        )
