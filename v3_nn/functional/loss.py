"""Loss functions, as torch.nn.functional.

Each computes a loss per element (or per sample) and reduces it with `reduction`:
'mean', 'sum' or 'none'. Cross-entropy and both binary cross-entropies are fused
ops with a hand-written backward whose formulas stay finite for logits of any size.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.autograd import Function, once_differentiable

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def _as_tensor(value: Any, dtype: np.dtype) -> Tensor:
    return value if isinstance(value, Tensor) else vt.tensor(np.asarray(value), dtype=dtype)


def _same_shape_target(op: str, input: Tensor, target: Any, floating: bool = False) -> Tensor:
    """The target, of the input's shape; `floating` refuses integer targets, as torch's
    binary cross-entropies do."""
    target = _as_tensor(target, input.dtype)
    if floating and target.dtype.kind != "f":
        raise RuntimeError(
            f"{op}: the target must be floating point (as the input), got {target.dtype}; "
            "convert it with target.float()"
        )
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"{op}: target shape {tuple(target.shape)} differs from input shape "
            f"{tuple(input.shape)}"
        )
    return target


def _broadcast_weight(op: str, name: str, weight: Any, input: Tensor) -> Tensor | None:
    if weight is None:
        return None
    weight = _as_tensor(weight, input.dtype)
    try:
        fits = np.broadcast_shapes(tuple(weight.shape), tuple(input.shape)) == tuple(input.shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{op}: {name} of shape {tuple(weight.shape)} does not broadcast to input shape "
            f"{tuple(input.shape)}"
        )
    return weight


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(x - y)^2."""
    _check_reduction("mse_loss", reduction)
    difference = input - _same_shape_target("mse_loss", input, target)
    return _reduce(difference * difference, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|x - y|."""
    _check_reduction("l1_loss", reduction)
    return _reduce((input - _same_shape_target("l1_loss", input, target)).abs(), reduction)


# ---- classification over a class dim: cross_entropy and nll_loss ---------------------------


def _class_dim(op: str, input: Tensor) -> int:
    if input.ndim == 0:
        raise ValueError(f"{op}: input needs a class dim, got a scalar")
    return 0 if input.ndim == 1 else 1


def _class_targets(
    op: str,
    input: Tensor,
    target: Any,
    weight: Any,
    ignore_index: int,
    label_smoothing: float,
) -> tuple[np.ndarray, float]:
    """Class indices as a target distribution q over the class dim, and the mean's divisor.

    q = (1 - eps) w[t] onehot(t) + (eps / C) w, zero for samples whose t is ignore_index;
    the divisor is the sum of w[t] over the samples kept (torch's weighted mean).
    """
    labels = np.asarray(target.array if isinstance(target, Tensor) else target)
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"{op}: class-index target must be integers, got dtype {labels.dtype}")
    class_dim = _class_dim(op, input)
    classes = input.shape[class_dim]
    expected = tuple(input.shape[:class_dim]) + tuple(input.shape[class_dim + 1 :])
    if labels.shape != expected:
        raise ValueError(
            f"{op}: target shape {labels.shape} does not match input shape "
            f"{tuple(input.shape)} (expected {expected}, the input without its class dim)"
        )
    ignored = labels == ignore_index
    out_of_range = ~ignored & ((labels < 0) | (labels >= classes))
    if out_of_range.any():
        raise IndexError(
            f"{op}: target {labels[out_of_range].flat[0]} is out of bounds for {classes} classes"
        )
    class_weight = np.ones(classes, input.dtype)
    if weight is not None:
        if isinstance(weight, Tensor) and weight.dtype != input.dtype:
            raise RuntimeError(
                f"{op}: expected a weight of the input's dtype {input.dtype}, got {weight.dtype}"
            )
        class_weight = np.asarray(weight.array if isinstance(weight, Tensor) else weight)
        if class_weight.shape != (classes,):
            raise ValueError(f"{op}: weight must have shape ({classes},), got {class_weight.shape}")
    safe_labels = np.where(ignored, 0, labels)
    sample_weight = np.where(ignored, 0.0, class_weight[safe_labels]).astype(input.dtype)
    q = np.zeros(input.shape, input.dtype)
    np.put_along_axis(
        q,
        np.expand_dims(safe_labels, class_dim),
        np.expand_dims((1.0 - label_smoothing) * sample_weight, class_dim),
        axis=class_dim,
    )
    if label_smoothing:
        weight_shape = [1] * input.ndim
        weight_shape[class_dim] = classes
        kept = np.expand_dims(~ignored, class_dim)
        q += (label_smoothing / classes) * class_weight.reshape(weight_shape) * kept
    return q, float(sample_weight.sum())


def _reduce_weighted(losses: Tensor, reduction: str, divisor: float) -> Tensor:
    return losses.sum() / divisor if reduction == "mean" else _reduce(losses, reduction)


class _SoftmaxCrossEntropy(Function):
    """loss = -sum_c q_c log softmax(z)_c over the class dim.

    dloss/dz = (sum_c q_c) softmax(z) - q, which is softmax(z) - onehot(t) for a plain target.
    """

    @staticmethod
    def forward(ctx, logits: np.ndarray, q: np.ndarray, class_dim: int) -> np.ndarray:
        shifted = logits - logits.max(axis=class_dim, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=class_dim, keepdims=True))
        ctx.class_dim, ctx.q, ctx.probs = class_dim, q, np.exp(log_probs)
        return -(q * log_probs).sum(axis=class_dim)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor) -> tuple[np.ndarray, None, None]:
        grad = np.expand_dims(grad.array, ctx.class_dim)
        q_total = ctx.q.sum(axis=ctx.class_dim, keepdims=True)
        return grad * (q_total * ctx.probs - ctx.q), None, None


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """-log softmax(x)[t] for logits x of shape (C,), (N, C) or (N, C, d1, ...).

    target holds class indices (the input's shape without its class dim) or, with a
    floating dtype, class probabilities (the input's shape).
    """
    op = "cross_entropy"
    _check_reduction(op, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    class_dim = _class_dim(op, input)
    target_dtype = target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype
    if np.issubdtype(target_dtype, np.floating):
        return _soft_cross_entropy(input, target, weight, reduction, label_smoothing, class_dim)
    q, divisor = _class_targets(op, input, target, weight, ignore_index, label_smoothing)
    losses = _SoftmaxCrossEntropy.apply(input, q, class_dim)
    return _reduce_weighted(losses, reduction, divisor)


def _soft_cross_entropy(
    input: Tensor, target: Any, weight: Any, reduction: str, label_smoothing: float, class_dim: int
) -> Tensor:
    # -sum_c w_c q_c log softmax(x)_c with q = (1 - eps) p + eps / C, composed from engine ops.
    probs = _same_shape_target("cross_entropy", input, target)
    classes = input.shape[class_dim]
    q = probs * (1.0 - label_smoothing) + label_smoothing / classes
    if weight is not None:
        weight_shape = [1] * input.ndim
        weight_shape[class_dim] = classes
        q = q * _as_tensor(weight, input.dtype).reshape(tuple(weight_shape))
    return _reduce(-(input.log_softmax(dim=class_dim) * q).sum(dim=class_dim), reduction)


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """-w[t] x[t] for log-probabilities x (composed: the sum of x times a weighted one-hot)."""
    _check_reduction("nll_loss", reduction)
    q, divisor = _class_targets("nll_loss", input, target, weight, ignore_index, 0.0)
    losses = -(input * vt.Tensor(q)).sum(dim=_class_dim("nll_loss", input))
    return _reduce_weighted(losses, reduction, divisor)


# ---- binary classification ------------------------------------------------------------------


class _BinaryCrossEntropy(Function):
    """loss = -(t log x + (1 - t) log(1 - x)), each log clamped at -100 as in torch.

    dloss/dx = (x - t) / max(x (1 - x), 1e-12),  dloss/dt = log(1 - x) - log x.
    """

    @staticmethod
    def forward(ctx, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100.0)
            log_not_x = np.maximum(np.log(1.0 - x), -100.0)
        ctx.save_for_backward(x, t)
        ctx.log_x, ctx.log_not_x = log_x, log_not_x
        return -(t * log_x + (1.0 - t) * log_not_x)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor) -> tuple[np.ndarray, np.ndarray]:
        x, t = (saved.array for saved in ctx.saved_tensors)
        grad = grad.array
        grad_x = grad * (x - t) / np.maximum(x * (1.0 - x), 1e-12)
        return grad_x, grad * (ctx.log_not_x - ctx.log_x)


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """-w (t log x + (1 - t) log(1 - x)) for probabilities x in [0, 1]."""
    op = "binary_cross_entropy"
    _check_reduction(op, reduction)
    target = _same_shape_target(op, input, target, floating=True)
    weight = _broadcast_weight(op, "weight", weight, input)
    x = input.array
    if ((x < 0) | (x > 1)).any():
        raise ValueError(f"{op}: all elements of input should be between 0 and 1")
    losses = _BinaryCrossEntropy.apply(input, target)
    return _reduce(losses if weight is None else losses * weight, reduction)


class _BinaryCrossEntropyWithLogits(Function):
    """loss = (1 - t) z + (1 + (p - 1) t) softplus(-z), with p the pos_weight.

    dloss/dz = (1 - t) - (1 + (p - 1) t) sigmoid(-z),  dloss/dt = (p - 1) softplus(-z) - z.
    """

    @staticmethod
    def forward(ctx, z: np.ndarray, t: np.ndarray, pos_weight: np.ndarray) -> np.ndarray:
        softplus = np.logaddexp(0.0, -z)
        log_weight = 1.0 + (pos_weight - 1.0) * t
        ctx.save_for_backward(z, t)
        ctx.pos_weight, ctx.softplus, ctx.log_weight = pos_weight, softplus, log_weight
        return (1.0 - t) * z + log_weight * softplus

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor) -> tuple[np.ndarray, np.ndarray, None]:
        z, t = (saved.array for saved in ctx.saved_tensors)
        grad = grad.array
        grad_z = grad * ((1.0 - t) - ctx.log_weight * expit(-z))
        grad_t = grad * ((ctx.pos_weight - 1.0) * ctx.softplus - z)
        return grad_z, grad_t, None


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(z), computed from the logits z without overflow.

    pos_weight (broadcast along the last dim, one per class) scales the positive term.
    """
    op = "binary_cross_entropy_with_logits"
    _check_reduction(op, reduction)
    target = _same_shape_target(op, input, target, floating=True)
    weight = _broadcast_weight(op, "weight", weight, input)
    pos = _broadcast_weight(op, "pos_weight", pos_weight, input)
    pos = np.ones((), input.dtype) if pos is None else pos.array
    losses = _BinaryCrossEntropyWithLogits.apply(input, target, pos)
    return _reduce(losses if weight is None else losses * weight, reduction)
