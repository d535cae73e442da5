"""torch.utils.data._utils's path: `collate` and `worker`, so code that imports
torch.utils.data._utils.collate finds them here."""

import sys

from .. import collate, worker

# `import v3_nn.data._utils.collate` finds the module itself, not a copy.
for _name, _module in {"collate": collate, "worker": worker}.items():
    sys.modules.setdefault(f"{__name__}.{_name}", _module)
