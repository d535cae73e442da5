"""SparseAdam: refused, as v2_tensor has no sparse gradients."""

from __future__ import annotations

from typing import Any

from .optimizer import ParamsT


class SparseAdam:
    """torch.optim.SparseAdam updates only the rows a sparse gradient touches; v2_tensor's
    gradients are always dense, so constructing one raises NotImplementedError."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        maximize: bool = False,
        **kwargs: Any,
    ) -> None:
        raise NotImplementedError(
            "SparseAdam needs sparse gradients (Embedding(sparse=True)), which v2_tensor does "
            "not have: every gradient is dense, so use optim.Adam, which gives the same "
            "update on the rows a batch touches and also decays the others' moments"
        )
