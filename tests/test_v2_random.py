"""Random numbers: the draws cannot equal torch's (another generator), so they are checked by
statistics on large draws, by reproducibility under a seed, by the independence of Generator
objects, and by shapes, dtypes and exception types against torch."""

import math

import numpy as np
import pytest
import torch

import v2_tensor as vt
from tests.v2_cases import assert_same, outcome

N = 200_000  # draws per statistic: the standard error of a mean is ~0.002 sd


def _mean_sd(t):
    a = np.asarray(t.array, dtype=float)
    return a.mean(), a.std()


def test_uniform_and_normal_moments():
    vt.manual_seed(0)
    mean, sd = _mean_sd(vt.rand(N))
    assert abs(mean - 0.5) < 0.005 and abs(sd - math.sqrt(1 / 12)) < 0.005
    mean, sd = _mean_sd(vt.randn(N, dtype=vt.float64))
    assert abs(mean) < 0.01 and abs(sd - 1) < 0.01
    mean, sd = _mean_sd(vt.rand_like(vt.zeros(N, dtype=vt.float64)))
    assert abs(mean - 0.5) < 0.005
    mean, sd = _mean_sd(vt.randn_like(vt.zeros(N)))
    assert abs(mean) < 0.01 and abs(sd - 1) < 0.01


def test_randint_is_uniform_on_its_range():
    vt.manual_seed(1)
    draws = vt.randint(-3, 4, (N,)).array
    assert draws.min() == -3 and draws.max() == 3
    counts = np.bincount(draws + 3) / N
    np.testing.assert_allclose(counts, 1 / 7, atol=0.005)
    like = vt.randint_like(vt.zeros(N), 5, 10).array
    assert like.dtype == np.float32 and set(np.unique(like)) == {5, 6, 7, 8, 9}
    assert vt.randint(0, 2**40, (10,)).array.max() > 2**32  # the range of int64


def test_randperm_is_a_permutation():
    vt.manual_seed(2)
    for n in (0, 1, 7, 100):
        assert sorted(vt.randperm(n).tolist()) == list(range(n))
    # every position is equally likely to hold 0
    first = np.array([vt.randperm(4).tolist().index(0) for _ in range(4000)])
    np.testing.assert_allclose(np.bincount(first) / 4000, 0.25, atol=0.03)


def test_normal_forms_have_the_given_moments():
    vt.manual_seed(3)
    mean = vt.tensor([0.0, 10.0]).expand(N, 2)
    std = vt.tensor([1.0, 3.0])
    draws = vt.normal(mean, std).array
    np.testing.assert_allclose(draws.mean(0), [0, 10], atol=0.03)
    np.testing.assert_allclose(draws.std(0), [1, 3], atol=0.03)
    draws = vt.normal(mean, 2.0).array
    np.testing.assert_allclose(draws.std(0), [2, 2], atol=0.03)
    draws = vt.normal(-1.0, std.expand(N, 2)).array
    np.testing.assert_allclose(draws.mean(0), [-1, -1], atol=0.03)
    draws = vt.normal(5.0, 0.5, (N,)).array
    assert abs(draws.mean() - 5) < 0.01 and abs(draws.std() - 0.5) < 0.01


def test_bernoulli_poisson_multinomial_frequencies():
    vt.manual_seed(4)
    p = vt.tensor([0.0, 0.2, 0.9, 1.0]).expand(N // 4, 4)
    np.testing.assert_allclose(vt.bernoulli(p).array.mean(0), [0, 0.2, 0.9, 1], atol=0.01)
    np.testing.assert_allclose(p.bernoulli(0.3).array.mean(), 0.3, atol=0.01)
    rates = vt.tensor([0.5, 4.0]).expand(N // 2, 2)
    counts = vt.poisson(rates).array
    np.testing.assert_allclose(counts.mean(0), [0.5, 4], rtol=0.02)
    np.testing.assert_allclose(counts.var(0), [0.5, 4], rtol=0.05)
    weights = vt.tensor([1.0, 0.0, 3.0, 6.0])  # unnormalised
    draws = vt.multinomial(weights, N, replacement=True).array
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / N, [0.1, 0, 0.3, 0.6], atol=0.01)
    # without replacement: distinct indices, the heavier first more often, zero weight last
    rows = vt.multinomial(weights.expand(20000, 4), 4).array
    assert all(sorted(row) == [0, 1, 2, 3] for row in rows[:200].tolist())
    assert np.all(rows[:, 3] == 1)
    np.testing.assert_allclose(
        np.bincount(rows[:, 0], minlength=4) / 20000, [0.1, 0, 0.3, 0.6], atol=0.02
    )
    # the second pick, given the first: P(2nd = 2 | 1st = 3) = 3 / 4
    second = rows[rows[:, 0] == 3, 1]
    assert abs((second == 2).mean() - 0.75) < 0.02


def test_in_place_samplers_have_the_given_moments():
    vt.manual_seed(5)
    x = vt.empty(N, dtype=vt.float64)
    mean, sd = _mean_sd(x.normal_(2.0, 0.5))
    assert abs(mean - 2) < 0.01 and abs(sd - 0.5) < 0.01
    a = x.uniform_(-1.0, 3.0).array
    assert a.min() >= -1 and a.max() < 3 and abs(a.mean() - 1) < 0.02
    assert abs(x.exponential_(4.0).array.mean() - 0.25) < 0.005
    g = x.geometric_(0.25).array
    assert g.min() == 1 and abs(g.mean() - 4) < 0.05 and np.all(g == np.round(g))
    logs = np.log(x.log_normal_(1.0, 0.5).array)
    assert abs(logs.mean() - 1) < 0.01 and abs(logs.std() - 0.5) < 0.01
    c = x.cauchy_(2.0, 3.0).array
    np.testing.assert_allclose(np.percentile(c, [25, 50, 75]), [-1, 2, 5], atol=0.1)
    assert abs(x.bernoulli_(0.3).array.mean() - 0.3) < 0.01
    assert abs(x.bernoulli_(vt.full((N,), 0.7, dtype=vt.float64)).array.mean() - 0.7) < 0.01
    r = x.random_(3, 7).array
    assert set(np.unique(r)) == {3, 4, 5, 6}
    assert set(np.unique(x.random_(4).array)) == {0, 1, 2, 3}
    big = vt.zeros(1000, dtype=vt.int64).random_().array
    assert big.min() >= 0 and big.max() > 2**60  # [0, 2^63) for int64, as torch
    small = vt.zeros(1000).random_().array  # float32: integers exactly representable
    assert small.max() <= 2**24 and small.max() > 2**20


SAMPLERS = {
    "rand": lambda g: vt.rand(3, 2, generator=g),
    "randn": lambda g: vt.randn((4,), generator=g),
    "randint": lambda g: vt.randint(0, 100, (5,), generator=g),
    "randperm": lambda g: vt.randperm(10, generator=g),
    "normal": lambda g: vt.normal(0.0, 1.0, (3,), generator=g),
    "normal_tensors": lambda g: vt.normal(vt.zeros(3), vt.ones(3), generator=g),
    "bernoulli": lambda g: vt.bernoulli(vt.full((8,), 0.5), generator=g),
    "multinomial": lambda g: vt.multinomial(vt.ones(6), 3, generator=g),
    "poisson": lambda g: vt.poisson(vt.full((5,), 3.0), g),
    "randint_like": lambda g: vt.randint_like(vt.zeros(4), 50, generator=g),
    "rand_like": lambda g: vt.rand_like(vt.zeros(4), generator=g),
    "normal_": lambda g: vt.zeros(4).normal_(generator=g),
    "uniform_": lambda g: vt.zeros(4).uniform_(generator=g),
    "exponential_": lambda g: vt.zeros(4).exponential_(generator=g),
    "geometric_": lambda g: vt.zeros(4).geometric_(0.5, generator=g),
    "log_normal_": lambda g: vt.zeros(4).log_normal_(generator=g),
    "cauchy_": lambda g: vt.zeros(4).cauchy_(generator=g),
    "bernoulli_": lambda g: vt.zeros(8).bernoulli_(0.5, generator=g),
    "random_": lambda g: vt.zeros(4).random_(100, generator=g),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_seed_repeats_and_generators_are_independent(name):
    draw = SAMPLERS[name]
    vt.manual_seed(123)
    first = draw(None).tolist()
    vt.manual_seed(123)
    assert draw(None).tolist() == first  # the global generator repeats under a seed
    g1, g2 = vt.Generator().manual_seed(7), vt.Generator().manual_seed(7)
    state = vt.get_rng_state()
    from_g1 = draw(g1).tolist()
    assert vt.get_rng_state() == state  # a Generator leaves the global stream alone
    assert draw(g2).tolist() == from_g1  # the same seed, the same numbers
    assert draw(g1).tolist() != from_g1 or name in ("bernoulli_", "bernoulli", "random_")


def test_seeds_read_as_torch_reads_them():
    for seed in (0, 3, 2**63, 2**64 - 1, -1, -5, -(2**63), 3.7, "12"):
        assert vt.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()
        assert vt.initial_seed() == torch.initial_seed()
        assert_same(lambda L, s=seed: L.Generator().manual_seed(s).initial_seed())
    for seed in (2**64, -(2**63) - 1, None, "x"):
        _, expected = outcome(torch, lambda L, s=seed: L.manual_seed(s))
        with pytest.raises(type(expected)):
            vt.manual_seed(seed)
    new = vt.seed()
    assert vt.initial_seed() == new
    g = vt.Generator()
    fresh = g.seed()
    assert g.initial_seed() == fresh and fresh != vt.Generator().initial_seed()
    assert g.device == vt.device("cpu")
    torch.manual_seed(0)


# ---- shapes and dtypes of every calling form, against torch ----------------------------------

FORMS = {
    "rand_ints": lambda L: L.rand(2, 3),
    "rand_tuple": lambda L: L.rand((2, 3)),
    "rand_list": lambda L: L.rand([2, 3]),
    "rand_size_keyword": lambda L: L.rand(size=(2, 3)),
    "rand_0d": lambda L: L.rand(()),
    "rand_float64": lambda L: L.rand(2, dtype=L.float64),
    "rand_requires_grad": lambda L: L.rand(2, requires_grad=True),
    "randn_size_keyword": lambda L: L.randn(size=(4,), dtype=L.float64),
    "randint_high": lambda L: L.randint(10, (2, 2)),
    "randint_low_high": lambda L: L.randint(3, 10, (2,)),
    "randint_size_keyword": lambda L: L.randint(10, size=(2,)),
    "randint_keywords": lambda L: L.randint(low=3, high=10, size=(2,)),
    "randint_high_keyword": lambda L: L.randint(high=10, size=[3]),
    "randint_float": lambda L: L.randint(10, (2,), dtype=L.float32),
    "randint_float_grad": lambda L: L.randint(10, (2,), dtype=L.float64, requires_grad=True),
    "randint_int8": lambda L: L.randint(-128, 128, (5,), dtype=L.int8),
    "randperm": lambda L: L.randperm(5),
    "randperm_float": lambda L: L.randperm(5, dtype=L.float32),
    "randperm_0": lambda L: L.randperm(0),
    "rand_like": lambda L: L.rand_like(L.zeros(2, 3, dtype=L.float64)),
    "rand_like_dtype": lambda L: L.rand_like(L.zeros(2, dtype=L.int64), dtype=L.float64),
    "randn_like": lambda L: L.randn_like(L.zeros(2, 3)),
    "randint_like": lambda L: L.randint_like(L.zeros(2, 3), 10),
    "randint_like_low_high": lambda L: L.randint_like(L.zeros(2, dtype=L.int32), 3, 10),
    "randint_like_keywords": lambda L: L.randint_like(L.zeros(2), low=2, high=10),
    "randint_like_dtype": lambda L: L.randint_like(L.zeros(2), 10, dtype=L.int16),
    "normal_tensors": lambda L: L.normal(L.zeros(2, 3), L.ones(2, 3)),
    "normal_broadcast": lambda L: L.normal(L.zeros(2, 1), L.ones(3)),
    "normal_mean_tensor": lambda L: L.normal(L.zeros(2, 3, dtype=L.float64)),
    "normal_std_tensor": lambda L: L.normal(1.0, L.ones(4)),
    "normal_numbers": lambda L: L.normal(0.0, 1.0, (2, 3)),
    "normal_numbers_size_keyword": lambda L: L.normal(2, 3, size=(2,)),
    "normal_numbers_dtype": lambda L: L.normal(0.0, 1.0, (2,), dtype=L.float64),
    "normal_numbers_grad": lambda L: L.normal(0.0, 1.0, (2,), requires_grad=True),
    "normal_mixed_dtypes": lambda L: L.normal(L.zeros(2, dtype=L.float64), L.ones(2)),
    "normal_empty": lambda L: L.normal(L.zeros(0), L.ones(0)),
    "bernoulli": lambda L: L.bernoulli(L.full((3,), 0.5)),
    "bernoulli_float64": lambda L: L.full((3,), 0.5, dtype=L.float64).bernoulli(),
    "bernoulli_p": lambda L: L.bernoulli(L.zeros(3), 0.2),
    "bernoulli_p_int": lambda L: L.bernoulli(L.zeros(3, dtype=L.int64), 0.5),
    "bernoulli_method_p": lambda L: L.zeros(2, 2).bernoulli(p=0.1),
    "multinomial": lambda L: L.multinomial(L.tensor([0.1, 0.2, 0.7]), 2),
    "multinomial_rows": lambda L: L.multinomial(L.ones(3, 4, dtype=L.float64), 2, True),
    "multinomial_method": lambda L: L.tensor([1.0, 2.0]).multinomial(5, replacement=True),
    "multinomial_all": lambda L: L.multinomial(L.tensor([2.0, 1.0, 0.0]), 3),
    "poisson": lambda L: L.poisson(L.full((2, 3), 2.0)),
    "poisson_float64": lambda L: L.poisson(L.full((3,), 2.0, dtype=L.float64)),
    "geometric_int": lambda L: L.zeros(3, dtype=L.int64).geometric_(0.5),
    "bernoulli__int": lambda L: L.zeros(3, dtype=L.int64).bernoulli_(0.5),
    "bernoulli__bool": lambda L: L.zeros(3, dtype=L.bool).bernoulli_(0.5),
    "random__int": lambda L: L.zeros(3, dtype=L.int64).random_(-3, 5),
    "random__bool": lambda L: L.zeros(3, dtype=L.bool).random_(),
}


@pytest.mark.parametrize("name", FORMS)
def test_calling_forms_give_torch_shapes_and_dtypes(name):
    assert_same(FORMS[name], values=False)


def test_draws_are_zero_gradient_functions_of_their_parameters():
    """torch.normal, bernoulli and poisson record the op; the gradient is zero."""
    for call in (
        lambda L, m: L.normal(m, 1.0),
        lambda L, m: L.normal(m, m.abs() + 1),
        lambda L, m: L.normal(0.0, m.abs()),
        lambda L, m: L.bernoulli(m.sigmoid()),
        lambda L, m: L.poisson(m.abs()),
    ):
        grads = []
        for L in (torch, vt):
            m = L.tensor([0.5, -1.0, 2.0], dtype=L.float64, requires_grad=True)
            out = call(L, m)
            assert out.requires_grad
            out.sum().backward()
            grads.append(np.asarray(m.grad.detach() if L is torch else m.grad.array))
        np.testing.assert_array_equal(grads[0], grads[1])
        assert not grads[1].any()


ERRORS = {
    "rand_no_size": lambda L: L.rand(),
    "rand_negative": lambda L: L.rand(-1),
    "rand_float_size": lambda L: L.rand(2.5),
    "rand_int_dtype": lambda L: L.rand(2, 3, dtype=L.int64),
    "randn_int_dtype": lambda L: L.randn(2, dtype=L.int32),
    "rand_bad_generator": lambda L: L.rand(3, generator=1),
    "rand_like_int": lambda L: L.rand_like(L.zeros(2, dtype=L.int64)),
    "randn_like_int": lambda L: L.randn_like(L.zeros(2, dtype=L.int64)),
    "randint_no_size": lambda L: L.randint(10),
    "randint_int_size": lambda L: L.randint(10, 2),
    "randint_empty_range": lambda L: L.randint(10, 3, (2,)),
    "randint_requires_grad": lambda L: L.randint(10, (2,), requires_grad=True),
    "randint_out_of_dtype": lambda L: L.randint(0, 300, (3,), dtype=L.uint8),
    "randint_like_empty_range": lambda L: L.randint_like(L.zeros(2), 5, 2),
    "randperm_negative": lambda L: L.randperm(-1),
    "randperm_requires_grad": lambda L: L.randperm(5, requires_grad=True),
    "normal_numbers_no_size": lambda L: L.normal(0.0, 1.0),
    "normal_negative_std": lambda L: L.normal(0.0, -1.0, (2,)),
    "normal_negative_std_tensor": lambda L: L.normal(L.zeros(2), -L.ones(2)),
    "normal_negative_std_number": lambda L: L.normal(L.zeros(2), -1.0),
    "normal_shapes": lambda L: L.normal(L.zeros(2, 3), L.ones(4)),
    "normal_int": lambda L: L.normal(L.zeros(2, dtype=L.int64), 1.0),
    "normal_tensor_with_size": lambda L: L.normal(L.zeros(2), 1.0, (2,)),
    "bernoulli_out_of_range": lambda L: L.bernoulli(L.full((3,), 1.5)),
    "bernoulli_int": lambda L: L.bernoulli(L.tensor([1, 0])),
    "bernoulli_bool": lambda L: L.bernoulli(L.tensor([True])),
    "bernoulli_p_tensor": lambda L: L.bernoulli(L.zeros(1), p=L.tensor([0.2])),
    "bernoulli__out_of_range": lambda L: L.zeros(3).bernoulli_(1.5),
    "multinomial_too_many": lambda L: L.multinomial(L.tensor([0.1, 0.2, 0.7]), 5),
    "multinomial_negative": lambda L: L.multinomial(L.tensor([-0.1, 0.2, 0.7]), 1),
    "multinomial_zero_sum": lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1),
    "multinomial_int": lambda L: L.multinomial(L.tensor([1, 2]), 1),
    "multinomial_zero_samples": lambda L: L.multinomial(L.tensor([0.1, 0.2]), 0),
    "multinomial_0d": lambda L: L.multinomial(L.tensor(0.5), 1),
    "multinomial_3d": lambda L: L.multinomial(L.ones(2, 2, 2), 1),
    "multinomial_inf": lambda L: L.multinomial(L.tensor([math.inf, 1.0]), 1),
    "multinomial_nan": lambda L: L.multinomial(L.tensor([math.nan, 1.0]), 1),
    "multinomial_empty": lambda L: L.multinomial(L.ones(0), 1),
    "poisson_negative": lambda L: L.poisson(L.tensor([-1.0])),
    "poisson_int": lambda L: L.poisson(L.tensor([1, 2])),
    "geometric_p": lambda L: L.zeros(3).geometric_(1.5),
    "geometric_zero": lambda L: L.zeros(3).geometric_(0),
    "log_normal_std": lambda L: L.zeros(3).log_normal_(1, -2),
    "cauchy_sigma": lambda L: L.zeros(3).cauchy_(0, -1),
    "exponential_int": lambda L: L.zeros(3, dtype=L.int64).exponential_(),
    "normal__int": lambda L: L.zeros(3, dtype=L.int64).normal_(),
    "uniform__int": lambda L: L.zeros(3, dtype=L.int64).uniform_(),
    "uniform__range": lambda L: L.zeros(3).uniform_(2, 1),
    "random__range": lambda L: L.zeros(3).random_(5, 2),
    "random__negative_to": lambda L: L.zeros(2).random_(-3),
    "random__out_of_dtype": lambda L: L.zeros(2, dtype=L.uint8).random_(300),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_input_raises_as_torch(name):
    _, error = outcome(torch, ERRORS[name])
    assert error is not None, f"torch accepts {name}: not an error case"
    assert_same(ERRORS[name])
