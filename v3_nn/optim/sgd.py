"""Stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import Optimizer, ParamsT, as_float, check_at_least, check_lr


class SGD(Optimizer):
    """θ ← θ - lr·b, with b = μ·b + (1 - τ)·g (b = g at the first step, or when μ = 0).

    Nesterov looks ahead: θ ← θ - lr·(g + μ·b).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_lr("SGD", lr, foreach)
        check_at_least("SGD", "momentum value", momentum)
        check_at_least("SGD", "weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        momentum = group["momentum"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                state["momentum_buffer"] = buffer = vt.Tensor(grad.copy())  # b₁ = g₁
                b = buffer.array
            else:
                b = buffer.array
                b *= momentum  # b = μ b + (1 - τ) g
                if group["dampening"] == 0:
                    b += grad
                else:
                    term = self._scratch(b, 1)
                    np.multiply(grad, 1 - group["dampening"], out=term)
                    b += term
            if group["nesterov"]:  # d = g + μ b
                grad_out = self._scratch(b, 1)
                np.multiply(b, momentum, out=grad_out)
                grad_out += grad
                grad = grad_out
            else:
                grad = b
        self._add_scaled(param, grad, -as_float(group["lr"]), 2)  # θ = θ - lr d
