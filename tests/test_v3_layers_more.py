"""Bilinear, Unflatten, Embedding's options and EmbeddingBag against torch in float64: weights
through state_dict, outputs, input and weight gradients, repr, torch's errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import v2_tensor as vt
import v3_nn as nn
import v3_nn.functional as F
from tests.v2_parity import check_second_order

TOL = dict(rtol=1e-10, atol=1e-12)


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.array)


def _close(ours, theirs, msg=""):
    assert tuple(ours.shape) == tuple(theirs.shape), msg
    np.testing.assert_allclose(_np(ours), _np(theirs), err_msg=msg, **TOL)


def _twin(ours, theirs):
    ours.double()
    theirs.double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    )
    assert repr(ours) == repr(theirs)
    return ours, theirs


# ---- Bilinear -------------------------------------------------------------------------------


@pytest.mark.parametrize("lead", [(5,), (2, 3), ()])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(lead, bias):
    ours, theirs = _twin(nn.Bilinear(3, 4, 2, bias=bias), torch.nn.Bilinear(3, 4, 2, bias=bias))
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(*lead, 3)), rng.normal(size=(*lead, 4))
    xa, xb = vt.tensor(a, requires_grad=True), vt.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, out_t = ours(xa, xb), theirs(ta, tb)
    _close(out, out_t)
    upstream = rng.normal(size=tuple(out_t.shape))
    (out * vt.tensor(upstream)).sum().backward()
    (out_t * torch.tensor(upstream)).sum().backward()
    _close(xa.grad, ta.grad)
    _close(xb.grad, tb.grad)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        _close(p.grad, q.grad, name)


def test_bilinear_init_second_order_and_errors():
    weight = nn.Bilinear(50, 4, 30).weight.array
    assert weight.shape == (30, 50, 4) and weight.dtype == np.float32
    assert np.abs(weight).max() <= 1 / np.sqrt(50) and weight.std() > 0.07
    rng = np.random.default_rng(1)
    check_second_order(
        lambda lib, a, b, w: (F if lib is vt else TF).bilinear(a, b, w),
        rng.normal(size=(2, 3)),
        rng.normal(size=(2, 2)),
        rng.normal(size=(4, 3, 2)),
    )
    for lib_nn, lib in ((nn, vt), (torch.nn, torch)):
        with pytest.raises(RuntimeError):
            lib_nn.Bilinear(3, 4, 2)(lib.zeros(5, 3), lib.zeros(5, 5))


# ---- Unflatten ------------------------------------------------------------------------------


@pytest.mark.parametrize("dim, sizes", [(1, (2, 3)), (-1, [3, -1]), (0, (1, 4, 1))])
def test_unflatten_matches_torch(dim, sizes):
    shape = {1: (2, 6, 3), -1: (2, 3, 6), 0: (4, 2)}[dim]
    ours, theirs = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(2).normal(size=shape)
    xs, xt = vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    _close(ours(xs), theirs(xt))
    ours(xs).sum().backward()
    assert xs.grad.shape == shape


def test_unflatten_errors_match_torch():
    for lib_nn, lib in ((nn, vt), (torch.nn, torch)):
        with pytest.raises(TypeError, match="element of type float at pos 1"):
            lib_nn.Unflatten(1, (2, 2.0))
        with pytest.raises(RuntimeError, match="don't multiply up to the size of dim 1"):
            lib_nn.Unflatten(1, (2, 2))(lib.zeros(3, 5))


# ---- Embedding options ------------------------------------------------------------------------


def _embedding_twins(**kwargs):
    ours = nn.Embedding(6, 3, **kwargs)
    theirs = torch.nn.Embedding(6, 3, **kwargs)
    with vt.no_grad():
        ours.weight.copy_(vt.tensor(np.random.default_rng(3).normal(size=(6, 3)) * 2))
    return _twin(ours, theirs)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(max_norm=1.0),
        dict(max_norm=1.5, norm_type=1.0),
        dict(scale_grad_by_freq=True),
        dict(scale_grad_by_freq=True, padding_idx=2),
    ],
)
def test_embedding_options_match_torch(kwargs):
    ours, theirs = _embedding_twins(**kwargs)
    indices = np.array([[0, 2, 2], [4, 2, 0]])
    out, out_t = ours(vt.tensor(indices)), theirs(torch.tensor(indices))
    _close(out, out_t)
    _close(ours.weight, theirs.weight, "renormalised in place")
    upstream = np.random.default_rng(4).normal(size=(2, 3, 3))
    (out * vt.tensor(upstream)).sum().backward()
    (out_t * torch.tensor(upstream)).sum().backward()
    _close(ours.weight.grad, theirs.weight.grad)


def test_embedding_sparse_is_refused_clearly_and_weight_argument():
    with pytest.raises(NotImplementedError, match="sparse=True"):
        nn.Embedding(3, 2, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        F.embedding(vt.tensor([0]), vt.zeros(3, 2), sparse=True)
    table = vt.tensor(np.arange(6.0).reshape(3, 2))
    layer = nn.Embedding(3, 2, _weight=table, _freeze=True)
    assert layer.weight.array is table.array and not layer.weight.requires_grad
    for lib_nn, lib in ((nn, vt), (torch.nn, torch)):
        with pytest.raises(AssertionError, match="Shape of weight does not match"):
            lib_nn.Embedding(3, 3, _weight=lib.zeros(3, 2))
        with pytest.raises(AssertionError, match="2-dimensional"):
            lib_nn.Embedding.from_pretrained(lib.zeros(3))


# ---- EmbeddingBag -------------------------------------------------------------------------------

BAG_INPUT = np.array([1, 2, 4, 5, 4, 3, 2, 9, 9, 0])
BAG_OFFSETS = np.array([0, 4, 4, 7])  # the second bag is empty


def _bag_twins(**kwargs):
    ours = nn.EmbeddingBag(10, 3, **kwargs)
    theirs = torch.nn.EmbeddingBag(10, 3, **kwargs)
    with vt.no_grad():
        ours.weight.copy_(vt.tensor(np.random.default_rng(5).normal(size=(10, 3))))
    return _twin(ours, theirs)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize(
    "extra",
    [{}, dict(padding_idx=2), dict(max_norm=1.0), dict(include_last_offset=True)],
    ids=["plain", "padding", "max_norm", "last_offset"],
)
def test_embedding_bag_with_offsets_matches_torch(mode, extra):
    ours, theirs = _bag_twins(mode=mode, **extra)
    offsets = BAG_OFFSETS
    if extra.get("include_last_offset"):
        offsets = np.append(offsets, len(BAG_INPUT))
    out = ours(vt.tensor(BAG_INPUT), vt.tensor(offsets))
    out_t = theirs(torch.tensor(BAG_INPUT), torch.tensor(offsets))
    _close(out, out_t)
    upstream = np.random.default_rng(6).normal(size=tuple(out_t.shape))
    (out * vt.tensor(upstream)).sum().backward()
    (out_t * torch.tensor(upstream)).sum().backward()
    _close(ours.weight.grad, theirs.weight.grad)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_on_2d_input_and_functional_form_match_torch(mode):
    ours, theirs = _bag_twins(mode=mode)
    indices = np.array([[1, 2, 2], [7, 0, 3]])
    _close(ours(vt.tensor(indices)), theirs(torch.tensor(indices)))
    functional = F.embedding_bag(vt.tensor(indices), ours.weight, mode=mode)
    _close(functional, TF.embedding_bag(torch.tensor(indices), theirs.weight, mode=mode))


def test_embedding_bag_per_sample_weights_match_torch_with_their_gradient():
    ours, theirs = _bag_twins(mode="sum", padding_idx=9)
    weights = np.random.default_rng(7).normal(size=BAG_INPUT.shape)
    ws, wt = vt.tensor(weights, requires_grad=True), torch.tensor(weights, requires_grad=True)
    out = ours(vt.tensor(BAG_INPUT), vt.tensor(BAG_OFFSETS), per_sample_weights=ws)
    out_t = theirs(torch.tensor(BAG_INPUT), torch.tensor(BAG_OFFSETS), per_sample_weights=wt)
    _close(out, out_t)
    (out * out).sum().backward()
    (out_t * out_t).sum().backward()
    _close(ours.weight.grad, theirs.weight.grad)
    _close(ws.grad, wt.grad)


def test_embedding_bag_from_pretrained_and_scale_grad_by_freq():
    table = np.random.default_rng(8).normal(size=(10, 3))
    ours = nn.EmbeddingBag.from_pretrained(vt.tensor(table), freeze=False, scale_grad_by_freq=True)
    theirs = torch.nn.EmbeddingBag.from_pretrained(
        torch.tensor(table), freeze=False, scale_grad_by_freq=True
    )
    assert repr(ours) == repr(theirs)
    out = ours(vt.tensor(BAG_INPUT), vt.tensor(BAG_OFFSETS))
    out_t = theirs(torch.tensor(BAG_INPUT), torch.tensor(BAG_OFFSETS))
    _close(out, out_t)
    out.sum().backward()
    out_t.sum().backward()
    _close(ours.weight.grad, theirs.weight.grad)
    frozen = nn.EmbeddingBag.from_pretrained(vt.tensor(table))
    assert not frozen.weight.requires_grad


def test_embedding_bag_errors_match_torch():
    for lib_nn, lib in ((nn, vt), (torch.nn, torch)):
        bag = lib_nn.EmbeddingBag(10, 3)
        x = lib.tensor(BAG_INPUT)
        with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
            bag(x)
        with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
            bag(lib.tensor([[1, 2]]), lib.tensor([0]))
        with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
            bag(x, lib.tensor([1, 3]))
        with pytest.raises(RuntimeError, match="can not be greater than input's length 10"):
            bag(x, lib.tensor([0, 11]))
        with pytest.raises(ValueError, match="input has to be 1D or 2D"):
            bag(lib.zeros(2, 2, 2, dtype=lib.int64))
        with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
            bag(x, lib.tensor([0, 3]), per_sample_weights=lib.ones(10))
        with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
            lib_nn.EmbeddingBag(10, 3, mode="min")(x, lib.tensor([0, 3]))
