"""RMSprop, as torch.optim.RMSprop (eps added outside the square root)."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import Optimizer, ParamsT


class RMSprop(Optimizer):
    """θ ← θ - lr·g / (√s + eps), s = α·s + (1 - α)·g²; centered subtracts the mean's square."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        for name, value in [
            ("learning rate", lr),
            ("epsilon value", eps),
            ("momentum value", momentum),
            ("weight_decay value", weight_decay),
            ("alpha value", alpha),
        ]:
            if value < 0.0:
                raise ValueError(f"RMSprop: invalid {name}: {value}")
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param.array)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param.array)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param.array)
        state["step"] += 1

        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad  # s = α s + (1 - α) g²
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)  # ḡ = α ḡ + (1 - α) g
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]  # √(s - ḡ²) + eps
        else:
            avg = np.sqrt(square_avg) + group["eps"]

        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg  # b = μ b + g / avg
            self._descend(param, group["lr"] * buf)
        else:
            self._descend(param, group["lr"] * (grad / avg))
