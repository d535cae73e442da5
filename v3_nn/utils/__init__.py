"""v3_nn.utils, as torch.nn.utils and torch.utils: gradient clipping, parameter vectors,
packed sequences (`utils.rnn`) and the data loading API (`utils.data`).

Each part lives in its own module; its author adds the re-export line here.
"""

# ruff: noqa: F401  (this file re-exports the public names)
from .. import data  # torch.utils.data: v3_nn.utils.data is v3_nn.data (same modules)
from . import rnn
from .clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from .convert_parameters import parameters_to_vector, vector_to_parameters
