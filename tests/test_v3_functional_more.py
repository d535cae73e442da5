"""F.pad in every mode, the padding modules, grid_sample, affine_grid, one_hot, normalize,
cosine_similarity, pairwise_distance, pdist, channel and alpha dropout and
scaled_dot_product_attention's options against torch in float64."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from v2_parity import check, check_second_order
from v3_twin import assert_same_error, assert_twins

import v2_tensor as vt
import v3_nn as nn
import v3_nn.functional as F

TF = torch.nn.functional


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def same_op(name, *args, **kw):
    def fn(lib, *tensors):
        return getattr(F if lib is vt else TF, name)(*tensors, *args, **kw)

    return fn


# ---- pad ------------------------------------------------------------------------------------


@st.composite
def padding(draw):
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    k = draw(st.integers(1, 3))
    batched = draw(st.booleans()) if mode != "constant" else True
    sizes = [draw(st.integers(1, 5)) for _ in range(k)]
    widths = []
    for n in reversed(sizes):
        low, high = {"reflect": (-(n - 1), n - 1), "circular": (-(n - 1), n)}.get(mode, (-n, 3))
        before = draw(st.integers(max(low, -n + 1), high))
        left = n + min(before, 0)  # what a crop before leaves
        after = draw(st.integers(max(low, -left + 1), high))
        if mode == "circular":  # wrap at most once around what is left after cropping
            kept = n - max(-before, 0) - max(-after, 0)
            before, after = min(before, kept), min(after, kept)
        widths += [before, after]
    shape = ((2,) if batched else ()) + (2,) + tuple(sizes)
    value = draw(st.floats(-2, 2)) if mode == "constant" else None
    return shape, tuple(widths), mode, value


@settings(max_examples=60, deadline=None)
@given(padding(), st.integers(0, 2**32 - 1))
def test_pad_matches_torch_in_every_mode_with_crops(case, seed):
    shape, widths, mode, value = case
    x = np.random.default_rng(seed).standard_normal(shape)
    check(lambda lib, t: (F if lib is vt else TF).pad(t, widths, mode=mode, value=value), x)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_second_derivative_and_integers(mode):
    check_second_order(
        lambda lib, t: (F if lib is vt else TF).pad(t, (2, 1, 1, 2), mode) ** 2, randn(2, 3, 4)
    )
    x = np.arange(12).reshape(1, 3, 4)
    np.testing.assert_array_equal(
        F.pad(vt.tensor(x), (1, 2), mode).array, TF.pad(torch.tensor(x), (1, 2), mode).numpy()
    )


PAD_MODULES = [
    ("ZeroPad1d", (2,), (2, 3, 4)),
    ("ZeroPad2d", ((1, -1, 2, 0),), (2, 3, 4)),
    ("ZeroPad3d", (1,), (1, 2, 2, 3, 2)),
    ("ConstantPad1d", ((1, 2), 3.5), (3, 4)),
    ("ConstantPad2d", (1, -1.0), (2, 3, 4)),
    ("ConstantPad3d", ((1, 0, 0, 1, 2, 0), 0.5), (2, 2, 3, 2)),
    ("ReflectionPad1d", ((3, 1),), (2, 3, 4)),
    ("ReflectionPad2d", (2,), (3, 3, 4)),
    ("ReflectionPad3d", ((1, 0, 1, 1, 0, 1),), (1, 2, 2, 3, 2)),
    ("ReplicationPad1d", (3,), (3, 4)),
    ("ReplicationPad2d", ((0, 2, 3, -1),), (2, 2, 3, 4)),
    ("ReplicationPad3d", (2,), (2, 2, 2, 2)),
    ("CircularPad1d", ((4, 1),), (2, 3, 4)),
    ("CircularPad2d", (1,), (2, 3, 4)),
    ("CircularPad3d", ((1, 2, 0, 1, 2, 1),), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("name, args, shape", PAD_MODULES, ids=lambda v: str(v))
def test_padding_modules_match_torch(name, args, shape):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    assert_twins(ours, theirs, randn(*shape))


def test_mode_pad_of_conv_is_pad():
    x = vt.tensor(randn(2, 3, 4, 5))
    from v3_nn.functional.conv import mode_pad

    np.testing.assert_array_equal(
        mode_pad(x, ((2, 1), (3, 0)), "reflect").array,
        TF.pad(torch.tensor(x.array), (3, 0, 2, 1), mode="reflect").numpy(),
    )


PAD_ERRORS = [
    ("odd length", lambda lib, F, nn: F.pad(lib.zeros(1, 1, 3), (1,))),
    ("too long", lambda lib, F, nn: F.pad(lib.zeros(1, 3), (1, 1) * 3)),
    ("unknown mode", lambda lib, F, nn: F.pad(lib.zeros(1, 1, 3), (1, 1), mode="foo")),
    (
        "value with reflect",
        lambda lib, F, nn: F.pad(lib.zeros(1, 1, 3), (1, 1), mode="reflect", value=1.0),
    ),
    ("reflect too wide", lambda lib, F, nn: F.pad(lib.zeros(1, 1, 3), (3, 0), mode="reflect")),
    (
        "circular twice around",
        lambda lib, F, nn: F.pad(lib.zeros(1, 1, 3), (4, 0), mode="circular"),
    ),
    (
        "reflect 2 widths on 4-D",
        lambda lib, F, nn: F.pad(lib.zeros(1, 1, 3, 3), (1, 1), mode="reflect"),
    ),
    ("replicate 1-D", lambda lib, F, nn: F.pad(lib.zeros(4), (1, 1), mode="replicate")),
    (
        "replicate 8 widths",
        lambda lib, F, nn: F.pad(lib.zeros(2, 2, 2, 3, 4), (1,) * 8, mode="replicate"),
    ),
    ("reflect empty dim", lambda lib, F, nn: F.pad(lib.zeros(1, 0, 3), (1, 1), mode="reflect")),
    (
        "replicate crops it all",
        lambda lib, F, nn: F.pad(lib.zeros(1, 1, 4), (-5, 1), mode="replicate"),
    ),
    ("constant crops too much", lambda lib, F, nn: F.pad(lib.zeros(1, 1, 4), (-3, -2))),
    ("float width", lambda lib, F, nn: F.pad(lib.zeros(1, 1, 4), (1.0, 1))),
    ("tensor widths", lambda lib, F, nn: F.pad(lib.zeros(1, 1, 4), lib.tensor([1, 1]))),
    ("CircularPad1d 4-D", lambda lib, F, nn: nn.CircularPad1d(1)(lib.zeros(2, 3, 4, 5))),
    ("ReflectionPad2d 2-D", lambda lib, F, nn: nn.ReflectionPad2d(1)(lib.zeros(4, 5))),
]


@pytest.mark.parametrize("description, fn", PAD_ERRORS, ids=[e[0] for e in PAD_ERRORS])
def test_pad_errors_are_torch_types(description, fn):
    assert_same_error(fn)


# ---- affine_grid and grid_sample -------------------------------------------------------------


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 2, 3, 2, 4)], ids=str)
def test_affine_grid_matches_torch(size, align_corners):
    dims = len(size) - 2
    theta = randn(2, dims, dims + 1)
    check(lambda lib, t: (F if lib is vt else TF).affine_grid(t, size, align_corners), theta)


@st.composite
def sampling(draw):
    dims = draw(st.sampled_from([2, 3]))
    mode = draw(st.sampled_from(["bilinear", "nearest"] + (["bicubic"] if dims == 2 else [])))
    spatial = [draw(st.integers(1, 4)) for _ in range(dims)]
    out = [draw(st.integers(1, 3)) for _ in range(dims)]
    return dict(
        x=(2, 2, *spatial),
        grid=(2, *out, dims),
        mode=mode,
        padding_mode=draw(st.sampled_from(["zeros", "border", "reflection"])),
        align_corners=draw(st.booleans()),
    )


@settings(max_examples=40, deadline=None)
@given(sampling(), st.integers(0, 2**32 - 1))
def test_grid_sample_matches_torch(case, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case["x"])
    grid = rng.uniform(-1.6, 1.6, case["grid"])  # inside and outside the image
    kw = {k: case[k] for k in ("mode", "padding_mode", "align_corners")}

    def fn(lib, image, g):
        return (F if lib is vt else TF).grid_sample(image, g, **kw)

    if kw["mode"] == "nearest":  # no gradient for the grid (torch's is zeros)
        image = rng.standard_normal(case["x"])
        check(lambda lib, t: fn(lib, t, (vt.tensor if lib is vt else torch.tensor)(grid)), image)
        return
    check(fn, x, grid)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_second_derivatives_match_torch(mode, padding_mode):
    rng = np.random.default_rng(3)
    x, grid = rng.standard_normal((1, 2, 3, 4)), rng.uniform(-1.2, 1.2, (1, 2, 3, 2))
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=False)

    def fn(lib, image, g):
        return (F if lib is vt else TF).grid_sample(image, g, **kw) ** 2

    check_second_order(fn, x, grid)


def test_spatial_transformer_identity_round_trip():
    theta = vt.tensor(np.tile(np.eye(2, 3), (2, 1, 1)))
    x = vt.tensor(randn(2, 3, 4, 5))
    grid = F.affine_grid(theta, (2, 3, 4, 5), align_corners=False)
    np.testing.assert_allclose(
        F.grid_sample(x, grid, align_corners=False).array, x.array, atol=1e-12
    )


def test_grid_sample_and_affine_grid_warn_without_align_corners_as_torch():
    theta = vt.tensor(randn(1, 2, 3))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        grid = F.affine_grid(theta, (1, 1, 2, 2))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(vt.tensor(randn(1, 1, 2, 2)), grid)


SAMPLE_ERRORS = [
    (
        "bad mode",
        lambda lib, F, nn: F.grid_sample(lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 1, 2), mode="foo"),
    ),
    (
        "bad padding",
        lambda lib, F, nn: F.grid_sample(
            lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 1, 2), padding_mode="foo"
        ),
    ),
    (
        "grid last dim",
        lambda lib, F, nn: F.grid_sample(
            lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 1, 3), align_corners=True
        ),
    ),
    (
        "batch sizes",
        lambda lib, F, nn: F.grid_sample(
            lib.zeros(1, 1, 2, 2), lib.zeros(2, 1, 1, 2), align_corners=True
        ),
    ),
    (
        "dtypes",
        lambda lib, F, nn: F.grid_sample(
            lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 1, 2, dtype=lib.float64), align_corners=True
        ),
    ),
    (
        "theta shape",
        lambda lib, F, nn: F.affine_grid(lib.zeros(2, 3, 3), (2, 3, 4, 5), align_corners=True),
    ),
    (
        "grid size 3",
        lambda lib, F, nn: F.affine_grid(lib.zeros(2, 2, 3), (2, 3, 4), align_corners=True),
    ),
    (
        "integer theta",
        lambda lib, F, nn: F.affine_grid(
            lib.zeros(2, 2, 3, dtype=lib.int64), (2, 3, 4, 5), align_corners=True
        ),
    ),
    (
        "empty size",
        lambda lib, F, nn: F.affine_grid(lib.zeros(2, 2, 3), (2, 3, 0, 5), align_corners=True),
    ),
    (
        "theta batch",
        lambda lib, F, nn: F.affine_grid(lib.zeros(3, 2, 3), (2, 3, 4, 5), align_corners=True),
    ),
]


@pytest.mark.parametrize("description, fn", SAMPLE_ERRORS, ids=[e[0] for e in SAMPLE_ERRORS])
def test_sampling_errors_are_torch_types(description, fn):
    assert_same_error(fn)


# ---- one_hot, normalize, distances ------------------------------------------------------------


def test_one_hot_matches_torch():
    for index, classes in (([0, 2, 1], -1), ([[0, 3], [1, 1]], 5), (2, -1), ([], 3)):
        ours = F.one_hot(vt.tensor(np.array(index, dtype=np.int64)), classes)
        theirs = TF.one_hot(torch.tensor(index, dtype=torch.int64), classes)
        assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.array, theirs.numpy())
    for bad in (([0, 2, 1], 2), ([0, -2], -1), ([], -1)):
        assert_same_error(
            lambda lib, F, nn, bad=bad: F.one_hot(lib.tensor(bad[0], dtype=lib.int64), bad[1])
        )
    assert_same_error(lambda lib, F, nn: F.one_hot(lib.tensor([0, 1], dtype=lib.int32)))
    assert_same_error(lambda lib, F, nn: F.one_hot(lib.tensor([0.0, 1.0])))


@pytest.mark.parametrize(
    "p, dim, shape",
    [
        (2.0, 1, (3, 4)),
        (1.0, 0, (3, 4)),
        (3.0, -1, (2, 3, 2)),
        (float("inf"), 1, (3, 5)),
        (0.5, 1, (2, 3)),
    ],
    ids=str,
)
def test_normalize_matches_torch_with_a_zero_vector(p, dim, shape):
    x = randn(*shape)
    index = [slice(None)] * len(shape)
    index[dim] = 0 if dim != len(shape) - 1 and dim != -1 else slice(None)
    x[tuple(index)] = 0.0  # a zero vector (or zero entries): torch's masked gradient
    if p == 0.5:
        x = np.abs(x) + 0.1
    check(same_op("normalize", p=p, dim=dim), x)
    check_second_order(
        lambda lib, t: same_op("normalize", p=p, dim=dim)(lib, t) ** 2, randn(*shape) + 2
    )


@pytest.mark.parametrize(
    "shapes, dim, eps",
    [
        (((3, 4), (3, 4)), 1, 1e-8),
        (((2, 3, 4), (3, 4)), -1, 1e-8),
        (((4,), (4,)), 0, 0.5),
        (((2, 1, 3), (1, 4, 3)), 2, 1e-8),
    ],
    ids=str,
)
def test_cosine_similarity_matches_torch(shapes, dim, eps):
    a, b = (randn(*s, seed=i) for i, s in enumerate(shapes))
    check(same_op("cosine_similarity", dim=dim, eps=eps), a, b)
    check_second_order(same_op("cosine_similarity", dim=dim, eps=eps), a, b)
    small = a * 1e-3  # norms below eps: the value is clamped, the gradient is the norm's
    check(same_op("cosine_similarity", dim=dim, eps=0.5), small, b)
    ours, theirs = nn.CosineSimilarity(dim, eps), torch.nn.CosineSimilarity(dim, eps)
    assert_twins(ours, theirs, a, b)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.7, float("inf")])
def test_pairwise_distance_and_pdist_match_torch(p):
    a, b = randn(4, 3), randn(4, 3, seed=1)
    b[1] = a[1]  # a zero difference (offset by eps in pairwise_distance)
    for keepdim in (False, True):
        check(same_op("pairwise_distance", p=p, keepdim=keepdim), a, b)
    check(same_op("pairwise_distance", p=p), a, b[0])  # broadcast
    rows = randn(5, 3, seed=2)
    check(same_op("pdist", p=p), rows)
    ours, theirs = (
        nn.PairwiseDistance(p=p, keepdim=True),
        torch.nn.PairwiseDistance(p=p, keepdim=True),
    )
    assert_twins(ours, theirs, a, b)


def test_pdist_of_equal_rows_has_torch_zero_gradient():
    rows = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]])
    check(same_op("pdist"), rows)
    assert F.pdist(vt.tensor(randn(1, 3))).shape == (0,)


DISTANCE_ERRORS = [
    ("normalize dim", lambda lib, F, nn: F.normalize(lib.zeros(3), dim=1)),
    ("cosine dim", lambda lib, F, nn: F.cosine_similarity(lib.zeros(3), lib.zeros(3))),
    ("cosine shapes", lambda lib, F, nn: F.cosine_similarity(lib.zeros(2, 3), lib.zeros(4))),
    ("pdist 3-D", lambda lib, F, nn: F.pdist(lib.zeros(2, 3, 4))),
    ("pdist negative p", lambda lib, F, nn: F.pdist(lib.zeros(2, 3), -1)),
]


@pytest.mark.parametrize("description, fn", DISTANCE_ERRORS, ids=[e[0] for e in DISTANCE_ERRORS])
def test_distance_errors_are_torch_types(description, fn):
    assert_same_error(fn)


# ---- dropout variants -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, shape, feature",
    [
        ("dropout1d", (40, 50, 6), True),
        ("dropout1d", (50, 6), True),
        ("dropout2d", (40, 50, 3, 2), True),
        ("dropout3d", (40, 50, 2, 2, 2), True),
        ("dropout3d", (50, 2, 2, 3), True),
        ("alpha_dropout", (60, 50), False),
        ("feature_alpha_dropout", (40, 50, 6), True),
    ],
)
def test_dropout_variants_drop_and_rescale_as_torch(name, shape, feature):
    vt.manual_seed(0)
    p = 0.3
    x = np.abs(randn(*shape)) + 1.0  # positive, so a dropped unit is recognisable
    y = getattr(F, name)(vt.tensor(x), p=p, training=True).array
    alpha = name.endswith("alpha_dropout")
    if alpha:  # dropped units are -alpha' a + b, kept ones a x + b (SELU's fixed point)
        a = 1 / np.sqrt((1.7580993408473766**2 * p + 1) * (1 - p))
        b = 1.7580993408473766 * a * p
        kept = np.isclose(y, a * x + b)
        assert np.allclose(y[~kept], -1.7580993408473766 * a + b)
    else:
        kept = y != 0
        np.testing.assert_allclose(y[kept], x[kept] / (1 - p))
    lead = 1 if len(shape) in (2, 4) and name in ("dropout1d", "dropout3d") else 2
    if feature:  # whole channels: every element of a (sample, channel) agrees
        per_channel = kept.reshape(*shape[:lead], -1)
        assert (per_channel.all(-1) | ~per_channel.any(-1)).all()
    draws = kept.size if not feature else np.prod(shape[:lead])
    assert abs(kept.mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / draws)
    # eval / training=False is the identity; torch's version keeps the same share
    np.testing.assert_array_equal(getattr(F, name)(vt.tensor(x), p=p, training=False).array, x)
    torch.manual_seed(0)
    y_torch = getattr(TF, name)(torch.tensor(x), p=p, training=True).numpy()
    kept_torch = np.isclose(y_torch, a * x + b) if alpha else y_torch != 0
    assert abs(kept_torch.mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / draws)
    if not alpha:
        np.testing.assert_allclose(y_torch[kept_torch], x[kept_torch] / (1 - p))


def test_dropout_modules_follow_torch():
    for name, shape in (
        ("Dropout1d", (3, 4, 5)),
        ("Dropout2d", (3, 4, 2, 2)),
        ("Dropout3d", (3, 4, 2, 2, 2)),
        ("AlphaDropout", (3, 4)),
        ("FeatureAlphaDropout", (3, 4, 2)),
    ):
        ours, theirs = getattr(nn, name)(0.2), getattr(torch.nn, name)(0.2)
        assert repr(ours) == repr(theirs)
        x = vt.tensor(randn(*shape))
        ours.eval()
        np.testing.assert_array_equal(ours(x).array, x.array)
        assert_same_error(lambda lib, F, nn, name=name: getattr(nn, name)(1.5))
    x = vt.tensor(randn(2, 3, 4), requires_grad=True)
    vt.manual_seed(1)
    y = F.alpha_dropout(x, 0.4, training=True)
    y.sum().backward()
    kept = ~np.isclose(y.array, y.array.min())
    assert np.all(x.grad.array[~kept] == 0) and np.all(x.grad.array[kept] > 0)


DROPOUT_ERRORS = [
    ("dropout1d 4-D", lambda lib, F, nn: F.dropout1d(lib.zeros(2, 3, 4, 5))),
    ("dropout1d 1-D", lambda lib, F, nn: F.dropout1d(lib.zeros(3))),
    ("dropout1d p", lambda lib, F, nn: F.dropout1d(lib.zeros(2, 3, 4), p=1.5)),
    ("alpha_dropout p", lambda lib, F, nn: F.alpha_dropout(lib.zeros(2, 3), p=-0.5, training=True)),
    (
        "feature_alpha_dropout 1-D",
        lambda lib, F, nn: F.feature_alpha_dropout(lib.zeros(3), training=True),
    ),
]


@pytest.mark.parametrize("description, fn", DROPOUT_ERRORS, ids=[e[0] for e in DROPOUT_ERRORS])
def test_dropout_errors_are_torch_types(description, fn):
    assert_same_error(fn)


def test_dropout2d_warns_as_torch_on_3d_input():
    with pytest.warns(UserWarning, match="assuming that channel-wise 1D dropout"):
        F.dropout2d(vt.tensor(randn(2, 3, 4)))


# ---- scaled_dot_product_attention -------------------------------------------------------------


@pytest.mark.parametrize(
    "q, k, v",
    [
        ((2, 6, 4, 8), (2, 2, 5, 8), (2, 2, 5, 3)),
        ((2, 6, 4, 8), (2, 2, 5, 8), (2, 3, 5, 3)),  # key and value repeat differently
        ((6, 4, 8), (2, 5, 8), (2, 5, 3)),  # unbatched heads
        ((2, 6, 4, 8), (1, 3, 5, 8), (1, 3, 5, 3)),  # batch broadcast too
        ((1, 2, 4, 4, 8), (1, 2, 2, 5, 8), (1, 2, 2, 5, 3)),
    ],
    ids=str,
)
@pytest.mark.parametrize("is_causal", [False, True])
def test_sdpa_grouped_query_attention_matches_torch(q, k, v, is_causal):
    arrays = [randn(*s, seed=i) for i, s in enumerate((q, k, v))]
    check(
        same_op("scaled_dot_product_attention", is_causal=is_causal, enable_gqa=True, scale=0.3),
        *arrays,
    )


@pytest.mark.parametrize(
    "mask",
    [None, "bool", "float", "bool-broadcast"],
)
@pytest.mark.parametrize("scale", [None, 0.0, 2.5])
def test_sdpa_options_match_torch(mask, scale):
    q, k, v = randn(2, 3, 4, 5), randn(2, 3, 6, 5, seed=1), randn(2, 3, 6, 2, seed=2)
    arrays = [q, k, v]
    rng = np.random.default_rng(4)
    if mask == "float":
        arrays.append(rng.standard_normal((4, 6)))
        fn = same_op("scaled_dot_product_attention", scale=scale)
    else:
        shape = (4, 6) if mask == "bool" else (3, 1, 6)
        m = rng.random(shape) > 0.3

        def fn(lib, *t):
            attn = None if mask is None else (vt.tensor if lib is vt else torch.tensor)(m)
            return same_op("scaled_dot_product_attention", attn_mask=attn, scale=scale)(lib, *t)

    check(fn, *arrays)


GQA_ERRORS = [
    (
        "heads do not divide",
        lambda lib, F, nn: F.scaled_dot_product_attention(
            lib.zeros(2, 6, 4, 8), lib.zeros(2, 4, 5, 8), lib.zeros(2, 4, 5, 3), enable_gqa=True
        ),
    ),
    (
        "heads differ without gqa",
        lambda lib, F, nn: F.scaled_dot_product_attention(
            lib.zeros(2, 6, 4, 8), lib.zeros(2, 2, 5, 8), lib.zeros(2, 2, 5, 3)
        ),
    ),
    (
        "gqa on 2-D",
        lambda lib, F, nn: F.scaled_dot_product_attention(
            lib.zeros(4, 8), lib.zeros(5, 8), lib.zeros(5, 3), enable_gqa=True
        ),
    ),
    (
        "mask and is_causal",
        lambda lib, F, nn: F.scaled_dot_product_attention(
            lib.zeros(1, 4, 8),
            lib.zeros(1, 4, 8),
            lib.zeros(1, 4, 8),
            attn_mask=lib.ones(4, 4, dtype=lib.bool),
            is_causal=True,
        ),
    ),
    (
        "integer mask",
        lambda lib, F, nn: F.scaled_dot_product_attention(
            lib.zeros(1, 4, 8),
            lib.zeros(1, 4, 8),
            lib.zeros(1, 4, 8),
            attn_mask=lib.ones(4, 4, dtype=lib.int64),
        ),
    ),
    (
        "dropout 1.5",
        lambda lib, F, nn: F.scaled_dot_product_attention(
            lib.zeros(1, 4, 8), lib.zeros(1, 4, 8), lib.zeros(1, 4, 8), dropout_p=1.5
        ),
    ),
]


@pytest.mark.parametrize("description, fn", GQA_ERRORS, ids=[e[0] for e in GQA_ERRORS])
def test_sdpa_errors_are_torch_types(description, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(fn)


def test_sdpa_dropout_keeps_the_expectation():
    vt.manual_seed(0)
    q = vt.tensor(randn(1, 200, 8))
    out = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    ref = F.scaled_dot_product_attention(q, q, q)
    assert 0.8 < np.abs(out.array).mean() / np.abs(ref.array).mean() < 1.25
