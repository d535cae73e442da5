"""v2_tensor: a NumPy Tensor engine with torch's names and reverse-mode autodiff.

    import v2_tensor as vt
    x = vt.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x @ x.T).sum()
    y.backward()          # x.grad == 2 * x

Every op is a Function (v2_tensor.function) with a forward in NumPy and a backward written
with Tensor ops, so gradients can be differentiated again (v2_tensor.autograd.grad with
create_graph=True); the table in v2_tensor.ops makes each op a function here and a Tensor
method. `save`/`load` write and read checkpoints as safetensors (never pickles). The data,
training and graph-drawing modules are imported on their own.
"""

# ruff: noqa: F401, E402, A004  (this file re-exports the public names, torch's among them)

import builtins

from . import allocator  # noqa: F401  (malloc keeps freed memory for the next step)

# Tensor first: its module then loads the autograd engine and the ops, which build on it.
from .tensor import Tensor

# isort: split
from . import (
    autograd,
    dtypes,
    linalg,  # torch.linalg's namespace (norms; each op group adds its names)
    ops,
    random,
)
from .device import accelerator, backends, cuda, device
from .dtypes import (
    bool,
    double,
    finfo,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .ops import *  # noqa: F403
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .serialization import load, save

Size = tuple  # torch.Size is a tuple of ints; shapes here are plain tuples


def is_tensor(obj: object) -> builtins.bool:
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> builtins.bool:
    return input.is_floating_point()


def numel(input: Tensor) -> builtins.int:
    return input.numel()
