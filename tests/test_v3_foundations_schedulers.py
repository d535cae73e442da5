"""v3_nn.optim.lr_scheduler against torch's: the same get_last_lr() sequence, epoch by epoch."""

import numpy as np
import pytest
import torch

import v3_nn
from v3_nn import optim
from v3_nn.optim import lr_scheduler

EPOCHS = 100
# Some tests step a scheduler without stepping its optimizer, which torch (and v3_nn) warn about.
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step")


def optimizers():
    """The same two-group SGD in v3_nn and in torch."""
    ours = optim.SGD(
        [
            {"params": [v3_nn.Parameter(np.zeros(2))]},
            {"params": [v3_nn.Parameter(np.zeros(2))], "lr": 0.3},
        ],
        lr=0.1,
        momentum=0.9,
    )
    theirs = torch.optim.SGD(
        [
            {"params": [torch.zeros(2, requires_grad=True)]},
            {"params": [torch.zeros(2, requires_grad=True)], "lr": 0.3},
        ],
        lr=0.1,
        momentum=0.9,
    )
    return ours, theirs


def pair(name: str, kwargs: dict):
    ours, theirs = optimizers()
    return (
        ours,
        theirs,
        getattr(lr_scheduler, name)(ours, **kwargs),
        getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs),
    )


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", dict(step_size=7)),
        ("StepLR", dict(step_size=3, gamma=0.5)),
        ("ExponentialLR", dict(gamma=0.95)),
        ("CosineAnnealingLR", dict(T_max=10)),  # 100 epochs: ten times past T_max
        ("CosineAnnealingLR", dict(T_max=13, eta_min=0.01)),
    ],
)
def test_learning_rates_match_torch_over_many_epochs(name, kwargs):
    ours, theirs, sched_ours, sched_theirs = pair(name, kwargs)
    history_ours, history_theirs = [], []
    for _ in range(EPOCHS):
        history_ours.append(sched_ours.get_last_lr())
        history_theirs.append(sched_theirs.get_last_lr())
        ours.step()
        theirs.step()
        sched_ours.step()
        sched_theirs.step()
    np.testing.assert_allclose(history_ours, history_theirs, rtol=1e-12, atol=1e-15)
    assert [g["lr"] for g in ours.param_groups] == sched_ours.get_last_lr()
    assert sched_ours.last_epoch == sched_theirs.last_epoch == EPOCHS
    assert len({round(lr[0], 12) for lr in history_ours}) > 3, "the schedule must move"


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", dict(step_size=3)),
        ("ExponentialLR", dict(gamma=0.5)),
        ("CosineAnnealingLR", dict(T_max=10)),
    ],
)
def test_resuming_at_last_epoch_matches_torch(name, kwargs):
    # Construction with last_epoch=5 is itself a step to epoch 6: StepLR decays there.
    ours, theirs = optimizers()
    for optimizer in (ours, theirs):
        for group in optimizer.param_groups:
            group["initial_lr"] = group["lr"]
    sched_ours = getattr(lr_scheduler, name)(ours, last_epoch=5, **kwargs)
    sched_theirs = getattr(torch.optim.lr_scheduler, name)(theirs, last_epoch=5, **kwargs)
    history_ours, history_theirs = [], []
    for _ in range(8):
        history_ours.append(sched_ours.get_last_lr())
        history_theirs.append(sched_theirs.get_last_lr())
        ours.step()
        theirs.step()
        sched_ours.step()
        sched_theirs.step()
    np.testing.assert_allclose(history_ours, history_theirs, rtol=1e-12, atol=1e-15)


def test_cosine_follows_the_closed_form_and_climbs_back_past_t_max():
    ours, _, sched, _ = pair("CosineAnnealingLR", dict(T_max=10, eta_min=0.02))
    lrs = []
    for _ in range(31):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    t = np.arange(31)
    closed_form = 0.02 + (0.1 - 0.02) * (1 + np.cos(np.pi * t / 10)) / 2
    np.testing.assert_allclose(lrs, closed_form, rtol=1e-12)
    assert lrs[10] == pytest.approx(0.02) and lrs[20] == pytest.approx(0.1)


def test_initial_lr_base_lrs_and_state_dict():
    ours, _, sched, _ = pair("StepLR", dict(step_size=2))
    assert sched.base_lrs == [0.1, 0.3]
    assert [g["initial_lr"] for g in ours.param_groups] == [0.1, 0.3]
    for _ in range(5):
        sched.step()
    saved = sched.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 5
    fresh = lr_scheduler.StepLR(ours, step_size=99)
    fresh.load_state_dict(saved)
    assert fresh.step_size == 2 and fresh.last_epoch == 5


def test_resuming_needs_initial_lr_and_bad_arguments_are_errors():
    fresh = optim.SGD([v3_nn.Parameter(np.zeros(1))], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.ExponentialLR(fresh, gamma=0.9, last_epoch=3)
    with pytest.raises(TypeError, match="not an Optimizer"):
        lr_scheduler.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), 2)
    with pytest.raises(ValueError, match="step_size"):
        lr_scheduler.StepLR(fresh, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        lr_scheduler.CosineAnnealingLR(fresh, T_max=0)
