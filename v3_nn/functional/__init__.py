"""v3_nn.functional: stateless ops (activations, losses, convolution, ...), as torch.nn.functional.

Each family lives in its own module; its author adds the re-export line here.
"""

# ruff: noqa: F401  (this file re-exports the public names)
# ruff: noqa: I001  (each author appends an import block, so blocks are not merged or sorted)
from .activation import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .attention import attention, scaled_dot_product_attention
from .conv import conv1d, conv2d
from .dropout import dropout
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .normalization import batch_norm, layer_norm
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d
from .sparse import embedding
from .conv import conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from .padding import pad
from .pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_pool3d,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)
from .conv import fold, unfold
from .distance import cosine_similarity, normalize, pairwise_distance, pdist
from .dropout import alpha_dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from .normalization import group_norm, instance_norm, local_response_norm, rms_norm
from .one_hot import one_hot
from .sampling import affine_grid, grid_sample
from .upsampling import (
    channel_shuffle,
    interpolate,
    pixel_shuffle,
    pixel_unshuffle,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
