"""Linear algebra of square and rectangular matrices, batched over leading dims as torch.linalg:
inv, det, slogdet, solve, solve_triangular, cholesky, qr, eigh, svd, pinv, matrix_power.

Each backward is the known matrix derivative, cited beside it, written with Tensor ops (so a
second derivative goes through it again). Decompositions that are unique only up to signs
(qr, eigh, svd) follow LAPACK's choice, as torch's do; their gradients are those of the
gauge-invariant quantities, as torch's are.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..function import Context, Function
from ..tensor import Tensor
from .arithmetic import where
from .joins import cat
from .layout import diag_embed, tril, triu
from .linalg import matmul

SlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
QrResult = namedtuple("linalg_qr", ["Q", "R"])
EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
SvdResult = namedtuple("linalg_svd", ["U", "S", "Vh"])
OldSvdResult = namedtuple("svd", ["U", "S", "V"])
InvExResult = namedtuple("linalg_inv_ex", ["inverse", "info"])
CholeskyExResult = namedtuple("linalg_cholesky_ex", ["L", "info"])


class LinAlgError(RuntimeError):
    """A matrix the operation cannot handle: singular, or not positive-definite
    (torch.linalg.LinAlgError, a RuntimeError)."""


def _matrices(op: str, a: Any, square: bool = True) -> Tensor:
    """A floating point tensor of (batches of) matrices, square if asked."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(a).__name__}")
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}: Expected a floating point or complex tensor as input. Got {a.dtype}"
        )
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by "
            f"{a.shape[-1]} matrices"
        )
    return a


def _eye(n: int, dtype: np.dtype) -> Tensor:
    return Tensor(np.eye(n, dtype=dtype))


def _is_zero(grad: Tensor) -> bool:
    """An output whose gradient is zero (one that was not used) adds nothing; skipping it
    keeps 0 / 0 out of the formulas at repeated eigen- or singular values, as torch."""
    return not grad.array.any()


# ---- inverse, determinants, solves -------------------------------------------------------------


class Inv(Function):
    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise LinAlgError(
                "linalg.inv: the inversion could not be completed because the input matrix is "
                "singular"
            ) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (inverse,) = ctx.saved_tensors
        # Giles 2008, "Collected matrix derivative results", §2.2: dA⁻¹ = -A⁻¹ dA A⁻¹
        return -(inverse.mT @ grad @ inverse.mT)


class Det(Function):
    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        out = np.asarray(np.linalg.det(a))
        ctx.save_for_backward(a, out)  # the returned array itself: d det is differentiated too
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        a, det = ctx.saved_tensors
        scale = (grad * det).unsqueeze(-1).unsqueeze(-1)
        if np.all(det.array != 0):
            # Giles 2008, §2.2: d det A = det A · tr(A⁻¹ dA), so the gradient is g det A A⁻ᵀ
            return scale * Inv.apply(a).mT
        return grad.unsqueeze(-1).unsqueeze(-1) * Tensor(_cofactors(a.array))


def _cofactors(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix (d det A / dA), also of singular A: with A = U Σ Vᵀ it is
    det(U) det(V) U diag(Π_{j≠i} σ_j) Vᵀ (the adjugate's transpose)."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * (u * others[..., None, :]) @ vh


class SlogDet(Function):
    """(sign, log |det A|): the determinant without overflow."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> tuple:
        sign, logabsdet = np.linalg.slogdet(a)
        ctx.save_for_backward(a)
        return np.asarray(sign), np.asarray(logabsdet)

    @staticmethod
    def backward(ctx: Context, grad_sign: Tensor, grad: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        # Giles 2008, §2.2: d log|det A| = tr(A⁻¹ dA), so the gradient is g A⁻ᵀ
        return grad.unsqueeze(-1).unsqueeze(-1) * Inv.apply(a).mT


class Solve(Function):
    """X with A X = B (B a batch of matrices; batch dims broadcast)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            out = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError(
                "linalg.solve: the solver failed because the input matrix is singular"
            ) from None
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, x = ctx.saved_tensors
        # Giles 2008, §2.3: X = A⁻¹B gives gB = A⁻ᵀ gX and gA = -gB Xᵀ
        grad_b = Solve.apply(a.mT, grad)
        grad_a = -(grad_b @ x.mT) if ctx.needs_input_grad[0] else None
        return grad_a, grad_b


class SolveTriangular(Function):
    """X with A X = B (left) or X A = B, reading only A's upper or lower triangle (and a unit
    diagonal if unitriangular)."""

    @staticmethod
    def forward(
        ctx: Context, a: np.ndarray, b: np.ndarray, upper: bool, left: bool, unit: bool
    ) -> np.ndarray:
        ctx.options = (upper, left, unit)
        t = _triangle(a, upper, unit)
        if left:
            out = _substitute(t, b, upper)
        else:  # X A = B is Aᵀ Xᵀ = Bᵀ, with the other triangle
            out = _substitute(t.swapaxes(-1, -2), b.swapaxes(-1, -2), not upper).swapaxes(-1, -2)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, x = ctx.saved_tensors
        upper, left, unit = ctx.options
        # the solve's adjoint (Giles 2008, §2.3) kept to the triangle that was read
        grad_b = SolveTriangular.apply(a.mT, grad, not upper, left, unit)
        grad_a = None
        if ctx.needs_input_grad[0]:
            grad_a = -(grad_b @ x.mT) if left else -(x.mT @ grad_b)
            shift = 1 if unit else 0
            grad_a = triu(grad_a, shift) if upper else tril(grad_a, -shift)
        return grad_a, grad_b, None, None, None


def _triangle(a: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        t = t.copy()
        np.einsum("...ii->...i", t)[...] = 1
    return t


def _substitute(t: np.ndarray, b: np.ndarray, upper: bool) -> np.ndarray:
    """x with t x = b for triangular t, row by row (forward or back substitution, as LAPACK's
    trsm: a zero on the diagonal gives inf and nan rather than an error)."""
    n = t.shape[-1]
    x = np.zeros((*np.broadcast_shapes(t.shape[:-2], b.shape[:-2]), *b.shape[-2:]), t.dtype)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(n - 1, -1, -1) if upper else range(n):
            known = np.einsum("...j,...jk->...k", t[..., i, :], x)  # unknown rows are still 0
            x[..., i, :] = (b[..., i, :] - known) / t[..., i, i, None]
    return x


def inv(A: Tensor, *, out: Any = None) -> Tensor:  # noqa: N803  (torch's name)
    """The inverse of (each) square matrix; LinAlgError if singular."""
    return Inv.apply(_matrices("linalg.inv", A))


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:  # noqa: N803
    """(inverse, info): info is 0 where the matrix was invertible (its inverse then valid)."""
    a = _matrices("linalg.inv_ex", A)
    try:
        return InvExResult(Inv.apply(a), Tensor(np.zeros(a.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    # some matrix is singular: each one on its own (the singular ones' inverses are nan)
    matrices = a.array.reshape(-1, *a.shape[-2:])
    inverses, info = np.full(matrices.shape, np.nan, a.dtype), np.zeros(len(matrices), np.int32)
    for i, matrix in enumerate(matrices):
        try:
            inverses[i] = np.linalg.inv(matrix)
        except np.linalg.LinAlgError:
            info[i] = 1
    return InvExResult(Tensor(inverses.reshape(a.shape)), Tensor(info.reshape(a.shape[:-2])))


def det(A: Tensor) -> Tensor:  # noqa: N803
    return Det.apply(_matrices("linalg.det", A))


def slogdet(A: Tensor) -> SlogdetResult:  # noqa: N803
    return SlogdetResult(*SlogDet.apply(_matrices("linalg.slogdet", A)))


def logdet(input: Tensor) -> Tensor:
    """log det A: nan for a negative determinant, -inf for a singular matrix."""
    sign, logabsdet = slogdet(input)
    return where(sign < 0, float("nan"), logabsdet)


def _right_hand_side(op: str, a: Tensor, b: Tensor) -> bool:
    """Is B a (batch of) vector(s) for A X = B? torch's rule: 1-D, or A's shape less one dim."""
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Any = None) -> Tensor:  # noqa: N803
    """X with A X = B (left=True) or X A = B; B may be a vector or a batch of them."""
    a = _matrices("linalg.solve", A)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve: expected B to be a Tensor, got {type(B).__name__}")
    if B.dtype != a.dtype:
        raise RuntimeError(
            "linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{a.dtype} and B of type {B.dtype} instead"
        )
    vector = _right_hand_side("linalg.solve", a, B)
    b = B.unsqueeze(-1) if vector else B
    n = a.shape[-1]
    if b.ndim < 2 or (b.shape[-2] if left else b.shape[-1]) != n:
        side = "AX = B" if left else "XA = B"
        shape = f"{b.shape[-2]}x{b.shape[-1]}" if b.ndim >= 2 else f"{b.shape[0]}x1"
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation {side} ({n}x{n} and "
            f"{shape})"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"linalg.solve: batch dims of A {a.shape} and B {B.shape} cannot be broadcast"
        ) from None
    x = Solve.apply(a, b) if left else Solve.apply(a.mT, b.mT).mT
    return x.squeeze(-1) if vector else x


def solve_triangular(
    A: Tensor,  # noqa: N803
    B: Tensor,  # noqa: N803
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
    out: Any = None,
) -> Tensor:
    a = _matrices("linalg.solve_triangular", A)
    if B.ndim < 2:
        raise RuntimeError(
            "linalg.solve_triangular: The input tensor B must have at least 2 dimensions."
        )
    if B.dtype != a.dtype:
        raise RuntimeError(
            f"linalg.solve_triangular: expected A and B to have the same dtype, got {a.dtype} "
            f"and {B.dtype}"
        )
    if (B.shape[-2] if left else B.shape[-1]) != a.shape[-1]:
        raise RuntimeError(
            f"linalg.solve_triangular: incompatible shapes of A {a.shape} and B {B.shape} for "
            f"the equation {'AX = B' if left else 'XA = B'}"
        )
    return SolveTriangular.apply(a, B, bool(upper), bool(left), bool(unitriangular))


# ---- Cholesky ------------------------------------------------------------------------------


class Cholesky(Function):
    """L lower triangular with L Lᵀ = A, from A's lower triangle (Lᵀ if upper)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, upper: bool) -> np.ndarray:
        try:
            lower = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise LinAlgError(
                "linalg.cholesky: The factorization could not be completed because the input "
                "is not positive-definite"
            ) from None
        ctx.upper = upper
        out = np.ascontiguousarray(lower.swapaxes(-1, -2)) if upper else lower
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (factor,) = ctx.saved_tensors
        lower, grad_lower = (factor.mT, grad.mT) if ctx.upper else (factor, grad)
        # Murray 2016, "Differentiation of the Cholesky decomposition": with Φ the lower
        # triangle with a halved diagonal, gA = sym(L⁻ᵀ Φ(Lᵀ gL) L⁻¹)
        phi = tril(lower.mT @ grad_lower)
        phi = phi - 0.5 * diag_embed(phi.diagonal(0, -2, -1))
        eye = _eye(lower.shape[-1], lower.dtype)
        lower_inv = SolveTriangular.apply(lower, eye, False, True, False)
        grad_a = lower_inv.mT @ phi @ lower_inv
        return 0.5 * (grad_a + grad_a.mT), None


def cholesky(A: Tensor, *, upper: bool = False, out: Any = None) -> Tensor:  # noqa: N803
    return Cholesky.apply(_matrices("linalg.cholesky", A), bool(upper))


def cholesky_ex(
    A: Tensor,
    *,
    upper: bool = False,
    check_errors: bool = False,  # noqa: N803
) -> CholeskyExResult:
    """(L, info): info is 0 where the factorization succeeded."""
    a = _matrices("linalg.cholesky_ex", A)
    try:
        return CholeskyExResult(cholesky(a, upper=upper), Tensor(np.zeros(a.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
        failed = np.array(
            [_not_positive(m) for m in a.array.reshape(-1, *a.shape[-2:])], np.int32
        ).reshape(a.shape[:-2])
        return CholeskyExResult(Tensor(np.zeros(a.shape, a.dtype)), Tensor(failed))


def _not_positive(matrix: np.ndarray) -> int:
    try:
        np.linalg.cholesky(matrix)
        return 0
    except np.linalg.LinAlgError:
        return 1


def cholesky_legacy(input: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky: removed from torch (it raises), and so refused here too."""
    raise RuntimeError(
        "This function was deprecated since version 1.9 and is now removed. `cholesky` is "
        "deprecated in favor of `linalg.cholesky`: L = linalg.cholesky(A), or "
        "U = linalg.cholesky(A, upper=True) for upper=True"
    )


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """X with A X = B given A's Cholesky factor (L, or U = Lᵀ if upper)."""
    lower = L.mT if upper else L
    y = solve_triangular(lower, B, upper=False)
    return solve_triangular(lower.mT, y, upper=True)


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """A⁻¹ from A's Cholesky factor."""
    return cholesky_solve(Tensor(np.eye(L.shape[-1], dtype=L.dtype)).expand(L.shape), L, upper)


# ---- QR --------------------------------------------------------------------------------------


class Qr(Function):
    """A = Q R, Q with orthonormal columns, R upper triangular (LAPACK's signs)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, mode: str) -> tuple:
        ctx.mode = mode
        if mode == "r":
            r = np.linalg.qr(a, mode="r")
            q = np.zeros((0,), a.dtype)
        else:
            q, r = np.linalg.qr(a, mode=mode)
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx: Context, grad_q: Tensor, grad_r: Tensor) -> tuple:
        if ctx.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                "through linalg.qr."
            )
        q, r = ctx.saved_tensors
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError(
                "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
            )
        # Roberts & Roberts 2020, "QR and LQ decomposition matrix backpropagation algorithms"
        # (as torch's linalg_qr_backward): M = gR Rᵀ - Qᵀ gQ
        m_ = grad_r @ r.mT - q.mT @ grad_q
        if m >= n:  # gA = (gQ + Q copyltu(M)) R⁻ᵀ, copyltu = triu(M) mirrored, diagonal once
            upper = triu(m_)
            b = grad_q + q @ (upper + upper.mT - diag_embed(upper.diagonal(0, -2, -1)))
            return SolveTriangular.apply(r.mT, b, False, False, False), None
        # wide: A = Q [X | Y] with X square; gX from the skew part of M, plus Q gR throughout
        skew = tril(m_.mT - m_)
        b = q @ skew
        square = r[..., :, :m]
        grad = SolveTriangular.apply(square.mT, b, False, False, False)
        zeros = Tensor(np.zeros((*grad.shape[:-1], n - m), grad.dtype))
        return cat([grad, zeros], -1) + q @ grad_r, None


def qr(A: Tensor, mode: str = "reduced", *, out: Any = None) -> QrResult:  # noqa: N803
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
            "'r', or 'complete'"
        )
    return QrResult(*Qr.apply(_matrices("linalg.qr", A, square=False), mode))


def qr_legacy(input: Tensor, some: bool = True) -> QrResult:
    """torch.qr: removed from torch (it raises), and so refused here too."""
    raise RuntimeError(
        "This function was deprecated since version 1.9 and is now removed. `qr` is deprecated "
        "in favor of `linalg.qr`: Q, R = linalg.qr(A, 'reduced' if some else 'complete')"
    )


# ---- symmetric eigendecomposition ----------------------------------------------------------------


class Eigh(Function):
    """A = V diag(L) Vᵀ for symmetric A (read from its lower or upper triangle), L ascending."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, uplo: str) -> tuple:
        values, vectors = np.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx: Context, grad_values: Tensor, grad_vectors: Tensor) -> tuple:
        values, vectors = ctx.saved_tensors
        # Giles 2008, §3.1 (torch's linalg_eig_backward for Hermitian A):
        # gA = V (diag(gL) + sym-part(Vᵀ gV) / E) Vᵀ, E_ij = λ_j - λ_i
        inner = diag_embed(grad_values)
        if not _is_zero(grad_vectors):
            vtg = vectors.mT @ grad_vectors
            skew = 0.5 * (vtg - vtg.mT)
            n = values.shape[-1]
            gaps = values.unsqueeze(-2) - values.unsqueeze(-1)
            gaps = where(Tensor(np.eye(n, dtype=bool)), 1.0, gaps)
            inner = inner + skew / gaps
        return vectors @ inner @ vectors.mT, None


def _uplo(op: str, uplo: str) -> str:
    if uplo not in ("L", "U"):
        raise RuntimeError(f"{op}: expected UPLO argument to be 'L' or 'U', but got {uplo}")
    return uplo


def eigh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> EighResult:  # noqa: N803
    a = _matrices("linalg.eigh", A)
    return EighResult(*Eigh.apply(a, _uplo("linalg.eigh", UPLO)))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> Tensor:  # noqa: N803
    a = _matrices("linalg.eigvalsh", A)
    return Eigh.apply(a, _uplo("linalg.eigvalsh", UPLO))[0]


# ---- singular value decomposition ---------------------------------------------------------------


class Svd(Function):
    """A = U diag(S) Vh, S descending (LAPACK's signs for the vectors)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, full_matrices: bool) -> tuple:
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx: Context, grad_u: Tensor, grad_s: Tensor, grad_vh: Tensor) -> tuple:
        u, s, vh = ctx.saved_tensors
        m, n = u.shape[-2], vh.shape[-1]
        k = s.shape[-1]
        if u.shape[-1] != k:  # full_matrices: only the first k vectors are determined
            u, grad_u = u[..., :, :k], grad_u[..., :, :k]
        if vh.shape[-2] != k:
            vh, grad_vh = vh[..., :k, :], grad_vh[..., :k, :]
        use_u, use_vh = not _is_zero(grad_u), not _is_zero(grad_vh)
        if not (use_u or use_vh):  # only S: gA = U diag(gS) Vh
            return (u * grad_s.unsqueeze(-2)) @ vh, None
        # Townsend 2016, "Differentiating the singular value decomposition":
        # gA = U [(F ∘ skew(Uᵀ gU)) S + diag(gS) + S (F ∘ skew(Vᵀ gV))] Vᵀ, F_ij = 1/(s_j² - s_i²)
        squares = s * s
        gaps = squares.unsqueeze(-2) - squares.unsqueeze(-1)
        gaps = where(Tensor(np.eye(k, dtype=bool)), 1.0, gaps)
        inner = diag_embed(grad_s)
        if use_u:
            utg = u.mT @ grad_u
            inner = inner + (utg - utg.mT) * s.unsqueeze(-2) / gaps
        if use_vh:
            vtg = vh @ grad_vh.mT
            inner = inner + s.unsqueeze(-1) * (vtg - vtg.mT) / gaps
        if m > n and use_u:  # plus (I - U Uᵀ) gU S⁻¹ Vᵀ, the part of gU outside U's span
            scaled = grad_u / s.unsqueeze(-2)
            return (u @ inner + scaled - u @ (u.mT @ scaled)) @ vh, None
        if m < n and use_vh:  # plus U S⁻¹ gVh (I - V Vᵀ)
            scaled = grad_vh / s.unsqueeze(-1)
            return u @ (inner @ vh + scaled - (scaled @ vh.mT) @ vh), None
        return u @ inner @ vh, None


def svd(A: Tensor, full_matrices: bool = True, *, driver: Any = None, out: Any = None) -> SvdResult:  # noqa: N803
    return SvdResult(*Svd.apply(_matrices("linalg.svd", A, square=False), bool(full_matrices)))


def svdvals(A: Tensor, *, driver: Any = None, out: Any = None) -> Tensor:  # noqa: N803
    return Svd.apply(_matrices("linalg.svdvals", A, square=False), False)[1]


def svd_legacy(input: Tensor, some: bool = True, compute_uv: bool = True) -> OldSvdResult:
    """torch.svd (deprecated in torch): returns V, not Vh, and the reduced SVD by default."""
    u, s, vh = svd(input, full_matrices=not some)
    if not compute_uv:
        return OldSvdResult(
            Tensor(np.zeros(u.shape, u.dtype)), s, Tensor(np.zeros(vh.shape, vh.dtype))
        )
    return OldSvdResult(u, s, vh.mT)


def matrix_rank(
    A: Tensor,
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,  # noqa: N803
) -> Tensor:
    """How many singular values exceed max(atol, rtol * σ_max)."""
    a = _matrices("linalg.matrix_rank", A, square=False)
    s = (
        np.abs(np.linalg.eigvalsh(a.array))
        if hermitian
        else np.linalg.svd(a.array, compute_uv=False)
    )
    cutoff = _cutoff(a, s, atol, rtol)
    return Tensor((s > cutoff).sum(-1).astype(np.int64))


def _cutoff(a: Tensor, s: np.ndarray, atol: Any, rtol: Any) -> np.ndarray:
    """torch's tolerance: max(atol, rtol σ_max), rtol = eps · max(m, n) when neither is given
    (and 0 when only atol is)."""
    atol_ = 0.0 if atol is None else np.asarray(atol.array if isinstance(atol, Tensor) else atol)
    if rtol is None:
        rtol = (
            np.finfo(a.dtype).eps * max(a.shape[-2:]) if atol is None or np.all(atol_ == 0) else 0.0
        )
    rtol_ = np.asarray(rtol.array if isinstance(rtol, Tensor) else rtol)
    largest = s.max(-1) if s.shape[-1] else np.zeros(s.shape[:-1])
    return np.maximum(atol_, rtol_ * largest)[..., None]


# ---- pseudo-inverse and powers -------------------------------------------------------------------


class Pinv(Function):
    """The Moore-Penrose pseudo-inverse: 1/σ for the singular values above the cutoff."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, atol: Any, rtol: Any, hermitian: bool) -> np.ndarray:
        tensor = Tensor(a)
        if hermitian:
            values, vectors = np.linalg.eigh(a)
            keep = np.abs(values) > _cutoff(tensor, np.abs(values), atol, rtol)
            with np.errstate(divide="ignore"):
                inverse = np.where(keep, 1 / np.where(keep, values, 1), 0)
            out = (vectors * inverse[..., None, :]) @ vectors.swapaxes(-1, -2)
        else:
            u, s, vh = np.linalg.svd(a, full_matrices=False)
            keep = s > _cutoff(tensor, s, atol, rtol)
            inverse = np.where(keep, 1 / np.where(keep, s, 1), 0)
            out = (vh.swapaxes(-1, -2) * inverse[..., None, :]) @ u.swapaxes(-1, -2)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, p = ctx.saved_tensors
        # Golub & Pereyra 1973, "The differentiation of pseudo-inverses and nonlinear least
        # squares problems", as torch's pinv_backward (grouped for the smaller of m, n):
        # gA = -Pᵀ G Pᵀ + (I - A P)ᵀ Gᵀ P Pᵀ + Pᵀ P Gᵀ (I - P A)
        m, n = a.shape[-2], a.shape[-1]
        pt, gt = p.mT, grad.mT
        if m <= n:
            k = gt @ p
            kpt = k @ pt
            grad_a = -(p @ k).mT + kpt - (a @ p) @ kpt + (pt @ p) @ (gt - k @ a)
        else:
            k = p @ gt
            ptk = pt @ k
            grad_a = -(k @ p).mT + (gt - a @ k) @ p @ pt + ptk - ptk @ p @ a
        return grad_a, None, None, None


def pinv(
    A: Tensor,  # noqa: N803
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
    out: Any = None,
) -> Tensor:
    return Pinv.apply(_matrices("linalg.pinv", A, square=False), atol, rtol, bool(hermitian))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: pinv with rtol=rcond."""
    return pinv(input, rtol=rcond)


def matrix_power(A: Tensor, n: int) -> Tensor:  # noqa: N803
    """A multiplied by itself n times (n < 0: the inverse's power; n = 0: the identity), by
    repeated squaring as torch."""
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg.matrix_power: A must be batches of square matrices, but they are "
            f"{A.shape[-2] if A.ndim > 1 else 1} by {A.shape[-1] if A.ndim else 1} matrices"
        )
    if n == 0:
        eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape).copy()
        return A * 0 + Tensor(eye) if A.requires_grad else Tensor(eye)
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result
