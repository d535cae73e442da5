"""v2_tensor: a NumPy Tensor engine with torch's names and reverse-mode autodiff.

    import v2_tensor as vt
    x = vt.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x @ x.T).sum()
    y.backward()          # x.grad == 2 * x

Every op is a Function (v2_tensor.function) with a forward in NumPy and a backward written
with Tensor ops, so gradients can be differentiated again (v2_tensor.autograd.grad with
create_graph=True). The data, training and graph-drawing modules are imported on their own.
"""

# ruff: noqa: F401, E402  (this file re-exports the public names)

# Tensor first: its module then loads the autograd engine and the ops, which build on it.
from .tensor import Tensor, tensor

# isort: split
from . import autograd, dtypes, ops, random
from .broadcast import unbroadcast
from .dtypes import bool, float16, float32, float64, int8, int16, int32, int64, uint8
from .function import Function, once_differentiable
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import *  # noqa: F403
from .random import manual_seed

clip = ops.clamp
