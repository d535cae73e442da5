"""Every v3_nn.optim.lr_scheduler against torch's: the rates (and cycled momenta) epoch by epoch
over many epochs, chained and sequential schedules, step(epoch), resuming, and state_dict()."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import v2_tensor as vt
import v3_nn
from v3_nn import optim
from v3_nn.optim import lr_scheduler

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def optimizers(kind="sgd"):
    """The same two-group optimizer in v3_nn and in torch (SGD with momentum, or Adam)."""

    def groups(make_param):
        return [{"params": [make_param()]}, {"params": [make_param()], "lr": 0.3}]

    if kind == "sgd":
        return (
            optim.SGD(groups(lambda: v3_nn.Parameter(np.zeros(2))), lr=0.1, momentum=0.9),
            torch.optim.SGD(
                groups(lambda: torch.zeros(2, requires_grad=True)), lr=0.1, momentum=0.9
            ),
        )
    return (
        optim.Adam(groups(lambda: v3_nn.Parameter(np.zeros(2))), lr=0.1),
        torch.optim.Adam(groups(lambda: torch.zeros(2, requires_grad=True)), lr=0.1),
    )


def snapshot(optimizer, scheduler):
    momenta = [g["betas"][0] if "betas" in g else g["momentum"] for g in optimizer.param_groups]
    return [*scheduler.get_last_lr(), *[g["lr"] for g in optimizer.param_groups], *momenta]


def run_both(make, epochs, kind="sgd", metrics=None):
    """History of (rates, group rates, momenta) for v3_nn and torch, one row per epoch."""
    histories = []
    for module in (lr_scheduler, torch.optim.lr_scheduler):
        opt = optimizers(kind)[0 if module is lr_scheduler else 1]
        scheduler = make(module, opt)
        history = [snapshot(opt, scheduler)]
        for epoch in range(epochs):
            opt.step()
            if metrics is None:
                scheduler.step()
            else:
                scheduler.step(metrics[epoch])
            history.append(snapshot(opt, scheduler))
        histories.append((history, scheduler))
    (ours, sched_ours), (theirs, sched_theirs) = histories
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-16)
    assert_same_state(sched_ours.state_dict(), sched_theirs.state_dict())
    return np.array(ours), sched_ours


def assert_same_state(ours, theirs):
    """The same state_dict() as torch's scheduler: keys, and values (functions aside)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and set(ours) == set(theirs), set(ours) ^ set(theirs)
        for key in theirs:
            assert_same_state(ours[key], theirs[key])
    elif isinstance(theirs, list | tuple):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert_same_state(a, b)
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-13, abs=1e-16) or (
            math.isnan(ours) and math.isnan(theirs)
        )
    elif not callable(theirs):
        assert ours == theirs


CASES = {
    "LambdaLR": lambda m, o: m.LambdaLR(o, [lambda e: 0.95**e, lambda e: 1 / (1 + e)]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9 if e % 3 else 1.05),
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 40], gamma=0.3),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=8),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.8, total_iters=13),
    "LinearLR down": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=9),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=30, power=2.0),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10),  # 10x past T_max
    "CosineAnnealingLR eta_min": lambda m, o: m.CosineAnnealingLR(o, T_max=13, eta_min=0.01),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=7),
    "CosineAnnealingWarmRestarts T_mult": lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.001
    ),
    "CyclicLR triangular": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=5),
    "CyclicLR triangular2": lambda m, o: m.CyclicLR(
        o, [0.01, 0.02], [0.1, 0.5], step_size_up=4, step_size_down=7, mode="triangular2"
    ),
    "CyclicLR exp_range": lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, step_size_up=6, mode="exp_range", gamma=0.97, base_momentum=0.7
    ),
    "CyclicLR scale_fn": lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, step_size_up=3, scale_fn=lambda x: 1 / (1 + 0.1 * x), scale_mode="iterations"
    ),
    "CyclicLR no momentum": lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, step_size_up=5, cycle_momentum=False
    ),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=100),
    "OneCycleLR linear three_phase": lambda m, o: m.OneCycleLR(
        o,
        max_lr=[0.5, 2.0],
        epochs=10,
        steps_per_epoch=10,
        pct_start=0.25,
        anneal_strategy="linear",
        three_phase=True,
        div_factor=10.0,
        final_div_factor=100.0,
    ),
    "SequentialLR warmup then cosine": lambda m, o: m.SequentialLR(
        o,
        [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)],
        milestones=[5],
    ),
    "SequentialLR three": lambda m, o: m.SequentialLR(
        o,
        [
            m.ConstantLR(o, factor=0.5, total_iters=4),
            m.ExponentialLR(o, 0.9),
            m.StepLR(o, step_size=5, gamma=0.5),
        ],
        milestones=[6, 30],
    ),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.1, total_iters=20), m.ExponentialLR(o, gamma=0.9)]
    ),
    "ChainedScheduler of a SequentialLR": lambda m, o: m.ChainedScheduler(
        [
            m.SequentialLR(
                o, [m.LinearLR(o, 0.2, total_iters=4), m.ExponentialLR(o, 0.95)], milestones=[4]
            ),
            m.MultiStepLR(o, milestones=[10, 20]),
        ]
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rates_and_momenta_match_torch_over_100_epochs(name):
    history, _ = run_both(CASES[name], 100)
    assert len({round(row[0], 12) for row in history}) > 1, "the schedule must move"


@pytest.mark.parametrize(
    "name",
    ["OneCycleLR", "OneCycleLR linear three_phase", "CyclicLR exp_range", "CyclicLR triangular"],
)
def test_cycled_betas_of_adam_match_torch(name):
    history, _ = run_both(CASES[name], 100, kind="adam")
    assert len({round(row[-1], 12) for row in history}) > 3, "beta1 must cycle"


def test_one_cycle_refuses_a_step_past_total_steps():
    opt = optimizers()[0]
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        scheduler.step()


def test_two_schedulers_on_one_optimizer_compose_as_torch():
    def both(m, o):
        first = m.StepLR(o, step_size=4, gamma=0.5)
        second = m.CosineAnnealingLR(o, T_max=15, eta_min=0.001)
        return m.ChainedScheduler([first, second], optimizer=o)

    run_both(both, 60)
    # by hand, stepping each
    rows = []
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), optimizers(), strict=True):
        a, b = module.ExponentialLR(opt, 0.9), module.MultiStepLR(opt, [3, 7])
        row = []
        for _ in range(20):
            opt.step()
            a.step()
            b.step()
            row.append([g["lr"] for g in opt.param_groups])
        rows.append(row)
    np.testing.assert_allclose(rows[0], rows[1], rtol=1e-13)


@settings(max_examples=15, deadline=None)
@given(
    mode=st.sampled_from(["min", "max"]),
    threshold_mode=st.sampled_from(["rel", "abs"]),
    threshold=st.sampled_from([1e-4, 0.05]),
    patience=st.integers(0, 4),
    cooldown=st.integers(0, 3),
    factor=st.sampled_from([0.1, 0.5]),
    min_lr=st.sampled_from([0.0, 0.01, [0.02, 0.001]]),
    eps=st.sampled_from([1e-8, 0.05]),
    seed=st.integers(0, 3),
)
def test_reduce_lr_on_plateau_matches_torch(
    mode, threshold_mode, threshold, patience, cooldown, factor, min_lr, eps, seed
):
    rng = np.random.default_rng(seed)
    metrics = list(1 / (1 + np.arange(60)) + 0.05 * rng.standard_normal(60))  # falls, then noise
    if mode == "max":
        metrics = [-m for m in metrics]

    def make(m, o):
        return m.ReduceLROnPlateau(
            o,
            mode=mode,
            factor=factor,
            patience=patience,
            threshold=threshold,
            threshold_mode=threshold_mode,
            cooldown=cooldown,
            min_lr=min_lr,
            eps=eps,
        )

    run_both(make, 60, metrics=metrics)


@settings(max_examples=12, deadline=None)
@given(
    step_size=st.integers(1, 9),
    gamma=st.floats(0.1, 0.99),
    total_iters=st.integers(1, 12),
    T_max=st.integers(1, 15),
    milestone=st.integers(1, 25),
)
def test_drawn_sequential_schedules_match_torch(step_size, gamma, total_iters, T_max, milestone):
    def make(m, o):
        warmup_then_cosine = m.SequentialLR(
            o,
            [
                m.LinearLR(o, start_factor=0.2, total_iters=total_iters),
                m.CosineAnnealingLR(o, T_max),
            ],
            milestones=[milestone],
        )
        return m.ChainedScheduler(
            [warmup_then_cosine, m.StepLR(o, step_size=step_size, gamma=gamma)]
        )

    run_both(make, 50)


@pytest.mark.parametrize(
    "name",
    [
        "StepLR",
        "MultiStepLR",
        "ConstantLR",
        "LinearLR",
        "ExponentialLR",
        "PolynomialLR",
        "CosineAnnealingLR eta_min",
        "CosineAnnealingWarmRestarts T_mult",
    ],
)
def test_step_with_an_epoch_uses_the_closed_form_as_torch(name):
    rows = []
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), optimizers(), strict=True):
        scheduler = CASES[name](module, opt)
        row = []
        for epoch in [3, 4, 10, 2, 17, 40, 0]:
            scheduler.step(epoch)
            row.append(scheduler.get_last_lr())
        rows.append(row)
    np.testing.assert_allclose(rows[0], rows[1], rtol=1e-13)


def test_warm_restarts_take_fractional_epochs_as_torch():
    rows = []
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), optimizers(), strict=True):
        scheduler = module.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)
        rows.append([])
        for batch in range(60):
            scheduler.step(batch / 5)
            rows[-1].append(scheduler.get_last_lr())
    np.testing.assert_allclose(rows[0], rows[1], rtol=1e-13)
    with pytest.raises(ValueError, match="non-negative epoch"):
        lr_scheduler.CosineAnnealingWarmRestarts(optimizers()[0], T_0=2).step(-1)


@pytest.mark.parametrize(
    "name", ["StepLR", "ExponentialLR", "CosineAnnealingLR", "CyclicLR triangular", "OneCycleLR"]
)
def test_resuming_with_last_epoch_matches_torch(name):
    # Construction with last_epoch=5 is itself a step to epoch 6.
    rows = []
    for module, opt in zip((lr_scheduler, torch.optim.lr_scheduler), optimizers(), strict=True):
        CASES[name](module, opt)  # fills initial_lr (and OneCycle's max_lr, momenta)
        scheduler = _resume(module, opt, name)
        row = []
        for _ in range(12):
            opt.step()
            scheduler.step()
            row.append(scheduler.get_last_lr())
        rows.append(row)
    np.testing.assert_allclose(rows[0], rows[1], rtol=1e-13)


def _resume(module, opt, name):
    if name == "StepLR":
        return module.StepLR(opt, step_size=3, last_epoch=5)
    if name == "ExponentialLR":
        return module.ExponentialLR(opt, gamma=0.5, last_epoch=5)
    if name == "CosineAnnealingLR":
        return module.CosineAnnealingLR(opt, T_max=10, last_epoch=5)
    if name == "CyclicLR triangular":
        return module.CyclicLR(opt, 0.01, 0.1, step_size_up=5, last_epoch=5)
    return module.OneCycleLR(opt, max_lr=1.0, total_steps=100, last_epoch=5)


@pytest.mark.parametrize(
    "name", ["StepLR", "CyclicLR triangular2", "OneCycleLR", "SequentialLR warmup then cosine"]
)
def test_a_torch_scheduler_state_loads_here_and_ours_in_torch(name):
    # Run torch 17 steps; load its state (and the optimizer's) here; both go on identically.
    opt_ours, opt_theirs = optimizers()
    sched_theirs = CASES[name](torch.optim.lr_scheduler, opt_theirs)
    for _ in range(17):
        opt_theirs.step()
        sched_theirs.step()
    sched_ours = CASES[name](lr_scheduler, opt_ours)
    opt_ours.load_state_dict(opt_theirs.state_dict())
    sched_ours.load_state_dict(sched_theirs.state_dict())
    fresh_torch = CASES[name](torch.optim.lr_scheduler, optimizers()[1])
    fresh_torch.load_state_dict(sched_ours.state_dict())
    assert_same_state(fresh_torch.state_dict(), sched_theirs.state_dict())
    for _ in range(20):
        opt_ours.step()
        opt_theirs.step()
        sched_ours.step()
        sched_theirs.step()
        np.testing.assert_allclose(sched_ours.get_last_lr(), sched_theirs.get_last_lr(), rtol=1e-13)


def test_state_dict_saves_callable_objects_but_not_functions():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate**epoch

    opt = optimizers()[0]
    scheduler = lr_scheduler.LambdaLR(opt, [Decay(0.5), lambda e: 1.0])
    saved = scheduler.state_dict()
    assert saved["lr_lambdas"] == [{"rate": 0.5}, None] and "optimizer" not in saved
    other = lr_scheduler.LambdaLR(optimizers()[0], [Decay(0.9), lambda e: 1.0])
    other.load_state_dict(saved)
    assert other.lr_lambdas[0].rate == 0.5


def test_a_tensor_learning_rate_is_filled_in_place():
    p = v3_nn.Parameter(np.zeros(2))
    lr = vt.tensor(0.1, dtype=vt.float64)
    opt = optim.Adam([p], lr=lr)
    scheduler = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    scheduler.step()
    assert opt.param_groups[0]["lr"] is lr and lr.item() == pytest.approx(0.05)


def test_warnings_as_torch():
    opt = optimizers()[0]
    scheduler = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"lr_scheduler.step\(\)` before `optimizer.step\(\)"):
        scheduler.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        scheduler.get_lr()
    opt2 = optimizers()[0]
    scheduler2 = lr_scheduler.StepLR(opt2, step_size=2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler2.step()


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "step_size"),
        (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "T_max"),
        (lambda o: lr_scheduler.ConstantLR(o, factor=2.0), ValueError, "between 0 and 1"),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError, "greater than 0"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "< 1.0"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="up"), ValueError, "unknown"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "min_lrs"),
        (lambda o: lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="square"), ValueError, "invalid"),
        (lambda o: lr_scheduler.OneCycleLR(o, 1.0), ValueError, "total_steps OR"),
        (lambda o: lr_scheduler.OneCycleLR(o, 1.0, 10, pct_start=1), ValueError, "pct_start"),
        (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0"),
        (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2"),
        (lambda o: lr_scheduler.MultiplicativeLR(o, 0.5), TypeError, "should be a function"),
        (lambda o: lr_scheduler.SequentialLR(o, [], []), ValueError, "at least one"),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], [3]),
            ValueError,
            "one more",
        ),
        (
            lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(o)]),
            ValueError,
            "ReduceLROnPlateau",
        ),
        (
            lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.StepLR(optimizers()[0], 2)], o),
            ValueError,
            "same optimizer",
        ),
        (lambda o: lr_scheduler.ExponentialLR(o, 0.9, last_epoch=3), KeyError, "initial_lr"),
        (
            lambda o: lr_scheduler.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)]), 2),
            TypeError,
            "not an Optimizer",
        ),
    ],
)
def test_bad_arguments_are_refused_as_torch(make, error, message):
    with pytest.raises(error, match=message):
        make(optimizers()[0])
