"""v1_scalar.nn and v1_scalar.optim: micrograd's behaviour, torch's gradients and updates."""

import random

import micrograd.engine
import micrograd.nn
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import make_moons

from v1_scalar.engine import Value
from v1_scalar.nn import MLP, Layer, Module, Neuron
from v1_scalar.optim import SGD


def torch_twin(model: MLP) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Each layer's (weight [nout, nin], bias [nout]) as float64 leaves."""
    twin = []
    for layer in model.layers:
        w = [[wi.data for wi in n.w] for n in layer.neurons]
        b = [n.b.data for n in layer.neurons]
        twin.append(
            (
                torch.tensor(w, dtype=torch.float64, requires_grad=True),
                torch.tensor(b, dtype=torch.float64, requires_grad=True),
            )
        )
    return twin


def torch_forward(twin, x: torch.Tensor) -> torch.Tensor:
    for i, (w, b) in enumerate(twin):
        x = x @ w.T + b
        if i < len(twin) - 1:
            x = torch.relu(x)
    return x


@given(
    seed=st.integers(0, 2**16),
    sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    nin=st.integers(1, 4),
)
def test_mlp_parameter_gradients_match_torch(seed, sizes, nin):
    random.seed(seed)
    model = MLP(nin, sizes)
    xs = np.random.default_rng(seed).normal(size=(6, nin))
    outs = [model(list(row)) for row in xs]
    outs = [o if isinstance(o, list) else [o] for o in outs]
    loss = sum(((o - 0.3) ** 2).tanh() for row in outs for o in row)
    loss.backward()

    twin = torch_twin(model)
    loss_t = ((torch_forward(twin, torch.tensor(xs)) - 0.3) ** 2).tanh().sum()
    loss_t.backward()
    assert loss.data == pytest.approx(loss_t.item(), rel=1e-12, abs=1e-12)
    for layer, (w, b) in zip(model.layers, twin, strict=True):
        grad_w = [[wi.grad for wi in n.w] for n in layer.neurons]
        grad_b = [n.b.grad for n in layer.neurons]
        np.testing.assert_allclose(grad_w, w.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(grad_b, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_same_seed_gives_micrograds_network_and_reprs():
    random.seed(7)
    ours = MLP(3, [4, 2, 1])
    random.seed(7)
    theirs = micrograd.nn.MLP(3, [4, 2, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)
    assert repr(ours.layers[0].neurons[0]) == "ReLUNeuron(3)"
    assert repr(ours.layers[-1]) == "Layer of [LinearNeuron(2)]"
    assert len(MLP(2, [16, 16, 1]).parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1


def readme_example(Value):
    """micrograd's README example, verbatim."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def test_micrograd_readme_example_gives_its_published_figures():
    ours, theirs = readme_example(Value), readme_example(micrograd.engine.Value)
    assert [round(x, 4) for x in ours] == [24.7041, 138.8338, 645.5773]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def demo_training(Value, MLP, seed=3, steps=3):
    """micrograd's demo notebook, verbatim in its use of the API: data, model, loss, loop."""
    random.seed(seed)
    X, y = make_moons(n_samples=20, noise=0.1, random_state=seed)
    y = y * 2 - 1  # make y be -1 or 1
    model = MLP(2, [8, 8, 1])

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores, strict=True)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, acc))
    grads = [p.grad for p in model.parameters()]
    return history, grads, [p.data for p in model.parameters()]


def test_micrograd_demo_code_runs_unchanged_with_the_same_numbers():
    history, grads, params = demo_training(Value, MLP)
    history_m, grads_m, params_m = demo_training(micrograd.engine.Value, micrograd.nn.MLP)
    np.testing.assert_allclose(history, history_m, rtol=1e-12)
    np.testing.assert_allclose(grads, grads_m, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(params, params_m, rtol=1e-12, atol=1e-14)
    assert any(g != 0 for g in grads) and len({loss for loss, _ in history}) == 3


def test_layer_returns_a_single_output_unwrapped_and_zero_grad_resets():
    random.seed(0)
    layer, single = Layer(2, 3), Layer(2, 1, nonlin=False)
    assert len(layer([1.0, 2.0])) == 3 and isinstance(single([1.0, 2.0]), Value)
    out = single([1.0, 2.0])
    out.backward()
    assert [p.grad for p in single.parameters()] == [1.0, 2.0, 1.0]
    single.zero_grad()
    assert all(p.grad == 0.0 for p in single.parameters())
    assert Module().parameters() == []


def test_bad_sizes_and_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="Neuron: expected 3 inputs, got 2"):
        Neuron(3)([1.0, 2.0])
    with pytest.raises(ValueError, match="Neuron: nin must be a positive int, got 0"):
        Neuron(0)
    with pytest.raises(ValueError, match="Layer: nout must be a positive int, got -1"):
        Layer(2, -1)
    with pytest.raises(ValueError, match="MLP: nouts must list at least one layer size"):
        MLP(2, [])
    with pytest.raises(ValueError, match="Neuron: nin must be a positive int, got 2.5"):
        MLP(2.5, [1])
    with pytest.raises(TypeError, match=r"MLP: nouts must be a list of layer sizes, got 16"):
        MLP(2, 16)
    with pytest.raises(TypeError, match=r"Neuron: expected a list of 2 inputs, got 1.5"):
        MLP(2, [3, 1])(1.5)
    assert isinstance(MLP(1, [2, 1])(Value(1.5)), Value)  # a lone Value is one input


@pytest.mark.parametrize(
    "kwargs", [{"lr": 0.1}, {"lr": 0.05, "momentum": 0.9}, {"lr": 0.1, "weight_decay": 0.01}]
)
def test_sgd_matches_torch_optim_sgd(kwargs):
    start = [0.5, -1.2, 2.0]
    ours = [Value(x) for x in start]
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt, opt_t = SGD(ours, **kwargs), torch.optim.SGD([theirs], **kwargs)
    for _ in range(5):
        opt.zero_grad()
        opt_t.zero_grad()
        (ours[0] * ours[1] + ours[2] ** 2 + ours[1].tanh()).backward()
        (theirs[0] * theirs[1] + theirs[2] ** 2 + theirs[1].tanh()).backward()
        opt.step()
        opt_t.step()
    np.testing.assert_allclose([p.data for p in ours], theirs.detach().numpy(), rtol=1e-12)


def test_sgd_rejects_bad_arguments():
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        SGD([])
    with pytest.raises(ValueError, match="SGD: lr must be >= 0, got -0.1"):
        SGD([Value(1.0)], lr=-0.1)
    with pytest.raises(TypeError, match="SGD: parameters must be Values, got 1.0"):
        SGD([1.0])
