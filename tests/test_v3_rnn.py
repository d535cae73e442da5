"""RNN, LSTM, GRU and their cells against torch.nn in float64, weights moved via state_dict."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import v2_tensor as vt
import v3_nn

TOL = dict(rtol=1e-10, atol=1e-10)

LAYERS = {
    "rnn_tanh": (lambda *a, **k: v3_nn.RNN(*a, **k), lambda *a, **k: torch.nn.RNN(*a, **k)),
    "rnn_relu": (
        lambda *a, **k: v3_nn.RNN(*a, nonlinearity="relu", **k),
        lambda *a, **k: torch.nn.RNN(*a, nonlinearity="relu", **k),
    ),
    "lstm": (v3_nn.LSTM, torch.nn.LSTM),
    "gru": (v3_nn.GRU, torch.nn.GRU),
}


def twins(kind, *args, **kwargs):
    """Our layer in float64 and its torch twin holding the same weights."""
    ours_cls, theirs_cls = LAYERS[kind] if isinstance(kind, str) else kind
    vt.manual_seed(0)
    ours = ours_cls(*args, **kwargs).double()
    theirs = theirs_cls(*args, **kwargs).double()
    theirs.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    )
    return ours, theirs


def leaves(arrays):
    """The same float64 data as our leaf tensors and torch leaf tensors."""
    ours = [vt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def weighted_sum(outputs, weights, lib):
    """sum_k <output_k, weight_k>: a scalar whose gradient reaches every output."""
    total = 0
    for out, w in zip(outputs, weights, strict=True):
        total = total + (out * (vt.tensor(w) if lib is vt else torch.tensor(w))).sum()
    return total


def flatten(result):
    """(output, h_n) or (output, (h_n, c_n)) -> [output, h_n(, c_n)]."""
    output, state = result
    return [output, *state] if isinstance(state, tuple) else [output, state]


def assert_parity(ours, theirs, our_inputs, their_inputs, our_result, their_result, seed=1):
    ours_out, theirs_out = flatten(our_result), flatten(their_result)
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(tuple(o.shape)) for o in theirs_out]
    for a, b in zip(ours_out, theirs_out, strict=True):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL)
    weighted_sum(ours_out, weights, vt).backward()
    weighted_sum(theirs_out, weights, torch).backward()
    for a, b in zip(our_inputs, their_inputs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL)
    their_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), their_params[name].grad.numpy(), **TOL)


def run_layer(
    kind,
    steps,
    batch,
    inputs,
    hidden,
    layers,
    batch_first,
    bidirectional,
    with_state,
    batched=True,
    bias=True,
    seed=0,
):
    ours, theirs = twins(
        kind,
        inputs,
        hidden,
        num_layers=layers,
        bias=bias,
        batch_first=batch_first,
        bidirectional=bidirectional,
    )
    rng = np.random.default_rng(seed)
    x_shape = (batch, steps, inputs) if batch_first else (steps, batch, inputs)
    arrays = [rng.standard_normal(x_shape if batched else (steps, inputs))]
    state_shape = (layers * (2 if bidirectional else 1), batch, hidden)
    if not batched:
        state_shape = state_shape[:1] + state_shape[2:]
    if with_state:
        arrays += [rng.standard_normal(state_shape) for _ in range(2 if kind == "lstm" else 1)]
    our_in, their_in = leaves(arrays)

    def call(model, tensors):
        x, *state = tensors
        if not state:
            return model(x)
        return model(x, tuple(state) if kind == "lstm" else state[0])

    assert_parity(ours, theirs, our_in, their_in, call(ours, our_in), call(theirs, their_in))


CONFIGS = [
    # steps, batch, inputs, hidden, layers, batch_first, bidirectional, with_state, batched, bias
    (5, 3, 4, 6, 1, False, False, False, True, True),
    (4, 2, 3, 5, 1, True, False, True, True, True),
    (6, 3, 2, 4, 2, False, True, True, True, True),
    (3, 4, 5, 3, 2, True, True, False, True, True),
    (5, 1, 3, 4, 1, False, False, True, False, True),
    (4, 1, 2, 3, 2, True, True, True, False, True),
    (4, 2, 3, 5, 2, False, False, True, True, False),
]


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c)))
def test_layer_matches_torch(kind, config):
    steps, batch, inputs, hidden, layers, first, bidir, with_state, batched, bias = config
    run_layer(kind, steps, batch, inputs, hidden, layers, first, bidir, with_state, batched, bias)


@settings(max_examples=12, deadline=None)
@given(
    kind=st.sampled_from(list(LAYERS)),
    steps=st.integers(1, 6),
    batch=st.integers(1, 4),
    inputs=st.integers(1, 5),
    hidden=st.integers(1, 5),
    layers=st.integers(1, 3),
    batch_first=st.booleans(),
    bidirectional=st.booleans(),
    with_state=st.booleans(),
)
def test_layer_matches_torch_on_drawn_shapes(
    kind, steps, batch, inputs, hidden, layers, batch_first, bidirectional, with_state
):
    run_layer(kind, steps, batch, inputs, hidden, layers, batch_first, bidirectional, with_state)


def test_state_dict_keys_shapes_and_default_init_match_torch():
    ours = v3_nn.LSTM(3, 64, num_layers=2, bidirectional=True)
    theirs = torch.nn.LSTM(3, 64, num_layers=2, bidirectional=True)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    assert all(ours_sd[k].shape == tuple(theirs_sd[k].shape) for k in ours_sd)
    assert all(v.dtype == np.float32 for v in ours_sd.values())
    bound = 1 / np.sqrt(64)
    values = np.concatenate([v.numpy().ravel() for v in ours_sd.values()])
    assert np.abs(values).max() <= bound
    assert abs(values.std() - bound / np.sqrt(3)) < 0.02 * bound  # U(-b, b) has std b/sqrt(3)
    assert abs(values.mean()) < 0.02 * bound
    assert "bias_ih_l0" not in v3_nn.GRU(2, 3, bias=False).state_dict()


def test_flatten_parameters_is_accepted_and_changes_nothing():
    lstm = v3_nn.LSTM(2, 3)
    before = {k: v.clone() for k, v in lstm.state_dict().items()}  # a snapshot, not views
    lstm.flatten_parameters()  # torch code calls it before every forward under DataParallel
    after = lstm.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_repr_matches_torch():
    kwargs = dict(num_layers=2, batch_first=True, dropout=0.25, bidirectional=True)
    assert repr(v3_nn.GRU(3, 4, **kwargs)) == repr(torch.nn.GRU(3, 4, **kwargs))
    assert repr(v3_nn.RNN(3, 4, nonlinearity="relu")) == repr(
        torch.nn.RNN(3, 4, nonlinearity="relu")
    )
    assert repr(v3_nn.LSTMCell(3, 4, bias=False)) == repr(torch.nn.LSTMCell(3, 4, bias=False))


# ------------------------------------------------------------------ dropout between layers


def test_dropout_between_layers_is_off_in_eval():
    ours, theirs = twins("lstm", 3, 4, num_layers=3, dropout=0.5)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(2).standard_normal((5, 2, 3))
    our_in, their_in = leaves([x])
    assert_parity(ours, theirs, our_in, their_in, ours(our_in[0]), theirs(their_in[0]))


def test_dropout_between_layers_acts_in_training():
    ours, _ = twins("gru", 3, 4, num_layers=2, dropout=1.0)
    x = vt.tensor(np.random.default_rng(3).standard_normal((5, 2, 3)))
    output, h_n = ours(x)
    # with p = 1 the second layer reads zeros, so it is a one-layer GRU run on zeros
    top = v3_nn.GRU(4, 4).double()
    top.load_state_dict(
        {k.replace("_l1", "_l0"): v for k, v in ours.state_dict().items() if k.endswith("_l1")}
    )
    expected, _ = top(vt.tensor(np.zeros((5, 2, 4))))
    np.testing.assert_allclose(output.detach().numpy(), expected.detach().numpy(), **TOL)
    ours.eval()
    assert np.abs(ours(x)[0].detach().numpy() - output.detach().numpy()).max() > 1e-3


# ------------------------------------------------------------------ cells

CELLS = {
    "rnn_tanh": (v3_nn.RNNCell, torch.nn.RNNCell, {}),
    "rnn_relu": (v3_nn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
    "lstm": (v3_nn.LSTMCell, torch.nn.LSTMCell, {}),
    "gru": (v3_nn.GRUCell, torch.nn.GRUCell, {}),
}


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize(
    "batched, with_state, bias",
    [(True, True, True), (True, False, True), (False, True, True), (True, True, False)],
)
def test_cell_matches_torch(kind, batched, with_state, bias):
    ours_cls, theirs_cls, extra = CELLS[kind]
    ours, theirs = twins((ours_cls, theirs_cls), 3, 5, bias=bias, **extra)
    rng = np.random.default_rng(4)
    batch_shape = (4,) if batched else ()
    arrays = [rng.standard_normal(batch_shape + (3,))]
    if with_state:
        arrays += [
            rng.standard_normal(batch_shape + (5,)) for _ in range(2 if kind == "lstm" else 1)
        ]
    our_in, their_in = leaves(arrays)

    def call(model, tensors):
        x, *state = tensors
        if not state:
            return model(x)
        return model(x, tuple(state) if kind == "lstm" else state[0])

    our_result, their_result = call(ours, our_in), call(theirs, their_in)
    if kind != "lstm":  # make (h',) look like (output, state) for the shared checker
        our_result, their_result = (our_result, our_result * 0), (their_result, their_result * 0)
    assert_parity(ours, theirs, our_in, their_in, our_result, their_result)


def test_cells_unrolled_match_the_fused_layer():
    vt.manual_seed(5)
    layer = v3_nn.LSTM(3, 4).double()
    cell = v3_nn.LSTMCell(3, 4).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = vt.tensor(np.random.default_rng(5).standard_normal((6, 2, 3)))
    output, (h_n, c_n) = layer(x)
    state = None
    for t in range(6):
        state = cell(x[t], state)
        np.testing.assert_allclose(state[0].detach().numpy(), output[t].detach().numpy(), **TOL)
    np.testing.assert_allclose(state[1].detach().numpy(), c_n[0].detach().numpy(), **TOL)


# ------------------------------------------------------------------ errors


def test_layer_errors_match_torch():
    lstm = v3_nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match="Expected 3, got 5"):
        lstm(vt.zeros(6, 2, 5))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        lstm(vt.zeros(6, 2, 3, 1))
    with pytest.raises(
        RuntimeError, match=r"Expected hidden\[0\] size \(2, 2, 4\), got \[1, 2, 4\]"
    ):
        lstm(vt.zeros(6, 2, 3), (vt.zeros(1, 2, 4), vt.zeros(2, 2, 4)))
    with pytest.raises(
        RuntimeError, match=r"Expected hidden\[1\] size \(2, 2, 4\), got \[2, 3, 4\]"
    ):
        lstm(vt.zeros(6, 2, 3), (vt.zeros(2, 2, 4), vt.zeros(2, 3, 4)))
    gru = v3_nn.GRU(3, 4)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 4\), got \[1, 2, 5\]"):
        gru(vt.zeros(6, 2, 3), vt.zeros(1, 2, 5))
    with pytest.raises(RuntimeError, match="hx should also be 2-D but got 3-D"):
        gru(vt.zeros(6, 3), vt.zeros(1, 1, 4))
    with pytest.raises(RuntimeError, match="hx should also be 3-D but got 2-D"):
        gru(vt.zeros(6, 2, 3), vt.zeros(1, 4))
    with pytest.raises(ValueError, match="dtype"):
        gru(vt.zeros(6, 2, 3, dtype=vt.float64))
    with pytest.raises(RuntimeError, match=r"GRU: hidden state dtype \(float64\) does not match"):
        gru(vt.zeros(6, 2, 3), vt.zeros(1, 2, 4, dtype=vt.float64))
    with pytest.raises(TypeError, match="GRU: hx must hold Tensors, got tuple"):
        gru(vt.zeros(6, 2, 3), (vt.zeros(1, 2, 4),))
    with pytest.raises(RuntimeError, match="sequence length to be larger than 0"):
        v3_nn.GRU(3, 4, batch_first=True)(vt.zeros(2, 0, 3))
    with pytest.raises(TypeError, match=r"LSTM: hx must be a pair \(h_0, c_0\), got Tensor"):
        lstm(vt.zeros(6, 2, 3), vt.zeros(2, 2, 4))
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        v3_nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout"):
        v3_nn.LSTM(3, 4, num_layers=2, dropout=1.5)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        v3_nn.GRU(3, 4, dropout=0.5)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        v3_nn.GRU(3, 0)
    for lib in (v3_nn, torch.nn):
        with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
            lib.LSTM(3, 4, proj_size=4)
        with pytest.raises(ValueError, match="proj_size should be a positive integer or zero"):
            lib.LSTM(3, 4, proj_size=-1)
        with pytest.raises(ValueError, match="only supported for LSTM"):
            lib.GRU(3, 4, proj_size=2)


def test_cell_errors():
    cell = v3_nn.LSTMCell(3, 4)
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D"):
        cell(vt.zeros(1, 2, 3))
    with pytest.raises(RuntimeError, match="inconsistent input_size: got 5 expected 3"):
        cell(vt.zeros(2, 5))
    with pytest.raises(RuntimeError, match="does not match"):
        cell(vt.zeros(2, 3), (vt.zeros(3, 4), vt.zeros(3, 4)))
    with pytest.raises(RuntimeError, match="does not match"):
        v3_nn.GRUCell(3, 4)(vt.zeros(2, 3), vt.zeros(2, 5))
    with pytest.raises(TypeError, match="hx must be a pair .* got tuple of 1"):
        cell(vt.zeros(2, 3), (vt.zeros(2, 4),))
    with pytest.raises(RuntimeError, match=r"LSTMCell: input dtype \(float64\) does not match"):
        cell(vt.zeros(2, 3, dtype=vt.float64))
    with pytest.raises(RuntimeError, match=r"GRUCell: hidden state dtype \(float64\)"):
        v3_nn.GRUCell(3, 4)(vt.zeros(2, 3), vt.zeros(2, 4, dtype=vt.float64))
