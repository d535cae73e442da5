"""The READMEs' commands, flags, outputs, figures and printed results are the scripts' own.

The ```python blocks run as tests of their own (conftest.py at the root). Here:

- every command in a shell block or in inline code (`uv run python -m X ...`, a benchmark,
  `uv run pytest PATHS`) names a script or file that exists, with flags its parser has;
- a paragraph under `<!-- flags: MODULE ... -->` lists flags the script has, with its
  defaults where it gives them in brackets, and all of a script's flags are named somewhere;
  every script takes --seed;
- every script the READMEs name runs on tiny settings (the entries of benchmarks/figures.py,
  which make the READMEs' figures on the full settings), writes the files the README says
  it writes, and prints text of the form the README shows between its figure markers;
- every image of a README is one figure entry's copy, and every marker belongs to an entry.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import glob
import importlib
import importlib.util
import io
import os
import re
import shlex
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
STAGES = tuple(  # the packages the project ships: a new stage is found as it is added
    tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"][
        "wheel"
    ]["packages"]
)
SKIP_FOLDERS = {"shared", "output", "data", "models", "node_modules", "venv", "__pycache__"}
SHELL = {"bash", "sh", "shell", "console"}
OUTPUT_FILE = re.compile(r"^[\w./{}<>-]+\.(json|csv|png|svg|pdf|npz|txt)$")
IMAGE = re.compile(r"!?\[[^\]]*\]\(((?:\.\./)*(?:\w+/)*figures/[^)\s]+)\)")  # images, figure links
FLAG = re.compile(r"(?<![\w-])--[a-z][\w-]*")
ALSO_RUN = {"v1_scalar.create_data": [("-m", "v1_scalar.create_data", "--rows", "20")]}


def project_readmes() -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [
            name for name in subfolders if name not in SKIP_FOLDERS and not name.startswith(".")
        ]
        found += [Path(folder) / name for name in files if name == "README.md"]
    return sorted(found)


READMES = project_readmes()
IDS = [str(path.relative_to(ROOT)) for path in READMES]


@cache
def tokens(path: Path) -> list:
    return MarkdownIt("commonmark").enable("table").parse(path.read_text())


def figures_module():
    spec = importlib.util.spec_from_file_location("figures", ROOT / "benchmarks" / "figures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("figures", module)
    spec.loader.exec_module(module)
    return module


FIGURES = figures_module()


# --- the scripts and their parsers ------------------------------------------------------------


RUNS_AS_MAIN = re.compile(r"^if __name__ == [\"']__main__[\"']:", re.MULTILINE)


def discover_scripts() -> list[str]:
    """Every module of the stages that runs as `python -m` (it has an `if __name__ ==
    "__main__":` block): the scripts. A new one is found, its parser read and its flags
    held to the READMEs without a list to update here."""
    names = []
    for stage in STAGES:
        for path in sorted((ROOT / stage).rglob("*.py")):
            if path.name != "cli.py" and RUNS_AS_MAIN.search(path.read_text()):
                names.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return names


SCRIPTS = discover_scripts()


class _Parsed(BaseException):  # not an Exception: the scripts' error handling lets it through
    def __init__(self, parser) -> None:
        self.parser = parser


@cache
def script_parser(name: str):
    """The argparse parser a script builds, caught as main() hands it the arguments: the
    scripts build their parser inside main, so it is taken there, before anything runs."""
    module = importlib.import_module(name)
    cli = importlib.import_module(f"{name.split('.')[0]}.cli")
    assert callable(getattr(module, "main", None)), f"{name} has no main(argv)"

    def caught(self, *args, **kwargs):
        raise _Parsed(self)

    originals = argparse.ArgumentParser.parse_args, argparse.ArgumentParser.parse_known_args
    argparse.ArgumentParser.parse_args = argparse.ArgumentParser.parse_known_args = caught
    try:
        module.main([])
    except _Parsed as parsed:
        assert isinstance(parsed.parser, cli.Parser), (
            f"{name} parses its flags with a plain argparse parser: build it with "
            f"{cli.__name__}.parser(...), as every script does (DESIGN.md)"
        )
        return parsed.parser
    finally:
        argparse.ArgumentParser.parse_args, argparse.ArgumentParser.parse_known_args = originals
    raise AssertionError(f"{name}.main([]) finished without parsing its arguments")


def options(name: str) -> dict[str, object]:
    """A script's option strings -> their argparse actions."""
    parser = script_parser(name)
    return {flag: action for action in parser._actions for flag in action.option_strings}


@cache
def benchmark_flags(path: Path) -> set[str]:
    """The flags a benchmark's argparse parser adds (read from its source: it imports torch)."""
    flags = {"-h", "--help"}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            flags |= {a.value for a in node.args if isinstance(a, ast.Constant)}
        uses_harness = isinstance(node, ast.Attribute) and node.attr == "parser"
        if uses_harness and getattr(node.value, "id", "") == "harness":  # the shared flags
            flags |= benchmark_flags(path.parent / "harness.py")
    return flags


def test_every_script_is_found_and_its_parser_is_caught():
    assert {"v1_scalar.train", "v2_tensor.train", "v3_nn.train_xor"} <= set(SCRIPTS)
    for name in SCRIPTS:
        flags = options(name)
        assert "--help" in flags, name
        assert "--seed" in flags, f"{name} takes no --seed (the README says every script does)"


# --- commands in the READMEs -----------------------------------------------------------------


def shell_lines(path: Path) -> list[tuple[int, str]]:
    """(line, command) for each command of the README: the lines of its shell blocks (a
    console block's `$ ` lines), and inline code that is a command or a script with flags."""
    found = []
    for token in tokens(path):
        info = token.info.split()[:1]
        if token.type == "fence" and info and info[0] in SHELL:
            # a line ending in a backslash continues on the next, as in a shell
            joined = re.sub(r"\\\n\s*", " ", token.content)
            for offset, line in enumerate(joined.splitlines(), token.map[0] + 2):
                if info[0] == "console":
                    if not line.startswith("$ "):
                        continue
                    line = line[2:]
                if line.strip() and not line.lstrip().startswith("#"):
                    found.append((offset, line))
        elif token.type == "inline":
            for child in token.children or []:
                code = child.content
                if child.type != "code_inline":
                    continue
                starts_a_script = code.split(" ", 1)[0] in SCRIPTS
                if code.startswith(("uv run ", "python -m ", "python benchmarks/")):
                    found.append((token.map[0] + 1, code))
                elif starts_a_script:
                    found.append((token.map[0] + 1, f"python -m {code}"))
    return found


def split_command(line: str) -> tuple[list[list[str]], str]:
    """The simple commands of a shell line (split at &&, ;, |) and its trailing comment."""
    start = re.search(r"(^|\s)#", line)
    comment = line[start.end() - 1 :] if start else ""
    lexer = shlex.shlex(
        line[: start.start()] if start else line, posix=True, punctuation_chars=True
    )
    lexer.whitespace_split = True
    commands, current = [], []
    for word in lexer:
        if word in ("&&", ";", "|", "||"):
            commands.append(current)
            current = []
        else:
            current.append(word)
    return [*commands, current], comment


def check_command(words: list[str], comment: str) -> tuple[list[str], str | None]:
    """Problems with one command, and the script it runs (if one of ours)."""
    if words[:2] == ["uv", "run"]:
        words = words[2:]
    if not words:
        return [], None
    problems: list[str] = []
    if words[0] in ("python", "python3") and len(words) > 2 and words[1] == "-m":
        module, args = words[2], words[3:]
        if module in SCRIPTS:
            flags = options(module)
            for i, arg in enumerate(args):
                if not arg.startswith("-"):
                    continue
                flag = arg.split("=", 1)[0]
                if flag not in flags:
                    problems.append(f"{module} has no flag {flag}")
                    continue
                choices = getattr(flags[flag], "choices", None)
                value = args[i + 1] if i + 1 < len(args) else "-"
                if choices and not value.startswith("-") and value not in choices:
                    problems.append(f"{module} {flag} takes {sorted(choices)}, not {value}")
            for flag in FLAG.findall(comment):
                if flag not in flags:
                    problems.append(f"{module} has no flag {flag} (in the comment)")
            return problems, module
        if module.split(".")[0] in STAGES:
            problems.append(f"{module} is not a script of the project")
        return problems, None
    if words[0] in ("python", "python3") and len(words) > 1 and words[1].endswith(".py"):
        path = ROOT / words[1]
        if not path.is_file():
            return [f"no file {words[1]}"], None
        unknown = [a.split("=")[0] for a in words[2:] if a.startswith("--")]
        unknown = [flag for flag in unknown if flag not in benchmark_flags(path)]
        return [f"{words[1]} has no flag {flag}" for flag in unknown], None
    if words[0] == "pytest":
        for arg in words[1:]:
            if not arg.startswith("-") and not glob.glob(str(ROOT / arg.split("::")[0])):
                problems.append(f"pytest {arg}: no such file")
    return problems, None


@pytest.mark.parametrize("readme", READMES, ids=IDS)
def test_every_command_names_a_real_script_file_and_flags(readme):
    problems = []
    for line, text in shell_lines(readme):
        commands, comment = split_command(text)
        for words in commands:
            found, _ = check_command(words, comment)
            problems += [f"line {line}: {text!r}: {problem}" for problem in found]
    assert not problems, "\n".join(problems)


def test_the_command_checks_catch_mistakes():
    """The checks above can fail: a typo in a flag, a choice or a path is reported."""
    cases = {
        "uv run python -m v1_scalar.train --epoch 3": "has no flag --epoch",
        "uv run python -m v1_scalar.train --task circles": "not circles",
        "uv run python -m v1_scalar.trian": "not a script",
        "uv run python benchmarks/bench_v9.py": "no file",
        "uv run python benchmarks/bench_v1.py --round 3": "has no flag --round",
        "uv run pytest tests/test_v9_*.py": "no such file",
        "uv run python -m v1_scalar.create_data  # (--rows, --colour)": "--colour",
    }
    for line, expected in cases.items():
        commands, comment = split_command(line)
        problems = [p for words in commands for p in check_command(words, comment)[0]]
        assert any(expected in p for p in problems), (line, problems)


# --- flag claims -------------------------------------------------------------------------------


def flag_paragraphs(path: Path) -> list[tuple[int, list[str], str]]:
    """(line, modules, text) of each paragraph under a `<!-- flags: MODULE ... -->` marker."""
    found, pending = [], None
    for token in tokens(path):
        marker = re.match(r"<!-- flags: ([\w. ]+) -->", token.content.strip())
        if token.type == "html_block" and marker:
            pending = marker.group(1).split()
        elif token.type == "inline" and pending is not None:
            found.append((token.map[0] + 1, pending, token.content))
            pending = None
        elif token.type not in ("paragraph_open", "paragraph_close"):
            pending = None
    return found


def bracketed_defaults(text: str) -> list[tuple[str, str]]:
    """(flag, default) for each `--flag ...` [default] or `--flag ...` (... [default] ...)."""
    found = []
    for match in re.finditer(r"`(--[\w-]+)[^`]*`", text):
        rest = text[match.end() :].lstrip()
        if rest.startswith("("):
            inside = re.match(r"\(([^()]*)\)", rest)
            bracket = re.search(r"\[([^\]]+)\]", inside.group(1)) if inside else None
            if bracket:
                found.append((match.group(1), bracket.group(1)))
                continue
            rest = rest[inside.end() :].lstrip() if inside else rest
        bracket = re.match(r"\[([^\]]+)\]", rest)
        if bracket:
            found.append((match.group(1), bracket.group(1)))
    return found


def default_agrees(default: object, shown: str) -> bool:
    if default is None or isinstance(default, bool):
        return True  # set later by the script (a per-task default) or a switch
    if isinstance(default, list | tuple):
        return " ".join(map(str, default)) in shown
    if isinstance(default, int | float):
        number = re.search(r"[-+]?\d*\.?\d+(?:e[-+]?\d+)?", shown)
        return number is not None and float(number.group(0)) == float(default)
    return str(default) in shown


def test_the_default_check_reads_brackets_as_the_readmes_write_them():
    text = (
        "`--task a|b` [a], `--graph PATH` (.svg [none]), `--samples` (at least 2) [100], "
        "`--lr` [2e-3, the peak], `--timeout S` (seconds [5]), `--hidden` [256 128]"
    )
    assert bracketed_defaults(text) == [
        ("--task", "a"),
        ("--graph", "none"),
        ("--samples", "100"),
        ("--lr", "2e-3, the peak"),
        ("--timeout", "5"),
        ("--hidden", "256 128"),
    ]
    assert default_agrees(0.002, "2e-3, the peak") and default_agrees([256, 128], "256 128")
    assert not default_agrees(3000, "300") and not default_agrees(Path("output/v1"), "output")


@pytest.mark.parametrize("readme", READMES, ids=IDS)
def test_flag_paragraphs_name_real_flags_with_their_defaults(readme):
    problems = []
    for line, modules, text in flag_paragraphs(readme):
        unknown = [m for m in modules if m not in SCRIPTS]
        assert not unknown, f"line {line}: flags marker names {unknown}, which are not scripts"
        known = {flag: action for m in modules for flag, action in options(m).items()}
        for flag in FLAG.findall(text):
            if flag not in known:
                problems.append(f"line {line}: {' / '.join(modules)} has no flag {flag}")
        for flag, shown in bracketed_defaults(text):
            action = known.get(flag)
            if action is not None and not default_agrees(action.default, shown):
                problems.append(
                    f"line {line}: {flag} [{shown}], but the default is {action.default!r}"
                )
    assert not problems, "\n".join(problems)


def test_every_flag_of_every_script_is_documented():
    """A script's flags are all named in its marked paragraphs or on its command lines."""
    named: dict[str, set[str]] = {name: set() for name in SCRIPTS}
    for readme in READMES:
        for _, modules, text in flag_paragraphs(readme):
            for module in modules:
                named[module] |= set(FLAG.findall(text))
        for _, text in shell_lines(readme):
            commands, comment = split_command(text)
            for words in commands:
                _, module = check_command(words, comment)
                if module:
                    named[module] |= set(FLAG.findall(" ".join(words) + " " + comment))
    missing = {
        name: sorted(set(flags) - named[name] - {"-h", "--help"})
        for name, flags in ((name, options(name)) for name in SCRIPTS)
    }
    missing = {name: flags for name, flags in missing.items() if flags}
    assert not missing, f"flags no README names (add them to a flags paragraph): {missing}"


# --- the tiny runs: outputs and the printed figures ------------------------------------------


def marked_outputs(readme: Path) -> list[tuple[list[str], set[str]]]:
    """(modules, the file names their flags paragraph says one of them writes)."""
    claimed = []
    for _, modules, text in flag_paragraphs(readme):
        names = {span for span in re.findall(r"`([^`\s]+)`", text) if OUTPUT_FILE.match(span)}
        claimed.append((modules, names))
    return claimed


def as_pattern(name: str) -> str:
    """A file name as a glob: {task}, <task> and capitals like N are placeholders."""
    name = Path(name).name
    return re.sub(r"\{\w+\}|<\w+>|(?<![a-z])[A-Z]+(?![a-z])", "*", name)


def masked(text: str, varies: tuple[str, ...] = ()) -> list[str]:
    """Text as its form: every number a #, runs of spaces one, the varying parts ~."""
    out = []
    for line in text.strip("\n").splitlines():
        for pattern in varies:
            line = re.sub(pattern, "~", line, count=1)
        line = re.sub(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?%?", "#", line)
        out.append(" ".join(line.split()))
    return out


def run_in_process(command: tuple[str, ...], tiny: tuple[str, ...]) -> str:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
        if command[0] == "-m":
            importlib.import_module(command[1]).main([*command[2:], *tiny])
        elif command[0] == "-c":
            exec(compile(command[1], "<figures entry>", "exec"), {"__name__": "__main__"})
        else:
            raise AssertionError(f"not run in the tests: {command}")
    return printed.getvalue()


def snapshot(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def scripts_named(readme: Path) -> set[str]:
    named = set()
    for _, text in shell_lines(readme):
        commands, comment = split_command(text)
        named |= {check_command(words, comment)[1] for words in commands} - {None}
    return named


def stage_readme(module: str) -> Path:
    return ROOT / module.split(".")[0] / "README.md"


def test_every_script_the_readmes_name_runs_in_the_tiny_runs_of_its_stage():
    runs = {(stage_readme(c[1]), c[1]) for f in FIGURES.FIGURES for c in f.commands if c[0] == "-m"}
    runs |= {(stage_readme(m), m) for m in ALSO_RUN}
    named = set().union(*(scripts_named(readme) for readme in READMES))
    assert named <= set(SCRIPTS)
    for module in sorted(set(SCRIPTS) | named):
        assert (stage_readme(module), module) in runs, (
            f"{module} has no tiny run: give it a figure entry in benchmarks/figures.py (or an "
            f"ALSO_RUN line here), and a mention in {stage_readme(module).relative_to(ROOT)}"
        )
        assert module in scripts_named(stage_readme(module)), f"{module}: no command names it"
    for figure in FIGURES.FIGURES:
        for command in figure.commands:
            if command[0] == "-m":
                assert ROOT / figure.readme == stage_readme(command[1]), figure.name


@pytest.mark.parametrize("readme", READMES, ids=IDS)
def test_scripts_run_tiny_write_what_the_readme_says_and_print_its_form(
    readme, tmp_path, monkeypatch, offline
):
    """Each figure entry of this README runs on its tiny settings (in order, in one folder,
    as a reader would run them); then the README's claims are held to what happened."""
    relative = str(readme.relative_to(ROOT))
    entries = [f for f in FIGURES.FIGURES if f.readme == relative and not f.benchmark]
    absent = [f for f in entries if not all(Path(n).exists() for n in f.needs)]
    entries = [f for f in entries if f not in absent]  # the shared corpus: not on every machine
    monkeypatch.chdir(tmp_path)
    written: dict[str, set[str]] = {}
    problems = []
    runs = [(f.name, c, f.tiny, f) for f in entries for c in f.commands]
    runs += [
        (m, c, (), None) for m, cs in ALSO_RUN.items() if stage_readme(m) == readme for c in cs
    ]
    printed: dict[str, list[str]] = {}
    for name, command, tiny, _ in runs:
        before = snapshot(tmp_path)
        try:
            text = run_in_process(command, tiny)
        except SystemExit as stop:
            problems.append(f"{name}: {' '.join(command)} {' '.join(tiny)} exited {stop.code}")
            continue
        printed.setdefault(name, []).append(text)
        after = snapshot(tmp_path)
        module = command[1] if command[0] == "-m" else name
        new = {p.relative_to(tmp_path).as_posix() for p in after if before.get(p) != after[p]}
        written.setdefault(module, set()).update(new)
    assert not problems, "\n".join(problems)

    skipped = {c[1] for f in absent for c in f.commands if c[0] == "-m"}
    for modules, names in marked_outputs(readme):
        if set(modules) <= skipped:
            continue
        files = set().union(*(written.get(module, set()) for module in modules))
        for name in sorted(names):
            if not any(Path(f).match(as_pattern(name)) for f in files):
                problems.append(f"{' / '.join(modules)} wrote no {name} (files: {sorted(files)})")

    text = readme.read_text()
    shown = FIGURES.marks(text)
    rendered_marks = set()
    for figure in entries:
        outputs = FIGURES.Outputs(printed[figure.name], tmp_path)
        for source in figure.copies:
            if not (tmp_path / source).is_file():
                problems.append(f"{figure.name}: the run wrote no {source} to copy")
        for mark, new in figure.render(outputs).items():
            rendered_marks.add(mark)
            if mark not in shown:
                problems.append(f"{figure.name} renders {mark}, which {relative} does not mark")
                continue
            old = FIGURES.shown(shown[mark])
            if mark in figure.prose:  # a model's own words: there, but of no fixed form
                if not new.strip():
                    problems.append(f"{mark}: the run printed no text")
            elif masked(new, figure.varies) != masked(old, figure.varies):
                problems.append(
                    f"{mark}: the README shows\n{old}\nbut the script now prints "
                    f"(tiny settings)\n{new}"
                )
    unowned = set(shown) - rendered_marks - benchmark_marks()  # benchmarks: not run here
    unowned -= {mark for mark in unowned if any(mark.split(".")[0] == f.name for f in absent)}
    if unowned:
        problems.append(f"marks no figure entry renders: {sorted(unowned)}")
    assert not problems, "\n\n".join(problems)


# --- images, markers, tables, sketches, the test configuration -------------------------------


@pytest.mark.parametrize("readme", READMES, ids=IDS)
def test_every_image_exists_and_comes_from_a_figure_entry(readme):
    copies = {target for f in FIGURES.FIGURES for target in f.copies.values()}
    images = re.findall(IMAGE, readme.read_text())
    problems = []
    for image in images:
        path = (readme.parent / image).resolve()
        relative = path.relative_to(ROOT).as_posix()
        if not path.is_file():
            problems.append(f"{image}: no such file")
        elif relative not in copies:
            problems.append(f"{image}: no entry of benchmarks/figures.py makes it")
    assert not problems, "\n".join(problems)


def test_every_figure_entry_is_well_formed_and_its_images_are_shown():
    names = [f.name for f in FIGURES.FIGURES]
    assert len(names) == len(set(names))
    shown = {
        (readme.parent / image).resolve().relative_to(ROOT).as_posix()
        for readme in READMES
        for image in re.findall(IMAGE, readme.read_text())
    }
    for figure in FIGURES.FIGURES:
        assert (ROOT / figure.readme) in READMES, figure.name
        for target in figure.copies.values():
            assert target in shown, f"{figure.name} copies {target}, which no README shows"
        for command in figure.commands:
            if command[0] == "-c":
                continue
            problems, module = check_command(["python", *command, *figure.tiny], "")
            assert not problems, (figure.name, problems)
            assert command[0] != "-m" or module in SCRIPTS, (figure.name, command)
    all_marks = {mark for readme in READMES for mark in FIGURES.marks(readme.read_text())}
    bench_marks = {f.name for f in FIGURES.FIGURES if f.benchmark}
    assert bench_marks <= all_marks, f"benchmark entries without marks: {bench_marks - all_marks}"


def test_markers_pair_up():
    for readme in READMES:
        text = re.sub(r"`<!-- /?figures:[\w.-]+ -->`", "", readme.read_text())  # not `quoted`
        opened = re.findall(r"<!-- figures:([\w.-]+) -->", text)
        closed = re.findall(r"<!-- /figures:([\w.-]+) -->", text)
        assert sorted(opened) == sorted(closed) == sorted(FIGURES.marks(text)), readme
        assert len(opened) == len(set(opened)), f"{readme}: a mark is used twice"


def test_rewrite_replaces_what_is_between_the_markers_and_nothing_else():
    text = (
        "Before <!-- figures:a -->1.5<!-- /figures:a --> after.\n"
        "<!-- figures:b -->\n```console\nold line\n```\n<!-- /figures:b -->\nend\n"
    )
    new = FIGURES.rewrite(text, {"a": "2.25", "b": "new line\nsecond"})
    assert new == (
        "Before <!-- figures:a -->2.25<!-- /figures:a --> after.\n"
        "<!-- figures:b -->\n```console\nnew line\nsecond\n```\n<!-- /figures:b -->\nend\n"
    )
    assert FIGURES.rewrite(new, {"a": "1.5", "b": "old line"}) == text
    assert FIGURES.marks(text) == {"a": "1.5", "b": "\n```console\nold line\n```\n"}


def test_the_figure_command_lists_its_entries_and_refuses_unknown_ones(capsys):
    assert FIGURES.main(["--list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == [f.name for f in FIGURES.FIGURES]
    with pytest.raises(SystemExit) as stop:
        FIGURES.main(["--only", "no-such-figure"])
    assert stop.value.code == 2


@pytest.mark.parametrize("readme", READMES, ids=IDS)
def test_table_rows_have_the_headers_columns(readme):
    problems, columns = [], None
    for token in tokens(readme):
        if token.type == "thead_open":
            columns, row, in_head = None, 0, True
        elif token.type in ("th_open", "td_open"):
            row += 1
        elif token.type == "tr_open":
            row = 0
        elif token.type == "tr_close":
            if in_head:
                columns, in_head = row, False
            elif row != columns:
                problems.append(f"line {token.map[0] + 1 if token.map else '?'}: {row} cells")
    # markdown-it pads short rows and drops extra cells, so count in the source as well
    for number, line in enumerate(readme.read_text().splitlines(), 1):
        if line.startswith("|---") and number > 2:
            previous = readme.read_text().splitlines()[number - 3]
            if previous.startswith("|") and not previous.startswith("|---"):
                problems.append(f"line {number}: a second header row inside a table")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("readme", READMES, ids=IDS)
def test_sketches_are_few_and_say_why_they_do_not_run(readme):
    """```python notest blocks begin with a comment naming the code they outline."""
    problems = []
    for token in tokens(readme):
        info = token.info.split()
        if token.type == "fence" and info[:1] == ["python"] and "notest" in info:
            first = token.content.splitlines()[0]
            paths = re.findall(r"[\w/]+\.py", first)
            if not first.startswith("# ") or not paths:
                problems.append(f"line {token.map[0] + 1}: starts {first!r}, not a pointer")
            problems += [f"line {token.map[0] + 1}: no file {p}" for p in paths
                         if not (ROOT / p).is_file()]  # fmt: skip
    assert not problems, "\n".join(problems)


def test_pytest_collects_every_readme_and_nothing_else():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "--markdown-docs" in config["addopts"]
    paths = {ROOT / path for path in config["testpaths"] if path.endswith(".md")}
    assert paths == set(READMES), "testpaths must name every README.md (and only those)"


def test_a_readme_block_that_prints_something_else_fails(tmp_path):
    """The output check can fail: a block printing 2 where its README shows 1, or a number
    beyond its declared tolerance; within it, or under `...`, it passes."""
    (tmp_path / "conftest.py").write_text((ROOT / "conftest.py").read_text())
    settings = '[tool.pytest.ini_options]\naddopts = ["--markdown-docs"]\n'
    (tmp_path / "pyproject.toml").write_text(settings)
    (tmp_path / "README.md").write_text(
        "```python\nprint(1)\n```\n\n```\n2\n```\n\n"
        "```python atol:1e-3\nprint('loss', 0.1234)\n```\n\n```\nloss 0.1239\n```\n\n"
        "```python\nprint('loss', 0.1234)\n```\n\n```\nloss 0.124\n```\n\n"
        "```python\nfor i in range(5):\n    print(i)\n```\n\n```\n0\n...\n4\n```\n\n"
        "```python notest\n# a sketch in x.py\nundefined()\n```\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rf", "README.md"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "2 failed, 2 passed" in done.stdout, done.stdout
    assert "printed something else than the README shows" in done.stdout
    assert "-2\n+1" in done.stdout and "-loss 0.124\n+loss 0.1234" in done.stdout


def test_every_flag_in_the_readmes_inline_code_is_a_flag_of_ours():
    """A flag mentioned anywhere (`--image-path F`, a heading, a sentence) is one of the
    scripts' or benchmarks' flags: a renamed flag leaves no stale mention behind."""
    ours = {flag for name in SCRIPTS for flag in options(name)}
    ours |= {flag for path in (ROOT / "benchmarks").glob("*.py") for flag in benchmark_flags(path)}
    problems = []
    for readme in READMES:
        for token in tokens(readme):
            for child in token.children or [] if token.type == "inline" else []:
                if child.type != "code_inline" or child.content.startswith(("uv ", "pytest")):
                    continue
                problems += [
                    f"{readme.relative_to(ROOT)}:{token.map[0] + 1}: {flag} in `{child.content}`"
                    for flag in FLAG.findall(child.content)
                    if flag not in ours
                ]
    assert not problems, "flags no script or benchmark has:\n" + "\n".join(problems)


BENCHMARK_RUNS = ROOT / "tests" / "data" / "benchmark_runs"


def recorded_outputs(figure) -> object:
    records = [BENCHMARK_RUNS / f"{figure.name}.{i}.txt" for i in range(len(figure.commands))]
    return FIGURES.Outputs([r.read_text() for r in records if r.is_file()], BENCHMARK_RUNS)


@cache
def benchmark_marks() -> frozenset[str]:
    """The marks the benchmark entries render (from their recorded runs)."""
    marks = set()
    for figure in (f for f in FIGURES.FIGURES if f.benchmark):
        try:
            marks |= set(figure.render(recorded_outputs(figure)))
        except (OSError, IndexError, KeyError, StopIteration):
            marks.add(figure.name)  # no usable record: the benchmark test says so
    return frozenset(marks)


def test_benchmark_entries_render_the_readmes_tables_from_a_recorded_run():
    """The benchmarks are not run here (they take minutes and time the machine): each entry
    renders from what a tiny run of it printed and wrote (`benchmarks/figures.py --tiny
    --only NAME` leaves that in output/figures/tiny/ and output/), kept in
    tests/data/benchmark_runs; what it renders has the form of every mark it fills."""
    shown = {}
    for readme in READMES:
        shown |= FIGURES.marks(readme.read_text())
    problems = []
    for figure in (f for f in FIGURES.FIGURES if f.benchmark):
        records = [BENCHMARK_RUNS / f"{figure.name}.{i}.txt" for i in range(len(figure.commands))]
        missing = [r.name for r in records if not r.is_file()]
        if missing:
            problems.append(f"{figure.name}: no recorded run {missing} in {BENCHMARK_RUNS}")
            continue
        outputs = FIGURES.Outputs([r.read_text() for r in records], BENCHMARK_RUNS)
        rendered = figure.render(outputs)
        assert figure.name in rendered, f"{figure.name} renders no mark of its own name"
        for mark, new in rendered.items():
            if mark not in shown:
                problems.append(f"{figure.name} renders {mark}, which no README marks")
            elif masked(new, figure.varies) != masked(FIGURES.shown(shown[mark]), figure.varies):
                old = FIGURES.shown(shown[mark])
                problems.append(f"{mark}: the README shows\n{old}\nbut renders as\n{new}")
    assert not problems, "\n\n".join(problems)


def test_every_benchmark_the_readmes_name_has_a_figure_entry():
    """A benchmark a README names (a command, a table row) has its figures remade by
    benchmarks/figures.py: an entry runs it and renders what the README shows of it."""
    named = set()
    for readme in READMES:
        for _, text in shell_lines(readme):
            for words in split_command(text)[0]:
                words = words[2:] if words[:2] == ["uv", "run"] else words
                if len(words) > 1 and words[0].startswith("python") and words[1].endswith(".py"):
                    named.add(words[1])
    named.discard("benchmarks/figures.py")
    entries = {f.commands[0][0] for f in FIGURES.FIGURES if f.benchmark}
    if "benchmarks/run_all.py" in entries:  # and every benchmark it runs
        listed = re.findall(r'"(bench_\w+\.py)"', (ROOT / "benchmarks/run_all.py").read_text())
        entries |= {f"benchmarks/{name}" for name in listed}
    missing = sorted(named - entries)
    assert not missing, f"benchmarks with no entry in benchmarks/figures.py: {missing}"
