"""v3_nn.data, as torch.utils.data: datasets, samplers, collation and the DataLoader.

The same modules answer as `v3_nn.utils.data` (and its `dataset`, `sampler`, `dataloader`
submodules), so `from torch.utils.data import DataLoader` ports as
`from v3_nn.utils.data import DataLoader`, and `from torch.utils.data.dataset import
Dataset` as `from v3_nn.utils.data.dataset import Dataset`.
"""

# ruff: noqa: F401  (this file re-exports the public names)

import sys

from . import _utils, collate, dataloader, dataset, sampler, worker
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .worker import WorkerInfo, get_worker_info

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]

# v3_nn.utils.data is this package under torch's path (one set of modules, not copies).
for _name, _module in list(sys.modules.items()):
    if _name == __name__ or _name.startswith(__name__ + "."):
        sys.modules.setdefault("v3_nn.utils.data" + _name[len(__name__) :], _module)
