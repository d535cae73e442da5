"""Backpropagation by hand, step by step, on the smallest network that has all the parts.

    x --(w1, b1)--> z1 --ReLU--> h --(w2, b2)--> z2 --sigmoid--> p --BCE(y)--> L

Every forward value and every chain-rule product is computed here with plain floats and
printed; the engine then computes the same gradients with backward(), one SGD step is
taken, and the graph is drawn.

    uv run python -m v1_scalar.walkthrough [--lr 0.1] [--out output/v1]

Writes into --out: walkthrough.json (every forward value, the gradients by hand and by the
engine, the parameters after the step), walkthrough.csv (one row per chain-rule product),
walkthrough.png (the graph top to bottom, sized to fit a screen) and walkthrough.svg (the
same graph left to right). The pictures need Graphviz's dot; without it their DOT source
is written instead, with the command that renders it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from v1_scalar import cli
from v1_scalar.engine import Value

START = {"x": 2.0, "w1": 0.5, "b1": 0.1, "w2": -0.3, "b2": 0.2, "y": 1.0}
PARAMETERS = ("w1", "b1", "w2", "b2")


@dataclass
class Walkthrough:
    forward: dict[str, float]  # x, z1, h, z2, p, L
    grads_by_hand: dict[str, float]  # dL/d(each parameter), from the chain rule below
    grads_by_engine: dict[str, float]  # the same, from Value.backward()
    updated: dict[str, float]  # each parameter after one SGD step
    loss_after_step: float
    lines: list[str]  # the printed explanation
    loss: Value  # the engine's loss, whose graph the script draws
    steps: list[tuple[str, str, float, float, float]] = field(default_factory=list)
    # the backward pass: (gradient, formula, upstream factor, local derivative, product)


def bce(p: Value, y: float) -> Value:
    """Binary cross-entropy: -(y·log p + (1 - y)·log(1 - p))."""
    return -(y * p.log() + (1 - y) * (1 - p).log())


def network_loss(x: float, w1: Value, b1: Value, w2: Value, b2: Value, y: float) -> Value:
    z1 = w1 * Value(x, label="x") + b1
    h = z1.relu()
    z2 = w2 * h + b2
    p = z2.sigmoid()
    for node, name in ((z1, "z1"), (h, "h"), (z2, "z2"), (p, "p")):
        node.label = name
    loss = bce(p, y)
    loss.label = "L"
    return loss


def walkthrough(lr: float = 0.1) -> Walkthrough:
    x, w1, b1, w2, b2, y = (START[k] for k in ("x", "w1", "b1", "w2", "b2", "y"))
    lines = ["Forward pass"]

    def say(text: str) -> None:
        lines.append("  " + text)

    z1 = w1 * x + b1
    say(f"z1 = w1·x + b1   = {w1}·{x} + {b1} = {z1:.4f}")
    h = max(z1, 0.0)
    say(f"h  = relu(z1)    = max({z1:.4f}, 0) = {h:.4f}")
    z2 = w2 * h + b2
    say(f"z2 = w2·h + b2   = {w2}·{h:.4f} + {b2} = {z2:.4f}")
    p = 1.0 / (1.0 + math.exp(-z2))
    say(f"p  = sigmoid(z2) = 1/(1 + e^{-z2:.4f}) = {p:.4f}")
    loss = -(y * math.log(p) + (1 - y) * math.log(1 - p))
    say(f"L  = -(y·log p + (1-y)·log(1-p)) = {loss:.4f}   (target y = {y:g})")

    lines += [
        "",
        "Backward pass: each gradient is the one before it times a local derivative",
        "(to 6 places: the printed factors multiply to the printed product up to the last place)",
    ]

    steps = []

    def chain(lhs: str, formula: str, upstream: float, local: float) -> float:
        say(f"{lhs:<6} = {formula:<18} = {upstream:+.6f} · {local:+.6f} = {upstream * local:+.6f}")
        steps.append((lhs, formula, upstream, local, upstream * local))
        return upstream * local

    dL_dp = -y / p + (1 - y) / (1 - p)
    say(f"{'dL/dp':<6} = {'-y/p + (1-y)/(1-p)':<18} = {dL_dp:+.6f}")
    dL_dz2 = chain("dL/dz2", "dL/dp · p(1-p)", dL_dp, p * (1 - p))
    dL_dw2 = chain("dL/dw2", "dL/dz2 · h", dL_dz2, h)
    dL_db2 = chain("dL/db2", "dL/dz2 · 1", dL_dz2, 1.0)
    dL_dh = chain("dL/dh", "dL/dz2 · w2", dL_dz2, w2)
    dL_dz1 = chain("dL/dz1", "dL/dh · relu'(z1)", dL_dh, 1.0 if z1 > 0 else 0.0)
    dL_dw1 = chain("dL/dw1", "dL/dz1 · x", dL_dz1, x)
    dL_db1 = chain("dL/db1", "dL/dz1 · 1", dL_dz1, 1.0)
    by_hand = {"w1": dL_dw1, "b1": dL_db1, "w2": dL_dw2, "b2": dL_db2}

    params = {name: Value(START[name], label=name) for name in PARAMETERS}
    engine_loss = network_loss(x, *params.values(), y)
    engine_loss.backward()
    by_engine = {name: v.grad for name, v in params.items()}
    lines += ["", "The engine's backward() gives the same gradients"]
    for name in PARAMETERS:
        agree = math.isclose(by_hand[name], by_engine[name], rel_tol=1e-12, abs_tol=1e-15)
        say(
            f"dL/d{name}  by hand {by_hand[name]:+.4f}   engine {by_engine[name]:+.4f}"
            f"   {'agree' if agree else 'DISAGREE'}"
        )

    lines += ["", f"One SGD step, lr = {lr}: parameter <- parameter - lr · gradient"]
    updated = {name: v.data - lr * v.grad for name, v in params.items()}
    for name, v in params.items():
        say(f"{name} = {v.data:+.4f} - {lr} · ({v.grad:+.4f}) = {updated[name]:+.4f}")
    try:
        loss_after = network_loss(x, *(Value(updated[name]) for name in PARAMETERS), y).data
    except (ValueError, OverflowError):  # a step so large that p is exactly 0 or 1: log 0
        loss_after = math.inf
    lines.append(f"  loss: {loss:.4f} -> {loss_after:.4f}")

    return Walkthrough(
        forward={"x": x, "z1": z1, "h": h, "z2": z2, "p": p, "L": loss},
        grads_by_hand=by_hand,
        grads_by_engine=by_engine,
        updated=updated,
        loss_after_step=loss_after,
        lines=lines,
        loss=engine_loss,
        steps=steps,
    )


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("walkthrough", "python -m v1_scalar.walkthrough", __doc__)
    parser.add_argument("--lr", type=cli.positive_float, default=0.1, help="SGD learning rate")
    parser.add_argument("--out", type=Path, default=Path("output/v1"), help="output folder")
    parser.add_argument(
        "--seed", type=cli.seed, default=0, help="unused: the walkthrough has no randomness"
    )
    return parser.parse_args(argv)


@cli.script("walkthrough")
def main(argv: list[str] | None = None) -> Walkthrough:
    args = parse_args(argv)
    with cli.Run() as run:
        out = run.folder(args.out, "--out")
        result = walkthrough(args.lr)
        print("\n".join(result.lines))
        for name, value in [
            *result.updated.items(),
            ("loss after the step", result.loss_after_step),
        ]:
            cli.check_finite(value, name, "the SGD step", f"--lr than {args.lr:g}")
        run.json(
            out / "walkthrough.json",
            {
                "start": START,
                "lr": args.lr,
                "forward": result.forward,
                "grads_by_hand": result.grads_by_hand,
                "grads_by_engine": result.grads_by_engine,
                "updated": result.updated,
                "loss_after_step": result.loss_after_step,
            },
        )
        header = ["gradient", "formula", "upstream", "local_derivative", "product"]
        run.csv(out / "walkthrough.csv", header, result.steps)
        from v1_scalar.graph import save_graph

        run.action(out / "walkthrough.png", lambda path: save_graph(result.loss, path, "TB"))
        run.action(out / "walkthrough.svg", lambda path: save_graph(result.loss, path, "LR"))
        written = run.commit()
    print("\nGraph of L with the gradients from backward(), and the numbers:")
    print("  " + ", ".join(str(path) for path in written))
    return result


if __name__ == "__main__":
    main()
