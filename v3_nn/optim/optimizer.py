"""The Optimizer base class: parameter groups, per-parameter state, zero_grad, state_dict.

A subclass implements `_update(param, grad, state, group)`: NumPy arithmetic on the state's
arrays and the gradient array `grad` (already negated for `maximize`, with L2 weight decay
added where the optimizer couples it), ending in one in-place write of the parameter
(`param.add_`, `mul_`, ...), so the parameter's version counts the change. Steps run under
no_grad and never build a graph. Temporaries come from `_scratch` buffers that are reused
from parameter to parameter, so a step allocates almost nothing.

The state is torch's: `optimizer.state[p]` is a dict of Tensors under torch's key names
('step' a 0-d float Tensor, 'exp_avg', ...), and `state_dict()` has torch's layout
(`{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`), so a state
saved by torch loads here and the reverse (converting the tensors).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor.inplace import bump_version

from ..module import zero_grads

ParamsT = Iterable[vt.Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, vt.Tensor]]


def scalar_dtype() -> np.dtype:
    """The dtype of 0-d state such as 'step': float64 when that is the default, else float32."""
    return np.dtype(np.float64) if vt.get_default_dtype() == np.float64 else np.dtype(np.float32)


def scalar_state(value: float) -> vt.Tensor:
    """A 0-d state tensor in torch's scalar dtype (so 'step' and NAdam's 'mu_product' round
    as torch's do)."""
    return vt.Tensor(np.array(value, dtype=scalar_dtype()))


def as_float(value: Any) -> float:
    """A float from a float or a one-element tensor (a tensor learning rate)."""
    return float(value)


def check_lr(name: str, lr: Any, foreach: bool | None = None, capturable: bool = False) -> None:
    """torch's checks of a learning rate: a float or a one-element Tensor, not negative."""
    if isinstance(lr, vt.Tensor):
        if lr.numel() != 1:
            raise ValueError(f"{name}: Tensor lr must be 1-element, got shape {tuple(lr.shape)}")
        if foreach and not capturable:
            raise ValueError(
                f"{name}: lr as a Tensor is not supported for capturable=False and foreach=True"
            )
    if not float(lr) >= 0.0:
        raise ValueError(f"{name}: invalid learning rate: {lr}")


def check_at_least(name: str, what: str, value: Any, low: float = 0.0) -> None:
    """ValueError naming the optimizer and the setting unless low <= value."""
    if not low <= value:
        raise ValueError(f"{name}: invalid {what}: {value}")


def check_beta(name: str, betas: Any) -> tuple[float, float]:
    for i, beta in enumerate(betas):
        if not 0.0 <= float(beta) < 1.0:
            raise ValueError(f"{name}: invalid beta parameter at index {i}: {beta}")
    return (_plain_number(betas[0]), _plain_number(betas[1]))


def add_in_place(param: vt.Tensor, update: np.ndarray) -> None:
    """θ += update, straight into θ's array with its version bumped (what `param.add_` does
    for a parameter that is no view, without building the sum in a new array first)."""
    if param._view is None and param.array.flags.writeable:
        np.add(param.array, update, out=param.array, casting="unsafe")
        bump_version(param)
    else:
        param.add_(vt.Tensor(update))


def mul_in_place(param: vt.Tensor, factor: float) -> None:
    """θ *= factor, in place as `add_in_place`."""
    if param._view is None and param.array.flags.writeable:
        np.multiply(param.array, factor, out=param.array, casting="unsafe")
        bump_version(param)
    else:
        param.mul_(factor)


def _plain_number(value: Any) -> Any:
    return float(value) if isinstance(value, vt.Tensor) else value


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """start ← start + w (end - start) in place, as torch's lerp_ (from `end` when w ≥ 0.5)."""
    np.subtract(end, start, out=tmp)
    if weight < 0.5:
        tmp *= weight
        start += tmp
    else:
        tmp *= weight - 1
        np.add(end, tmp, out=start)


class Optimizer:
    """Holds `param_groups` (dicts of 'params' plus hyperparameters) and `state` per parameter."""

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, vt.Tensor):
            raise TypeError(
                f"{name}: params should be an iterable of Tensors or dicts, but got a single "
                "Tensor (pass [tensor] or model.parameters())"
            )
        if isinstance(params, set):
            raise TypeError(
                f"{name}: parameters must come in an ordered collection (the order of a set "
                "changes between runs); use a list"
            )
        if defaults.get("differentiable"):
            raise NotImplementedError(
                f"{name}(differentiable=True) is not supported: v3_nn optimizers update "
                "parameters with NumPy outside autograd, so a step cannot be differentiated"
            )
        if defaults.get("fused") and defaults.get("foreach"):
            raise RuntimeError(f"{name}: `fused` and `foreach` cannot be `True` together.")
        self.defaults = dict(defaults)
        self.state: defaultdict[vt.Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._buffers: dict[tuple[int, np.dtype], np.ndarray] = {}
        groups = list(params)
        if not groups:
            raise ValueError(f"{name} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group; hyperparameters it does not set are taken from the defaults."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError(f"{name}: a group's params must be ordered (a list), not a set")
        params = [params] if isinstance(params, vt.Tensor) else list(params)
        named = [isinstance(param, tuple) for param in params]
        if any(named):  # (name, Parameter) pairs from named_parameters(), as torch 2.x takes
            if not all(named):
                raise ValueError(f"{name}: params mix named and unnamed tensors")
            param_group = {**param_group, "param_names": [name for name, _ in params]}
            params = [param for _, param in params]
        for param in params:
            if not isinstance(param, vt.Tensor):
                raise TypeError(f"{name} can only optimize Tensors, got {type(param).__name__}")
            if not (param.is_leaf or param.retains_grad):
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor (one computed from others, of "
                    f"shape {tuple(param.shape)}); optimize the leaf it comes from, or "
                    "detach().requires_grad_() it into a new leaf"
                )
            if self.defaults.get("fused") and param.array.dtype.kind != "f":
                raise RuntimeError(
                    f"{name}: `fused=True` requires all the params to be floating point "
                    f"Tensors, got {param.dtype}"
                )
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters",
                stacklevel=3,
            )
        for group in self.param_groups:
            if ("param_names" in group) != ("param_names" in param_group):
                raise ValueError(
                    f"{name}: all parameter groups should be with or without names; cannot add "
                    f"a group {'with' if 'param_names' in param_group else 'without'} names"
                )
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**param_group, "params": params}
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (default) or fill it with zeros."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Re-evaluate the loss with `closure` (grad enabled) if given, then update every
        parameter that has a gradient once; returns the closure's loss."""
        loss = None
        if closure is not None:
            with vt.enable_grad():
                loss = closure()
        with vt.no_grad():  # parameters change in place, outside the graph (as torch's step)
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        state = self.state[param]
                        self._update(param, self._gradient(param, group), state, group)
                        if not state:  # SGD without momentum keeps none, as in torch
                            del self.state[param]
        return loss

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    # ---- helpers for the update rules ---------------------------------------------------------

    def _scratch(self, like: np.ndarray, slot: int = 0) -> np.ndarray:
        """A temporary array shaped like `like`: one buffer per slot and dtype, as large as the
        largest parameter, reused by every update (its contents are garbage)."""
        key = (slot, like.dtype)
        buffer = self._buffers.get(key)
        if buffer is None or buffer.size < like.size:
            buffer = self._buffers[key] = np.empty(like.size, like.dtype)
        return buffer[: like.size].reshape(like.shape)

    def _gradient(self, param: vt.Tensor, group: dict[str, Any]) -> np.ndarray:
        """g = ±grad (+ λθ): the sign flips to climb when maximizing; L2 weight decay adds λθ
        unless the optimizer decouples it. The result may be the gradient's own array: an
        update must not write into it."""
        grad = param.grad.array
        array = param.array
        if grad.dtype != array.dtype:
            grad = grad.astype(array.dtype)
        if grad.shape != array.shape:
            raise RuntimeError(
                f"{type(self).__name__}: a gradient of shape {grad.shape} for a parameter of "
                f"shape {array.shape}"
            )
        maximize = group.get("maximize", False)
        weight_decay = group.get("weight_decay", 0.0)
        decay = weight_decay != 0 and not group.get("decoupled_weight_decay", False)
        if not (maximize or decay):
            return grad
        out = self._scratch(array, 0)
        if maximize:
            np.negative(grad, out=out)
        else:
            np.copyto(out, grad)
        if decay:  # grad.add(param, alpha=weight_decay)
            decay_term = self._scratch(array, 1)
            np.multiply(array, weight_decay, out=decay_term)
            out += decay_term
        return out

    def _add_scaled(self, param: vt.Tensor, update: np.ndarray, alpha: float, slot: int) -> None:
        """θ ← θ + α·update, one in-place write (`update` may be scratch `slot` itself)."""
        step = self._scratch(param.array, slot)
        np.multiply(update, alpha, out=step)
        add_in_place(param, step)

    # ---- saving and restoring -----------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """torch's layout: {'state': {index: {name: Tensor or number}}, 'param_groups': [...]},
        parameters numbered in group order; the values are copies."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index.setdefault(id(param), len(index))
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index[id(param)] for param in group["params"]]
            groups.append(packed)
        state = {
            index[id(param)] if isinstance(param, vt.Tensor) else param: {
                key: _copy_out(value) for key, value in values.items()
            }
            for param, values in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore groups and state saved by `state_dict()` here or by torch (tensors of either
        library, or arrays). Everything is checked before anything changes."""
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(
                "load_state_dict: expected a dict with 'state' and 'param_groups' (what "
                "Optimizer.state_dict() returns)"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, "
                f"this optimizer has {len(self.param_groups)}"
            )
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group ({len(saved['params'])} vs {len(group['params'])})"
                )
        params = {
            _index(i): p
            for saved, group in zip(saved_groups, self.param_groups, strict=True)
            for i, p in zip(saved["params"], group["params"], strict=True)
        }
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for i, saved_state in state_dict["state"].items():
            param = params.get(_index(i))
            if param is None:
                state[i] = dict(saved_state)
                continue
            state[param] = {
                key: self._copy_in(value, param, key, i) for key, value in saved_state.items()
            }
        self._check_loaded_state(state)
        self.state = state
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            params_of_group = group["params"]
            names = group.get("param_names")
            group.clear()
            group.update({key: _plain(value) for key, value in saved.items() if key != "params"})
            group["params"] = params_of_group
            if names is not None and "param_names" not in group:
                group["param_names"] = names
        for group in self.param_groups:
            for key, default in self.defaults.items():
                group.setdefault(key, default)

    # State whose arrays are not shaped like their parameter (LBFGS's flat vectors).
    _unshaped_state: frozenset[str] = frozenset()

    def _copy_in(self, value: Any, param: vt.Tensor, key: Any, index: Any) -> Any:
        """A saved state value as this library's: tensors (ours or torch's) and arrays become
        Tensors, cast to the parameter's dtype except 'step' (torch's policy); lists are
        converted item by item; a number saved for 'step' becomes a 0-d tensor."""
        if isinstance(value, list | tuple):
            return type(value)(self._copy_in(item, param, None, index) for item in value)
        if key == "step" and isinstance(value, int | float) and not isinstance(value, bool):
            return scalar_state(value)
        if not _is_array_like(value):
            return value
        try:
            array = np.array(value.array if isinstance(value, vt.Tensor) else value)
        except (TypeError, ValueError, RuntimeError) as error:
            raise TypeError(
                f"load_state_dict: state {key!r} of parameter {index} cannot be read as an "
                f"array: {error}"
            ) from error
        shaped = key is not None and key not in self._unshaped_state
        if array.ndim and shaped and array.shape != param.shape:
            raise ValueError(
                f"loaded state dict holds {key!r} of shape {array.shape} for parameter "
                f"{index}, whose shape is {tuple(param.shape)}"
            )
        if key != "step" and param.array.dtype.kind == "f" and array.dtype.kind in "fiub":
            array = array.astype(param.array.dtype)
        return vt.Tensor(array)

    def _check_loaded_state(self, state: dict[Any, dict[str, Any]]) -> None:
        """A subclass's last look at loaded state, before it replaces the current one."""

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        lines.append(")")
        return "\n".join(lines)


def _index(i: Any) -> Any:
    """A parameter index as an int (an index read back from JSON or a 0-d array)."""
    return int(i) if isinstance(i, int | np.integer) else i


def _is_array_like(value: Any) -> bool:
    return isinstance(value, vt.Tensor | np.ndarray) or (
        hasattr(value, "__array__") and hasattr(value, "shape") and hasattr(value, "dtype")
    )


def _copy_out(value: Any) -> Any:
    if isinstance(value, vt.Tensor):
        return vt.Tensor(value.array.copy())
    if isinstance(value, np.ndarray):
        return vt.Tensor(value.copy())
    if isinstance(value, list | tuple):
        return type(value)(_copy_out(item) for item in value)
    return value


def _plain(value: Any) -> Any:
    """Group settings as Python values (a tuple read back from a list stays what it was)."""
    if isinstance(value, np.generic):
        return value.item()
    return value
