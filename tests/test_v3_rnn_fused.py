"""The fused recurrences (hand-written BPTT) against the readable reference loop, and gradcheck."""

import numpy as np
import pytest
import torch

import v2_tensor as vt
from v3_nn.functional import rnn as R

MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]


def make_arguments(mode, steps=5, batch=3, inputs=4, hidden=3, bias=True, seed=0):
    """float64 leaves: x, the initial state, the weights (scaled so no gate saturates)."""
    rng = np.random.default_rng(seed)
    gates = R.GATES[mode] * hidden

    def leaf(*shape, scale=1.0):
        return vt.tensor(scale * rng.standard_normal(shape), requires_grad=True)

    x = leaf(steps, batch, inputs)
    state = (leaf(batch, hidden), leaf(batch, hidden)) if mode == "LSTM" else leaf(batch, hidden)
    weights = [leaf(gates, inputs, scale=0.6), leaf(gates, hidden, scale=0.6)]
    if bias:
        weights += [leaf(gates, scale=0.5), leaf(gates, scale=0.5)]
    return x, state, weights


def as_list(output, state):
    return [output, *state] if isinstance(state, tuple) else [output, state]


def leaves_of(x, state, weights):
    return [x, *(state if isinstance(state, tuple) else (state,)), *weights]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_fused_matches_reference(mode, reverse, bias):
    x, state, weights = make_arguments(mode, bias=bias)
    fused = as_list(*R.fused_layer(mode, x, state, weights, reverse=reverse))
    reference = as_list(*R.reference_layer(mode, x, state, weights, reverse=reverse))
    rng = np.random.default_rng(1)
    projections = [vt.tensor(rng.standard_normal(tuple(t.shape))) for t in fused]
    for a, b in zip(fused, reference, strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)
    inputs = leaves_of(x, state, weights)
    fused_grads = vt.autograd.grad(
        sum((t * p).sum() for t, p in zip(fused, projections, strict=True)), inputs
    )
    reference_grads = vt.autograd.grad(
        sum((t * p).sum() for t, p in zip(reference, projections, strict=True)), inputs
    )
    for a, b in zip(fused_grads, reference_grads, strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_reverse_runs_the_sequence_backwards():
    x, state, weights = make_arguments("GRU")
    backwards, h_n = R.fused_layer("GRU", x, state, weights, reverse=True)
    flipped, h_flipped = R.fused_layer(
        "GRU", vt.tensor(x.detach().numpy()[::-1].copy()), state, weights
    )
    np.testing.assert_allclose(
        backwards.detach().numpy(), flipped.detach().numpy()[::-1], rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        h_n.detach().numpy(), h_flipped.detach().numpy(), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck_fused(mode, reverse):
    x, state, weights = make_arguments(mode, steps=4, batch=2, inputs=3, hidden=2, seed=2)
    inputs = leaves_of(x, state, weights)
    n_state = 2 if mode == "LSTM" else 1

    def loss(x, *rest):
        state = tuple(rest[:n_state]) if mode == "LSTM" else rest[0]
        outputs = as_list(*R.fused_layer(mode, x, state, list(rest[n_state:]), reverse=reverse))
        projections = [
            np.random.default_rng(k).standard_normal(tuple(t.shape)) for k, t in enumerate(outputs)
        ]
        return sum((t * vt.tensor(p)).sum() for t, p in zip(outputs, projections, strict=True))

    assert vt.autograd.gradcheck(loss, inputs, eps=1e-6, atol=1e-6)


def test_no_gradient_is_recorded_under_no_grad():
    x, state, weights = make_arguments("LSTM")
    with vt.no_grad():
        output, (h_n, c_n) = R.fused_layer("LSTM", x, state, weights)
    assert not output.requires_grad and output.grad_fn is None


def test_unused_outputs_get_zero_gradient():
    """Only h_n used: the fused backward starts from zero output gradients and still matches."""
    x, state, weights = make_arguments("LSTM", seed=4)
    inputs = leaves_of(x, state, weights)
    _, (h_fused, _) = R.fused_layer("LSTM", x, state, weights)
    _, (h_reference, _) = R.reference_layer("LSTM", x, state, weights)
    fused = vt.autograd.grad(h_fused.sum(), inputs)
    reference = vt.autograd.grad(h_reference.sum(), inputs)
    for a, b in zip(fused, reference, strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


TORCH_LAYERS = {
    "RNN_TANH": lambda i, h: torch.nn.RNN(i, h, bidirectional=True),
    "RNN_RELU": lambda i, h: torch.nn.RNN(i, h, nonlinearity="relu", bidirectional=True),
    "LSTM": lambda i, h: torch.nn.LSTM(i, h, bidirectional=True),
    "GRU": lambda i, h: torch.nn.GRU(i, h, bidirectional=True),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layer_fn", [R.fused_layer, R.reference_layer], ids=["fused", "reference"])
def test_both_implementations_match_torch_in_both_directions(mode, layer_fn):
    """Forward direction with the _l0 weights, reverse with _l0_reverse: torch's bidirectional."""
    steps, batch, inputs, hidden = 5, 3, 4, 3
    theirs = TORCH_LAYERS[mode](inputs, hidden).double()
    rng = np.random.default_rng(6)
    x = rng.standard_normal((steps, batch, inputs))
    h0 = rng.standard_normal((2, batch, hidden))
    c0 = rng.standard_normal((2, batch, hidden))
    weights = {
        k: vt.tensor(v.detach().numpy(), requires_grad=True) for k, v in theirs.named_parameters()
    }
    our_x = vt.tensor(x, requires_grad=True)
    outputs, finals = [], []
    for direction, suffix in enumerate(["_l0", "_l0_reverse"]):
        names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
        state = vt.tensor(h0[direction])
        if mode == "LSTM":
            state = (state, vt.tensor(c0[direction]))
        output, final = layer_fn(
            mode, our_x, state, [weights[n + suffix] for n in names], reverse=direction == 1
        )
        outputs.append(output)
        finals.append(final[0] if mode == "LSTM" else final)
    ours = vt.cat(outputs, dim=2)
    their_x = torch.tensor(x, requires_grad=True)
    state = torch.tensor(h0)
    if mode == "LSTM":
        state = (state, torch.tensor(c0))
    theirs_out, their_final = theirs(their_x, state)
    their_h = their_final[0] if mode == "LSTM" else their_final
    np.testing.assert_allclose(
        ours.detach().numpy(), theirs_out.detach().numpy(), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(
        vt.stack(finals).detach().numpy(), their_h.detach().numpy(), rtol=1e-10, atol=1e-12
    )
    projection = rng.standard_normal(tuple(theirs_out.shape))
    (ours * vt.tensor(projection)).sum().backward()
    (theirs_out * torch.tensor(projection)).sum().backward()
    np.testing.assert_allclose(our_x.grad.numpy(), their_x.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(
            weights[name].grad.numpy(), p.grad.numpy(), rtol=1e-10, atol=1e-12
        )
