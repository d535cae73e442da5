"""Function, the base class of every op, and Context, its node in the graph.

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
    Receives every Tensor argument as its array (other arguments as they are) and returns an
    array or a tuple of arrays (one Tensor output each). `ctx.needs_input_grad` tells which
    positional arguments need a gradient. Keep the arrays backward needs with
    `ctx.save_for_backward(*arrays)` (so that the version check and the freeing after
    backward apply to them) and plain values as attributes (`ctx.dim = dim`).

backward(ctx, *grad_outputs)
    Receives one gradient Tensor per output (zeros for an output that got none) and returns
    one gradient per positional argument of forward: a Tensor, an ndarray or None (for
    non-tensor arguments and inputs that need no gradient); a single value when forward has
    one positional argument. A gradient may have the shape of the broadcast result: the
    engine sums it back to the input's shape, so no op does that itself. `ctx.saved_tensors`
    gives the saved arrays back as Tensors; an input or output of forward comes back as that
    tensor, with its place in the graph, so a backward written with Tensor ops is itself
    differentiable (`create_graph=True`). A backward that computes in NumPy is
    differentiable once: decorate it with `@once_differentiable`, and differentiating it
    twice raises instead of returning a wrong answer.

Outputs of integer or bool dtype never require grad (argmax indices, masks). When no input
requires grad, or under `no_grad()`, apply records nothing.

A Context holds no input tensor, only edges to the nodes that made them (a leaf that requires
grad is its own edge) and what forward saved: so memory is what torch's would be, and after
backward (without retain_graph) the graph holds no array at all.

A Function whose outputs are views of its first input (reshape, permute, basic indexing)
sets `is_view = True`: the outputs then share the input's version counter, and an in-place
change of a view rewrites the base's history too (v2_tensor.inplace).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from . import grad_mode
from .tensor import Tensor, VersionCounter, _HookHandle

_CONSTANT, _INPUT, _OUTPUT = 0, 1, 2
_RELEASED = "released"


class Context:
    """One recorded op: what forward saved for backward, and the edges to its inputs."""

    __slots__ = (
        "function",
        "edges",
        "arg_count",
        "saved",
        "output_meta",
        "constants",
        "retained",
        "hooks",
        "__dict__",
    )

    def __init__(self, function: type[Function], edges: list | None, arg_count: int) -> None:
        self.function = function
        # (position in args, producing Context or leaf Tensor, output_nr, shape, dtype)
        self.edges = edges or []
        self.arg_count = arg_count
        self.saved: Any = ()
        self.retained: dict | None = None  # output_nr -> weakref of a tensor that retains grad
        self.hooks: dict | None = None  # output_nr -> hooks on that output's gradient

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each positional argument of forward: does it need a gradient?"""
        needed = [False] * self.arg_count
        for edge in self.edges:
            needed[edge[0]] = True
        return tuple(needed)

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (or other values) for backward; read them back as `saved_tensors`."""
        self.saved = values

    @property
    def saved_tensors(self) -> tuple:
        if self.saved is _RELEASED:
            raise _second_backward(self.name)
        return tuple([_unpack(self, entry) for entry in self.saved])

    def release(self) -> None:
        """Free every array forward kept: a second backward that needs one then raises."""
        if self.saved:
            self.saved = _RELEASED
        if not self.__dict__:
            return
        arrays = [name for name, value in self.__dict__.items() if isinstance(value, np.ndarray)]
        if arrays:
            for name in arrays:
                del self.__dict__[name]
            self.__dict__["_freed"] = frozenset(arrays)

    def __getattr__(self, name: str) -> Any:
        if name in self.__dict__.get("_freed", ()):
            raise _second_backward(self.name)
        raise AttributeError(f"{self.name} context has no attribute {name!r}")

    def retain(self, tensor: Tensor) -> None:
        if self.retained is None:
            self.retained = {}
        self.retained[tensor.output_nr] = weakref.ref(tensor)

    def retains(self, output_nr: int) -> bool:
        return self.retained is not None and output_nr in self.retained

    def register_hook(self, output_nr: int, hook: Callable) -> _HookHandle:
        if self.hooks is None:
            self.hooks = {}
        return _HookHandle(self.hooks.setdefault(output_nr, []), hook)

    def input_tensors(self) -> list[Tensor]:
        """A Tensor standing for each differentiable input, with that input's place in the
        graph (for backward code that must connect a result to the inputs)."""
        return [
            _placeholder(np.broadcast_to(np.zeros((), dtype), shape), target, nr)
            for _, target, nr, shape, dtype in self.edges
        ]

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """(node, output_nr) for each tensor input in argument order, as in torch: a leaf
        that requires grad appears as its AccumulateGrad node (`.variable` is the leaf), an
        input that needs no gradient as (None, 0)."""
        entries = [
            (position, AccumulateGrad(target) if isinstance(target, Tensor) else target, nr)
            for position, target, nr, _, _ in self.edges
        ]
        entries += [(position, None, 0) for position, *_ in self.constants or ()]
        return tuple((node, nr) for _, node, nr in sorted(entries, key=lambda e: e[0]))

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"


class AccumulateGrad:
    """The node through which a gradient reaches a leaf's `.grad` (for graph walkers)."""

    name = "AccumulateGrad"
    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


class Function:
    """Base class of every differentiable op; see the module docstring for the contract."""

    is_view = False

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Tensor) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        enabled = grad_mode._enabled
        arrays, edges, constants = [], None, None
        position = 0
        for arg in args:
            if isinstance(arg, Tensor):
                array = arg.array
                arrays.append(array)
                if not enabled:
                    pass
                elif arg._requires_grad:
                    node = arg._grad_fn if arg._view is None else arg.grad_fn
                    if edges is None:
                        edges = []
                    edges.append((position, node or arg, arg.output_nr, array.shape, array.dtype))
                else:  # for pictures of the graph: position, the tensor (weakly), shape
                    if constants is None:
                        constants = []
                    constants.append((position, weakref.ref(arg), array.shape, array.dtype))
            else:
                arrays.append(arg)
            position += 1
        ctx = Context(cls, edges, position)
        raw = cls.forward(ctx, *arrays, **kwargs)
        if type(raw) is not tuple:
            out = _output(raw, ctx if edges else None, 0)
            if edges:
                ctx.output_meta = ((out.array.shape, out.array.dtype),)
                ctx.constants = constants
                if ctx.saved:
                    ctx.saved = tuple([_entry(v, args, (raw,), (out,)) for v in ctx.saved])
            if cls.is_view:
                _mark_views(cls, args, kwargs, (out,))
            return out
        node = ctx if edges else None
        outputs = tuple([_output(r, node, i) for i, r in enumerate(raw)])
        if edges:
            ctx.output_meta = tuple([(out.array.shape, out.array.dtype) for out in outputs])
            ctx.constants = constants
            if ctx.saved:
                ctx.saved = tuple([_entry(v, args, raw, outputs) for v in ctx.saved])
        if cls.is_view:
            _mark_views(cls, args, kwargs, outputs)
        return outputs


def _output(raw: Any, node: Context | None, index: int) -> Tensor:
    out = Tensor.__new__(Tensor)
    out.array = raw if type(raw) is np.ndarray else np.asarray(raw)
    out.grad = None
    out.output_nr = index
    out._version_counter = None
    out._view = None
    out._hooks = None
    if node is not None and out.array.dtype.kind == "f":
        out._requires_grad = True
        out._grad_fn = node
    else:
        out._requires_grad = False
        out._grad_fn = None
    return out


# ---- saved values ------------------------------------------------------------------------


def _entry(value: Any, args: tuple, raws: tuple, outputs: tuple[Tensor, ...]) -> tuple:
    """How a saved value is kept: (kind, array, version counter, version, source, output_nr).

    An output or an input of forward is kept with its version (to catch a later in-place
    change) and with its place in the graph (the producing node, or the leaf itself), so
    that unpacking gives a tensor that backward code can differentiate through again.
    """
    if isinstance(value, np.ndarray | np.generic):
        for raw, out in zip(raws, outputs, strict=True):
            if raw is value:  # (a 0-d result may be a NumPy scalar, wrapped as an array)
                counter = out._counter()
                return (_OUTPUT, out.array, counter, counter.value, None, out.output_nr)
        for arg in args:
            if isinstance(arg, Tensor) and arg.array is value:
                counter = arg._counter()
                source = None
                if arg._requires_grad:
                    source = arg._grad_fn or arg
                return (_INPUT, value, counter, counter.value, source, arg.output_nr)
    return (_CONSTANT, value, None, 0, None, 0)


def _unpack(ctx: Context, entry: tuple) -> Any:
    kind, value, counter, version, source, output_nr = entry
    if kind == _CONSTANT:
        return Tensor(value) if isinstance(value, np.ndarray | np.generic) else value
    if counter.value != version:
        raise _modified(ctx, entry)
    if isinstance(source, Tensor):
        return source  # a leaf: gradients through it must reach that very tensor
    if kind == _OUTPUT:
        source = ctx if value.dtype.kind == "f" else None
    tensor = _placeholder(value, source, output_nr)
    tensor._version_counter = counter
    return tensor


def _placeholder(array: np.ndarray, source: Any, output_nr: int) -> Tensor:
    """A Tensor at a given place in the graph: output `output_nr` of node `source`, the leaf
    `source` itself, or (source None) a constant."""
    if isinstance(source, Tensor):
        return source
    return _output(array, source, output_nr)


def _modified(ctx: Context, entry: tuple) -> RuntimeError:
    _, value, counter, version, source, output_nr = entry
    what = f"output {output_nr} of {ctx.name}" if entry[0] == _OUTPUT else "an input"
    if isinstance(source, Context):
        what = f"output {output_nr} of {source.name}"
    elif isinstance(source, Tensor):
        what = "a leaf"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{value.dtype} tensor of shape {value.shape}], which is {what}, "
        f"is at version {counter.value}; expected version {version} instead ({ctx.name}'s "
        "backward needs its value from before the change; clone() it before modifying it)"
    )


def _second_backward(name: str) -> RuntimeError:
    return RuntimeError(
        f"{name}: trying to backward through the graph a second time (its saved values were "
        "freed after the first backward); pass retain_graph=True the first time if you need "
        "to backward twice"
    )


# ---- views -------------------------------------------------------------------------------


class ViewInfo:
    """What makes a tensor a view: its base and the view ops that lead from the base to it.

    When the base's history changes (an in-place op on the base or on another view of it),
    the view's own node is out of date; `refresh` replays the view ops on the base, so the
    view's gradient flows through the base's new history, as torch regenerates a view's
    grad_fn.
    """

    __slots__ = ("base", "steps", "multi_output", "base_fn")

    def __init__(self, base: Tensor, steps: tuple, multi_output: bool) -> None:
        self.base = base
        self.steps = steps  # (Function, args after the input, kwargs, output index or None)
        self.multi_output = multi_output
        self.base_fn = base._grad_fn

    def refresh(self, view: Tensor, force: bool = False) -> None:
        base = self.base
        if base._grad_fn is self.base_fn and not force:
            return
        self.base_fn = base._grad_fn
        if not base._requires_grad:
            return
        with grad_mode.enable_grad():
            fresh = replay_view(self.steps, base)
        take_identity(view, fresh)


def replay_view(steps: tuple, tensor: Tensor) -> Tensor:
    """The view ops `steps` applied to `tensor` (of the base's shape), recorded."""
    for function, args, kwargs, index in steps:
        out = function.apply(tensor, *args, **kwargs)
        tensor = out if index is None else out[index]
    return tensor


def replay_view_array(steps: tuple, array: np.ndarray) -> np.ndarray:
    """The same view of another array of the base's shape (a NumPy view into it)."""
    for function, args, kwargs, index in steps:
        out = function.forward(Context(function, [], 0), array, *args, **kwargs)
        array = out if index is None else out[index]
    return array


def take_identity(tensor: Tensor, source: Tensor) -> None:
    """Make `tensor` stand where `source` stands in the graph (its node and output number)."""
    tensor._grad_fn = source._grad_fn
    tensor.output_nr = source.output_nr
    tensor._requires_grad = source._requires_grad


def _mark_views(cls: type[Function], args: tuple, kwargs: dict, outputs: tuple) -> None:
    """Outputs that share memory with the input share its version counter and know their base."""
    x = args[0]
    root = _root(x.array)
    counter = x._counter()
    parent = x._view
    base = x if parent is None else parent.base
    earlier = () if parent is None else parent.steps
    multi = len(outputs) > 1 or (parent is not None and parent.multi_output)
    for i, out in enumerate(outputs):
        if _root(out.array) is not root:
            continue  # this output is a copy (reshape of a non-contiguous tensor)
        out._version_counter = counter
        step = (cls, args[1:], kwargs, i if len(outputs) > 1 else None)
        out._view = ViewInfo(base, (*earlier, step), multi)


def _root(array: np.ndarray) -> Any:
    base = array.base
    return array if base is None else base


# ---- once_differentiable ---------------------------------------------------------------------


def once_differentiable(backward: Callable) -> Callable:
    """Mark a backward computed outside Tensor ops (in NumPy): differentiating it again raises."""

    @functools.wraps(backward)
    def wrapper(ctx: Context, *grad_outputs: Tensor) -> Any:
        creating_graph = grad_mode._enabled
        with grad_mode.no_grad():
            result = backward(ctx, *grad_outputs)
        if not creating_graph:
            return result
        sources = [g for g in grad_outputs if g._requires_grad] + ctx.input_tensors()
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
        return np.asarray(grad)

    @staticmethod
    def backward(ctx: Context, *grads: Tensor) -> Any:
        raise RuntimeError(
            f"{ctx.op_name}: its backward is marked once_differentiable (computed in NumPy), "
            "so it cannot be differentiated a second time"
        )


__all__ = ["AccumulateGrad", "Context", "Function", "VersionCounter", "once_differentiable"]
