"""v3_nn.train_gpt and v3_nn.sample on tiny settings: the loss falls, Ctrl-C then --resume
gives the uninterrupted run's losses bit for bit, the Kaggle copy is read from a fake cache
(both of its layouts) and the offline corpus is announced, bad input gets one line, and
sampling streams token by token."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from kagglehub.cache import Cache
from kagglehub.handle import parse_dataset_handle

import v2_tensor as vt
from v3_nn import sample, text, train_gpt

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tinyshakespeare.txt"
needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpus is absent")
TINY = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16",
        "--batch-size", "4", "--max-iters", "40", "--warmup-iters", "4", "--lr", "1e-2",
        "--eval-interval", "10", "--eval-iters", "3", "--quiet"]  # fmt: skip


pytestmark = pytest.mark.usefixtures("offline")  # no Kaggle (tests/conftest.py)


@pytest.fixture(scope="module")
def shakespeare(tmp_path_factory):
    """The first 1,500 characters of Tiny Shakespeare."""
    if not CORPUS.exists():
        pytest.skip("the shared corpus is absent")
    path = tmp_path_factory.mktemp("data") / "tiny.txt"
    path.write_text(CORPUS.read_text()[:1500])
    return path


def run(tmp_path, name, data, *extra):
    out, checkpoint = tmp_path / name, tmp_path / f"{name}.safetensors"
    argv = ["--data", str(data), *TINY, "--out", str(out), "--checkpoint", str(checkpoint)]
    return train_gpt.main([*argv, *extra]), out, checkpoint


def test_the_loss_falls_and_every_output_is_written(shakespeare, tmp_path, capsys):
    metrics, out, checkpoint = run(tmp_path, "a", shakespeare)
    assert metrics["val_loss"][-1] < metrics["val_loss"][0] - 0.5
    assert metrics["train_loss"][-1] < metrics["train_loss"][0] - 0.5
    assert metrics["iter"] == [0, 10, 20, 30, 40] and len(metrics["step_loss"]) == 40
    assert np.mean(metrics["step_loss"][-5:]) < np.mean(metrics["step_loss"][:5])
    lrs = metrics["step_lr"]  # warmup to 1e-2 by iteration 4, then the cosine to 1e-3
    assert lrs[0] == pytest.approx(1e-2 / 5) and max(lrs) == pytest.approx(1e-2, rel=1e-3)
    assert lrs[-1] == pytest.approx(1e-3, rel=0.02) and lrs[-1] < lrs[20] < lrs[5]
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["val_loss"] == metrics["val_loss"] and saved["parameters"] > 0
    assert (out / "metrics.csv").read_text().splitlines()[0] == "iter,train_loss,val_loss"
    assert len((out / "steps.csv").read_text().splitlines()) == 41
    assert (out / "loss.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "sample.txt").read_text().startswith("\n")
    state = vt.load(checkpoint)
    assert state["iter"] == metrics["saved_iter"] and state["best_val_loss"] == min(
        metrics["val_loss"][1:]
    )
    assert state["tokenizer"]["kind"] == "char" and state["settings"]["n_embd"] == 16
    printed = capsys.readouterr().out
    assert "iter 40: train loss" in printed and "  | " in printed  # the previews


def test_ctrl_c_then_resume_repeats_the_uninterrupted_run_bit_for_bit(
    shakespeare, tmp_path, monkeypatch, capsys
):
    whole, _, whole_checkpoint = run(tmp_path, "whole", shakespeare)
    calls, get_batch = [0], text.get_batch

    def interrupted(*args):  # the 3 + 3 evaluation batches, then 25 training batches
        calls[0] += 1
        if calls[0] == 6 + 26:
            raise KeyboardInterrupt
        return get_batch(*args)

    monkeypatch.setattr(text, "get_batch", interrupted)
    with pytest.raises(SystemExit) as stopped:
        run(tmp_path, "part", shakespeare)
    err = capsys.readouterr().err.strip()
    assert stopped.value.code == 130
    assert "interrupted (Ctrl-C) at iteration 25. The checkpoint" in err
    assert "from iteration 20 is intact: --resume continues from it" in err
    assert not (tmp_path / "part" / "metrics.json").exists()
    monkeypatch.setattr(text, "get_batch", get_batch)

    resumed, _, checkpoint = run(tmp_path, "part", shakespeare, "--resume")
    assert "resuming at iteration 20 of 40" in capsys.readouterr().out
    assert resumed["resumed_from"] == 20
    for key in ("step_loss", "step_lr", "train_loss", "val_loss", "iter"):
        assert resumed[key] == whole[key], key  # exactly equal floats
    ours, theirs = vt.load(checkpoint), vt.load(whole_checkpoint)
    assert ours["iter"] == theirs["iter"]
    for name, value in theirs["model"].items():
        np.testing.assert_array_equal(ours["model"][name].array, value.array, err_msg=name)

    with pytest.raises(SystemExit) as finished:  # nothing left to do
        run(tmp_path, "part", shakespeare, "--resume")
    assert finished.value.code == 1 and "has finished its 40 iterations" in capsys.readouterr().err


def test_resume_refuses_other_settings_and_other_text(shakespeare, tmp_path, capsys):
    _, _, checkpoint = run(tmp_path, "a", shakespeare, "--max-iters", "20")
    state = vt.load(checkpoint)
    state["iter"] = 10  # as if it had been stopped there
    vt.save(state, checkpoint)
    with pytest.raises(SystemExit) as refused:
        run(tmp_path, "a", shakespeare, "--resume", "--lr", "0.5")
    assert refused.value.code == 2
    assert "--lr 0.5 differs from its 0.01" in capsys.readouterr().err
    other = tmp_path / "other.txt"
    other.write_text(shakespeare.read_text()[::-1])
    with pytest.raises(SystemExit) as refused:
        run(tmp_path, "a", other, "--resume", "--max-iters", "20")
    assert refused.value.code == 1 and "is not the text this run trained on" in (
        capsys.readouterr().err
    )


def test_byte_pair_tokens_train_too(shakespeare, tmp_path):
    metrics, _, checkpoint = run(tmp_path, "bpe", shakespeare, "--tokenizer", "bpe",
                                 "--vocab-size", "300")  # fmt: skip
    assert metrics["val_loss"][-1] < metrics["val_loss"][0]
    assert metrics["tokenizer"].startswith("byte-pair encoding")
    assert vt.load(checkpoint)["tokenizer"]["kind"] == "bpe"


# ---- the data -------------------------------------------------------------------------------


def cache(handle, files):
    """Put a data set into the (test's) kagglehub cache the way kagglehub does."""
    parsed = parse_dataset_handle(handle)
    folder = Path(Cache().get_path(parsed))
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_text(content)
    Cache().mark_as_complete(parsed)
    return folder


def csv_cell(value):
    return '"' + value.replace('"', '""') + '"'


def test_the_kaggle_copy_is_read_from_the_cache_in_both_layouts():
    handle = "someone/shakespeare/versions/1"
    parts = ['First Citizen:\nBefore we "proceed",\n', "hear me speak.\n\n", "All:\nSpeak.\n"]
    files = {f"{split}.csv": f"text\n{csv_cell(part)}\n" for split, part in
             zip(text.KAGGLE_SPLITS, parts, strict=True)}  # fmt: skip
    cache(handle, files)
    corpus = text.load_corpus(None, handle, timeout=0.1)
    assert corpus.text == "".join(parts) and corpus.kind == "kaggle"
    assert handle in corpus.source
    cache("someone/plain/versions/2", {"input.txt": "ROMEO:\nHi.\n", "notes.txt": "x"})
    assert text.load_corpus(None, "someone/plain", timeout=0.1).text == "ROMEO:\nHi.\n"


def test_without_kaggle_the_offline_corpus_is_announced(tmp_path, capsys):
    corpus = text.load_corpus(None, "someone/absent", timeout=0.1)
    err = capsys.readouterr().err
    assert "[data] Kaggle data set 'someone/absent' is unavailable" in err
    assert "Falling back to the Python standard library's source" in err
    assert corpus.kind == "python-source" and len(corpus.text) == text.OFFLINE_CHARACTERS
    assert text.python_source().text == corpus.text  # the same text every time
    metrics = train_gpt.main([*TINY, "--max-iters", "5", "--warmup-iters", "1",
                              "--eval-interval", "5", "--out", str(tmp_path / "o"),
                              "--checkpoint", str(tmp_path / "m.safetensors")])  # fmt: skip
    assert metrics["data"].startswith("the Python standard library's source")
    assert "Falling back" in capsys.readouterr().err


# ---- bad input ------------------------------------------------------------------------------


@pytest.fixture
def bad_files(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    (tmp_path / "nul.txt").write_bytes(b"abc\x00def" * 20)
    (tmp_path / "short.txt").write_text("To be, or not to be.")
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--data", "{d}/empty.txt"], 1, r"empty\.txt is empty: expected UTF-8 text"),
        (["--data", "{d}/binary.bin"], 1, r"binary\.bin is not UTF-8 text \(byte 0 is 0x89\)"),
        (["--data", "{d}/nul.txt"], 1, r"nul\.txt looks binary \(it holds NUL bytes\)"),
        (["--data", "{d}/short.txt"], 1,
         r"the validation \(last 10%\) split of the text is 1 token, too short for "
         r"--block-size 16"),
        (["--data", "{d}/absent.txt"], 2, r"argument --data: no such file"),
        (["--tokenizer", "bpe", "--vocab-size", "200"], 2,
         r"--vocab-size 200 is below 256: a byte-level BPE vocabulary starts"),
        (["--vocab-size", "300"], 2, r"--vocab-size is for --tokenizer bpe"),
        (["--n-head", "3"], 2, r"--n-head 3 must divide --n-embd 16"),
        (["--warmup-iters", "40"], 2, r"--warmup-iters 40 must be below --max-iters 40"),
        (["--min-lr", "1"], 2, r"--min-lr 1 is above --lr 0\.01"),
        (["--dropout", "1"], 2, r"argument --dropout: must be at least 0 and below 1"),
        (["--kaggle-handle", "nope"], 2, r"argument --kaggle-handle: expected 'owner/name'"),
        (["--resume", "--checkpoint", "{d}/none.safetensors"], 2,
         r"--resume: no checkpoint at .*none\.safetensors"),
        (["--resume", "--checkpoint", "{d}/short.txt"], 1,
         r"short\.txt is not a safetensors file|short\.txt"),
        (["--data", "{shakespeare}", "--lr", "1e30"], 1,
         r"training stopped: the (training|train|val) loss is (nan|inf) at iteration \d+; .*"
         r"try a smaller --lr than 1e\+30\. No checkpoint was written"),
    ],
)  # fmt: skip
def test_bad_input_gets_one_line(argv, code, message, bad_files, tmp_path, capsys, request):
    import re

    names = {"d": str(bad_files), "shakespeare": str(CORPUS)}
    if "{shakespeare}" in argv and not CORPUS.exists():
        pytest.skip("the shared corpus is absent")
    argv = [a.format(**names) for a in argv]
    if "--data" not in argv:
        argv = [*argv, "--data", str(bad_files / "short.txt")]
    if "--checkpoint" not in argv:
        argv = [*argv, "--checkpoint", str(tmp_path / "models" / "m.safetensors")]
    with pytest.raises(SystemExit) as exit_info:
        train_gpt.main([*TINY, *argv, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "error:" in line]
    assert exit_info.value.code == code, err
    assert len(lines) == 1 and re.search(message, lines[0]), err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "models" / "m.safetensors").exists()


# ---- sampling -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(shakespeare, tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    argv = ["--data", str(shakespeare), *TINY, "--max-iters", "20", "--out", str(folder / "out")]
    train_gpt.main([*argv, "--checkpoint", str(folder / "gpt.safetensors")])
    return folder / "gpt.safetensors"


class Recorder(io.StringIO):
    def __init__(self):
        super().__init__()
        self.writes, self.flushes = [], 0

    def write(self, piece):
        self.writes.append(piece)
        return super().write(piece)

    def flush(self):
        self.flushes += 1


def test_sample_streams_token_by_token_and_repeats_with_its_seed(trained, monkeypatch, capsys):
    argv = ["--checkpoint", str(trained), "--prompt", "All:", "--tokens", "30", "--seed", "1"]
    recorder = Recorder()
    monkeypatch.setattr("sys.stdout", recorder)
    written = sample.main(argv)
    assert recorder.writes[0] == "All:" and len(recorder.writes) == 1 + 30 + 1
    assert recorder.flushes >= 31 and len(written) == 30
    assert recorder.getvalue() == "All:" + written + "\n"
    monkeypatch.undo()
    assert sample.main(argv) == written  # the same seed, the same text
    assert sample.main([*argv[:-1], "2"]) != written


def test_sample_refuses_what_it_cannot_encode_and_missing_files(trained, tmp_path, capsys):
    for argv, code, message in [
        (["--prompt", "Café"], 2, "--prompt holds 1 character(s) this model's vocabulary never "
                                  "saw: 'é'"),
        (["--prompt", ""], 2, "--prompt is empty"),
        (["--checkpoint", str(tmp_path / "none.safetensors")], 2,
         "argument --checkpoint: no such file"),
        (["--temperature", "0"], 2, "argument --temperature: must be a positive finite"),
    ]:  # fmt: skip
        if "--checkpoint" not in argv:
            argv = [*argv, "--checkpoint", str(trained)]
        with pytest.raises(SystemExit) as exit_info:
            sample.main(argv)
        err = capsys.readouterr().err
        assert exit_info.value.code == code and message in err and err.count("\n") == 1, err
    not_ours = tmp_path / "weights.safetensors"
    vt.save({"w": vt.zeros(2)}, not_ours)
    with pytest.raises(SystemExit) as exit_info:
        sample.main(["--checkpoint", str(not_ours)])
    assert exit_info.value.code == 1
    assert "is not a checkpoint written by v3_nn.train_gpt" in capsys.readouterr().err


def test_a_character_split_across_byte_tokens_prints_whole():
    """'é' is two bytes; drawn as two byte tokens it must print once, whole, at the second."""
    from v3_nn.bpe import BytePairTokenizer

    class Model:
        def generate(self, idx, n, **options):
            yield from [0xC3, 0xA9, ord("!")]

    tokenizer = BytePairTokenizer([])
    args = type("Args", (), {"tokens": 3, "temperature": 1.0, "top_k": None, "seed": 0})
    recorder = Recorder()
    written = sample.stream(Model(), tokenizer, tokenizer.encode("caf"), args, recorder)
    assert written == "é!" and recorder.writes == ["caf", "é", "!", "\n"]
