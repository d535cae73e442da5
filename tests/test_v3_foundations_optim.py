"""v3_nn.optim against torch.optim: same parameters after many steps, in float64.

Each step both optimizers see the gradient of the same non-convex function at their own
current parameters (torch's autograd computes it for both), so any difference is the
update rule's. Two parameter groups with different learning rates are used throughout.
"""

import numpy as np
import pytest
import torch

import v2_tensor as vt
import v3_nn
from v3_nn import optim

STEPS = 60
X = np.random.default_rng(0).standard_normal((16, 4))
Y = np.random.default_rng(1).standard_normal((16, 3))


def loss_fn(weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    # A small tanh regression plus a quartic term: curved, non-convex, gradients of all sizes.
    prediction = torch.tanh(torch.from_numpy(X) @ weight + bias)
    return ((prediction - torch.from_numpy(Y)) ** 2).mean() + 0.1 * (weight**4).sum()


def torch_gradients(weight: np.ndarray, bias: np.ndarray, sign: float) -> list[np.ndarray]:
    w = torch.tensor(weight, requires_grad=True)
    b = torch.tensor(bias, requires_grad=True)
    (sign * loss_fn(w, b)).backward()
    return [w.grad.numpy(), b.grad.numpy()]


def start() -> list[np.ndarray]:
    rng = np.random.default_rng(2)
    return [rng.standard_normal((4, 3)), rng.standard_normal(3)]


CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.02)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.02, maximize=True)),
    ("AdamW", dict(lr=0.02)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.02, betas=(0.7, 0.9), eps=1e-5, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    (
        "RMSprop",
        dict(lr=0.005, alpha=0.9, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.01),
    ),
    ("RMSprop", dict(lr=0.005, centered=True, maximize=True)),
    ("RMSprop", dict(lr=0.002, momentum=0.9)),
    ("Adagrad", dict(lr=0.1)),
    (
        "Adagrad",
        dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.1, weight_decay=0.01, eps=1e-8),
    ),
    ("Adagrad", dict(lr=0.1, maximize=True)),
]


def make_pair(name: str, kwargs: dict):
    weight, bias = start()
    ours = [v3_nn.Parameter(weight.copy()), v3_nn.Parameter(bias.copy())]
    theirs = [torch.tensor(weight, requires_grad=True), torch.tensor(bias, requires_grad=True)]
    lr = kwargs["lr"]
    groups = lambda ps: [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 3 * lr}]  # noqa: E731
    return (
        ours,
        theirs,
        getattr(optim, name)(groups(ours), **kwargs),
        getattr(torch.optim, name)(groups(theirs), **kwargs),
    )


def run_steps(ours, theirs, opt_ours, opt_theirs, steps, sign):
    for _ in range(steps):
        for p, g in zip(ours, torch_gradients(ours[0].array, ours[1].array, sign), strict=True):
            p.grad = vt.Tensor(g.copy())
        opt_ours.step()
        opt_theirs.zero_grad()
        (sign * loss_fn(*theirs)).backward()
        opt_theirs.step()


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=lambda c: str(c))
def test_matches_torch_after_many_steps(name, kwargs):
    ours, theirs, opt_ours, opt_theirs = make_pair(name, kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    first = [p.array for p in ours]
    run_steps(ours, theirs, opt_ours, opt_theirs, STEPS, sign)
    for p_ours, p_theirs in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p_ours.array, p_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert all(p.array is array for p, array in zip(ours, first, strict=True)), "updates in place"
    assert all(p.requires_grad for p in ours)
    moved = np.abs(ours[0].array - start()[0]).max()
    assert moved > 1e-2, f"{name} barely moved the parameters ({moved})"


@pytest.mark.parametrize(("name", "kwargs"), [CASES[2], CASES[6], CASES[12], CASES[16]])
def test_state_dict_resumes_the_same_trajectory(name, kwargs):
    ours, theirs, opt_ours, opt_theirs = make_pair(name, kwargs)
    run_steps(ours, theirs, opt_ours, opt_theirs, 10, 1.0)
    saved = opt_ours.state_dict()
    resumed = getattr(optim, name)([{"params": [ours[0]]}, {"params": [ours[1]]}], lr=1.0)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[1]["lr"] == 3 * kwargs["lr"]
    run_steps(ours, theirs, resumed, opt_theirs, 10, 1.0)
    for p_ours, p_theirs in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p_ours.array, p_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_load_state_dict_of_another_model_is_refused_before_anything_changes():
    a, b = v3_nn.Parameter(np.ones((2, 3))), v3_nn.Parameter(np.ones(3))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = vt.Tensor(np.ones((2, 3))), vt.Tensor(np.ones(3))
    opt.step()
    other = optim.Adam([v3_nn.Parameter(np.ones((3, 2))), v3_nn.Parameter(np.ones(3))], lr=0.5)
    other.step()  # no gradients: no state yet
    saved = opt.state_dict()
    with pytest.raises(ValueError, match=r"'exp_avg' of shape \(2, 3\) for parameter 0.*\(3, 2\)"):
        other.load_state_dict(saved)
    assert other.param_groups[0]["lr"] == 0.5 and not other.state
    with pytest.raises(ValueError, match="1 parameter groups, this optimizer has 2"):
        optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(saved)


def test_training_a_v3_model_end_to_end_matches_torch():
    # Gradients from v2_tensor's own backward this time: a model, an optimizer, 30 steps.
    weight, bias = start()
    w, b = v3_nn.Parameter(weight.copy()), v3_nn.Parameter(bias.copy())
    wt, bt = torch.tensor(weight, requires_grad=True), torch.tensor(bias, requires_grad=True)
    opt, opt_t = optim.Adam([w, b], lr=0.01), torch.optim.Adam([wt, bt], lr=0.01)
    x, y = vt.tensor(X), vt.tensor(Y)
    for _ in range(30):
        opt.zero_grad()
        loss = (((x @ w + b).tanh() - y) ** 2).mean() + 0.1 * (w**4).sum()
        loss.backward()
        opt.step()
        opt_t.zero_grad()
        loss_fn(wt, bt).backward()
        opt_t.step()
    np.testing.assert_allclose(w.array, wt.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.array, bt.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_param_groups_defaults_and_add_param_group():
    a, b, c = (v3_nn.Parameter(np.zeros(2)) for _ in range(3))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert all(g["momentum"] == 0.9 for g in opt.param_groups)
    opt.add_param_group({"params": [c], "momentum": 0.0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.0
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_a_group_added_later_steps_as_torch(name):
    start = [np.array([1.0, -2.0]), np.array([0.5, 3.0])]
    ours = [v3_nn.Parameter(a.copy()) for a in start]
    theirs = [torch.tensor(a, requires_grad=True) for a in start]
    kwargs = dict(lr=0.1, weight_decay=0.1)
    opt_ours = getattr(optim, name)([ours[0]], **kwargs)
    opt_theirs = getattr(torch.optim, name)([theirs[0]], **kwargs)
    opt_ours.add_param_group({"params": [ours[1]], "lr": 0.2})
    opt_theirs.add_param_group({"params": [theirs[1]], "lr": 0.2})
    for _ in range(5):
        for p, t in zip(ours, theirs, strict=True):
            p.grad = vt.Tensor(np.sin(p.array) + p.array**2)
            t.grad = torch.sin(t.detach()) + t.detach() ** 2
        opt_ours.step()
        opt_theirs.step()
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.array, t.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_named_parameters_are_accepted_and_their_names_kept_as_torch():
    model = v3_nn.Linear(2, 3)
    opt = optim.Adam(model.named_parameters(), lr=0.1)
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in model.parameters()]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    grouped = optim.SGD([{"params": model.named_parameters(), "lr": 0.5}], lr=0.1)
    assert grouped.param_groups[0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match="mix named and unnamed"):
        optim.SGD([("weight", model.weight), model.bias], lr=0.1)


def test_skips_parameters_without_gradients_and_zero_grad():
    a, b = v3_nn.Parameter(np.ones(2)), v3_nn.Parameter(np.ones(2))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = vt.Tensor(np.ones(2))
    opt.step()
    assert not np.allclose(a.array, 1) and np.array_equal(b.array, np.ones(2))
    assert b not in opt.state
    opt.zero_grad(set_to_none=False)
    assert np.array_equal(a.grad.array, np.zeros(2))
    opt.zero_grad()
    assert a.grad is None


def test_closure_is_called_and_its_loss_returned():
    p = v3_nn.Parameter(np.array([2.0]))
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 4.0 and p.array[0] == pytest.approx(2.0 - 0.1 * 4.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ps: optim.SGD([], lr=0.1), "empty parameter list"),
        (lambda ps: optim.SGD(ps, lr=-1.0), "learning rate"),
        (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), "Nesterov"),
        (lambda ps: optim.Adam(ps, betas=(1.0, 0.9)), "beta parameter at index 0"),
        (lambda ps: optim.RMSprop(ps, alpha=-0.5), "alpha"),
        (lambda ps: optim.Adagrad(ps, lr_decay=-1.0), "lr_decay"),
    ],
)
def test_bad_hyperparameters_are_value_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make([v3_nn.Parameter(np.zeros(1))])


def test_bad_params_are_type_errors():
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(v3_nn.Parameter(np.zeros(1)), lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.zeros(1)], lr=0.1)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_float32_parameters_stay_float32(name):
    p = v3_nn.Parameter(np.ones(3, dtype=np.float32))
    opt = getattr(optim, name)([p], lr=0.1)
    for _ in range(3):
        p.grad = vt.Tensor(np.array([1.0, -2.0, 0.5]))  # a float64 gradient
        opt.step()
    assert p.array.dtype == np.float32 and not np.allclose(p.array, 1)
