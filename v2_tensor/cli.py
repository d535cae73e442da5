"""What every v2_tensor script is built on: one way to parse, check, write and fail.

v1_scalar/cli.py and v3_nn/cli.py are this file's twins: the stages import nothing of
each other, so each keeps its own copy of these few helpers.

    parser = cli.parser("train", "python -m v2_tensor.train", __doc__)
    parser.add_argument("--lr", type=cli.positive_float, default=0.1, help="learning rate")

    @cli.script("train")  # one-line errors: exit 2 for usage, 1 for data, 130 for Ctrl-C
    def main(argv=None):
        args = parser.parse_args(argv)
        with cli.Run() as run:  # preflight, a lock on the folder, all files written at the end
            out = run.folder(args.out, "--out")
            ...  # train; cli.check_finite(loss, ...) stops at the first NaN or inf
            run.json(out / "metrics.json", metrics)
            run.commit()

Nothing here imports more than the standard library, so `--help` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import io
import json
import math
import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

DATA, USAGE, INTERRUPTED, BROKEN_PIPE = 1, 2, 130, 141  # exit codes
MAX_SEED = 2**32 - 1
FLOAT_WARNINGS = r"(overflow|invalid value|divide by zero|underflow) encountered"


class ScriptError(ValueError):
    """A problem reported in one line; code 2 for usage (a flag), 1 for data and files."""

    def __init__(self, message: str, code: int = DATA) -> None:
        super().__init__(message)
        self.code = code


def usage_error(message: str) -> ScriptError:
    return ScriptError(message, USAGE)


def fail(name: str, message: str, code: int) -> NoReturn:
    print(f"{name}: error: {' '.join(message.split())}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def script(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a script's main(argv): its errors, Ctrl-C and a closed pipe become one line."""

    def decorate(main: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(main)
        def run(argv: list[str] | None = None) -> Any:
            try:
                with warnings.catch_warnings():
                    # NumPy's floating-point warnings: check_finite reports the first NaN/inf
                    warnings.filterwarnings("ignore", FLOAT_WARNINGS, RuntimeWarning)
                    result = main(argv)
                sys.stdout.flush()  # here, where a closed pipe is still caught
                return result
            except ScriptError as error:
                fail(name, str(error), error.code)
            except KeyboardInterrupt:
                fail(name, f"interrupted (Ctrl-C). {NOTHING_WRITTEN}", INTERRUPTED)
            except BrokenPipeError:  # `... | head` stopped reading: stop quietly, as Unix tools do
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise SystemExit(BROKEN_PIPE) from None

        return run

    return decorate


NOTHING_WRITTEN = (
    "Nothing was written: a run writes its files only at its end, so the previous ones are intact."
)


# --- parsing -------------------------------------------------------------------------------


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default (unless the help text already gives it)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default is argparse.SUPPRESS or "default" in text or not action.option_strings:
            return text
        if isinstance(action, argparse._StoreTrueAction):
            shown = "off"
        elif action.default is None:
            return text
        elif isinstance(action.default, list | tuple):
            shown = " ".join(map(str, action.default))
        else:
            shown = str(action.default)
        return f"{text} (default: {shown.replace('%', '%%')})"


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line, naming the script and the flag, exit code 2."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = name

    def error(self, message: str) -> NoReturn:
        fail(self.name, f"{message} (--help lists the options)", USAGE)


def parser(name: str, prog: str, doc: str | None) -> Parser:
    """A parser whose description is doc's first paragraph and epilog the rest."""
    summary, _, details = (doc or "").strip().partition("\n\n")
    return Parser(
        name, prog=prog, description=summary, epilog=details or None, formatter_class=_Formatter
    )


def _number(text: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def positive_int(text: str) -> int:
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seed(text: str) -> int:
    value = _number(text, int)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to {MAX_SEED}, got {value}"
        )
    return value


def positive_float(text: str) -> float:
    value = _number(text, float)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def nonnegative_float(text: str) -> float:
    value = _number(text, float)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def probability(text: str) -> float:
    value = _number(text, float)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be strictly between 0 and 1, got {text!r}")
    return value


def existing_file(text: str) -> Path:
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text} cannot be read (permission denied)")
    return path


def existing_folder(text: str) -> Path:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such folder: {text}")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return path


def file_with_suffix(*suffixes: str) -> Callable[[str], Path]:
    """A path to write (checked for writing in preflight) that must end in one of suffixes."""

    def check(text: str) -> Path:
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"{text} must end in {', '.join(suffixes)}")
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
        return path

    check.__name__ = "file"
    return check


# --- reading CSV ---------------------------------------------------------------------------


def read_csv(path: Path, flag: str = "--data") -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's names and the rows of a CSV file, each with its line number (header: 1).

    Values are stripped; blank lines (not lines of empty values) are skipped; one empty
    value after a trailing comma is dropped. An empty or header-only file, a ragged row or
    a file that is not UTF-8 text is a ScriptError naming the file and the line.
    """
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file, skipinitialspace=True, strict=True)
            try:
                for fields in reader:
                    fields = [field.strip() for field in fields]
                    if fields in ([], [""]):
                        continue  # a blank line
                    if header is None:
                        header = fields[:-1] if len(fields) > 1 and not fields[-1] else fields
                    else:
                        rows.append((reader.line_num, fields))
            except csv.Error as error:
                raise ScriptError(
                    f"{path}, line {reader.line_num}: not valid CSV ({error})"
                ) from None
    except IsADirectoryError:
        raise usage_error(f"{flag} {path} is a folder, not a CSV file") from None
    except FileNotFoundError:
        raise usage_error(f"{flag}: no such file: {path}") from None
    except UnicodeDecodeError as error:
        raise ScriptError(f"{path} is not a UTF-8 text CSV file (byte {error.start})") from None
    except OSError as error:
        raise ScriptError(f"{path} cannot be read: {error.strerror}") from None
    if header is None:
        raise ScriptError(f"{path} is empty: expected a header line and rows of values")
    if not rows:
        raise ScriptError(f"{path} has a header line but no data rows")
    for i, name in enumerate(header):
        if not name:
            raise ScriptError(f"{path}, line 1: column {i + 1} of the header has no name")
        if name in header[:i]:
            raise ScriptError(f"{path}, line 1: the column name {name!r} appears twice")
    checked = []
    for line, fields in rows:
        if len(fields) == len(header) + 1 and not fields[-1]:
            fields = fields[:-1]  # a trailing comma
        if len(fields) != len(header):
            count = len(fields) - (len(fields) > 1 and not fields[-1])
            raise ScriptError(
                f"{path}, line {line}: {count} values for the header's {len(header)} columns"
            )
        checked.append((line, fields))
    return header, checked


def to_number(text: str, path: Path, line: int, column: str) -> float:
    """A CSV cell as a finite float; otherwise a ScriptError naming file, line and column."""
    try:
        value = float(text)
    except ValueError:
        raise ScriptError(
            f"{path}, line {line}, column {column!r}: {text!r} is not a number"
        ) from None
    if not math.isfinite(value):
        raise ScriptError(
            f"{path}, line {line}, column {column!r}: {text!r} is not a finite number"
        )
    return value


def read_numbers(path: Path, flag: str = "--data") -> dict[str, list[float]]:
    """Every column of a CSV file of numbers, by name, in file order."""
    header, rows = read_csv(path, flag)
    columns: dict[str, list[float]] = {name: [] for name in header}
    for line, fields in rows:
        for name, text in zip(header, fields, strict=True):
            columns[name].append(to_number(text, path, line, name))
    return columns


# --- stopping at the first NaN -------------------------------------------------------------


def check_finite(
    value: float,
    what: str,
    where: str,
    lr_flag: str,
    data_finite: Callable[[], bool] = lambda: True,
) -> None:
    """Stop training (exit 1) if value is NaN or inf, saying whether the data or --lr is why."""
    if math.isfinite(value):
        return
    if not data_finite():
        cause = "the training data hold NaN or inf values; clean them"
    else:
        cause = f"the data are finite, so the learning rate is too large: try a smaller {lr_flag}"
    raise ScriptError(
        f"training stopped: the {what} is {value} at {where}; {cause}. {NOTHING_WRITTEN}"
    )


# --- one run's outputs ---------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Plain JSON values: NumPy scalars and arrays as numbers and lists, NaN and inf as null."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # NumPy arrays and scalars, without importing NumPy
        return _jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def json_text(value: Any) -> str:
    """Strict JSON (no NaN or Infinity tokens, which JSON does not have), indented."""
    return json.dumps(_jsonable(value), indent=2, allow_nan=False) + "\n"


def csv_text(header: list[str], rows: Any) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_jsonable(list(row)) for row in rows])
    return buffer.getvalue()


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend: scripts write PNG files and never open windows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


class Run:
    """One run's hold on its outputs.

    `folder` and `file` are the preflight: each output place is created if needed, proven
    writable with a probe file, and locked against a second run at the same time. The
    `json`, `csv`, `text`, `figure` and `action` calls only collect; `commit` writes them
    all at the end, each file atomically, with Ctrl-C held back until the last is in place.
    On an error, folders this run created and left empty are removed again.
    """

    def __init__(self) -> None:
        self._locks: list[Path] = []
        self._created: list[Path] = []
        self._files: list[tuple[Path, bytes]] = []
        self._actions: list[tuple[Path, Callable[[Path], Any]]] = []

    def __enter__(self) -> Run:
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        for lock in self._locks:
            lock.unlink(missing_ok=True)
        if kind is not None:
            for folder in reversed(self._created):
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if empty

    def folder(self, path: Path, flag: str = "--out", lock: bool = True) -> Path:
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise usage_error(f"{flag} {path} is a file, not a folder")
        missing = [p for p in [path, *path.parents] if not p.exists()]
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._created += reversed(missing)
            probe = path / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise usage_error(f"{flag} {path} cannot be written: {error.strerror}") from None
        if lock:
            self._lock(path / "run.lock", flag, path)
        return path

    def file(self, path: Path, flag: str) -> Path:
        path = Path(path)
        if path.is_dir():
            raise usage_error(f"{flag} {path} is a folder, not a file")
        self.folder(path.parent, flag, lock=False)
        if path.exists() and not os.access(path, os.W_OK):
            raise usage_error(f"{flag} {path} cannot be replaced (permission denied)")
        self._lock(path.with_name(path.name + ".lock"), flag, path)
        return path

    def _lock(self, lock: Path, flag: str, place: Path) -> None:
        command = " ".join([Path(sys.orig_argv[0]).name, *sys.orig_argv[1:]])  # python -m ...
        me = {"pid": os.getpid(), "host": socket.gethostname(), "command": command}
        me["started"] = time.strftime("%Y-%m-%d %H:%M:%S")
        for _ in range(2):
            try:
                descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = _read_lock(lock)
                if owner is not None and _alive(owner):
                    raise ScriptError(
                        f"{flag} {place} is in use by another run: process {owner['pid']} "
                        f"({owner.get('command', '?')}), started {owner.get('started', '?')}; "
                        f"wait for it to finish or pass another {flag} (its lock: {lock})"
                    ) from None
                who = f"process {owner['pid']}" if owner else "an unreadable owner"
                print(
                    f"[run] taking over {lock}, left by {who} that is no longer running",
                    file=sys.stderr,
                )
                lock.unlink(missing_ok=True)
                if owner:  # the files that run had begun to write and never renamed into place
                    for leftover in lock.parent.glob(f".*.{owner['pid']}.tmp"):
                        leftover.unlink(missing_ok=True)
                continue
            with os.fdopen(descriptor, "w") as file:
                json.dump(me, file)
            self._locks.append(lock)
            return
        raise ScriptError(f"{flag} {place}: could not take the lock {lock}")

    def data(self, path: Path, content: bytes) -> None:
        self._files.append((Path(path), content))

    def text(self, path: Path, text: str) -> None:
        self.data(path, text.encode())

    def json(self, path: Path, value: Any) -> None:
        self.text(path, json_text(value))

    def csv(self, path: Path, header: list[str], rows: Any) -> None:
        self.text(path, csv_text(header, rows))

    def figure(self, path: Path, figure: Any, dpi: int = 120) -> None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi)
        pyplot().close(figure)
        self.data(path, buffer.getvalue())

    def action(self, path: Path, write: Callable[[Path], Any]) -> None:
        """A writer that makes its own file at commit (a checkpoint, a Graphviz picture)."""
        self._actions.append((Path(path), write))

    def commit(self) -> list[Path]:
        """Write everything collected; returns the paths written."""
        written, staged = [], []
        with _sigint_held() as interrupted:
            try:
                for path, data in self._files:
                    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                    with open(temporary, "wb") as file:
                        staged.append((temporary, path))
                        file.write(data)
                        file.flush()
                        os.fsync(file.fileno())
                for path, write in self._actions:
                    result = write(path)
                    written.append(Path(result) if isinstance(result, str | Path) else path)
                for temporary, path in staged:
                    os.replace(temporary, path)
                    written.append(path)
            except BaseException as error:
                for temporary, _ in staged:
                    temporary.unlink(missing_ok=True)
                if isinstance(error, OSError):
                    message = f"could not write {error.filename}: {error.strerror}"
                    raise ScriptError(message) from None
                raise
        if interrupted:
            raise ScriptError(
                "interrupted (Ctrl-C) while writing; the files were finished first", INTERRUPTED
            )
        return written


def _read_lock(lock: Path) -> dict[str, Any] | None:
    try:
        owner = json.loads(lock.read_text())
        return owner if isinstance(owner, dict) and isinstance(owner.get("pid"), int) else None
    except (OSError, ValueError):
        return None


def _alive(owner: dict[str, Any]) -> bool:
    if owner.get("host") != socket.gethostname():
        return True  # another machine's process: it cannot be checked from here
    try:
        os.kill(owner["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):  # Linux: a killed, unreaped process
        return Path(f"/proc/{owner['pid']}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


@contextlib.contextmanager
def _sigint_held() -> Iterator[list[int]]:
    """Hold Ctrl-C back while files are written; the list says whether one came."""
    hits: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield hits
        return
    previous = signal.signal(signal.SIGINT, lambda number, frame: hits.append(number))
    try:
        yield hits
    finally:
        signal.signal(signal.SIGINT, previous)
