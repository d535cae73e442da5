"""Products: matmul with torch's rules for 1-D, 2-D and batched operands, einsum (any
equation; its backward is the einsum of the gradient with the other operands), tensordot,
mm/bmm/mv/dot/inner/outer/kron and the add* family, cross products and cdist."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..function import Context, Function
from ..tensor import Tensor
from .arithmetic import where
from .conventions import broadcast_shape, operands
from .dims import normalize_dim


class MatMul(Function):
    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        if a.ndim > 2 and b.ndim == 2:  # a stack of rows times one matrix: one 2-D product
            return np.matmul(a.reshape(-1, a.shape[-1]), b).reshape(*a.shape[:-1], b.shape[-1])
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = ctx.needs_input_grad
        if b.ndim == 2 and a.ndim >= 2:  # C = AB: dA = dC Bᵀ, dB = Aᵀ dC (A's batch dims folded)
            rows, grad_rows = a.reshape(-1, a.shape[-1]), grad.reshape(-1, grad.shape[-1])
            grad_b = None
            if b_needs:  # B a transposed view (x @ W.T): dB = (dCᵀ A)ᵀ, so W's is C-ordered
                flags = b.array.flags
                transposed = flags.f_contiguous and not flags.c_contiguous
                grad_b = (grad_rows.T @ rows).T if transposed else rows.T @ grad_rows
            return (grad @ b.T if a_needs else None, grad_b)
        # 1-D operands act as a row (a) or a column (b) that the result then drops
        a2 = a if a.ndim > 1 else a.unsqueeze(0)
        b2 = b if b.ndim > 1 else b.unsqueeze(-1)
        g2 = grad
        if a.ndim == 1:
            g2 = g2.unsqueeze(-2 if b.ndim > 1 else 0)
        if b.ndim == 1:
            g2 = g2.unsqueeze(-1)
        # batch dims that broadcast come back summed by the engine
        grad_a = grad_b = None
        if a_needs:
            grad_a = g2 @ b2.mT
            grad_a = grad_a.squeeze(-2) if a.ndim == 1 else grad_a
        if b_needs:
            grad_b = a2.mT @ g2
            grad_b = grad_b.squeeze(-1) if b.ndim == 1 else grad_b
        return grad_a, grad_b


def matmul(input: Any, other: Any) -> Tensor:
    a = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    b = other if isinstance(other, Tensor) else Tensor(np.asarray(other))
    x, y = a.array, b.array
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dim, got shapes {x.shape} and {y.shape}"
        )
    inner = y.shape[-2 if y.ndim > 1 else 0]
    if x.shape[-1] != inner:
        raise RuntimeError(
            f"matmul: shapes {x.shape} and {y.shape} cannot be multiplied "
            f"({x.shape[-1]} != {inner})"
        )
    if x.ndim > 2 or y.ndim > 2:
        try:
            np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dims of shapes {x.shape} and {y.shape} cannot be broadcast"
            ) from None
    if x.dtype != y.dtype:  # as torch: no silent float64 product inside a float32 model
        raise RuntimeError(
            f"matmul: both operands need the same dtype, got {x.dtype} (shape {x.shape}) "
            f"and {y.dtype} (shape {y.shape}); convert one with .to(dtype)"
        )
    return MatMul.apply(a, b)


# ---- einsum and tensordot ------------------------------------------------------------------

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class Einsum(Function):
    """np.einsum of an explicit equation (no ellipsis, every letter one size): the frontend
    `einsum` writes any equation torch accepts in that form."""

    @staticmethod
    def forward(ctx: Context, *operands: np.ndarray, equation: str) -> np.ndarray:
        ctx.save_for_backward(*operands)
        ctx.equation = equation
        return np.asarray(np.einsum(equation, *operands, optimize=len(operands) > 1))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        operands = ctx.saved_tensors
        inputs, output = ctx.equation.split("->")
        subs = inputs.split(",")
        needs = ctx.needs_input_grad
        return tuple(
            _einsum_grad(grad, output, subs, operands, i) if needs[i] else None
            for i in range(len(operands))
        )


def _einsum_grad(grad: Tensor, output: str, subs: list, operands: tuple, i: int) -> Tensor:
    """d<grad, einsum>/d operand i: the einsum of grad with the other operands, written out
    to operand i's letters (letters only operand i has are broadcast back, and a repeated
    letter, a diagonal, puts the gradient on that diagonal)."""
    sub, shape = subs[i], operands[i].shape
    others = [s for k, s in enumerate(subs) if k != i]
    seen = output + "".join(others)
    unique = "".join(dict.fromkeys(sub))
    present = "".join(c for c in unique if c in seen)
    terms = [output, *others]
    if terms == [present] and len(others) == 0:
        g = grad
    else:
        rest = [t for k, t in enumerate(operands) if k != i]
        g = Einsum.apply(grad, *rest, equation=",".join(terms) + "->" + present)
    sizes = {c: n for c, n in zip(sub, shape, strict=True)}
    if present != unique:  # letters summed inside operand i alone: the gradient is constant
        g = g.reshape([sizes[c] if c in present else 1 for c in unique])
        g = g.expand([sizes[c] for c in unique])
    if unique != sub:  # a repeated letter: the gradient sits on the diagonal
        first = {c: sub.index(c) for c in unique}
        g = g.reshape(
            [n if first[c] == p else 1 for p, (c, n) in enumerate(zip(sub, shape, strict=True))]
        )
        mask = np.ones(shape, bool)
        for p, c in enumerate(sub):
            q = first[c]
            if q != p:
                along_q = np.arange(shape[q]).reshape(
                    [-1 if k == q else 1 for k in range(len(sub))]
                )
                along_p = np.arange(shape[p]).reshape(
                    [-1 if k == p else 1 for k in range(len(sub))]
                )
                mask = mask & (along_q == along_p)
        g = g * Tensor(mask.astype(g.dtype))
    return g


def _sublist_equation(args: tuple) -> tuple[str, list]:
    """einsum(a, [0, 1], b, [1, 2], [0, 2]): torch's sublist form, as an equation."""

    def letters(sublist: Any) -> str:
        out = ""
        for item in sublist:
            if item is Ellipsis:
                out += "..."
            elif isinstance(item, int) and 0 <= item < 52:
                out += _LETTERS[item]
            else:
                raise RuntimeError(f"einsum(): subscript in sublist must be in [0, 52), got {item}")
        return out

    output = letters(args[-1]) if len(args) % 2 else None  # an odd count ends in the output's
    pairs = args[: len(args) - len(args) % 2]
    operands, subs = list(pairs[0::2]), [letters(s) for s in pairs[1::2]]
    equation = ",".join(subs) + ("" if output is None else "->" + output)
    return equation, operands


def einsum(*args: Any) -> Tensor:
    """Einstein summation as torch.einsum: any equation, with ellipsis and implicit output
    ('ij,jk' is 'ij,jk->ik'), operands as arguments or one list, or the sublist form."""
    if args and not isinstance(args[0], str):
        equation, operands = _sublist_equation(args)
    else:
        if not args:
            raise TypeError("einsum(): expected an equation and operands")
        equation, *operands = args
        if len(operands) == 1 and isinstance(operands[0], list | tuple):
            operands = list(operands[0])
    operands = [o if isinstance(o, Tensor) else Tensor(np.asarray(o)) for o in operands]
    explicit, shapes = _explicit_equation(equation.replace(" ", ""), operands)
    for t in operands[1:]:
        if t.dtype != operands[0].dtype:
            raise RuntimeError(
                f"einsum(): expected all operands to have the same dtype, got {operands[0].dtype} "
                f"and {t.dtype}"
            )
    operands = [t if t.shape == s else t.expand(s) for t, s in zip(operands, shapes, strict=True)]
    return Einsum.apply(*operands, equation=explicit)


def _explicit_equation(equation: str, operands: list) -> tuple[str, list]:
    """The equation with '...' written as letters and the output made explicit, and the
    shape each operand is expanded to (size-1 dims broadcast, as torch's einsum)."""
    inputs, arrow, output = equation.partition("->")
    subs = inputs.split(",")
    if len(subs) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(subs) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for position, c in enumerate(equation):
        if c not in _LETTERS and c not in ".,->":
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {position} in the equation string, "
                "subscripts must be in [a-zA-Z]"
            )
    used = set(equation) & set(_LETTERS)
    spare = [c for c in _LETTERS if c not in used]
    ellipsis_dims = 0
    for k, (sub, t) in enumerate(zip(subs, operands, strict=True)):
        named = len(sub.replace("...", ""))
        if "..." not in sub and named != t.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) does not match "
                f"the number of dimensions ({t.ndim}) for operand {k} and no ellipsis was given"
            )
        if "..." in sub:
            if named > t.ndim:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({named}) is more than "
                    f"the number of dimensions ({t.ndim}) for operand {k}"
                )
            ellipsis_dims = max(ellipsis_dims, t.ndim - named)
    batch = "".join(spare[:ellipsis_dims])
    written = []
    for sub, t in zip(subs, operands, strict=True):
        if "..." in sub:
            count = t.ndim - len(sub.replace("...", ""))
            sub = sub.replace("...", batch[ellipsis_dims - count :] if count else "")
        written.append(sub)
    if arrow:
        output = output.replace("...", batch)
        for c in output:
            if output.count(c) > 1:
                raise RuntimeError(
                    f"einsum(): output subscript {c} appears more than once in the output"
                )
            if not any(c in s for s in written):
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any "
                    "input operand"
                )
    else:  # implicit: the ellipsis dims, then the letters that appear once, sorted
        counts = "".join(written)
        once = sorted(
            (c for c in set(counts) - set(batch) if counts.count(c) == 1), key=_LETTERS.index
        )
        output = batch + "".join(once)
    sizes: dict[str, int] = {}
    for k, (sub, t) in enumerate(zip(written, operands, strict=True)):
        for c, n in zip(sub, t.shape, strict=True):
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {k} which does not "
                    f"broadcast with previously seen size {sizes[c]}"
                )
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    shapes = [tuple(sizes[c] for c in sub) for sub in written]
    return ",".join(written) + "->" + output, shapes


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Any = None) -> Tensor:
    """The sum over the paired dims of a and b: dims=n pairs a's last n with b's first n;
    dims=([a dims], [b dims]) names them."""
    if isinstance(dims, Tensor):
        dims = dims.item() if dims.ndim == 0 else dims.array.tolist()
    if isinstance(dims, int | np.integer):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("tensordot: both dimension lists should have same length")
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"tensordot: both inputs should have same dtype, got {a.dtype} and {b.dtype}"
        )
    dims_a = [normalize_dim("tensordot", d, a.ndim) for d in dims_a]
    dims_b = [normalize_dim("tensordot", d, b.ndim) for d in dims_b]
    for p, q in zip(dims_a, dims_b, strict=True):
        if a.shape[p] != b.shape[q]:
            raise RuntimeError(
                f"tensordot: contracted dimensions need to match, but first has size "
                f"{a.shape[p]} in dim {p} and second has size {b.shape[q]} in dim {q}"
            )
    letters = iter(_LETTERS)
    sub_a = [next(letters) for _ in range(a.ndim)]
    sub_b = [next(letters) for _ in range(b.ndim)]
    for p, q in zip(dims_a, dims_b, strict=True):
        sub_b[q] = sub_a[p]
    kept = [c for k, c in enumerate(sub_a) if k not in dims_a]
    kept += [c for k, c in enumerate(sub_b) if k not in dims_b]
    return Einsum.apply(a, b, equation=f"{''.join(sub_a)},{''.join(sub_b)}->{''.join(kept)}")


# ---- products of vectors and matrices, with torch's checks --------------------------------


def _dims_are(op: str, x: Tensor, ndim: int, name: str) -> None:
    if x.ndim != ndim:
        raise RuntimeError(f"{op}: {name} must be a {ndim}-D tensor, got {x.ndim}-D tensor")


def _same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}: expected both inputs to have the same dtype, got {a.dtype} and {b.dtype}"
        )


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices (2-D only, as torch.mm)."""
    _dims_are("mm", input, 2, "self")
    _dims_are("mm", mat2, 2, "mat2")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mm: mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} "
            f"and {mat2.shape[0]}x{mat2.shape[1]})"
        )
    _same_dtype("mm", input, mat2)
    return MatMul.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix products of two 3-D tensors with the same batch size (no broadcasting)."""
    _dims_are("bmm", input, 3, "batch1")
    _dims_are("bmm", mat2, 3, "batch2")
    b, n, m = input.shape
    if mat2.shape[:2] != (b, m):
        raise RuntimeError(
            f"bmm: expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but "
            f"got: {list(mat2.shape[:2])}"
        )
    _same_dtype("bmm", input, mat2)
    return MatMul.apply(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"mv: vector + matrix @ vector expected, got {vec.ndim}, {input.ndim}, {vec.ndim}"
        )
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"mv: size mismatch, got mat ({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})"
        )
    _same_dtype("mv", input, vec)
    return MatMul.apply(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of the same size and dtype."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(
            f"dot: 1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors"
        )
    if input.shape != tensor.shape:
        raise RuntimeError(
            f"dot: inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
            f"[{tensor.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
            f"and {tensor.shape[0]} elements respectively"
        )
    if input.dtype != tensor.dtype:
        raise RuntimeError(
            f"dot: expected both vectors to have same dtype, but found {input.dtype} and "
            f"{tensor.dtype}"
        )
    return MatMul.apply(input, tensor)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """conj(input) · other: dot for real tensors."""
    return dot(input, other)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """The sum over the last dims of both (a product with a 0-d tensor)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            "inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    return tensordot(input, other, ([-1], [-1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """out[i, j] = input[i] * vec2[j] (dtypes promote, as torch)."""
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: expected 1-D argument {name}, but got {v.ndim}-D")
    return input.reshape(-1, 1) * vec2


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: every element of input times the whole of other, in blocks."""
    nd = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (nd - input.ndim) + input.shape)
    b = other.reshape((1,) * (nd - other.ndim) + other.shape)
    # dims interleaved: (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...), then each pair merged
    spread_a = [n for size in a.shape for n in (size, 1)]
    spread_b = [n for size in b.shape for n in (1, size)]
    product = a.reshape(spread_a) * b.reshape(spread_b)
    return product.reshape([m * n for m, n in zip(a.shape, b.shape, strict=True)])


def _scaled_sum(op: str, input: Any, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """beta * input + alpha * product, input broadcast to product's shape; with beta = 0 the
    input is ignored (its nan and inf do not propagate, its gradient is zero), as torch."""
    input = input if isinstance(input, Tensor) else Tensor(np.asarray(input, product.dtype))
    shape = product.shape
    if input.ndim > len(shape) or any(
        n not in (1, m) for n, m in zip(input.shape[::-1], shape[::-1], strict=False)
    ):
        raise RuntimeError(
            f"{op}: the input of shape {list(input.shape)} does not broadcast to the product's "
            f"shape {list(shape)}"
        )
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return scaled + where(Tensor(np.zeros(input.shape, bool)), input, 0.0)
    return (input if beta == 1 else input * beta) + scaled


def addmm(input: Any, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2)."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def addmv(input: Any, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def addbmm(input: Any, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * Σ_b batch1[b] @ batch2[b]."""
    return _scaled_sum("addbmm", input, bmm(batch1, batch2).sum(0), beta, alpha)


def baddbmm(input: Any, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (batch1 @ batch2), batch by batch."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addr(input: Any, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2)."""
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


def multi_dot(tensors: Any) -> Tensor:
    """A chain of matrix products; the first may be a row vector, the last a column vector."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for k, t in enumerate(tensors):
        if t.ndim != 2 and not (t.ndim == 1 and k in (0, len(tensors) - 1)):
            raise RuntimeError(
                f"multi_dot(): tensor {k} must be 2D (the first and last may be 1D), got {t.ndim}D"
            )
    result = tensors[0]
    for t in tensors[1:]:
        result = matmul(result, t)
    return result


def chain_matmul(*matrices: Tensor) -> Tensor:
    return multi_dot(matrices)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of x and y along dim (they broadcast)."""
    return (x * y).sum(dim)


# ---- cross products and distances ------------------------------------------------------------


class Cross(Function):
    """a × b along dim (a size-3 dim); the inputs have the broadcast shape."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray, dim: int) -> np.ndarray:
        ctx.save_for_backward(a, b)
        ctx.dim = dim
        return np.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = ctx.needs_input_grad[:2]
        # d<g, a × b>/da = b × g and d/db = g × a (the triple product is cyclic)
        return (
            Cross.apply(b, grad, ctx.dim) if a_needs else None,
            Cross.apply(grad, a, ctx.dim) if b_needs else None,
            None,
        )


def _cross(op: str, input: Tensor, other: Tensor, dim: int | None) -> Tensor:
    if input.ndim != other.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions.")
    shape = broadcast_shape(op, input.shape, other.shape)
    if dim is None:  # torch.cross without dim: the first dim of size 3
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"{op}: no dimension of size 3 in input")
    d = normalize_dim(op, dim, len(shape))
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(
            f"{op}: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
            f"{other.shape[d]}"
        )
    a, b = operands(op, input, other)
    a = a if a.shape == shape else a.expand(shape)
    b = b if b.shape == shape else b.expand(shape)
    return Cross.apply(a, b, d)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product along dim (without dim, the first dim of size 3, as torch.cross)."""
    if dim is None:
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated; pass the dim "
            "explicitly or use linalg.cross",
            UserWarning,
            stacklevel=2,
        )
    return _cross("cross", input, other, dim)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    return _cross("linalg.cross", input, other, dim)


class Cdist(Function):
    """The p-norm distances between the rows of x1 (…, P, M) and of x2 (…, R, M)."""

    @staticmethod
    def forward(ctx: Context, x1: np.ndarray, x2: np.ndarray, p: float) -> np.ndarray:
        diff = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
        if p == 0:
            out = (diff != 0).sum(-1).astype(x1.dtype)
        elif p == np.inf:
            out = diff.max(-1, initial=0)
        elif p == 1:
            out = diff.sum(-1)
        elif p == 2:
            out = np.sqrt((diff * diff).sum(-1))
        else:
            out = (diff**p).sum(-1) ** (1 / p)
        ctx.save_for_backward(x1, x2, out)
        ctx.p = p
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x1, x2, dist = ctx.saved_tensors
        p = ctx.p
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        g, d = grad.unsqueeze(-1), dist.unsqueeze(-1)
        zero = Tensor(dist.array == 0)[..., None]
        # torch's _cdist_backward: d‖x‖_p/dx = sign(x) |x|^(p-1) / ‖x‖_p^(p-1), 0 at ‖x‖ = 0
        if p == 0:
            each = diff * 0.0
        elif p == 1:
            each = g * diff.sign()
        elif p == 2:
            each = where(zero, 0.0, g * diff / where(zero, 1.0, d))
        elif p == np.inf:
            each = g * diff.sign() * (diff.abs() == d).to(grad.dtype)
        else:
            flat = zero | Tensor(diff.array == 0)  # no gradient where a coordinate's gap is 0
            ratio = where(flat, 1.0, diff.abs() / where(zero, 1.0, d))
            each = where(flat, 0.0, g * diff.sign() * ratio ** (p - 1))
        return each.sum(-2), -each.sum(-3), None


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: Any = None) -> Tensor:
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
        if x.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {x.dtype}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    _same_dtype("cdist", x1, x2)
    batch = broadcast_shape("cdist", x1.shape[:-2], x2.shape[:-2])
    a = x1 if x1.shape[:-2] == batch else x1.expand(*batch, *x1.shape[-2:])
    b = x2 if x2.shape[:-2] == batch else x2.expand(*batch, *x2.shape[-2:])
    return Cdist.apply(a, b, float(p))
