"""v3_nn.functional: stateless ops (activations, losses, convolution, ...), as torch.nn.functional.

Each family lives in its own module; its author adds the re-export line here.
"""

# ruff: noqa: F401  (this file re-exports the public names)
