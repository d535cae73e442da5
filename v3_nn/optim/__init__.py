"""v3_nn.optim: torch.optim's optimizers with the same update rules, and lr_scheduler."""

# ruff: noqa: F401  (this file re-exports the public names)

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
