"""Adagrad, as torch.optim.Adagrad."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import Optimizer, ParamsT, as_float, check_at_least, check_lr, scalar_state


class Adagrad(Optimizer):
    """θ ← θ - lrₜ·g / (√G + eps), with G the running sum of g² and lrₜ = lr / (1 + (t-1)·decay)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_lr("Adagrad", lr, foreach)
        check_at_least("Adagrad", "lr_decay value", lr_decay)
        check_at_least("Adagrad", "weight_decay value", weight_decay)
        check_at_least("Adagrad", "initial_accumulator_value value", initial_accumulator_value)
        check_at_least("Adagrad", "epsilon value", eps)
        if fused and differentiable:
            raise RuntimeError("Adagrad: `fused` does not support `differentiable`")
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)
        # torch fills the accumulators at construction, so state_dict() shows them at once.
        for group in self.param_groups:
            for param in group["params"]:
                self._init_state(self.state[param], param, group)

    @staticmethod
    def _init_state(state: dict[str, Any], param: vt.Tensor, group: dict[str, Any]) -> None:
        state["step"] = scalar_state(0.0)
        state["sum"] = vt.Tensor(np.full_like(param.array, group["initial_accumulator_value"]))

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:  # a group added after construction
            self._init_state(state, param, group)
        step_t = state["step"].array
        step_t += 1
        clr = as_float(group["lr"]) / (1 + (float(step_t) - 1) * group["lr_decay"])
        total = state["sum"].array
        tmp = self._scratch(total, 1)
        np.multiply(grad, grad, out=tmp)  # G = G + g²
        total += tmp
        std = np.sqrt(total, out=tmp)
        std += group["eps"]
        update = self._scratch(total, 2)
        np.multiply(grad, -clr, out=update)  # θ = θ - clr g / (√G + eps)
        update /= std
        param.add_(vt.Tensor(update))
