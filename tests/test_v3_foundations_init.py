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
