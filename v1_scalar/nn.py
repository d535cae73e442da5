"""Neurons, layers and multi-layer perceptrons of Values, with micrograd's API.

Weights start uniform in [-1, 1] from Python's `random` module and biases at 0, as in
micrograd, so `random.seed(s)` gives the same initial network on either engine.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from numbers import Integral

from v1_scalar.engine import Value, sum_values


class Module:
    """Anything with parameters: zero_grad() clears the gradients they accumulated."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """out = relu(w·x + b), or w·x + b when nonlin is False.

    The products w_i·x_i are nodes of their own; their sum with b is one sum_values node
    (micrograd chains len(x) binary additions: the same float, many more nodes).
    """

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        _check_size("Neuron", "nin", nin)
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value | float]) -> Value:
        try:
            n = len(x)
        except TypeError:
            raise TypeError(f"Neuron: expected a list of {len(self.w)} inputs, got {x!r}") from None
        if n != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {n}")
        act = sum_values([self.b, *(wi * xi for wi, xi in zip(self.w, x, strict=True))])
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons reading the same inputs; a single output is returned unwrapped."""

    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:
        _check_size("Layer", "nout", nout)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes nin -> nouts[0] -> ... -> nouts[-1]; ReLU on all but the last."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        try:
            sizes = [nin, *nouts]
        except TypeError:
            raise TypeError(f"MLP: nouts must be a list of layer sizes, got {nouts!r}") from None
        if len(nouts) == 0:
            raise ValueError("MLP: nouts must list at least one layer size, got []")
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last) for i in range(len(nouts))]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer([x] if isinstance(x, Value) else x)  # a width-1 layer hands on one Value
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def _check_size(module: str, name: str, n: object) -> None:
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"{module}: {name} must be a positive int, got {n!r}")
