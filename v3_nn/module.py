"""Module and Parameter: the containers every layer is built from, as in torch.nn.

A Module keeps three ordered registries, filled by plain attribute assignment:
Parameters (trainable tensors), buffers (state such as BatchNorm's running mean)
and submodules. Everything else (parameters(), state_dict(), train(), to(), ...) is a
walk over those registries, in registration order, so keys and order match torch.

Calling a module runs torch's sequence: forward pre-hooks, then `forward`, then forward
hooks; with backward hooks registered, the tensors going in and coming out pass through
an identity op whose backward hands their gradients to the hooks (torch's BackwardHook).
"""

from __future__ import annotations

import itertools
import warnings
import weakref
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor.autograd import Function
from v2_tensor.device import as_device, is_device
from v2_tensor.device import device as device_type


class Parameter(vt.Tensor):
    """A Tensor that a Module registers as trainable when it is assigned as an attribute.

    As torch's: `Parameter(t)` shares t's memory and version counter (and is a leaf even if
    t is not); `Parameter()` is an empty float tensor; requires_grad defaults to True.
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        counter = None
        if data is None:
            array = np.empty(0, dtype=vt.get_default_dtype())
        elif isinstance(data, vt.Tensor):
            array, counter = data.array, data._counter()
        else:
            array = np.asarray(data)
        super().__init__(array, requires_grad=requires_grad)
        self._version_counter = counter

    # Parameters are dictionary keys (optimizer state), compared by identity like torch's.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict could not match: lists of key names (torch's _IncompatibleKeys)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """What a register_*_hook returns: `remove()` (or leaving a `with` block) unregisters the
    hook, as torch.utils.hooks.RemovableHandle."""

    _ids = itertools.count()

    def __init__(self, hooks: OrderedDict, *, extra: Iterable[dict] = ()) -> None:
        self.hooks_dict_ref = weakref.ref(hooks)
        self.extra_dicts = tuple(extra)
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        hooks = self.hooks_dict_ref()
        if hooks is not None:
            hooks.pop(self.id, None)
        for extra in self.extra_dicts:
            extra.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def zero_grads(params: Iterable[vt.Tensor], set_to_none: bool = True) -> None:
    """Drop each tensor's gradient (set_to_none) or fill it with zeros; Module and Optimizer."""
    for param in params:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            if param.grad.grad_fn is not None:
                param.grad.detach_()
            else:
                param.grad.requires_grad_(False)
            param.grad.zero_()


def _addindent(text: str, spaces: int) -> str:
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


# ---- backward hooks ----------------------------------------------------------------------


class _BackwardHookFunction(Function):
    """The identity on tensors; its backward hands the gradients to `callback` (which may
    replace them). torch's BackwardHookFunction: the node that sees a module's gradients."""

    @staticmethod
    def forward(ctx, *arrays: np.ndarray, callback: Callable) -> tuple[np.ndarray, ...]:
        ctx.callback = callback
        return arrays

    @staticmethod
    def backward(ctx, *grads: vt.Tensor) -> tuple:
        return tuple(ctx.callback(grads))


def _pack(index: list[int], values: Iterable, size: int) -> tuple:
    packed: list[Any] = [None] * size
    for position, value in zip(index, values, strict=True):
        packed[position] = value
    return tuple(packed)


class _BackwardHook:
    """One call's backward hooks: the gradients of the outputs go to the pre-hooks, and, once
    the gradients of the inputs are known, both go to the full backward hooks."""

    def __init__(self, module: Module, hooks: list, pre_hooks: list) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_inputs = self.n_outputs = -1
        self.input_index: list[int] | None = None
        self.output_index: list[int] | None = None

    @staticmethod
    def _wrap(args: tuple, callback: Callable) -> tuple[tuple, list[int] | None]:
        """args with each tensor that requires grad passed through the hook identity."""
        index = [
            i for i, arg in enumerate(args) if isinstance(arg, vt.Tensor) and arg.requires_grad
        ]
        if not index or not vt.is_grad_enabled():
            return args, None
        originals = [args[i] for i in index]
        passed = _BackwardHookFunction.apply(*originals, callback=callback)
        new_args = list(args)
        for position, original, tensor in zip(index, originals, passed, strict=True):
            tensor._version_counter = original._counter()  # same memory, same versions
            new_args[position] = tensor
        return tuple(new_args), index

    def setup_input_hook(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        args, self.input_index = self._wrap(args, self._input_grads)
        return args

    def setup_output_hook(self, result: Any) -> Any:
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        self.n_outputs = len(outputs)
        outputs, self.output_index = self._wrap(outputs, self._output_grads)
        return outputs[0] if single else outputs

    def _output_grads(self, grads: tuple) -> tuple:
        module = self.module
        self.grad_outputs = _pack(self.output_index, grads, self.n_outputs)
        for hook in self.pre_hooks:
            replaced = hook(module, self.grad_outputs)
            if replaced is None:
                continue
            if len(replaced) != len(self.grad_outputs):
                raise RuntimeError(
                    "Backward pre hook returned an invalid number of grad_output, "
                    f"got {len(replaced)}, but expected {len(self.grad_outputs)}"
                )
            self.grad_outputs = tuple(replaced)
        grad_outputs = self.grad_outputs
        if self.input_index is None:  # no input requires grad: the full hooks fire now
            if self.hooks:
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to "
                    "module outputs since no inputs require gradients",
                    stacklevel=2,
                )
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                returned = hook(module, grad_inputs, grad_outputs)
                if returned is not None and not (
                    isinstance(returned, tuple) and all(g is None for g in returned)
                ):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients."
                    )
            self.grad_outputs = None
        return tuple(grad_outputs[i] for i in self.output_index)

    def _input_grads(self, grads: tuple) -> tuple:
        if self.grad_outputs is None:  # reached without passing the outputs (double backward)
            return grads
        grad_inputs = _pack(self.input_index, grads, self.n_inputs)
        for hook in self.hooks:
            returned = hook(self.module, grad_inputs, self.grad_outputs)
            if returned is None:
                continue
            if len(returned) != len(grad_inputs):
                raise RuntimeError(
                    "Backward hook returned an invalid number of grad_input, "
                    f"got {len(returned)}, but expected {len(grad_inputs)}"
                )
            grad_inputs = tuple(returned)
        self.grad_outputs = None
        return tuple(grad_inputs[i] for i in self.input_index)


# ---- conversions: to(), float(), ... ------------------------------------------------------


def _parse_to(args: tuple, kwargs: dict) -> np.dtype | None:
    """The dtype (or None) of Module.to's forms: to(device), to(dtype), to(device, dtype),
    to(tensor), with keywords device=, dtype=, non_blocking=, memory_format=. Devices other
    than the CPU are refused by v2_tensor.device.as_device."""
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments: {sorted(kwargs)}")
    rest = list(args)
    if rest and isinstance(rest[0], vt.Tensor):
        dtype = rest.pop(0).dtype
    else:
        first = rest[0] if rest else False
        if not isinstance(first, bool) and (
            first is None or isinstance(first, int) or is_device(first)
        ):
            device = rest.pop(0)  # an int is a CUDA ordinal, as in torch (refused)
        if rest and (vt.dtypes.is_dtype(rest[0]) or rest[0] in (float, int, bool)):
            dtype = rest.pop(0)
    if rest and isinstance(rest[0], bool):  # non_blocking
        rest.pop(0)
    if rest:
        raise TypeError(f"to() received an invalid combination of arguments: {args!r}")
    as_device(device)
    if dtype is None:
        return None
    dtype = vt.dtypes.as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(
            "nn.Module.to only accepts floating point or complex dtypes, but got desired "
            f"dtype={dtype}"
        )
    return dtype


# ---- state dicts ----------------------------------------------------------------------------


def _read_state_value(key: str, value: Any) -> np.ndarray | str:
    """A state-dict value as a NumPy array (our Tensors, NumPy arrays, torch tensors, lists),
    or the reason it cannot be one."""
    try:
        if isinstance(value, vt.Tensor):
            return value.array
        if not isinstance(value, np.ndarray) and all(
            hasattr(value, name) for name in ("detach", "cpu", "numpy")
        ):  # a torch tensor (torch is never imported here)
            return np.asarray(value.detach().cpu().numpy())
        return np.asarray(value)
    except (TypeError, ValueError, RuntimeError) as error:  # e.g. torch's bfloat16
        return f"{key!r} cannot be read as a NumPy array: {error}"


class Module:
    """Base class of every layer and model; subclasses define `forward`."""

    training: bool
    _version: int = 1  # torch's per-class state_dict version, read by ported code

    def __init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", OrderedDict())
        setattr_(self, "_buffers", OrderedDict())
        setattr_(self, "_non_persistent_buffers", set())
        setattr_(self, "_modules", OrderedDict())
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_pre_hooks_with_kwargs", OrderedDict())
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_forward_hooks_with_kwargs", OrderedDict())
        setattr_(self, "_forward_hooks_always_called", OrderedDict())
        setattr_(self, "_backward_hooks", OrderedDict())
        setattr_(self, "_backward_pre_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    # ---- calling, with torch's hooks ------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        d = self.__dict__
        if not (
            d.get("_forward_pre_hooks")
            or d.get("_forward_hooks")
            or d.get("_backward_hooks")
            or d.get("_backward_pre_hooks")
        ):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        result = None
        called: set[int] = set()
        try:
            for hook_id, hook in list(self._forward_pre_hooks.items()):
                if hook_id in self._forward_pre_hooks_with_kwargs:
                    returned = hook(self, args, kwargs)
                    if returned is not None:
                        if not (isinstance(returned, tuple) and len(returned) == 2):
                            raise RuntimeError(
                                "forward pre-hook must return None or a tuple of "
                                f"(new_args, new_kwargs), but got {returned}."
                            )
                        args, kwargs = returned
                else:
                    returned = hook(self, args)
                    if returned is not None:
                        args = returned if isinstance(returned, tuple) else (returned,)
            backward_hook = None
            if self._backward_hooks or self._backward_pre_hooks:
                backward_hook = _BackwardHook(
                    self,
                    list(self._backward_hooks.values()),
                    list(self._backward_pre_hooks.values()),
                )
                args = backward_hook.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            for hook_id, hook in list(self._forward_hooks.items()):
                if hook_id in self._forward_hooks_always_called:
                    called.add(hook_id)
                if hook_id in self._forward_hooks_with_kwargs:
                    returned = hook(self, args, kwargs, result)
                else:
                    returned = hook(self, args, result)
                if returned is not None:
                    result = returned
            if backward_hook is not None:
                if not isinstance(result, vt.Tensor | tuple):
                    warnings.warn(
                        "For backward hooks to be called, module output should be a Tensor or a "
                        f"tuple of Tensors but received {type(result)}",
                        stacklevel=3,
                    )
                result = backward_hook.setup_output_hook(result)
            return result
        except Exception:
            for hook_id, hook in list(self._forward_hooks.items()):
                if hook_id not in self._forward_hooks_always_called or hook_id in called:
                    continue
                try:
                    if hook_id in self._forward_hooks_with_kwargs:
                        returned = hook(self, args, kwargs, result)
                    else:
                        returned = hook(self, args, result)
                    if returned is not None:
                        result = returned
                except Exception as error:
                    warnings.warn(
                        "module forward hook with ``always_call=True`` raised an exception "
                        f"that was silenced as another error was raised in forward: {error}",
                        stacklevel=3,
                    )
            raise

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """hook(module, args) -> None or new args; with_kwargs: hook(module, args, kwargs) ->
        None or (args, kwargs). Runs before forward, in registration order (prepend: first)."""
        handle = RemovableHandle(
            self._forward_pre_hooks, extra=[self._forward_pre_hooks_with_kwargs]
        )
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(
        self,
        hook: Callable,
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """hook(module, args, output) (or (module, args, kwargs, output)) -> None or a new
        output; always_call runs it even when forward raises."""
        handle = RemovableHandle(
            self._forward_hooks,
            extra=[self._forward_hooks_with_kwargs, self._forward_hooks_always_called],
        )
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """hook(module, grad_output) -> None or a new grad_output, when the gradients of the
        module's outputs are known."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """hook(module, grad_input, grad_output) -> None or a new grad_input, when the gradients
        of the module's positional tensor inputs are known (None for the others)."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        raise RuntimeError(
            "register_backward_hook (torch's deprecated non-full hook, which sees only the "
            "last op's gradients) is not provided: use register_full_backward_hook"
        )

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for name in (
            "_forward_pre_hooks",
            "_forward_pre_hooks_with_kwargs",
            "_forward_hooks",
            "_forward_hooks_with_kwargs",
            "_forward_hooks_always_called",
            "_backward_hooks",
            "_backward_pre_hooks",
        ):
            self.__dict__.setdefault(name, OrderedDict())

    # ---- registration -------------------------------------------------------------------

    def _check_name(self, kind: str, name: Any, registry: str) -> None:
        if registry not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            detail = f", got: {name}" if kind == "module" else ""  # torch's words for each
            raise KeyError(f'{kind} name can\'t contain "."{detail}')
        if not name:
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in self.__dict__[registry]:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add `param` (or a None placeholder, left out of state_dict) under `name`."""
        self._check_name("parameter", name, "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(v3_nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must "
                "be created explicitly."
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: vt.Tensor | None, persistent: bool = True) -> None:
        """Add non-trainable state; persistent buffers appear in state_dict()."""
        self._check_name("buffer", name, "_buffers")
        if tensor is not None and not isinstance(tensor, vt.Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(v2_tensor.Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module (or a None placeholder) under `name`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name("module", name, "_modules")
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        """Alias of add_module."""
        self.add_module(name, module)

    def _forget(self, name: str, keep: str) -> None:
        # An attribute lives in one place: drop it from the others (keeping its slot, and so
        # its order, in the registry it is being assigned to again).
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__[registry].pop(name, None)
        self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if isinstance(value, Parameter):
            if "_parameters" not in d:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif "_parameters" in d and name in d["_parameters"]:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(v3_nn.Parameter or None expected)"
                )
            self._parameters[name] = None
        elif isinstance(value, Module):
            if "_modules" not in d:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep="_modules")
            self._modules[name] = value
        elif "_modules" in d and name in d["_modules"]:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(v3_nn.Module or None expected)"
                )
            self._modules[name] = None
        elif "_buffers" in d and name in d["_buffers"]:
            if value is not None and not isinstance(value, vt.Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(v2_tensor.Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Called only when ordinary lookup fails: look in the three registries.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = d.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        names = [*super().__dir__(), *self._parameters, *self._buffers, *self._modules]
        return sorted({name for name in names if not name[0].isdigit()})

    # ---- lookup by dotted name ----------------------------------------------------------

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path ("encoder.layers.0"); "" is the module itself."""
        if target == "":
            return self
        module: Module = self
        for item in target.split("."):
            if not hasattr(module, item):
                raise AttributeError(f"{type(module).__name__} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Replace (or, unless strict, add) the submodule at a dotted path."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        path, _, name = target.rpartition(".")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent = self.get_submodule(path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{type(parent).__name__} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        param = getattr(module, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> vt.Tensor:
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return module._buffers[name]

    # ---- traversal ----------------------------------------------------------------------

    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Self and every descendant, depth first in registration order."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            child_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self, remove_duplicate: bool = True) -> Iterator[Module]:
        for _, module in self.named_modules(remove_duplicate=remove_duplicate):
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs in torch's order; a shared Parameter appears once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, vt.Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[vt.Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call fn on every submodule (children first) and then on self, as torch does."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients --------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients: drop them (default) or fill them with zeros."""
        zero_grads(self.parameters(), set_to_none)

    # ---- dtypes and devices ---------------------------------------------------------------

    def _apply(self, fn: Callable[[vt.Tensor], vt.Tensor], recurse: bool = True) -> Module:
        """Replace every parameter's data, its gradient's, and every buffer by fn of it, as
        torch's _apply: Parameters keep their identity (so optimizers keep pointing at them),
        buffers become fn's result."""
        if recurse:
            for module in self.children():
                module._apply(fn)
        with vt.no_grad():
            for param in self._parameters.values():
                if param is None:
                    continue
                applied = fn(param)
                if applied.array is not param.array:
                    if param.requires_grad and applied.array.dtype.kind != "f":
                        raise RuntimeError(
                            "data set to a tensor that requires gradients must be floating "
                            "point or complex dtype"
                        )
                    param.array = applied.array
                if param.grad is not None:
                    param.grad.array = fn(param.grad).array
            for key, buffer in self._buffers.items():
                if buffer is not None:
                    self._buffers[key] = fn(buffer)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """to(device), to(dtype), to(device, dtype), to(tensor) or keywords, as torch: floating
        parameters, gradients and buffers take the dtype; integer state keeps its own. The
        one device is the CPU ("cpu", "cpu:0", device("cpu")); others are refused."""
        dtype = _parse_to(args, kwargs)
        if dtype is None:
            return self
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused: v2_tensor computes on the CPU (the RuntimeError of v2_tensor.device)."""
        as_device(device_type("cuda") if device is None else device)
        return self

    def type(self, dst_type: Any) -> Module:
        """Cast every parameter and buffer (integer ones too, as torch) to dst_type."""
        dtype = vt.dtypes.as_dtype(dst_type)
        return self._apply(lambda t: t.to(dtype))

    def float(self) -> Module:
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self) -> Module:
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self) -> Module:
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def bfloat16(self) -> Module:
        raise TypeError("bfloat16 is not available: v2_tensor has NumPy's float16/32/64 only")

    # ---- state_dict ---------------------------------------------------------------------

    def _state_entries(self) -> OrderedDict[str, tuple[Module, str, vt.Tensor]]:
        # torch's order: a module's parameters, then its persistent buffers, then each child.
        state: OrderedDict[str, tuple[Module, str, vt.Tensor]] = OrderedDict()
        for module_prefix, module in self.named_modules(remove_duplicate=False):
            dot = module_prefix + "." if module_prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    state[dot + name] = (module, name, param)
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent_buffers:
                    state[dot + name] = (module, name, buffer)
        return state

    def state_dict(
        self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> Any:
        """Every parameter and persistent buffer under torch's key names, as torch's: an
        OrderedDict of detached Tensors sharing memory with the model (so they change as it
        trains: copy them, e.g. `{k: v.clone() ...}`, for a snapshot); keep_vars=True gives
        the Parameters themselves."""
        if args:
            warnings.warn(
                "Positional args are being deprecated, use kwargs instead.",
                FutureWarning,
                stacklevel=2,
            )
            names = ("destination", "prefix", "keep_vars")
            if len(args) > len(names):
                raise TypeError("state_dict() takes at most 3 positional arguments")
            given = dict(zip(names, args, strict=False))
            destination = given.get("destination", destination)
            prefix = given.get("prefix", prefix)
            keep_vars = given.get("keep_vars", keep_vars)
        if destination is None:
            destination = OrderedDict()
        for key, (_, _, tensor) in self._state_entries().items():
            destination[prefix + key] = tensor if keep_vars else tensor.detach()
        return destination

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy values into this module's parameters and buffers, in place (keeping their
        dtype); with assign=True, put the state dict's tensors in their place instead.

        Values may be v2_tensor Tensors, NumPy arrays, torch tensors or anything NumPy reads.
        Every key, shape and dtype is checked first; on any error nothing is changed.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        targets = self._state_entries()
        missing = [key for key in targets if key not in state_dict]
        unexpected = [key for key in state_dict if key not in targets]
        errors: list[str] = []
        if strict and missing:
            errors.append(
                "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". "
            )
        if strict and unexpected:
            errors.append(
                "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". "
            )
        arrays: dict[str, np.ndarray] = {}
        for key, (_, _, tensor) in targets.items():
            if key not in state_dict:
                continue
            array = _read_state_value(key, state_dict[key])
            if isinstance(array, str):
                errors.append(array)
            elif not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
                errors.append(f"{key!r} holds non-numeric data of dtype {array.dtype}")
            elif np.iscomplexobj(array) and not np.iscomplexobj(tensor.array):
                errors.append(f"{key!r} holds complex data, the model's is {tensor.array.dtype}")
            elif array.shape != tensor.array.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {array.shape} from "
                    f"checkpoint, the shape in current model is {tensor.array.shape}."
                )
            elif assign and isinstance(tensor, Parameter) and array.dtype.kind != "f":
                errors.append(f"{key!r}: a Parameter must be floating point, got {array.dtype}")
            else:
                arrays[key] = array
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        with vt.no_grad():
            for key, array in arrays.items():
                module, name, tensor = targets[key]
                if not assign:
                    tensor.copy_(vt.Tensor(array))
                    continue
                value = state_dict[key]
                new = value if isinstance(value, vt.Tensor) else vt.Tensor(array)
                if isinstance(tensor, Parameter):
                    module._parameters[name] = Parameter(new, requires_grad=tensor.requires_grad)
                else:
                    module._buffers[name] = new.detach()
        return IncompatibleKeys(missing, unexpected)

    # ---- printing -----------------------------------------------------------------------

    def extra_repr(self) -> str:
        """One line of constructor arguments shown inside repr(); layers override it."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"
