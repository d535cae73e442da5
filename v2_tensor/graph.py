"""Pictures of a tensor graph with Graphviz: one box per tensor, its op, shape and dtype.

    from v2_tensor.graph import draw, to_dot
    loss = ((x @ w + b).relu() ** 2).mean()
    draw(loss, "loss.svg", names={"x": x, "w": w, "b": b})

Walks from the root through the nodes (``grad_fn``) and their edges (iteratively, so a deep
chain is fine). Each tensor becomes one box: the op that made it (``grad_fn.name``, with
``[k]`` for output k of a multi-output op) or its name for a leaf, then shape and dtype,
and the value of a one-element tensor that is still alive. Leaves that require grad are
filled green, inputs that need no gradient (data, constants) grey; the root has a bold
border. Arrows run from an op's inputs to its output, inputs left to right in argument
order. The DOT text is deterministic: boxes are numbered in breadth-first order from the
root and edges listed in that order, so the same computation always gives the same file.
Graphs over ``max_nodes`` tensors are refused with a clear message rather than rendered into
an unreadable picture.
"""

import sys
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import graphviz

from .function import Context
from .tensor import Tensor

__all__ = ["draw", "to_dot"]

FORMATS = ("svg", "png", "pdf", "dot")
MAX_NODES = 500


class _Box:
    """One tensor of the picture: a leaf or constant (its Tensor, if still alive), or output
    `nr` of `node`."""

    def __init__(
        self, key: Any, tensor: Tensor | None, node: Context | None, nr: int, meta: Any = None
    ) -> None:
        self.key, self.tensor, self.node, self.nr = key, tensor, node, nr
        self.meta = meta

    def shape_dtype(self) -> tuple:
        if self.tensor is not None:
            return self.tensor.shape, self.tensor.dtype
        return self.meta if self.node is None else self.node.output_meta[self.nr]


def _box_of(tensor: Tensor) -> _Box:
    node = tensor.grad_fn
    if node is None:
        return _Box(("tensor", id(tensor)), tensor, None, 0)
    return _Box((id(node), tensor.output_nr), tensor, node, tensor.output_nr)


def _inputs(node: Context) -> list[_Box]:
    """The boxes of a node's tensor inputs, in argument order."""
    boxes = []
    for position, target, nr, _, _ in node.edges:
        if isinstance(target, Tensor):
            boxes.append((position, _Box(("tensor", id(target)), target, None, 0)))
        else:
            boxes.append((position, _Box((id(target), nr), None, target, nr)))
    for position, ref, shape, dtype in node.constants or ():
        tensor = ref()
        key = ("constant", id(node), position) if tensor is None else ("tensor", id(tensor))
        boxes.append((position, _Box(key, tensor, None, 0, (shape, dtype))))
    return [box for _, box in sorted(boxes, key=lambda item: item[0])]


def _walk(root: Tensor, max_nodes: int) -> tuple[list[_Box], list[tuple[int, int]]]:
    """Boxes in breadth-first order from root, and (input, output) index pairs."""
    first = _box_of(root)
    index = {first.key: 0}
    boxes, edges = [first], []
    queue = deque([first])
    while queue:
        box = queue.popleft()
        if box.node is None:
            continue
        for source in _inputs(box.node):
            if source.key not in index:
                if len(boxes) == max_nodes:
                    raise ValueError(
                        f"graph: the graph has more than max_nodes={max_nodes} tensors, too "
                        "many for a readable picture; draw a smaller piece (one layer, one "
                        "step) or pass a larger max_nodes"
                    )
                index[source.key] = len(boxes)
                boxes.append(source)
                queue.append(source)
            edges.append((index[source.key], index[box.key]))
    return boxes, edges


def _label(box: _Box, name: str | None) -> str:
    if name is not None:
        title = name
    elif box.node is None:
        title = "leaf"
    else:
        title = box.node.name
        if len(box.node.output_meta) > 1:
            title += f"[{box.nr}]"
    shape, dtype = box.shape_dtype()
    lines = [title, f"{tuple(shape)} {dtype}"]
    if box.tensor is not None and box.tensor.array.size == 1:
        lines.append(f"value {box.tensor.array.item():.6g}")
    return "\\n".join(lines)  # DOT's line break


def to_dot(
    root: Tensor, *, names: Mapping[str, Tensor] | None = None, max_nodes: int = MAX_NODES
) -> str:
    """The DOT source of the graph that produced ``root``; ``names`` labels chosen tensors."""
    if not isinstance(root, Tensor):
        raise TypeError(f"graph: expected a Tensor, got {type(root).__name__}")
    if max_nodes < 1:
        raise ValueError(f"graph: max_nodes must be at least 1, got {max_nodes}")
    boxes, edges = _walk(root, max_nodes)
    name_of = {_box_of(tensor).key: name for name, tensor in (names or {}).items()}
    dot = graphviz.Digraph("graph", graph_attr={"rankdir": "BT", "ordering": "in"})
    dot.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="11")
    for number, box in enumerate(boxes):
        if box.node is not None:
            fill = "white"
        else:
            fill = (
                "palegreen" if box.tensor is not None and box.tensor.requires_grad else "lightgrey"
            )
        dot.node(
            f"t{number}",
            _label(box, name_of.get(box.key)),
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
