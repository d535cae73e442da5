"""v3_nn losses (functional and modules) against torch in float64: values, input and target
gradients, every reduction, class weights, ignore_index, label smoothing, huge logits, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import v2_tensor as vt
import v3_nn as nn
import v3_nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


def close(ours, theirs, rtol=1e-10, atol=1e-12):
    ours = ours.array if isinstance(ours, vt.Tensor) else ours
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def compare(ours_fn, theirs_fn, input, target, grad_target=False, rtol=1e-10, **kwargs):
    """Loss values and the gradients of input (and target if asked) agree; returns our loss."""
    xs, xt = vt.tensor(input, requires_grad=True), torch.tensor(input, requires_grad=True)
    if grad_target:
        ts, tt = vt.tensor(target, requires_grad=True), torch.tensor(target, requires_grad=True)
    else:
        ts, tt = vt.tensor(target), torch.tensor(target)
    ls, lt = ours_fn(xs, ts, **kwargs), theirs_fn(xt, tt, **kwargs)
    close(ls, lt, rtol)
    upstream = randn(*lt.shape, seed=1)
    ls.backward(vt.tensor(upstream))
    lt.backward(torch.tensor(upstream))
    close(xs.grad, xt.grad, rtol)
    if grad_target:
        close(ts.grad, tt.grad, rtol)
    return ls


# ---- regression losses -------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(shape=array_shapes(min_dims=0, max_dims=3, max_side=4), seed=st.integers(0, 99))
def test_mse_and_l1_match_torch(reduction, shape, seed):
    x, y = randn(*shape, seed=seed), randn(*shape, seed=seed + 1)
    compare(F.mse_loss, TF.mse_loss, x, y, grad_target=True, reduction=reduction)
    compare(F.l1_loss, TF.l1_loss, x, y, grad_target=True, reduction=reduction)


def test_regression_losses_broadcast_targets_with_torchs_warning():
    # torch broadcasts a target of another shape, with a UserWarning, and refuses shapes
    # that do not broadcast with a RuntimeError
    x, y = randn(2, 3), randn(3, seed=1)
    with pytest.warns(UserWarning, match=r"mse_loss: using a target size \(\(3,\)\)"):
        ours = F.mse_loss(vt.tensor(x), vt.tensor(y))
    with pytest.warns(UserWarning, match="different to the input size"):
        theirs = TF.mse_loss(torch.tensor(x), torch.tensor(y))
    close(ours, theirs)
    with (
        pytest.warns(UserWarning),
        pytest.raises(RuntimeError, match=r"l1_loss: target shape \(4,\) does not broadcast"),
    ):
        nn.L1Loss()(vt.tensor(np.zeros((2, 3))), np.zeros(4))


def test_bad_reduction_is_refused():
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.mse_loss(vt.tensor([1.0]), vt.tensor([1.0]), reduction="avg")
    loss = nn.CrossEntropyLoss(reduction="avg")  # torch accepts it until the loss is computed
    assert torch.nn.CrossEntropyLoss(reduction="avg").reduction == loss.reduction == "avg"
    with pytest.raises(ValueError, match="cross_entropy: reduction"):
        loss(vt.tensor(np.zeros((2, 3))), np.array([0, 1]))


# ---- cross-entropy and NLL ---------------------------------------------------------------


CE_OPTIONS = [
    {},
    {"weight": [0.2, 1.0, 3.0, 0.5]},
    {"ignore_index": 1},
    {"label_smoothing": 0.1},
    {"weight": [0.2, 1.0, 3.0, 0.5], "ignore_index": 0, "label_smoothing": 0.25},
]
CE_SHAPES = [((6, 4), (6,)), ((4,), ()), ((3, 4, 2, 5), (3, 2, 5))]


def class_targets(target_shape, seed=2):
    return np.random.default_rng(seed).integers(0, 4, size=target_shape)


def torch_options(options):
    return {
        k: torch.tensor(v, dtype=torch.float64) if k == "weight" else v for k, v in options.items()
    }


def ours_options(options):
    return {k: vt.tensor(np.array(v)) if k == "weight" else v for k, v in options.items()}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", CE_OPTIONS, ids=str)
@pytest.mark.parametrize("shapes", CE_SHAPES, ids=str)
def test_cross_entropy_matches_torch(shapes, options, reduction):
    input_shape, target_shape = shapes
    logits, target = randn(*input_shape) * 3, class_targets(target_shape)
    compare(
        lambda x, t, **kw: F.cross_entropy(x, t, **ours_options(options), **kw),
        lambda x, t, **kw: TF.cross_entropy(x, t, **torch_options(options), **kw),
        logits,
        target,
        reduction=reduction,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [o for o in CE_OPTIONS if "label_smoothing" not in o], ids=str)
@pytest.mark.parametrize("shapes", CE_SHAPES, ids=str)
def test_nll_loss_of_log_softmax_matches_torch(shapes, options, reduction):
    input_shape, target_shape = shapes
    class_dim = 0 if len(input_shape) == 1 else 1
    logits, target = randn(*input_shape) * 3, class_targets(target_shape)
    compare(
        lambda x, t, **kw: F.nll_loss(
            F.log_softmax(x, class_dim), t, **ours_options(options), **kw
        ),
        lambda x, t, **kw: TF.nll_loss(
            TF.log_softmax(x, class_dim), t, **torch_options(options), **kw
        ),
        logits,
        target,
        reduction=reduction,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options", [{}, {"weight": [0.2, 1.0, 3.0, 0.5], "label_smoothing": 0.2}], ids=str
)
def test_cross_entropy_with_probability_targets_matches_torch(options, reduction):
    logits = randn(5, 4, 3)
    probs = np.random.default_rng(3).dirichlet(np.ones(4), size=(5, 3)).transpose(0, 2, 1)
    compare(
        lambda x, t, **kw: F.cross_entropy(x, t, **ours_options(options), **kw),
        lambda x, t, **kw: TF.cross_entropy(x, t, **torch_options(options), **kw),
        logits,
        probs,
        grad_target=True,
        reduction=reduction,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_is_finite_and_exact_at_huge_logits(reduction):
    logits = np.array([[1e3, -1e3, 0.0], [-1e3, -1e3, 1e3], [1e3, 1e3, -1e3]])
    target = np.array([1, 2, 0])
    loss = compare(F.cross_entropy, TF.cross_entropy, logits, target, reduction=reduction)
    assert np.all(np.isfinite(loss.array))


def test_cross_entropy_with_every_target_ignored_is_nan_like_torch():
    logits, target = randn(2, 3), np.array([-100, -100])
    with np.errstate(invalid="ignore", divide="ignore"):
        ours = F.cross_entropy(vt.tensor(logits), target)
    assert np.isnan(ours.item())
    assert torch.isnan(TF.cross_entropy(torch.tensor(logits), torch.tensor(target)))


def test_classification_errors_name_the_op_and_shapes():
    # exception types are torch's (each checked against torch in test_v3_losses_all.py)
    logits = vt.tensor(np.zeros((3, 4)))
    with pytest.raises(IndexError, match="cross_entropy: target 4 is out of bounds for 4 classes"):
        F.cross_entropy(logits, np.array([0, 4, 1]))
    with pytest.raises(IndexError, match="nll_loss: target -2"):
        F.nll_loss(logits, np.array([0, -2, 1]))
    with pytest.raises(
        ValueError, match=r"cross_entropy: target shape \(2,\) does not match input shape \(3, 4\)"
    ):
        F.cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(
        RuntimeError, match="nll_loss: expected a class-index target of dtype int64"
    ):
        F.nll_loss(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match="cross_entropy: expected a class-index target.*float64"):
        F.cross_entropy(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"for all 4 classes .* shape: \(3,\)"):
        F.cross_entropy(logits, np.array([0, 1, 2]), weight=np.ones(3))
    with pytest.raises(RuntimeError, match="label_smoothing"):
        F.cross_entropy(logits, np.array([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="floating point target for class probabilities"):
        F.cross_entropy(vt.tensor(1.0), np.array(0))


# ---- binary cross-entropy ----------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(reduction, weighted):
    rng = np.random.default_rng(4)
    probs, target = rng.uniform(0.01, 0.99, size=(5, 3)), rng.uniform(size=(5, 3))
    weight = rng.uniform(size=3) if weighted else None
    compare(
        lambda x, t, **kw: F.binary_cross_entropy(x, t, weight=weight, **kw),
        lambda x, t, **kw: TF.binary_cross_entropy(
            x, t, weight=None if weight is None else torch.tensor(weight), **kw
        ),
        probs,
        target,
        grad_target=True,
        reduction=reduction,
    )


def test_binary_cross_entropy_is_finite_at_probabilities_0_and_1():
    probs, target = np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])
    # the gradient there is (x - t) / 1e-12; torch holds the 1e-12 in float32 (4e-9 off)
    loss = compare(
        F.binary_cross_entropy, TF.binary_cross_entropy, probs, target, rtol=1e-8, reduction="none"
    )
    close(loss, [0.0, 0.0, 100.0, 100.0])


def test_binary_cross_entropy_rejects_input_outside_0_1():
    with pytest.raises(
        RuntimeError, match="binary_cross_entropy: all elements of input should be between 0 and 1"
    ):
        F.binary_cross_entropy(vt.tensor([0.5, 1.5]), vt.tensor([0.0, 1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weight", [None, [1.0, 3.0, 0.5]])
def test_bce_with_logits_matches_torch_including_huge_logits(reduction, weighted, pos_weight):
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(4, 3)) * 4
    logits[0] = [1e3, -1e3, 0.0]
    logits[1] = [-1e3, 1e3, 0.0]
    target = rng.uniform(size=(4, 3))
    target[:2] = [[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]]
    weight = rng.uniform(size=(4, 1)) if weighted else None
    loss = compare(
        lambda x, t, **kw: F.binary_cross_entropy_with_logits(
            x,
            t,
            weight=weight,
            pos_weight=None if pos_weight is None else np.array(pos_weight),
            **kw,
        ),
        lambda x, t, **kw: TF.binary_cross_entropy_with_logits(
            x,
            t,
            weight=None if weight is None else torch.tensor(weight),
            pos_weight=None
            if pos_weight is None
            else torch.tensor(pos_weight, dtype=torch.float64),
            **kw,
        ),
        logits,
        target,
        grad_target=True,
        reduction=reduction,
    )
    assert np.all(np.isfinite(loss.array))


def test_bce_with_logits_errors():
    x = vt.tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target shape \(3,\)"):
        F.binary_cross_entropy_with_logits(x, np.zeros(3))
    with pytest.raises(
        RuntimeError, match=r"pos_weight of shape \(2,\) does not broadcast to input shape \(2, 3\)"
    ):
        F.binary_cross_entropy_with_logits(x, np.zeros((2, 3)), pos_weight=np.ones(2))


# ---- loss modules ------------------------------------------------------------------------


MODULES = [
    (lambda: nn.MSELoss(reduction="sum"), lambda: torch.nn.MSELoss(reduction="sum"), "regression"),
    (lambda: nn.L1Loss(), lambda: torch.nn.L1Loss(), "regression"),
    (
        lambda: nn.CrossEntropyLoss(
            weight=np.array([1.0, 2.0, 0.5, 1.0]), ignore_index=3, label_smoothing=0.1
        ),
        lambda: torch.nn.CrossEntropyLoss(
            weight=torch.tensor([1.0, 2.0, 0.5, 1.0], dtype=torch.float64),
            ignore_index=3,
            label_smoothing=0.1,
        ),
        "classes",
    ),
    (lambda: nn.NLLLoss(reduction="none"), lambda: torch.nn.NLLLoss(reduction="none"), "classes"),
    (lambda: nn.BCELoss(), lambda: torch.nn.BCELoss(), "probabilities"),
    (
        lambda: nn.BCEWithLogitsLoss(pos_weight=np.array([2.0, 1.0, 1.0, 0.5])),
        lambda: torch.nn.BCEWithLogitsLoss(
            pos_weight=torch.tensor([2.0, 1.0, 1.0, 0.5], dtype=torch.float64)
        ),
        "regression",
    ),
]


@pytest.mark.parametrize("make", MODULES, ids=lambda m: type(m[1]()).__name__)
def test_loss_modules_match_torch(make):
    ours, theirs, kind = make[0](), make[1](), make[2]
    x = randn(5, 4)
    target = {
        "regression": np.random.default_rng(6).uniform(size=(5, 4)),
        "classes": np.array([0, 3, 1, 2, 3]),
        "probabilities": np.random.default_rng(6).uniform(size=(5, 4)),
    }[kind]
    if kind == "probabilities":
        x = 1 / (1 + np.exp(-x))
    compare(ours, theirs, x, target)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
