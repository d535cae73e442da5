"""MultiheadAttention, TransformerEncoderLayer/Encoder and PositionalEncoding against torch."""

import math

import numpy as np
import pytest
import torch

import v2_tensor as vt
import v3_nn as nn

TOL = dict(rtol=1e-10, atol=1e-10)


def to_torch(model: nn.Module, twin: torch.nn.Module) -> torch.nn.Module:
    twin.double().load_state_dict(
        {k: torch.from_numpy(v.numpy()) for k, v in model.state_dict().items()}
    )
    return twin


def pair(array: np.ndarray, requires_grad: bool = True) -> tuple[vt.Tensor, torch.Tensor]:
    return vt.tensor(array, requires_grad=requires_grad), torch.tensor(
        array, requires_grad=requires_grad
    )


def close(ours, theirs) -> None:
    expected = theirs.detach().numpy()
    actual = ours.array if isinstance(ours, vt.Tensor) else np.asarray(ours)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, **TOL)


def check_gradients(model, twin, inputs, rng, outputs) -> None:
    """Backpropagate the same random upstream gradients; compare input and parameter grads."""
    ours_loss, theirs_loss = 0, 0
    for ours, theirs in outputs:
        upstream = rng.standard_normal(tuple(theirs.shape))
        ours_loss = ours_loss + (ours * vt.tensor(upstream)).sum()
        theirs_loss = theirs_loss + (theirs * torch.tensor(upstream)).sum()
    ours_loss.backward()
    theirs_loss.backward()
    for ours, theirs in inputs:
        close(ours.grad, theirs.grad)
    twin_params = dict(twin.named_parameters())
    for name, param in model.named_parameters():
        close(param.grad, twin_params[name].grad)


# ---------------------------------------------------------------- MultiheadAttention


def test_mha_state_dict_keys_shapes_and_init_match_torch():
    vt.manual_seed(0)
    for kwargs in [{}, {"kdim": 3, "vdim": 5}, {"bias": False}, {"add_bias_kv": True}]:
        ours = nn.MultiheadAttention(8, 2, **kwargs)
        theirs = torch.nn.MultiheadAttention(8, 2, **kwargs)
        ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
        assert list(ours_sd) == list(theirs_sd)
        for key, value in ours_sd.items():
            assert value.shape == tuple(theirs_sd[key].shape) and value.dtype == np.float32
    big = nn.MultiheadAttention(64, 4)
    weight = big.in_proj_weight.array
    bound = math.sqrt(6.0 / (64 + 3 * 64))  # xavier_uniform_ on the packed (3E, E) weight
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.95 * bound
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert np.all(big.in_proj_bias.array == 0) and np.all(big.out_proj.bias.array == 0)
    out_bound = 1 / math.sqrt(64)  # out_proj keeps Linear's kaiming_uniform_(a=√5) weight
    assert out_bound * 0.95 < np.abs(big.out_proj.weight.array).max() <= out_bound


MHA_CASES = [
    dict(),
    dict(batch_first=True),
    dict(num_heads=1),
    dict(kpm="bool"),
    dict(batch_first=True, kpm="bool", attn_mask="bool", average=False),
    dict(attn_mask="float"),
    dict(attn_mask="bool3d", kpm="bool"),
    dict(attn_mask="float", kpm="float", need_weights=False),
    dict(attn_mask="causal", is_causal=True, need_weights=False),
    dict(cross=True, kdim=3, vdim=5, kpm="bool"),
    dict(cross=True, batch_first=True),
    dict(bias=False, add_bias_kv=True, kpm="bool"),
    dict(add_zero_attn=True, attn_mask="bool"),
    dict(unbatched=True, kpm="bool"),
    dict(unbatched=True, attn_mask="bool3d", average=False),
]


@pytest.mark.parametrize(
    "case", MHA_CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "plain"
)
def test_mha_matches_torch(case):
    rng = np.random.default_rng(len(str(case)))
    E, H, N, L, S = 8, case.get("num_heads", 2), 3, 4, 5
    batch_first = case.get("batch_first", False)
    options = {
        k: case[k] for k in ("kdim", "vdim", "bias", "add_bias_kv", "add_zero_attn") if k in case
    }
    vt.manual_seed(1)
    model = nn.MultiheadAttention(E, H, batch_first=batch_first, **options).double()
    twin = to_torch(model, torch.nn.MultiheadAttention(E, H, batch_first=batch_first, **options))

    def shape(length, features):
        if case.get("unbatched"):
            return (length, features)
        return (N, length, features) if batch_first else (length, N, features)

    query, t_query = pair(rng.standard_normal(shape(L, E)))
    if case.get("cross"):
        key, t_key = pair(rng.standard_normal(shape(S, case.get("kdim", E))))
        value, t_value = pair(rng.standard_normal(shape(S, case.get("vdim", E))))
        inputs = [(query, t_query), (key, t_key), (value, t_value)]
    else:
        key, value, t_key, t_value, S = query, query, t_query, t_query, L
        inputs = [(query, t_query)]

    kwargs, t_kwargs = {}, {}
    batch = 1 if case.get("unbatched") else N
    if case.get("kpm") == "bool":
        mask = rng.random((batch, S)) < 0.3
        mask[:, 0] = False
        kwargs["key_padding_mask"], t_kwargs["key_padding_mask"] = (
            vt.tensor(mask),
            torch.tensor(mask),
        )
    elif case.get("kpm") == "float":
        mask = rng.standard_normal((batch, S))
        kwargs["key_padding_mask"], t_kwargs["key_padding_mask"] = (
            vt.tensor(mask),
            torch.tensor(mask),
        )
    if case.get("unbatched") and "key_padding_mask" in kwargs:
        kwargs["key_padding_mask"] = vt.tensor(mask[0])
        t_kwargs["key_padding_mask"] = torch.tensor(mask[0])
    kind = case.get("attn_mask")
    if kind == "bool":
        mask = rng.random((L, S)) < 0.3
        mask[:, 0] = False
    elif kind == "bool3d":
        mask = rng.random((batch * H, L, S)) < 0.3
        mask[..., 0] = False
    elif kind == "float":
        mask = rng.standard_normal((L, S))
    elif kind == "causal":
        mask = np.triu(np.ones((L, S), bool), 1)
    if kind:
        kwargs["attn_mask"], t_kwargs["attn_mask"] = vt.tensor(mask), torch.tensor(mask)
    for name in ("is_causal",):
        if name in case:
            kwargs[name] = t_kwargs[name] = case[name]
    need_weights = case.get("need_weights", True)
    average = case.get("average", True)

    out, weights = model(
        query, key, value, need_weights=need_weights, average_attn_weights=average, **kwargs
    )
    t_out, t_weights = twin(
        t_query, t_key, t_value, need_weights=need_weights, average_attn_weights=average, **t_kwargs
    )
    close(out, t_out)
    outputs = [(out, t_out)]
    if need_weights:
        close(weights, t_weights)
        outputs.append((weights, t_weights))
    else:
        assert weights is None
    check_gradients(model, twin, inputs, rng, outputs)


def test_mha_fully_masked_query_gives_zero_weights_not_nan():
    """torch's need_weights=False path (SDPA) gives the same output; its weights path NaN."""
    rng = np.random.default_rng(4)
    vt.manual_seed(4)
    model = nn.MultiheadAttention(8, 2, batch_first=True).double()
    twin = to_torch(model, torch.nn.MultiheadAttention(8, 2, batch_first=True))
    x, t_x = pair(rng.standard_normal((2, 4, 8)))
    padding = np.zeros((2, 4), bool)
    padding[1] = True  # every key of the second sequence is padding
    out, weights = model(x, x, x, key_padding_mask=vt.tensor(padding))
    t_out, _ = twin(t_x, t_x, t_x, key_padding_mask=torch.tensor(padding), need_weights=False)
    close(out, t_out)
    assert np.all(weights.array[1] == 0) and np.all(np.isfinite(weights.array))
    check_gradients(model, twin, [(x, t_x)], rng, [(out, t_out)])


def test_mha_accepts_numpy_masks():
    vt.manual_seed(5)
    model = nn.MultiheadAttention(8, 2)
    x = vt.randn(4, 2, 8)
    padding = np.array([[False, False, True, True], [False, True, False, False]])
    causal = np.triu(np.ones((4, 4), bool), 1)
    out, weights = model(x, x, x, key_padding_mask=padding, attn_mask=causal)
    t_out, t_weights = model(
        x, x, x, key_padding_mask=vt.tensor(padding), attn_mask=vt.tensor(causal)
    )
    np.testing.assert_array_equal(out.array, t_out.array)
    np.testing.assert_array_equal(weights.array, t_weights.array)
    assert np.all(weights.array[0][:, 2:] == 0) and np.all(np.triu(weights.array[1], 1) == 0)


def test_mha_dropout_only_in_training():
    vt.manual_seed(0)
    model = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = vt.randn(2, 6, 8)
    _, weights = model(x, x, x, average_attn_weights=False)
    assert (weights.array == 0).mean() > 0.3
    model.eval()
    _, weights = model(x, x, x)
    np.testing.assert_allclose(weights.array.sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "build, call, error, message",
    [
        (lambda: nn.MultiheadAttention(10, 3), None, ValueError, "divisible"),
        (lambda: nn.MultiheadAttention(8, 2.0), None, TypeError, "must be ints"),
        (lambda: nn.MultiheadAttention(8, 2, dropout=1.5), None, ValueError, "dropout"),
        (
            None,
            lambda m: m(vt.zeros(4, 8), vt.zeros(4, 2, 8), vt.zeros(4, 2, 8)),
            ValueError,
            "3-D",
        ),
        (
            None,
            lambda m: m(vt.zeros(4, 2, 6), vt.zeros(4, 2, 6), vt.zeros(4, 2, 6)),
            ValueError,
            "embed_dim",
        ),
        (
            None,
            lambda m: m(vt.zeros(4, 2, 8), vt.zeros(5, 3, 8), vt.zeros(5, 3, 8)),
            ValueError,
            "batch",
        ),
        (
            None,
            lambda m: m(vt.zeros(4, 2, 8), vt.zeros(5, 2, 8), vt.zeros(6, 2, 8)),
            ValueError,
            "key and value",
        ),
        (
            None,
            lambda m: m(
                vt.zeros(4, 2, 8),
                vt.zeros(4, 2, 8),
                vt.zeros(4, 2, 8),
                key_padding_mask=vt.zeros(3, 4, dtype=vt.bool),
            ),
            ValueError,
            "key_padding_mask",
        ),
        (
            None,
            lambda m: m(
                vt.zeros(4, 2, 8),
                vt.zeros(4, 2, 8),
                vt.zeros(4, 2, 8),
                attn_mask=vt.zeros(4, 5, dtype=vt.bool),
            ),
            RuntimeError,
            "attn_mask",
        ),
        (
            None,
            lambda m: m(
                vt.zeros(4, 2, 8),
                vt.zeros(4, 2, 8),
                vt.zeros(4, 2, 8),
                attn_mask=vt.zeros(4, 4, dtype=vt.int64),
            ),
            TypeError,
            "bool or floating",
        ),
        (
            None,
            lambda m: m(vt.zeros(4, 2, 8), vt.zeros(4, 2, 8), vt.zeros(4, 2, 8), is_causal=True),
            RuntimeError,
            "is_causal",
        ),
        (
            None,
            lambda m: m(
                vt.zeros(4, 2, 8),
                vt.zeros(4, 2, 8),
                vt.zeros(4, 2, 8),
                key_padding_mask=vt.zeros(2, 4, dtype=vt.float64),
            ),
            RuntimeError,
            "float key_padding_mask must match the query dtype, got float64 and float32",
        ),
    ],
)
def test_mha_errors(build, call, error, message):
    with pytest.raises(error, match=message):
        model = build() if build else nn.MultiheadAttention(8, 2)
        call(model)


# ---------------------------------------------------------------- TransformerEncoderLayer


@pytest.mark.parametrize(
    "norm_first, activation, batch_first, masks",
    [
        (False, "relu", False, False),
        (True, "relu", True, True),
        (False, "gelu", True, True),
        (True, "gelu", False, False),
    ],
)
def test_encoder_layer_matches_torch_in_eval_mode(norm_first, activation, batch_first, masks):
    rng = np.random.default_rng(int(norm_first) + 2 * int(batch_first))
    options = dict(
        dim_feedforward=16, activation=activation, batch_first=batch_first, norm_first=norm_first
    )
    vt.manual_seed(2)
    model = nn.TransformerEncoderLayer(8, 2, **options).double()
    twin = to_torch(model, torch.nn.TransformerEncoderLayer(8, 2, **options))
    for module in (model, twin):
        module.eval()
    # LayerNorm's affine parameters start at 1 and 0: perturb them so they are really tested
    state = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    twin.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in state.items()})

    src, t_src = pair(rng.standard_normal((3, 5, 8)))
    kwargs, t_kwargs = {}, {}
    if masks:
        mask = np.triu(np.ones((5, 5), bool), 1)
        padding = np.zeros((3, 5), bool)
        padding[0, 3:] = True
        kwargs = dict(src_mask=vt.tensor(mask), src_key_padding_mask=vt.tensor(padding))
        t_kwargs = dict(src_mask=torch.tensor(mask), src_key_padding_mask=torch.tensor(padding))
    out = model(src, **kwargs)
    t_out = twin(t_src, **t_kwargs)
    close(out, t_out)
    check_gradients(model, twin, [(src, t_src)], rng, [(out, t_out)])


def test_encoder_layer_unbatched_and_state_dict_from_torch():
    torch.manual_seed(0)
    twin = torch.nn.TransformerEncoderLayer(8, 4, dim_feedforward=12, dropout=0.0).double()
    model = nn.TransformerEncoderLayer(8, 4, dim_feedforward=12, dropout=0.0).double()
    assert list(model.state_dict()) == list(twin.state_dict())
    model.load_state_dict({k: v.numpy() for k, v in twin.state_dict().items()})
    src, t_src = pair(np.random.default_rng(5).standard_normal((6, 8)))
    close(model(src), twin(t_src))


def test_encoder_layer_accepts_a_callable_activation():
    vt.manual_seed(6)
    by_name = nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, activation="gelu").eval()
    by_callable = nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, activation=nn.GELU())
    by_callable.load_state_dict(by_name.state_dict())
    by_callable.eval()
    src = vt.randn(4, 2, 8)
    np.testing.assert_allclose(by_callable(src).array, by_name(src).array, rtol=1e-6)
    assert list(by_callable.state_dict()) == list(by_name.state_dict())


def test_encoder_layer_rejects_unknown_activation():
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")


def test_encoder_layer_dropout_is_active_in_training_only():
    vt.manual_seed(0)
    model = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    src = vt.randn(5, 2, 8)
    assert not np.allclose(model(src).array, model(src).array)
    model.eval()
    np.testing.assert_array_equal(model(src).array, model(src).array)


def test_transformer_encoder_matches_torch():
    rng = np.random.default_rng(7)
    vt.manual_seed(3)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
    model = nn.TransformerEncoder(
        layer, num_layers=2, norm=nn.LayerNorm(8), enable_nested_tensor=False
    ).double()
    t_layer = torch.nn.TransformerEncoderLayer(
        8, 2, dim_feedforward=16, dropout=0.0, batch_first=True
    )
    twin = torch.nn.TransformerEncoder(
        t_layer, 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False
    )
    assert list(model.state_dict()) == list(twin.state_dict())
    # the copies start equal, as in torch; make them differ before comparing
    state = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    to_torch(model, twin)
    src, t_src = pair(rng.standard_normal((2, 5, 8)))
    mask = np.triu(np.ones((5, 5), bool), 1)
    out = model(src, mask=vt.tensor(mask))
    t_out = twin(t_src, mask=torch.tensor(mask))
    close(out, t_out)
    check_gradients(model, twin, [(src, t_src)], rng, [(out, t_out)])


# ---------------------------------------------------------------- PositionalEncoding


def test_positional_encoding_values():
    d_model, max_len = 7, 12
    encoding = nn.PositionalEncoding(d_model, max_len, dropout=0.0)
    pe = encoding.pe.array
    assert pe.shape == (max_len, d_model) and "pe" in encoding.state_dict()
    for pos in range(max_len):
        for i in range(d_model):
            angle = pos / 10000 ** (2 * (i // 2) / d_model)
            expected = math.sin(angle) if i % 2 == 0 else math.cos(angle)
            assert abs(pe[pos, i] - expected) < 1e-6


def test_positional_encoding_adds_along_the_sequence_dim():
    encoding = nn.PositionalEncoding(4, 10, dropout=0.0)
    pe = encoding.pe.array
    x = vt.zeros(6, 3, 4)
    np.testing.assert_allclose(encoding(x).array, np.broadcast_to(pe[:6, None], (6, 3, 4)))
    first = nn.PositionalEncoding(4, 10, dropout=0.0, batch_first=True)
    np.testing.assert_allclose(first(vt.zeros(3, 6, 4)).array, np.broadcast_to(pe[:6], (3, 6, 4)))
    np.testing.assert_allclose(encoding(vt.zeros(6, 4)).array, pe[:6])
    x = vt.zeros(6, 3, 4, requires_grad=True)
    encoding(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 1.0)


def test_positional_encoding_errors():
    encoding = nn.PositionalEncoding(4, 10)
    with pytest.raises(ValueError, match="max_len"):
        encoding(vt.zeros(11, 2, 4))
    with pytest.raises(ValueError, match="PositionalEncoding"):
        encoding(vt.zeros(5, 2, 3))
