"""Distance modules, as torch.nn: PairwiseDistance (the triplet losses' default distance) and
CosineSimilarity, thin modules over v3_nn.functional."""

from __future__ import annotations

from v2_tensor import Tensor

from ..functional.distance import cosine_similarity, pairwise_distance
from ..module import Module


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p over the last dim (torch keeps p as `norm`)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)
