"""v3_nn.functional: stateless ops (activations, losses, convolution, ...), as torch.nn.functional.

Each family lives in its own module; its author adds the re-export line here.
"""

# ruff: noqa: F401  (this file re-exports the public names)
from .conv import conv1d, conv2d
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d
