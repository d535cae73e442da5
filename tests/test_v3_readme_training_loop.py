"""The README's "Training loops as in torch" section runs as written, and its loop is torch code:
the same lines run under torch once its five import lines are swapped back."""

import re
from pathlib import Path

import numpy as np

import v2_tensor as vt

README = Path(__file__).parents[1] / "v3_nn" / "README.md"
V3_IMPORTS = """import v2_tensor as torch
import v3_nn as nn
from v3_nn import optim
from v3_nn.optim.lr_scheduler import OneCycleLR
from v3_nn.utils.data import DataLoader, TensorDataset
"""
TORCH_IMPORTS = """import torch
from torch import nn, optim
from torch.optim.lr_scheduler import OneCycleLR
from torch.utils.data import DataLoader, TensorDataset
"""


def blocks() -> list[str]:
    section = README.read_text().split("## Training loops as in torch", 1)[1].split("\n## ", 1)[0]
    return [part.split("```", 1)[0] for part in re.split(r"```python[^\n]*\n", section)[1:]]


def test_the_training_loop_and_the_checkpoint_round_trip_run(tmp_path, monkeypatch, capsys):
    loop, round_trip = blocks()
    assert loop.startswith(V3_IMPORTS)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(loop, "v3_nn/README.md", "exec"), namespace)
    losses = [float(line.rsplit(" ", 1)[1]) for line in capsys.readouterr().out.splitlines()]
    assert len(losses) == 6 and losses[-1] < 0.5 * losses[0], losses
    checkpoint = vt.load("checkpoint.pt")
    assert checkpoint["epoch"] == 6 and checkpoint["scheduler"]["last_epoch"] == 6 * 8
    state = checkpoint["optimizer"]["state"][0]
    assert state["step"].item() == 48 and state["exp_avg"].shape == (32, 8)
    assert namespace["loader"]._iterator is not None, "the workers persisted across epochs"
    namespace["loader"]._iterator._shutdown_workers()

    exec(compile(round_trip, "v3_nn/README.md", "exec"), {})
    back = vt.load("back.safetensors")
    np.testing.assert_array_equal(
        back["optimizer"]["state"][3]["exp_avg_sq"].array,
        checkpoint["optimizer"]["state"][3]["exp_avg_sq"].array,
    )
    groups = back["optimizer"]["param_groups"]
    assert groups == checkpoint["optimizer"]["param_groups"] and isinstance(
        groups[0]["betas"], tuple
    )


def test_the_loop_is_torch_code(tmp_path, monkeypatch, capsys):
    loop = blocks()[0]
    torch_loop = TORCH_IMPORTS + loop[len(V3_IMPORTS) :]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(torch_loop, "README (torch)", "exec"), namespace)
    losses = [float(line.rsplit(" ", 1)[1]) for line in capsys.readouterr().out.splitlines()]
    assert len(losses) == 6 and losses[-1] < 0.5 * losses[0], losses
