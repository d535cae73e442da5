"""v3_nn.utils against torch.nn.utils: gradient clipping, parameter vectors, packed sequences,
and RNN/LSTM/GRU on packed input and with LSTM projections, in float64."""

import math

import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as TR

import v2_tensor as vt
import v3_nn as nn
from v3_nn.utils import rnn as R

TOL = dict(rtol=1e-10, atol=1e-12)


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.array if isinstance(x, vt.Tensor) else x)


def _close(ours, theirs, msg=""):
    np.testing.assert_allclose(_np(ours), _np(theirs), err_msg=msg, **TOL)


def _to_torch(state):
    return {k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()}


# ---- gradient clipping ----------------------------------------------------------------------


def _grads_pair(seed=0, dtype=np.float64, scale=1.0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (5,), (2, 2, 2)]
    ours, theirs = [], []
    for shape in shapes:
        value, grad = rng.normal(size=shape), rng.normal(size=shape) * scale
        p = nn.Parameter(vt.tensor(value.astype(dtype)))
        p.grad = vt.tensor(grad.astype(dtype))
        q = torch.nn.Parameter(torch.tensor(value.astype(dtype)))
        q.grad = torch.tensor(grad.astype(dtype))
        ours.append(p)
        theirs.append(q)
    no_grad = nn.Parameter(vt.zeros(2))  # a parameter without a gradient is skipped
    return ours + [no_grad], theirs + [torch.nn.Parameter(torch.zeros(2))]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, -math.inf, 0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _grads_pair()
    versions = [p.grad._version for p in ours[:3]]
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type, foreach=True)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, vt.Tensor) and total.shape == () and total.dtype == vt.float64
    _close(total, expected)
    for p, q in zip(ours[:3], theirs[:3], strict=True):
        _close(p.grad, q.grad)
    assert [p.grad._version for p in ours[:3]] == [v + 1 for v in versions]  # in place


def test_clip_grad_norm_edge_cases_match_torch():
    p = nn.Parameter(vt.zeros(3))  # no gradients at all: 0, as torch
    total = nn.utils.clip_grad_norm_([p], 1.0)
    assert total.item() == torch.nn.utils.clip_grad_norm_([torch.nn.Parameter(torch.zeros(3))], 1)
    single, twin = nn.Parameter(vt.tensor([3.0, 4.0])), torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    single.grad, twin.grad = vt.tensor([3.0, 4.0]), torch.tensor([3.0, 4.0])
    _close(nn.utils.clip_grad_norm_(single, 1.0), torch.nn.utils.clip_grad_norm_(twin, 1.0))
    _close(single.grad, twin.grad)  # a single tensor is accepted, float32 kept
    assert single.grad.dtype == vt.float32
    ours, theirs = _grads_pair(dtype=np.float32)  # generator input, float32 norm
    total = nn.utils.clip_grad_norm_(iter(ours), 0.1)
    assert total.dtype == vt.float32
    np.testing.assert_allclose(
        total.array, torch.nn.utils.clip_grad_norm_(iter(theirs), 0.1).numpy(), rtol=1e-6
    )
    bad, bad_twin = _grads_pair()
    bad[0].grad.array[0, 0] = np.nan
    bad_twin[0].grad[0, 0] = torch.nan
    for lib, params in ((nn, bad), (torch.nn, bad_twin)):
        with pytest.raises(RuntimeError, match="non-finite"):
            lib.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isnan(nn.utils.clip_grad_norm_(bad, 1.0).item())  # scaled by nan, as torch


def test_total_norm_and_clip_with_norm_split_as_torch():
    ours, theirs = _grads_pair(scale=5.0)
    total = nn.utils.get_total_norm([p.grad for p in ours[:3]], 3.0)
    expected = torch.nn.utils.get_total_norm([q.grad for q in theirs[:3]], 3.0)
    _close(total, expected)
    nn.utils.clip_grads_with_norm_(ours, 2.0, total)
    torch.nn.utils.clip_grads_with_norm_(theirs, 2.0, expected)
    for p, q in zip(ours[:3], theirs[:3], strict=True):
        _close(p.grad, q.grad)
    with pytest.warns(FutureWarning, match="deprecated"):
        nn.utils.clip_grad_norm(ours, 1.0)


def test_clip_grad_value_matches_torch():
    ours, theirs = _grads_pair(scale=2.0)
    assert nn.utils.clip_grad_value_(ours, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(ours[:3], theirs[:3], strict=True):
        _close(p.grad, q.grad)
    assert np.abs(ours[0].grad.array).max() == 1.5


def test_parameters_to_vector_and_back_as_torch():
    ours = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2)).double()
    theirs.load_state_dict(_to_torch(ours.state_dict()))
    vector = nn.utils.parameters_to_vector(ours.parameters())
    expected = torch.nn.utils.parameters_to_vector(theirs.parameters())
    _close(vector, expected)
    (vector * vt.arange(26.0, dtype=vt.float64)).sum().backward()  # differentiable
    _close(ours[0].weight.grad, np.arange(12.0).reshape(4, 3))
    new = vt.tensor(np.linspace(-1, 1, 26))
    nn.utils.vector_to_parameters(new, ours.parameters())
    torch.nn.utils.vector_to_parameters(
        torch.linspace(-1, 1, 26, dtype=torch.float64), theirs.parameters()
    )
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        _close(p, q, msg=name)
    new.array[0] = 7.0  # the parameters are views of the vector, as torch's
    assert ours[0].weight.array[0, 0] == 7.0
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters(np.zeros(26), ours.parameters())


# ---- packing and padding ---------------------------------------------------------------------


def _sequences(lengths, features=2, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n, features)) for n in lengths]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch_with_gradients(batch_first, padding_side):
    arrays = _sequences([3, 5, 1])
    ours = [vt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = R.pad_sequence(ours, batch_first, -1.5, padding_side)
    expected = TR.pad_sequence(theirs, batch_first, -1.5, padding_side)
    _close(out, expected)
    weights = np.random.default_rng(1).normal(size=tuple(expected.shape))
    (out * vt.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        _close(a.grad, b.grad)
    with pytest.raises(ValueError, match="padding_side"):
        R.pad_sequence(ours, padding_side="middle")


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths, enforce_sorted", [([4, 3, 1], True), ([2, 4, 1, 3], False)])
def test_pack_and_pad_round_trip_as_torch(batch_first, lengths, enforce_sorted):
    padded = TR.pad_sequence([torch.tensor(a) for a in _sequences(lengths)], batch_first)
    x = vt.tensor(padded.numpy(), requires_grad=True)
    xt = padded.clone().requires_grad_(True)
    ours = R.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
    theirs = TR.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted)
    _close(ours.data, theirs.data)
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        mine, torch_field = getattr(ours, field), getattr(theirs, field)
        if torch_field is None:
            assert mine is None
        else:
            assert mine.dtype == vt.int64
            np.testing.assert_array_equal(mine.array, torch_field.numpy())
    back, back_lengths = R.pad_packed_sequence(ours, batch_first, 9.0, total_length=6)
    expected, expected_lengths = TR.pad_packed_sequence(theirs, batch_first, 9.0, total_length=6)
    _close(back, expected)
    np.testing.assert_array_equal(back_lengths.array, expected_lengths.numpy())
    weights = np.random.default_rng(2).normal(size=tuple(expected.shape))
    (back * vt.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    _close(x.grad, xt.grad)
    unpacked = R.unpack_sequence(ours)
    for got, want in zip(unpacked, TR.unpack_sequence(theirs), strict=True):
        _close(got, want)
    for got, want in zip(
        R.unpad_sequence(back, back_lengths, batch_first),
        TR.unpad_sequence(expected, expected_lengths, batch_first),
        strict=True,
    ):
        _close(got, want)


def test_pack_sequence_and_packed_sequence_api():
    arrays = _sequences([2, 3])
    ours = R.pack_sequence([vt.tensor(a) for a in arrays], enforce_sorted=False)
    theirs = TR.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=False)
    _close(ours.data, theirs.data)
    data, batch_sizes, sorted_indices, unsorted_indices = ours  # a named tuple, as torch's
    assert batch_sizes.tolist() == [2, 2, 1] and sorted_indices.tolist() == [1, 0]
    assert ours.to(vt.float32).data.dtype == vt.float32 and ours.double() is not ours
    assert not ours.is_cuda and ours.cpu() is ours
    built = R.PackedSequence(data, [2, 2, 1], [1, 0])  # unsorted indices derived
    assert built.unsorted_indices.tolist() == [1, 0]


def test_packing_errors_match_torch():
    x, xt = vt.zeros(4, 3, 2), torch.zeros(4, 3, 2)
    cases = [
        ([1, 2, 3], "sorted in decreasing order"),
        ([3, 2], "equal to batch_size"),
        ([3, 0, 0], "greater than 0"),
    ]
    for lengths, message in cases:
        for pack, tensor in ((R.pack_padded_sequence, x), (TR.pack_padded_sequence, xt)):
            with pytest.raises(RuntimeError, match=message):
                pack(tensor, lengths)
    packed = R.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="total_length to be at least"):
        R.pad_packed_sequence(packed, total_length=2)
    with pytest.raises(RuntimeError, match="longer than the padded input's 4 steps"):
        R.pack_padded_sequence(x, [5, 2, 1])


# ---- recurrent layers on packed input ----------------------------------------------------------


def _twins(cls, *args, **kwargs):
    ours = getattr(nn, cls)(*args, **kwargs).double()
    theirs = getattr(torch.nn, cls)(*args, **kwargs).double()
    rng = np.random.default_rng(3)
    state = {k: v.numpy() + 0.3 * rng.normal(size=v.shape) for k, v in ours.state_dict().items()}
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return ours, theirs


RNN_CASES = [
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("RNN", dict(nonlinearity="relu", bidirectional=True)),
    ("LSTM", dict(proj_size=2, bidirectional=True, num_layers=2)),
    ("GRU", dict(bias=False)),
]


@pytest.mark.parametrize("cls, kwargs", RNN_CASES, ids=lambda c: str(c))
@pytest.mark.parametrize("with_state", [False, True])
def test_rnn_layers_on_packed_input_match_torch(cls, kwargs, with_state):
    lengths = [2, 5, 3, 5, 1]
    ours, theirs = _twins(cls, 3, 4, **kwargs)
    batch_first = kwargs.get("batch_first", False)
    padded = TR.pad_sequence([torch.tensor(a) for a in _sequences(lengths, 3, seed=4)], batch_first)
    x, xt = vt.tensor(padded.numpy(), requires_grad=True), padded.clone().requires_grad_(True)
    packed = R.pack_padded_sequence(x, lengths, batch_first, enforce_sorted=False)
    packed_t = TR.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted=False)
    hx = hxt = None
    if with_state:
        layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
        rng = np.random.default_rng(5)
        h_size = kwargs.get("proj_size") or 4
        shapes = [(layers, 5, h_size)] + ([(layers, 5, 4)] if cls == "LSTM" else [])
        arrays = [rng.normal(size=shape) for shape in shapes]
        hx = tuple(vt.tensor(a, requires_grad=True) for a in arrays)
        hxt = tuple(torch.tensor(a, requires_grad=True) for a in arrays)
    out, state = ours(packed, hx if cls == "LSTM" or hx is None else hx[0])
    out_t, state_t = theirs(packed_t, hxt if cls == "LSTM" or hxt is None else hxt[0])
    assert isinstance(out, R.PackedSequence)
    _close(out.data, out_t.data, msg="packed output")
    np.testing.assert_array_equal(out.unsorted_indices.array, out_t.unsorted_indices.numpy())
    states = state if cls == "LSTM" else (state,)
    states_t = state_t if cls == "LSTM" else (state_t,)
    for s, st in zip(states, states_t, strict=True):
        _close(s, st, msg="final state")
    padded_out, _ = R.pad_packed_sequence(out, batch_first)
    padded_t, _ = TR.pad_packed_sequence(out_t, batch_first)
    _close(padded_out, padded_t, msg="padded output")
    rng = np.random.default_rng(6)
    loss = (padded_out * vt.tensor(w := rng.normal(size=tuple(padded_t.shape)))).sum()
    loss_t = (padded_t * torch.tensor(w)).sum()
    for s, st in zip(states, states_t, strict=True):
        v = rng.normal(size=tuple(st.shape))
        loss = loss + (s * vt.tensor(v)).sum()
        loss_t = loss_t + (st * torch.tensor(v)).sum()
    loss.backward()
    loss_t.backward()
    _close(x.grad, xt.grad, msg="input gradient")
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        _close(p.grad, q.grad, msg=name)
    if with_state:
        for h, ht in zip(hx, hxt, strict=True):
            _close(h.grad, ht.grad, msg="initial state gradient")


@pytest.mark.parametrize(
    "kwargs",
    [dict(proj_size=3), dict(proj_size=1, num_layers=2, bidirectional=True, batch_first=True)],
)
def test_lstm_projections_on_padded_input_match_torch(kwargs):
    ours, theirs = _twins("LSTM", 3, 5, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(ours.state_dict()[k].shape == tuple(v.shape) for k, v in theirs.state_dict().items())
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(7).normal(size=(4, 2, 3))
    xs, xt = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (out, (h, c)), (out_t, (h_t, c_t)) = ours(xs), theirs(xt)
    for a, b in ((out, out_t), (h, h_t), (c, c_t)):
        _close(a, b)
    (out.sum() + h.sum() * 2 + c.sum() * 3).backward()
    (out_t.sum() + h_t.sum() * 2 + c_t.sum() * 3).backward()
    _close(xs.grad, xt.grad)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        _close(p.grad, q.grad, msg=name)
    unbatched, _ = ours(vt.tensor(x[:, 0]))
    _close(unbatched, theirs(torch.tensor(x[:, 0]))[0])
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size"):
        ours(xs, (vt.zeros(*c.shape, dtype=vt.float64), vt.zeros(*c.shape, dtype=vt.float64)))


@pytest.mark.parametrize("cls", ["LSTM", "RNN", "GRU"])
def test_bias_gradients_are_separate_arrays_that_accumulate_as_torch(cls):
    # the fused kernels give b_ih and b_hh the same gradient; they must not share memory
    ours, theirs = _twins(cls, 3, 4)
    x = np.random.default_rng(8).normal(size=(3, 2, 3))
    for _ in range(2):  # a second backward accumulates into .grad
        ours(vt.tensor(x))[0].sum().backward()
        theirs(torch.tensor(x))[0].sum().backward()
    assert ours.bias_ih_l0.grad.array is not ours.bias_hh_l0.grad.array
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        _close(p.grad, q.grad, msg=name)


def test_sorted_packed_batch_with_state_matches_torch():
    ours, theirs = _twins("GRU", 2, 3, bidirectional=True)
    lengths = [4, 2, 2]  # already sorted: no permutation, sorted_indices None
    padded = TR.pad_sequence([torch.tensor(a) for a in _sequences(lengths, 2, seed=9)])
    packed = R.pack_padded_sequence(vt.tensor(padded.numpy()), lengths)
    packed_t = TR.pack_padded_sequence(padded, lengths)
    assert packed.sorted_indices is None and packed_t.sorted_indices is None
    h0 = np.random.default_rng(10).normal(size=(2, 3, 3))
    out, h = ours(packed, vt.tensor(h0))
    out_t, h_t = theirs(packed_t, torch.tensor(h0))
    _close(out.data, out_t.data)
    _close(h, h_t)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 3, 3\)"):
        ours(packed, vt.zeros(2, 2, 3, dtype=vt.float64))
