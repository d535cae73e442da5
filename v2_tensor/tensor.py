"""Tensor: an n-dimensional NumPy array that remembers the op that made it.

`t.array` is the NumPy array behind a tensor: the engine and the ops compute on it, and
`t.numpy()` hands it out (shared memory). `t.data` is what torch's `.data` is: another Tensor
on the same memory, with no history and `requires_grad=False`.

Every in-place change of a tensor's values (`add_`, `x[i] = v`, `+=`) adds one to its
version counter `t._version`, which it shares with its views; an op that saved a tensor for
backward remembers the version, and backward refuses to use a value changed since.

Graph walking (graph.py and other tools): `t.grad_fn` is None for a leaf, otherwise the
Context of the op that produced `t` (`t.grad_fn.name` is 'MatMul'); `t.output_nr` says which
output of that op `t` is; `grad_fn.next_functions` leads to the inputs' nodes, as in torch.
Every op (`t.exp()`, `t + u`, `t.sum(dim)`) is attached to the class from the table in
v2_tensor.ops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import device as devices
from . import dtypes, grad_mode


class VersionCounter:
    """How many times a tensor's memory was changed in place; views share one."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class Tensor:
    """An ndarray `array`, a gradient `grad` (a Tensor or None) and the op `grad_fn` behind it."""

    __slots__ = (
        "array",
        "grad",
        "_requires_grad",
        "_grad_fn",
        "output_nr",
        "_version_counter",
        "_view",
        "_hooks",
        "__weakref__",
    )
    __array_ufunc__ = None  # NumPy defers to our operators: ndarray + Tensor is a Tensor
    __hash__ = object.__hash__  # hashed by identity like torch's (== is elementwise)

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        """Wrap an ndarray without copying (anything else is converted like `tensor()`)."""
        self.array = data if isinstance(data, np.ndarray) else dtypes.to_array(data)
        self.grad: Tensor | None = None
        self._grad_fn = None
        self.output_nr = 0
        self._version_counter: VersionCounter | None = None
        self._view = None
        self._hooks: list[Callable] | None = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    # ---- attributes -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def device(self) -> devices.device:
        return devices.CPU

    is_cuda = False
    is_cpu = True

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, requires_grad: bool) -> None:
        if requires_grad and self.array.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.dtype}"
            )
        if not requires_grad and self._grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; to use a computed "
                "tensor in a part of the graph that is not differentiated, use .detach()"
            )
        self._requires_grad = bool(requires_grad)

    @property
    def grad_fn(self) -> Any:
        """The node of the op that made this tensor (None for a leaf)."""
        if self._view is not None:
            self._view.refresh(self)
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def data(self) -> Tensor:
        """The same memory as a Tensor without history (torch's `.data`): changes made through
        it are not seen by autograd, and it has a version counter of its own."""
        return Tensor(self.array)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(value).__name__}")
        self.array = value.array

    @property
    def _version(self) -> int:
        return 0 if self._version_counter is None else self._version_counter.value

    def _counter(self) -> VersionCounter:
        counter = self._version_counter
        if counter is None:
            counter = self._version_counter = VersionCounter()
        return counter

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        if dim is None:
            return self.array.shape
        from .ops.dims import normalize_dim

        return self.array.shape[normalize_dim("size", dim, self.array.ndim)]

    def dim(self) -> int:
        return self.array.ndim

    ndimension = dim

    def numel(self) -> int:
        return self.array.size

    nelement = numel

    def element_size(self) -> int:
        return self.array.itemsize

    def is_floating_point(self) -> bool:
        return self.array.dtype.kind == "f"

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    # ---- conversion -------------------------------------------------------------------
    def item(self) -> float | int | bool:
        return self._scalar("item", RuntimeError)

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The array behind this tensor (shared memory); refused for a tensor that requires
        grad, as in torch, unless force=True (which returns a copy of a detached tensor)."""
        if force:
            return self.array.copy()
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self.array

    def tolist(self) -> Any:
        return self.array.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is None and not copy:
            return self.array
        return np.array(self.array, dtype=dtype, copy=True)

    def __float__(self) -> float:
        return float(self._scalar("float", ValueError))

    def __int__(self) -> int:
        return int(self._scalar("int", ValueError))

    def _scalar(self, conversion: str, error: type[Exception]) -> float | int | bool:
        """The one element as a Python number (torch raises RuntimeError from item(), ValueError
        from float() and int())."""
        if self.array.size != 1:
            raise error(
                f"{conversion}(): a Tensor with {self.array.size} elements (shape {self.shape}) "
                "cannot be converted to a Python number"
            )
        return self.array.item()

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError(
                f"the truth value of a Tensor with {self.array.size} elements is ambiguous"
            )
        return bool(self.array.item())

    def __index__(self) -> int:
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.array.item())

    def detach(self) -> Tensor:
        """The same memory cut from the graph; it shares this tensor's version counter."""
        out = Tensor(self.array)
        out._version_counter = self._counter()
        return out

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place (views refuse, as in torch)."""
        if self._view is not None:
            raise RuntimeError(
                "detach_(): can't detach a view in place; use detach() instead, which returns "
                "a new tensor"
            )
        self._grad_fn = None
        self._requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """to(dtype), to(device), to(device, dtype), to(other) or keywords, as torch: the
        tensor itself when nothing changes, unless copy=True."""
        dtype, copy = _parse_to("to", args, kwargs)
        result = self if dtype is None else ops.cast(self, dtype)
        return ops.clone(result) if copy and result is self else result

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        devices.as_device(devices.device("cuda") if device is None else device)
        return self

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """The legacy type name ('torch.FloatTensor'), or this tensor cast to `dtype`."""
        if dtype is None:
            return dtypes.torch_type_name(self.array.dtype)
        return ops.cast(self, dtypes.as_dtype(dtype))

    def float(self) -> Tensor:
        return ops.cast(self, dtypes.float32)

    def double(self) -> Tensor:
        return ops.cast(self, dtypes.float64)

    def half(self) -> Tensor:
        return ops.cast(self, dtypes.float16)

    def long(self) -> Tensor:
        return ops.cast(self, dtypes.int64)

    def int(self) -> Tensor:
        return ops.cast(self, dtypes.int32)

    def short(self) -> Tensor:
        return ops.cast(self, dtypes.int16)

    def char(self) -> Tensor:
        return ops.cast(self, dtypes.int8)

    def byte(self) -> Tensor:
        return ops.cast(self, dtypes.uint8)

    def bool(self) -> Tensor:
        return ops.cast(self, dtypes.bool)

    def type_as(self, other: Tensor) -> Tensor:
        return ops.cast(self, other.dtype)

    # ---- autograd ---------------------------------------------------------------------
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see autograd.backward)."""
        autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in `.grad` during backward (leaves always do)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        node = self.grad_fn
        if node is not None:
            node.retain(self)

    @property
    def retains_grad(self) -> bool:
        node = self.grad_fn
        return node is not None and node.retains(self.output_nr)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call hook(grad) when this tensor's gradient is computed; a returned Tensor replaces
        the gradient. Returns a handle whose remove() unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn
        if node is not None:
            return node.register_hook(self.output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        return _HookHandle(self._hooks, hook)

    # ---- Python protocols -------------------------------------------------------------
    def __iter__(self) -> Iterator[Tensor]:
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __contains__(self, element: Any) -> bool:
        return bool((self == element).array.any())

    def __deepcopy__(self, memo: dict) -> Tensor:
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment; detach() it first"
            )
        copy = type(self).__new__(type(self))
        Tensor.__init__(copy, self.array.copy(), self._requires_grad)
        if self.grad is not None:
            copy.grad = Tensor(self.grad.array.copy())
        if hasattr(self, "__dict__"):
            copy.__dict__.update(self.__dict__)
        memo[id(self)] = copy
        return copy

    def __reduce__(self) -> tuple:
        if self._grad_fn is not None and self._requires_grad:
            raise RuntimeError(
                "refusing to serialize a non-leaf tensor that requires grad; detach() it first"
            )
        return (_rebuild, (type(self), self.array, self._requires_grad))

    # ---- printing -----------------------------------------------------------------------
    def __repr__(self) -> str:
        body = np.array2string(
            self.array, separator=", ", prefix="tensor(", precision=4, floatmode="maxprec_equal"
        )
        extras = []
        if self.array.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool):
            extras.append(f"dtype={self.array.dtype}")
        node = self.grad_fn
        if node is not None:
            extras.append(f"grad_fn=<{node.name}Backward>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"


class _HookHandle:
    """What register_hook returns: `remove()` takes the hook out again."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self.hooks, self.hook = hooks, hook
        hooks.append(hook)

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)

    def __enter__(self) -> _HookHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _rebuild(cls: type, array: np.ndarray, requires_grad: bool) -> Tensor:
    tensor = cls.__new__(cls)
    Tensor.__init__(tensor, array, requires_grad)
    return tensor


def _parse_to(op: str, args: tuple, kwargs: dict) -> tuple[np.dtype | None, bool]:
    """The dtype (or None) and copy flag of to(...)'s torch forms; the device must be the CPU."""
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    device = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{op}() got an unexpected keyword argument {next(iter(kwargs))!r}")
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        dtype = rest.pop(0).dtype
    elif rest and (devices.is_device(rest[0]) or rest[0] is None):
        device = rest.pop(0) or device
    if rest and (dtypes.is_dtype(rest[0]) or rest[0] in (float, int, bool)):
        dtype = rest.pop(0)
    if rest and isinstance(rest[0], bool):  # to(dtype, non_blocking, copy)
        rest.pop(0)
        if rest and isinstance(rest[0], bool):
            copy = rest.pop(0)
    if rest:
        raise TypeError(f"{op}(): cannot read argument {rest[0]!r} as a device or a dtype")
    devices.as_device(device)
    return (None if dtype is None else dtypes.as_dtype(dtype)), copy


def in_grad_mode() -> bool:
    return grad_mode._enabled


# The ops and the autograd engine build on Tensor, so they are imported after it.
from . import autograd, ops  # noqa: E402
