"""The Optimizer base class: parameter groups, per-parameter state, zero_grad, state_dict.

Subclasses implement `_update()` in NumPy on their state and the gradient array, and move
the parameter with `_descend` (an in-place op, so the parameter's version counts the
change); an update never builds a graph.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import v2_tensor as vt

from ..module import zero_grads

ParamsT = Iterable[vt.Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Holds `param_groups` (dicts of 'params' plus hyperparameters) and `state` per parameter."""

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, vt.Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, "
                "but got a single Tensor"
            )
        self.defaults = dict(defaults)
        self.state: defaultdict[vt.Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group; hyperparameters it does not set are taken from the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, vt.Tensor) else list(params)
        named = [isinstance(param, tuple) for param in params]
        if any(named):  # (name, Parameter) pairs from named_parameters(), as torch 2.x takes
            if not all(named):
                raise ValueError(f"{type(self).__name__}: params mix named and unnamed tensors")
            param_group = {**param_group, "param_names": [name for name, _ in params]}
            params = [param for _, param in params]
        for param in params:
            if not isinstance(param, vt.Tensor):
                raise TypeError(
                    f"{type(self).__name__} can only optimize Tensors, got {type(param).__name__}"
                )
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters",
                stacklevel=3,
            )
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (default) or fill it with zeros."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Re-evaluate the loss with `closure` if given, then update every parameter once."""
        loss = None
        if closure is not None:
            with vt.enable_grad():
                loss = closure()
        with vt.no_grad():  # parameters change in place, outside the graph (as torch's step)
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        self._update(param, self._gradient(param, group), self.state[param], group)
        return loss

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    @staticmethod
    def _descend(param: vt.Tensor, step: np.ndarray) -> None:
        """θ ← θ - step, in place."""
        param.sub_(vt.Tensor(np.asarray(step, param.dtype)))

    @staticmethod
    def _gradient(param: vt.Tensor, group: dict[str, Any]) -> np.ndarray:
        # g = ±grad + λ θ: the sign flips to climb when maximizing; L2 weight decay adds λθ.
        grad = -param.grad.array if group.get("maximize", False) else param.grad.array
        weight_decay = group.get("weight_decay", 0.0)
        if weight_decay != 0 and not group.get("decoupled_weight_decay", False):
            grad = grad + weight_decay * param.array
        return grad

    # ---- saving and restoring --------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: {name: value}}, 'param_groups': [...]} with parameters as indices."""
        params = [p for group in self.param_groups for p in group["params"]]
        index = {id(p): i for i, p in enumerate(params)}
        groups = [
            {**group, "params": [index[id(p)] for p in group["params"]]}
            for group in self.param_groups
        ]
        state = {
            index[id(p)]: {k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for p, s in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and per-parameter state saved by `state_dict()`."""
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
            i: p
            for saved, group in zip(saved_groups, self.param_groups, strict=True)
            for i, p in zip(saved["params"], group["params"], strict=True)
        }
        state: defaultdict[vt.Tensor, dict[str, Any]] = defaultdict(dict)
        for i, saved_state in state_dict["state"].items():
            param = params[i]
            for name, value in saved_state.items():
                if isinstance(value, np.ndarray) and value.ndim and value.shape != param.shape:
                    raise ValueError(
                        f"loaded state dict holds {name!r} of shape {value.shape} for parameter "
                        f"{i}, whose shape is {tuple(param.shape)}"
                    )
            state[param] = {
                k: np.array(v, dtype=param.array.dtype) if isinstance(v, np.ndarray) else v
                for k, v in saved_state.items()
            }
        self.state = state
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            group.update({k: v for k, v in saved.items() if k != "params"})

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        lines.append(")")
        return "\n".join(lines)
