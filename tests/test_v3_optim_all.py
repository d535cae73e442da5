"""Every v3_nn optimizer against torch.optim, over option combinations drawn by hypothesis.

Each step both optimizers see the gradient of the same non-convex function at their own
current parameters (torch's autograd computes it for both), so any difference is the update
rule's. Two parameter groups with different learning rates; 100 steps; float64. The state
(torch's key names and values) and state_dict() move both ways between the libraries.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import v2_tensor as vt
import v3_nn
from v3_nn import optim

STEPS = 100
X = np.random.default_rng(0).standard_normal((16, 4))
Y = np.random.default_rng(1).standard_normal((16, 3))
RTOL, ATOL = 1e-9, 1e-11


def loss_and_gradients(weight: np.ndarray, bias: np.ndarray, sign: float = 1.0):
    """A small tanh regression plus quartic terms: curved, non-convex, gradients of all sizes,
    with its gradient written out (both optimizers get the same function's gradients at their
    own parameters, so any difference is the update rule's).

    The quartics put the minimum about 2 away from the start, so 100 steps descend without
    reaching it: sign-like rules (Adam, RMSprop, Rprop) zig-zag chaotically around a minimum,
    where any rounding difference (torch's kernels fuse multiply-adds) grows exponentially."""
    z = X @ weight + bias
    tanh = np.tanh(z)
    residual = tanh - Y
    loss = (residual**2).mean() + 0.1 * (((weight - 2) ** 4).sum() + ((bias + 2) ** 4).sum())
    dz = 2 * residual * (1 - tanh**2) / residual.size
    grad_weight = X.T @ dz + 0.4 * (weight - 2) ** 3
    grad_bias = dz.sum(0) + 0.4 * (bias + 2) ** 3
    return sign * loss, [sign * grad_weight, sign * grad_bias]


def test_the_written_out_gradient_is_torch_autograd_s():
    weight, bias = (torch.tensor(a, requires_grad=True) for a in start())
    prediction = torch.tanh(torch.from_numpy(X) @ weight + bias)
    quartic = ((weight - 2) ** 4).sum() + ((bias + 2) ** 4).sum()
    loss = ((prediction - torch.from_numpy(Y)) ** 2).mean() + 0.1 * quartic
    loss.backward()
    value, (grad_weight, grad_bias) = loss_and_gradients(*start())
    assert value == pytest.approx(loss.item(), rel=1e-14)
    np.testing.assert_allclose(grad_weight, weight.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(grad_bias, bias.grad.numpy(), rtol=1e-13)


def start():
    rng = np.random.default_rng(2)
    return [rng.standard_normal((4, 3)), rng.standard_normal(3)]


def make_pair(name, kwargs, groups=True):
    weight, bias = start()
    ours = [v3_nn.Parameter(weight.copy()), v3_nn.Parameter(bias.copy())]
    theirs = [torch.tensor(weight, requires_grad=True), torch.tensor(bias, requires_grad=True)]
    lr = kwargs.get("lr", 1e-3)

    def grouped(ps):
        return [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 3 * lr}] if groups else ps

    # capturable is CUDA-only in torch (an error on the CPU); ours takes it and ignores it
    torch_kwargs = {k: v for k, v in kwargs.items() if k != "capturable"}
    return (
        ours,
        theirs,
        getattr(optim, name)(grouped(ours), **kwargs),
        getattr(torch.optim, name)(grouped(theirs), **torch_kwargs),
    )


def run_steps(ours, theirs, opt_ours, opt_theirs, steps, sign):
    for _ in range(steps):
        _, grads = loss_and_gradients(*(p.array for p in ours), sign)
        for p, g in zip(ours, grads, strict=True):
            p.grad = vt.Tensor(g)
        opt_ours.step()
        _, grads = loss_and_gradients(*(p.detach().numpy() for p in theirs), sign)
        for p, g in zip(theirs, grads, strict=True):
            p.grad = torch.from_numpy(g)
        opt_theirs.step()


def to_torch(value):
    if isinstance(value, vt.Tensor):
        return torch.from_numpy(value.array.copy())
    if isinstance(value, dict):
        return {k: to_torch(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(to_torch(v) for v in value)
    return value


def to_ours(value):
    if isinstance(value, torch.Tensor):
        return vt.tensor(value.detach().numpy().copy(), dtype=value.detach().numpy().dtype)
    if isinstance(value, dict):
        return {k: to_ours(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(to_ours(v) for v in value)
    return value


def assert_states_equal(ours_sd, theirs_sd, kwargs=None):
    """Our state_dict() and torch's: the same layout, keys, dtypes of 'step', and values."""
    if kwargs and "capturable" in kwargs:
        for group in theirs_sd["param_groups"]:
            group["capturable"] = kwargs["capturable"]
    assert ours_sd["param_groups"] == theirs_sd["param_groups"]
    assert ours_sd["state"].keys() == theirs_sd["state"].keys()
    for index, state in theirs_sd["state"].items():
        assert ours_sd["state"][index].keys() == state.keys(), index
        for key, value in state.items():
            mine = ours_sd["state"][index][key]
            if isinstance(value, torch.Tensor):
                assert isinstance(mine, vt.Tensor), key
                assert mine.shape == tuple(value.shape), key
                assert str(mine.dtype) == str(value.dtype).removeprefix("torch."), key
                np.testing.assert_allclose(mine.array, value.numpy(), rtol=RTOL, atol=ATOL)
            else:
                assert mine == value, key


def assert_parameters_equal(ours, theirs):
    for p_ours, p_theirs in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p_ours.array, p_theirs.detach().numpy(), rtol=RTOL, atol=ATOL)


# ---- option combinations -----------------------------------------------------------------

flags = st.fixed_dictionaries(
    {"maximize": st.booleans(), "foreach": st.sampled_from([None, False])}
)


def with_flags(options, **extra):
    return st.tuples(st.fixed_dictionaries(options), flags, st.fixed_dictionaries(extra)).map(
        lambda parts: {**parts[0], **parts[1], **parts[2]}
    )


def sgd_options():
    def build(d):
        if d["nesterov"]:
            d["dampening"] = 0
            d["momentum"] = d["momentum"] or 0.9
        return d

    return with_flags(
        {
            "lr": st.sampled_from([0.01, 0.05]),
            "momentum": st.sampled_from([0.0, 0.5, 0.9]),
            "dampening": st.sampled_from([0.0, 0.3]),
            "weight_decay": st.sampled_from([0.0, 0.05]),
            "nesterov": st.booleans(),
        },
        fused=st.sampled_from([None, False]),
    ).map(build)


OPTIONS = {
    "SGD": sgd_options(),
    "Adam": with_flags(
        {
            "lr": st.sampled_from([0.01, 0.03]),
            "betas": st.sampled_from([(0.9, 0.999), (0.8, 0.95)]),
            "eps": st.sampled_from([1e-8, 1e-5]),
            "weight_decay": st.sampled_from([0.0, 0.1]),
            "amsgrad": st.booleans(),
            "decoupled_weight_decay": st.booleans(),
        },
        capturable=st.booleans(),
    ),
    "AdamW": with_flags(
        {
            "lr": st.sampled_from([0.01, 0.03]),
            "betas": st.sampled_from([(0.9, 0.999), (0.7, 0.9)]),
            "weight_decay": st.sampled_from([0.0, 0.01, 0.3]),
            "amsgrad": st.booleans(),
        }
    ),
    "Adamax": with_flags(
        {
            "lr": st.sampled_from([0.01, 0.02]),
            "betas": st.sampled_from([(0.9, 0.999), (0.8, 0.99)]),
            "eps": st.sampled_from([1e-8, 1e-3]),
            "weight_decay": st.sampled_from([0.0, 0.1]),
        }
    ),
    "NAdam": with_flags(
        {
            "lr": st.sampled_from([0.01, 0.03]),
            "betas": st.sampled_from([(0.9, 0.999), (0.8, 0.99)]),
            "weight_decay": st.sampled_from([0.0, 0.1]),
            "momentum_decay": st.sampled_from([4e-3, 0.05]),
            "decoupled_weight_decay": st.booleans(),
        }
    ),
    "RAdam": with_flags(
        {
            "lr": st.sampled_from([0.01, 0.03]),
            "betas": st.sampled_from([(0.9, 0.999), (0.9, 0.8)]),  # ρₜ > 5 late, or soon
            "weight_decay": st.sampled_from([0.0, 0.1]),
            "decoupled_weight_decay": st.booleans(),
        }
    ),
    "Adagrad": with_flags(
        {
            "lr": st.sampled_from([0.05, 0.1]),
            "lr_decay": st.sampled_from([0.0, 0.05]),
            "weight_decay": st.sampled_from([0.0, 0.01]),
            "initial_accumulator_value": st.sampled_from([0.0, 0.1]),
            "eps": st.sampled_from([1e-10, 1e-6]),
        },
        fused=st.sampled_from([None, False]),
    ),
    "Adadelta": with_flags(
        {
            "lr": st.sampled_from([1.0, 0.5]),
            "rho": st.sampled_from([0.9, 0.5]),
            "eps": st.sampled_from([1e-6, 1e-3]),
            "weight_decay": st.sampled_from([0.0, 0.05]),
        }
    ),
    "RMSprop": with_flags(
        {
            "lr": st.sampled_from([0.002, 0.005]),
            "alpha": st.sampled_from([0.99, 0.9]),
            "eps": st.sampled_from([1e-8, 1e-4]),
            "weight_decay": st.sampled_from([0.0, 0.01]),
            "momentum": st.sampled_from([0.0, 0.5]),
            "centered": st.booleans(),
        }
    ),
    "Rprop": with_flags(
        {
            "lr": st.sampled_from([0.01, 0.001]),
            "etas": st.sampled_from([(0.5, 1.2), (0.3, 1.5)]),
            "step_sizes": st.sampled_from([(1e-6, 50), (1e-4, 0.05)]),
        }
    ),
    "ASGD": with_flags(
        {
            "lr": st.sampled_from([0.01, 0.05]),
            "lambd": st.sampled_from([1e-4, 0.05]),
            "alpha": st.sampled_from([0.75, 0.5]),
            "t0": st.sampled_from([1e6, 20.0]),  # t0 = 20: the averaging starts mid-run
            "weight_decay": st.sampled_from([0.0, 0.01]),
        }
    ),
}


@pytest.mark.parametrize("name", list(OPTIONS))
def test_matches_torch_after_100_steps_for_drawn_options(name):
    @settings(max_examples=6, deadline=None)
    @given(kwargs=OPTIONS[name])
    def check(kwargs):
        ours, theirs, opt_ours, opt_theirs = make_pair(name, kwargs)
        sign = -1.0 if kwargs.get("maximize") else 1.0
        arrays = [p.array for p in ours]
        run_steps(ours, theirs, opt_ours, opt_theirs, STEPS, sign)
        assert_parameters_equal(ours, theirs)
        assert_states_equal(opt_ours.state_dict(), opt_theirs.state_dict(), kwargs)
        assert all(p.array is a for p, a in zip(ours, arrays, strict=True)), "in place"
        assert np.abs(ours[0].array - start()[0]).max() > 1e-3, f"{name} barely moved"

    check()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, fused=True)),
        ("Adam", dict(lr=0.02, amsgrad=True, fused=True)),
        ("Adam", dict(lr=0.02, foreach=True)),
        ("AdamW", dict(lr=0.02, fused=True)),
        ("Adagrad", dict(lr=0.1, fused=True)),
        ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, foreach=True)),
        ("NAdam", dict(lr=0.01, foreach=True)),
    ],
)
def test_fused_and_foreach_are_the_same_rule(name, kwargs):
    # torch's fused/foreach kernels round differently; ours accepts the flags, same rule.
    ours, theirs, opt_ours, opt_theirs = make_pair(name, kwargs)
    run_steps(ours, theirs, opt_ours, opt_theirs, STEPS, 1.0)
    assert_parameters_equal(ours, theirs)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.05)),
        ("Adam", dict(lr=0.02, betas=(0.8, 0.95), weight_decay=0.1, amsgrad=True)),
        ("AdamW", dict(lr=0.02)),
        ("Adamax", dict(lr=0.02)),
        ("NAdam", dict(lr=0.02, decoupled_weight_decay=True, weight_decay=0.1)),
        ("RAdam", dict(lr=0.02, betas=(0.9, 0.8))),
        ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.1)),
        ("Adadelta", dict(lr=0.5)),
        ("RMSprop", dict(lr=0.005, momentum=0.5, centered=True)),
        ("Rprop", dict(lr=0.01)),
        ("ASGD", dict(lr=0.05, lambd=0.05, t0=5.0)),
    ],
)
def test_state_dict_moves_both_ways_between_torch_and_v3(name, kwargs):
    ours, theirs, opt_ours, opt_theirs = make_pair(name, kwargs)
    run_steps(ours, theirs, opt_ours, opt_theirs, 10, 1.0)
    assert_states_equal(opt_ours.state_dict(), opt_theirs.state_dict())

    # torch -> v3: a fresh optimizer of ours takes torch's state and follows torch's path
    from_torch = getattr(optim, name)([{"params": [ours[0]]}, {"params": [ours[1]]}], lr=1.0)
    from_torch.load_state_dict(to_ours(opt_theirs.state_dict()))
    assert from_torch.param_groups[1]["lr"] == 3 * kwargs["lr"]
    # torch casts loaded state (ASGD's eta and mu, NAdam's mu_product) to the parameter's dtype
    torch_reloaded = getattr(torch.optim, name)(
        [{"params": [theirs[0]]}, {"params": [theirs[1]]}], lr=1.0
    )
    torch_reloaded.load_state_dict(opt_theirs.state_dict())
    assert_states_equal(from_torch.state_dict(), torch_reloaded.state_dict())
    # v3 -> torch: a fresh torch optimizer takes our state
    from_ours = getattr(torch.optim, name)(
        [{"params": [theirs[0]]}, {"params": [theirs[1]]}], lr=1.0
    )
    from_ours.load_state_dict(to_torch(opt_ours.state_dict()))
    run_steps(ours, theirs, from_torch, from_ours, 10, 1.0)
    assert_parameters_equal(ours, theirs)
    assert_states_equal(from_torch.state_dict(), from_ours.state_dict())


def test_state_dict_is_a_copy_and_step_is_a_0d_float_tensor():
    p = v3_nn.Parameter(np.ones(3))
    opt = optim.Adam([p], lr=0.1)
    p.grad = vt.Tensor(np.ones(3))
    opt.step()
    saved = opt.state_dict()
    step = saved["state"][0]["step"]
    assert isinstance(step, vt.Tensor) and step.shape == () and step.dtype == np.float32
    assert isinstance(opt.state[p]["exp_avg"], vt.Tensor)
    opt.step()
    assert saved["state"][0]["step"].item() == 1.0 and opt.state[p]["step"].item() == 2.0


# ---- LBFGS -----------------------------------------------------------------------------------


def lbfgs_pair(kwargs):
    weight, bias = start()
    ours = [v3_nn.Parameter(weight.copy()), v3_nn.Parameter(bias.copy())]
    theirs = [torch.tensor(weight, requires_grad=True), torch.tensor(bias, requires_grad=True)]
    opt_ours, opt_theirs = optim.LBFGS(ours, **kwargs), torch.optim.LBFGS(theirs, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0

    def closure_ours():
        assert vt.is_grad_enabled(), "the closure runs with grad enabled"
        loss, grads = loss_and_gradients(*(p.array for p in ours), sign)
        for p, g in zip(ours, grads, strict=True):
            p.grad = vt.Tensor(g)
        return vt.tensor(loss, dtype=vt.float64)

    def closure_theirs():
        loss, grads = loss_and_gradients(*(p.detach().numpy() for p in theirs), sign)
        for p, g in zip(theirs, grads, strict=True):
            p.grad = torch.from_numpy(g)
        return torch.tensor(loss, dtype=torch.float64)

    return ours, theirs, opt_ours, opt_theirs, closure_ours, closure_theirs


@settings(max_examples=8, deadline=None)
@given(
    kwargs=st.fixed_dictionaries(
        {
            "lr": st.sampled_from([1.0, 0.5]),
            "max_iter": st.sampled_from([5, 20]),
            "history_size": st.sampled_from([3, 100]),
            "line_search_fn": st.sampled_from([None, "strong_wolfe"]),
            "tolerance_grad": st.sampled_from([1e-7, 1e-3]),
            "tolerance_change": st.sampled_from([1e-9, 1e-4]),
            "maximize": st.booleans(),
        },
        optional={"max_eval": st.sampled_from([7, 30])},
    )
)
def test_lbfgs_matches_torch(kwargs):
    ours, theirs, opt_ours, opt_theirs, closure_ours, closure_theirs = lbfgs_pair(kwargs)
    for _ in range(5):
        loss_ours = opt_ours.step(closure_ours)
        loss_theirs = opt_theirs.step(closure_theirs)
        assert loss_ours.item() == pytest.approx(loss_theirs.item(), rel=1e-9, abs=1e-12)
    assert_parameters_equal(ours, theirs)
    state_ours, state_theirs = opt_ours.state[ours[0]], opt_theirs.state[theirs[0]]
    assert state_ours["func_evals"] == state_theirs["func_evals"]
    assert state_ours["n_iter"] == state_theirs["n_iter"]
    assert set(state_ours) == set(state_theirs)
    assert len(state_ours["old_dirs"]) == len(state_theirs["old_dirs"])


def test_lbfgs_finds_the_minimum_and_its_state_round_trips():
    _, _, opt, _, closure, _ = lbfgs_pair(dict(line_search_fn="strong_wolfe", max_iter=50))
    first = opt.step(closure).item()
    saved = opt.state_dict()
    assert isinstance(saved["state"][0]["d"], vt.Tensor) and saved["state"][0]["d"].shape == (15,)
    assert saved["param_groups"][0]["max_eval"] == 62
    final = opt.step(closure).item()
    assert final < first
    fresh = optim.LBFGS(opt.param_groups[0]["params"], line_search_fn="strong_wolfe")
    fresh.load_state_dict(saved)
    assert fresh.state[opt.param_groups[0]["params"][0]]["n_iter"] == saved["state"][0]["n_iter"]
    with pytest.raises(TypeError, match="needs a closure"):
        opt.step()
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [v3_nn.Parameter(np.ones(1))]}, {"params": [opt._params[0]]}])
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS(opt._params, line_search_fn="backtracking")


# ---- behaviour ---------------------------------------------------------------------------------


def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    p = v3_nn.Parameter(np.array([2.0]))
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with vt.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0 and p.array[0] == pytest.approx(2.0 - 0.1 * 4.0)


def test_zero_grad_set_to_none_and_zeros():
    p = v3_nn.Parameter(np.ones(2))
    opt = optim.AdamW([p])
    p.grad = vt.Tensor(np.ones(2))
    opt.zero_grad(set_to_none=False)
    assert np.array_equal(p.grad.array, np.zeros(2))
    opt.zero_grad()
    assert p.grad is None


def test_a_non_leaf_parameter_is_refused_at_construction():
    leaf = v3_nn.Parameter(np.ones(3))
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([leaf * 2], lr=0.1)
    with pytest.raises(ValueError):
        torch.optim.SGD([torch.ones(3, requires_grad=True) * 2], lr=0.1)
    kept = leaf * 2
    kept.retain_grad()
    optim.SGD([kept], lr=0.1)  # torch takes a non-leaf that retains its grad


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "ASGD"])
def test_differentiable_is_refused_clearly(name):
    with pytest.raises(NotImplementedError, match=r"differentiable=True.*NumPy outside autograd"):
        getattr(optim, name)([v3_nn.Parameter(np.ones(1))], differentiable=True)


def test_sparse_adam_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="sparse gradients.*optim.Adam"):
        optim.SparseAdam([v3_nn.Parameter(np.ones(1))])


def test_fused_and_foreach_together_are_refused_as_torch():
    p = v3_nn.Parameter(np.ones(1))
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
        optim.Adam([p], fused=True, foreach=True)
    with pytest.raises(RuntimeError):
        torch.optim.Adam([torch.ones(1, requires_grad=True)], fused=True, foreach=True)


def test_a_tensor_learning_rate_works_like_a_float():
    ours, theirs, opt_ours, opt_theirs = make_pair("Adam", dict(lr=0.01), groups=False)
    opt_ours.param_groups[0]["lr"] = vt.tensor(0.02, dtype=vt.float64)
    opt_theirs.param_groups[0]["lr"] = torch.tensor(0.02, dtype=torch.float64)
    run_steps(ours, theirs, opt_ours, opt_theirs, 20, 1.0)
    assert_parameters_equal(ours, theirs)
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        optim.SGD([v3_nn.Parameter(np.ones(1))], lr=vt.tensor([0.1, 0.2]))
    with pytest.raises(ValueError, match="foreach=True"):
        optim.Adam([v3_nn.Parameter(np.ones(1))], lr=vt.tensor(0.1), foreach=True)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ps: optim.Adadelta(ps, rho=1.5), "rho"),
        (lambda ps: optim.Rprop(ps, etas=(1.5, 1.2)), "eta values"),
        (lambda ps: optim.NAdam(ps, momentum_decay=-1), "momentum_decay"),
        (lambda ps: optim.RAdam(ps, betas=(0.9, 1.0)), "beta parameter at index 1"),
        (lambda ps: optim.Adamax(ps, eps=-1), "epsilon"),
        (lambda ps: optim.ASGD(ps, lr=-0.1), "learning rate"),
        (lambda ps: optim.LBFGS(ps, lr=-1), "learning rate"),
    ],
)
def test_bad_hyperparameters_are_value_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make([v3_nn.Parameter(np.zeros(1))])


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_optimizer_keeps_float32_parameters_float32(name):
    p = v3_nn.Parameter(np.ones(3, dtype=np.float32))
    t = torch.ones(3, requires_grad=True)
    opt, opt_t = getattr(optim, name)([p], lr=0.01), getattr(torch.optim, name)([t], lr=0.01)
    for _ in range(5):
        p.grad = vt.Tensor(np.array([1.0, -2.0, 0.5], dtype=np.float32))
        t.grad = torch.tensor([1.0, -2.0, 0.5])
        opt.step()
        opt_t.step()
    assert p.array.dtype == np.float32 and not np.allclose(p.array, 1)
    np.testing.assert_allclose(p.array, t.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_a_step_allocates_no_state_beyond_torch_and_reuses_its_buffers():
    model = v3_nn.Linear(64, 64)
    opt = optim.AdamW(model.parameters(), lr=1e-3)
    for _ in range(3):
        for p in model.parameters():
            p.grad = vt.Tensor(np.ones_like(p.array))
        opt.step()
    sizes = sorted(b.size for b in opt._buffers.values())
    assert sizes and max(sizes) == 64 * 64, "scratch sized by the largest parameter only"
    assert math.isclose(float(opt.state[model.weight]["step"]), 3.0)
