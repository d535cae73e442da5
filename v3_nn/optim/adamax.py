"""Adamax, as torch.optim.Adamax: Adam with the infinity norm in place of √v."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import (
    Optimizer,
    ParamsT,
    as_float,
    check_at_least,
    check_beta,
    check_lr,
    lerp_,
    scalar_state,
)


class Adamax(Optimizer):
    """m = β₁ m + (1 - β₁) g, u = max(β₂ u, |g| + eps), θ ← θ - lr / (1 - β₁ᵗ) · m / u."""

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_lr("Adamax", lr, foreach, capturable)
        check_at_least("Adamax", "epsilon value", eps)
        betas = check_beta("Adamax", betas)
        check_at_least("Adamax", "weight_decay value", weight_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["exp_avg"] = vt.Tensor(np.zeros_like(param.array))
            state["exp_inf"] = vt.Tensor(np.zeros_like(param.array))
        step_t = state["step"].array
        step_t += 1
        m, u = state["exp_avg"].array, state["exp_inf"].array
        tmp = self._scratch(m, 1)
        lerp_(m, grad, 1 - beta1, tmp)  # m = β₁ m + (1 - β₁) g
        u *= beta2  # u = max(β₂ u, |g| + eps)
        np.abs(grad, out=tmp)
        tmp += group["eps"]
        np.maximum(u, tmp, out=u)
        clr = as_float(group["lr"]) / (1 - beta1 ** float(step_t))
        update = self._scratch(m, 2)
        np.multiply(m, -clr, out=update)  # θ = θ - clr m / u
        update /= u
        param.add_(vt.Tensor(update))
