"""Stochastic gradient descent over Values, with torch.optim.SGD's update rule."""

from __future__ import annotations

from collections.abc import Iterable

from v1_scalar.engine import Value


class SGD:
    """p <- p - lr·v, where v = g (+ momentum·v from the last step) and g = dL/dp + wd·p."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("SGD: got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"SGD: parameters must be Values, got {p!r}")
        for name, value in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            if not value >= 0.0:
                raise ValueError(f"SGD: {name} must be >= 0, got {value}")
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self._velocity: list[float] | None = None

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        grads = [p.grad + self.weight_decay * p.data for p in self.params]
        if self.momentum:
            if self._velocity is None:  # the first step starts the velocity at g, as torch does
                self._velocity = grads
            else:
                m = self.momentum
                self._velocity = [m * v + g for v, g in zip(self._velocity, grads, strict=True)]
            grads = self._velocity
        for p, g in zip(self.params, grads, strict=True):
            p.data -= self.lr * g
