"""The script helpers of each stage (v1_scalar.cli, v2_tensor.cli, v3_nn.cli): types, CSV,
strict JSON, one-line errors, preflight, the run lock and the all-at-the-end commit."""

import argparse
import ast
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import v1_scalar.cli
import v2_tensor.cli
import v3_nn.cli

CLIS = [v1_scalar.cli, v2_tensor.cli, v3_nn.cli]
ROOT = Path(__file__).resolve().parents[1]


def test_the_three_twins_differ_only_in_their_docstring():
    """The stages import nothing of each other, so the helpers are copied: keep them equal."""
    bodies = []
    for module in CLIS:
        tree = ast.parse(Path(module.__file__).read_text())
        tree.body = tree.body[1:]  # the module docstring
        bodies.append(ast.dump(tree))
    assert bodies[0] == bodies[1] == bodies[2]


@pytest.fixture(params=CLIS, ids=["v1", "v2", "v3"])
def cli(request):
    return request.param


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("positive_int", "0", "must be at least 1, got 0"),
        ("positive_int", "2.5", "expected a whole number, got '2.5'"),
        ("positive_float", "nan", "must be a positive finite number, got 'nan'"),
        ("positive_float", "inf", "must be a positive finite number, got 'inf'"),
        ("positive_float", "0", "must be a positive finite number, got '0'"),
        ("positive_float", "-1", "must be a positive finite number, got '-1'"),
        ("positive_float", "fast", "expected a number, got 'fast'"),
        ("nonnegative_float", "-0.1", "must be a finite number >= 0, got '-0.1'"),
        ("probability", "1", "strictly between 0 and 1, got '1'"),
        ("probability", "nan", "strictly between 0 and 1, got 'nan'"),
        ("seed", "-1", "must be a whole number from 0 to 4294967295, got -1"),
    ],
)
def test_argument_types_refuse_with_the_reason(cli, kind, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        getattr(cli, kind)(text)


def test_argument_types_accept_and_convert(cli, tmp_path):
    assert cli.positive_int("3") == 3 and cli.positive_float("1e-3") == 1e-3
    assert cli.probability("0.25") == 0.25 and cli.seed("0") == 0
    (tmp_path / "f.csv").write_text("a\n1\n")
    assert cli.existing_file(str(tmp_path / "f.csv")) == tmp_path / "f.csv"
    with pytest.raises(argparse.ArgumentTypeError, match="is a folder, not a file"):
        cli.existing_file(str(tmp_path))
    with pytest.raises(argparse.ArgumentTypeError, match="no such file"):
        cli.existing_file(str(tmp_path / "absent.csv"))
    with pytest.raises(argparse.ArgumentTypeError, match="is a file, not a folder"):
        cli.existing_folder(str(tmp_path / "f.csv"))
    with pytest.raises(argparse.ArgumentTypeError, match=r"must end in \.svg, \.png"):
        cli.file_with_suffix(".svg", ".png")(str(tmp_path / "g.jpg"))


def test_parser_errors_are_one_line_with_exit_code_2_and_help_shows_every_default(cli, capsys):
    parser = cli.parser("demo", "python -m demo", "Demo.\n\nMore text.")
    parser.add_argument("--lr", type=cli.positive_float, default=0.1, help="learning rate")
    parser.add_argument("--hidden", type=int, nargs="+", default=[4, 2], help="widths")
    parser.add_argument("--quiet", action="store_true", help="no bar")
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["--lr", "nan"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err == (
        "demo: error: argument --lr: must be a positive finite number, got 'nan' "
        "(--help lists the options)\n"
    )
    text = parser.format_help()
    assert "(default: 0.1)" in text and "(default: 4 2)" in text and "(default: off)" in text
    assert "More text." in text


def test_read_csv_names_file_line_and_column(cli, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a, b,\n1, 2,\n\n3, x,\n")
    header, rows = cli.read_csv(path)
    assert header == ["a", "b"] and rows == [(2, ["1", "2"]), (4, ["3", "x"])]
    with pytest.raises(cli.ScriptError, match=r"t\.csv, line 4, column 'b': 'x' is not a number"):
        cli.read_numbers(path)
    cases = {
        "": "is empty",
        "a,b\n": "has a header line but no data rows",
        "a,b\n1,2,3\n": "line 2: 3 values for the header's 2 columns",
        "a,a\n1,2\n": "the column name 'a' appears twice",
        "a,,b\n1,2,3\n": "column 2 of the header has no name",
        "a\n1e999\n": "line 2, column 'a': '1e999' is not a finite number",
        'a\n"1\n': "line 2: not valid CSV",
    }
    for content, message in cases.items():
        path.write_text(content)
        with pytest.raises(cli.ScriptError, match=message):
            cli.read_numbers(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(cli.ScriptError, match="not a UTF-8 text CSV file"):
        cli.read_csv(path)
    with pytest.raises(cli.ScriptError, match="is a folder, not a CSV file") as error:
        cli.read_csv(tmp_path)
    assert error.value.code == 2


def test_json_is_strict_and_takes_numpy(cli):
    text = cli.json_text({"a": np.float32(1.5), "b": np.arange(2), "c": math.nan, "d": [math.inf]})
    assert json.loads(text) == {"a": 1.5, "b": [0, 1], "c": None, "d": [None]}
    assert "NaN" not in text and "Infinity" not in text


def test_check_finite_names_the_cause(cli):
    cli.check_finite(1.0, "loss", "epoch 1", "--lr")
    with pytest.raises(cli.ScriptError, match=r"the loss is nan at epoch 3; the data are finite"):
        cli.check_finite(math.nan, "loss", "epoch 3", "--lr")
    with pytest.raises(cli.ScriptError, match="the training data hold NaN or inf values") as error:
        cli.check_finite(math.inf, "loss", "epoch 3", "--lr", data_finite=lambda: False)
    assert error.value.code == 1


def test_script_turns_errors_into_one_line_and_exit_codes(cli, capsys):
    def boom(argv):
        raise {"data": cli.ScriptError("bad\ncell"), "ctrl-c": KeyboardInterrupt()}[argv[0]]

    main = cli.script("demo")(boom)
    for argv, code, message in [
        (["data"], 1, "demo: error: bad cell\n"),
        (["ctrl-c"], 130, "demo: error: interrupted (Ctrl-C). Nothing was written"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == code and capsys.readouterr().err.startswith(message)


def test_run_preflight_probes_and_cleans_up_what_it_created(cli, tmp_path):
    (tmp_path / "file").write_text("x")
    with cli.Run() as run, pytest.raises(cli.ScriptError, match="is a file, not a folder"):
        run.folder(tmp_path / "file", "--out")
    with cli.Run() as run, pytest.raises(cli.ScriptError, match="cannot be written") as error:
        run.folder(tmp_path / "file" / "below", "--out")
    assert error.value.code == 2
    with pytest.raises(RuntimeError), cli.Run() as run:
        run.folder(tmp_path / "new" / "deeper", "--out")
        run.file(tmp_path / "models" / "m.npz", "--checkpoint")
        assert (tmp_path / "new" / "deeper" / "run.lock").exists()
        raise RuntimeError("training failed")
    assert sorted(os.listdir(tmp_path)) == ["file"]  # the folders it made are gone again


def test_run_commit_writes_everything_at_once(cli, tmp_path):
    with cli.Run() as run:
        out = run.folder(tmp_path / "o")
        run.json(out / "m.json", {"x": 1})
        run.csv(out / "m.csv", ["a", "b"], [(1, 2.5)])
        run.action(out / "ckpt.bin", lambda path: path.write_bytes(b"weights"))
        assert os.listdir(out) == ["run.lock"]  # nothing yet
        written = run.commit()
    assert sorted(p.name for p in written) == ["ckpt.bin", "m.csv", "m.json"]
    assert (out / "m.csv").read_text() == "a,b\n1,2.5\n"
    assert sorted(os.listdir(out)) == ["ckpt.bin", "m.csv", "m.json"]  # lock released


def test_a_failed_commit_leaves_the_old_files(cli, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "m.json").write_text("old")

    def fail(path):
        raise OSError(28, "No space left on device", str(path))

    with cli.Run() as run, pytest.raises(cli.ScriptError, match="No space left on device"):
        run.folder(out)
        run.json(out / "m.json", {"new": 1})
        run.action(out / "ckpt.bin", fail)
        run.commit()
    assert sorted(os.listdir(out)) == ["m.json"] and (out / "m.json").read_text() == "old"


def test_the_lock_refuses_a_live_run_and_takes_over_a_dead_ones(cli, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    lock = out / "run.lock"
    live = {"pid": os.getpid(), "host": os.uname().nodename, "command": "python -m x --out o"}
    live["started"] = "2026-01-01 00:00:00"
    lock.write_text(json.dumps(live))
    with cli.Run() as run, pytest.raises(cli.ScriptError) as error:
        run.folder(out, "--out")
    assert f"in use by another run: process {os.getpid()} (python -m x --out o)" in str(error.value)
    assert lock.exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    lock.write_text(json.dumps({**live, "pid": int(dead.stdout)}))
    with cli.Run() as run:
        run.folder(out, "--out")
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert f"taking over {lock}, left by process {int(dead.stdout)}" in capsys.readouterr().err
    assert not lock.exists()
    lock.write_text("")  # a run killed between creating its lock and writing it
    with cli.Run() as run:
        run.folder(out, "--out")
    assert "an unreadable owner" in capsys.readouterr().err


def test_ctrl_c_during_the_writes_is_held_until_they_are_done(cli, tmp_path):
    import signal

    def interrupted_save(path):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the checkpoint is being saved
        path.write_bytes(b"weights")

    with cli.Run() as run, pytest.raises(cli.ScriptError, match="the files were finished") as error:
        out = run.folder(tmp_path / "o")
        run.action(out / "ckpt.bin", interrupted_save)
        run.json(out / "m.json", {"x": 1})
        run.commit()
    assert error.value.code == 130
    assert sorted(os.listdir(out)) == ["ckpt.bin", "m.json"]  # all of them, none half-written
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
