"""The table of ops: one line per op makes the module function and the Tensor method.

A line names the op, its public function (a Function under one of the calling conventions
of `conventions.py`, or a function written beside its Function) and what else it gives:

    "exp": (unary("exp", Exp), METHOD | INPLACE)   ->  v2_tensor.exp(x), x.exp(), x.exp_()

METHOD adds the Tensor method of the same name, INPLACE its in-place twin `name_` (the same
op written back into the tensor, see v2_tensor.inplace), PROPERTY makes it a property
(`x.T`), and NO_FUNCTION keeps it off the module (torch has `x.view` but no `torch.view`).
Aliases are lines of their own that name the same function. Python's operators are bound
in one place too, `OPERATORS`, from the same functions.
"""

# ruff: noqa: A001  (torch's names: abs, max, min, pow, sum)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..inplace import apply_inplace
from ..tensor import Tensor
from . import (
    arithmetic,
    creation,
    decompositions,
    factories,
    fill,
    indexing,
    joins,
    layout,
    linalg,
    norms,
    reductions,
    sampling,
    scans,
    shape,
    sorting,
    unary,
)
from .conventions import reduction
from .conventions import unary as float_unary

METHOD, INPLACE, PROPERTY, NO_FUNCTION = 1, 2, 4, 8
BOTH = METHOD | INPLACE

# fmt: off
TABLE: dict[str, tuple[Callable, int]] = {
    # ---- arithmetic, with broadcasting and torch's dtype promotion --------------------------
    "add":            (arithmetic.add, BOTH),
    "sub":            (arithmetic.sub, BOTH),
    "subtract":       (arithmetic.sub, BOTH),
    "rsub":           (arithmetic.rsub, 0),
    "addcmul":        (arithmetic.addcmul, BOTH),
    "addcdiv":        (arithmetic.addcdiv, BOTH),
    "lerp":           (arithmetic.lerp, BOTH),
    "mul":            (arithmetic.mul, BOTH),
    "multiply":       (arithmetic.mul, BOTH),
    "div":            (arithmetic.div, BOTH),
    "divide":         (arithmetic.div, BOTH),
    "true_divide":    (arithmetic.div, BOTH),
    "pow":            (arithmetic.pow, BOTH),
    "neg":            (arithmetic.neg, BOTH),
    "negative":       (arithmetic.neg, BOTH),
    "maximum":        (arithmetic.maximum, METHOD),
    "minimum":        (arithmetic.minimum, METHOD),
    "where":          (arithmetic.where, 0),
    "fmax":           (arithmetic.fmax, METHOD),
    "fmin":           (arithmetic.fmin, METHOD),
    "fmod":           (arithmetic.fmod, BOTH),
    "remainder":      (arithmetic.remainder, BOTH),
    "floor_divide":   (arithmetic.floor_divide, BOTH),
    "atan2":          (arithmetic.atan2, BOTH),
    "arctan2":        (arithmetic.atan2, BOTH),
    "copysign":       (arithmetic.copysign, BOTH),
    "hypot":          (arithmetic.hypot, BOTH),
    "logaddexp":      (arithmetic.logaddexp, METHOD),
    "logaddexp2":     (arithmetic.logaddexp2, METHOD),
    "xlogy":          (arithmetic.xlogy, BOTH),
    "float_power":    (arithmetic.float_power, METHOD),
    # ---- comparisons, logic and bits: no gradient --------------------------------------------
    "eq":             (arithmetic.eq, BOTH),
    "ne":             (arithmetic.ne, BOTH),
    "not_equal":      (arithmetic.ne, BOTH),
    "lt":             (arithmetic.lt, BOTH),
    "less":           (arithmetic.lt, BOTH),
    "le":             (arithmetic.le, BOTH),
    "less_equal":     (arithmetic.le, BOTH),
    "gt":             (arithmetic.gt, BOTH),
    "greater":        (arithmetic.gt, BOTH),
    "ge":             (arithmetic.ge, BOTH),
    "greater_equal":  (arithmetic.ge, BOTH),
    "logical_and":    (arithmetic.logical_and, BOTH),
    "logical_or":     (arithmetic.logical_or, BOTH),
    "logical_xor":    (arithmetic.logical_xor, BOTH),
    "logical_not":    (arithmetic.logical_not, BOTH),
    "bitwise_and":    (arithmetic.bitwise_and, METHOD),
    "bitwise_or":     (arithmetic.bitwise_or, METHOD),
    "bitwise_xor":    (arithmetic.bitwise_xor, METHOD),
    "bitwise_not":    (arithmetic.bitwise_not, METHOD),
    "bitwise_left_shift":  (arithmetic.bitwise_left_shift, METHOD),
    "bitwise_right_shift": (arithmetic.bitwise_right_shift, METHOD),
    "isclose":        (arithmetic.isclose, METHOD),
    "allclose":       (arithmetic.allclose, METHOD),
    "equal":          (arithmetic.equal, METHOD),
    "isnan":          (unary.isnan, METHOD),
    "isinf":          (unary.isinf, METHOD),
    "isfinite":       (unary.isfinite, METHOD),
    "isposinf":       (unary.isposinf, METHOD),
    "isneginf":       (unary.isneginf, METHOD),
    "signbit":        (unary.signbit, METHOD),
    # ---- functions of one tensor ---------------------------------------------------------------
    "exp":            (float_unary("exp", unary.Exp), BOTH),
    "log":            (float_unary("log", unary.Log), BOTH),
    "sqrt":           (float_unary("sqrt", unary.Sqrt), BOTH),
    "tanh":           (float_unary("tanh", unary.Tanh), BOTH),
    "sigmoid":        (float_unary("sigmoid", unary.Sigmoid), BOTH),
    "sin":            (float_unary("sin", unary.Sin), BOTH),
    "cos":            (float_unary("cos", unary.Cos), BOTH),
    "abs":            (unary.abs, BOTH),
    "absolute":       (unary.abs, BOTH),
    "sign":           (unary.sign, BOTH),
    "sgn":            (unary.sign, BOTH),
    "positive":       (unary.positive, METHOD),
    "tan":            (float_unary("tan", unary.Tan), BOTH),
    "asin":           (float_unary("asin", unary.Asin), BOTH),
    "arcsin":         (float_unary("arcsin", unary.Asin), BOTH),
    "acos":           (float_unary("acos", unary.Acos), BOTH),
    "arccos":         (float_unary("arccos", unary.Acos), BOTH),
    "atan":           (float_unary("atan", unary.Atan), BOTH),
    "arctan":         (float_unary("arctan", unary.Atan), BOTH),
    "sinh":           (float_unary("sinh", unary.Sinh), BOTH),
    "cosh":           (float_unary("cosh", unary.Cosh), BOTH),
    "asinh":          (float_unary("asinh", unary.Asinh), BOTH),
    "arcsinh":        (float_unary("arcsinh", unary.Asinh), BOTH),
    "acosh":          (float_unary("acosh", unary.Acosh), BOTH),
    "arccosh":        (float_unary("arccosh", unary.Acosh), BOTH),
    "atanh":          (float_unary("atanh", unary.Atanh), BOTH),
    "arctanh":        (float_unary("arctanh", unary.Atanh), BOTH),
    "rsqrt":          (float_unary("rsqrt", unary.Rsqrt), BOTH),
    "reciprocal":     (float_unary("reciprocal", unary.Reciprocal), BOTH),
    "square":         (unary.square, BOTH),
    "log2":           (float_unary("log2", unary.Log2), BOTH),
    "log10":          (float_unary("log10", unary.Log10), BOTH),
    "log1p":          (float_unary("log1p", unary.Log1p), BOTH),
    "expm1":          (float_unary("expm1", unary.Expm1), BOTH),
    "exp2":           (float_unary("exp2", unary.Exp2), BOTH),
    "erf":            (float_unary("erf", unary.Erf), BOTH),
    "erfc":           (float_unary("erfc", unary.Erfc), BOTH),
    "erfinv":         (float_unary("erfinv", unary.Erfinv), BOTH),
    "logit":          (unary.logit, BOTH),
    "floor":          (unary.floor, BOTH),
    "ceil":           (unary.ceil, BOTH),
    "trunc":          (unary.trunc, BOTH),
    "fix":            (unary.trunc, BOTH),
    "round":          (unary.round, BOTH),
    "frac":           (unary.frac, BOTH),
    "nan_to_num":     (unary.nan_to_num, BOTH),
    "lgamma":         (float_unary("lgamma", unary.Lgamma), BOTH),
    "digamma":        (unary.digamma, BOTH),
    "polygamma":      (unary.polygamma, 0),
    "sinc":           (float_unary("sinc", unary.Sinc), BOTH),
    "deg2rad":        (unary.deg2rad, BOTH),
    "rad2deg":        (unary.rad2deg, BOTH),
    "relu":           (unary.relu, BOTH),
    "clamp":          (unary.clamp, BOTH),
    "clip":           (unary.clamp, BOTH),
    "clamp_min":      (unary.clamp_min, BOTH),
    "clamp_max":      (unary.clamp_max, BOTH),
    "clone":          (unary.clone, METHOD),
    "cast":           (unary.cast, 0),
    # ---- reductions ------------------------------------------------------------------------------
    "sum":            (reductions.sum, METHOD),
    "mean":           (reductions.mean, METHOD),
    "prod":           (reductions.prod, METHOD),
    "nansum":         (reductions.nansum, METHOD),
    "nanmean":        (reductions.nanmean, METHOD),
    "any":            (reductions.any, METHOD),
    "all":            (reductions.all, METHOD),
    "count_nonzero":  (reductions.count_nonzero, METHOD),
    "var_mean":       (reductions.var_mean, 0),
    "std_mean":       (reductions.std_mean, 0),
    "median":         (reductions.median, METHOD),
    "nanmedian":      (reductions.nanmedian, METHOD),
    "aminmax":        (reductions.aminmax, METHOD),
    "norm":           (norms.norm, METHOD),
    "dist":           (norms.dist, METHOD),
    "amax":           (reduction("amax", reductions.Amax), METHOD),
    "amin":           (reduction("amin", reductions.Amin), METHOD),
    "max":            (reductions.max, METHOD),
    "min":            (reductions.min, METHOD),
    "argmax":         (reductions.argmax, METHOD),
    "argmin":         (reductions.argmin, METHOD),
    "var":            (reductions.var, METHOD),
    "std":            (reductions.std, METHOD),
    "logsumexp":      (reductions.logsumexp, METHOD),
    "softmax":        (reductions.softmax, METHOD),
    "log_softmax":    (reductions.log_softmax, METHOD),
    # ---- scans along one dim -------------------------------------------------------------------
    "cumsum":         (scans.cumsum, BOTH),
    "cumprod":        (scans.cumprod, BOTH),
    "cummax":         (scans.cummax, METHOD),
    "cummin":         (scans.cummin, METHOD),
    "logcumsumexp":   (scans.logcumsumexp, METHOD),
    # ---- shape: views where torch's are --------------------------------------------------------
    "reshape":        (shape.reshape, METHOD),
    "view":           (shape.view, METHOD | NO_FUNCTION),
    "flatten":        (shape.flatten, METHOD),
    "permute":        (shape.permute, METHOD),
    "transpose":      (shape.transpose, METHOD),
    "t":              (shape.t, METHOD),
    "unsqueeze":      (shape.unsqueeze, METHOD),
    "squeeze":        (shape.squeeze, METHOD),
    "expand":         (shape.expand, METHOD | NO_FUNCTION),
    "T":              (shape.T, PROPERTY | NO_FUNCTION),
    "mT":             (shape.mT, PROPERTY | NO_FUNCTION),
    "movedim":        (layout.movedim, METHOD),
    "moveaxis":       (layout.movedim, METHOD),
    "swapaxes":       (layout.swapaxes, METHOD),
    "swapdims":       (layout.swapdims, METHOD),
    "unflatten":      (layout.unflatten, METHOD),
    "ravel":          (layout.ravel, METHOD),
    "narrow":         (layout.narrow, METHOD),
    "select":         (layout.select, METHOD),
    "unfold":         (layout.unfold, METHOD | NO_FUNCTION),
    "diagonal":       (layout.diagonal, METHOD),
    "contiguous":     (layout.contiguous, METHOD | NO_FUNCTION),
    "is_contiguous":  (layout.is_contiguous, METHOD | NO_FUNCTION),
    "broadcast_to":   (layout.broadcast_to, METHOD),
    "broadcast_tensors": (layout.broadcast_tensors, 0),
    "broadcast_shapes":  (layout.broadcast_shapes, 0),
    "atleast_1d":     (layout.atleast_1d, 0),
    "atleast_2d":     (layout.atleast_2d, 0),
    "atleast_3d":     (layout.atleast_3d, 0),
    "meshgrid":       (layout.meshgrid, 0),
    # ---- layout: copies (flips, rolls, repeats, triangles, diagonals) ---------------------------
    "flip":           (layout.flip, METHOD),
    "fliplr":         (layout.fliplr, METHOD),
    "flipud":         (layout.flipud, METHOD),
    "roll":           (layout.roll, METHOD),
    "rot90":          (layout.rot90, METHOD),
    "repeat":         (layout.repeat, METHOD | NO_FUNCTION),
    "tile":           (layout.tile, METHOD),
    "repeat_interleave": (layout.repeat_interleave, METHOD),
    "tril":           (layout.tril, BOTH),
    "triu":           (layout.triu, BOTH),
    "diag":           (layout.diag, METHOD),
    "diag_embed":     (layout.diag_embed, METHOD),
    "diagflat":       (layout.diagflat, METHOD),
    "diagonal_scatter": (layout.diagonal_scatter, METHOD),
    "trace":          (layout.trace, METHOD),
    # ---- indexing and scattering ---------------------------------------------------------------
    "gather":         (indexing.gather, METHOD),
    "scatter":        (indexing.scatter, BOTH),
    "scatter_add":    (indexing.scatter_add, BOTH),
    "masked_fill":    (indexing.masked_fill, BOTH),
    "index_fill":     (indexing.index_fill, BOTH),
    "index_put":      (indexing.index_put, BOTH),
    "scatter_reduce": (indexing.scatter_reduce, BOTH),
    "index_select":   (indexing.index_select, METHOD),
    "index_add":      (indexing.index_add, BOTH),
    "index_copy":     (indexing.index_copy, BOTH),
    "masked_select":  (indexing.masked_select, METHOD),
    "masked_scatter": (indexing.masked_scatter, BOTH),
    "take":           (indexing.take, METHOD),
    "take_along_dim": (indexing.take_along_dim, METHOD),
    "put":            (indexing.put, BOTH),
    "nonzero":        (indexing.nonzero, METHOD),
    "argwhere":       (indexing.argwhere, METHOD),
    # ---- sorting, searching, counting ----------------------------------------------------------
    "sort":           (sorting.sort, METHOD),
    "argsort":        (sorting.argsort, METHOD),
    "msort":          (sorting.msort, METHOD),
    "topk":           (sorting.topk, METHOD),
    "kthvalue":       (sorting.kthvalue, METHOD),
    "searchsorted":   (sorting.searchsorted, 0),
    "bucketize":      (sorting.bucketize, 0),
    "unique":         (sorting.unique, METHOD),
    "unique_consecutive": (sorting.unique_consecutive, METHOD),
    "histc":          (sorting.histc, METHOD),
    "bincount":       (sorting.bincount, METHOD),
    # ---- joining and splitting ------------------------------------------------------------------
    "cat":            (joins.cat, 0),
    "concat":         (joins.cat, 0),
    "concatenate":    (joins.cat, 0),
    "stack":          (joins.stack, 0),
    "split":          (joins.split, METHOD),
    "chunk":          (joins.chunk, METHOD),
    "unbind":         (joins.unbind, METHOD),
    "pad":            (joins.pad, 0),
    "tensor_split":   (joins.tensor_split, METHOD),
    "hsplit":         (joins.hsplit, METHOD),
    "vsplit":         (joins.vsplit, METHOD),
    "dsplit":         (joins.dsplit, METHOD),
    "hstack":         (joins.hstack, 0),
    "vstack":         (joins.vstack, 0),
    "row_stack":      (joins.row_stack, 0),
    "dstack":         (joins.dstack, 0),
    "column_stack":   (joins.column_stack, 0),
    # ---- linear algebra ----------------------------------------------------------------------
    "matmul":         (linalg.matmul, METHOD),
    "mm":             (linalg.mm, METHOD),
    "bmm":            (linalg.bmm, METHOD),
    "mv":             (linalg.mv, METHOD),
    "dot":            (linalg.dot, METHOD),
    "vdot":           (linalg.vdot, METHOD),
    "inner":          (linalg.inner, METHOD),
    "outer":          (linalg.outer, METHOD),
    "ger":            (linalg.outer, METHOD),
    "kron":           (linalg.kron, METHOD),
    "addmm":          (linalg.addmm, BOTH),
    "addmv":          (linalg.addmv, BOTH),
    "addbmm":         (linalg.addbmm, BOTH),
    "baddbmm":        (linalg.baddbmm, BOTH),
    "addr":           (linalg.addr, BOTH),
    "einsum":         (linalg.einsum, 0),
    "tensordot":      (linalg.tensordot, 0),
    "chain_matmul":   (linalg.chain_matmul, 0),
    "cross":          (linalg.cross, METHOD),
    "cdist":          (linalg.cdist, 0),
    "det":            (decompositions.det, METHOD),
    "logdet":         (decompositions.logdet, METHOD),
    "slogdet":        (decompositions.slogdet, METHOD),
    "inverse":        (decompositions.inv, METHOD),
    "pinverse":       (decompositions.pinverse, METHOD),
    "matrix_power":   (decompositions.matrix_power, METHOD),
    "cholesky":       (decompositions.cholesky_legacy, METHOD),
    "cholesky_solve": (decompositions.cholesky_solve, METHOD),
    "cholesky_inverse": (decompositions.cholesky_inverse, METHOD),
    "qr":             (decompositions.qr_legacy, METHOD),
    "svd":            (decompositions.svd_legacy, METHOD),
    # ---- new tensors -------------------------------------------------------------------------
    "tensor":         (creation.tensor, 0),
    "as_tensor":      (creation.as_tensor, 0),
    "asarray":        (creation.asarray, 0),
    "from_numpy":     (creation.from_numpy, 0),
    "zeros":          (creation.zeros, 0),
    "ones":           (creation.ones, 0),
    "empty":          (creation.empty, 0),
    "full":           (creation.full, 0),
    "zeros_like":     (creation.zeros_like, 0),
    "ones_like":      (creation.ones_like, 0),
    "empty_like":     (creation.empty_like, 0),
    "full_like":      (creation.full_like, 0),
    "rand":           (creation.rand, 0),
    "randn":          (creation.randn, 0),
    "rand_like":      (creation.rand_like, 0),
    "randn_like":     (creation.randn_like, 0),
    "randint":        (creation.randint, 0),
    "randperm":       (creation.randperm, 0),
    "randint_like":   (sampling.randint_like, 0),
    "normal":         (sampling.normal, 0),
    "bernoulli":      (sampling.bernoulli, METHOD),
    "multinomial":    (sampling.multinomial, METHOD),
    "poisson":        (sampling.poisson, 0),
    "arange":         (creation.arange, 0),
    "linspace":       (creation.linspace, 0),
    "eye":            (creation.eye, 0),
    "new_zeros":      (factories.new_zeros, METHOD | NO_FUNCTION),
    "new_ones":       (factories.new_ones, METHOD | NO_FUNCTION),
    "new_empty":      (factories.new_empty, METHOD | NO_FUNCTION),
    "new_full":       (factories.new_full, METHOD | NO_FUNCTION),
    "new_tensor":     (factories.new_tensor, METHOD | NO_FUNCTION),
}

# In-place ops without a method twin: the Tensor method `name` writes `function` back.
IN_PLACE_ONLY: dict[str, Callable] = {
    "fill_":          fill.fill,
    "zero_":          fill.zero,
    "copy_":          fill.copy,
    "normal_":        fill.normal,
    "uniform_":       fill.uniform,
    "bernoulli_":     fill.bernoulli,
    "exponential_":   fill.exponential,
    "random_":        fill.random_,
    "geometric_":     sampling.geometric,
    "log_normal_":    sampling.log_normal,
    "cauchy_":        sampling.cauchy,
}

# Python's operators: name -> (function, reflected?)
OPERATORS: dict[str, tuple[str, bool]] = {
    "__add__": ("add", False),          "__radd__": ("add", True),
    "__sub__": ("sub", False),          "__rsub__": ("sub", True),
    "__mul__": ("mul", False),          "__rmul__": ("mul", True),
    "__truediv__": ("div", False),      "__rtruediv__": ("div", True),
    "__pow__": ("pow", False),          "__rpow__": ("pow", True),
    "__mod__": ("remainder", False),    "__rmod__": ("remainder", True),
    "__floordiv__": ("floor_divide", False),
    "__rfloordiv__": ("floor_divide", True),
    "__matmul__": ("matmul", False),    "__rmatmul__": ("matmul", True),
    "__and__": ("bitwise_and", False),  "__rand__": ("bitwise_and", True),
    "__or__": ("bitwise_or", False),    "__ror__": ("bitwise_or", True),
    "__xor__": ("bitwise_xor", False),  "__rxor__": ("bitwise_xor", True),
    "__lshift__": ("bitwise_left_shift", False),
    "__rlshift__": ("bitwise_left_shift", True),
    "__rshift__": ("bitwise_right_shift", False),
    "__rrshift__": ("bitwise_right_shift", True),
    "__eq__": ("eq", False),  "__ne__": ("ne", False),
    "__lt__": ("lt", False),  "__le__": ("le", False),
    "__gt__": ("gt", False),  "__ge__": ("ge", False),
    "__neg__": ("neg", False),  "__abs__": ("abs", False),  "__invert__": ("bitwise_not", False),
    "__getitem__": ("getitem", False),
}

# x op= y: the in-place twin, which returns x
IN_PLACE_OPERATORS: dict[str, str] = {
    "__iadd__": "add", "__isub__": "sub", "__imul__": "mul", "__itruediv__": "div",
    "__ipow__": "pow", "__iand__": "bitwise_and", "__ior__": "bitwise_or",
    "__ixor__": "bitwise_xor", "__ilshift__": "bitwise_left_shift",
    "__irshift__": "bitwise_right_shift", "__imod__": "remainder",
    "__ifloordiv__": "floor_divide",
}
# fmt: on

# Tensor methods whose arguments differ from their function's (torch's signatures)
SPECIAL_METHODS: dict[str, Callable] = {
    "where": lambda self, condition, other: arithmetic.where(condition, self, other),
    "float_power_": lambda self, exponent: arithmetic.float_power_(self, exponent),
    "polygamma": lambda self, n: unary.polygamma(n, self),
    "polygamma_": lambda self, n: apply_inplace("polygamma_", self, unary.polygamma_of, n),
    "reshape_as": lambda self, other: shape.reshape(self, other.shape),
    "view_as": lambda self, other: shape.view(self, other.shape),
    "expand_as": lambda self, other: shape.expand(self, other.shape),
    "__pos__": lambda self: self,
    "__setitem__": lambda self, index, value: apply_inplace(
        "__setitem__", self, indexing.index_put, index, value
    ),
}

getitem = indexing.getitem
index_put = indexing.index_put


def _in_place(name: str, function: Callable) -> Callable:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return apply_inplace(name, self, function, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"In place: self = {function.__name__}(self, ...), written into self."
    return method


def _operator(function: Callable, reflected: bool) -> Callable:
    if reflected:
        return lambda self, other: function(other, self)
    return function


def _bind() -> list[str]:
    """Put every op of the tables on the module and on Tensor; returns the module's names."""
    names = []
    for name, (function, flags) in TABLE.items():
        if function.__name__ == "op":  # made by a convention: give it the op's name
            function.__name__ = function.__qualname__ = name
        if not flags & NO_FUNCTION:
            globals()[name] = function
            names.append(name)
        if flags & PROPERTY:
            setattr(Tensor, name, property(function))
        elif flags & METHOD:
            setattr(Tensor, name, function)
        if flags & INPLACE:
            setattr(Tensor, name + "_", _in_place(name + "_", function))
    for name, function in IN_PLACE_ONLY.items():
        setattr(Tensor, name, _in_place(name, function))
    for dunder, (name, reflected) in OPERATORS.items():
        setattr(Tensor, dunder, _operator(globals()[name], reflected))
    for dunder, name in IN_PLACE_OPERATORS.items():
        setattr(Tensor, dunder, _in_place(name + "_", globals()[name]))
    for name, method in SPECIAL_METHODS.items():
        setattr(Tensor, name, method)
    return names


__all__ = _bind()
