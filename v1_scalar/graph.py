"""Pictures of Value graphs with Graphviz: one box per Value, one oval per op.

Node ids come from the topological order, so the same graph gives the same DOT text on
every run, and a drawing reads left to right from the inputs to the output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import graphviz

from v1_scalar.engine import Value, topological_order

RANKDIRS = ("LR", "RL", "TB", "BT")
FORMATS = ("svg", "png", "pdf")


def draw_dot(
    root: Value, format: str = "svg", rankdir: str = "LR", max_nodes: int = 1000
) -> graphviz.Digraph:
    """The graph that computed root, each Value showing its label, data and grad."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(order)} Values, more than max_nodes={max_nodes}; "
            "a picture that large is unreadable and slow to lay out. Draw a smaller "
            "expression, or pass a larger max_nodes."
        )
    vertical = rankdir in ("TB", "BT")
    graph_attr = {"rankdir": rankdir}
    if vertical:  # fields side by side, ranks close, at most 9 x 10.5 inches: fits a screen
        graph_attr.update(ranksep="0.15", nodesep="0.2", size="9,10.5")
    dot = graphviz.Digraph(format=format, graph_attr=graph_attr)
    dot.attr("node", fontname="Helvetica", fontsize="11")
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    for node in order:
        fields = [_escape(node.label)] if node.label else []
        fields += [f"data {node.data:.4f}", f"grad {node.grad:.4f}"]
        label = " | ".join(fields) if vertical else "{ " + " | ".join(fields) + " }"
        dot.node(ids[node], label=label, shape="record")
        if node._op:
            op_id = ids[node] + "_op"
            dot.node(
                op_id, label=node._op, shape="oval", **({"height": "0.25"} if vertical else {})
            )
            for child in node._prev:
                dot.edge(ids[child], op_id)
            dot.edge(op_id, ids[node])
    return dot


def save_graph(root: Value, path: str | Path, rankdir: str = "LR", max_nodes: int = 1000) -> Path:
    """Render root's graph to path (.svg, .png or .pdf) and return the file written.

    Without Graphviz's `dot` program, the DOT source goes to path with a .dot suffix
    instead, and a message says how to render it once Graphviz is installed.
    """
    path = Path(path)
    fmt = graph_format(path)
    dot = draw_dot(root, format=fmt, rankdir=rankdir, max_nodes=max_nodes)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_bytes(dot.pipe(format=fmt))
        return path
    except graphviz.ExecutableNotFound:
        source = path.with_suffix(".dot")
        source.write_text(dot.source)
        print(
            f"Graphviz's `dot` program was not found on PATH, so the graph's DOT source was "
            f"written to {source}. Install Graphviz (apt-get install graphviz, brew install "
            f"graphviz, or https://graphviz.org/download) and run:\n"
            f"    dot -T{fmt} {source} -o {path}",
            file=sys.stderr,
        )
        return source


def graph_format(path: str | Path) -> str:
    """The picture format that path's suffix names; a ValueError unless svg, png or pdf.

    Scripts call it on their arguments, so a bad path fails before any work is done.
    """
    fmt = Path(path).suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(f"save_graph: path must end in .svg, .png or .pdf, got {str(path)!r}")
    return fmt


def _escape(text: str) -> str:
    """A label safe inside a Graphviz record: its field syntax characters escaped."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text
