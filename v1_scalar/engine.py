"""A scalar reverse-mode autograd engine, compatible with micrograd's Value.

Every operation on a Value returns a new Value that remembers its inputs (`_prev`) and
the operation that made it (`_op`). `backward()` orders the graph so that each node comes
after everything it depends on, then walks that order from the output back to the
inputs, applying the chain rule: each input's gradient grows by the output's gradient
times the local derivative d(output)/d(input).

The local derivatives live in two tables below, one line per op, and read only the data
stored in the nodes. A node therefore holds no closure and no reference back to itself:
a graph is freed by reference counting alone, and no step of it recurses.
"""

from __future__ import annotations

import math
from numbers import Real


class Value:
    """A scalar that records how it was computed, so its gradient can flow back.

    A node keeps its inputs in two slots, `_x` and `_y` (None when absent), rather than in a
    container: one object per node is what the garbage collector has to walk. `_prev`
    gives them as a tuple, as micrograd's `_prev` gives them as a set.
    """

    __slots__ = ("data", "grad", "_x", "_y", "_op", "label")
    __array_ufunc__ = None  # NumPy scalars then defer to Value's reflected operators

    def __init__(
        self, data: float, _children: tuple[Value, ...] = (), _op: str = "", label: str = ""
    ) -> None:
        children = tuple(_children)
        for child in children:
            if not isinstance(child, Value):
                raise TypeError(f"Value: children must be Values, got {child!r}")
        if children and _ARITY.get(_op) != len(children):
            raise ValueError(
                f"Value: no derivative rule for op {_op!r} with {len(children)} input(s); "
                f"known ops: {sorted(_ARITY)}"
            )
        self.data = _as_float(data)
        self.grad = 0.0
        self._x, self._y = (*children, None, None)[:2]
        self._op = _op
        self.label = label

    @property
    def _prev(self) -> tuple[Value, ...]:
        """The inputs this node was computed from, in order."""
        if self._x is None:
            return ()
        return (self._x,) if self._y is None else (self._x, self._y)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    # ---- binary operators: inputs (x, y), out = x op y ---------------------------------

    def __add__(self, other: Value | float) -> Value:
        other = other if type(other) is Value else _constant(other, "+")
        return _node(self.data + other.data, self, other, "+")

    def __radd__(self, other: float) -> Value:
        return _constant(other, "+") + self

    def __sub__(self, other: Value | float) -> Value:
        other = other if type(other) is Value else _constant(other, "-")
        return _node(self.data - other.data, self, other, "-")

    def __rsub__(self, other: float) -> Value:
        return _constant(other, "-") - self

    def __mul__(self, other: Value | float) -> Value:
        other = other if type(other) is Value else _constant(other, "*")
        return _node(self.data * other.data, self, other, "*")

    def __rmul__(self, other: float) -> Value:
        return _constant(other, "*") * self

    def __truediv__(self, other: Value | float) -> Value:
        other = other if type(other) is Value else _constant(other, "/")
        if other.data == 0.0:
            raise ZeroDivisionError(f"Value /: division by zero ({self.data} / {other.data})")
        return _node(self.data / other.data, self, other, "/")

    def __rtruediv__(self, other: float) -> Value:
        return _constant(other, "/") / self

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):  # x ** y: the exponent gets a gradient too
            return _node(_power(self.data, exponent.data), self, exponent, "pow")
        k = _constant(exponent, "**")  # x ** k: a constant exponent, as in micrograd
        return _node(_power(self.data, k.data), self, k, "**")

    def __rpow__(self, base: float) -> Value:
        return _constant(base, "**") ** self

    # ---- unary functions: input x, out = f(x) ------------------------------------------

    def __neg__(self) -> Value:
        return _node(-self.data, self, None, "neg")

    def __abs__(self) -> Value:
        return _node(abs(self.data), self, None, "abs")

    def relu(self) -> Value:
        x = self.data
        return _node(0.0 if x <= 0.0 else x, self, None, "ReLU")

    def tanh(self) -> Value:
        return _node(math.tanh(self.data), self, None, "tanh")

    def sigmoid(self) -> Value:
        return _node(_sigmoid(self.data), self, None, "sigmoid")

    def softplus(self) -> Value:
        x = self.data  # log(1 + e^x), which is x to within 2e-9 above 20 (torch's threshold)
        return _node(x if x > 20.0 else math.log1p(math.exp(x)), self, None, "softplus")

    def exp(self) -> Value:
        try:
            return _node(math.exp(self.data), self, None, "exp")
        except OverflowError:
            raise OverflowError(f"Value exp: exp({self.data}) overflows float64") from None

    def log(self) -> Value:
        if not self.data > 0.0:
            raise ValueError(f"Value log: input must be positive, got {self.data}")
        return _node(math.log(self.data), self, None, "log")

    def sqrt(self) -> Value:
        if not self.data >= 0.0:
            raise ValueError(f"Value sqrt: input must be non-negative, got {self.data}")
        return _node(math.sqrt(self.data), self, None, "sqrt")

    def sin(self) -> Value:
        return _node(math.sin(self.data), self, None, "sin")

    def cos(self) -> Value:
        return _node(math.cos(self.data), self, None, "cos")

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
            x, y, g = node._x, node._y, node.grad
            if x is None:
                continue
            if y is None:
                x.grad += _UNARY_DERIVATIVES[node._op](x.data, node.data) * g
            else:
                dx, dy = _BINARY_DERIVATIVES[node._op](x.data, y.data, node.data)
                x.grad += dx * g
                y.grad += dy * g


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
        if y is not None and y not in visited:
            push(y)
        if x not in visited:  # pushed last, so x's inputs are listed before y's
            push(x)
    return order


# ---- local derivatives: one line per op, reading only the nodes' data ---------------------

# (d out/dx, d out/dy) for out = x op y
_BINARY_DERIVATIVES = {
    "+": lambda x, y, out: (1.0, 1.0),
    "-": lambda x, y, out: (1.0, -1.0),
    "*": lambda x, y, out: (y, x),
    "/": lambda x, y, out: (1.0 / y, -out / y),  # d(x/y)/dy = -x/y²
    "**": lambda x, k, out: (_d_power_base(x, k), 0.0),  # k is a constant
    "pow": lambda x, y, out: (_d_power_base(x, y), _d_power_exponent(x, out)),
}

# d out/dx for out = f(x)
_UNARY_DERIVATIVES = {
    "neg": lambda x, out: -1.0,
    "abs": lambda x, out: 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0,
    "ReLU": lambda x, out: 1.0 if out > 0.0 else 0.0,
    "tanh": lambda x, out: 1.0 - out * out,
    "sigmoid": lambda x, out: out * (1.0 - out),
    "softplus": lambda x, out: 1.0 if x > 20.0 else _sigmoid(x),
    "exp": lambda x, out: out,
    "log": lambda x, out: 1.0 / x,
    "sqrt": lambda x, out: 0.5 / out if out else math.inf,  # 1 / (2·sqrt(x))
    "sin": lambda x, out: math.cos(x),
    "cos": lambda x, out: -math.sin(x),
}

_ARITY = {op: 2 for op in _BINARY_DERIVATIVES} | {op: 1 for op in _UNARY_DERIVATIVES}


def _d_power_base(x: float, k: float) -> float:
    """d(x^k)/dx = k·x^(k-1); 0 for k = 0 and inf at a pole, as torch gives."""
    return 0.0 if k == 0 else k * _ieee_power(x, k - 1)


def _d_power_exponent(x: float, out: float) -> float:
    """d(x^y)/dy = x^y·ln x; 0 at x = 0 and NaN for x < 0, as torch gives."""
    if x > 0.0:
        return out * math.log(x)
    return 0.0 if x == 0.0 else math.nan


def _ieee_power(x: float, p: float) -> float:
    """x ** p, with the IEEE infinity where Python raises (0 to a negative power, overflow)."""
    try:
        return x**p
    except (ZeroDivisionError, OverflowError):
        odd = float(p).is_integer() and p % 2 == 1
        return math.copysign(math.inf, x) if odd else math.inf


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x), written so that e^t is only taken for t <= 0."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# ---- building nodes ----------------------------------------------------------------------

_new_value = object.__new__


def _node(data: float, x: Value | None, y: Value | None, op: str) -> Value:
    """The result of an op: Value.__init__'s work without its checks (the op did them)."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._x = x
    out._y = y
    out._op = op
    out.label = ""
    return out


def _as_float(data: object) -> float:
    if type(data) is float:
        return data
    if isinstance(data, bool) or not isinstance(data, Real):
        raise TypeError(f"Value: data must be a real number, got {data!r} ({type(data).__name__})")
    return float(data)


def _constant(x: object, op: str) -> Value:
    """The other operand of `op` as a leaf Value (a Value subclass passes through)."""
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(
            f"Value {op}: operand must be a real number or a Value, got {x!r} ({type(x).__name__})"
        )
    return _node(float(x), None, None, "")


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
