"""Transformer, TransformerDecoder(Layer) and the encoder stack against torch in float64
(dropout 0): state_dict keys both ways, outputs and every gradient, every mask argument,
norm_first, batch_first, activations; the causal mask; and a subclass in the style of the
word-language-model example, run under both libraries."""

import math

import numpy as np
import pytest
import torch

import v2_tensor as vt
import v3_nn as nn

TOL = dict(rtol=1e-9, atol=1e-10)


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.array)


def _close(ours, theirs, msg=""):
    assert tuple(ours.shape) == tuple(theirs.shape), msg
    np.testing.assert_allclose(_np(ours), _np(theirs), err_msg=msg, **TOL)


def _twin(ours: nn.Module, theirs: torch.nn.Module, seed: int = 0):
    """float64 twins with our (perturbed, so that layer copies differ) weights in both."""
    ours.double()
    theirs.double()
    rng = np.random.default_rng(seed)
    state = {k: v.numpy() + 0.05 * rng.normal(size=v.shape) for k, v in ours.state_dict().items()}
    assert list(state) == list(theirs.state_dict())
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    return ours.eval(), theirs.eval()


def _pair(shape, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    return vt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def _backward_and_compare(ours, theirs, out, out_t, inputs, seed=9):
    upstream = np.random.default_rng(seed).normal(size=tuple(out_t.shape))
    (out * vt.tensor(upstream)).sum().backward()
    (out_t * torch.tensor(upstream)).sum().backward()
    for x, xt in inputs:
        _close(x.grad, xt.grad, "input gradient")
    twin_params = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert names == list(twin_params)
    for name, param in ours.named_parameters():
        _close(param.grad, twin_params[name].grad, name)


# ---- the causal mask ------------------------------------------------------------------------


def test_generate_square_subsequent_mask_is_torchs():
    for size in (1, 4):
        ours = nn.Transformer.generate_square_subsequent_mask(size)
        theirs = torch.nn.Transformer.generate_square_subsequent_mask(size)
        assert ours.dtype == vt.float32
        np.testing.assert_array_equal(ours.array, theirs.numpy())
    mask = nn.Transformer.generate_square_subsequent_mask(3, device="cpu", dtype=vt.float64)
    assert mask.dtype == vt.float64 and mask.array[0, 1] == -math.inf and mask.array[1, 0] == 0
    with pytest.raises(RuntimeError, match="cuda"):
        nn.Transformer.generate_square_subsequent_mask(3, device="cuda")


# ---- decoder layer --------------------------------------------------------------------------


def _masks(lib, T, S, N, kind):
    """tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask of one kind."""
    if kind == "none":
        return {}
    rng = np.random.default_rng(4)
    tensor = torch.tensor if lib is torch else vt.tensor
    tgt_padding = np.zeros((N, T), bool)
    tgt_padding[0, -1] = True
    memory_padding = np.zeros((N, S), bool)
    memory_padding[1, :2] = True
    if kind == "bool":
        tgt = np.triu(np.ones((T, T), bool), 1)
        memory = rng.random((T, S)) < 0.3
        memory[:, 0] = False
    else:  # float masks, added to the scores
        tgt = np.triu(np.full((T, T), -np.inf), 1)
        memory = rng.normal(size=(T, S))
        tgt_padding = np.where(tgt_padding, -np.inf, 0.0)
        memory_padding = np.where(memory_padding, -np.inf, 0.0)
    return {
        "tgt_mask": tensor(tgt),
        "memory_mask": tensor(memory),
        "tgt_key_padding_mask": tensor(tgt_padding),
        "memory_key_padding_mask": tensor(memory_padding),
    }


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("masks", ["none", "bool", "float"])
def test_decoder_layer_matches_torch(norm_first, batch_first, activation, masks):
    kwargs = dict(
        dim_feedforward=12,
        dropout=0.0,
        activation=activation,
        batch_first=batch_first,
        norm_first=norm_first,
    )
    ours, theirs = _twin(
        nn.TransformerDecoderLayer(8, 2, **kwargs), torch.nn.TransformerDecoderLayer(8, 2, **kwargs)
    )
    T, S, N = 4, 5, 2
    tgt_shape, memory_shape = ((N, T, 8), (N, S, 8)) if batch_first else ((T, N, 8), (S, N, 8))
    (tgt, tgt_t), (memory, memory_t) = _pair(tgt_shape, 1), _pair(memory_shape, 2)
    out = ours(tgt, memory, **_masks(vt, T, S, N, masks))
    out_t = theirs(tgt_t, memory_t, **_masks(torch, T, S, N, masks))
    _close(out, out_t, "output")
    _backward_and_compare(ours, theirs, out, out_t, [(tgt, tgt_t), (memory, memory_t)])


def test_decoder_layer_unbatched_causal_flags_callable_activation_and_repr():
    kwargs = dict(dim_feedforward=6, dropout=0.0)
    ours, theirs = _twin(
        nn.TransformerDecoderLayer(4, 2, activation=nn.GELU(), **kwargs),
        torch.nn.TransformerDecoderLayer(4, 2, activation=torch.nn.GELU(), **kwargs),
    )
    # a Module activation is a submodule, as torch's
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    (tgt, tgt_t), (memory, memory_t) = _pair((3, 4), 3), _pair((5, 4), 4)
    causal = nn.Transformer.generate_square_subsequent_mask(3, dtype=vt.float64)
    causal_t = torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64)
    out = ours(tgt, memory, tgt_mask=causal, tgt_is_causal=True)
    out_t = theirs(tgt_t, memory_t, tgt_mask=causal_t, tgt_is_causal=True)
    _close(out, out_t)
    _backward_and_compare(ours, theirs, out, out_t, [(tgt, tgt_t), (memory, memory_t)])


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_stack_with_norm_matches_torch(norm_first):
    kwargs = dict(dim_feedforward=10, dropout=0.0, norm_first=norm_first, batch_first=True)
    ours_layer = nn.TransformerDecoderLayer(6, 3, **kwargs)
    ours = nn.TransformerDecoder(ours_layer, 2, norm=nn.LayerNorm(6))
    theirs = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(6, 3, **kwargs), 2, norm=torch.nn.LayerNorm(6)
    )
    # like torch, the copies start from the same weights
    np.testing.assert_array_equal(
        ours.layers[0].linear1.weight.array, ours.layers[1].linear1.weight.array
    )
    ours, theirs = _twin(ours, theirs)
    (tgt, tgt_t), (memory, memory_t) = _pair((2, 5, 6), 5), _pair((2, 3, 6), 6)
    causal = nn.Transformer.generate_square_subsequent_mask(5, dtype=vt.float64)
    causal_t = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    out, out_t = ours(tgt, memory, tgt_mask=causal), theirs(tgt_t, memory_t, tgt_mask=causal_t)
    _close(out, out_t)
    _backward_and_compare(ours, theirs, out, out_t, [(tgt, tgt_t), (memory, memory_t)])


# ---- the whole Transformer --------------------------------------------------------------------


def test_transformer_keys_shapes_and_init_match_torch():
    vt.manual_seed(0)
    ours = nn.Transformer(8, 2, 2, 1, dim_feedforward=16)
    theirs = torch.nn.Transformer(8, 2, 2, 1, dim_feedforward=16)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key, value in ours_sd.items():
        assert value.shape == tuple(theirs_sd[key].shape) and value.dtype == vt.float32, key
    # _reset_parameters: every matrix xavier-uniform (so bounded by sqrt(6 / (in + out)))
    weight = ours.encoder.layers[0].linear1.weight.array
    assert np.abs(weight).max() <= math.sqrt(6 / 24) and weight.std() > 0.2
    assert np.all(ours.decoder.norm.weight.array == 1)  # vectors keep their own init
    assert not np.array_equal(weight, ours.encoder.layers[1].linear1.weight.array)
    assert (ours.d_model, ours.nhead, ours.batch_first) == (8, 2, False)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_torch_with_every_mask(batch_first, norm_first):
    kwargs = dict(
        num_encoder_layers=2,
        num_decoder_layers=2,
        dim_feedforward=12,
        dropout=0.0,
        batch_first=batch_first,
        norm_first=norm_first,
    )
    ours, theirs = _twin(nn.Transformer(8, 2, **kwargs), torch.nn.Transformer(8, 2, **kwargs))
    S, T, N = 5, 4, 2
    shape = (lambda n, L: (n, L, 8)) if batch_first else (lambda n, L: (L, n, 8))
    (src, src_t), (tgt, tgt_t) = _pair(shape(N, S), 7), _pair(shape(N, T), 8)
    masks = _masks(vt, T, S, N, "bool")
    masks_t = _masks(torch, T, S, N, "bool")
    src_padding = np.zeros((N, S), bool)
    src_padding[0, -2:] = True
    out = ours(src, tgt, src_key_padding_mask=vt.tensor(src_padding), **masks)
    out_t = theirs(src_t, tgt_t, src_key_padding_mask=torch.tensor(src_padding), **masks_t)
    _close(out, out_t)
    _backward_and_compare(ours, theirs, out, out_t, [(src, src_t), (tgt, tgt_t)])


def test_transformer_weights_load_from_torch_and_unbatched_input():
    kwargs = dict(num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8, dropout=0.0)
    theirs = torch.nn.Transformer(4, 2, **kwargs).double().eval()
    ours = nn.Transformer(4, 2, **kwargs).double().eval()
    assert repr(ours.load_state_dict(theirs.state_dict())) == "<All keys matched successfully>"
    (src, src_t), (tgt, tgt_t) = _pair((5, 4), 1), _pair((3, 4), 2)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=vt.float64)
    mask_t = torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64)
    _close(ours(src, tgt, tgt_mask=mask), theirs(src_t, tgt_t, tgt_mask=mask_t))


def test_transformer_errors_match_torch():
    for lib in (nn, torch.nn):
        model = lib.Transformer(4, 2, 1, 1, dim_feedforward=4)
        zeros = vt.zeros if lib is nn else torch.zeros
        with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
            model(zeros(3, 2, 4), zeros(3, 1, 4))
        with pytest.raises(RuntimeError, match="the feature number of src and tgt"):
            model(zeros(3, 2, 4), zeros(3, 2, 5))
        with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
            lib.TransformerDecoderLayer(4, 2, activation="tanh")


def test_custom_encoder_and_decoder_replace_the_stacks():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 1)
    model = nn.Transformer(4, 2, custom_encoder=encoder, num_decoder_layers=1)
    assert model.encoder is encoder
    assert len(model.decoder.layers) == 1


# ---- the encoder stack, checked against torch too ---------------------------------------------


@pytest.mark.parametrize("is_causal", [None, True])
def test_encoder_detects_the_causal_mask_as_torch(is_causal):
    kwargs = dict(dim_feedforward=8, dropout=0.0)
    ours, theirs = _twin(
        nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, **kwargs), 2, norm=nn.LayerNorm(4)),
        torch.nn.TransformerEncoder(
            torch.nn.TransformerEncoderLayer(4, 2, **kwargs),
            2,
            norm=torch.nn.LayerNorm(4),
            enable_nested_tensor=False,
        ),
    )
    (src, src_t) = _pair((5, 2, 4), 3)
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=vt.float64)
    mask_t = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    out = ours(src, mask=mask, is_causal=is_causal)
    out_t = theirs(src_t, mask=mask_t, is_causal=is_causal)
    _close(out, out_t)
    _backward_and_compare(ours, theirs, out, out_t, [(src, src_t)])


# ---- the word-language-model example's TransformerModel, written once for both libraries ----

MODEL_SOURCE = """
class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super(PositionalEncoding, self).__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0).transpose(0, 1)
        self.register_buffer('pe', pe)

    def forward(self, x):
        x = x + self.pe[:x.size(0), :]
        return self.dropout(x)


class TransformerModel(nn.Transformer):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
        super(TransformerModel, self).__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid,
                                               num_encoder_layers=nlayers)
        self.model_type = 'Transformer'
        self.src_mask = None
        self.pos_encoder = PositionalEncoding(ninp, dropout)
        self.input_emb = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.decoder = nn.Linear(ninp, ntoken)
        self.init_weights()

    def _generate_square_subsequent_mask(self, sz):
        return nn.Transformer.generate_square_subsequent_mask(sz)

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.input_emb.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, src, has_mask=True):
        if has_mask:
            device = src.device
            if self.src_mask is None or self.src_mask.size(0) != len(src):
                mask = self._generate_square_subsequent_mask(len(src)).to(device)
                self.src_mask = mask
        else:
            self.src_mask = None
        src = self.input_emb(src) * math.sqrt(self.ninp)
        src = self.pos_encoder(src)
        output = self.encoder(src, mask=self.src_mask)
        output = self.decoder(output)
        return F.log_softmax(output, dim=-1)
"""


def _build(lib_torch, lib_nn, lib_f):
    namespace = {"torch": lib_torch, "nn": lib_nn, "F": lib_f, "math": math}
    exec(compile(MODEL_SOURCE, "word_language_model/model.py", "exec"), namespace)
    lib_torch.manual_seed(0)
    return namespace["TransformerModel"](11, 8, 2, 16, 2, dropout=0.0)


def test_word_language_model_subclass_of_transformer_runs_as_in_torch():
    import torch.nn.functional as TF

    import v3_nn.functional as F

    ours = _build(vt, nn, F).double().eval()
    theirs = _build(torch, torch.nn, TF).double().eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    tokens = np.random.default_rng(1).integers(0, 11, size=(6, 3))
    out = ours(vt.tensor(tokens))
    out_t = theirs(torch.tensor(tokens))
    _close(out, out_t)
    loss = -out[:, :, 0].mean()
    loss_t = -out_t[:, :, 0].mean()
    loss.backward()
    loss_t.backward()
    twin_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        _close(param.grad, twin_params[name].grad, name)
