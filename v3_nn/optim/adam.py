"""Adam and AdamW, as torch.optim.Adam / torch.optim.AdamW (same bias correction, same eps)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import Optimizer, ParamsT


class Adam(Optimizer):
    """Moment estimates m, v of g and g², bias-corrected, give θ ← θ - lr·m̂ / (√v̂ + eps)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        name = type(self).__name__
        if lr < 0.0:
            raise ValueError(f"{name}: invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"{name}: invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: invalid beta parameter at index {i}: {beta}")
        if weight_decay < 0.0:
            raise ValueError(f"{name}: invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param.array)
            state["exp_avg_sq"] = np.zeros_like(param.array)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param.array)
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]

        if group["decoupled_weight_decay"]:
            param.mul_(1 - lr * group["weight_decay"])  # AdamW: θ = θ (1 - lr λ)
        m += (1 - beta1) * (grad - m)  # m = β₁ m + (1 - β₁) g
        v *= beta2
        v += (1 - beta2) * grad * grad  # v = β₂ v + (1 - β₂) g²
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])

        step_size = lr / (1 - beta1**t)  # lr / (1 - β₁ᵗ)
        denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + eps  # √(v / (1 - β₂ᵗ)) + eps
        self._descend(param, step_size * (m / denom))


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ(1 - lr·λ) before the Adam step (λ = 0.01)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
