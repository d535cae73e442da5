"""The READMEs are tests: every ```python block in them runs under `uv run pytest`.

pytest-markdown-docs (`--markdown-docs`, set in pyproject.toml) collects the blocks; this file
uses its extension points to make them check what the README says:

- A ```python block followed directly by a plain ``` block prints that block: its standard
  output is captured and compared with it. Numbers are compared to a relative 1e-6 (text,
  line for line, with runs of spaces counted as one); the block's info string may declare
  its own tolerance for figures that depend on rounding (```python rtol:1e-3 or atol:1e-12),
  and a line holding only `...` in the shown output stands for any number of lines.
- Every block runs in a fresh empty folder, so files it writes go nowhere else.
- Only the project's own README.md files are collected (not Python docstrings, nor Markdown
  under shared/, output/, data/ or a virtual environment).
- ```python notest marks a sketch that is not meant to run (it says why in its first line);
  ```python continuation runs on from the blocks before it (the plugin's own options).

BLAS is pinned to one thread before NumPy or torch is imported (see tests/conftest.py): the
READMEs' printed figures are made that way, and small matrices gain nothing from a second
thread.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import contextlib  # noqa: E402
import difflib  # noqa: E402
import io  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import cache  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from pytest_markdown_docs._runners import DefaultRunner, register_runner  # noqa: E402
from pytest_markdown_docs.plugin import (  # noqa: E402
    MarkdownDocstringCodeModule,
    MarkdownInlinePythonItem,
    MarkdownTextFile,
)

ROOT = Path(__file__).resolve().parent
NOT_THE_PROJECTS = {"shared", "output", "data", "models", "node_modules", "venv"}
RTOL = 1e-6
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b")


def is_project_readme(path: Path) -> bool:
    """A README.md of this repository, not one under shared data, outputs or a venv."""
    try:
        parts = path.resolve().relative_to(ROOT).parts
    except ValueError:
        return False
    folders = parts[:-1]
    return path.name == "README.md" and not any(
        part in NOT_THE_PROJECTS or part.startswith(".") for part in folders
    )


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> list:
    """Keep the plugin to the project's READMEs: with --markdown-docs it would also import
    every .py file to search its docstrings, and collect any Markdown file it is given."""
    collectors = yield
    return [
        collector
        for collector in collectors
        if not isinstance(collector, MarkdownDocstringCodeModule)
        and not (isinstance(collector, MarkdownTextFile) and not is_project_readme(collector.path))
    ]


@pytest.fixture(autouse=True)
def _readme_block_runs_in_a_fresh_folder(request: pytest.FixtureRequest) -> None:
    if isinstance(request.node, MarkdownInlinePythonItem):
        request.getfixturevalue("monkeypatch").chdir(request.getfixturevalue("tmp_path"))


# --- the blocks of a README and their shown output -------------------------------------------


@dataclass(frozen=True)
class Block:
    start_line: int  # as the plugin counts it: the line of the opening fence, from 1
    options: frozenset[str]
    content: str
    output: str | None  # the plain block right after it, if any

    def tolerance(self, name: str, default: float) -> float:
        values = [option.split(":", 1)[1] for option in self.options if option.startswith(name)]
        return float(values[0]) if values else default


@cache
def python_blocks(path: Path) -> dict[int, Block]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(path.read_text(encoding="utf8"))
    blocks = {}
    for i, token in enumerate(tokens):
        info = token.info.split()
        if token.type != "fence" or not info or info[0] not in ("python", "py", "python3"):
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        shown = after is not None and after.type == "fence" and not after.info.strip()
        start = token.map[0] + 1
        output = after.content if shown else None
        blocks[start] = Block(start, frozenset(info[1:]), token.content, output)
    return blocks


def _normalise(line: str) -> tuple[list[str], list[str]]:
    """A line as its text between numbers (spaces collapsed) and its numbers."""
    line = " ".join(line.split())
    return NUMBER.split(line), NUMBER.findall(line)


def _same_line(got: str, shown: str, rtol: float, atol: float) -> bool:
    got_text, got_numbers = _normalise(got)
    shown_text, shown_numbers = _normalise(shown)
    if got_text != shown_text or len(got_numbers) != len(shown_numbers):
        return False
    for a, b in zip(got_numbers, shown_numbers, strict=True):
        x, y = float(a), float(b)
        close = x == y or math.isclose(x, y, rel_tol=rtol, abs_tol=atol)
        if not close and not (math.isnan(x) and math.isnan(y)):
            return False
    return True


def output_matches(got: str, shown: str, rtol: float = RTOL, atol: float = 0.0) -> bool:
    """Whether printed output is what the README shows: line for line, numbers to a tolerance,
    a shown line of only `...` standing for any lines."""
    got_lines = [line.rstrip() for line in got.strip("\n").splitlines()]
    shown_lines = [line.rstrip() for line in shown.strip("\n").splitlines()]

    @cache
    def match(i: int, j: int) -> bool:
        if j == len(shown_lines):
            return i == len(got_lines)
        if shown_lines[j].strip() == "...":
            return any(match(k, j + 1) for k in range(i, len(got_lines) + 1))
        return (
            i < len(got_lines)
            and _same_line(got_lines[i], shown_lines[j], rtol, atol)
            and match(i + 1, j + 1)
        )

    return match(0, 0)


@register_runner(default=True)
class ReadmeRunner(DefaultRunner):
    """The plugin's runner, with the block's printed output compared with the README's."""

    def runtest(self, test, args, *, asyncio_runner=None) -> None:  # noqa: ANN001
        block = python_blocks(Path(test.source_path))[test.start_line]
        path = str(test.source_path)
        before = test.source[: len(test.source) - len(block.content)]
        if before.strip():  # `continuation`: the blocks before it run first, quietly
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(before, path, "exec", dont_inherit=True), args)
        printed = io.StringIO()
        code = compile("\n" * test.start_line + block.content, path, "exec", dont_inherit=True)
        with contextlib.redirect_stdout(printed):
            exec(code, args)
        got = printed.getvalue()
        if block.output is None:
            return
        rtol, atol = block.tolerance("rtol:", RTOL), block.tolerance("atol:", 0.0)
        if not output_matches(got, block.output, rtol, atol):
            diff = difflib.unified_diff(
                block.output.strip("\n").splitlines(),
                got.strip("\n").splitlines(),
                "shown in the README",
                "printed",
                lineterm="",
            )
            raise AssertionError(
                f"the block printed something else than the README shows "
                f"(numbers to rtol={rtol:g}, atol={atol:g}):\n" + "\n".join(diff)
            )
