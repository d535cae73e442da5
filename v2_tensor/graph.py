"""Pictures of a tensor graph with Graphviz: one box per tensor, its op, shape and dtype.

    from v2_tensor.graph import draw, to_dot
    loss = ((x @ w + b).relu() ** 2).mean()
    draw(loss, "loss.svg", names={"x": x, "w": w, "b": b})

Walks from the root through ``t.grad_fn.inputs`` (iteratively, so a deep chain is
fine). Each tensor becomes one box: the op that made it (``grad_fn.name``, with
``[k]`` for output k of a multi-output op) or its name for a leaf, then shape and
dtype, and the value of a one-element tensor. Leaves that require grad are
filled green, other leaves (data, constants) grey; the root has a bold border.
Arrows run from an op's inputs to its output, inputs left to right in argument
order. The DOT text is deterministic: nodes are numbered in breadth-first order
from the root and edges listed in that order, so the same computation always
gives the same file. Graphs over ``max_nodes`` tensors are refused with a clear
message rather than rendered into an unreadable picture.
"""

import sys
from collections import deque
from collections.abc import Mapping
from pathlib import Path

import graphviz

from .tensor import Tensor

__all__ = ["draw", "to_dot"]

FORMATS = ("svg", "png", "pdf", "dot")
MAX_NODES = 500


def _walk(root: Tensor, max_nodes: int) -> tuple[list[Tensor], list[tuple[int, int]]]:
    """Tensors in breadth-first order from root, and (input, output) index pairs."""
    index = {id(root): 0}
    tensors, edges = [root], []
    queue = deque([root])
    while queue:
        tensor = queue.popleft()
        if tensor.grad_fn is None:
            continue
        for source in tensor.grad_fn.inputs:
            if id(source) not in index:
                if len(tensors) == max_nodes:
                    raise ValueError(
                        f"graph: the graph has more than max_nodes={max_nodes} tensors, too "
                        "many for a readable picture; draw a smaller piece (one layer, one "
                        "step) or pass a larger max_nodes"
                    )
                index[id(source)] = len(tensors)
                tensors.append(source)
                queue.append(source)
            edges.append((index[id(source)], index[id(tensor)]))
    return tensors, edges


def _label(tensor: Tensor, name: str | None) -> str:
    if name is not None:
        title = name
    elif tensor.grad_fn is None:
        title = "leaf"
    else:
        title = tensor.grad_fn.name
        if len(tensor.grad_fn.outputs) > 1:
            title += f"[{tensor.output_nr}]"
    lines = [title, f"{tuple(tensor.shape)} {tensor.dtype}"]
    if tensor.data.size == 1:
        lines.append(f"value {tensor.data.item():.6g}")
    return "\\n".join(lines)  # DOT's line break


def to_dot(
    root: Tensor, *, names: Mapping[str, Tensor] | None = None, max_nodes: int = MAX_NODES
) -> str:
    """The DOT source of the graph that produced ``root``; ``names`` labels chosen tensors."""
    if not isinstance(root, Tensor):
        raise TypeError(f"graph: expected a Tensor, got {type(root).__name__}")
    if max_nodes < 1:
        raise ValueError(f"graph: max_nodes must be at least 1, got {max_nodes}")
    tensors, edges = _walk(root, max_nodes)
    name_of = {id(tensor): name for name, tensor in (names or {}).items()}
    dot = graphviz.Digraph("graph", graph_attr={"rankdir": "BT", "ordering": "in"})
    dot.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="11")
    for number, tensor in enumerate(tensors):
        if tensor.grad_fn is not None:
            fill = "white"
        else:
            fill = "palegreen" if tensor.requires_grad else "lightgrey"
        dot.node(
            f"t{number}",
            _label(tensor, name_of.get(id(tensor))),
            fillcolor=fill,
            penwidth="2.5" if number == 0 else "1",
        )
    for source, target in edges:
        dot.edge(f"t{source}", f"t{target}")
    return dot.source


def draw(
    root: Tensor,
    path: str | Path,
    *,
    names: Mapping[str, Tensor] | None = None,
    max_nodes: int = MAX_NODES,
) -> Path:
    """Render the graph of ``root`` to ``path`` (.svg, .png, .pdf, or .dot for the source).

    Without Graphviz's ``dot`` program, writes the DOT source next to ``path`` instead,
    says how to render it, and returns that file's path.
    """
    path = Path(path)
    kind = path.suffix.lstrip(".").lower()
    if kind not in FORMATS:
        raise ValueError(f"graph: cannot draw to {path}: the suffix must be one of {FORMATS}")
    source = to_dot(root, names=names, max_nodes=max_nodes)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "dot":
        path.write_text(source)
        return path
    try:
        image = graphviz.Source(source).pipe(format=kind)
    except graphviz.ExecutableNotFound:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(source)
        print(
            f"graph: Graphviz's 'dot' program was not found, so the DOT source went to "
            f"{dot_path}. Install Graphviz (apt install graphviz, brew install graphviz, or "
            f"https://graphviz.org/download) and render it with: "
            f"dot -T{kind} {dot_path} -o {path}",
            file=sys.stderr,
        )
        return dot_path
    path.write_bytes(image)
    return path
