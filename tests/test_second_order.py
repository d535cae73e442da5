"""Second derivatives against torch, and by finite differences of the first derivative.

Every op of v3_nn that torch differentiates twice is differentiated twice here too: through
`autograd.grad(..., create_graph=True)`, compared with torch's Hessian-vector products in
float64 (`check_second_order`), and by `v2_tensor.autograd.gradgradcheck` where torch has
nothing to compare (our dropout masks, our own kernels against their composed references).
The ops torch itself refuses to differentiate twice (CTC) raise here too.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from v2_parity import check_second_order

import v2_tensor as vt
import v3_nn as nn
import v3_nn.functional as F

TF = torch.nn.functional


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def functional(name, *args, **kw):
    """fn(lib, *tensors) = F.name(*tensors, *args, **kw) in either library."""

    def fn(lib, *tensors):
        return getattr(F if lib is vt else TF, name)(*tensors, *args, **kw)

    return fn


def squared(fn):
    """fn ** 2, so that ops linear in an input still have a second derivative in it."""
    return lambda lib, *t: fn(lib, *t) ** 2


# ---- gradgradcheck itself ----------------------------------------------------------------


def test_gradgradcheck_passes_a_smooth_function_and_catches_a_wrong_second_derivative():
    x = vt.tensor(randn(3, 4), requires_grad=True)
    assert vt.autograd.gradgradcheck(lambda t: (t.tanh() * t).sum(1), x)

    class WrongSecond(vt.autograd.Function):  # y = x³ with a backward whose derivative is off
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a**3

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return grad * 3 * a.detach() ** 2  # right values, no dependence on a recorded

    assert vt.autograd.gradcheck(WrongSecond.apply, x)
    with pytest.raises(vt.autograd.GradcheckError, match="Jacobian mismatch"):
        vt.autograd.gradgradcheck(WrongSecond.apply, x)
    assert not vt.autograd.gradgradcheck(WrongSecond.apply, x, raise_exception=False)


def test_gradgradcheck_takes_grad_outputs_and_refuses_inputs_without_grad():
    x = vt.tensor(randn(2, 3), requires_grad=True)
    assert vt.autograd.gradgradcheck(lambda t: t.sin(), x, vt.tensor(randn(2, 3, seed=1)))
    with pytest.raises(ValueError, match="no input requires grad"):
        vt.autograd.gradgradcheck(lambda t: t.sin(), vt.tensor(randn(2, 3)))
    with pytest.raises(ValueError, match="grad_outputs"):
        vt.autograd.gradgradcheck(lambda t: t.sin(), x, [vt.tensor(randn(2, 3))] * 2)


# ---- functional ops against torch ---------------------------------------------------------

X4 = (2, 3, 5, 6)  # an image batch (N, C, H, W)
TARGET = np.array([1, 0, 3, 2])
PROBS = np.random.default_rng(7).dirichlet(np.ones(4), size=4)
UNIT = np.random.default_rng(8).uniform(0.05, 0.95, (4, 3))
GRID = np.random.default_rng(9).uniform(-1.1, 1.1, (2, 4, 3, 2))


def lib_tensor(lib, array):
    return (torch.tensor if lib is torch else vt.tensor)(array)


def loss_case(name, target, **kw):
    return lambda lib, x: getattr(F if lib is vt else TF, name)(x, lib_tensor(lib, target), **kw)


FUNCTIONAL = [
    # convolution (1-D, 2-D, 3-D, transposed) with strides, padding, dilation and groups
    ("conv1d", functional("conv1d", stride=2, padding=1), [(2, 4, 7), (6, 4, 3), (6,)], True),
    ("conv1d groups", functional("conv1d", padding=1, groups=2), [(2, 4, 7), (6, 2, 3)], True),
    (
        "conv2d",
        functional("conv2d", stride=(2, 1), padding=1, dilation=(1, 2)),
        [X4, (4, 3, 3, 2), (4,)],
        True,
    ),
    ("conv2d same", functional("conv2d", padding="same", dilation=2), [X4, (2, 3, 3, 3)], True),
    ("conv3d", functional("conv3d", stride=2), [(1, 2, 4, 3, 4), (3, 2, 2, 2, 2)], True),
    (
        "conv_transpose1d",
        functional("conv_transpose1d", stride=2, padding=1, output_padding=1),
        [(2, 3, 5), (3, 2, 3), (2,)],
        True,
    ),
    (
        "conv_transpose2d",
        functional("conv_transpose2d", stride=2, padding=1, output_padding=1),
        [(2, 3, 3, 4), (3, 2, 4, 4), (2,)],
        True,
    ),
    (
        "conv_transpose2d groups",
        functional("conv_transpose2d", stride=(1, 2), groups=3),
        [(1, 3, 3, 3), (3, 1, 2, 3)],
        True,
    ),
    # pooling: max, average, adaptive, Lp
    ("max_pool1d", functional("max_pool1d", 3, 2, 1), [(2, 3, 9)], True),
    ("max_pool2d", functional("max_pool2d", 2), [X4], True),
    ("max_pool2d overlapping", functional("max_pool2d", 3, 1, 1, dilation=(1, 2)), [X4], True),
    ("max_pool3d", functional("max_pool3d", 2, ceil_mode=True), [(1, 2, 3, 5, 4)], True),
    ("avg_pool1d", functional("avg_pool1d", 3, 2, 1), [(2, 3, 8)], True),
    (
        "avg_pool2d",
        functional("avg_pool2d", 3, 2, 1, ceil_mode=True, count_include_pad=False),
        [X4],
        True,
    ),
    ("avg_pool2d divisor", functional("avg_pool2d", 2, divisor_override=3), [X4], True),
    ("avg_pool3d", functional("avg_pool3d", 2), [(1, 2, 4, 4, 3)], True),
    ("adaptive_avg_pool1d", functional("adaptive_avg_pool1d", 4), [(2, 3, 7)], True),
    ("adaptive_avg_pool2d", functional("adaptive_avg_pool2d", (2, 4)), [X4], True),
    ("adaptive_max_pool1d", functional("adaptive_max_pool1d", 3), [(2, 3, 7)], True),
    ("adaptive_max_pool2d", functional("adaptive_max_pool2d", (3, 4)), [X4], True),
    ("adaptive_max_pool3d", functional("adaptive_max_pool3d", 2), [(1, 2, 3, 5, 4)], True),
    ("adaptive_avg_pool3d", functional("adaptive_avg_pool3d", (2, 3, 2)), [(1, 2, 3, 5, 4)], True),
    (
        "max_pool2d indices",
        lambda lib, x: (F if lib is vt else TF).max_pool2d(x, 2, return_indices=True)[0],
        [(2, 2, 4, 4)],
        True,
    ),
    (
        "max_unpool2d",
        lambda lib, x: (F if lib is vt else TF).max_unpool2d(
            *(F if lib is vt else TF).max_pool2d(x, 2, return_indices=True), 2
        ),
        [(2, 2, 4, 4)],
        True,
    ),
    ("lp_pool1d", functional("lp_pool1d", 2, 3, 2), [(2, 3, 8)], False),
    (
        "lp_pool2d",
        lambda lib, x: (F if lib is vt else TF).lp_pool2d(x.abs() + 0.1, 3, 2),
        [(2, 2, 4, 5)],
        False,
    ),
    ("lp_pool3d", functional("lp_pool3d", 2, 2), [(1, 2, 4, 4, 3)], False),
    (
        "conv_transpose3d",
        functional("conv_transpose3d", stride=2, padding=1),
        [(1, 2, 2, 3, 2), (2, 2, 2, 2, 3), (2,)],
        True,
    ),
    # losses
    ("cross_entropy", loss_case("cross_entropy", TARGET), [(4, 5)], False),
    (
        "cross_entropy smoothing",
        loss_case("cross_entropy", TARGET, label_smoothing=0.2),
        [(4, 5)],
        False,
    ),
    ("cross_entropy probabilities", loss_case("cross_entropy", PROBS), [(4, 4)], False),
    (
        "cross_entropy 2-d",
        loss_case("cross_entropy", np.array([[0, 2], [1, 1]]), reduction="sum"),
        [(2, 3, 2)],
        False,
    ),
    (
        "nll_loss",
        lambda lib, x: (F if lib is vt else TF).nll_loss(x.log_softmax(1), lib_tensor(lib, TARGET)),
        [(4, 5)],
        False,
    ),
    (
        "binary_cross_entropy",
        lambda lib, x: (F if lib is vt else TF).binary_cross_entropy(
            x.sigmoid(), lib_tensor(lib, UNIT)
        ),
        [(4, 3)],
        False,
    ),
    (
        "binary_cross_entropy_with_logits",
        loss_case("binary_cross_entropy_with_logits", UNIT),
        [(4, 3)],
        False,
    ),
    (
        "bce_with_logits pos_weight",
        lambda lib, x: (F if lib is vt else TF).binary_cross_entropy_with_logits(
            x, lib_tensor(lib, UNIT), pos_weight=lib_tensor(lib, np.array([1.0, 2.0, 0.5]))
        ),
        [(4, 3)],
        False,
    ),
    ("mse_loss", loss_case("mse_loss", UNIT), [(4, 3)], True),
    ("smooth_l1_loss", loss_case("smooth_l1_loss", UNIT, beta=0.5), [(4, 3)], True),
    ("huber_loss", loss_case("huber_loss", UNIT, delta=0.5), [(4, 3)], True),
    (
        "kl_div",
        lambda lib, x: (F if lib is vt else TF).kl_div(
            x.log_softmax(1), lib_tensor(lib, PROBS), reduction="batchmean"
        ),
        [(4, 4)],
        False,
    ),
    (
        "gaussian_nll_loss",
        lambda lib, x, v: (F if lib is vt else TF).gaussian_nll_loss(
            x, lib_tensor(lib, UNIT), v.exp()
        ),
        [(4, 3), (4, 3)],
        False,
    ),
    ("poisson_nll_loss", loss_case("poisson_nll_loss", UNIT), [(4, 3)], False),
    ("soft_margin_loss", loss_case("soft_margin_loss", np.sign(UNIT - 0.5)), [(4, 3)], False),
    (
        "multilabel_soft_margin_loss",
        loss_case("multilabel_soft_margin_loss", (UNIT > 0.5) * 1.0),
        [(4, 3)],
        False,
    ),
    (
        "cosine_embedding_loss",
        lambda lib, a, b: (F if lib is vt else TF).cosine_embedding_loss(
            a, b, lib_tensor(lib, np.array([1.0, -1, 1, -1]))
        ),
        [(4, 3), (4, 3)],
        False,
    ),
    (
        "triplet_margin_loss",
        lambda lib, a, p, n: (F if lib is vt else TF).triplet_margin_loss(a, p, n, margin=3.0),
        [(4, 3)] * 3,
        False,
    ),
    ("l1_loss", loss_case("l1_loss", UNIT), [(4, 3)], True),
    (
        "margin_ranking_loss",
        lambda lib, a, b: (F if lib is vt else TF).margin_ranking_loss(
            a, b, lib_tensor(lib, np.array([1.0, -1, 1, -1]))
        ),
        [(4,), (4,)],
        True,
    ),
    (
        "hinge_embedding_loss",
        loss_case("hinge_embedding_loss", np.sign(UNIT - 0.5)),
        [(4, 3)],
        True,
    ),
    (
        "triplet_margin_with_distance_loss",
        lambda lib, a, p, n: (F if lib is vt else TF).triplet_margin_with_distance_loss(a, p, n),
        [(4, 3)] * 3,
        False,
    ),
    # activations (GELU both ways)
    ("gelu", functional("gelu"), [(3, 4)], False),
    ("gelu tanh", functional("gelu", approximate="tanh"), [(3, 4)], False),
    ("silu", functional("silu"), [(3, 4)], False),
    ("mish", functional("mish"), [(3, 4)], False),
    ("elu", functional("elu", 0.7), [(3, 4)], True),
    ("celu", functional("celu", 1.3), [(3, 4)], True),
    ("selu", functional("selu"), [(3, 4)], True),
    ("softplus", functional("softplus", 2.0, 3.0), [(3, 4)], False),
    ("logsigmoid", functional("logsigmoid"), [(3, 4)], False),
    ("leaky_relu", functional("leaky_relu", 0.2), [(3, 4)], True),
    ("hardswish", functional("hardswish"), [(3, 4)], True),
    ("softsign", functional("softsign"), [(3, 4)], False),
    ("tanhshrink", functional("tanhshrink"), [(3, 4)], False),
    ("glu", functional("glu", 1), [(3, 4)], False),
    ("prelu", functional("prelu"), [(2, 3, 4), (3,)], True),
    ("softmax", functional("softmax", 1), [(3, 4)], False),
    ("log_softmax", functional("log_softmax", 1), [(3, 4)], False),
    # normalisation
    (
        "batch_norm train",
        lambda lib, x, w, b: (F if lib is vt else TF).batch_norm(
            x, None, None, w, b, training=True
        ),
        [X4, (3,), (3,)],
        False,
    ),
    (
        "batch_norm eval",
        lambda lib, x, w, b: (F if lib is vt else TF).batch_norm(
            x,
            lib_tensor(lib, np.array([0.1, -0.2, 0.3])),
            lib_tensor(lib, np.array([1.5, 0.5, 2.0])),
            w,
            b,
        ),
        [X4, (3,), (3,)],
        True,
    ),
    (
        "layer_norm",
        lambda lib, x, w, b: (F if lib is vt else TF).layer_norm(x, (5, 6), w, b),
        [X4, (5, 6), (5, 6)],
        False,
    ),
    (
        "group_norm",
        lambda lib, x, w, b: (F if lib is vt else TF).group_norm(x.reshape(2, 6, 5, 3), 3, w, b),
        [X4, (6,), (6,)],
        False,
    ),
    (
        "instance_norm",
        lambda lib, x, w, b: (F if lib is vt else TF).instance_norm(x, weight=w, bias=b),
        [X4, (3,), (3,)],
        False,
    ),
    (
        "rms_norm",
        lambda lib, x, w: (F if lib is vt else TF).rms_norm(x, (6,), w, eps=1e-6),
        [X4, (6,)],
        False,
    ),
    ("local_response_norm", functional("local_response_norm", 2), [X4], False),
    ("normalize", functional("normalize", dim=1), [(3, 4)], False),
    # embedding: the weight enters linearly, so squared (EmbeddingBag: torch has no double
    # backward, see below)
    (
        "embedding",
        lambda lib, w: (
            (F if lib is vt else TF).embedding(lib_tensor(lib, np.array([[0, 2], [2, 3]])), w) ** 2
        ),
        [(4, 3)],
        False,
    ),
    (
        "embedding padding_idx",
        lambda lib, w: (
            (F if lib is vt else TF).embedding(
                lib_tensor(lib, np.array([[0, 2], [2, 3]])),
                w,
                padding_idx=2,
                scale_grad_by_freq=True,
            )
            ** 2
        ),
        [(4, 3)],
        False,
    ),
    # dropout off (p=0 and eval): the mask itself is compared by gradgradcheck below
    (
        "dropout eval",
        lambda lib, x: (F if lib is vt else TF).dropout(x, 0.5, training=False),
        [(3, 4)],
        True,
    ),
    # padding, resampling, grid sampling, shuffles
    ("pad reflect", functional("pad", (2, 1, 1, 2), "reflect"), [X4], True),
    ("pad replicate", functional("pad", (2, 1, 1, 2), "replicate"), [X4], True),
    ("pad circular", functional("pad", (2, 1, 1, 2), "circular"), [X4], True),
    (
        "interpolate nearest",
        functional("interpolate", scale_factor=1.5, mode="nearest"),
        [X4],
        True,
    ),
    (
        "interpolate nearest-exact",
        functional("interpolate", size=(7, 4), mode="nearest-exact"),
        [X4],
        True,
    ),
    (
        "interpolate linear",
        functional("interpolate", size=9, mode="linear", align_corners=True),
        [(2, 3, 5)],
        True,
    ),
    (
        "interpolate bilinear",
        functional("interpolate", scale_factor=(1.7, 0.6), mode="bilinear"),
        [X4],
        True,
    ),
    (
        "interpolate bicubic",
        functional("interpolate", size=(8, 4), mode="bicubic", align_corners=False),
        [X4],
        True,
    ),
    (
        "interpolate trilinear",
        functional("interpolate", scale_factor=1.5, mode="trilinear"),
        [(1, 2, 3, 3, 2)],
        True,
    ),
    ("interpolate area", functional("interpolate", size=(3, 4), mode="area"), [X4], True),
    (
        "grid_sample bilinear",
        lambda lib, x, g: (F if lib is vt else TF).grid_sample(x, g, align_corners=False),
        [X4, GRID],
        False,
    ),
    (
        "grid_sample nearest",
        lambda lib, x: (F if lib is vt else TF).grid_sample(
            x, lib_tensor(lib, GRID), mode="nearest", padding_mode="border", align_corners=True
        ),
        [X4],
        True,
    ),
    (
        "grid_sample bicubic",
        lambda lib, x, g: (F if lib is vt else TF).grid_sample(
            x, g, mode="bicubic", padding_mode="reflection", align_corners=False
        ),
        [X4, GRID],
        False,
    ),
    (
        "affine_grid",
        lambda lib, t: (F if lib is vt else TF).affine_grid(t, (2, 3, 4, 5), align_corners=False),
        [(2, 2, 3)],
        True,
    ),
    ("pixel_shuffle", functional("pixel_shuffle", 2), [(1, 8, 2, 3)], True),
    ("unfold", functional("unfold", (2, 3), padding=1, stride=2), [X4], True),
    ("fold", functional("fold", (4, 5), (2, 2)), [(2, 12, 12)], True),
    # distances
    ("cosine_similarity", functional("cosine_similarity"), [(3, 4), (3, 4)], False),
    ("pairwise_distance", functional("pairwise_distance"), [(3, 4), (3, 4)], False),
    ("pdist", functional("pdist"), [(4, 3)], False),
    ("linear", functional("linear"), [(3, 4), (2, 4), (2,)], True),
    ("bilinear", functional("bilinear"), [(3, 4), (3, 2), (5, 4, 2), (5,)], True),
]


@pytest.mark.parametrize(
    "name, fn, shapes, linear", FUNCTIONAL, ids=[case[0] for case in FUNCTIONAL]
)
def test_second_derivative_matches_torch(name, fn, shapes, linear):
    arrays = [randn(*s, seed=i) if isinstance(s, tuple) else s for i, s in enumerate(shapes)]
    check_second_order(squared(fn) if linear else fn, *arrays)


# finite differences of the first derivative for the same cases: the ones whose numerical
# Jacobians are large run again below on smaller inputs (and the compositions of plain
# Tensor ops with no fused kernel of their own are left to the torch comparison above)
LARGE = {"conv2d", "conv2d same", "conv_transpose1d", "conv_transpose2d", "batch_norm train"}
LARGE |= {"batch_norm eval", "layer_norm", "group_norm", "instance_norm", "rms_norm"}
LARGE |= {"local_response_norm", "interpolate bilinear", "interpolate bicubic", "unfold"}
LARGE |= {"grid_sample bilinear", "grid_sample nearest", "grid_sample bicubic", "conv3d"}
LARGE |= {"max_pool2d overlapping", "pad reflect", "pad replicate", "pad circular"}
LARGE |= {"conv1d", "conv1d groups", "conv_transpose2d groups", "bilinear", "interpolate nearest"}
LARGE |= {"interpolate trilinear", "interpolate nearest-exact", "interpolate area", "max_pool3d"}
LARGE |= {"conv_transpose3d", "fold", "affine_grid", "pixel_shuffle", "cosine_similarity"}
LARGE |= {"pairwise_distance", "pdist", "linear", "interpolate linear"}
SMALL = [
    (
        "conv_transpose3d",
        functional("conv_transpose3d", stride=2),
        [(1, 1, 2, 2, 1), (1, 1, 2, 1, 2), (1,)],
        True,
    ),
    (
        "conv1d",
        functional("conv1d", stride=2, padding=1, groups=2),
        [(1, 4, 5), (2, 2, 3), (2,)],
        True,
    ),
    (
        "conv2d",
        functional("conv2d", stride=(2, 1), padding=1),
        [(1, 2, 3, 4), (2, 2, 2, 2), (2,)],
        True,
    ),
    (
        "conv_transpose2d",
        functional("conv_transpose2d", stride=2, output_padding=1),
        [(1, 2, 2, 3), (2, 1, 3, 2), (1,)],
        True,
    ),
    (
        "batch_norm train",
        lambda lib, x, w, b: (F if lib is vt else TF).batch_norm(
            x, None, None, w, b, training=True
        ),
        [(3, 2, 2), (2,), (2,)],
        False,
    ),
    (
        "layer_norm",
        lambda lib, x, w, b: (F if lib is vt else TF).layer_norm(x, (3,), w, b),
        [(2, 2, 3), (3,), (3,)],
        False,
    ),
    (
        "group_norm",
        lambda lib, x, w, b: (F if lib is vt else TF).group_norm(x, 2, w, b),
        [(1, 4, 3), (4,), (4,)],
        False,
    ),
    (
        "instance_norm",
        lambda lib, x, w, b: (F if lib is vt else TF).instance_norm(x, weight=w, bias=b),
        [(2, 2, 3), (2,), (2,)],
        False,
    ),
    (
        "grid_sample bilinear",
        lambda lib, x, g: (F if lib is vt else TF).grid_sample(x, g, align_corners=False),
        [(1, 1, 3, 3), GRID[:1, :2, :2]],
        False,
    ),
    ("pad reflect", functional("pad", (2, 1), "reflect"), [(1, 2, 4)], True),
    ("max_pool2d overlapping", functional("max_pool2d", 3, 1, 1), [(1, 1, 3, 4)], True),
]
GRADGRAD = [case for case in FUNCTIONAL if case[0] not in LARGE] + SMALL


@pytest.mark.parametrize("name, fn, shapes, linear", GRADGRAD, ids=[case[0] for case in GRADGRAD])
def test_second_derivative_passes_gradgradcheck(name, fn, shapes, linear):
    arrays = [randn(*s, seed=i) if isinstance(s, tuple) else s for i, s in enumerate(shapes)]
    f = squared(fn) if linear else fn
    leaves = [vt.tensor(a, requires_grad=True) for a in arrays]
    assert vt.autograd.gradgradcheck(lambda *t: f(vt, *t), leaves)


def test_ops_torch_refuses_to_differentiate_twice_are_twice_differentiable_here():
    """hardsigmoid and embedding_bag have no double backward in torch 2.15; ours are composed
    of Tensor ops, so they have one, checked by finite differences of the first derivative."""
    x = randn(3, 4) * 4
    xt = torch.tensor(x, requires_grad=True)
    (g,) = torch.autograd.grad(TF.hardsigmoid(xt).pow(2).sum(), xt, create_graph=True)
    with pytest.raises(RuntimeError, match="hardsigmoid_backward is not implemented"):
        torch.autograd.grad(g.sum(), xt)
    assert vt.autograd.gradgradcheck(
        lambda t: F.hardsigmoid(t) ** 2, vt.tensor(x, requires_grad=True)
    )
    index, offsets = np.array([0, 2, 2, 3, 1]), np.array([0, 2])
    wt = torch.tensor(randn(4, 3), requires_grad=True)
    bag = TF.embedding_bag(torch.tensor(index), wt, torch.tensor(offsets), mode="mean")
    (g,) = torch.autograd.grad(bag.pow(2).sum(), wt, create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        torch.autograd.grad(g.sum(), wt)
    for mode in ("sum", "mean", "max"):
        w = vt.tensor(randn(4, 3), requires_grad=True)

        def bag(w, mode=mode):
            return F.embedding_bag(vt.tensor(index), w, vt.tensor(offsets), mode=mode) ** 2

        assert vt.autograd.gradgradcheck(bag, w)
    weights = vt.tensor(randn(5, seed=1), requires_grad=True)
    assert vt.autograd.gradgradcheck(
        lambda w, s: (
            F.embedding_bag(
                vt.tensor(index), w, vt.tensor(offsets), mode="sum", per_sample_weights=s
            )
            ** 2
        ),
        (vt.tensor(randn(4, 3), requires_grad=True), weights),
    )


def test_margin_losses_torch_refuses_to_differentiate_twice_are_twice_differentiable_here():
    """multi_margin_loss and multilabel_margin_loss: torch 2.15's fused kernels have no
    double backward; ours are Tensor ops, checked by finite differences."""
    x = randn(4, 5)
    target = np.array([1, 0, 3, 2])
    labels = np.array([[1, 0, -1, 2, 0], [3, -1, 0, 0, 0], [4, 4, -1, 0, 0], [2, 1, 0, -1, 0]])
    cases = [
        ("multi_margin_loss", lambda f, lib, t: f.multi_margin_loss(t, lib_tensor(lib, target))),
        (
            "multi_margin_loss",
            lambda f, lib, t: f.multi_margin_loss(
                t, lib_tensor(lib, target), p=2, weight=lib_tensor(lib, np.arange(1.0, 6.0))
            ),
        ),
        (
            "multilabel_margin_loss",
            lambda f, lib, t: f.multilabel_margin_loss(t, lib_tensor(lib, labels)),
        ),
    ]
    for name, loss in cases:
        xt = torch.tensor(x, requires_grad=True)
        (g,) = torch.autograd.grad(loss(TF, torch, xt) ** 2, xt, create_graph=True)
        with pytest.raises(RuntimeError, match=f"{name}_backward is not implemented"):
            torch.autograd.grad(g.sum(), xt)
        ours = vt.tensor(x, requires_grad=True)
        assert vt.autograd.gradgradcheck(lambda t, loss=loss: loss(F, vt, t) ** 2, ours)


def test_dropout_masks_are_twice_differentiable():
    """The mask is drawn again on every call, so each call reseeds: one mask throughout."""
    x = vt.tensor(randn(4, 5), requires_grad=True)
    cases = [
        lambda t: F.dropout(t, 0.4, training=True),
        lambda t: F.dropout2d(t.reshape(1, 2, 2, 5), 0.5, training=True),
        lambda t: F.alpha_dropout(t, 0.3, training=True),
        lambda t: F.feature_alpha_dropout(t.reshape(2, 2, 5), 0.3, training=True),
    ]
    for dropout in cases:

        def seeded(t, dropout=dropout):
            vt.manual_seed(3)
            return dropout(t) ** 2

        assert vt.autograd.gradgradcheck(seeded, x)


# ---- modules against torch: every input and parameter ------------------------------------


def _array(t) -> np.ndarray:
    return np.array(t.detach().numpy() if isinstance(t, torch.Tensor) else t.array)


def module_second_order(ours, theirs, arrays, call, seed=0, atol=1e-9):
    """With ours' weights copied into theirs (float64), call(lib, module, *inputs) -> y: the
    gradient of <u, y> with respect to the inputs and every parameter, and the gradient of
    <v, that gradient>, agree with torch's (Hessian-vector products in everything at once)."""
    ours.double()
    theirs.double()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(seed)
    results, u, vs = [], None, None
    for lib, module in ((torch, theirs), (vt, ours)):
        make = torch.tensor if lib is torch else vt.tensor
        leaves = [make(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
        everything = leaves + [p for _, p in sorted(module.named_parameters())]
        y = call(lib, module, *leaves)
        if u is None:
            u = rng.standard_normal(tuple(y.shape))
            vs = [rng.standard_normal(tuple(t.shape)) for t in everything]
        grads = lib.autograd.grad((y * make(u)).sum(), everything, create_graph=True)
        inner = sum((g * make(v)).sum() for g, v in zip(grads, vs, strict=True))
        second = lib.autograd.grad(inner, everything, allow_unused=True)
        second = [
            np.zeros(tuple(t.shape)) if s is None else _array(s)
            for s, t in zip(second, everything, strict=True)
        ]
        results.append([_array(g) for g in grads] + second)
    names = [f"input {i}" for i in range(len(arrays))]
    names += [name for name, _ in sorted(ours.named_parameters())]
    names = [f"d {n}" for n in names] + [f"d2 {n}" for n in names]
    for name, expected, got in zip(names, *results, strict=True):
        np.testing.assert_allclose(got, expected, atol=atol, rtol=1e-8, err_msg=name)


def _everything(lib, result):
    """An RNN's output and final state(s), flattened into one vector through tanh (so the
    loss is not linear in them)."""
    y, state = result
    states = state if isinstance(state, tuple) else (state,)
    return lib.cat([y.reshape(-1)] + [s.reshape(-1) for s in states]).tanh()


RECURRENT = [
    ("RNN tanh", dict(input_size=3, hidden_size=4, num_layers=2)),
    (
        "RNN relu bidirectional",
        dict(input_size=3, hidden_size=4, nonlinearity="relu", bidirectional=True),
    ),
    ("RNN no bias, batch first", dict(input_size=3, hidden_size=4, bias=False, batch_first=True)),
    ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2)),
    ("LSTM bidirectional", dict(input_size=3, hidden_size=4, bidirectional=True, batch_first=True)),
    ("LSTM proj_size", dict(input_size=3, hidden_size=4, proj_size=2, bidirectional=True)),
    ("GRU", dict(input_size=3, hidden_size=4, num_layers=2)),
    (
        "GRU bidirectional no bias",
        dict(input_size=3, hidden_size=4, bidirectional=True, bias=False),
    ),
]


@pytest.mark.parametrize("name, kw", RECURRENT, ids=[c[0] for c in RECURRENT])
def test_recurrent_layers_second_derivatives_match_torch(name, kw):
    kind = name.split()[0]
    vt.manual_seed(0)
    ours, theirs = getattr(nn, kind)(**kw), getattr(torch.nn, kind)(**kw)
    x = randn(5, 2, 3)  # (T, B, I), or (B, T, I) with batch_first
    module_second_order(ours, theirs, [x], lambda lib, m, x: _everything(lib, m(x)))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_second_derivatives_in_the_initial_state(kind):
    vt.manual_seed(1)
    ours, theirs = getattr(nn, kind)(3, 4), getattr(torch.nn, kind)(3, 4)
    arrays = [randn(4, 2, 3), randn(1, 2, 4, seed=1), randn(1, 2, 4, seed=2)]
    if kind == "LSTM":
        call = lambda lib, m, x, h, c: _everything(lib, m(x, (h, c)))  # noqa: E731
    else:
        call = lambda lib, m, x, h, c: _everything(lib, m(x, h + c))  # noqa: E731
    module_second_order(ours, theirs, arrays, call)


PACKED = [
    ("RNN", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(bidirectional=True)),
    ("LSTM", dict(num_layers=2, proj_size=2)),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
]


@pytest.mark.parametrize("kind, kw", PACKED, ids=[f"{k} {sorted(kw)}" for k, kw in PACKED])
def test_packed_sequences_second_derivatives_match_torch(kind, kw):
    """Sequences of lengths 2, 4, 3 (unsorted), packed: each runs over its own steps only."""
    vt.manual_seed(7)
    ours, theirs = getattr(nn, kind)(3, 4, **kw), getattr(torch.nn, kind)(3, 4, **kw)
    x = randn(3, 4, 3) if kw.get("batch_first") else randn(4, 3, 3)  # (B, T, I) or (T, B, I)

    def call(lib, m, x):
        utils = torch.nn.utils.rnn if lib is torch else nn.utils.rnn
        lengths = lib_tensor(lib, np.array([2, 4, 3]))
        packed = utils.pack_padded_sequence(
            x, lengths, batch_first=m.batch_first, enforce_sorted=False
        )
        output, state = m(packed)
        return _everything(lib, (output.data, state))

    module_second_order(ours, theirs, [x], call)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_dropout_between_recurrent_layers_is_twice_differentiable(kind):
    """Training with dropout between layers: the mask is reseeded so that every call of the
    finite differences draws the same one."""
    vt.manual_seed(8)
    layer = getattr(nn, kind)(2, 3, num_layers=2, dropout=0.5).double()
    x = vt.tensor(randn(3, 1, 2), requires_grad=True)

    def fn(x):
        vt.manual_seed(9)
        output, _ = layer(x)
        return output

    assert vt.autograd.gradgradcheck(fn, x)


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_first_order_backward_stays_on_the_fused_kernel(mode, monkeypatch):
    """Without create_graph the NumPy kernels run (the composed backward is not called);
    with it, the composed backward runs."""
    from v3_nn.functional import rnn

    calls = []
    name = {"RNN_TANH": "rnn", "LSTM": "lstm", "GRU": "gru"}[mode] + "_backward_in_tensor_ops"
    composed = getattr(rnn, name)
    monkeypatch.setattr(rnn, name, lambda *a: calls.append(1) or composed(*a))
    gates = rnn.GATES[mode]
    x = vt.tensor(randn(3, 2, 2), requires_grad=True)
    h = vt.tensor(randn(2, 3, seed=1))
    weights = (vt.tensor(randn(gates * 3, 2, seed=2)), vt.tensor(randn(gates * 3, 3, seed=3)))
    state = (h, h) if mode == "LSTM" else h
    rnn.fused_layer(mode, x, state, weights)[0].sum().backward()
    assert calls == []
    vt.autograd.grad(rnn.fused_layer(mode, x, state, weights)[0].sum(), x, create_graph=True)
    assert calls == [1]


def test_first_order_attention_backward_stays_on_the_numpy_kernel(monkeypatch):
    import importlib

    attention = importlib.import_module("v3_nn.functional.attention")  # F.attention: a function
    calls = []
    composed = attention._backward_in_tensor_ops
    monkeypatch.setattr(
        attention, "_backward_in_tensor_ops", lambda *a: calls.append(1) or composed(*a)
    )
    q = vt.tensor(randn(2, 3, 4), requires_grad=True)
    F.scaled_dot_product_attention(q, q, q).sum().backward()
    assert calls == []
    vt.autograd.grad(F.scaled_dot_product_attention(q, q, q).sum(), q, create_graph=True)
    assert calls == [1]


CELLS = [
    ("RNNCell", dict(nonlinearity="tanh")),
    ("RNNCell", dict(nonlinearity="relu")),
    ("LSTMCell", {}),
    ("GRUCell", {}),
]


@pytest.mark.parametrize("kind, kw", CELLS)
def test_recurrent_cells_second_derivatives_match_torch(kind, kw):
    vt.manual_seed(2)
    ours, theirs = getattr(nn, kind)(3, 4, **kw), getattr(torch.nn, kind)(3, 4, **kw)
    x, h = randn(2, 3), randn(2, 4, seed=1)

    def call(lib, m, x, h):
        out = m(x, (h, h * 0.5)) if kind == "LSTMCell" else m(x, h)
        return lib.cat(list(out), dim=-1).tanh() if kind == "LSTMCell" else out.tanh()

    module_second_order(ours, theirs, [x, h], call)


# ---- attention ----------------------------------------------------------------------------


def torch_math_sdpa(*args, **kw):
    """torch's math path (the one its MultiheadAttention(need_weights=True) and a dropout
    take): the only CPU path with a double backward; its fused CPU kernel has none."""
    with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
        return TF.scaled_dot_product_attention(*args, **kw)


def test_torch_refuses_a_double_backward_through_its_fused_cpu_attention():
    q = torch.randn(2, 3, 4, 8, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(
        TF.scaled_dot_product_attention(q, q, q).pow(2).sum(), q, create_graph=True
    )
    with pytest.raises(RuntimeError, match="flash_attention_for_cpu_backward is not implemented"):
        torch.autograd.grad(g.sum(), q)


SDPA = [
    ("plain", [(2, 3, 4, 6), (2, 3, 5, 6), (2, 3, 5, 6)], {}),
    ("value width", [(2, 4, 6), (2, 5, 6), (2, 5, 3)], {}),
    ("broadcast batch", [(2, 3, 4, 6), (1, 3, 5, 6), (3, 5, 6)], {}),
    ("causal", [(2, 5, 4), (2, 5, 4), (2, 5, 4)], dict(is_causal=True)),
    ("bool mask", [(2, 4, 3), (2, 5, 3), (2, 5, 3)], dict(attn_mask=np.tri(4, 5, 1, dtype=bool))),
    ("scale", [(2, 4, 3), (2, 5, 3), (2, 5, 3)], dict(scale=0.7)),
]


@pytest.mark.parametrize("name, shapes, kw", SDPA, ids=[c[0] for c in SDPA])
def test_attention_second_derivatives_match_torch_math_path(name, shapes, kw):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]

    def fn(lib, q, k, v):
        options = dict(kw)
        if "attn_mask" in options:
            options["attn_mask"] = lib_tensor(lib, options["attn_mask"])
        if lib is torch:
            return torch_math_sdpa(q, k, v, **options)
        return F.scaled_dot_product_attention(q, k, v, **options)

    check_second_order(fn, *arrays)


def test_attention_second_derivatives_with_a_float_mask_that_requires_grad():
    arrays = [randn(2, 4, 3), randn(2, 5, 3, seed=1), randn(2, 5, 3, seed=2), randn(4, 5, seed=3)]

    def fn(lib, q, k, v, mask):
        sdpa = torch_math_sdpa if lib is torch else F.scaled_dot_product_attention
        return sdpa(q, k, v, attn_mask=mask)

    check_second_order(fn, *arrays)


def test_attention_weights_and_dropout_are_twice_differentiable():
    """The weights output, a dropout mask (reseeded: one mask throughout) and a query whose
    keys are all masked (zero weights, zero gradients) by finite differences."""
    q, k, v = (vt.tensor(randn(2, 3, 4, seed=i), requires_grad=True) for i in range(3))
    masked = np.zeros((3, 3), bool)
    masked[0], masked[2, 1] = True, True  # query 0 may see no key
    bias = vt.tensor(np.where(masked, -np.inf, 0.0))

    def both(q, k, v):
        out, weights = F.attention(q, k, v, bias)
        return out.tanh(), weights

    def dropped(q, k, v):
        vt.manual_seed(5)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4).tanh()

    assert vt.autograd.gradgradcheck(both, (q, k, v))
    assert vt.autograd.gradgradcheck(dropped, (q, k, v))
    out, _ = F.attention(q, k, v, bias)
    (g,) = vt.autograd.grad(out.sum(), q, create_graph=True)
    assert np.all(g.array[:, 0] == 0)


def test_attention_third_derivative_matches_torch():
    x = randn(2, 3, 4)
    grads = []
    for lib in (torch, vt):
        t = (torch.tensor if lib is torch else vt.tensor)(x, requires_grad=True)
        sdpa = torch_math_sdpa if lib is torch else F.scaled_dot_product_attention
        (g,) = lib.autograd.grad(sdpa(t, t, t).pow(3).sum(), t, create_graph=True)
        (h,) = lib.autograd.grad(g.pow(2).sum(), t, create_graph=True)
        (third,) = lib.autograd.grad(h.sin().sum(), t)
        grads.append(_array(third))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-8, atol=1e-9)


MHA = [
    ("self", dict(), "self"),
    ("cross, batch first", dict(batch_first=True), "cross"),
    ("kdim vdim", dict(kdim=3, vdim=5), "kv"),
    ("bias_kv, zero_attn", dict(add_bias_kv=True, add_zero_attn=True), "self"),
    ("no bias", dict(bias=False), "cross"),
]


@pytest.mark.parametrize("name, kw, kind", MHA, ids=[c[0] for c in MHA])
@pytest.mark.parametrize("average", [True, False])
def test_multihead_attention_second_derivatives_match_torch(name, kw, kind, average):
    vt.manual_seed(3)
    ours, theirs = nn.MultiheadAttention(4, 2, **kw), torch.nn.MultiheadAttention(4, 2, **kw)
    q = randn(3, 2, 4)
    kv = {
        "self": [],
        "cross": [randn(5, 2, 4, seed=1)],
        "kv": [randn(5, 2, 3, seed=1), randn(5, 2, 5, seed=2)],
    }[kind]
    if kw.get("batch_first"):
        q, kv = q.swapaxes(0, 1), [a.swapaxes(0, 1) for a in kv]
    mask = lambda lib: lib_tensor(lib, np.triu(np.ones((3, 5 if kind != "self" else 3), bool), 2))  # noqa: E731

    def call(lib, m, q, *rest):
        key = rest[0] if rest else q
        value = rest[-1] if rest else q
        out, weights = m(q, key, value, attn_mask=mask(lib), average_attn_weights=average)
        return lib.cat([out.reshape(-1), weights.reshape(-1)]).tanh()

    module_second_order(ours, theirs, [q, *kv], call)


def test_multihead_attention_need_weights_false_is_twice_differentiable():
    """torch's need_weights=False takes its fused kernel and refuses; ours is the same op,
    so it gives the second derivatives of torch's need_weights=True path."""
    vt.manual_seed(4)
    ours, theirs = nn.MultiheadAttention(4, 2), torch.nn.MultiheadAttention(4, 2)
    padding = np.array([[False, False, True], [False, False, False]])

    def call(lib, m, x):
        kw = dict(key_padding_mask=lib_tensor(lib, padding))
        out, _ = m(x, x, x, need_weights=lib is torch, **kw)
        return out.tanh()

    module_second_order(ours, theirs, [randn(3, 2, 4)], call)


def test_transformer_encoder_layer_second_derivatives_match_torch_math_path():
    vt.manual_seed(5)
    kw = dict(d_model=4, nhead=2, dim_feedforward=6, dropout=0.0, batch_first=True)
    ours, theirs = nn.TransformerEncoderLayer(**kw), torch.nn.TransformerEncoderLayer(**kw)
    theirs.self_attn.batch_first = True

    def call(lib, m, x):
        if lib is torch:  # torch's layer asks for need_weights=False, its fused kernel
            with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
                return m(x).tanh()
        return m(x).tanh()

    module_second_order(ours, theirs, [randn(2, 3, 4)], call)


# ---- the fused kernels against their composed references -----------------------------------


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("reverse", [False, True])
def test_fused_recurrence_second_derivatives_equal_the_reference_loop(mode, reverse):
    """The fused op (NumPy forward, backward through time in Tensor ops under create_graph)
    against the reference loop of cells, which autograd differentiates step by step."""
    from v3_nn.functional.rnn import GATES, fused_layer, reference_layer

    hidden, gates = 3, GATES[mode]
    arrays = [randn(4, 2, 2), randn(2, hidden, seed=1), randn(2, hidden, seed=2)]
    arrays += [randn(gates * hidden, n, seed=3 + n) * 0.7 for n in (2, hidden)]
    arrays += [randn(gates * hidden, seed=6 + n) * 0.3 for n in range(2)]

    def run(layer):
        def fn(x, h, c, *weights):
            state = (h, c) if mode == "LSTM" else h + c
            y, final = layer(mode, x, state, weights, reverse=reverse)
            finals = final if mode == "LSTM" else (final,)
            return vt.cat([y.reshape(-1)] + [f.reshape(-1) for f in finals]).tanh()

        return fn

    results = []
    for layer in (fused_layer, reference_layer):
        leaves = [vt.tensor(a, requires_grad=True) for a in arrays]
        y = run(layer)(*leaves)
        u = vt.tensor(np.random.default_rng(9).standard_normal(y.shape))
        grads = vt.autograd.grad((y * u).sum(), leaves, create_graph=True)
        inner = sum((g * g).sum() for g in grads)
        results.append(
            [g.array for g in grads] + [s.array for s in vt.autograd.grad(inner, leaves)]
        )
    for got, expected in zip(*results, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_fused_recurrence_passes_gradgradcheck(mode):
    from v3_nn.functional.rnn import GATES, fused_layer

    gates = GATES[mode]
    x, h = vt.tensor(randn(3, 1, 2), requires_grad=True), vt.tensor(randn(1, 2, seed=1))
    w_ih = vt.tensor(randn(gates * 2, 2, seed=2), requires_grad=True)
    w_hh = vt.tensor(randn(gates * 2, 2, seed=3), requires_grad=True)

    def fn(x, w_ih, w_hh):
        state = (h, h) if mode == "LSTM" else h
        return fused_layer(mode, x, state, (w_ih, w_hh), reverse=True)[0]

    assert vt.autograd.gradgradcheck(fn, (x, w_ih, w_hh))


def test_gelu_third_derivative_matches_torch():
    check_second_order(
        lambda lib, x: lib.autograd.grad(
            (F if lib is vt else TF).gelu(x).sum(), x, create_graph=True
        )[0],
        randn(3, 4) * 2,
    )


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
def test_spectral_and_nuclear_norms_second_derivatives_match_torch(ord):
    check_second_order(lambda lib, a: lib.linalg.matrix_norm(a, ord=ord), randn(2, 3, 4))
    check_second_order(
        lambda lib, a: lib.linalg.matrix_norm(a, ord=ord, dim=(0, 2), keepdim=True) ** 2,
        randn(3, 2, 4, seed=1),
    )
    check_second_order(lambda lib, a: lib.linalg.norm(a, ord=ord), randn(4, 3, seed=2))


def test_ctc_loss_stays_once_differentiable_as_torch():
    """torch's CTC has no double backward; ours says so too, naming the op."""
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((6, 2, 4))
    targets, lengths, target_lengths = np.array([[1, 2], [3, 3]]), (6, 5), (2, 2)
    for lib in (torch, vt):
        make = torch.tensor if lib is torch else vt.tensor
        x = make(logits, requires_grad=True)
        f = F if lib is vt else TF
        loss = f.ctc_loss(x.log_softmax(2), make(targets), lengths, target_lengths)
        (g,) = lib.autograd.grad(loss, x, create_graph=True)
        with pytest.raises(RuntimeError, match="not implemented|once_differentiable"):
            lib.autograd.grad(g.pow(2).sum(), x)


# ---- the WGAN-GP gradient penalty through a small convolutional critic ----------------------


def critic_twins():
    vt.manual_seed(6)
    ours = nn.Sequential(
        nn.Conv2d(1, 4, 3, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(4, 8, 3, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(8 * 2 * 2, 1),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, stride=2, padding=1),
        torch.nn.LeakyReLU(0.2),
        torch.nn.Conv2d(4, 8, 3, stride=2, padding=1),
        torch.nn.LeakyReLU(0.2),
        torch.nn.Flatten(),
        torch.nn.Linear(8 * 2 * 2, 1),
    )
    ours.double()
    theirs.double()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    return ours, theirs


def gradient_penalty(lib, critic, real, fake, eps):
    """λ E[(‖∇_x̂ D(x̂)‖₂ - 1)²] at x̂ = ε x + (1 - ε) x̃, as in Gulrajani et al. (2017)."""
    mixed = eps * real + (1 - eps) * fake
    scores = critic(mixed)
    (grad,) = lib.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = (grad.reshape(grad.shape[0], -1).pow(2).sum(1) + 1e-12).sqrt()
    return 10.0 * ((norms - 1) ** 2).mean()


def test_wgan_gp_penalty_gradient_through_a_conv_critic_matches_torch():
    """The penalty's gradient with respect to the critic's weights (a second derivative
    through conv, leaky_relu and linear) and with respect to the generated images."""
    rng = np.random.default_rng(0)
    real, fake, eps = rng.random((3, 1, 8, 8)), rng.random((3, 1, 8, 8)), rng.random((3, 1, 1, 1))
    results = []
    for lib, critic in zip((torch, vt), critic_twins()[::-1], strict=True):
        make = torch.tensor if lib is torch else vt.tensor
        fake_t = make(fake, requires_grad=True)
        penalty = gradient_penalty(lib, critic, make(real), fake_t, make(eps))
        params = [p for _, p in critic.named_parameters()]
        grads = lib.autograd.grad(penalty, params + [fake_t], allow_unused=True)
        # the biases only move the leaky ReLUs' kinks: no gradient (None or zeros)
        grads = [
            np.zeros(tuple(t.shape)) if g is None else _array(g)
            for g, t in zip(grads, params + [fake_t], strict=True)
        ]
        results.append([_array(penalty)] + grads)
    names = ["penalty"] + [n for n, _ in critic_twins()[0].named_parameters()] + ["fake"]
    for name, expected, got in zip(names, *results, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=name)
    for i in (1, 3, 5):  # the weights' gradients are not trivially 0 (the images' are: the
        # critic is piecewise linear, so its input gradient is piecewise constant)
        assert np.abs(results[1][i]).max() > 1e-3, names[i]


def test_wgan_gp_penalty_passes_gradgradcheck():
    ours, _ = critic_twins()
    x = vt.tensor(np.random.default_rng(1).random((2, 1, 8, 8)), requires_grad=True)
    assert vt.autograd.gradgradcheck(lambda t: ours(t), x, atol=1e-6)
