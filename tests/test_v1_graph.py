"""v1_scalar.graph: deterministic DOT text, the size guard, rendering with and without dot."""

import shutil

import graphviz
import pytest

from v1_scalar.engine import Value
from v1_scalar.graph import draw_dot, save_graph


def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + 1
    c.label = "c"
    c.backward()
    return c


EXPECTED_DOT = """digraph {
\tgraph [rankdir=LR]
\tnode [fontname=Helvetica fontsize=11]
\tv0 [label="{ a | data 2.0000 | grad -3.0000 }" shape=record]
\tv1 [label="{ b | data -3.0000 | grad 2.0000 }" shape=record]
\tv2 [label="{ data -6.0000 | grad 1.0000 }" shape=record]
\tv2_op [label="*" shape=oval]
\tv0 -> v2_op
\tv1 -> v2_op
\tv2_op -> v2
\tv3 [label="{ data 1.0000 | grad 1.0000 }" shape=record]
\tv4 [label="{ c | data -5.0000 | grad 1.0000 }" shape=record]
\tv4_op [label="+" shape=oval]
\tv2 -> v4_op
\tv3 -> v4_op
\tv4_op -> v4
}
"""


def test_dot_text_shows_label_data_grad_and_ops_in_a_fixed_order():
    dot = draw_dot(small_graph())
    assert isinstance(dot, graphviz.Digraph) and dot.format == "svg"
    assert dot.source == EXPECTED_DOT


def test_same_graph_gives_the_same_dot_text_every_time():
    def build():
        x = [Value(float(i), label=f"x{i}") for i in range(6)]
        out = sum((xi * x[0]).tanh() for xi in x) + x[3] ** 2
        out.backward()
        return draw_dot(out, format="png", rankdir="TB").source

    first = build()
    assert first == build()
    assert (
        "rankdir=TB" in first and first.count("shape=oval") == 6 * 3 + 2
    )  # 6 (*, tanh, +), then ** and +


def test_record_syntax_in_labels_is_escaped():
    v = Value(1.0, label="{a|b}<c>")
    assert r"\{a\|b\}\<c\>" in draw_dot(v).source


def test_size_guard_and_bad_arguments_are_clear_errors():
    v = Value(0.0)
    for _ in range(30):
        v = v + 1
    with pytest.raises(
        ValueError, match="draw_dot: the graph has 61 Values, more than max_nodes=50"
    ):
        draw_dot(v, max_nodes=50)
    with pytest.raises(ValueError, match="rankdir must be one of"):
        draw_dot(v, rankdir="XY")
    with pytest.raises(TypeError, match="draw_dot: root must be a Value, got float"):
        draw_dot(1.0)
    with pytest.raises(ValueError, match="must end in .svg, .png or .pdf"):
        save_graph(v, "graph.jpeg")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG")])
def test_save_graph_renders_with_dot(tmp_path, suffix, magic):
    path = save_graph(small_graph(), tmp_path / "sub" / f"graph{suffix}")
    assert path == tmp_path / "sub" / f"graph{suffix}"
    data = path.read_bytes()
    assert data.startswith(magic)
    if suffix == ".svg":
        assert b"data &#45;6.0000" in data and b"grad 2.0000" in data


def test_without_dot_the_source_is_written_with_instructions(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    path = save_graph(small_graph(), tmp_path / "graph.svg")
    assert path == tmp_path / "graph.dot"
    assert path.read_text() == EXPECTED_DOT
    assert not (tmp_path / "graph.svg").exists()
    message = capsys.readouterr().err
    assert "`dot` program was not found" in message
    assert f"dot -Tsvg {path} -o {tmp_path / 'graph.svg'}" in message
