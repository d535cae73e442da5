"""v3_nn.gpt against its torch twin in float64: logits, loss, every gradient, and a few
AdamW steps with clipping; the initialisation's statistics; sampling."""

import dataclasses

import numpy as np
import pytest
import torch

import v2_tensor as vt
from tests.gpt_torch import twin_of
from v3_nn.gpt import GPT, GPTConfig

CONFIG = GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)


def model_and_twin(config=CONFIG, seed=0):
    vt.manual_seed(seed)
    model = GPT(config).double()
    return model, twin_of(model)


def batch(config=CONFIG, seed=1, size=3):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, config.vocab_size, (size, config.block_size + 1))
    return tokens[:, :-1], tokens[:, 1:]


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias (as train_gpt)"])
def test_forward_loss_and_gradients_equal_torchs(bias):
    model, twin = model_and_twin(dataclasses.replace(CONFIG, bias=bias))
    assert all(".bias" not in name for name in dict(model.named_parameters())) or bias
    x, y = batch()
    logits, loss = model(vt.tensor(x), vt.tensor(y))
    their_logits, their_loss = twin(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(logits.array, their_logits.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(loss.item(), their_loss.item(), atol=1e-12)
    loss.backward()
    their_loss.backward()
    theirs = dict(twin.named_parameters())
    for name, param in model.named_parameters():
        np.testing.assert_allclose(
            param.grad.array, theirs[name].grad.numpy(), atol=1e-11, err_msg=name
        )


def test_training_steps_follow_torchs():
    """train_gpt's optimizer and schedule (AdamW, warmup then cosine), built for both."""
    from v3_nn.train_gpt import make_optimizer
    from v3_nn.utils import clip_grad_norm_

    model, twin = model_and_twin(dataclasses.replace(CONFIG, bias=False))
    settings = {"lr": 1e-2, "min_lr": 1e-3, "weight_decay": 0.1, "warmup_iters": 2, "max_iters": 6}
    ours, our_schedule = make_optimizer(model, settings)
    theirs, their_schedule = make_optimizer(twin, settings, optim=torch.optim)
    for step in range(6):
        x, y = batch(seed=step)
        loss = model(vt.tensor(x), vt.tensor(y))[1]
        their_loss = twin(torch.tensor(x), torch.tensor(y))[1]
        np.testing.assert_allclose(loss.item(), their_loss.item(), atol=1e-10)
        ours.zero_grad()
        theirs.zero_grad()
        loss.backward()
        their_loss.backward()
        norm = clip_grad_norm_(model.parameters(), 0.5)  # small enough to clip every step
        their_norm = torch.nn.utils.clip_grad_norm_(twin.parameters(), 0.5)
        np.testing.assert_allclose(norm.item(), their_norm.item(), rtol=1e-10)
        assert norm.item() > 0.5
        ours.step()
        theirs.step()
        our_schedule.step()
        their_schedule.step()
        assert ours.param_groups[0]["lr"] == theirs.param_groups[0]["lr"]


def test_initialisation_is_gpt2s():
    config = GPTConfig(vocab_size=64, block_size=32, n_layer=4, n_head=4, n_embd=64)
    vt.manual_seed(0)
    model = GPT(config)
    params = dict(model.named_parameters())
    assert params["wte.weight"] is model.lm_head.weight  # tied
    assert abs(params["wte.weight"].array.std() - 0.02) < 0.002
    assert abs(params["blocks.0.mlp.c_fc.weight"].array.std() - 0.02) < 0.002
    residual = params["blocks.0.mlp.c_proj.weight"].array.std()
    assert abs(residual - 0.02 / np.sqrt(8)) < 0.001
    assert not params["blocks.0.attn.c_attn.bias"].array.any()
    assert params["ln_f.weight"].array.min() == 1.0


def test_weight_decay_groups_split_matrices_from_vectors():
    model, _ = model_and_twin()
    decay, no_decay = model.parameter_groups(0.1)
    assert all(p.ndim == 2 for p in decay["params"]) and decay["weight_decay"] == 0.1
    assert all(p.ndim == 1 for p in no_decay["params"]) and no_decay["weight_decay"] == 0.0
    total = {id(p) for p in model.parameters()}
    assert {id(p) for p in decay["params"] + no_decay["params"]} == total


def test_generation_streams_tokens_repeatably_and_respects_top_k():
    model, _ = model_and_twin()
    context = vt.tensor([[1, 2, 3]])
    first = list(
        model.generate(
            context, 12, temperature=0.8, top_k=3, generator=vt.Generator().manual_seed(5)
        )
    )
    again = list(
        model.generate(
            context, 12, temperature=0.8, top_k=3, generator=vt.Generator().manual_seed(5)
        )
    )
    assert first == again and len(first) == 12
    assert all(0 <= t < CONFIG.vocab_size for t in first)
    greedy = list(model.generate(context, 4, top_k=1))
    logits = model(vt.tensor([[1, 2, 3]]))[0]
    assert greedy[0] == int(logits.array[0, -1].argmax())


def test_a_sequence_longer_than_the_block_is_refused():
    model, _ = model_and_twin()
    with pytest.raises(ValueError, match="block_size"):
        model(vt.zeros(1, CONFIG.block_size + 1, dtype=vt.long))
