"""Module and Parameter: the containers every layer is built from, as in torch.nn.

A Module keeps three ordered registries, filled by plain attribute assignment:
Parameters (trainable tensors), buffers (state such as BatchNorm's running mean)
and submodules. Everything else (parameters(), state_dict(), train(), ...) is a
walk over those registries, in registration order, so keys and order match torch.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

import v2_tensor as vt


class Parameter(vt.Tensor):
    """A Tensor that a Module registers as trainable when it is assigned as an attribute."""

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty(0, dtype=np.float32)
        elif isinstance(data, vt.Tensor):
            array = data.array
        else:
            array = np.asarray(data)
        super().__init__(array, requires_grad=requires_grad)

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


def zero_grads(params: Iterable[vt.Tensor], set_to_none: bool = True) -> None:
    """Drop each tensor's gradient (set_to_none) or fill it with zeros; Module and Optimizer."""
    for param in params:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            param.grad.zero_()


def _addindent(text: str, spaces: int) -> str:
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line if line.strip() else "" for line in rest])


class Module:
    """Base class of every layer and model; subclasses define `forward`."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- registration -------------------------------------------------------------------

    def _registries(self) -> tuple[dict, dict, dict]:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign to {type(self).__name__} before Module.__init__() call"
            )
        return self._parameters, self._buffers, self._modules

    def _check_name(self, kind: str, name: Any, registry: str) -> None:
        self._registries()
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')
        if hasattr(self, name) and name not in self.__dict__[registry]:
            raise KeyError(f"attribute '{name}' already exists on {type(self).__name__}")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add `param` (or a None placeholder) under `name`."""
        self._check_name("parameter", name, "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(v3_nn.Parameter or None required)"
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
        self._check_name("module", name, "_modules")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module

    register_module = add_module

    def _forget(self, name: str, keep: str) -> None:
        # An attribute lives in one place: drop it from the others (keeping its slot, and so
        # its order, in the registry it is being assigned to again).
        for registry in self._registries():
            if registry is not self.__dict__[keep]:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self._forget(name, keep="_modules")
            self.add_module(name, value)
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(v3_nn.Parameter or None expected)"
                )
            self._parameters[name] = None
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(v3_nn.Module or None expected)"
                )
            self._modules[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
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
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
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

    # ---- traversal ----------------------------------------------------------------------

    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Self and every descendant, depth first in registration order."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            child_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
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
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
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

    # ---- modes, gradients, dtypes ---------------------------------------------------------

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

    def _cast_floating(self, dtype: np.dtype) -> Module:
        # Casts floating parameters, their gradients and floating buffers; integer state
        # such as num_batches_tracked keeps its dtype, as in torch.
        tensors = [*self.parameters(), *self.buffers()]
        tensors += [param.grad for param in self.parameters() if param.grad is not None]
        for tensor in tensors:
            if np.issubdtype(tensor.array.dtype, np.floating):
                tensor.array = tensor.array.astype(dtype)
        return self

    def float(self) -> Module:
        return self._cast_floating(np.dtype(np.float32))

    def double(self) -> Module:
        return self._cast_floating(np.dtype(np.float64))

    # ---- state_dict ---------------------------------------------------------------------

    def _state_tensors(self) -> OrderedDict[str, vt.Tensor]:
        # torch's order: a module's parameters, then its persistent buffers, then each child.
        state: OrderedDict[str, vt.Tensor] = OrderedDict()
        for prefix, module in self.named_modules(remove_duplicate=False):
            dot = prefix + "." if prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    state[dot + name] = param
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent_buffers:
                    state[dot + name] = buffer
        return state

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Every parameter and persistent buffer as a NumPy copy, under torch's key names.

        Copies (not views) so a saved state stays what it was while training goes on.
        """
        return OrderedDict(
            (key, tensor.array.copy()) for key, tensor in self._state_tensors().items()
        )

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy arrays into this module's parameters and buffers, in place.

        Every key, shape and dtype is checked first; on any error nothing is changed.
        Values may be anything NumPy can read (NumPy arrays, torch tensors, lists).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"expected state_dict to be a mapping, got {type(state_dict).__name__}")
        targets = self._state_tensors()
        missing = [key for key in targets if key not in state_dict]
        unexpected = [key for key in state_dict if key not in targets]
        errors: list[str] = []
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected)))
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
        arrays: dict[str, np.ndarray] = {}
        for key, tensor in targets.items():
            if key not in state_dict:
                continue
            try:
                array = np.asarray(state_dict[key])
            except (TypeError, ValueError, RuntimeError) as error:  # e.g. torch's bfloat16
                errors.append(f"{key!r} cannot be read as a NumPy array: {error}")
                continue
            if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
                errors.append(f"{key!r} holds non-numeric data of dtype {array.dtype}")
            elif np.iscomplexobj(array) and not np.iscomplexobj(tensor.array):
                errors.append(f"{key!r} holds complex data, the model's is {tensor.array.dtype}")
            elif array.shape != tensor.array.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {array.shape} from "
                    f"checkpoint, the shape in current model is {tensor.array.shape}"
                )
            else:
                arrays[key] = array
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        with vt.no_grad():
            for key, array in arrays.items():
                targets[key].copy_(vt.Tensor(array))
        return IncompatibleKeys(missing, unexpected)

    # ---- printing -----------------------------------------------------------------------

    def extra_repr(self) -> str:
        """One line of constructor arguments shown inside repr(); layers override it."""
        return ""

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
        return f"{type(self).__name__}({body})"
