"""v2_tensor.graph: deterministic DOT, one node per tensor, size guard, rendering, fallback."""

import numpy as np
import pytest

import v2_tensor as vt
from v2_tensor.graph import draw, to_dot


def small_loss():
    x = vt.tensor(np.arange(6.0).reshape(2, 3))
    w = vt.ones(3, dtype=vt.float64, requires_grad=True)
    b = vt.zeros((), dtype=vt.float64, requires_grad=True)
    return ((x @ w + b).relu() ** 2).mean(), {"x": x, "w": w, "b": b}


EXPECTED = """digraph "graph" {
\tgraph [ordering=in rankdir=BT]
\tnode [fontname=Helvetica fontsize=11 shape=box style="rounded,filled"]
\tt0 [label="Mean\\n() float64\\nvalue 76.5" fillcolor=white penwidth=2.5]
\tt1 [label="Pow\\n(2,) float64" fillcolor=white penwidth=1]
\tt2 [label="Relu\\n(2,) float64" fillcolor=white penwidth=1]
\tt3 [label="Add\\n(2,) float64" fillcolor=white penwidth=1]
\tt4 [label="MatMul\\n(2,) float64" fillcolor=white penwidth=1]
\tt5 [label="b\\n() float64\\nvalue 0" fillcolor=palegreen penwidth=1]
\tt6 [label="x\\n(2, 3) float64" fillcolor=lightgrey penwidth=1]
\tt7 [label="w\\n(3,) float64" fillcolor=palegreen penwidth=1]
\tt1 -> t0
\tt2 -> t1
\tt3 -> t2
\tt4 -> t3
\tt5 -> t3
\tt6 -> t4
\tt7 -> t4
}
"""


def test_dot_lists_op_shape_dtype_in_a_fixed_order():
    loss, names = small_loss()
    assert to_dot(loss, names=names) == EXPECTED


def test_same_computation_same_dot():
    first, _ = small_loss()
    second, _ = small_loss()
    assert to_dot(first) == to_dot(second)
    assert 'label="leaf\\n(3,) float64"' in to_dot(first)


def test_reused_tensor_is_one_node_with_two_edges():
    x = vt.tensor(np.array([1.0, 2.0]), requires_grad=True)
    dot = to_dot(x * x + x)
    assert dot.count("label=") == 3  # Add, Mul, x
    edges = [line.strip() for line in dot.splitlines() if "->" in line]
    assert edges == ["t1 -> t0", "t2 -> t0", "t2 -> t1", "t2 -> t1"]


def test_multi_output_op_numbers_its_outputs():
    a, b = vt.tensor(np.arange(4.0), requires_grad=True).split(2)
    dot = to_dot(a * b)
    assert 'label="Split[0]\\n(2,) float64"' in dot
    assert 'label="Split[1]\\n(2,) float64"' in dot


def test_leaf_root_is_a_single_node():
    dot = to_dot(vt.tensor(np.float32(2.5)))
    assert 'label="leaf\\n() float32\\nvalue 2.5" fillcolor=lightgrey penwidth=2.5' in dot
    assert "->" not in dot


def chain(length: int) -> vt.Tensor:
    y = vt.tensor(np.ones(2), requires_grad=True)
    for _ in range(length):
        y = y * 1.0
    return y


def test_size_guard_refuses_large_graphs():
    with pytest.raises(ValueError, match=r"more than max_nodes=50 tensors"):
        to_dot(chain(60), max_nodes=50)
    assert to_dot(chain(49), max_nodes=50).count("label=") == 50
    with pytest.raises(ValueError, match="max_nodes must be at least 1"):
        to_dot(chain(1), max_nodes=0)


def test_deep_graph_needs_no_recursion():
    assert to_dot(chain(3000), max_nodes=5000).count("->") == 3000


def test_not_a_tensor():
    with pytest.raises(TypeError, match="expected a Tensor, got ndarray"):
        to_dot(np.ones(2))


@pytest.mark.parametrize(
    "suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")]
)
def test_draw_renders(tmp_path, suffix, magic):
    loss, names = small_loss()
    path = draw(loss, tmp_path / "sub" / f"loss{suffix}", names=names)
    assert path == tmp_path / "sub" / f"loss{suffix}"
    assert path.read_bytes().startswith(magic)


def test_draw_dot_source(tmp_path):
    loss, names = small_loss()
    path = draw(loss, tmp_path / "loss.dot", names=names)
    assert path.read_text() == EXPECTED


def test_draw_without_graphviz_writes_source_and_says_how(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    loss, names = small_loss()
    path = draw(loss, tmp_path / "loss.png", names=names)
    assert path == tmp_path / "loss.dot"
    assert path.read_text() == EXPECTED
    assert not (tmp_path / "loss.png").exists()
    err = capsys.readouterr().err
    assert "'dot' program was not found" in err
    assert f"dot -Tpng {path} -o {tmp_path / 'loss.png'}" in err


def test_draw_refuses_unknown_formats(tmp_path):
    loss, _ = small_loss()
    with pytest.raises(ValueError, match=r"suffix must be one of"):
        draw(loss, tmp_path / "loss.jpeg2000")
    assert not list(tmp_path.iterdir())
