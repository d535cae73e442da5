"""v3_nn.init: torch.nn.init's bounds, moments, gains and fans, checked on large tensors."""

import math

import numpy as np
import pytest
import torch

import v2_tensor as vt
from v3_nn import init

SHAPE = (256, 128, 3, 3)  # fan_in = 1152, fan_out = 2304; 295k draws
FAN_IN, FAN_OUT = 128 * 9, 256 * 9


def fresh(dtype=np.float64) -> vt.Tensor:
    return vt.Tensor(np.full(SHAPE, np.nan, dtype=dtype))


def assert_uniform(values: np.ndarray, bound: float) -> None:
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.99 * bound and values.max() > 0.99 * bound
    assert abs(values.mean()) < 0.01 * bound
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


def assert_normal(values: np.ndarray, std: float) -> None:
    assert abs(values.mean()) < 0.01 * std
    assert values.std() == pytest.approx(std, rel=0.01)
    assert np.mean(np.abs(values) < std) == pytest.approx(0.6827, abs=0.005)


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", 3),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15
    )


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(5, 3), (7, 4, 3), (6, 2, 3, 5), (3, 2, 1, 1, 4)])
def test_fans_match_torch(shape):
    assert init.calculate_fan_in_and_fan_out(vt.Tensor(np.zeros(shape))) == (
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    )


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions, got shape \(5,\)"):
        init.calculate_fan_in_and_fan_out(vt.Tensor(np.zeros(5)))


def test_uniform_normal_constant():
    t = fresh()
    assert init.uniform_(t, -2.0, 3.0) is t
    assert (
        t.array.min() >= -2
        and t.array.max() <= 3
        and t.array.mean() == pytest.approx(0.5, abs=0.02)
    )
    init.normal_(t, 1.5, 0.5)
    assert t.array.mean() == pytest.approx(1.5, abs=0.005) and t.array.std() == pytest.approx(
        0.5, rel=0.01
    )
    init.constant_(t, 0.25)
    assert np.all(t.array == 0.25)
    init.ones_(t)
    assert np.all(t.array == 1)
    init.zeros_(t)
    assert not t.array.any()
    for lib_init, tensor in ((init, t), (torch.nn.init, torch.zeros(2))):
        with pytest.raises(RuntimeError, match="std"):  # torch's tensor.normal_ error
            lib_init.normal_(tensor, 0.0, -1.0)


def test_xavier():
    t = fresh()
    init.xavier_uniform_(t, gain=2.0)
    assert_uniform(t.array, 2.0 * math.sqrt(6.0 / (FAN_IN + FAN_OUT)))
    init.xavier_normal_(t, gain=init.calculate_gain("tanh"))
    assert_normal(t.array, 5 / 3 * math.sqrt(2.0 / (FAN_IN + FAN_OUT)))


def test_kaiming():
    t = fresh()
    init.kaiming_uniform_(t, a=math.sqrt(5))  # what torch's Linear and Conv2d use
    assert_uniform(t.array, 1 / math.sqrt(FAN_IN))
    init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu")
    assert_uniform(t.array, math.sqrt(6.0 / FAN_OUT))
    init.kaiming_normal_(t, nonlinearity="relu")
    assert_normal(t.array, math.sqrt(2.0 / FAN_IN))
    init.kaiming_normal_(t, a=0.1, mode="fan_out")
    assert_normal(t.array, math.sqrt(2.0 / (1 + 0.01)) / math.sqrt(FAN_OUT))
    with pytest.raises(ValueError, match="Mode 'fan_avg' not supported"):
        init.kaiming_normal_(t, mode="fan_avg")


def test_keeps_dtype_fills_in_place_and_accepts_arrays():
    t = fresh(np.float32)
    data = t.array
    init.kaiming_uniform_(t)
    assert t.array is data and t.array.dtype == np.float32 and np.isfinite(t.array).all()
    array = np.zeros((4, 4))
    assert init.xavier_uniform_(array) is array and array.any()


def test_draws_come_from_v2_tensor_seed_or_given_generator():
    vt.manual_seed(7)
    a = init.normal_(vt.Tensor(np.zeros((3, 4)))).array.copy()
    vt.manual_seed(7)
    b = init.normal_(vt.Tensor(np.zeros((3, 4)))).array.copy()
    np.testing.assert_array_equal(a, b)
    c = init.normal_(vt.Tensor(np.zeros((3, 4))), generator=np.random.default_rng(7)).array
    d = init.normal_(vt.Tensor(np.zeros((3, 4))), generator=np.random.default_rng(7)).array
    np.testing.assert_array_equal(c, d)


# ---- the rest of torch.nn.init ------------------------------------------------------------------


def test_every_fill_is_an_in_place_op_under_no_grad():
    param = vt.Tensor(np.zeros((4, 5)), requires_grad=True)  # a leaf, as a Parameter is
    data = param.array
    for fill in (
        lambda t: init.uniform_(t),
        lambda t: init.normal_(t),
        lambda t: init.trunc_normal_(t),
        lambda t: init.constant_(t, 0.5),
        lambda t: init.zeros_(t),
        lambda t: init.eye_(t),
        lambda t: init.xavier_uniform_(t),
        lambda t: init.kaiming_normal_(t),
        lambda t: init.orthogonal_(t),
        lambda t: init.sparse_(t, 0.5),
    ):
        version = param._version
        assert fill(param) is param
        assert param.array is data and param._version == version + 1
        assert param.requires_grad and param.grad_fn is None


def test_trunc_normal_stays_in_bounds_with_the_truncated_moments():
    t = fresh()
    init.trunc_normal_(t, mean=0.5, std=1.0, a=-1.0, b=2.0)
    values = t.array
    assert values.min() >= -1.0 and values.max() <= 2.0
    samples = torch.nn.init.trunc_normal_(torch.empty(SHAPE, dtype=torch.float64), 0.5, 1.0, -1, 2)
    assert values.mean() == pytest.approx(samples.mean().item(), abs=0.01)
    assert values.std() == pytest.approx(samples.std().item(), rel=0.01)
    narrow = init.trunc_normal_(vt.Tensor(np.zeros(100_000)), mean=0.0, std=1.0, a=2.0, b=2.5)
    assert narrow.array.min() >= 2.0 and narrow.array.max() <= 2.5  # the uniform-proposal path
    twin = torch.nn.init.trunc_normal_(torch.empty(100_000, dtype=torch.float64), 0, 1, 2, 2.5)
    assert narrow.array.mean() == pytest.approx(twin.mean().item(), abs=0.01)
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(vt.Tensor(np.zeros(10)), mean=5.0, std=1.0, a=-1.0, b=1.0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    t = vt.Tensor(np.zeros(shape))
    init.orthogonal_(t, gain=2.0)
    flat = t.array.reshape(shape[0], -1) / 2.0
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(len(gram)), atol=1e-12)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(vt.Tensor(np.zeros(3)))


def test_eye_dirac_and_sparse_match_torch():
    for shape in [(3, 5), (4, 2)]:
        np.testing.assert_array_equal(
            init.eye_(vt.Tensor(np.ones(shape))).array,
            torch.nn.init.eye_(torch.ones(shape, dtype=torch.float64)).numpy(),
        )
    for shape, groups in [((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 2, 1, 3, 3), 1)]:
        np.testing.assert_array_equal(
            init.dirac_(vt.Tensor(np.ones(shape)), groups).array,
            torch.nn.init.dirac_(torch.ones(shape, dtype=torch.float64), groups).numpy(),
        )
    t = init.sparse_(vt.Tensor(np.ones((10, 6))), sparsity=0.3, std=0.5)
    assert all(np.sum(t.array[:, col] == 0) == 3 for col in range(6))  # ceil(0.3 * 10) each
    for lib_init, make in ((init, lambda s: vt.Tensor(np.zeros(s))), (torch.nn.init, torch.zeros)):
        with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
            lib_init.eye_(make((2, 2, 2)))
        with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
            lib_init.dirac_(make((2, 2)))
        with pytest.raises(ValueError, match="divisible by groups"):
            lib_init.dirac_(make((3, 2, 2)), groups=2)
        with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
            lib_init.sparse_(make((2, 2, 2)), 0.1)


def test_generator_argument_takes_a_v2_tensor_generator():
    g = vt.Generator().manual_seed(3)
    a = init.kaiming_uniform_(vt.Tensor(np.zeros((4, 4))), generator=g).array.copy()
    g.manual_seed(3)
    b = init.kaiming_uniform_(vt.Tensor(np.zeros((4, 4))), generator=g).array
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="generator"):
        init.normal_(vt.Tensor(np.zeros(2)), generator="seed")
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(vt.Tensor(np.zeros((0, 3))))
