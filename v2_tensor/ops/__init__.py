"""Every op of the library as a function; Tensor's methods and operators call these."""

# ruff: noqa: F401  (this file re-exports the ops)

from .arithmetic import (
    add,
    div,
    eq,
    ge,
    gt,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    pow,
    sub,
    where,
)
from .creation import (
    arange,
    empty,
    eye,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    zeros,
    zeros_like,
)
from .indexing import gather, getitem, scatter_into_zeros, setitem
from .joins import cat, chunk, pad, split, stack, unbind
from .linalg import matmul
from .reductions import (
    amax,
    amin,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    std,
    sum,
    var,
)
from .shape import expand, flatten, permute, reshape, squeeze, transpose, unsqueeze, view
from .unary import abs, cast, clamp, clone, cos, exp, log, relu, sigmoid, sign, sin, sqrt, tanh
