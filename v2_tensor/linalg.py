"""v2_tensor.linalg: torch.linalg's names, as `vt.linalg.vector_norm(x)`.

A plain module of re-exports: each op group adds its own names here (its Functions live in
v2_tensor/ops/ and, where torch has them at the top level too, in the op table).
"""

# ruff: noqa: F401  (re-exports)

# norms (v2_tensor/ops/norms.py)
from .ops.norms import linalg_norm as norm
from .ops.norms import matrix_norm, vector_norm
