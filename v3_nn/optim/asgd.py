"""ASGD, as torch.optim.ASGD: SGD with a decaying rate and a running average of the weights."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt

from .optimizer import Optimizer, ParamsT, as_float, check_at_least, check_lr, scalar_state


class ASGD(Optimizer):
    """θ ← θ(1 - λη) - η g with η = lr / (1 + λ lr t)^α; the average ax follows θ with
    weight μ = 1 / max(1, t - t0) (a plain average once t > t0)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float | vt.Tensor = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_lr("ASGD", lr, foreach, capturable)
        check_at_least("ASGD", "weight_decay value", weight_decay)
        defaults = dict(
            lr=lr,
            lambd=lambd,
            alpha=alpha,
            t0=t0,
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
        lr, lambd, alpha, t0 = as_float(group["lr"]), group["lambd"], group["alpha"], group["t0"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["eta"] = scalar_state(lr)  # 0-d tensors, rounded as torch's
            state["mu"] = scalar_state(1.0)
            state["ax"] = vt.Tensor(np.zeros_like(param.array))
        step_t = state["step"].array
        step_t += 1
        eta_t, mu_t = state["eta"].array, state["mu"].array
        eta = float(eta_t)
        param.mul_(1 - lambd * eta)  # decay
        self._add_scaled(param, grad, -eta, 2)  # θ = θ - η g
        ax = state["ax"].array
        if float(mu_t) != 1:  # ax = ax + μ (θ - ax)
            tmp = self._scratch(ax, 1)
            np.subtract(param.array, ax, out=tmp)
            tmp *= float(mu_t)
            ax += tmp
        else:
            np.copyto(ax, param.array)
        # torch makes the new values with as_tensor (the default dtype) before copying them in,
        # so they round to float32 even in a float64 state
        step = float(step_t)
        eta_t[...] = np.asarray(lr / ((1 + lambd * lr * step) ** alpha), vt.get_default_dtype())
        mu_t[...] = np.asarray(1 / max(1, step - t0), vt.get_default_dtype())
