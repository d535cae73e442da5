"""Stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    """θ ← θ - lr·b, with b = μ·b + (1 - τ)·g (b = g at the first step, or when μ = 0).

    Nesterov looks ahead: θ ← θ - lr·(g + μ·b).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"SGD: invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"SGD: invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"SGD: invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        momentum = group["momentum"]
        if momentum != 0:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = np.array(grad, copy=True)  # b₁ = g₁
            else:
                buf = state["momentum_buffer"]
                buf *= momentum
                buf += (1 - group["dampening"]) * grad  # b = μ b + (1 - τ) g
            buf = state["momentum_buffer"]
            grad = grad + momentum * buf if group["nesterov"] else buf
        self._descend(param, group["lr"] * grad)  # θ = θ - lr g
