"""Scripts as separate processes: Ctrl-C and SIGKILL during training and during the save,
two runs into one folder, a closed pipe, and a `--help` that imports nothing heavy."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import v3_nn as nn
from v3_nn import train_xor
from v3_nn.train_mlp import build_mlp

ROOT = Path(__file__).resolve().parents[1]


def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "KAGGLEHUB_CACHE": str(tmp_path / "kagglehub"),
    }


def start(tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=tmp_path,
        env=env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def small_mnist(folder: Path) -> Path:
    """A tiny MNIST folder: no scikit-learn to import, epochs of a few milliseconds."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in [("train", 64), ("t10k", 16)]:
        images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        header = (0x803).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in images.shape)
        (folder / f"{prefix}-images-idx3-ubyte").write_bytes(header + images.tobytes())
        header = (0x801).to_bytes(4, "big") + n.to_bytes(4, "big")
        (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(header + labels.tobytes())
    return folder


@pytest.fixture
def previous_run(tmp_path):
    """A folder and a checkpoint left by an earlier, good run."""
    data = small_mnist(tmp_path / "mnist")
    out, checkpoint = tmp_path / "out", tmp_path / "models" / "mlp.npz"
    out.mkdir()
    (out / "metrics.json").write_text('{"from": "the previous run"}')
    model = build_mlp(28, [8])
    nn.save(model.state_dict(), checkpoint, config={"side": 28, "hidden": [8], "source": "mnist"})
    argv = [
        "--data",
        str(data),
        "--hidden",
        "8",
        "--out",
        str(out),
        "--checkpoint",
        str(checkpoint),
    ]
    return argv, out, checkpoint, checkpoint.read_bytes()


def assert_previous_run_intact(out: Path, checkpoint: Path, saved: bytes) -> None:
    assert checkpoint.read_bytes() == saved
    assert set(nn.load(checkpoint)) == set(build_mlp(28, [8]).state_dict())
    assert json.loads((out / "metrics.json").read_text()) == {"from": "the previous run"}


def test_ctrl_c_during_training_ends_in_one_line_and_keeps_the_last_checkpoint(
    tmp_path, previous_run
):
    argv, out, checkpoint, saved = previous_run
    run = start(tmp_path, "-m", "v3_nn.train_mlp", *argv, "--epochs", "100000", "--quiet")
    assert run.stdout.readline().startswith("data: MNIST")  # training has begun
    time.sleep(0.5)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert err.strip().splitlines() == [
        "train_mlp: error: interrupted (Ctrl-C). Nothing was written: a run writes its files "
        "only at its end, so the previous ones are intact."
    ]
    assert_previous_run_intact(out, checkpoint, saved)
    assert sorted(os.listdir(out)) == ["metrics.json"]  # and the lock is gone
    assert sorted(os.listdir(checkpoint.parent)) == ["mlp.npz"]


SLOW_SAVE = """
import os, sys, time
from pathlib import Path
import v3_nn

original = v3_nn.save


def slow_save(state, path, config=None):
    def hold(*args, **kwargs):  # the archive is being written: stop here until killed
        Path(sys.argv[1]).write_text("saving")
        time.sleep(120)

    os.fsync = os.replace = hold
    return original(state, path, config=config)


v3_nn.save = slow_save
from v3_nn import train_mlp

train_mlp.main(sys.argv[2:])
"""


def test_sigkill_during_the_save_leaves_the_previous_checkpoint_loadable(
    tmp_path, previous_run, capsys
):
    argv, out, checkpoint, saved = previous_run
    marker = tmp_path / "saving"
    run = start(tmp_path, "-c", SLOW_SAVE, str(marker), *argv, "--epochs", "2", "--quiet")
    wait_for(marker.exists)
    run.kill()  # SIGKILL: no handler, no cleanup
    run.communicate(timeout=60)
    assert run.returncode == -signal.SIGKILL
    assert_previous_run_intact(out, checkpoint, saved)
    assert (out / "run.lock").exists()  # left behind by the killed run
    # The next run takes over the dead run's locks and writes a whole new set of files.
    from v3_nn import train_mlp

    metrics = train_mlp.main([*argv, "--epochs", "1", "--quiet"])
    assert "taking over" in capsys.readouterr().err
    assert json.loads((out / "metrics.json").read_text()) == metrics
    assert checkpoint.read_bytes() != saved and set(nn.load(checkpoint))
    assert sorted(p for p in os.listdir(out) if not p.startswith(".")) == [
        "curves.png", "metrics.csv", "metrics.json", "run.json"
    ]  # fmt: skip
    assert not list(out.glob(".*.tmp")), "the killed run's half-written files are cleaned up"


def test_a_second_run_into_the_same_folder_is_refused_naming_the_first(tmp_path, capsys):
    out = tmp_path / "xor"
    first = start(tmp_path, "-m", "v3_nn.train_xor", "--epochs", "10000000", "--quiet",
                  "--out", str(out))  # fmt: skip
    try:
        wait_for((out / "run.lock").exists)
        with pytest.raises(SystemExit) as exit_info:
            train_xor.main(["--epochs", "5", "--quiet", "--out", str(out)])
        assert exit_info.value.code == 1
        err = capsys.readouterr().err
        assert f"--out {out} is in use by another run: process {first.pid} (" in err
        assert "-m v3_nn.train_xor --epochs 10000000 --quiet --out" in err
        assert "wait for it to finish or pass another --out" in err
        assert os.listdir(out) == ["run.lock"]
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert first.returncode == 130 and not out.exists()  # it made the folder, and removed it


def test_a_closed_pipe_ends_quietly(tmp_path):
    from PIL import Image

    checkpoint = tmp_path / "mlp.npz"
    nn.save(build_mlp(8, [8]).state_dict(), checkpoint, config={"side": 8, "hidden": [8]})
    image = tmp_path / "digit.png"
    Image.fromarray(np.eye(8, dtype=np.uint8) * 255).save(image)
    run = start(tmp_path, "-m", "v3_nn.predict", "--image-path", str(image),
                "--checkpoint", str(checkpoint))  # fmt: skip
    run.stdout.close()  # `| head` that has stopped reading
    err = run.stderr.read()
    run.wait(timeout=60)
    assert run.returncode == 141 and "Traceback" not in err and "Exception" not in err


HELP = """
import runpy, sys, time
heavy = ("matplotlib", "pandas", "sklearn", "kagglehub", "PIL", "torch", "tqdm")
for name in sys.argv[1:]:
    sys.argv = [name, "--help"]
    started = time.perf_counter()
    try:
        runpy.run_module(name, run_name="__main__")
    except SystemExit as exit:
        assert exit.code == 0, (name, exit.code)
    loaded = [module for module in heavy if module in sys.modules]
    print("RESULT", name, round(time.perf_counter() - started, 3), ",".join(loaded) or "-")
"""
SCRIPTS = {
    "v1": ["v1_scalar.train", "v1_scalar.create_data", "v1_scalar.walkthrough"],
    "v2": ["v2_tensor.train"],
    "v3": ["v3_nn.train_mlp", "v3_nn.train_cnn", "v3_nn.train_lstm", "v3_nn.train_transformer",
           "v3_nn.train_xor", "v3_nn.optimizers", "v3_nn.predict", "v3_nn.save_sample",
           "v3_nn.train_autoencoder", "v3_nn.train_gan", "v3_nn.train_gpt", "v3_nn.sample"],
}  # fmt: skip


def test_help_parses_before_any_heavy_import_and_shows_every_default(tmp_path):
    names = [name for group in SCRIPTS.values() for name in group]
    result = subprocess.run([sys.executable, "-c", HELP, *names], cwd=tmp_path, env=env(tmp_path),
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("RESULT")]
    assert [row[1] for row in rows] == names
    for _, name, _, loaded in rows:
        assert loaded == "-", f"{name} --help imported {loaded}"
    helps = result.stdout.split("usage: ")[1:]
    assert len(helps) == len(names)
    for name, text in zip(names, helps, strict=True):
        options = text.split("options:")[1].split("\n\n")[0]
        entries = [
            e for e in options.split("\n  -") if e.strip() and not e.lstrip().startswith("h,")
        ]
        for entry in entries:
            assert "default" in entry, f"{name}: {entry.strip()} shows no default"
        assert "--seed" in options, name
    v1_seconds = [float(row[2]) for row in rows if row[1].startswith("v1_scalar")]
    assert max(v1_seconds) < 1.0  # v1's scripts import no more than the standard library
