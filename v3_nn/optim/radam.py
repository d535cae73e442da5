"""RAdam, as torch.optim.RAdam: Adam whose adaptive step waits for the variance to settle."""

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


class RAdam(Optimizer):
    """ρ∞ = 2/(1 - β₂) - 1, ρₜ = ρ∞ - 2tβ₂ᵗ/(1 - β₂ᵗ); while ρₜ ≤ 5 a momentum step
    θ ← θ - lr·m̂, after that θ ← θ - lr·m̂·rₜ·√(1 - β₂ᵗ)/(√v + eps) with the rectifier
    rₜ = √((ρₜ - 4)(ρₜ - 2)ρ∞ / ((ρ∞ - 4)(ρ∞ - 2)ρₜ))."""

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr("RAdam", lr, foreach, capturable)
        check_at_least("RAdam", "epsilon value", eps)
        betas = check_beta("RAdam", betas)
        check_at_least("RAdam", "weight_decay value", weight_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, weight_decay, eps = as_float(group["lr"]), group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["exp_avg"] = vt.Tensor(np.zeros_like(param.array))
            state["exp_avg_sq"] = vt.Tensor(np.zeros_like(param.array))
        step_t = state["step"].array
        step_t += 1
        step = float(step_t)
        if weight_decay != 0 and group["decoupled_weight_decay"]:
            param.mul_(1 - lr * weight_decay)

        m, v = state["exp_avg"].array, state["exp_avg_sq"].array
        tmp = self._scratch(m, 1)
        lerp_(m, grad, 1 - beta1, tmp)  # m = β₁ m + (1 - β₁) g
        v *= beta2  # v = β₂ v + (1 - β₂) g²
        np.multiply(grad, 1 - beta2, out=tmp)
        tmp *= grad
        v += tmp

        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        update = self._scratch(m, 2)
        np.divide(m, bias_correction1, out=update)  # m̂ = m / (1 - β₁ᵗ)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        update *= lr
        if rho_t > 5.0:
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            adaptive = np.sqrt(v, out=tmp)  # √(1 - β₂ᵗ) / (√v + eps)
            adaptive += eps
            np.divide(bias_correction2**0.5, adaptive, out=adaptive)
            update *= adaptive
            update *= rect
        param.sub_(vt.Tensor(update))
