"""Linear algebra against torch in float64: products (einsum with drawn equations, tensordot,
mm/bmm/mv/dot/outer/kron, add*, cross, cdist) and decompositions (inv, det, slogdet, solve,
cholesky, qr, eigh, svd, pinv, matrix_power), values, gradients and second derivatives.
Decompositions unique only up to signs are compared through sign-invariant quantities, as
torch's own tests do; inputs are well conditioned."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import v2_tensor as vt
from tests.v2_parity import check, check_second_order

rng = np.random.default_rng(3)


def normal(*shape):
    return rng.standard_normal(shape)


def conditioned(*shape):
    """Random square matrices (batched) well away from singular: X + n I."""
    n = shape[-1]
    return normal(*shape) + n * np.eye(n)


def both(fn, *arrays, atol=1e-9):
    """Values and gradients, and second derivatives of fn of the squared inputs (so that
    they are not all zero, which torch refuses to differentiate)."""
    check(fn, *arrays, atol=atol, rtol=1e-7)
    check_second_order(
        lambda L, *xs: fn(L, *[x * x for x in xs]), *arrays, atol=atol * 10, rtol=1e-6
    )


# ---- products ------------------------------------------------------------------------------

EINSUM = {
    "matmul": ("ij,jk->ik", [(2, 3), (3, 4)]),
    "implicit": ("ij,jk", [(2, 3), (3, 4)]),
    "implicit_order": ("ba,ab", [(3, 2), (2, 3)]),
    "upper_case": ("Ab,bA->", [(3, 2), (2, 3)]),
    "spaces": ("i j , j k -> k i", [(2, 3), (3, 4)]),
    "trace": ("ii", [(3, 3)]),
    "diagonal": ("ii->i", [(3, 3)]),
    "diagonal_kept": ("iij->ji", [(3, 3, 2)]),
    "diagonal_times": ("ii,i->i", [(3, 3), (3,)]),
    "sum": ("ij->", [(2, 3)]),
    "sum_one_dim": ("ij->j", [(2, 3)]),
    "transpose": ("ijk->kji", [(2, 3, 4)]),
    "outer": ("i,j->ij", [(2,), (3,)]),
    "inner": ("i,i", [(3,), (3,)]),
    "batched": ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    "three": ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 4)]),
    "three_implicit": ("ab,bc,cd", [(2, 3), (3, 2), (2, 4)]),
    "ellipsis": ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]),
    "ellipsis_broadcast": ("...ij,...jk", [(2, 1, 2, 3), (4, 3, 2)]),
    "ellipsis_sum": ("...ij->...", [(2, 2, 3)]),
    "ellipsis_dropped": ("...ij->ij", [(2, 2, 3)]),
    "ellipsis_middle": ("i...j,j...->i...", [(2, 4, 3), (3, 4)]),
    "size_one_broadcast": ("ij,jk->ik", [(2, 3), (1, 4)]),
    "bilinear": ("bn,anm,bm->ba", [(2, 3), (4, 3, 2), (2, 2)]),
}


@pytest.mark.parametrize("name", EINSUM)
def test_einsum(name):
    equation, shapes = EINSUM[name]
    both(lambda L, *xs: L.einsum(equation, *xs), *[normal(*s) for s in shapes])


def test_einsum_calling_forms():
    a, b = normal(2, 3), normal(3, 4)
    both(lambda L, x, y: L.einsum("ij,jk", [x, y]), a, b)
    both(lambda L, x, y: L.einsum(x, [0, 1], y, [1, 2], [0, 2]), a, b)
    both(lambda L, x, y: L.einsum(x, [0, Ellipsis], y, [Ellipsis, 2]), a, b)
    ints = np.arange(6).reshape(2, 3)
    expected = torch.einsum("ij,kj->ik", torch.tensor(ints), torch.tensor(ints))
    got = vt.einsum("ij,kj->ik", vt.tensor(ints), vt.tensor(ints))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got.array, expected.numpy())


@st.composite
def einsum_case(draw):
    letters = "abcd"
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    count = draw(st.integers(1, 3))
    batch = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    subs, shapes = [], []
    for _ in range(count):
        sub = "".join(draw(st.lists(st.sampled_from(letters), max_size=3)))
        shape = tuple(sizes[c] for c in sub)
        if batch and draw(st.booleans()):
            kept = batch[draw(st.integers(0, len(batch))) :]
            sub, shape = "..." + sub, kept + shape
        subs.append(sub)
        shapes.append(shape)
    equation = ",".join(subs)
    if draw(st.booleans()):
        used = sorted(set("".join(subs)) - set("."))
        output = "".join(draw(st.permutations(used))[: draw(st.integers(0, len(used)))])
        ellipsis = "..." if any("..." in s for s in subs) and draw(st.booleans()) else ""
        equation += "->" + ellipsis + output
    return equation, shapes


@settings(max_examples=40, deadline=None)
@given(case=einsum_case())
def test_drawn_einsum_equations(case):
    equation, shapes = case
    arrays = [normal(*s) for s in shapes]
    try:
        torch.einsum(equation, *[torch.tensor(a) for a in arrays])
    except RuntimeError:
        with pytest.raises(RuntimeError):
            vt.einsum(equation, *[vt.tensor(a) for a in arrays])
        return
    both(lambda L, *xs: L.einsum(equation, *xs), *arrays)


def _scaled(fn):
    """fn with every input squared first (so second derivatives are not all zero)."""
    return lambda L, *xs: fn(L, *[x * x for x in xs])


PRODUCTS = {
    "tensordot": (lambda L, a, b: L.tensordot(a, b), [(2, 3, 4), (3, 4, 2)]),
    "tensordot_int": (lambda L, a, b: L.tensordot(a, b, 1), [(2, 3), (3, 4)]),
    "tensordot_zero": (lambda L, a, b: L.tensordot(a, b, 0), [(2,), (3,)]),
    "tensordot_lists": (
        lambda L, a, b: L.tensordot(a, b, ([0, 2], [2, 0])),
        [(2, 3, 4), (4, 1, 2)],
    ),
    "outer": (lambda L, a, b: L.outer(a, b), [(3,), (4,)]),
    "ger": (lambda L, a, b: a.ger(b), [(3,), (4,)]),
    "inner": (lambda L, a, b: L.inner(a, b), [(2, 3), (4, 3)]),
    "inner_scalar": (lambda L, a, b: L.inner(a, b), [(), (2, 3)]),
    "dot": (lambda L, a, b: L.dot(a, b), [(4,), (4,)]),
    "vdot": (lambda L, a, b: a.vdot(b), [(4,), (4,)]),
    "mv": (lambda L, a, b: L.mv(a, b), [(2, 3), (3,)]),
    "mm": (lambda L, a, b: a.mm(b), [(2, 3), (3, 4)]),
    "bmm": (lambda L, a, b: L.bmm(a, b), [(2, 2, 3), (2, 3, 4)]),
    "addmm": (lambda L, c, a, b: L.addmm(c, a, b), [(2, 4), (2, 3), (3, 4)]),
    "addmm_scaled": (
        lambda L, c, a, b: c.addmm(a, b, beta=0.5, alpha=-2.0),
        [(4,), (2, 3), (3, 4)],
    ),
    "addmv": (lambda L, c, a, b: L.addmv(c, a, b, beta=2.0), [(2,), (2, 3), (3,)]),
    "addbmm": (lambda L, c, a, b: L.addbmm(c, a, b, alpha=0.5), [(2, 4), (3, 2, 3), (3, 3, 4)]),
    "baddbmm": (lambda L, c, a, b: c.baddbmm(a, b, beta=-1.0), [(1, 4), (3, 2, 3), (3, 3, 4)]),
    "addr": (lambda L, c, a, b: L.addr(c, a, b, beta=3.0, alpha=0.5), [(2, 3), (2,), (3,)]),
    "kron": (lambda L, a, b: L.kron(a, b), [(2, 3), (2, 2)]),
    "kron_mixed_dims": (lambda L, a, b: a.kron(b), [(3,), (2, 2)]),
    "kron_3d": (lambda L, a, b: L.kron(a, b), [(2, 1, 2), (1, 3, 2)]),
    "cross": (lambda L, a, b: L.cross(a, b, dim=1), [(2, 3), (2, 3)]),
    "cross_broadcast": (lambda L, a, b: L.linalg.cross(a, b), [(4, 3), (1, 3)]),
    "cross_dim0": (lambda L, a, b: a.cross(b, dim=0), [(3, 2), (3, 2)]),
    "multi_dot": (lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), [(3,), (3, 2), (2,)]),
    "vecdot": (lambda L, a, b: L.linalg.vecdot(a, b, dim=0), [(3, 2), (3, 1)]),
    "linalg_matmul": (lambda L, a, b: L.linalg.matmul(a, b), [(2, 2, 3), (3, 2)]),
}


@pytest.mark.parametrize("name", PRODUCTS)
def test_products(name):
    fn, shapes = PRODUCTS[name]
    arrays = [normal(*s) for s in shapes]
    check(fn, *arrays)
    check_second_order(_scaled(fn), *arrays)


def test_addmm_with_beta_zero_ignores_the_input_as_torch():
    nan = np.full((2, 4), np.nan)
    check(lambda L, c, a, b: L.addmm(c, a, b, beta=0), nan, normal(2, 3), normal(3, 4))


def test_cross_without_dim_takes_the_first_dim_of_size_3():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: deprecated without dim
        check(lambda L, a, b: L.cross(a, b), normal(2, 3, 3), normal(2, 3, 3))


def test_in_place_add_family():
    results = []
    for lib in (torch, vt):
        c = lib.ones(2, 2, dtype=lib.float64)
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64)
        c.addmm_(a, a, beta=2.0).addr_(a[0], a[1]).addbmm_(a[None], a[None], alpha=0.5)
        v = a[1] * 1.0
        v.addmv_(a, a[0], alpha=2.0)
        batch = c[None] * 1.0
        batch.baddbmm_(a[None], a[None] + 1.0, beta=0.5)
        results.append([c.tolist(), v.tolist(), batch.tolist()])
    assert results[0] == results[1]


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 2.0, 3.0, np.inf])
def test_cdist(p):
    # torch's cdist has no second derivative (_cdist_backward is not differentiable)
    check(lambda L, a, b: L.cdist(a, b, p=p), normal(3, 2), normal(4, 2))
    check(lambda L, a, b: L.cdist(a, b, p=p), normal(2, 1, 3, 2), normal(4, 2))
    # a zero distance has a zero gradient, as torch
    same = np.array([[0.0, 0.0], [1.0, 2.0]])
    check(lambda L, a, b: L.cdist(a, b, p=p), same[:1], same)


def test_integer_products():
    ints = np.arange(6).reshape(2, 3)
    for fn in (
        lambda L, a: L.kron(a, a),
        lambda L, a: L.outer(a[0], a[1]),
        lambda L, a: L.tensordot(a, a.T, 1),
        lambda L, a: a.mm(a.T),
        lambda L, a: L.linalg.cross(a[:, None], a[:, None]),
    ):
        expected = fn(torch, torch.tensor(ints))
        got = fn(vt, vt.tensor(ints))
        assert str(got.dtype) == str(expected.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(got.array, expected.numpy())


# ---- decompositions ------------------------------------------------------------------------------


def _symmetric(L, x):
    return x + x.mT


def _positive_definite(L, x):
    n = x.shape[-1]
    return x @ x.mT + n * L.eye(n, dtype=L.float64)


def _qr_invariant(L, x, mode="reduced"):
    """Q and R with their signs fixed by R's diagonal (QR is unique up to those signs)."""
    q, r = L.linalg.qr(x, mode=mode)
    k = min(x.shape[-2:])
    signs = r[..., :k, :k].diagonal(0, -2, -1).sign()
    q_part, r_part = q[..., :, :k] * signs.unsqueeze(-2), r[..., :k, :] * signs.unsqueeze(-1)
    return L.cat([q_part.flatten(), r_part.flatten()])


def _eigh_invariant(L, x):
    values, vectors = L.linalg.eigh(_symmetric(L, x))
    weights = L.arange(values.shape[-1], dtype=L.float64) + 1.0
    # V diag(w) Vᵀ and V ∘ V do not depend on the vectors' signs
    spectral = (vectors * weights) @ vectors.mT
    return L.cat([values.flatten(), spectral.flatten(), (vectors * vectors).flatten()])


def _svd_invariant(L, x, full_matrices=False):
    u, s, vh = L.linalg.svd(x, full_matrices=full_matrices)
    k = s.shape[-1]
    u, vh = u[..., :, :k], vh[..., :k, :]
    weights = L.arange(k, dtype=L.float64) + 2.0
    # U diag(w s) Vh: the signs of a pair (u_i, v_i) flip together
    return L.cat(
        [s.flatten(), ((u * (weights * s).unsqueeze(-2)) @ vh).flatten(), (u * u).flatten()]
    )


DECOMPOSITIONS = {
    "inv": (lambda L, a: L.linalg.inv(a), conditioned(3, 3)),
    "inv_batched": (lambda L, a: L.linalg.inv(a), conditioned(2, 3, 3)),
    "inverse": (lambda L, a: a.inverse(), conditioned(3, 3)),
    "det": (lambda L, a: L.linalg.det(a), conditioned(3, 3)),
    "det_batched": (lambda L, a: L.det(a), conditioned(2, 3, 3)),
    "det_method": (lambda L, a: a.det(), conditioned(4, 4)),
    "slogdet": (lambda L, a: L.linalg.slogdet(a).logabsdet, conditioned(2, 3, 3)),
    "slogdet_negative": (lambda L, a: L.slogdet(-a)[1], conditioned(3, 3)),
    "logdet": (lambda L, a: L.logdet(_positive_definite(L, a)), normal(3, 3)),
    "solve": (lambda L, a: L.linalg.solve(a, a[..., :2] * 2 + 1), conditioned(3, 3)),
    "solve_triangular_lower": (
        lambda L, a: L.linalg.solve_triangular(a, a.mT * 1.5, upper=False),
        conditioned(3, 3),
    ),
    "solve_triangular_upper_right": (
        lambda L, a: L.linalg.solve_triangular(a, a[:2] + 1, upper=True, left=False),
        conditioned(3, 3),
    ),
    "solve_triangular_unit": (
        lambda L, a: L.linalg.solve_triangular(a, a - 1, upper=False, unitriangular=True),
        normal(2, 3, 3),
    ),
    "cholesky": (lambda L, a: L.linalg.cholesky(_positive_definite(L, a)), normal(3, 3)),
    "cholesky_upper": (
        lambda L, a: L.linalg.cholesky(_positive_definite(L, a), upper=True),
        normal(2, 3, 3),
    ),
    "cholesky_solve": (
        lambda L, a: L.cholesky_solve(a[:, :2], L.linalg.cholesky(_positive_definite(L, a))),
        normal(3, 3),
    ),
    "cholesky_inverse": (
        lambda L, a: L.cholesky_inverse(L.linalg.cholesky(_positive_definite(L, a))),
        normal(3, 3),
    ),
    "qr_square": (lambda L, a: _qr_invariant(L, a), normal(3, 3)),
    "qr_tall": (lambda L, a: _qr_invariant(L, a), normal(4, 2)),
    "qr_wide": (lambda L, a: _qr_invariant(L, a), normal(2, 4)),
    "qr_batched": (lambda L, a: _qr_invariant(L, a), normal(2, 4, 3)),
    "qr_complete_wide": (lambda L, a: _qr_invariant(L, a, "complete"), normal(2, 3)),
    "eigh": (lambda L, a: _eigh_invariant(L, a), normal(3, 3)),
    "eigh_batched": (lambda L, a: _eigh_invariant(L, a), normal(2, 4, 4)),
    "eigvalsh": (lambda L, a: L.linalg.eigvalsh(_symmetric(L, a)), normal(2, 3, 3)),
    "eigvalsh_upper": (lambda L, a: L.linalg.eigvalsh(a, UPLO="U"), normal(3, 3)),
    "svd_square": (lambda L, a: _svd_invariant(L, a), normal(3, 3)),
    "svd_tall": (lambda L, a: _svd_invariant(L, a), normal(4, 2)),
    "svd_wide": (lambda L, a: _svd_invariant(L, a), normal(2, 4)),
    "svd_full": (lambda L, a: _svd_invariant(L, a, True), normal(4, 3)),
    "svd_batched": (lambda L, a: _svd_invariant(L, a), normal(2, 3, 2)),
    "svdvals": (lambda L, a: L.linalg.svdvals(a), normal(2, 3, 4)),
    "pinv_tall": (lambda L, a: L.linalg.pinv(a), normal(4, 2)),
    "pinv_wide": (lambda L, a: L.linalg.pinv(a), normal(2, 4)),
    "pinv_batched": (lambda L, a: L.linalg.pinv(a), normal(2, 3, 3)),
    "pinv_hermitian": (lambda L, a: L.linalg.pinv(_symmetric(L, a), hermitian=True), normal(3, 3)),
    "pinverse": (lambda L, a: a.pinverse(), normal(3, 2)),
    "matrix_power_0": (lambda L, a: L.linalg.matrix_power(a, 0), normal(3, 3)),
    "matrix_power_1": (lambda L, a: L.matrix_power(a, 1), normal(3, 3)),
    "matrix_power_3": (lambda L, a: a.matrix_power(3), normal(2, 3, 3)),
    "matrix_power_5": (lambda L, a: L.linalg.matrix_power(a, 5) / 100, normal(3, 3)),
    "matrix_power_negative": (lambda L, a: L.linalg.matrix_power(a, -2), conditioned(3, 3)),
}


@pytest.mark.parametrize("name", DECOMPOSITIONS)
def test_decomposition(name):
    fn, a = DECOMPOSITIONS[name]
    both(fn, a, atol=1e-8)


def test_solve_shapes_as_torch():
    a = conditioned(2, 3, 3)
    both(lambda L, m, b: L.linalg.solve(m, b), a, normal(3))  # a vector for every matrix
    both(lambda L, m, b: L.linalg.solve(m, b), a, normal(2, 3))  # a batch of vectors
    both(lambda L, m, b: L.linalg.solve(m, b), a, normal(4, 2, 3, 2))  # batch dims broadcast
    both(lambda L, m, b: L.linalg.solve(m, b, left=False), a, normal(2, 2, 3))


def test_legacy_svd_and_qr():
    a = normal(4, 3)
    for lib_svd in (torch.svd(torch.tensor(a)), vt.svd(vt.tensor(a))):
        u, s, v = lib_svd
        np.testing.assert_allclose(np.asarray((u * s.unsqueeze(-2)) @ v.mT), a, atol=1e-12)
    assert vt.svd(vt.tensor(a)).V.shape == (3, 3)
    assert vt.svd(vt.tensor(a), some=False).U.shape == (4, 4)
    for removed in ("qr", "cholesky"):  # removed from torch: they raise, as torch's
        for lib in (torch, vt):
            with pytest.raises(RuntimeError, match="deprecated"):
                getattr(lib, removed)(lib.eye(3))


def test_value_only_helpers():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert vt.linalg.matrix_rank(vt.tensor(a)).item() == torch.linalg.matrix_rank(torch.tensor(a))
    assert vt.linalg.matrix_rank(vt.tensor(a), hermitian=True).item() == 1
    inverse, info = vt.linalg.inv_ex(vt.tensor(np.stack([a, np.eye(2)])))
    assert info.tolist() == [1, 0]
    np.testing.assert_allclose(inverse.array[1], np.eye(2))
    _, info = vt.linalg.cholesky_ex(vt.tensor(-np.eye(2)))
    assert info.item() == torch.linalg.cholesky_ex(-torch.eye(2)).info.item() != 0
    np.testing.assert_allclose(
        vt.linalg.diagonal(vt.tensor(normal(2, 3, 3) * 0 + 1.0)).array, np.ones((2, 3))
    )


def test_det_of_a_singular_matrix_has_the_cofactor_gradient():
    # d det A / dA is the cofactor matrix, also where A is singular (torch returns zeros here)
    a = vt.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    vt.linalg.det(a).backward()
    np.testing.assert_allclose(a.grad.array, [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)


def test_decomposition_results_are_named_as_torch():
    a = conditioned(3, 3)
    assert vt.linalg.slogdet(vt.tensor(a))._fields == ("sign", "logabsdet")
    assert vt.linalg.qr(vt.tensor(a))._fields == ("Q", "R")
    assert vt.linalg.eigh(vt.tensor(a))._fields == ("eigenvalues", "eigenvectors")
    assert vt.linalg.svd(vt.tensor(a))._fields == ("U", "S", "Vh")
    q, r = vt.linalg.qr(vt.tensor(normal(3, 2)), mode="r")
    assert q.shape == (0,) and r.shape == (2, 2)


# ---- errors: torch's exception types ------------------------------------------------------------


def _m(L, *shape):
    return L.ones(*shape)


ERRORS = [
    lambda L: L.mm(_m(L, 2, 3), _m(L, 3)),
    lambda L: L.mm(_m(L, 2, 3), _m(L, 2, 3)),
    lambda L: L.mm(_m(L, 2, 3), _m(L, 3, 3).double()),
    lambda L: L.bmm(_m(L, 2, 2, 3), _m(L, 1, 3, 3)),
    lambda L: L.bmm(_m(L, 2, 3), _m(L, 1, 3, 3)),
    lambda L: L.mv(_m(L, 2, 3), _m(L, 2)),
    lambda L: L.mv(_m(L, 2, 3), _m(L, 3, 1)),
    lambda L: L.dot(_m(L, 2), _m(L, 2).double()),
    lambda L: L.dot(_m(L, 2), _m(L, 3)),
    lambda L: L.dot(_m(L, 2, 1), _m(L, 2)),
    lambda L: L.outer(_m(L, 2, 2), _m(L, 2)),
    lambda L: L.inner(_m(L, 2, 3), _m(L, 2)),
    lambda L: L.addmm(_m(L, 4), _m(L, 2, 3), _m(L, 3, 3)),
    lambda L: L.addmm(_m(L, 2, 3, 3), _m(L, 2, 3), _m(L, 3, 3)),
    lambda L: L.tensordot(_m(L, 2, 3), _m(L, 3, 4), -1),
    lambda L: L.tensordot(_m(L, 2, 3), _m(L, 3, 4), ([0], [0])),
    lambda L: L.tensordot(_m(L, 2, 3), _m(L, 3, 4), ([1, 0], [0])),
    lambda L: L.tensordot(_m(L, 2, 3), _m(L, 3, 4).double(), 1),
    lambda L: L.einsum("ij,jk->ik", _m(L, 2, 3), _m(L, 3, 4).double()),
    lambda L: L.einsum("ij,jk->ik", _m(L, 2, 3), _m(L, 2, 4)),
    lambda L: L.einsum("ij->ii", _m(L, 3, 3)),
    lambda L: L.einsum("ij->k", _m(L, 3, 3)),
    lambda L: L.einsum("ij", _m(L, 3, 3, 3)),
    lambda L: L.einsum("ij,j", _m(L, 3, 3)),
    lambda L: L.einsum("i1", _m(L, 3, 3)),
    lambda L: L.einsum("i", _m(L, 3), _m(L, 3)),
    lambda L: L.linalg.cross(_m(L, 4, 3), _m(L, 3)),
    lambda L: L.linalg.cross(_m(L, 3, 2), _m(L, 3, 2)),
    lambda L: L.cross(_m(L, 2, 2), _m(L, 2, 2)),
    lambda L: L.cdist(_m(L, 3), _m(L, 4, 3)),
    lambda L: L.cdist(_m(L, 2, 3), _m(L, 4, 2)),
    lambda L: L.cdist(_m(L, 2, 3), _m(L, 4, 3), p=-1),
    lambda L: L.cdist(_m(L, 2, 3).long(), _m(L, 4, 3).long()),
    lambda L: L.linalg.inv(_m(L, 2, 3)),
    lambda L: L.linalg.inv(_m(L, 3)),
    lambda L: L.linalg.inv(_m(L, 2, 2).long()),
    lambda L: L.linalg.inv(L.zeros(2, 2)),
    lambda L: L.linalg.det(_m(L, 2, 2).long()),
    lambda L: L.linalg.cholesky(-L.eye(2)),
    lambda L: L.linalg.solve(L.eye(2), _m(L, 3)),
    lambda L: L.linalg.solve(L.eye(2), _m(L, 2).double()),
    lambda L: L.linalg.solve(L.zeros(2, 2), _m(L, 2)),
    lambda L: L.linalg.solve(L.eye(2), _m(L, 2), left=False),
    lambda L: L.linalg.solve_triangular(L.eye(2), _m(L, 2), upper=True),
    lambda L: L.linalg.qr(_m(L, 3, 3), mode="foo"),
    lambda L: L.linalg.eigh(L.eye(2), UPLO="X"),
    lambda L: L.linalg.matrix_power(_m(L, 2, 3), 2),
    lambda L: L.linalg.matrix_power(_m(L, 2, 2).long(), -1),
    lambda L: L.linalg.multi_dot([_m(L, 2, 2)]),
]


@pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")
@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_bad_input_raises_torchs_exception_type(case):
    with pytest.raises(Exception) as expected:
        ERRORS[case](torch)
    with pytest.raises(Exception) as got:
        ERRORS[case](vt)
    if issubclass(expected.type, torch.linalg.LinAlgError):
        assert issubclass(got.type, vt.linalg.LinAlgError), got.value
        assert issubclass(vt.linalg.LinAlgError, RuntimeError)
    else:
        assert got.type is expected.type or issubclass(got.type, expected.type), (
            got.value,
            expected.value,
        )


@pytest.mark.parametrize(
    "fn",
    [
        lambda L, a: L.linalg.qr(a, mode="r").R.sum(),
        lambda L, a: L.linalg.qr(a, mode="complete").Q.sum(),
    ],
)
def test_qr_backward_refusals_as_torch(fn):
    for lib in (torch, vt):
        a = lib.tensor(normal(3, 2), requires_grad=True)
        with pytest.raises(RuntimeError, match="linalg.qr|QR decomposition"):
            fn(lib, a).backward()


def test_weight_of_x_at_w_transposed_gets_a_c_ordered_gradient_equal_to_torch():
    """x @ W.T (a Linear written by hand): dW is computed as (dCᵀ X) so that it reaches W
    C-ordered (the leaf adopts it without a copy), and equals torch's."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((5, 4)), rng.standard_normal((3, 4))
    ours = vt.tensor(w, requires_grad=True)
    transposed = ours.T
    (grad_of_transposed,) = vt.autograd.grad((vt.tensor(x) @ transposed).tanh().sum(), transposed)
    assert grad_of_transposed.array.T.flags.c_contiguous  # W's gradient, once transposed back
    theirs = torch.tensor(w, requires_grad=True)
    (torch.tensor(x) @ theirs.T).tanh().sum().backward()
    np.testing.assert_allclose(
        grad_of_transposed.numpy().T, theirs.grad.numpy(), rtol=1e-13, atol=1e-14
    )
