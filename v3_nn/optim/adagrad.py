"""Adagrad, as torch.optim.Adagrad."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import Optimizer, ParamsT


class Adagrad(Optimizer):
    """θ ← θ - lrₜ·g / (√G + eps), with G the running sum of g² and lrₜ = lr / (1 + (t-1)·decay)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        for name, value in [
            ("learning rate", lr),
            ("lr_decay value", lr_decay),
            ("weight_decay value", weight_decay),
            ("initial_accumulator_value value", initial_accumulator_value),
            ("epsilon value", eps),
        ]:
            if value < 0.0:
                raise ValueError(f"Adagrad: invalid {name}: {value}")
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        # torch fills the accumulator as a group is added, so state_dict() shows it before a step.
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for param in group["params"]:
            self.state[param]["step"] = 0
            self.state[param]["sum"] = np.full_like(param.array, group["initial_accumulator_value"])

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state["step"] += 1
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad  # G = G + g²
        self._descend(param, clr * (grad / (np.sqrt(state["sum"]) + group["eps"])))
