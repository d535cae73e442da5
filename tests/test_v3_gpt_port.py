"""Acceptance: a GPT written for torch (tests/ported_gpt.py: ModuleDict of blocks, weight
tying, AdamW parameter groups chosen by isinstance of modules, gradient clipping, top-k
sampling with multinomial) runs on v3_nn with only its three torch import lines changed.

The same source text is executed twice, once as it is and once with

    import torch                       ->  torch = v2_tensor (+ torch.nn = v3_nn, torch.optim)
    import torch.nn as nn              ->  import v3_nn as nn
    from torch.nn import functional as F  ->  import v3_nn.functional as F

and the two models, given the same weights through state_dict, must train to the same
losses in float64.
"""

import types
from pathlib import Path

import numpy as np
import torch

import v2_tensor as vt
import v3_nn

SOURCE = (Path(__file__).parent / "ported_gpt.py").read_text()
TORCH_IMPORTS = "import torch\nimport torch.nn as nn\nfrom torch.nn import functional as F\n"


def _torch_like() -> types.ModuleType:
    """`torch` for the ported program: v2_tensor, with torch.nn = v3_nn, torch.optim."""
    module = types.ModuleType("torch_on_v2_tensor")
    module.__dict__.update({k: v for k, v in vars(vt).items() if not k.startswith("_")})
    module.nn = v3_nn
    module.optim = v3_nn.optim
    return module


def _load(library: str) -> dict:
    namespace = {"__name__": f"ported_gpt_{library}"}
    source = SOURCE
    if library == "v3_nn":
        assert TORCH_IMPORTS in source
        source = source.replace(
            TORCH_IMPORTS,
            "torch = TORCH_LIKE\nimport v3_nn as nn\nimport v3_nn.functional as F\n",
        )
        namespace["TORCH_LIKE"] = _torch_like()
    exec(compile(source, f"ported_gpt.py ({library})", "exec"), namespace)
    return namespace


CONFIG = dict(block_size=8, vocab_size=13, n_layer=2, n_head=2, n_embd=8, dropout=0.0)


def _models():
    ours_ns, theirs_ns = _load("v3_nn"), _load("torch")
    vt.manual_seed(0)
    torch.manual_seed(0)
    ours = ours_ns["GPT"](ours_ns["GPTConfig"](**CONFIG)).double()
    theirs = theirs_ns["GPT"](theirs_ns["GPTConfig"](**CONFIG)).double()
    return ours_ns, ours, theirs_ns, theirs


def test_the_same_gpt_source_trains_to_torchs_losses():
    ours_ns, ours, theirs_ns, theirs = _models()
    # the model is torch's: keys, shapes, the tied weight, the init's scale
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.get_num_params() == theirs.get_num_params()
    assert ours.transformer.wte.weight is ours.lm_head.weight
    proj = ours.transformer.h[0].attn.c_proj.weight.array
    assert abs(proj.std() - 0.02 / np.sqrt(4)) < 0.004  # normal_(std=0.02 / sqrt(2 n_layer))
    # same weights, both ways: torch's into ours, then ours into torch
    ours.load_state_dict(theirs.state_dict())
    theirs.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    )
    # the parameter groups: chosen by isinstance, the same names under both libraries
    ours_opt = ours.configure_optimizers(0.1, 1e-3, (0.9, 0.95))
    theirs_opt = theirs.configure_optimizers(0.1, 1e-3, (0.9, 0.95))
    for ours_group, theirs_group in zip(
        ours_opt.param_groups, theirs_opt.param_groups, strict=True
    ):
        assert [p.shape for p in ours_group["params"]] == [
            tuple(p.shape) for p in theirs_group["params"]
        ]
    rng = np.random.default_rng(0)
    batches = []
    for _ in range(2):
        tokens = rng.integers(0, CONFIG["vocab_size"], size=(3, CONFIG["block_size"] + 1))
        targets = tokens[:, 1:].copy()
        targets[0, :2] = -1  # ignore_index=-1, as nanoGPT pads
        batches.append((tokens[:, :-1].copy(), targets))
    batches = batches * 3  # two batches, three times: the loss on each must fall
    ours_losses = ours_ns["train"](ours, batches, learning_rate=1e-2)
    theirs_losses = theirs_ns["train"](theirs, batches, learning_rate=1e-2)
    np.testing.assert_allclose(ours_losses, theirs_losses, rtol=1e-10)
    assert ours_losses[4] < ours_losses[0] and ours_losses[5] < ours_losses[1]
    for name, param in ours.state_dict().items():
        np.testing.assert_allclose(
            param.numpy(), theirs.state_dict()[name].numpy(), rtol=1e-8, atol=1e-10, err_msg=name
        )


def test_the_same_gpt_source_samples_as_torch():
    ours_ns, ours, _, theirs = _models()
    ours.load_state_dict(theirs.state_dict())
    ours.eval()
    theirs.eval()
    prompt = np.array([[1, 2, 3], [4, 5, 6]])
    # top_k=1 leaves one candidate, so multinomial's draw is the argmax under both libraries
    greedy = ours.generate(vt.from_numpy(prompt), 10, top_k=1)
    expected = theirs.generate(torch.from_numpy(prompt), 10, top_k=1)
    np.testing.assert_array_equal(greedy.numpy(), expected.numpy())
    # with top_k=3 every sampled token is one of the three most likely at its step
    vt.manual_seed(1)
    sampled = ours.generate(vt.from_numpy(prompt), 4, temperature=0.8, top_k=3).numpy()
    for step in range(prompt.shape[1], sampled.shape[1]):
        logits, _ = theirs(torch.from_numpy(sampled[:, :step]))
        top3 = torch.topk(logits[:, -1, :], 3).indices.numpy()
        assert all(sampled[i, step] in top3[i] for i in range(len(sampled)))
