"""Adam and AdamW, as torch.optim.Adam / torch.optim.AdamW (same bias correction, same eps)."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import (
    Optimizer,
    ParamsT,
    add_in_place,
    as_float,
    check_at_least,
    check_beta,
    check_lr,
    lerp_,
    mul_in_place,
    scalar_state,
)


class Adam(Optimizer):
    """Moment estimates m, v of g and g², bias-corrected, give θ ← θ - lr·m̂ / (√v̂ + eps)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        name = type(self).__name__
        check_lr(name, lr, foreach, capturable)
        check_at_least(name, "epsilon value", eps)
        betas = check_beta(name, betas)
        check_at_least(name, "weight_decay value", weight_decay)
        if fused and differentiable:
            raise RuntimeError(f"{name}: `fused` does not support `differentiable`")
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, eps, weight_decay = as_float(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = (float(beta) for beta in group["betas"])
        if not state:
            state["step"] = scalar_state(0.0)
            state["exp_avg"] = vt.Tensor(np.zeros_like(param.array))
            state["exp_avg_sq"] = vt.Tensor(np.zeros_like(param.array))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = vt.Tensor(np.zeros_like(param.array))
        step_t = state["step"].array
        step_t += 1
        step = float(step_t)
        m, v = state["exp_avg"].array, state["exp_avg_sq"].array

        if weight_decay != 0 and group["decoupled_weight_decay"]:
            mul_in_place(param, 1 - lr * weight_decay)  # AdamW: θ = θ (1 - lr λ)
        tmp = self._scratch(m, 1)
        lerp_(m, grad, 1 - beta1, tmp)  # m = β₁ m + (1 - β₁) g
        v *= beta2  # v = β₂ v + (1 - β₂) g²
        np.multiply(grad, 1 - beta2, out=tmp)
        tmp *= grad
        v += tmp
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"].array, v, out=state["max_exp_avg_sq"].array)

        step_size = lr / (1 - beta1**step)  # lr / (1 - β₁ᵗ)
        denom = np.sqrt(v, out=tmp)  # √v / √(1 - β₂ᵗ) + eps
        denom /= (1 - beta2**step) ** 0.5
        denom += eps
        update = self._scratch(m, 2)
        np.multiply(m, -step_size, out=update)  # θ = θ - step_size m / denom
        update /= denom
        add_in_place(param, update)


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ(1 - lr·λ) before the Adam step (λ = 0.01)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
