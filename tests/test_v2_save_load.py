"""v2_tensor.save / load: torch-checkpoint-shaped objects as safetensors, never pickle.

Round trips of nested checkpoints, both directions with torch through safetensors, refusal
of pickles and torch.save files, truncated and corrupt files, and atomic writes."""

import io
import math
import os
import pickle
import signal
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import v2_tensor as vt
import v3_nn
from v2_tensor import serialization
from v3_nn import optim


def checkpoint():
    rng = np.random.default_rng(0)
    model = OrderedDict(
        [
            ("fc.weight", vt.tensor(rng.standard_normal((3, 4)), dtype=vt.float32)),
            ("fc.bias", vt.tensor(rng.standard_normal(3))),
            ("bn.num_batches_tracked", vt.tensor(7)),
            ("mask", vt.tensor([True, False])),
            ("half", vt.tensor([1.5, -2.0], dtype=vt.float16)),
            ("bytes", vt.tensor([0, 255], dtype=vt.uint8)),
            ("empty", vt.zeros(0, 5)),
        ]
    )
    param = v3_nn.Parameter(np.ones(3))
    opt = optim.Adam([param], lr=0.01, betas=(0.8, 0.99))
    param.grad = vt.ones(3)
    opt.step()
    return {
        "model": model,
        "optimizer": opt.state_dict(),
        "epoch": 12,
        "best": float("inf"),
        "history": [0.5, float("nan"), -0.0, 1e-300],
        "name": "run ✓ 1",
        "resume": None,
        "flags": (True, False),
        "sizes": {1: "one", 2.5: None, (3, "a"): [1, 2]},
        "array": np.arange(6).reshape(2, 3).T,  # not contiguous
        "scalar": np.float32(0.25),
        "weights": vt.tensor([1.0, 2.0], requires_grad=True),
    }


def assert_same(a, b, path="obj"):
    assert type(a) is type(b), (path, type(a), type(b))
    if isinstance(a, vt.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert a.requires_grad == b.requires_grad, path
        np.testing.assert_array_equal(a.array, b.array)
    elif isinstance(a, np.ndarray | np.generic):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), path
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            assert_same(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), path
    else:
        assert a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


def test_a_nested_checkpoint_round_trips_exactly(tmp_path):
    saved = checkpoint()
    vt.save(saved, tmp_path / "ckpt.safetensors")
    loaded = vt.load(tmp_path / "ckpt.safetensors")
    assert_same(saved, loaded)
    assert isinstance(loaded["model"], OrderedDict) and type(loaded["optimizer"]) is dict
    step = loaded["optimizer"]["state"][0]["step"]
    assert step.shape == () and step.dtype == np.float32
    assert loaded["weights"].requires_grad and loaded["weights"].is_leaf
    assert loaded["model"]["fc.weight"].array.flags.writeable
    # the optimizer state loads back and steps on exactly as the original
    param = v3_nn.Parameter(np.ones(3))
    opt = optim.Adam([param], lr=1.0)
    opt.load_state_dict(loaded["optimizer"])
    assert opt.param_groups[0]["betas"] == (0.8, 0.99) and opt.param_groups[0]["lr"] == 0.01


def test_file_objects_work_like_paths(tmp_path):
    buffer = io.BytesIO()
    vt.save(checkpoint(), buffer)
    buffer.seek(0)
    assert_same(checkpoint(), vt.load(buffer))
    with open(tmp_path / "f.safetensors", "wb") as file:
        vt.save({"x": vt.arange(3)}, file)
    with open(tmp_path / "f.safetensors", "rb") as file:
        assert vt.load(file, map_location="cpu", weights_only=True)["x"].tolist() == [0, 1, 2]
    with open(tmp_path / "f.safetensors") as file, pytest.raises(TypeError, match="binary"):
        vt.load(file)


def test_a_tensor_saved_twice_is_stored_once_and_stays_shared(tmp_path):
    shared = vt.arange(4.0)
    vt.save({"a": shared, "b": [shared]}, tmp_path / "s.safetensors")
    loaded = vt.load(tmp_path / "s.safetensors")
    assert loaded["a"] is loaded["b"][0]
    assert list(safetensors.numpy.load_file(tmp_path / "s.safetensors")) == ["a"]


def test_a_single_tensor_and_plain_values(tmp_path):
    for value in [vt.tensor(3.5), 7, "text", None, [1, (2, 3)], {"a": {"b": {}}}]:
        vt.save(value, tmp_path / "v.safetensors")
        assert_same(value, vt.load(tmp_path / "v.safetensors"))


# ---- to torch and back -----------------------------------------------------------------------


def test_model_weights_are_a_safetensors_file_a_torch_model_loads(tmp_path):
    ours = v3_nn.Sequential(v3_nn.Linear(4, 8), v3_nn.ReLU(), v3_nn.Linear(8, 3))
    vt.save(ours.state_dict(), tmp_path / "model.safetensors")
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    theirs.load_state_dict(safetensors.torch.load_file(tmp_path / "model.safetensors"))
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    expected = ours(vt.tensor(x)).detach().numpy()
    np.testing.assert_allclose(
        theirs(torch.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6
    )
    with safetensors.safe_open(tmp_path / "model.safetensors", "pt") as file:
        assert file.metadata()["format"] == "pt"  # what transformers' loaders look for


def test_a_torch_users_safetensors_file_loads_here(tmp_path):
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    safetensors.torch.save_file(theirs.state_dict(), tmp_path / "torch.safetensors")
    loaded = vt.load(tmp_path / "torch.safetensors")
    assert set(loaded) == set(theirs.state_dict())
    assert all(isinstance(v, vt.Tensor) for v in loaded.values())
    ours = v3_nn.Sequential(v3_nn.Linear(4, 8), v3_nn.Tanh(), v3_nn.Linear(8, 2))
    ours.load_state_dict(loaded)
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(
        ours(vt.tensor(x)).detach().numpy(),
        theirs(torch.from_numpy(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    assert v3_nn.load(tmp_path / "torch.safetensors").keys() == loaded.keys()


def test_torch_tensors_are_saved_as_tensors_and_a_torch_checkpoint_converts(tmp_path):
    model = torch.nn.Linear(2, 3)
    opt = torch.optim.AdamW(model.parameters())
    model(torch.ones(1, 2)).sum().backward()
    opt.step()
    # what the refusal message says to run where torch is: load with torch, save with us
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "c.pt")
    vt.save(torch.load(tmp_path / "c.pt", weights_only=True), tmp_path / "c.safetensors")
    loaded = vt.load(tmp_path / "c.safetensors")
    np.testing.assert_array_equal(loaded["model"]["weight"].array, model.weight.detach().numpy())
    ours = optim.AdamW(v3_nn.Linear(2, 3).parameters())
    ours.load_state_dict(loaded["optimizer"])
    assert ours.state_dict()["state"][0]["exp_avg"].shape == (3, 2)
    with pytest.raises(TypeError, match=r"checkpoint\['weight'\].*cannot be read as an array"):
        vt.save(dict(model.named_parameters()), tmp_path / "grad.safetensors")


# ---- refusals ------------------------------------------------------------------------------


def test_pickles_and_torch_save_files_are_refused_with_how_to_convert(tmp_path):
    (tmp_path / "p.pkl").write_bytes(pickle.dumps({"weight": [1.0]}))
    with pytest.raises(ValueError, match=r"p\.pkl is a pickle.*never does.*weights_only=True"):
        vt.load(tmp_path / "p.pkl")
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "t.pt")
    with pytest.raises(ValueError, match=r"t\.pt was written by torch\.save.*save_file"):
        vt.load(tmp_path / "t.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="is a pickle"):
        vt.load(tmp_path / "legacy.pt")
    np.savez(tmp_path / "a.npz", x=np.zeros(2))
    with pytest.raises(ValueError, match=r"zip archive \(a NumPy \.npz\?\)"):
        vt.load(tmp_path / "a.npz")
    with pytest.raises(TypeError, match="never unpickles"):
        vt.load(tmp_path / "a.npz", pickle_module=pickle)


def test_truncated_corrupt_and_foreign_files_name_the_file(tmp_path):
    vt.save(checkpoint(), tmp_path / "good.safetensors")
    raw = (tmp_path / "good.safetensors").read_bytes()
    cases = {
        "half.safetensors": (raw[: len(raw) // 2], "truncated or corrupt"),
        "short.safetensors": (raw[:-1], "truncated or corrupt"),
        "header.safetensors": (raw[:8] + b"}" + raw[9:], "truncated or corrupt"),
        "empty.safetensors": (b"", "too short"),
        "text.safetensors": (b"hello, not a checkpoint at all", "truncated or corrupt"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=name.replace(".", r"\.") + ".*" + message):
            vt.load(tmp_path / name)
    safetensors.torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf.st")
    with pytest.raises(ValueError, match=r"'w' has dtype BF16.*no bfloat16.*\.float\(\)"):
        vt.load(tmp_path / "bf.st")
    with pytest.raises(FileNotFoundError, match="missing"):
        vt.load(tmp_path / "missing.safetensors")


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"a": {1, 2}}, r"cannot store a builtins\.set at checkpoint\['a'\]"),
        ({"m": [torch.nn.Linear(1, 1)]}, r"Linear at checkpoint\['m'\]\[0\]"),
        ({"o": np.array([None])}, r"checkpoint\['o'\] is an array of dtype object"),
        ({"c": np.array([1j])}, "dtype complex128"),
        ({frozenset(): 1}, "has a key of type frozenset"),
        (lambda: 0, "function"),
    ],
)
def test_what_a_checkpoint_cannot_hold_is_refused_and_nothing_is_written(tmp_path, obj, message):
    with pytest.raises(TypeError, match=message):
        vt.save(obj, tmp_path / "x.safetensors")
    assert os.listdir(tmp_path) == []


def test_save_refuses_a_missing_folder_as_torch():
    with pytest.raises(RuntimeError, match="parent directory .* does not exist"):
        vt.save({"x": vt.ones(1)}, "/nonexistent-folder/x.safetensors")


# ---- atomic writes ---------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    vt.save({"w": vt.zeros(3)}, path)
    before = path.read_bytes()

    def write_half_then_fail(tensors, filename, metadata=None):
        with open(filename, "wb") as file:
            file.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save_file", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        vt.save({"w": vt.ones(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_a_killed_writers_temporary_is_removed_by_the_next_save(tmp_path):
    path = tmp_path / "model.safetensors"
    # A writer that dies (SIGKILL) in the middle of its write leaves its temporary behind.
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from v2_tensor.serialization import temporary_path\n"
        "temporary = temporary_path(Path(sys.argv[1]))\n"
        "temporary.write_bytes(b'half a checkpoint')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=os.getcwd())
    assert done.wait(timeout=60) == -signal.SIGKILL
    left = serialization.temporary_path(path, done.pid)
    assert left.exists() and left.name == f".model.safetensors.tmp-{done.pid}"
    alive = serialization.temporary_path(path, os.getppid())  # a writer still running
    alive.write_bytes(b"in progress")
    other = serialization.temporary_path(tmp_path / "other.safetensors", done.pid)
    other.write_bytes(b"another target's")
    vt.save({"w": vt.ones(2)}, path)
    assert not left.exists(), "the dead writer's temporary is gone"
    assert alive.exists() and other.exists(), "a live writer's and other targets' are kept"
    assert vt.load(path)["w"].tolist() == [1.0, 1.0]
