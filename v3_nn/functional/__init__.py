"""v3_nn.functional: stateless ops (activations, losses, convolution, ...), as torch.nn.functional.

Each family lives in its own module; its author adds the re-export line here.
"""

# ruff: noqa: F401  (this file re-exports the public names)
from .activation import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .attention import attention, scaled_dot_product_attention
from .conv import conv1d, conv2d
from .distance import cosine_similarity, pairwise_distance
from .dropout import dropout
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    ctc_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from .normalization import batch_norm, layer_norm
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d
from .sparse import embedding
