"""GroupNorm, InstanceNorm1d/2d/3d, RMSNorm, LocalResponseNorm, BatchNorm3d and a second look
at BatchNorm/LayerNorm against torch in float64: state_dict, outputs, gradients, running
statistics over several steps, eval mode, second derivatives, reprs and torch's errors."""

import warnings

import numpy as np
import pytest
import torch
from v2_parity import check, check_second_order
from v3_twin import assert_same_error, assert_same_state, assert_twins, copy_weights

import v2_tensor as vt
import v3_nn as nn
import v3_nn.functional as F

TF = torch.nn.functional


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def perturb(ours: nn.Module) -> None:
    """Affine parameters away from their 1 / 0 start, so they are really tested."""
    for i, (_, p) in enumerate(ours.named_parameters()):
        p.array[...] = randn(*p.shape, seed=10 + i)


def run_steps(ours, theirs, shape, steps=3):
    """Training steps (each compared), then the state, then eval mode."""
    copy_weights(ours, theirs)
    perturb(ours)
    copy_weights(ours, theirs)
    for step in range(steps):
        assert_twins(ours, theirs, randn(*shape, seed=step) * (step + 1) + step, seed=step)
        ours.zero_grad()
        theirs.zero_grad()
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    for key, value in ours_state.items():
        np.testing.assert_allclose(value, theirs_state[key].numpy(), rtol=1e-10, atol=1e-12)
    ours.eval()
    theirs.eval()
    assert_twins(ours, theirs, randn(*shape, seed=9) * 2 - 1)


@pytest.mark.parametrize(
    "args, kw, shape",
    [
        ((2, 4), {}, (3, 4, 5)),
        ((3, 6), dict(eps=1e-3), (2, 6, 2, 3)),
        ((1, 3), dict(affine=False), (2, 3, 4)),
        ((4, 4), dict(bias=False), (2, 4, 2, 2, 2)),
        ((2, 4), {}, (5, 4)),
    ],
    ids=str,
)
def test_group_norm_matches_torch(args, kw, shape):
    ours, theirs = nn.GroupNorm(*args, **kw), torch.nn.GroupNorm(*args, **kw)
    assert repr(ours) == repr(theirs)
    run_steps(ours, theirs, shape, steps=1)


INSTANCE = [
    (1, {}, (3, 4, 6)),
    (1, dict(affine=True), (4, 5)),  # unbatched
    (1, dict(track_running_stats=True), (3, 4, 6)),
    (2, dict(affine=True, track_running_stats=True, momentum=0.3), (2, 4, 3, 5)),
    (2, dict(track_running_stats=True, momentum=None), (2, 4, 3, 3)),  # None: buffers stay
    (2, dict(affine=True, bias=False, eps=1e-3), (4, 3, 3)),
    (3, dict(affine=True, track_running_stats=True), (2, 4, 2, 3, 2)),
    (3, {}, (4, 2, 2, 3)),
]


@pytest.mark.parametrize("dims, kw, shape", INSTANCE, ids=str)
def test_instance_norm_matches_torch_over_steps_and_eval(dims, kw, shape):
    name = f"InstanceNorm{dims}d"
    ours, theirs = getattr(nn, name)(4, **kw), getattr(torch.nn, name)(4, **kw)
    assert repr(ours) == repr(theirs)
    assert_same_state(ours, theirs)
    run_steps(ours, theirs, shape)
    if ours.track_running_stats:
        assert int(ours.num_batches_tracked.array) == int(theirs.num_batches_tracked) == 0


@pytest.mark.parametrize(
    "shape, kw, x_shape",
    [
        (4, {}, (2, 3, 4)),
        ((3, 4), dict(eps=1e-3), (2, 3, 4)),
        (4, dict(elementwise_affine=False), (5, 4)),
        ([2, 3], dict(eps=None), (2, 2, 3)),
    ],
    ids=str,
)
def test_rms_norm_matches_torch(shape, kw, x_shape):
    ours, theirs = nn.RMSNorm(shape, **kw), torch.nn.RMSNorm(shape, **kw)
    assert repr(ours) == repr(theirs)
    run_steps(ours, theirs, x_shape, steps=1)


def test_rms_norm_default_eps_is_the_dtype_machine_epsilon():
    x = np.full((1, 4), 1e-9)
    for dtype, torch_dtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        ours = F.rms_norm(vt.tensor(x.astype(dtype)), (4,))
        theirs = TF.rms_norm(torch.tensor(x, dtype=torch_dtype), (4,))
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6)
    # with eps = finfo(float64).eps, 1e-9 / sqrt(1e-18 + 2.2e-16) is far from 1
    assert ours.array[0, 0] < 0.1


@pytest.mark.parametrize(
    "kw, shape",
    [
        (dict(size=3), (2, 5, 4)),
        (dict(size=2, alpha=0.1, beta=0.5, k=2.0), (2, 4, 3, 3)),
        (dict(size=4, alpha=1.0), (1, 6, 2, 2, 3)),
    ],
    ids=str,
)
def test_local_response_norm_matches_torch(kw, shape):
    ours, theirs = nn.LocalResponseNorm(**kw), torch.nn.LocalResponseNorm(**kw)
    assert repr(ours) == repr(theirs)
    assert_twins(ours, theirs, randn(*shape))


BATCH = [
    (nn.BatchNorm3d, torch.nn.BatchNorm3d, {}, (3, 2, 2, 3, 2)),
    (nn.BatchNorm3d, torch.nn.BatchNorm3d, dict(momentum=None, affine=False), (2, 2, 2, 2, 2)),
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, dict(momentum=None), (6, 2)),
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, dict(track_running_stats=False), (4, 2, 3)),
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, dict(bias=False, eps=1e-2), (3, 2, 2, 2)),
    (
        nn.BatchNorm2d,
        torch.nn.BatchNorm2d,
        dict(affine=False, track_running_stats=False),
        (3, 2, 2, 2),
    ),
]


@pytest.mark.parametrize("ours_cls, theirs_cls, kw, shape", BATCH, ids=str)
def test_batch_norm_over_steps_and_eval(ours_cls, theirs_cls, kw, shape):
    ours, theirs = ours_cls(2, **kw), theirs_cls(2, **kw)
    assert repr(ours) == repr(theirs)
    run_steps(ours, theirs, shape, steps=4)


@pytest.mark.parametrize(
    "name, arrays, kw",
    [
        ("group_norm", [(2, 4, 3), (4,), (4,)], dict(num_groups=2)),
        ("layer_norm", [(2, 3, 4), (3, 4), (3, 4)], dict(normalized_shape=(3, 4))),
        ("rms_norm", [(2, 3, 4), (4,)], dict(normalized_shape=(4,), eps=1e-6)),
        ("instance_norm", [(2, 3, 4)], {}),
        ("local_response_norm", [(2, 5, 3)], dict(size=3, alpha=0.5)),
        (
            "batch_norm",
            [(4, 3), (3,), (3,)],
            dict(running_mean=None, running_var=None, training=True),
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_functional_forms_and_their_second_derivatives(name, arrays, kw):
    xs = [randn(*s, seed=i) for i, s in enumerate(arrays)]

    def fn(lib, x, *params):
        op = getattr(F if lib is vt else TF, name)
        if name == "batch_norm":
            return op(x, kw["running_mean"], kw["running_var"], *params, training=True)
        if name == "group_norm":
            return op(x, kw["num_groups"], *params)
        if name in ("layer_norm", "rms_norm"):
            rest = {k: v for k, v in kw.items() if k != "normalized_shape"}
            return op(x, kw["normalized_shape"], *params, **rest)
        return op(x, *params, **kw)

    check(fn, *xs)
    check_second_order(lambda lib, *t: fn(lib, *t) ** 2, *xs)


def test_instance_norm_functional_updates_running_buffers_like_torch():
    x = randn(3, 2, 5)
    mean, var = vt.zeros(2, dtype=vt.float64), vt.ones(2, dtype=vt.float64)
    mean_t, var_t = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    F.instance_norm(vt.tensor(x), mean, var, momentum=0.4)
    TF.instance_norm(torch.tensor(x), mean_t, var_t, momentum=0.4)
    np.testing.assert_allclose(mean.array, mean_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var.array, var_t.numpy(), rtol=1e-12)
    out = F.instance_norm(vt.tensor(x), mean, var, use_input_stats=False)
    out_t = TF.instance_norm(torch.tensor(x), mean_t, var_t, use_input_stats=False)
    np.testing.assert_allclose(out.array, out_t.numpy(), rtol=1e-12)


def test_instance_norm_warns_on_a_channel_mismatch_without_affine():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.InstanceNorm1d(3)(vt.tensor(randn(2, 4, 5)))
    assert any("does not match num_features" in str(w.message) for w in caught)


def test_state_dicts_move_from_torch():
    theirs = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True).double()
    theirs(torch.tensor(randn(2, 3, 4, 4)))
    ours = nn.InstanceNorm2d(3, affine=True, track_running_stats=True).double()
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours.running_mean.array, theirs.running_mean.numpy())
    for ours_cls, theirs_cls, args in (
        (nn.GroupNorm, torch.nn.GroupNorm, (2, 4)),
        (nn.RMSNorm, torch.nn.RMSNorm, ((2, 3),)),
        (nn.BatchNorm3d, torch.nn.BatchNorm3d, (3,)),
    ):
        ours, theirs = ours_cls(*args), theirs_cls(*args)
        assert_same_state(ours, theirs)
        ours.load_state_dict(theirs.state_dict())


ERRORS = [
    ("group_norm groups", lambda lib, F, nn: F.group_norm(lib.zeros(2, 6, 3), 4)),
    ("group_norm 1-D", lambda lib, F, nn: F.group_norm(lib.zeros(6), 3)),
    ("group_norm weight", lambda lib, F, nn: F.group_norm(lib.zeros(2, 6), 3, lib.ones(5))),
    ("GroupNorm constructor", lambda lib, F, nn: nn.GroupNorm(4, 6)),
    ("GroupNorm channels", lambda lib, F, nn: nn.GroupNorm(3, 6)(lib.zeros(2, 5, 4))),
    ("InstanceNorm1d dims", lambda lib, F, nn: nn.InstanceNorm1d(3)(lib.zeros(2, 3, 4, 5))),
    ("InstanceNorm2d dims", lambda lib, F, nn: nn.InstanceNorm2d(3)(lib.zeros(3, 4))),
    (
        "InstanceNorm one spatial element",
        lambda lib, F, nn: nn.InstanceNorm1d(3)(lib.zeros(2, 3, 1)),
    ),
    (
        "InstanceNorm affine channels",
        lambda lib, F, nn: nn.InstanceNorm1d(3, affine=True)(lib.zeros(2, 4, 5)),
    ),
    (
        "instance_norm no stats",
        lambda lib, F, nn: F.instance_norm(lib.zeros(2, 3, 4), use_input_stats=False),
    ),
    ("rms_norm shape", lambda lib, F, nn: F.rms_norm(lib.zeros(2, 4), (3,))),
    ("rms_norm int shape", lambda lib, F, nn: F.rms_norm(lib.zeros(2, 4), 4)),
    ("rms_norm weight", lambda lib, F, nn: F.rms_norm(lib.zeros(2, 4), (4,), lib.ones(3))),
    ("layer_norm shape", lambda lib, F, nn: F.layer_norm(lib.zeros(2, 4), (3,))),
    ("layer_norm int shape", lambda lib, F, nn: F.layer_norm(lib.zeros(2, 4), 4)),
    ("LayerNorm shape", lambda lib, F, nn: nn.LayerNorm(3)(lib.zeros(2, 4))),
    ("local_response_norm 2-D", lambda lib, F, nn: F.local_response_norm(lib.zeros(2, 4), 2)),
    ("BatchNorm1d channels", lambda lib, F, nn: nn.BatchNorm1d(3)(lib.zeros(2, 4))),
    ("BatchNorm1d channels eval", lambda lib, F, nn: nn.BatchNorm1d(3).eval()(lib.zeros(2, 4))),
    (
        "BatchNorm1d channels no stats",
        lambda lib, F, nn: nn.BatchNorm1d(3, track_running_stats=False)(lib.zeros(2, 4)),
    ),
    ("BatchNorm1d dims", lambda lib, F, nn: nn.BatchNorm1d(3)(lib.zeros(2, 3, 4, 5))),
    ("BatchNorm3d dims", lambda lib, F, nn: nn.BatchNorm3d(3)(lib.zeros(2, 3, 4, 5))),
    ("BatchNorm one value", lambda lib, F, nn: nn.BatchNorm1d(3)(lib.zeros(1, 3))),
]


@pytest.mark.parametrize("description, fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_torch_types(description, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(fn)
