"""RMSprop, as torch.optim.RMSprop (eps added outside the square root)."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import (
    Optimizer,
    ParamsT,
    as_float,
    check_at_least,
    check_lr,
    lerp_,
    scalar_state,
)


class RMSprop(Optimizer):
    """θ ← θ - lr·g / (√s + eps), s = α·s + (1 - α)·g²; centered subtracts the mean's square."""

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr("RMSprop", lr, foreach, capturable)
        check_at_least("RMSprop", "epsilon value", eps)
        check_at_least("RMSprop", "momentum value", momentum)
        check_at_least("RMSprop", "weight_decay value", weight_decay)
        check_at_least("RMSprop", "alpha value", alpha)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            capturable=capturable,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["square_avg"] = vt.Tensor(np.zeros_like(param.array))
            if momentum > 0:
                state["momentum_buffer"] = vt.Tensor(np.zeros_like(param.array))
            if group["centered"]:
                state["grad_avg"] = vt.Tensor(np.zeros_like(param.array))
        step_t = state["step"].array
        step_t += 1

        square_avg = state["square_avg"].array
        tmp = self._scratch(square_avg, 1)
        square_avg *= alpha  # s = α s + (1 - α) g²
        np.multiply(grad, 1 - alpha, out=tmp)
        tmp *= grad
        square_avg += tmp
        avg = self._scratch(square_avg, 2)
        if group["centered"]:
            grad_avg = state["grad_avg"].array
            lerp_(grad_avg, grad, 1 - alpha, tmp)  # ḡ = α ḡ + (1 - α) g
            np.multiply(grad_avg, -1, out=tmp)  # a = √(s - ḡ²) + eps
            tmp *= grad_avg
            np.add(square_avg, tmp, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(square_avg, out=avg)
        avg += group["eps"]

        lr = as_float(group["lr"])
        if momentum > 0:
            buf = state["momentum_buffer"].array
            buf *= momentum  # b = μ b + g / a
            np.divide(grad, avg, out=tmp)
            buf += tmp
            self._add_scaled(param, buf, -lr, 2)  # θ = θ - lr b
        else:
            np.multiply(grad, -lr, out=tmp)  # θ = θ - lr g / a
            tmp /= avg
            param.add_(vt.Tensor(tmp))
