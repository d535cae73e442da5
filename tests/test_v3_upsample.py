"""F.interpolate in every mode, Upsample, pixel/channel shuffles, Fold and Unfold against
torch in float64: values, gradients, second derivatives and torch's errors."""

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


def same_op(name, **kw):
    def fn(lib, *tensors):
        return getattr(F if lib is vt else TF, name)(*tensors, **kw)

    return fn


MODES = {  # mode -> input dims it takes
    "nearest": (3, 4, 5),
    "nearest-exact": (3, 4, 5),
    "area": (3, 4, 5),
    "linear": (3,),
    "bilinear": (4,),
    "bicubic": (4,),
    "trilinear": (5,),
}


@st.composite
def interpolation(draw):
    mode = draw(st.sampled_from(sorted(MODES)))
    ndim = draw(st.sampled_from(MODES[mode]))
    spatial = [draw(st.integers(1, 6)) for _ in range(ndim - 2)]
    kw = dict(mode=mode)
    if mode not in ("nearest", "nearest-exact", "area"):
        kw["align_corners"] = draw(st.booleans())
    if draw(st.booleans()):
        kw["size"] = [draw(st.integers(1, 9)) for _ in spatial]
    else:
        scales = [draw(st.sampled_from([0.5, 0.75, 1.0, 1.3, 1.5, 2.0, 2.5, 3.0])) for _ in spatial]
        scales = [max(s, 1.0 / n + 1e-3) for s, n in zip(scales, spatial, strict=True)]
        kw["scale_factor"] = scales
        if mode != "area":
            kw["recompute_scale_factor"] = draw(st.sampled_from([None, False, True]))
    return (draw(st.integers(1, 2)), 2, *spatial), kw


@settings(max_examples=60, deadline=None)
@given(interpolation(), st.integers(0, 2**32 - 1))
def test_interpolate_matches_torch(case, seed):
    shape, kw = case
    x = np.random.default_rng(seed).standard_normal(shape)
    if not _torch_backward_is_not_its_forwards(shape, kw):
        return check(same_op("interpolate", **kw), x)
    ours = F.interpolate(vt.tensor(x), **kw)
    np.testing.assert_array_equal(ours.array, TF.interpolate(torch.tensor(x), **kw).numpy())
    assert vt.autograd.gradcheck(
        lambda t: F.interpolate(t, **kw), (vt.tensor(x, requires_grad=True),)
    )


def _torch_backward_is_not_its_forwards(shape, kw) -> bool:
    """torch's 1-d and 3-d nearest kernels pick source pixels by the scale factor in the
    forward, but their backward copies where the output size equals the input's (and halves
    where it doubles) as the 2-d kernel does both ways: where the two differ, torch's gradient
    is not its forward's, and ours (the forward's adjoint) is checked by finite differences."""
    if kw["mode"] != "nearest" or len(shape) == 4 or "scale_factor" not in kw:
        return False
    if kw.get("recompute_scale_factor"):
        return False
    for n, s in zip(shape[2:], kw["scale_factor"], strict=True):
        out = int(n * s)
        scaled = np.minimum(np.floor(np.arange(out, dtype=np.float32) * np.float32(1 / s)), n - 1)
        if out in (n, 2 * n) and not np.array_equal(scaled, np.arange(out) // (out // n)):
            return True
    return False


@pytest.mark.parametrize("shape", [(1, 2, 2), (1, 1, 2, 1, 1)], ids=str)
def test_nearest_1d_and_3d_take_the_scale_where_the_size_is_kept_as_torch(shape):
    """torch.interpolate(x, scale_factor=1.3) of 2 pixels along an axis is 2 pixels, both the
    first (floor(1 / 1.3) = 0): the 1-d and 3-d kernels do not copy as the 2-d one does."""
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    kw = dict(scale_factor=[1.3] + [1.0] * (len(shape) - 3), mode="nearest")
    ours = F.interpolate(vt.tensor(x), **kw)
    np.testing.assert_array_equal(ours.array, TF.interpolate(torch.tensor(x), **kw).numpy())
    assert _torch_backward_is_not_its_forwards(shape, kw)


@pytest.mark.parametrize(
    "size, kw",
    [
        ((3, 7), dict(scale_factor=2.0)),  # the x2 shortcut of torch's nearest
        ((5, 7), dict(size=(5, 7))),  # same size: a copy
        ((3, 7), dict(size=(10, 5))),
        ((4, 6), dict(scale_factor=1.7)),
        ((6, 9), dict(scale_factor=1 / 3)),
        ((7, 5), dict(size=(3, 11))),
        ((10, 3), dict(scale_factor=(0.29, 3.3))),
    ],
    ids=str,
)
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_indices_follow_torch_float32_arithmetic(size, kw, mode):
    x = np.arange(np.prod(size), dtype=np.float64).reshape(1, 1, *size)
    ours = F.interpolate(vt.tensor(x), mode=mode, **kw)
    theirs = TF.interpolate(torch.tensor(x), mode=mode, **kw)
    np.testing.assert_array_equal(ours.array, theirs.numpy())


@pytest.mark.parametrize(
    "mode, shape, kw",
    [
        ("bilinear", (1, 2, 3, 4), dict(scale_factor=2.5, align_corners=False)),
        ("bilinear", (1, 2, 4, 3), dict(size=(4, 7), align_corners=True)),
        ("bicubic", (1, 1, 4, 5), dict(size=(7, 3), align_corners=False)),
        ("bicubic", (1, 1, 4, 5), dict(scale_factor=1.5, align_corners=True)),
        ("trilinear", (1, 1, 2, 3, 3), dict(scale_factor=(2, 1, 1.5))),
        ("linear", (2, 2, 5), dict(size=3)),
        ("area", (1, 2, 7, 5), dict(size=(3, 2))),
        ("nearest", (1, 2, 2, 3, 2), dict(scale_factor=(1.5, 2, 3))),
    ],
    ids=str,
)
def test_second_derivatives_match_torch(mode, shape, kw):
    fn = same_op("interpolate", mode=mode, **kw)
    check_second_order(lambda lib, t: fn(lib, t) ** 2, randn(*shape))


def test_interpolate_float32_and_infinite_inputs_like_torch():
    x = randn(1, 1, 3, 4)
    x[0, 0, 1, 2] = np.inf
    for mode, extra in (("bilinear", {"align_corners": False}), ("nearest", {})):
        ours = F.interpolate(vt.tensor(x), size=(5, 7), mode=mode, **extra)
        theirs = TF.interpolate(torch.tensor(x), size=(5, 7), mode=mode, **extra)
        np.testing.assert_array_equal(np.isnan(ours.array), np.isnan(theirs.numpy()))
        np.testing.assert_array_equal(np.isinf(ours.array), np.isinf(theirs.numpy()))
    y = F.interpolate(vt.tensor(x.astype(np.float32)), scale_factor=2, mode="bicubic")
    assert y.dtype == np.float32


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
        (
            nn.Upsample(size=(3, 5), mode="bilinear", align_corners=True),
            torch.nn.Upsample(size=(3, 5), mode="bilinear", align_corners=True),
        ),
        (
            nn.Upsample(scale_factor=(2, 1.5), mode="bicubic"),
            torch.nn.Upsample(scale_factor=(2, 1.5), mode="bicubic"),
        ),
        (
            nn.Upsample(scale_factor=1.5, mode="nearest-exact", recompute_scale_factor=True),
            torch.nn.Upsample(scale_factor=1.5, mode="nearest-exact", recompute_scale_factor=True),
        ),
        (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
        (nn.UpsamplingBilinear2d(size=(5, 4)), torch.nn.UpsamplingBilinear2d(size=(5, 4))),
        (nn.PixelShuffle(2), torch.nn.PixelShuffle(2)),
        (nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2)),
        (nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2)),
    ],
    ids=lambda m: repr(m) if isinstance(m, nn.Module) else None,
)
def test_upsampling_modules_match_torch(ours, theirs):
    assert repr(ours) == repr(theirs)
    assert_twins(ours, theirs, randn(2, 4, 4, 6))


@pytest.mark.parametrize("shape, r", [((2, 8, 3, 2), 2), ((9, 2, 1), 3), ((2, 3, 8, 2, 2), 2)])
def test_pixel_shuffle_and_unshuffle_match_torch_and_invert_each_other(shape, r):
    x = randn(*shape)
    check(same_op("pixel_shuffle", upscale_factor=r), x)
    shuffled = F.pixel_shuffle(vt.tensor(x), r)
    check(same_op("pixel_unshuffle", downscale_factor=r), shuffled.array)
    np.testing.assert_array_equal(F.pixel_unshuffle(shuffled, r).array, x)


@pytest.mark.parametrize(
    "kw",
    [
        dict(kernel_size=2),
        dict(kernel_size=(2, 3), stride=(1, 2), padding=1),
        dict(kernel_size=3, dilation=(2, 1), padding=(2, 1), stride=2),
    ],
    ids=str,
)
def test_fold_and_unfold_match_torch(kw):
    x = randn(2, 3, 6, 7)
    check(same_op("unfold", **kw), x)
    check(same_op("unfold", **kw), x[0])  # unbatched
    cols = TF.unfold(torch.tensor(x), **kw).numpy()
    check(same_op("fold", output_size=(6, 7), **kw), cols)
    check(same_op("fold", output_size=(6, 7), **kw), cols[1])
    check_second_order(lambda lib, t: same_op("unfold", **kw)(lib, t) ** 2, x[:1])
    ours, theirs = nn.Unfold(**kw), torch.nn.Unfold(**kw)
    assert repr(ours) == repr(theirs)
    assert_twins(ours, theirs, x)
    ours, theirs = nn.Fold((6, 7), **kw), torch.nn.Fold((6, 7), **kw)
    assert repr(ours) == repr(theirs)
    assert_twins(ours, theirs, cols)


def test_fold_of_unfold_counts_each_pixel_once_per_window():
    ones = vt.ones(1, 1, 4, 5)
    counts = F.fold(F.unfold(ones, 3, padding=1), (4, 5), 3, padding=1)
    theirs = TF.fold(TF.unfold(torch.ones(1, 1, 4, 5), 3, padding=1), (4, 5), 3, padding=1)
    np.testing.assert_array_equal(counts.array, theirs.numpy())


ERRORS = [
    (
        "size and scale",
        lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 4, 4), size=2, scale_factor=2),
    ),
    ("neither", lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 4, 4))),
    ("unknown mode", lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 4, 4), size=2, mode="foo")),
    (
        "linear on 4-D",
        lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 4, 4), size=2, mode="linear"),
    ),
    (
        "bilinear on 3-D",
        lambda lib, F, nn: F.interpolate(lib.zeros(1, 4, 4), size=2, mode="bilinear"),
    ),
    (
        "bicubic on 5-D",
        lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 2, 2, 2), size=3, mode="bicubic"),
    ),
    ("2-D input", lambda lib, F, nn: F.interpolate(lib.zeros(4, 4), size=2)),
    (
        "align_corners with nearest",
        lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 4, 4), size=2, align_corners=False),
    ),
    (
        "recompute with size",
        lambda lib, F, nn: F.interpolate(
            lib.zeros(1, 1, 4, 4), size=2, recompute_scale_factor=True
        ),
    ),
    ("size length", lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 4, 4), size=[2])),
    ("scale length", lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 4, 4), scale_factor=[2.0])),
    ("float size", lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 4, 4), size=(2.0, 2))),
    ("output size 0", lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 4, 4), scale_factor=0.1)),
    ("negative size", lambda lib, F, nn: F.interpolate(lib.zeros(1, 1, 4, 4), size=(-1, 2))),
    (
        "integer input",
        lambda lib, F, nn: F.interpolate(lib.ones(1, 1, 2, 2, dtype=lib.int64), size=3),
    ),
    ("pixel_shuffle channels", lambda lib, F, nn: F.pixel_shuffle(lib.zeros(1, 5, 2, 2), 2)),
    ("pixel_shuffle 2-D", lambda lib, F, nn: F.pixel_shuffle(lib.zeros(4, 2), 2)),
    ("pixel_shuffle factor 0", lambda lib, F, nn: F.pixel_shuffle(lib.zeros(1, 4, 2, 2), 0)),
    ("pixel_unshuffle height", lambda lib, F, nn: F.pixel_unshuffle(lib.zeros(1, 5, 3, 2), 2)),
    ("channel_shuffle groups", lambda lib, F, nn: F.channel_shuffle(lib.zeros(1, 5, 2, 2), 2)),
    ("channel_shuffle 2-D", lambda lib, F, nn: F.channel_shuffle(lib.zeros(4, 6), 2)),
    ("unfold 5-D", lambda lib, F, nn: F.unfold(lib.zeros(1, 4, 5, 6, 7), 3)),
    ("unfold 2-D", lambda lib, F, nn: F.unfold(lib.zeros(5, 6), 3)),
    ("unfold kernel too big", lambda lib, F, nn: F.unfold(lib.zeros(1, 1, 5, 6), 7)),
    ("unfold negative padding", lambda lib, F, nn: F.unfold(lib.zeros(1, 1, 5, 6), 3, padding=-1)),
    ("unfold zero stride", lambda lib, F, nn: F.unfold(lib.zeros(1, 1, 5, 6), 3, stride=0)),
    ("fold blocks", lambda lib, F, nn: F.fold(lib.zeros(2, 36, 29), (5, 6), 3, padding=1)),
    ("fold channels", lambda lib, F, nn: F.fold(lib.zeros(2, 35, 30), (5, 6), 3, padding=1)),
    ("fold 4-D", lambda lib, F, nn: F.fold(lib.zeros(1, 2, 36, 30), (5, 6), 3, padding=1)),
]


@pytest.mark.parametrize("description, fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_torch_types(description, fn):
    assert_same_error(fn)


def test_antialias_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(vt.zeros(1, 1, 4, 4), size=2, mode="bilinear", antialias=True)
