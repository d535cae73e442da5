"""Adadelta, as torch.optim.Adadelta."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import Optimizer, ParamsT, as_float, check_at_least, check_lr, scalar_state


class Adadelta(Optimizer):
    """s = ρ s + (1 - ρ) g², Δ = √(a + eps) / √(s + eps) · g, a = ρ a + (1 - ρ) Δ², θ ← θ - lr Δ."""

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr("Adadelta", lr, foreach, capturable)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho value: {rho}")
        check_at_least("Adadelta", "epsilon value", eps)
        check_at_least("Adadelta", "weight_decay value", weight_decay)
        defaults = dict(
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            capturable=capturable,
            foreach=foreach,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["square_avg"] = vt.Tensor(np.zeros_like(param.array))
            state["acc_delta"] = vt.Tensor(np.zeros_like(param.array))
        step_t = state["step"].array
        step_t += 1
        square_avg, acc_delta = state["square_avg"].array, state["acc_delta"].array
        tmp = self._scratch(square_avg, 1)
        square_avg *= rho  # s = ρ s + (1 - ρ) g²
        np.multiply(grad, 1 - rho, out=tmp)
        tmp *= grad
        square_avg += tmp
        std = np.add(square_avg, eps, out=tmp)  # √(s + eps)
        np.sqrt(std, out=std)
        delta = self._scratch(square_avg, 2)  # Δ = √(a + eps) / √(s + eps) · g
        np.add(acc_delta, eps, out=delta)
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= grad
        acc_delta *= rho  # a = ρ a + (1 - ρ) Δ²
        np.multiply(delta, 1 - rho, out=tmp)
        tmp *= delta
        acc_delta += tmp
        self._add_scaled(param, delta, -as_float(group["lr"]), 2)  # θ = θ - lr Δ
