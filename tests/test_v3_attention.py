"""scaled_dot_product_attention against torch in float64: values, gradients, masks, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import v2_tensor as vt
import v3_nn.functional as F

TOL = dict(rtol=1e-10, atol=1e-10)


def pair(array: np.ndarray, requires_grad: bool = True) -> tuple[vt.Tensor, torch.Tensor]:
    """The same float64 values as a v2_tensor Tensor and a torch tensor."""
    array = np.asarray(array)
    ours = vt.tensor(array, requires_grad=requires_grad)
    theirs = torch.tensor(array, requires_grad=requires_grad)
    return ours, theirs


def backward_both(ours: vt.Tensor, theirs: torch.Tensor, rng: np.random.Generator) -> None:
    upstream = rng.standard_normal(theirs.shape)
    ours.backward(vt.tensor(upstream))
    theirs.backward(torch.tensor(upstream))


def assert_close(ours, theirs) -> None:
    expected = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(
        np.asarray(ours.array if hasattr(ours, "data") else ours), expected, **TOL
    )


def batch_shapes():
    """Batch dims of query, key and value that broadcast together (some of them size 1)."""
    return st.lists(st.integers(1, 3), min_size=0, max_size=2).flatmap(
        lambda dims: st.tuples(
            *[st.tuples(*[st.sampled_from([d, 1]) for d in dims]).map(tuple) for _ in range(3)]
        )
    )


@given(
    batches=batch_shapes(),
    L=st.integers(1, 5),
    S=st.integers(1, 5),
    E=st.integers(1, 4),
    Ev=st.integers(1, 4),
    mask_kind=st.sampled_from(["none", "bool", "float", "causal"]),
    scale=st.sampled_from([None, 0.3]),
    seed=st.integers(0, 2**16),
)
def test_sdpa_matches_torch(batches, L, S, E, Ev, mask_kind, scale, seed):
    rng = np.random.default_rng(seed)
    q_batch, k_batch, v_batch = batches
    q, tq = pair(rng.standard_normal((*q_batch, L, E)))
    k, tk = pair(rng.standard_normal((*k_batch, S, E)))
    v, tv = pair(rng.standard_normal((*v_batch, S, Ev)))
    kwargs, theirs_kwargs = {}, {}
    if mask_kind == "bool":
        mask = rng.random((L, S)) < 0.7
        mask[:, 0] = True  # every query keeps a key (fully masked rows: separate test)
        kwargs["attn_mask"] = vt.tensor(mask)
        theirs_kwargs["attn_mask"] = torch.tensor(mask)
    elif mask_kind == "float":
        mask, tmask = pair(rng.standard_normal((*(1,) * len(q_batch), L, S)))
        kwargs["attn_mask"], theirs_kwargs["attn_mask"] = mask, tmask
    elif mask_kind == "causal":
        kwargs["is_causal"] = theirs_kwargs["is_causal"] = True

    out = F.scaled_dot_product_attention(q, k, v, scale=scale, **kwargs)
    expected = TF.scaled_dot_product_attention(tq, tk, tv, scale=scale, **theirs_kwargs)
    assert out.shape == tuple(expected.shape)
    assert_close(out, expected)

    backward_both(out, expected, rng)
    for ours, theirs in [(q, tq), (k, tk), (v, tv)]:
        assert ours.grad.shape == tuple(theirs.shape)
        assert_close(ours.grad, theirs.grad)
    if mask_kind == "float":
        assert_close(kwargs["attn_mask"].grad, theirs_kwargs["attn_mask"].grad)


def test_causal_mask_is_top_left_aligned_when_lengths_differ():
    rng = np.random.default_rng(0)
    for L, S in [(3, 5), (5, 3)]:
        q, tq = pair(rng.standard_normal((2, L, 4)))
        k, tk = pair(rng.standard_normal((2, S, 4)))
        v, tv = pair(rng.standard_normal((2, S, 3)))
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        assert_close(out, TF.scaled_dot_product_attention(tq, tk, tv, is_causal=True))


def test_fully_masked_rows_give_zero_output_and_gradient_like_torch():
    rng = np.random.default_rng(1)
    q, tq = pair(rng.standard_normal((2, 3, 4)))
    k, tk = pair(rng.standard_normal((2, 5, 4)))
    v, tv = pair(rng.standard_normal((2, 5, 4)))
    mask = np.ones((3, 5), dtype=bool)
    mask[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=vt.tensor(mask))
    expected = TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(mask))
    assert np.all(out.array[:, 1] == 0.0)
    assert_close(out, expected)
    backward_both(out, expected, rng)
    assert np.all(np.isfinite(q.grad.numpy())) and np.all(q.grad.numpy()[:, 1] == 0.0)
    for ours, theirs in [(q, tq), (k, tk), (v, tv)]:
        assert_close(ours.grad, theirs.grad)


def test_large_scores_do_not_overflow():
    q = vt.tensor(np.full((1, 2, 3), 300.0), requires_grad=True)
    k = vt.tensor(np.full((1, 4, 3), 300.0))
    v = vt.tensor(np.arange(8.0).reshape(1, 4, 2))
    out = F.scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(out.array, np.broadcast_to([3.0, 4.0], (1, 2, 2)))
    out.sum().backward()
    assert np.all(np.isfinite(q.grad.numpy()))


def test_attention_returns_weights_that_sum_to_one_and_are_differentiable():
    rng = np.random.default_rng(2)
    q, tq = pair(rng.standard_normal((2, 3, 4)))
    k, tk = pair(rng.standard_normal((2, 5, 4)))
    v, tv = pair(rng.standard_normal((2, 5, 4)))
    out, weights = F.attention(q, k, v)
    np.testing.assert_allclose(weights.array.sum(-1), 1.0, rtol=1e-12)
    (out.sum() + (weights * weights).sum()).backward()
    t_weights = torch.softmax(tq @ tk.transpose(-1, -2) / 2.0, dim=-1)
    t_out = t_weights @ tv
    (t_out.sum() + (t_weights * t_weights).sum()).backward()
    for ours, theirs in [(q, tq), (k, tk), (v, tv)]:
        assert_close(ours.grad, theirs.grad)


def test_dropout_zeroes_weights_and_rescales_the_rest():
    vt.manual_seed(0)
    q = vt.tensor(np.zeros((400, 1, 2)))
    k = vt.tensor(np.zeros((400, 8, 2)))
    v = vt.tensor(np.ones((400, 8, 1)))
    out, weights = F.attention(q, k, v, dropout_p=0.25)
    kept = weights.array != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(weights.array[kept], 1 / 8 / 0.75)
    np.testing.assert_allclose(out.array[..., 0], weights.array.sum(-1))
    assert abs(out.array.mean() - 1.0) < 0.02
    assert np.all(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).array == 0)


def test_dropout_gradient_by_finite_differences():
    rng = np.random.default_rng(3)
    inputs = [
        vt.tensor(rng.standard_normal(s), requires_grad=True)
        for s in [(2, 3, 4), (2, 5, 4), (2, 5, 3)]
    ]

    def attend(q, k, v):
        vt.manual_seed(7)  # the same dropout mask at every evaluation
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.3)

    assert vt.autograd.gradcheck(attend, inputs)


@pytest.mark.parametrize(
    "shapes, kwargs, message",
    [
        ([(3,), (5, 4), (5, 4)], {}, "at least 2-D"),
        ([(3, 4), (5, 3), (5, 4)], {}, "last dim"),
        ([(3, 4), (5, 4), (6, 4)], {}, "sequence length"),
        ([(2, 3, 4), (3, 5, 4), (3, 5, 4)], {}, "broadcast"),
        ([(3, 4), (5, 4), (5, 4)], {"attn_mask": np.ones((4, 5), bool)}, "attn_mask"),
        ([(3, 4), (5, 4), (5, 4)], {"attn_mask": np.ones((3, 5), np.int64)}, "bool or floating"),
        (
            [(3, 4), (5, 4), (5, 4)],
            {"attn_mask": np.ones((3, 5), bool), "is_causal": True},
            "is_causal",
        ),
        ([(3, 4), (5, 4), (5, 4)], {"dropout_p": 1.5}, "between 0 and 1"),
    ],
)
def test_sdpa_errors(shapes, kwargs, message):
    q, k, v = (vt.tensor(np.zeros(s)) for s in shapes)
    if "attn_mask" in kwargs:
        kwargs["attn_mask"] = vt.tensor(kwargs["attn_mask"])
    with pytest.raises(RuntimeError, match=message):
        F.scaled_dot_product_attention(q, k, v, **kwargs)


def test_sdpa_rejects_mixed_dtypes():
    q = vt.tensor(np.zeros((3, 4), np.float32))
    k = vt.tensor(np.zeros((5, 4)))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(q, k, k)
    # a float64 mask on float32 inputs: torch refuses it, and so do we (no silent promotion)
    with pytest.raises(RuntimeError, match="attn_mask float64 and query float32"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=vt.tensor(np.zeros((3, 3))))


def test_sdpa_takes_a_float32_mask_for_float64_inputs_as_torch():
    rng = np.random.default_rng(3)
    q, mask = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 3)).astype(np.float32)
    ours = F.scaled_dot_product_attention(*[vt.tensor(q)] * 3, attn_mask=vt.tensor(mask))
    theirs = torch.nn.functional.scaled_dot_product_attention(
        *[torch.tensor(q)] * 3, attn_mask=torch.tensor(mask)
    )
    assert ours.dtype == vt.float64
    np.testing.assert_allclose(ours.array, theirs.numpy(), atol=1e-12)
