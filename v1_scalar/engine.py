"""A scalar reverse-mode autograd engine, compatible with micrograd's Value.

Every operation on Values returns a new Value that remembers its inputs and, next to
each input, the local derivative d(output)/d(input), worked out in the forward pass
where the numbers are at hand. `backward()` orders the graph so that each node comes
after everything it depends on, then walks that order from the output back to the
inputs applying the chain rule: each input's gradient grows by the output's gradient
times the local derivative.

A node holds numbers and its inputs, never a closure or a reference back to itself, so
a graph is freed by reference counting alone, and no step of it recurses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real


class Value:
    """A scalar that records how it was computed, so its gradient can flow back.

    A node keeps up to two inputs in the slots `_x` and `_y`, with the local derivatives
    `_dx` and `_dy` beside them (a sum_values node keeps the tuple of its terms in `_x`);
    `_prev` gives the inputs as a tuple. No container per node: one object per node is
    all the garbage collector has to walk.
    """

    __slots__ = ("data", "grad", "_x", "_dx", "_y", "_dy", "_op", "label")
    __array_ufunc__ = None  # NumPy scalars then defer to Value's reflected operators

    def __init__(
        self,
        data: float,
        _children: Sequence[Value] = (),
        _op: str = "",
        label: str = "",
        _local_grads: Sequence[float] = (),
    ) -> None:
        """A leaf Value; or, given _children and their _local_grads, a node of a new op."""
        children, local_grads = tuple(_children), tuple(_local_grads)
        if len(children) > 2 or len(local_grads) != len(children):
            raise ValueError(
                f"Value: a node takes up to two children, each with its local derivative; got "
                f"{len(children)} children and {len(local_grads)} local derivatives"
            )
        for child in children:
            if not isinstance(child, Value):
                raise TypeError(f"Value: children must be Values, got {child!r}")
        self.data = _as_float(data)
        self.grad = 0.0
        self._x, self._y = (*children, None, None)[:2]
        self._dx, self._dy = (*map(_as_float, local_grads), 0.0, 0.0)[:2]
        self._op = _op
        self.label = label

    @property
    def _prev(self) -> tuple[Value, ...]:
        """The inputs this node was computed from, in order."""
        x, y = self._x, self._y
        if x is None or type(x) is tuple:
            return x or ()
        return (x,) if y is None else (x, y)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    # ---- binary operators: out = x op y, with d out/dx and d out/dy ---------------------

    def __add__(self, other: Value | float) -> Value:
        other = other if type(other) is Value else _constant(other, "+")
        return _node(self.data + other.data, "+", self, 1.0, other, 1.0)

    def __radd__(self, other: float) -> Value:
        return _constant(other, "+") + self

    def __sub__(self, other: Value | float) -> Value:
        other = other if type(other) is Value else _constant(other, "-")
        return _node(self.data - other.data, "-", self, 1.0, other, -1.0)

    def __rsub__(self, other: float) -> Value:
        return _constant(other, "-") - self

    def __mul__(self, other: Value | float) -> Value:
        other = other if type(other) is Value else _constant(other, "*")
        x, y = self.data, other.data
        return _node(x * y, "*", self, y, other, x)

    def __rmul__(self, other: float) -> Value:
        return _constant(other, "*") * self

    def __truediv__(self, other: Value | float) -> Value:
        other = other if type(other) is Value else _constant(other, "/")
        x, y = self.data, other.data
        if y == 0.0:
            raise ZeroDivisionError(f"Value /: division by zero ({x} / {y})")
        out = x / y
        return _node(out, "/", self, 1.0 / y, other, -out / y)  # d(x/y)/dy = -x/y²

    def __rtruediv__(self, other: float) -> Value:
        return _constant(other, "/") / self

    def __pow__(self, exponent: Value | float) -> Value:
        x = self.data
        if isinstance(exponent, Value):  # x^y: d/dx = y·x^(y-1), d/dy = x^y·ln x
            y = exponent.data
            out = _power(x, y)
            return _node(out, "**", self, _d_power_base(x, y), exponent, _d_power_ln(x, out))
        k = _number(exponent, "**")  # a constant exponent, shown in the op as micrograd does
        return _node(_power(x, k), f"**{exponent}", self, _d_power_base(x, k))

    def __rpow__(self, base: float) -> Value:
        return _constant(base, "**") ** self

    # ---- unary functions: out = f(x), with d out/dx -------------------------------------

    def __neg__(self) -> Value:
        return _node(-self.data, "neg", self, -1.0)

    def __abs__(self) -> Value:
        x = self.data
        return _node(abs(x), "abs", self, 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0)

    def relu(self) -> Value:
        x = self.data
        return _node(0.0, "ReLU", self, 0.0) if x <= 0.0 else _node(x, "ReLU", self, 1.0)

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return _node(t, "tanh", self, 1.0 - t * t)

    def sigmoid(self) -> Value:
        s = _sigmoid(self.data)
        return _node(s, "sigmoid", self, s * (1.0 - s))

    def softplus(self) -> Value:
        x = self.data  # log(1 + e^x); x itself above 20 (to 2e-9), as torch's threshold
        if x > 20.0:
            return _node(x, "softplus", self, 1.0)
        return _node(math.log1p(math.exp(x)), "softplus", self, _sigmoid(x))

    def exp(self) -> Value:
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"Value exp: exp({self.data}) overflows float64") from None
        return _node(out, "exp", self, out)

    def log(self) -> Value:
        x = self.data
        if not x > 0.0:
            raise ValueError(f"Value log: input must be positive, got {x}")
        return _node(math.log(x), "log", self, 1.0 / x)

    def sqrt(self) -> Value:
        x = self.data
        if not x >= 0.0:
            raise ValueError(f"Value sqrt: input must be non-negative, got {x}")
        out = math.sqrt(x)
        return _node(out, "sqrt", self, 0.5 / out if out else math.inf)  # 1/(2·sqrt(x))

    def sin(self) -> Value:
        return _node(math.sin(self.data), "sin", self, math.cos(self.data))

    def cos(self) -> Value:
        return _node(math.cos(self.data), "cos", self, -math.sin(self.data))

    # ---- reverse mode -------------------------------------------------------------------

    def backward(self) -> None:
        """Add d(self)/d(leaf) to the .grad of every leaf that self depends on.

        Leaf gradients accumulate across calls (zero them between steps); the gradients
        of intermediate nodes hold this call's values only.
        """
        order = topological_order(self)
        for node in order:
            if node._x is not None:
                node.grad = 0.0
        self.grad = 1.0 if self._x is not None else self.grad + 1.0
        for node in reversed(order):  # outputs first: a node's grad is complete when reached
            x = node._x
            if x is None:
                continue
            g = node.grad
            if type(x) is tuple:  # a sum: d out/d term = 1 for every term
                for term in x:
                    term.grad += g
            else:
                x.grad += node._dx * g
                y = node._y
                if y is not None:
                    y.grad += node._dy * g


def topological_order(root: Value) -> list[Value]:
    """Every node root depends on, each listed after all of its inputs; root comes last.

    An iterative depth-first search, so graphs of any depth need no recursion: a node is
    pushed back with a None above it, and listed when that None is popped, by which time
    every input pushed above it has been listed.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    push, pop, emit, visit = stack.append, stack.pop, order.append, visited.add
    while stack:
        node = pop()
        if node is None:
            emit(pop())
            continue
        if node in visited:
            continue
        visit(node)
        x, y = node._x, node._y
        if x is None:
            emit(node)
            continue
        push(node)
        push(None)
        if type(x) is tuple:  # the terms of a sum
            for term in reversed(x):
                if term not in visited:
                    push(term)
        else:
            if y is not None and y not in visited:
                push(y)
            if x not in visited:  # pushed last, so x's inputs are listed before y's
                push(x)
    return order


def sum_values(terms: Iterable[Value | float]) -> Value:
    """terms[0] + terms[1] + ... as one node, rather than a chain of len(terms) - 1 nodes.

    Added left to right, so the result is the same float as the chain's.
    """
    terms = tuple(t if type(t) is Value else _constant(t, "sum_values") for t in terms)
    if not terms:
        return _leaf(0.0)
    total = terms[0].data
    for term in terms[1:]:
        total += term.data
    return _node(total, "sum", terms, 1.0)  # d out/d term = 1 for every term


# ---- building nodes ------------------------------------------------------------------------

_new_value = object.__new__


def _node(
    data: float,
    op: str,
    x: Value | tuple[Value, ...],
    dx: float,
    y: Value | None = None,
    dy: float = 0.0,
) -> Value:
    """The result of an op on x (and y) with its local derivatives; the op checked its input."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._x = x
    out._dx = dx
    out._y = y
    out._dy = dy
    out._op = op
    out.label = ""
    return out


def _leaf(data: float) -> Value:
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._x = out._y = None
    out._dx = out._dy = 0.0
    out._op = out.label = ""
    return out


def _as_float(data: object) -> float:
    if type(data) is float:
        return data
    if isinstance(data, bool) or not isinstance(data, Real):
        raise TypeError(f"Value: data must be a real number, got {data!r} ({type(data).__name__})")
    return float(data)


def _constant(x: object, op: str) -> Value:
    """The other operand of `op` as a leaf Value (a Value subclass passes through)."""
    return x if isinstance(x, Value) else _leaf(_number(x, op))


def _number(x: object, op: str) -> float:
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(
            f"Value {op}: operand must be a real number or a Value, got {x!r} ({type(x).__name__})"
        )
    return float(x)


# ---- numerical helpers ---------------------------------------------------------------------


def _power(x: float, k: float) -> float:
    """x ** k for the forward pass, refusing results that are not finite real numbers."""
    if x == 0.0 and k < 0:
        raise ZeroDivisionError(f"Value **: 0.0 cannot be raised to the negative power {k}")
    if x < 0.0 and not float(k).is_integer():
        raise ValueError(
            f"Value **: negative base {x} to the non-integer power {k} has no real value"
        )
    try:
        return float(x**k)
    except OverflowError:
        raise OverflowError(f"Value **: {x} ** {k} overflows float64") from None


def _d_power_base(x: float, k: float) -> float:
    """d(x^k)/dx = k·x^(k-1); 0 for k = 0, and inf at a pole, as torch gives."""
    if k == 0:
        return 0.0
    try:
        return k * x ** (k - 1)
    except (ZeroDivisionError, OverflowError):  # where IEEE arithmetic gives ±inf
        odd = float(k - 1).is_integer() and (k - 1) % 2 == 1
        return math.copysign(math.inf, k * x) if odd else math.copysign(math.inf, k)


def _d_power_ln(x: float, out: float) -> float:
    """d(x^y)/dy = x^y·ln x; 0 at x = 0 and NaN for x < 0, as torch gives."""
    if x > 0.0:
        return out * math.log(x)
    return 0.0 if x == 0.0 else math.nan


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x), written so that e^t is only taken for t <= 0."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
