"""The fused one-step cells (one node per step, NumPy forward and backward) against the composed
reference cells and against torch's cells: values, every gradient, second derivatives,
gradcheck/gradgradcheck, and a long float32 loop."""

import numpy as np
import pytest
import torch
from v2_parity import check, check_second_order

import v2_tensor as vt
import v3_nn
from v3_nn.functional import rnn as R

MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]
TORCH_CELLS = {
    "RNN_TANH": torch.rnn_tanh_cell,
    "RNN_RELU": torch.rnn_relu_cell,
    "LSTM": torch.lstm_cell,
    "GRU": torch.gru_cell,
}
MODULES = {
    "RNN_TANH": (v3_nn.RNNCell, torch.nn.RNNCell, {}),
    "RNN_RELU": (v3_nn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
    "LSTM": (v3_nn.LSTMCell, torch.nn.LSTMCell, {}),
    "GRU": (v3_nn.GRUCell, torch.nn.GRUCell, {}),
}


def arrays_for(mode, batch=3, inputs=4, hidden=3, bias=True, seed=0, batched=True):
    """x, the state (h, or h and c), the weights (scaled so that no gate saturates)."""
    rng = np.random.default_rng(seed)
    gates = R.GATES[mode] * hidden
    lead = (batch,) if batched else ()
    arrays = [rng.standard_normal(lead + (inputs,)), rng.standard_normal(lead + (hidden,))]
    if mode == "LSTM":
        arrays.append(rng.standard_normal(lead + (hidden,)))
    arrays += [
        0.6 * rng.standard_normal((gates, inputs)),
        0.6 * rng.standard_normal((gates, hidden)),
    ]
    if bias:
        arrays += [0.5 * rng.standard_normal(gates), 0.5 * rng.standard_normal(gates)]
    return arrays


def call(cells, mode, lib, tensors):
    """One step of cells[mode] on (x, state..., weights...), its outputs as one tensor."""
    if mode == "LSTM":
        x, h, c, *weights = tensors
        return lib.cat(list(cells[mode](x, (h, c), *weights)), dim=-1)
    x, h, *weights = tensors
    return cells[mode](x, h, *weights)


def fused(mode):
    """fn(lib, *leaves) for the parity helpers: our fused cell, or torch's cell."""

    def fn(lib, *tensors):
        return call(R.FUSED_CELLS if lib is vt else TORCH_CELLS, mode, lib, tensors)

    return fn


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
def test_fused_matches_reference(mode, bias, batched):
    arrays = arrays_for(mode, bias=bias, batched=batched)
    leaves = [vt.tensor(a, requires_grad=True) for a in arrays]
    got = call(R.FUSED_CELLS, mode, vt, leaves)
    expected = call(R.CELLS, mode, vt, leaves)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    u = vt.tensor(np.random.default_rng(1).standard_normal(tuple(got.shape)))
    got_grads = vt.autograd.grad((got * u).sum(), leaves)
    expected_grads = vt.autograd.grad((expected * u).sum(), leaves)
    for i, (a, b) in enumerate(zip(got_grads, expected_grads, strict=True)):
        assert a.shape == b.shape
        np.testing.assert_allclose(
            a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"input {i}"
        )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bias", [True, False])
def test_fused_matches_torch(mode, bias):
    check(fused(mode), *arrays_for(mode, bias=bias))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bias", [True, False])
def test_fused_second_derivatives_match_torch(mode, bias):
    check_second_order(fused(mode), *arrays_for(mode, bias=bias))


@pytest.mark.parametrize("mode", MODES)
def test_gradcheck_and_gradgradcheck(mode):
    leaves = [vt.tensor(a, requires_grad=True) for a in arrays_for(mode, batch=2, hidden=2)]

    def fn(*tensors):
        return call(R.FUSED_CELLS, mode, vt, tensors)

    assert vt.autograd.gradcheck(fn, leaves)
    assert vt.autograd.gradgradcheck(fn, leaves)


@pytest.mark.parametrize("mode", MODES)
def test_only_the_needed_gradients(mode):
    """Inputs that need no gradient (a data x, a zero initial state, frozen weights) get none,
    and the others still match the reference cell."""
    arrays = arrays_for(mode)
    needs = [False, False] + [True] * (len(arrays) - 2)
    needs[-1] = False  # b_hh frozen
    leaves = [vt.tensor(a, requires_grad=n) for a, n in zip(arrays, needs, strict=True)]
    wanted = [t for t in leaves if t.requires_grad]
    got = vt.autograd.grad(call(R.FUSED_CELLS, mode, vt, leaves).sum(), wanted)
    expected = vt.autograd.grad(call(R.CELLS, mode, vt, leaves).sum(), wanted)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
    node = call(R.FUSED_CELLS, mode, vt, leaves).grad_fn
    if mode == "LSTM":
        node = node.next_functions[0][0]  # cat's first input: h' of the cell
    assert node.name.startswith("_")
    assert node.needs_input_grad == tuple(needs)


def test_the_tensor_op_backward_runs_only_when_recorded(monkeypatch):
    calls = []
    composed = R.lstm_cell_backward_in_tensor_ops
    monkeypatch.setattr(
        R, "lstm_cell_backward_in_tensor_ops", lambda *a: calls.append(1) or composed(*a)
    )
    x, h, c, *weights = [vt.tensor(a, requires_grad=True) for a in arrays_for("LSTM")]
    R.fused_lstm_cell(x, (h, c), *weights)[0].sum().backward()
    assert calls == []
    vt.autograd.grad(R.fused_lstm_cell(x, (h, c), *weights)[0].sum(), x, create_graph=True)
    assert calls == [1]


@pytest.mark.parametrize("mode", MODES)
def test_modules_record_one_node_per_step(mode):
    ours_cls, _, extra = MODULES[mode]
    cell = ours_cls(3, 4, **extra)
    x = vt.randn(2, 3)
    out = cell(x)
    h = out[0] if mode == "LSTM" else out
    assert h.grad_fn.name in ("_LSTMCell", "_GRUCell", "_ElmanCell")
    assert all(
        node is None or node.name == "AccumulateGrad" for node, _ in h.grad_fn.next_functions
    )


def test_a_saved_input_changed_in_place_is_refused():
    x, h, c, *weights = [vt.tensor(a, requires_grad=True) for a in arrays_for("LSTM")]
    c_in = c * 1.0
    h_next, _ = R.fused_lstm_cell(x, (h, c_in), *weights)
    c_in.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h_next.sum().backward()


@pytest.mark.parametrize("mode", MODES)
def test_a_long_float32_loop_matches_torch(mode):
    """1,000 steps of the module in float32, state fed back, against torch's module: the
    outputs and the weight gradients after backpropagation through all of them."""
    ours_cls, theirs_cls, extra = MODULES[mode]
    vt.manual_seed(3)
    ours, theirs = ours_cls(2, 4, **extra), theirs_cls(2, 4, **extra)
    theirs.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    )
    steps = 1000
    xs = np.sin(np.arange(steps)[:, None, None] / 7.0 + np.arange(6).reshape(1, 3, 2))
    xs = xs.astype(np.float32)
    results = []
    for lib, module, make in ((vt, ours, vt.tensor), (torch, theirs, torch.from_numpy)):
        state, outputs = None, []
        for t in range(steps):
            state = module(make(xs[t]), state)
            outputs.append(state[0] if mode == "LSTM" else state)
        total = lib.stack(outputs)
        (total * total).mean().backward()
        grads = [p.grad for _, p in sorted(module.named_parameters())]
        results.append([total.detach().numpy()] + [g.numpy() for g in grads])
    for got, expected in zip(*results, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-5)
