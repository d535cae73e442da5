"""NAdam, as torch.optim.NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""

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


class NAdam(Optimizer):
    """μₜ = β₁(1 - ½·0.96^(t·ψ)); θ ← θ - lr(1 - μₜ)/(1 - Πμ)·g/d - lr μₜ₊₁/(1 - Πμ·μₜ₊₁)·m/d,
    with d = √(v / (1 - β₂ᵗ)) + eps."""

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr("NAdam", lr, foreach, capturable)
        check_at_least("NAdam", "epsilon value", eps)
        betas = check_beta("NAdam", betas)
        check_at_least("NAdam", "weight_decay value", weight_decay)
        check_at_least("NAdam", "momentum_decay value", momentum_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, weight_decay = as_float(group["lr"]), group["weight_decay"]
        psi = group["momentum_decay"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["mu_product"] = scalar_state(1.0)
            state["exp_avg"] = vt.Tensor(np.zeros_like(param.array))
            state["exp_avg_sq"] = vt.Tensor(np.zeros_like(param.array))
        step_t = state["step"].array
        step_t += 1
        step = float(step_t)
        if weight_decay != 0 and group["decoupled_weight_decay"]:
            param.mul_(1 - lr * weight_decay)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product_t = state["mu_product"].array  # a 0-d tensor: Πμ rounds as torch's does
        mu_product_t *= mu
        mu_product = float(mu_product_t)

        m, v = state["exp_avg"].array, state["exp_avg_sq"].array
        tmp = self._scratch(m, 1)
        lerp_(m, grad, 1 - beta1, tmp)  # m = β₁ m + (1 - β₁) g
        v *= beta2  # v = β₂ v + (1 - β₂) g²
        np.multiply(grad, 1 - beta2, out=tmp)
        tmp *= grad
        v += tmp
        denom = np.divide(v, 1 - beta2**step, out=tmp)  # d = √(v / (1 - β₂ᵗ)) + eps
        np.sqrt(denom, out=denom)
        denom += group["eps"]
        update = self._scratch(m, 2)
        np.multiply(grad, -lr * (1.0 - mu) / (1.0 - mu_product), out=update)
        update /= denom
        param.add_(vt.Tensor(update))
        np.multiply(m, (-lr * mu_next) / (1.0 - mu_product * mu_next), out=update)
        update /= denom
        param.add_(vt.Tensor(update))
