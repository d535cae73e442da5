"""torch.linalg's names; each group of ops adds its re-exports here."""

# ruff: noqa: F401  (re-exports)

# ---- decompositions, inverses and solves (v2_tensor/ops/decompositions.py) --------------------
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
