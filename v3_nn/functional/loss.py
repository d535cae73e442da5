"""Loss functions, as torch.nn.functional, with torch's signatures, options, dtype rules and
errors.

Each computes a loss per element (or per sample) and reduces it with `reduction`: 'mean',
'sum' or 'none' (torch's deprecated `size_average` / `reduce` pair still works, with torch's
warning, and so does 'elementwise_mean' where torch takes it). Most losses are a few lines
of v2_tensor ops, so they are differentiable twice for free. Cross-entropy and both binary
cross-entropies are fused NumPy ops for speed; each fused backward is a Function of its own
whose backward is the second derivative written with Tensor ops, so
`autograd.grad(..., create_graph=True)` goes through them as it does through torch. The
composed versions stay here (`_cross_entropy_reference`, ...) as the references the fused
ones are tested against. CTC's backward is NumPy and differentiable once, as in torch.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.autograd import Function, once_differentiable

from . import ctc as _ctc
from .distance import pairwise_distance

REDUCTIONS = ("mean", "sum", "none")

# ---- reductions and arguments ---------------------------------------------------------------


def _legacy_reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    """torch's mapping of the deprecated size_average / reduce pair, with its warning."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{result}' "
        "instead.",
        UserWarning,
        stacklevel=3,
    )
    return result


def _check_reduction(op: str, reduction: str) -> str:
    """The reduction, validated as torch's enum does it: 'elementwise_mean' is still 'mean'
    (with a warning). The losses torch writes in Python refuse it: _reduce_python."""
    if reduction in REDUCTIONS:
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
            UserWarning,
            stacklevel=3,
        )
        return "mean"
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(op: str, losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        if losses.dtype.kind != "f":
            raise NotImplementedError(
                f"{op}: the mean of {losses.dtype} losses is not implemented (torch cannot "
                "infer its dtype); give a floating point input"
            )
        with np.errstate(invalid="ignore", divide="ignore"):
            return losses.mean()  # an empty batch gives nan, as in torch
    return losses.sum() if reduction == "sum" else losses


def _as_tensor(value: Any) -> Tensor:
    """A target as a Tensor: an array-like (torch needs a tensor) as torch.tensor reads it."""
    return value if isinstance(value, Tensor) else vt.tensor(value)


def _as_weight(value: Any, dtype: np.dtype) -> Tensor:
    """A weight as a Tensor: an array-like in the input's dtype."""
    return value if isinstance(value, Tensor) else vt.tensor(np.asarray(value), dtype=dtype)


def _floating(x: Tensor) -> bool:
    return x.dtype.kind == "f"


def _shape(x: Tensor) -> tuple[int, ...]:
    return tuple(x.shape)


def _refuse_grad(op: str, name: str, value: Any) -> None:
    if isinstance(value, Tensor) and value.requires_grad and vt.is_grad_enabled():
        raise RuntimeError(
            f"{op}: not differentiable with respect to {name}, which requires grad; pass "
            f"{name}.detach() (torch refuses it too)"
        )


def _pointwise_target(op: str, input: Tensor, target: Any) -> Tensor:
    """The target of an elementwise regression loss; a different shape broadcasts with
    torch's warning (and torch's RuntimeError when it cannot)."""
    target = _as_tensor(target)
    if _shape(target) != _shape(input):
        warnings.warn(
            f"{op}: using a target size ({_shape(target)}) that is different to the input size "
            f"({_shape(input)}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )
        try:
            np.broadcast_shapes(_shape(input), _shape(target))
        except ValueError:
            raise RuntimeError(
                f"{op}: target shape {_shape(target)} does not broadcast with input shape "
                f"{_shape(input)}"
            ) from None
    return target


def _minus(a: Tensor, b: Tensor) -> Tensor:
    """a - b with a bool operand promoted first, as torch's loss kernels compute it (a bool
    tensor itself has no subtraction)."""
    dtype = np.result_type(a.dtype, b.dtype)
    a, b = (x.to(dtype) if x.dtype == np.bool_ and dtype != np.bool_ else x for x in (a, b))
    return a - b


def _refuse_integers(op: str, *tensors: Tensor) -> None:
    if not any(_floating(t) for t in tensors):
        dtypes = ", ".join(str(t.dtype) for t in tensors)
        raise NotImplementedError(f"{op}: not implemented for integer tensors ({dtypes})")


def _broadcastable(op: str, **tensors: Tensor) -> None:
    """A RuntimeError naming the loss (not the op inside it) when the shapes do not broadcast."""
    shapes = {name: _shape(t) for name, t in tensors.items() if isinstance(t, Tensor)}
    try:
        np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise RuntimeError(f"{op}: the shapes do not broadcast: {listed}") from None


def _refuse_bool(op: str, *tensors: Tensor) -> None:
    """torch refuses to subtract or negate a bool tensor, which composed losses do."""
    if any(t.dtype == np.bool_ for t in tensors):
        raise NotImplementedError(
            f"{op}: subtraction with a bool tensor is not supported (as in torch); convert it "
            "with .float()"
        )


def _same_size_weight(op: str, weight: Any, input: Tensor) -> Tensor:
    weight = _as_weight(weight, input.dtype)
    if _shape(weight) != _shape(input):
        raise ValueError(
            f"{op}: weights and input must have the same size, got weight shape "
            f"{_shape(weight)} and input shape {_shape(input)}"
        )
    return weight


def _reduce_python(op: str, losses: Tensor, reduction: str) -> Tensor:
    """The reductions torch writes out in Python (no 'elementwise_mean')."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return _reduce(op, losses, reduction)


# ---- differentiable pieces the losses share -------------------------------------------------


class _Softplus(Function):
    """softplus(x) = log(1 + e^x), computed as logaddexp(0, x): finite for any finite x.
    Its derivative sigmoid(x) is a Tensor op, so it differentiates again."""

    @staticmethod
    def forward(ctx, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.logaddexp(0.0, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * x.sigmoid()


def _softplus(x: Tensor) -> Tensor:
    return _Softplus.apply(x if _floating(x) else x.to(vt.get_default_dtype()))


def _log_sigmoid(x: Tensor) -> Tensor:
    return -_softplus(-x)


# ---- regression ---------------------------------------------------------------------------


def _weighted_regression(
    op: str, losses: Tensor, weight: Any, input: Tensor, reduction: str, mean: str
) -> Tensor:
    """torch's weighted path: 'mean' is sum(w l) / sum(w) for mse/l1, mean(w l) for huber."""
    weighted = losses * _same_size_weight(op, weight, input)
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        if mean == "numel":
            return weighted.mean()
        with np.errstate(invalid="ignore", divide="ignore"):
            return weighted.sum() / _as_weight(weight, input.dtype).sum()
    raise ValueError(
        f"{op}: invalid reduction mode {reduction!r}; expected one of 'none', 'mean', 'sum'"
    )


def mse_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """(x - y)^2; `weight` (input's shape) makes 'mean' the weighted mean sum(w l) / sum(w)."""
    op = "mse_loss"
    target = _pointwise_target(op, input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _refuse_integers(op, input, target)
    difference = _minus(input, target)
    losses = difference * difference
    if weight is not None:
        return _weighted_regression(op, losses, weight, input, reduction, "weights")
    return _reduce(op, losses, _check_reduction(op, reduction))


def l1_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """|x - y|; `weight` (input's shape) makes 'mean' the weighted mean sum(w l) / sum(w)."""
    op = "l1_loss"
    target = _pointwise_target(op, input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _refuse_bool(op, input, target)
    losses = _minus(input, target).abs()
    if weight is not None:
        return _weighted_regression(op, losses, weight, input, reduction, "weights")
    return _reduce(op, losses, _check_reduction(op, reduction))


def _smooth_l1(difference: Tensor, beta: float) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (torch's kernel, term for term)."""
    size = difference.abs()
    return vt.where(size < beta, 0.5 * difference * difference / beta, size - 0.5 * beta)


def _huber(difference: Tensor, delta: float) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2)."""
    size = difference.abs()
    return vt.where(size < delta, 0.5 * difference * difference, delta * (size - 0.5 * delta))


def smooth_l1_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (beta = 0 is the l1 loss)."""
    op = "smooth_l1_loss"
    target = _pointwise_target(op, input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    if beta < 0:
        raise RuntimeError(f"{op}: beta must not be negative, got {beta}")
    _refuse_integers(op, input, target)
    reduction = _check_reduction(op, reduction)
    return _reduce(op, _smooth_l1(_minus(input, target), beta), reduction)


def huber_loss(
    input: Tensor,
    target: Any,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Any = None,
) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2); `weight` (input's shape)
    multiplies each term and 'mean' stays the plain mean, as in torch."""
    op = "huber_loss"
    target = _pointwise_target(op, input, target)
    if delta <= 0:
        raise RuntimeError(f"{op}: delta must be positive, got {delta}")
    _refuse_integers(op, input, target)
    if not _floating(input):  # torch's kernel writes the input's dtype
        raise RuntimeError(f"{op}: the input must be floating point, got {input.dtype}")
    losses = _huber(input - target.to(input.dtype), delta)
    if weight is not None:
        return _weighted_regression(op, losses, weight, input, reduction, "numel")
    return _reduce(op, losses, _check_reduction(op, reduction))


# ---- probabilistic regression -------------------------------------------------------------


def kl_div(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Pointwise KL divergence t (log t - x) for log-probabilities x (xlogy: 0 where t = 0),
    or e^t (t - x) with log_target. 'batchmean' divides the sum by the batch size (the
    KL divergence per sample); 'mean' divides by the number of elements, with torch's
    warning."""
    op = "kl_div"
    if size_average is not None or reduce is not None:
        enum = _legacy_reduction(size_average, reduce, reduction)
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the "
                "support size.'batchmean' divides only by the batch size, and aligns with the "
                "KL div math definition.'mean' will be changed to behave the same as "
                "'batchmean' in the next major release.",
                UserWarning,
                stacklevel=2,
            )
        enum = "sum" if reduction == "batchmean" else _check_reduction(op, reduction)
    target = _as_tensor(target)
    _broadcastable(op, input=input, target=target)
    if not (_floating(input) and _floating(target)):
        raise RuntimeError(
            f"{op}: integral inputs not supported (input {input.dtype}, target {target.dtype})"
        )
    if log_target:
        losses = target.exp() * _minus(target, input)
    else:
        losses = vt.xlogy(target, target) - target * input
    reduced = _reduce(op, losses, enum)
    if reduction == "batchmean" and input.ndim != 0:
        reduced = reduced / input.shape[0]
    return reduced


def poisson_nll_loss(
    input: Tensor,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    size_average: Any = None,
    eps: float = 1e-8,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """e^x - t x for a log-rate x (log_input), else x - t log(x + eps); `full` adds
    Stirling's t log t - t + log(2 pi t) / 2 where t > 1."""
    op = "poisson_nll_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    target = _as_tensor(target)
    _broadcastable(op, input=input, target=target)
    losses = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = vt.xlogy(target, target) - target + 0.5 * (2 * math.pi * target).log()
        losses = losses + stirling.masked_fill(target <= 1, 0)
    return _reduce(op, losses, reduction)


def _gaussian_variance(op: str, var: Any, input: Tensor) -> Tensor:
    """var as torch's gaussian_nll_loss takes it: a float for every element, one per element,
    or one per sample with one dim fewer or one dim of size 1 (homoscedastic)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries ({var})")
        return var * vt.ones_like(input)
    if not isinstance(var, Tensor):
        if isinstance(var, int | bool):
            raise TypeError(f"{op}: var must be a Tensor or a float, got {type(var).__name__}")
        var = _as_tensor(var)
    if (var.array < 0).any():
        raise ValueError(f"{op}: var has negative entry/entries")
    var_shape, input_shape = _shape(var), _shape(input)
    if var_shape == input_shape:
        return var
    if input_shape[:-1] == var_shape:
        return var.unsqueeze(-1)
    if len(input_shape) == len(var_shape) and (
        sum(v for i, v in zip(input_shape, var_shape, strict=True) if i != v) == 1
    ):
        return var
    raise ValueError(f"{op}: var of shape {var_shape} is of incorrect size for input {input_shape}")


def gaussian_nll_loss(
    input: Tensor,
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """(log max(var, eps) + (x - t)^2 / max(var, eps)) / 2, plus log(2 pi) / 2 if `full`; the
    clamp at eps passes the gradient through (taken without grad, as torch)."""
    op = "gaussian_nll_loss"
    var = _gaussian_variance(op, var, input)
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if not _floating(var):
        raise RuntimeError(f"{op}: var must be floating point (clamped at eps), got {var.dtype}")
    var = var.clone()
    with vt.no_grad():
        var.clamp_(min=eps)
    target = _as_tensor(target)
    _broadcastable(op, input=input, target=target, var=var)
    _refuse_bool(op, input, target)
    losses = 0.5 * (var.log() + _minus(input, target) ** 2 / var)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return _reduce(op, losses, reduction)


# ---- classification over a class dim: cross_entropy and nll_loss ---------------------------


def _class_dim(input: Tensor) -> int:
    return 0 if input.ndim == 1 else 1


def _class_target_shape(op: str, input_shape: tuple, target_shape: tuple) -> tuple:
    """torch's checks of a class-index target against an input (C), (N, C) or
    (N, C, d1, ...); returns the target's shape as the loss sees it."""
    ndim = len(input_shape)
    if ndim == 0:
        raise ValueError(f"{op}: expected an input with 1 or more dimensions (got 0)")
    if ndim == 1:
        if len(target_shape) > 1:
            raise RuntimeError(
                f"{op}: 0D or 1D target tensor expected for input shape {input_shape}, got "
                f"target shape {target_shape} (multi-target not supported)"
            )
        if target_shape and target_shape[0] != 1:
            raise ValueError(
                f"{op}: for 1D input, a 1D target must have size 1, got target shape "
                f"{target_shape} (input shape {input_shape})"
            )
        return ()
    batch = target_shape[0] if target_shape else 0
    if input_shape[0] != batch:
        raise ValueError(
            f"{op}: target shape {target_shape} does not match input shape {input_shape}: "
            f"expected input batch_size ({input_shape[0]}) to match target batch_size ({batch})"
        )
    expected = (input_shape[0], *input_shape[2:])
    if target_shape != expected:
        raise RuntimeError(
            f"{op}: expected target shape {expected} for input shape {input_shape}, got "
            f"{target_shape}"
        )
    return target_shape


def _class_weight(op: str, weight: Any, input: Tensor, classes: int) -> np.ndarray | None:
    """The (C,) class weights of the class-index path: torch wants the input's dtype."""
    if weight is None:
        return None
    if isinstance(weight, Tensor):
        _refuse_grad(op, "weight", weight)
        if weight.dtype != input.dtype:
            raise RuntimeError(
                f"{op}: expected a weight of the input's dtype {input.dtype}, got {weight.dtype}"
            )
        array = weight.array
    else:
        array = np.asarray(weight, dtype=input.dtype)
    if array.ndim != 1 or array.size != classes:
        raise RuntimeError(
            f"{op}: weight tensor should be defined either for all {classes} classes or no "
            f"classes but got weight tensor of shape: {array.shape}"
        )
    return array


class _ClassTargets:
    """Class indices checked against the input, with the per-sample weight w[t] (0 where t is
    ignore_index), the mean's divisor (the sum of w[t]) and the weighted, smoothed target
    distribution q = (1 - eps) w[t] onehot(t) + (eps / C) w over the class dim."""

    def __init__(self, op: str, input: Tensor, target: Any, weight: Any, ignore_index: int) -> None:
        labels = np.asarray(target.array if isinstance(target, Tensor) else target)
        if labels.dtype not in (np.dtype(np.int64), np.dtype(np.uint8)):
            raise RuntimeError(
                f"{op}: expected a class-index target of dtype int64 (long) or uint8, got "
                f"{labels.dtype}"
            )
        labels = labels.reshape(_class_target_shape(op, _shape(input), labels.shape))
        self.class_dim = _class_dim(input)
        self.classes = classes = input.shape[self.class_dim]
        self.class_weight = _class_weight(op, weight, input, classes)
        labels = labels.astype(np.int64)
        self.ignored = labels == ignore_index
        out_of_range = ~self.ignored & ((labels < 0) | (labels >= classes))
        if out_of_range.any():
            raise IndexError(
                f"{op}: target {labels[out_of_range].flat[0]} is out of bounds for {classes} "
                "classes"
            )
        self.labels = np.where(self.ignored, 0, labels)
        picked = 1.0 if self.class_weight is None else self.class_weight[self.labels]
        self.sample_weight = np.where(self.ignored, 0.0, picked).astype(input.dtype)
        self.divisor = float(self.sample_weight.sum())
        self.dtype = input.dtype
        self.shape = _shape(input)

    def distribution(self, label_smoothing: float) -> np.ndarray:
        q = np.zeros(self.shape, self.dtype)
        dim = self.class_dim
        np.put_along_axis(
            q,
            np.expand_dims(self.labels, dim),
            np.expand_dims((1.0 - label_smoothing) * self.sample_weight, dim),
            axis=dim,
        )
        if label_smoothing > 0:
            spread = self.class_weight
            spread = np.ones(self.classes, self.dtype) if spread is None else spread
            weight_shape = [1] * len(self.shape)
            weight_shape[dim] = self.classes
            kept = np.expand_dims(~self.ignored, dim)
            q += (label_smoothing / self.classes) * spread.reshape(weight_shape) * kept
        return q

    def any_ignored(self) -> bool:
        return bool(self.ignored.any())


def _reduce_weighted(losses: Tensor, reduction: str, divisor: float) -> Tensor:
    """torch's nll reduction: 'mean' divides by the sum of the kept samples' class weights."""
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return losses.sum() / divisor  # nothing kept: 0 / 0 = nan, as torch
    return losses.sum() if reduction == "sum" else losses


def _refuse_integer_input(op: str, input: Tensor) -> None:
    if not _floating(input):
        raise NotImplementedError(
            f"{op}: not implemented for an input of dtype {input.dtype}; give logits or "
            "log-probabilities in a floating dtype"
        )


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """-w[t] x[t] for log-probabilities x of shape (C), (N, C) or (N, C, d1, ...): a gather,
    composed from engine ops (differentiable twice); 'mean' divides by the sum of w[t]."""
    op = "nll_loss"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    _refuse_integer_input(op, input)
    targets = _ClassTargets(op, input, target, weight, ignore_index)
    dim = targets.class_dim
    picked = input.gather(dim, np.expand_dims(targets.labels, dim)).squeeze(dim)
    losses = -picked * Tensor(targets.sample_weight)
    if targets.any_ignored():  # selected, so an ignored -inf gives 0 and no gradient
        losses = vt.where(Tensor(targets.ignored), 0.0, losses)
    return _reduce_weighted(losses, reduction, targets.divisor)


class _SoftmaxCrossEntropy(Function):
    """loss = -sum_c q_c log softmax(z)_c over the class dim, for a target distribution q.

    Its gradient, dloss/dz = g (Q softmax(z) - q) with Q = sum_c q_c, is the Function
    _SoftmaxCrossEntropyGrad, so it can be differentiated again.
    """

    @staticmethod
    def forward(
        ctx, logits: np.ndarray, q: np.ndarray, class_dim: int, ignored: np.ndarray | None
    ) -> np.ndarray:
        shifted = logits - logits.max(axis=class_dim, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=class_dim, keepdims=True))
            terms = q * log_probs
        if not np.isfinite(log_probs).all():  # a -inf logit: 0 log 0 counts as 0
            terms = np.where(q != 0, terms, 0.0)
        ctx.save_for_backward(logits)
        ctx.q, ctx.probs, ctx.class_dim, ctx.ignored = q, np.exp(log_probs), class_dim, ignored
        return -terms.sum(axis=class_dim)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple:
        (logits,) = ctx.saved_tensors
        grad_logits = _SoftmaxCrossEntropyGrad.apply(
            grad, logits, ctx.q, ctx.class_dim, ctx.ignored, ctx.probs
        )
        return grad_logits, None, None, None


class _SoftmaxCrossEntropyGrad(Function):
    """G(g, z) = g (Q p - q), p = softmax(z): the gradient of the fused cross-entropy.

    Its own derivatives, for an upstream V of z's shape:
        d<V, G>/dz = g Q p * (V - sum_c p_c V_c)        (softmax's Jacobian diag(p) - p p^T)
        d<V, G>/dg = sum_c V_c (Q p_c - q_c)
    written with Tensor ops, so a third derivative works too. Ignored samples get exactly 0.
    """

    @staticmethod
    def forward(
        ctx,
        grad: np.ndarray,
        logits: np.ndarray,
        q: np.ndarray,
        class_dim: int,
        ignored: np.ndarray | None,
        probs: np.ndarray,
    ) -> np.ndarray:
        q_total = q.sum(axis=class_dim, keepdims=True)
        with np.errstate(invalid="ignore"):
            out = np.expand_dims(grad, class_dim) * (q_total * probs - q)
        if ignored is not None:
            out = np.where(np.expand_dims(ignored, class_dim), 0.0, out)
        ctx.save_for_backward(grad, logits)
        ctx.q, ctx.class_dim, ctx.ignored = q, class_dim, ignored
        return out.astype(logits.dtype, copy=False)

    @staticmethod
    def backward(ctx, upstream: Tensor) -> tuple:
        grad, logits = ctx.saved_tensors
        dim = ctx.class_dim
        q = Tensor(ctx.q)
        q_total = Tensor(ctx.q.sum(axis=dim, keepdims=True))
        probs = logits.softmax(dim=dim)
        needs_grad, needs_logits = ctx.needs_input_grad[:2]
        d_grad = (upstream * (q_total * probs - q)).sum(dim=dim) if needs_grad else None
        d_logits = None
        if needs_logits:
            centred = upstream - (probs * upstream).sum(dim=dim, keepdim=True)
            d_logits = grad.unsqueeze(dim) * q_total * probs * centred
        if ctx.ignored is not None:  # selected: an ignored sample's inf * 0 stays out
            ignored = Tensor(ctx.ignored)
            d_grad = None if d_grad is None else vt.where(ignored, 0.0, d_grad)
            if d_logits is not None:
                d_logits = vt.where(ignored.unsqueeze(dim), 0.0, d_logits)
        return d_grad, d_logits, None, None, None, None


def _check_label_smoothing(op: str, label_smoothing: float) -> None:
    if label_smoothing > 1.0:
        raise RuntimeError(
            f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}"
        )


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """-log softmax(x)[t] for logits x of shape (C,), (N, C) or (N, C, d1, ...), fused.

    A target of the input's shape holds class probabilities (floating point); any other
    holds class indices (int64 or uint8, the input's shape without its class dim). Class
    indices become q = (1 - eps) w[t] onehot(t) + (eps / C) w, so weights, ignore_index and
    label smoothing are one formula; 'mean' divides by the sum of w[t], as torch does.
    """
    op = "cross_entropy"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    target_shape = _shape(target) if isinstance(target, Tensor) else np.shape(target)
    if target_shape == _shape(input):
        return _probability_cross_entropy(
            op, input, target, weight, ignore_index, reduction, label_smoothing
        )
    _refuse_integer_input(op, input)
    if input.ndim == 0:
        raise IndexError(f"{op}: the input needs a class dim, got a 0-d tensor")
    if label_smoothing > 0:
        _check_label_smoothing(op, label_smoothing)
    else:
        label_smoothing = 0.0  # torch treats a negative smoothing as none
    targets = _ClassTargets(op, input, target, weight, ignore_index)
    ignored = targets.ignored if targets.any_ignored() else None
    q = targets.distribution(label_smoothing)
    losses = _SoftmaxCrossEntropy.apply(input, q, targets.class_dim, ignored)
    return _reduce_weighted(losses, reduction, targets.divisor)


def _probability_cross_entropy(
    op: str,
    input: Tensor,
    target: Any,
    weight: Any,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
) -> Tensor:
    """torch's soft-target cross-entropy, composed: -sum_c w_c q_c log softmax(x)_c with
    q = (1 - eps) p + eps / C; 'mean' divides by the number of samples."""
    target = _as_tensor(target)
    if not _floating(target):
        raise RuntimeError(
            f"{op}: expected a floating point target for class probabilities (a target of the "
            f"input's shape {_shape(input)}), got {target.dtype}; class indices have the "
            "input's shape without its class dim"
        )
    if ignore_index >= 0:
        raise RuntimeError(f"{op}: ignore_index is not supported for floating point target")
    if input.ndim == 0:
        raise IndexError(f"{op}: the input needs a class dim, got a 0-d tensor")
    _refuse_integer_input(op, input)
    dim = _class_dim(input)
    classes = input.shape[dim]
    if weight is not None:
        weight = _as_weight(weight, input.dtype)
        if weight.ndim != 1 or weight.numel() != classes:
            raise RuntimeError(
                f"{op}: weight tensor should be defined either for all {classes} classes or no "
                f"classes but got weight tensor of shape: {_shape(weight)}"
            )
    log_probs = input.log_softmax(dim=dim)
    if label_smoothing > 0:
        _check_label_smoothing(op, label_smoothing)
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = log_probs * target
    if weight is not None:
        shape = [1] * input.ndim
        shape[dim] = classes
        terms = terms * (weight.reshape(tuple(shape)) if input.ndim > 1 else weight)
    if reduction == "none":
        return -terms.sum(dim=dim)
    total = -terms.sum()
    if reduction == "sum":
        return total
    samples = input.numel() // classes if classes else 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / samples if samples else total * np.nan


def _cross_entropy_reference(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Class-index cross-entropy composed as torch composes it (log_softmax, nll_loss and the
    smoothing term): the reference the fused op is tested against."""
    dim = _class_dim(input)
    log_probs = input.log_softmax(dim=dim)
    nll = nll_loss(log_probs, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0:
        return nll
    targets = _ClassTargets("cross_entropy", input, target, weight, ignore_index)
    classes = targets.classes
    if targets.class_weight is None:
        smooth = -log_probs.sum(dim=dim)
    else:
        shape = [1] * input.ndim
        shape[dim] = classes
        smooth = -(log_probs * Tensor(targets.class_weight.reshape(shape))).sum(dim=dim)
    smooth = vt.where(Tensor(targets.ignored.reshape(_shape(smooth))), 0.0, smooth)
    smooth = _reduce_weighted(smooth, reduction, targets.divisor)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / classes)


# ---- binary classification ------------------------------------------------------------------

_BCE_EPS = float(np.float32(1e-12))  # torch's kernel holds its epsilon in float32
_BCE_EPS_2 = 1e-12  # ... and its double backward in double


class _BinaryCrossEntropy(Function):
    """loss = -(t log x + (1 - t) log(1 - x)), each log clamped at -100 as in torch.

    dloss/dx = (x - t) / max(x (1 - x), eps) is the Function _BinaryCrossEntropyGrad;
    dloss/dt = log(1 - x) - log x (torch's -logit(x), unclamped) is written in Tensor ops.
    """

    @staticmethod
    def forward(ctx, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100.0)
            log_not_x = np.maximum(np.log(1.0 - x), -100.0)
        ctx.save_for_backward(x, t)
        return -(t * log_x + (1.0 - t) * log_not_x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple:
        x, t = ctx.saved_tensors
        needs_x, needs_t = ctx.needs_input_grad
        grad_x = _BinaryCrossEntropyGrad.apply(grad, x, t) if needs_x else None
        grad_t = grad * ((1.0 - x).log() - x.log()) if needs_t else None
        return grad_x, grad_t


class _BinaryCrossEntropyGrad(Function):
    """G(g, x, t) = g (x - t) / max(x (1 - x), eps): BCE's gradient, with torch's derivatives
    (its double backward uses x + eps and 1 - x + eps where the first order clamps):
        dG/dg = (x - t) / ((x + eps)(1 - x + eps))
        dG/dx = g (x^2 - 2 x t + t) / ((x + eps)^2 (1 - x + eps)^2)
        dG/dt = -g / max(x (1 - x), eps)
    """

    @staticmethod
    def forward(ctx, grad: np.ndarray, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(grad, x, t)
        return grad * (x - t) / np.maximum(x * (1.0 - x), _BCE_EPS)

    @staticmethod
    def backward(ctx, upstream: Tensor) -> tuple:
        grad, x, t = ctx.saved_tensors
        needs_grad, needs_x, needs_t = ctx.needs_input_grad
        eps = _BCE_EPS_2
        d_grad = d_x = d_t = None
        if needs_grad:
            d_grad = upstream * (x - t) / ((x + eps) * (1 - x + eps))
        if needs_x:
            curvature = (x * x - 2 * x * t + t) / ((x + eps) ** 2 * (1 - x + eps) ** 2)
            d_x = upstream * grad * curvature
        if needs_t:
            d_t = -upstream * grad / (x * (1 - x)).clamp(min=eps)
        return d_grad, d_x, d_t


def _broadcast_weight(op: str, name: str, weight: Any, input: Tensor) -> Tensor | None:
    """A weight that broadcasts to the input's shape (never beyond it), in the input's dtype."""
    if weight is None:
        return None
    _refuse_grad(op, name, weight)
    weight = _as_weight(weight, input.dtype)
    try:
        fits = np.broadcast_shapes(_shape(weight), _shape(input)) == _shape(input)
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"{op}: {name} of shape {_shape(weight)} does not broadcast to input shape "
            f"{_shape(input)}"
        )
    return weight


def _binary_target(op: str, input: Tensor, target: Any) -> Tensor:
    target = _as_tensor(target)
    if _shape(target) != _shape(input):
        raise ValueError(
            f"{op}: target shape {_shape(target)} differs from input shape {_shape(input)}; "
            "please ensure they have the same size"
        )
    return target


def binary_cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """-w (t log x + (1 - t) log(1 - x)) for probabilities x in [0, 1] (fused)."""
    op = "binary_cross_entropy"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    target = _binary_target(op, input, target)
    weight = _broadcast_weight(op, "weight", weight, input)
    if target.dtype != input.dtype:
        raise RuntimeError(
            f"{op}: the target must have the input's dtype {input.dtype}, got {target.dtype}"
        )
    _refuse_integer_input(op, input)
    x, t = input.array, target.array
    if not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError(f"{op}: all elements of input should be between 0 and 1")
    if not ((t >= 0) & (t <= 1)).all():
        raise RuntimeError(f"{op}: all elements of target should be between 0 and 1")
    losses = _BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        losses = losses * weight.to(input.dtype)
    return _reduce(op, losses, reduction)


def _binary_cross_entropy_reference(
    input: Tensor, target: Tensor, reduction: str = "mean"
) -> Tensor:
    """BCE composed from engine ops (the reference for the fused op inside (0, 1))."""
    log_x, log_not_x = input.log().clamp(min=-100), (1 - input).log().clamp(min=-100)
    return _reduce("binary_cross_entropy", -(target * log_x + (1 - target) * log_not_x), reduction)


class _BinaryCrossEntropyWithLogits(Function):
    """loss = (1 - t) z + (1 + (p - 1) t) softplus(-z), p the pos_weight (1 without one).

    dloss/dz = (1 + (p - 1) t) sigmoid(z) - p t is the Function _BinaryCrossEntropyWithLogitsGrad;
    dloss/dt = (p - 1) softplus(-z) - z (torch's log_sigmoid(-z) - p log_sigmoid(z)) is
    written in Tensor ops.
    """

    @staticmethod
    def forward(ctx, z: np.ndarray, t: np.ndarray, pos_weight: np.ndarray | None) -> np.ndarray:
        ctx.save_for_backward(z, t)
        ctx.pos_weight = pos_weight
        dtype = np.result_type(z, t)
        z, t = z.astype(dtype, copy=False), t.astype(dtype, copy=False)
        log_weight = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * t
        return ((1.0 - t) * z + log_weight * np.logaddexp(0.0, -z)).astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple:
        z, t = ctx.saved_tensors
        needs_z, needs_t, _ = ctx.needs_input_grad
        p = ctx.pos_weight
        grad_z = _BinaryCrossEntropyWithLogitsGrad.apply(grad, z, t, p) if needs_z else None
        grad_t = None
        if needs_t:
            weighted = None if p is None else (Tensor(p) - 1.0) * _softplus(-z)
            grad_t = -grad * z if weighted is None else grad * (weighted - z)
        return grad_z, grad_t, None


class _BinaryCrossEntropyWithLogitsGrad(Function):
    """G(g, z, t) = g ((1 + (p - 1) t) sigmoid(z) - p t), BCE-with-logits' gradient:
    dG/dg = (1 + (p - 1) t) sigmoid(z) - p t
    dG/dz = g (1 + (p - 1) t) sigmoid(z) (1 - sigmoid(z))
    dG/dt = g ((p - 1) sigmoid(z) - p)
    """

    @staticmethod
    def forward(
        ctx, grad: np.ndarray, z: np.ndarray, t: np.ndarray, pos_weight: np.ndarray | None
    ) -> np.ndarray:
        e = np.exp(-np.abs(z))  # sigmoid without overflow
        sigmoid = np.where(z >= 0, 1.0, e) / (1.0 + e)
        ctx.save_for_backward(grad, z, t)
        ctx.pos_weight = pos_weight
        if pos_weight is None:
            return grad * (sigmoid - t)
        weighted = pos_weight * t  # torch: (p t + 1 - t) sigmoid(z) - p t
        return grad * ((weighted + 1.0 - t) * sigmoid - weighted)

    @staticmethod
    def backward(ctx, upstream: Tensor) -> tuple:
        grad, z, t = ctx.saved_tensors
        needs_grad, needs_z, needs_t, _ = ctx.needs_input_grad
        p = None if ctx.pos_weight is None else Tensor(ctx.pos_weight)
        sigmoid = z.sigmoid()
        log_weight = 1.0 if p is None else 1.0 + (p - 1.0) * t
        d_grad = d_z = d_t = None
        if needs_grad:
            d_grad = upstream * (sigmoid - t if p is None else log_weight * sigmoid - p * t)
        if needs_z:
            d_z = upstream * grad * log_weight * sigmoid * (1 - sigmoid)
        if needs_t:
            d_t = upstream * grad * (-1.0 if p is None else (p - 1.0) * sigmoid - p)
        return d_grad, d_z, d_t, None


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(z), from the logits z without overflow (fused).

    pos_weight p (broadcast against the target, e.g. one per class along the last dim)
    scales the positive term. The result has the target's dtype, as torch's.
    """
    op = "binary_cross_entropy_with_logits"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    target = _binary_target(op, input, target)
    _refuse_integer_input(op, input)
    _refuse_bool(op, target)
    if not _floating(target):
        raise RuntimeError(
            f"{op}: the target must be floating point (as the input), got {target.dtype}; "
            "convert it with target.float()"
        )
    weight = _broadcast_weight(op, "weight", weight, input)
    pos = _broadcast_weight(op, "pos_weight", pos_weight, input)
    pos = None if pos is None else pos.array.astype(np.result_type(input.array, target.array))
    losses = _BinaryCrossEntropyWithLogits.apply(input, target, pos)
    if losses.dtype != target.dtype:
        losses = losses.to(target.dtype)
    if weight is not None:
        losses = losses * weight.to(losses.dtype)
    return _reduce(op, losses, reduction)


def _binary_cross_entropy_with_logits_reference(
    input: Tensor, target: Tensor, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """BCE with logits composed from engine ops (the reference for the fused op)."""
    log_weight = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * target
    losses = (1 - target) * input + log_weight * _softplus(-input)
    return _reduce("binary_cross_entropy_with_logits", losses, reduction)


# ---- margins and embeddings -----------------------------------------------------------------


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Any,
    margin: float = 0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -y (x1 - x2) + margin) for y = 1 (x1 should rank higher) or -1."""
    op = "margin_ranking_loss"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    target = _as_tensor(target)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            f"{op}: all input tensors should have the same number of dimensions, got input1 "
            f"{_shape(input1)}, input2 {_shape(input2)} and target {_shape(target)}"
        )
    _broadcastable(op, input1=input1, input2=input2, target=target)
    _refuse_bool(op, input1, input2, target)
    losses = (-target * (input1 - input2) + float(margin)).clamp(min=0)
    return _reduce(op, losses, reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Any,
    margin: float = 1.0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (torch: each term where y is not the
    other label, so other labels get both)."""
    op = "hinge_embedding_loss"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    target = _as_tensor(target)
    _broadcastable(op, input=input, target=target)
    margin_term = vt.where(target != 1, (margin - input).clamp(min=0), 0.0)
    return _reduce(op, margin_term + vt.where(target != -1, input, 0.0), reduction)


def soft_margin_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """log(1 + e^(-y x)), as softplus(-y x): finite where torch's log1p(exp(.)) overflows."""
    op = "soft_margin_loss"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    _refuse_grad(op, "target", target)
    target = _as_tensor(target)
    _broadcastable(op, input=input, target=target)
    if not _floating(input):
        raise RuntimeError(f"{op}: the input must be floating point, got {input.dtype}")
    return _reduce(op, _softplus(-target.to(input.dtype) * input), reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """-(t log sigmoid(x) + (1 - t) log sigmoid(-x)) w, averaged over the classes (last dim)."""
    op = "multilabel_soft_margin_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if input.ndim == 0:
        raise IndexError(f"{op}: the input needs a class dim (its last), got a 0-d tensor")
    target = _as_tensor(target)
    _refuse_integer_input(op, input)
    _refuse_bool(op, target)
    weight = None if weight is None else _as_weight(weight, input.dtype)
    _broadcastable(op, input=input, target=target, weight=weight)
    losses = -(target * _log_sigmoid(input) + (1 - target) * _log_sigmoid(-input))
    if weight is not None:
        losses = losses * weight
    losses = losses.sum(dim=input.ndim - 1) / input.shape[-1]
    return _reduce_python(op, losses, reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Any,
    margin: float = 0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1, with torch's
    cos = <x1, x2> / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))."""
    op = "cosine_embedding_loss"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    target = _as_tensor(target)
    if target.ndim not in (0, 1):
        raise RuntimeError(f"{op}: 0D or 1D target tensor expected, got shape {_shape(target)}")
    wanted = target.ndim + 1
    if input1.ndim != wanted or input2.ndim != wanted:
        raise RuntimeError(
            f"{op}: a {target.ndim}D target expects {wanted}D input tensors, but found inputs "
            f"with shapes {_shape(input1)} and {_shape(input2)}"
        )
    _broadcastable(op, input1=input1, input2=input2)
    dim = target.ndim
    eps = 1e-12
    products = (input1 * input2).sum(dim=dim)
    squares1 = (input1 * input1).sum(dim=dim) + eps
    squares2 = (input2 * input2).sum(dim=dim) + eps
    cos = products / (squares1 * squares2).sqrt()
    _broadcastable(op, target=target, similarities=cos)
    positive = vt.where(target == 1, 1 - cos, 0.0)
    negative = vt.where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(op, positive + negative, reduction)


def _integer_targets(op: str, target: Any) -> np.ndarray:
    labels = np.asarray(target.array if isinstance(target, Tensor) else target)
    if labels.dtype != np.int64:
        raise RuntimeError(f"{op}: expected a target of dtype int64 (long), got {labels.dtype}")
    return labels


def _vector_or_matrix(op: str, input: Tensor) -> tuple[int, int]:
    """(N, C) of an input (C), (N, C) or a 0-d scalar (one sample of one class)."""
    shape = _shape(input)
    if not (len(shape) == 0 or (len(shape) in (1, 2) and shape[-1] != 0)):
        raise RuntimeError(
            f"{op}: expected a non-empty vector or matrix with optional 0-dim batch size, got "
            f"input shape {shape}"
        )
    if input.ndim == 2:
        return input.shape[0], input.shape[1]
    return 1, (input.shape[0] if input.ndim == 1 else 1)


def multi_margin_loss(
    input: Tensor,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """sum over j != y of w[y] max(0, margin - x[y] + x[j])^p, divided by C (p is 1 or 2)."""
    op = "multi_margin_loss"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    weight_shape = np.shape(weight.array if isinstance(weight, Tensor) else weight)
    if weight is not None and len(weight_shape) != 1:
        raise ValueError(f"{op}: weight must be one-dimensional, got shape {weight_shape}")
    if not _floating(input):
        raise NotImplementedError(f"{op}: not implemented for an input of dtype {input.dtype}")
    samples, classes = _vector_or_matrix(op, input)
    labels = _integer_targets(op, target)
    if labels.size != samples or (input.ndim == 2 and labels.ndim != 1):
        raise RuntimeError(
            f"{op}: target tensor should be 1-D with size equal to the number of input samples "
            f"(batch size): expected target size ({samples},), got {labels.shape} for input "
            f"shape {_shape(input)}"
        )
    class_weight = _class_weight(op, weight, input, classes) if weight is not None else None
    flat = labels.reshape(samples)
    if ((flat < 0) | (flat >= classes)).any():
        raise RuntimeError(f"{op}: target out of range for {classes} classes")
    scores = input.reshape((samples, classes))
    chosen = scores.gather(1, flat[:, None])  # x[y]
    z = (margin - chosen) + scores
    counted = (np.arange(classes)[None, :] != flat[:, None]) & (z.array > 0)  # torch: z > 0
    terms = vt.where(Tensor(counted), z if p == 1 else z * z, 0.0)
    if class_weight is not None:
        terms = terms * Tensor(class_weight[flat][:, None])
    losses = terms.sum(dim=1) / classes
    if input.ndim < 2:
        losses = losses.reshape(labels.shape)
    return _reduce(op, losses, reduction)


def multilabel_margin_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """sum over target labels j and non-target classes k of max(0, 1 - (x[j] - x[k])), over C.

    Each row of target lists class indices, ended by the first -1 (a label listed twice counts
    twice, as in torch's kernel).
    """
    op = "multilabel_margin_loss"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    if not _floating(input):
        raise NotImplementedError(f"{op}: not implemented for an input of dtype {input.dtype}")
    samples, classes = _vector_or_matrix(op, input)
    labels = _integer_targets(op, target)
    if labels.shape != _shape(input):
        raise RuntimeError(
            f"{op}: inconsistent target size {labels.shape} for input of size {_shape(input)}"
        )
    rows = labels.reshape(samples, classes)
    if ((rows < -1) | (rows >= classes)).any():
        raise RuntimeError(f"{op}: target is out of range: labels must be in [-1, {classes})")
    listed = np.cumprod(rows != -1, axis=1).astype(bool)  # the labels before the first -1
    counts = np.zeros((samples, classes), input.dtype)
    row_index = np.broadcast_to(np.arange(samples)[:, None], rows.shape)
    np.add.at(counts, (row_index[listed], rows[listed]), 1.0)
    is_target = counts > 0
    scores = input.reshape((samples, classes))
    z = 1 - scores.unsqueeze(2) + scores.unsqueeze(1)  # z[n, j, k] = 1 - x[j] + x[k]
    counted = is_target[:, :, None] & ~is_target[:, None, :] & (z.array > 0)
    terms = vt.where(Tensor(counted), z, 0.0) * Tensor(counts[:, :, None])
    losses = terms.sum(dim=(1, 2)) / classes
    if input.ndim < 2:
        losses = losses.reshape(())
    return _reduce(op, losses, reduction)


def _same_ndim(op: str, anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            f"{op}: the anchor, positive, and negative tensors are expected to have the same "
            f"number of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, "
            f"and negative {negative.ndim}D inputs"
        )


def _common_dtype(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The triplet in one dtype: torch's pairwise_distance promotes mixed inputs."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = vt.dtypes.result_dtype(Tensor(np.zeros((1,), dtype)), t)
    return tuple(t if t.dtype == dtype else t.to(dtype) for t in tensors)


def _check_margin(op: str, margin: float) -> None:
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, d(a, p) + margin - d(a, n)) with d the p-norm distance ||a - b + eps||_p over the
    last dim; `swap` takes d(a, n) as min(d(a, n), d(p, n))."""
    op = "triplet_margin_loss"
    reduction = _check_reduction(op, _legacy_reduction(size_average, reduce, reduction))
    _check_margin(op, margin)
    _same_ndim(op, anchor, positive, negative)
    _refuse_bool(op, anchor, positive, negative)
    _broadcastable(op, anchor=anchor, positive=positive, negative=negative)
    anchor, positive, negative = _common_dtype(anchor, positive, negative)
    d_positive = pairwise_distance(anchor, positive, p, eps)
    d_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_negative = vt.minimum(d_negative, pairwise_distance(positive, negative, p, eps))
    return _reduce(op, (margin + d_positive - d_negative).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """The triplet loss with any distance (default: pairwise_distance)."""
    op = "triplet_margin_with_distance_loss"
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    _check_margin(op, margin)
    _same_ndim(op, anchor, positive, negative)
    if distance_function is None:
        anchor, positive, negative = _common_dtype(anchor, positive, negative)
    distance = pairwise_distance if distance_function is None else distance_function
    d_positive = distance(anchor, positive)
    d_negative = distance(anchor, negative)
    if swap:
        d_negative = vt.minimum(d_negative, distance(positive, negative))
    return _reduce(op, (margin + d_positive - d_negative).clamp(min=0), reduction)


# ---- connectionist temporal classification --------------------------------------------------


class _CTCLoss(Function):
    """-log p(target | log_probs) per sample, by the forward algorithm (v3_nn.functional.ctc);
    the backward runs the backward algorithm in NumPy, so it is differentiable once (as
    torch's, whose double backward raises too)."""

    @staticmethod
    def forward(
        ctx,
        log_probs: np.ndarray,
        ext: np.ndarray,
        valid: np.ndarray,
        skip: np.ndarray,
        input_lengths: np.ndarray,
        target_lengths: np.ndarray,
        blank: int,
        zero_infinity: bool,
    ) -> np.ndarray:
        nll, alpha = _ctc.forward(log_probs, ext, valid, skip, input_lengths, target_lengths, blank)
        ctx.save_for_backward(log_probs)
        ctx.ext, ctx.valid, ctx.skip, ctx.alpha, ctx.nll = ext, valid, skip, alpha, nll
        ctx.lengths = input_lengths, target_lengths
        ctx.blank, ctx.zero_infinity = blank, zero_infinity
        return nll

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor) -> tuple:
        (log_probs,) = ctx.saved_tensors
        grad_lp = _ctc.backward(
            grad.array,
            log_probs.array,
            ctx.ext,
            ctx.valid,
            ctx.skip,
            *ctx.lengths,
            ctx.nll,
            ctx.alpha,
            ctx.blank,
            ctx.zero_infinity,
        )
        return (grad_lp, *(None,) * 7)


def _ctc_lengths(op: str, name: str, lengths: Any) -> np.ndarray:
    if isinstance(lengths, Tensor):
        if lengths.dtype.kind not in "iu":
            raise RuntimeError(f"{op}: {name} must be integral, got dtype {lengths.dtype}")
        return lengths.array.astype(np.int64).reshape(-1)
    if isinstance(lengths, list | tuple | np.ndarray):
        array = np.asarray(lengths)
        if array.size and array.dtype.kind not in "iu":
            raise TypeError(f"{op}: {name} must hold integers, got {array.dtype}")
        return array.astype(np.int64).reshape(-1)
    raise TypeError(
        f"{op}: {name} must be a Tensor or a tuple/list of ints, got {type(lengths).__name__}"
    )


def ctc_loss(
    log_probs: Tensor,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification: -log of the total probability of every
    alignment of each target to its log_probs (T, N, C), or (T, C) unbatched.

    targets are padded (N, S) or concatenated (sum(target_lengths),); the lengths are
    Tensors or tuples of ints. 'mean' divides each loss by its target length (at least 1)
    and averages over the batch; zero_infinity zeroes impossible alignments (T too short)
    and their gradients.
    """
    op = "ctc_loss"
    reduction = _check_reduction(op, reduction)
    if isinstance(input_lengths, Tensor) != isinstance(target_lengths, Tensor):
        raise TypeError(f"{op}: input_lengths and target_lengths must both be Tensors or both not")
    il = _ctc_lengths(op, "input_lengths", input_lengths)
    tl = _ctc_lengths(op, "target_lengths", target_lengths)
    if not _floating(log_probs):
        raise NotImplementedError(f"{op}: not implemented for log_probs of dtype {log_probs.dtype}")
    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    if lp.ndim != 3:
        raise RuntimeError(
            f"{op}: expected log_probs of shape (T, N, C) or (T, C), got {_shape(log_probs)}"
        )
    if lp.numel() == 0:
        raise RuntimeError(f"{op}: log_probs tensor must not be empty, got {_shape(log_probs)}")
    steps, batch, classes = lp.shape
    labels = np.asarray(targets.array if isinstance(targets, Tensor) else targets)
    labels = labels.astype(np.int64)
    if labels.ndim not in (1, 2):
        raise RuntimeError(f"{op}: expected targets with 1 or 2 dims, got {labels.shape}")
    if not 0 <= blank < classes:
        raise RuntimeError(f"{op}: blank must be in label range [0, {classes}), got {blank}")
    for name, lengths in (("input_lengths", il), ("target_lengths", tl)):
        if lengths.size != batch:
            raise RuntimeError(
                f"{op}: {name} must be of size batch_size ({batch}), got {lengths.size}"
            )
    if (tl < 0).any():
        raise RuntimeError(f"{op}: expected target_lengths to be at least 0, got {tl.min()}")
    longest = int(tl.max()) if batch else 0
    padded = np.full((batch, longest), blank, dtype=np.int64)
    used = np.arange(longest)[None, :] < tl[:, None]
    if labels.ndim == 1:
        if labels.shape[0] != tl.sum():
            raise RuntimeError(
                f"{op}: concatenated targets must have size sum(target_lengths) = {tl.sum()}, "
                f"got {labels.shape[0]}"
            )
        padded[used] = labels
    else:
        if labels.shape[0] != batch:
            raise RuntimeError(
                f"{op}: padded targets must have batch_size {batch} rows, got {labels.shape}"
            )
        if labels.shape[1] < longest:
            raise RuntimeError(
                f"{op}: padded targets of shape {labels.shape} are shorter than the longest "
                f"target length {longest}"
            )
        padded[used] = labels[:, :longest][used]
    if (il < 0).any() or (il > steps).any():
        bad = il[(il < 0) | (il > steps)][0]
        raise RuntimeError(f"{op}: input_lengths must be in [0, {steps}], got {bad}")
    if ((padded < 0) | (padded >= classes)).any():
        bad = padded[(padded < 0) | (padded >= classes)][0]
        raise IndexError(f"{op}: target label {bad} is out of range for {classes} classes")
    ext, valid, skip = _ctc.extend_targets(padded, tl, blank)
    losses = _CTCLoss.apply(lp, ext, valid, skip, il, tl, blank, zero_infinity)
    if zero_infinity:
        losses = vt.where(Tensor(losses.array == np.inf), 0.0, losses)
    if reduction == "mean":
        return (losses / Tensor(np.maximum(tl, 1).astype(losses.dtype))).mean()
    if reduction == "sum":
        return losses.sum()
    return losses if batched else losses.squeeze(0)
