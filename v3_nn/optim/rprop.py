"""Rprop, as torch.optim.Rprop: per-weight step sizes driven by the gradient's sign alone."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import Optimizer, ParamsT, as_float, check_lr, scalar_state


class Rprop(Optimizer):
    """Each weight's step size grows by η₊ while its gradient keeps its sign and shrinks by η₋
    when the sign flips (then that step is skipped); θ ← θ - sign(g)·step_size."""

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr("Rprop", lr, foreach, capturable)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(
                f"Rprop: invalid eta values: {etas[0]}, {etas[1]} (need 0 < etaminus < 1 < etaplus)"
            )
        defaults = dict(
            lr=lr,
            etas=tuple(etas),
            step_sizes=tuple(step_sizes),
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update(
        self, param: vt.Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["prev"] = vt.Tensor(np.zeros_like(param.array))
            state["step_size"] = vt.Tensor(np.full_like(grad, as_float(group["lr"])))
        step_t = state["step"].array
        step_t += 1
        prev, step_size = state["prev"].array, state["step_size"].array

        product = self._scratch(prev, 1)
        np.multiply(grad, prev, out=product)
        factor = self._scratch(prev, 2)  # η₊ where the sign held, η₋ where it flipped, else 1
        factor.fill(1)
        factor[product > 0] = etaplus
        flipped = product < 0
        factor[flipped] = etaminus
        step_size *= factor
        np.clip(step_size, step_size_min, step_size_max, out=step_size)
        np.copyto(prev, grad)  # after a flip the gradient counts as 0 (no step, no memory)
        prev[flipped] = 0
        np.sign(prev, out=factor)  # θ = θ - sign(g) step_size
        factor *= -1
        factor *= step_size
        param.add_(vt.Tensor(factor))
