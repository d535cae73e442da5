"""v2_tensor.linalg: torch.linalg's names, as `vt.linalg.vector_norm(x)`.

A plain module of re-exports: each op group adds its own names here (its Functions live in
v2_tensor/ops/ and, where torch has them at the top level too, in the op table).
"""

# ruff: noqa: F401  (re-exports)

# norms (v2_tensor/ops/norms.py)
from .ops.norms import linalg_norm as norm
from .ops.norms import matrix_norm, vector_norm

# isort: split
# decompositions, inverses and solves (v2_tensor/ops/decompositions.py), products
# (v2_tensor/ops/linalg.py)
from .ops.decompositions import (
    LinAlgError,
    cholesky,
    cholesky_ex,
    det,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    matrix_power,
    matrix_rank,
    pinv,
    qr,
    slogdet,
    solve,
    solve_triangular,
    svd,
    svdvals,
)
from .ops.layout import diagonal as _diagonal
from .ops.linalg import linalg_cross as cross
from .ops.linalg import matmul, multi_dot, vecdot
from .tensor import Tensor


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """torch.linalg.diagonal: the diagonals of the last two dims by default."""
    return _diagonal(A, offset, dim1, dim2)
