"""v3_nn: a torch.nn and torch.optim look-alike built on the v2_tensor engine.

Port a PyTorch model by changing imports; weights move both ways through state_dict().
"""

# ruff: noqa: F401  (this file re-exports the public names)

from . import functional, init, layers
from .module import Module, Parameter

# Layers: each `from .layers.<file> import ...` line below is added by the layer's author.
