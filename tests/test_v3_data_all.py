"""v3_nn.data (also v3_nn.utils.data) against torch.utils.data: datasets, samplers, collation,
and the DataLoader in this process and with worker processes (order, seeding, errors with
their traceback, persistent workers, timeouts). Worker tests use tiny datasets and 2 workers."""

import inspect
import os
import pickle
import random
import time
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from torch.utils.data._utils.worker import _generate_state
from v3_nn.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)

import v2_tensor as vt
import v3_nn
from v3_nn.utils import data


def plain(value):
    """Tensors of either library as (dtype name, nested lists); containers kept."""
    if isinstance(value, vt.Tensor):
        return ("tensor", str(value.dtype), value.tolist())
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype).removeprefix("torch."), value.tolist())
    if isinstance(value, dict):
        return (type(value).__name__, {k: plain(v) for k, v in value.items()})
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return ("namedtuple", type(value).__name__, [plain(v) for v in value])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [plain(v) for v in value])
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.tolist())
    return value


def numbered(n=10):
    return TensorDataset(np.arange(n * 2.0).reshape(n, 2), np.arange(n))


def torch_numbered(n=10):
    return tud.TensorDataset(
        torch.arange(n * 2.0, dtype=torch.float64).reshape(n, 2), torch.arange(n)
    )


def test_the_modules_answer_under_torchs_paths():
    from v3_nn.utils.data import dataloader, dataset, sampler
    from v3_nn.utils.data._utils.collate import default_collate as collate_from_utils
    from v3_nn.utils.data.dataset import Dataset as DatasetFromModule

    import v3_nn.data as same

    assert data is same and v3_nn.utils.data is v3_nn.data
    assert dataset is same.dataset and sampler is same.sampler and dataloader is same.dataloader
    assert DatasetFromModule is Dataset and collate_from_utils is default_collate
    assert set(tud.__all__) - set(data.__all__) <= {
        "DFIterDataPipe", "DataChunk", "DistributedSampler", "IterDataPipe", "MapDataPipe",
        "_DatasetKind", "argument_validation", "functional_datapipe",
        "guaranteed_datapipes_determinism", "non_deterministic", "runtime_validation",
        "runtime_validation_disabled",
    }  # fmt: skip


def test_dataloader_takes_torchs_whole_signature_with_its_defaults():
    ours = inspect.signature(DataLoader).parameters
    for name, parameter in inspect.signature(tud.DataLoader).parameters.items():
        assert name in ours, name
        assert ours[name].default == parameter.default, name
        assert ours[name].kind == parameter.kind, name


# ---- datasets --------------------------------------------------------------------------------


def test_datasets_index_as_torchs():
    base, torch_base = numbered(6), torch_numbered(6)
    pairs = [
        (Subset(base, [5, 0, 2]), tud.Subset(torch_base, [5, 0, 2])),
        (ConcatDataset([base, numbered(3)]), tud.ConcatDataset([torch_base, torch_numbered(3)])),
        (base + numbered(2), torch_base + torch_numbered(2)),
        (StackDataset(base, numbered(6)), tud.StackDataset(torch_base, torch_numbered(6))),
        (StackDataset(a=base, b=numbered(6)), tud.StackDataset(a=torch_base, b=torch_numbered(6))),
    ]
    for ours, theirs in pairs:
        assert len(ours) == len(theirs)
        for i in [*range(len(theirs)), -1, -len(theirs)]:
            assert plain(ours[i]) == plain(theirs[i]), (type(ours).__name__, i)
    concat = ConcatDataset([base, numbered(3)])
    assert concat.cumulative_sizes == [6, 9]
    with pytest.raises(ValueError, match="absolute value of index"):
        concat[-10]
    stack = StackDataset(a=Subset(base, [1, 2, 3]), b=numbered(3))
    assert plain(stack.__getitems__([2, 0])) == plain(
        tud.StackDataset(a=tud.Subset(torch_base, [1, 2, 3]), b=torch_numbered(3)).__getitems__(
            [2, 0]
        )
    )
    assert plain(base[np.array([1, 3])]) == plain(torch_base[torch.tensor([1, 3])])


class Count(IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.start, self.stop))
        return iter(range(self.start + info.id, self.stop, info.num_workers))

    def __len__(self):
        return self.stop - self.start


class TorchCount(tud.IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        info = tud.get_worker_info()
        if info is None:
            return iter(range(self.start, self.stop))
        return iter(range(self.start + info.id, self.stop, info.num_workers))


def test_chain_dataset_and_errors_as_torch():
    assert list(ChainDataset([Count(0, 3), Count(10, 12)])) == [0, 1, 2, 10, 11]
    assert list(Count(0, 2) + Count(5, 6)) == [0, 1, 5]
    assert len(ChainDataset([Count(0, 3), Count(0, 4)])) == 7
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([numbered(), Count(0, 1)])
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(ChainDataset([numbered()]))
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(numbered(3), numbered(4))
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset(numbered(3), b=numbered(3))

    class Doubled(Subset):
        def __getitem__(self, i):
            return 2 * super().__getitem__(i)

    with pytest.raises(NotImplementedError, match="__getitems__"):
        Doubled(numbered(), [0])


@pytest.mark.filterwarnings("ignore:Length of split at index")
@pytest.mark.parametrize(
    "lengths", [[3, 7], [0.3, 0.7], [0.25, 0.25, 0.5], [1 / 3, 1 / 3, 1 / 3], [10, 0], [1.0, 0.0]]
)
def test_random_split_sizes_as_torch_and_a_partition(lengths):
    # a split of length 0 from fractions is warned about (as torch)
    fractions = isinstance(lengths[0], float)
    with pytest.warns(UserWarning) if fractions and 0.0 in lengths else _no_warning():
        ours = random_split(numbered(10), lengths, generator=vt.Generator().manual_seed(1))
    theirs = tud.random_split(torch_numbered(10), lengths, generator=torch.Generator())
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    indices = [i for subset in ours for i in subset.indices]
    assert sorted(indices) == list(range(10))
    again = random_split(numbered(10), lengths, generator=vt.Generator().manual_seed(1))
    assert [s.indices for s in again] == [s.indices for s in ours]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(numbered(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0"):
        random_split(numbered(10), [1.5, -0.5])


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---- samplers --------------------------------------------------------------------------------


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 11])
def test_sequential_and_batch_samplers_give_torchs_indices(batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(10)), batch_size, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(10)), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(BatchSampler(range(7), batch_size, drop_last)) == list(
        tud.BatchSampler(range(7), batch_size, drop_last)
    )


def test_sampler_argument_errors_as_torch():
    for make, error in [
        (lambda m: m.RandomSampler(range(3), replacement=1), TypeError),
        (lambda m: m.RandomSampler(range(3), num_samples=0), ValueError),
        (lambda m: m.RandomSampler([], num_samples=None), ValueError),
        (lambda m: m.BatchSampler(range(3), 0, False), ValueError),
        (lambda m: m.BatchSampler(range(3), 2, 1), ValueError),
        (lambda m: m.WeightedRandomSampler([1.0, 2.0], num_samples=True), ValueError),
        (lambda m: m.WeightedRandomSampler([[1.0, 2.0]], num_samples=2), ValueError),
    ]:
        with pytest.raises(error):
            make(tud)
        with pytest.raises(error):
            make(data)


def test_random_sampler_is_a_new_permutation_each_pass_and_reproducible():
    sampler = RandomSampler(range(20), generator=vt.Generator().manual_seed(3))
    passes = [list(sampler) for _ in range(3)]
    assert all(sorted(p) == list(range(20)) for p in passes) and passes[0] != passes[1]
    again = RandomSampler(range(20), generator=vt.Generator().manual_seed(3))
    assert [list(again) for _ in range(3)] == passes
    vt.manual_seed(5)
    first = list(RandomSampler(range(20)))
    vt.manual_seed(5)
    assert list(RandomSampler(range(20))) == first  # a private generator seeded globally
    # num_samples beyond len: whole permutations, then part of one (as torch)
    long = list(RandomSampler(range(4), num_samples=10, generator=np.random.default_rng(0)))
    assert len(long) == 10 and sorted(long[:4]) == sorted(long[4:8]) == [0, 1, 2, 3]
    assert len(set(long[8:])) == 2


def test_random_sampler_with_replacement_is_uniform():
    draws = list(RandomSampler(range(5), replacement=True, num_samples=20_000))
    counts = np.bincount(draws, minlength=5)
    expected = 20_000 / 5
    assert np.abs(counts - expected).max() < 5 * np.sqrt(expected * 0.8)  # 5 sigma
    assert len(RandomSampler(range(5), replacement=True, num_samples=37)) == 37
    assert len(list(RandomSampler(range(5), replacement=True, num_samples=37))) == 37


def test_subset_random_sampler_permutes_the_given_indices():
    sampler = SubsetRandomSampler([10, 20, 30, 40], generator=vt.Generator().manual_seed(0))
    orders = [list(sampler) for _ in range(10)]
    assert all(sorted(o) == [10, 20, 30, 40] for o in orders) and len(sampler) == 4
    assert len({tuple(o) for o in orders}) > 1


def test_weighted_random_sampler_draws_in_proportion_to_the_weights():
    weights = [1.0, 0.0, 3.0, 6.0]
    draws = list(WeightedRandomSampler(weights, 30_000, generator=vt.Generator().manual_seed(0)))
    frequencies = np.bincount(draws, minlength=4) / 30_000
    np.testing.assert_allclose(frequencies, [0.1, 0.0, 0.3, 0.6], atol=0.015)
    # torch draws the same distribution
    torch_draws = list(tud.WeightedRandomSampler(weights, 30_000))
    np.testing.assert_allclose(
        np.bincount(torch_draws, minlength=4) / 30_000, frequencies, atol=0.02
    )
    without = list(WeightedRandomSampler(weights, 3, replacement=False))
    assert sorted(without) == [0, 2, 3]
    with pytest.raises(RuntimeError, match="without replacement"):
        list(WeightedRandomSampler(weights, 4, replacement=False))
    with pytest.raises(RuntimeError, match="non-negative"):
        list(WeightedRandomSampler([1.0, -1.0], 2))


# ---- collation -------------------------------------------------------------------------------

Point = namedtuple("Point", ["x", "y"])


def sample_batches():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(3)]
    return [
        [1, 2, 3],
        [1.5, 2.0, -3.25],
        [True, False, True],
        ["a", "bc", "d"],
        [b"x", b"y", b"z"],
        [np.float32(1.5), np.float32(2.5), np.float32(0)],
        [np.int16(1), np.int16(2), np.int16(3)],
        arrays,
        [(1, "a", 2.0), (2, "b", 3.0), (3, "c", 4.0)],
        [[1, 2], [3, 4], [5, 6]],
        [{"x": 1, "y": [1.0, 2.0]}, {"x": 2, "y": [3.0, 4.0]}, {"x": 3, "y": [5.0, 6.0]}],
        [OrderedDict(a=1, b=2.0), OrderedDict(a=3, b=4.0), OrderedDict(a=5, b=6.0)],
        [Point(1, 2.0), Point(3, 4.0), Point(5, 6.0)],
        [(np.zeros(2), {"label": 1}), (np.ones(2), {"label": 0}), (np.ones(2), {"label": 1})],
    ]


def to_torch_batch(batch):
    def convert(value):
        if isinstance(value, vt.Tensor):
            return torch.from_numpy(value.array)
        return value

    return [convert(v) for v in batch]


@pytest.mark.parametrize("index", range(len(sample_batches())))
def test_default_collate_builds_torchs_batches(index):
    batch = sample_batches()[index]
    assert plain(default_collate(batch)) == plain(tud.default_collate(batch))
    tensors = [vt.tensor([float(i), 2.0]) for i in range(3)]
    assert plain(default_collate(tensors)) == plain(
        tud.default_collate([torch.from_numpy(t.array) for t in tensors])
    )


@pytest.mark.parametrize("index", range(len(sample_batches())))
def test_default_convert_as_torch(index):
    sample = sample_batches()[index][0]
    assert plain(default_convert(sample)) == plain(tud.default_convert(sample))


def test_numpy_arrays_become_tensors_sharing_memory_without_batching():
    array = np.arange(6.0).reshape(2, 3)
    converted = default_convert(array)
    assert isinstance(converted, vt.Tensor) and np.shares_memory(converted.array, array)
    loader = DataLoader([array, array + 1], batch_size=None)
    first = next(iter(loader))
    assert isinstance(first, vt.Tensor) and np.shares_memory(first.array, array)
    strings = np.array(["a", "b"])
    assert default_convert(strings) is strings  # torch leaves string arrays alone


def test_collation_errors_as_torch():
    for batch, error, message in [
        ([object(), object()], TypeError, "batch must contain tensors"),
        ([(1, 2), (3,)], RuntimeError, "equal size"),
        ([np.array(["a"]), np.array(["b"])], TypeError, "batch must contain"),
        ([vt.zeros(2), vt.zeros(3)], RuntimeError, "equal size"),
    ]:
        with pytest.raises(error, match=message):
            default_collate(batch)
    with pytest.raises(TypeError):
        tud.default_collate([object(), object()])


def test_collated_tensors_that_need_grad_keep_their_graph():
    leaves = [vt.tensor([1.0, 2.0], requires_grad=True) for _ in range(2)]
    batch = default_collate(leaves)
    batch.sum().backward()
    assert leaves[0].grad.tolist() == [1.0, 1.0]


# ---- the DataLoader in this process ----------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(batch_size=3),
        dict(batch_size=4, drop_last=True),
        dict(batch_size=None),
        dict(batch_sampler=[[3, 1], [0], [9, 8, 7]]),
        dict(sampler=[9, 0, 5, 5], batch_size=3),
        dict(batch_size=2, collate_fn=lambda batch: len(batch)),
    ],
)
def test_batches_and_len_as_torch(kwargs):
    ours = DataLoader(numbered(), **kwargs)
    theirs = tud.DataLoader(torch_numbered(), **kwargs)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]
    assert len(ours) == len(theirs)


def test_a_dataset_without_fast_path_is_collated_sample_by_sample_as_torch():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(3, float(i)), "y": i * i, "name": f"n{i}"}

    ours = [plain(b) for b in DataLoader(Squares(), batch_size=2)]
    squares = Squares()
    theirs = [plain(b) for b in tud.DataLoader(squares, batch_size=2)]
    assert ours == theirs


def test_shuffle_with_a_generator_or_seed_is_reproducible():
    def epochs(loader, count=3):
        return [np.concatenate([y.array for _, y in loader]) for _ in range(count)]

    a = epochs(
        DataLoader(
            numbered(30), batch_size=4, shuffle=True, generator=vt.Generator().manual_seed(2)
        )
    )
    b = epochs(DataLoader(numbered(30), batch_size=4, shuffle=True, seed=2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert all(sorted(e) == list(range(30)) for e in a) and not np.array_equal(a[0], a[1])
    with pytest.raises(TypeError, match="generator must be"):
        DataLoader(numbered(), shuffle=True, generator=torch.Generator())


def test_iterable_dataset_in_this_process_as_torch():
    for kwargs in [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)]:
        ours = [plain(b) for b in DataLoader(Count(0, 8), **kwargs)]
        theirs = [plain(b) for b in tud.DataLoader(TorchCount(0, 8), **kwargs)]
        assert ours == theirs
    assert len(DataLoader(Count(0, 8), batch_size=3)) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(dataset=Count(0, 3), shuffle=True), "expected unspecified shuffle"),
        (dict(dataset=Count(0, 3), sampler=[0]), "expected unspecified sampler"),
        (dict(sampler=[0], shuffle=True), "mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "disables auto-batching"),
        (dict(num_workers=-1), "non-negative"),
        (dict(timeout=-1), "timeout option should be non-negative"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(multiprocessing_context="fork"), "can only be used with multi-process loading"),
        (dict(num_workers=1, multiprocessing_context="teleport"), "valid start method"),
    ],
)
def test_bad_arguments_are_refused_as_torch(kwargs, message):
    kwargs = {"dataset": numbered(), **kwargs}
    with pytest.raises(ValueError, match=message):
        DataLoader(**kwargs)
    with pytest.raises(ValueError):
        tud.DataLoader(
            **{
                **kwargs,
                "dataset": torch_numbered()
                if not isinstance(kwargs["dataset"], Count)
                else TorchCount(0, 3),
            }
        )


def test_settings_are_frozen_after_construction_and_pin_memory_is_a_no_op():
    loader = DataLoader(numbered(), batch_size=2, pin_memory=True)
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 3
    assert plain(next(iter(loader))) == plain(next(iter(DataLoader(numbered(), batch_size=2))))


# ---- worker processes ------------------------------------------------------------------------


class Seeds(Dataset):
    """Each sample reports which worker made it and what its random sources give there."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return {
            "index": i,
            "worker": -1 if info is None else info.id,
            "seed": -1 if info is None else info.seed,
            "random": random.random(),
            "numpy": float(np.random.random()),
            "v2": float(vt.rand(1).item()),
            "pid": os.getpid(),
        }


def test_workers_keep_the_order_and_match_a_single_process_loader():
    single = [plain(b) for b in DataLoader(numbered(11), batch_size=3)]
    for in_order in (True, False):
        loader = DataLoader(numbered(11), batch_size=3, num_workers=2, in_order=in_order)
        batches = [plain(b) for b in loader]
        assert (
            (batches == single)
            if in_order
            else (sorted(map(str, batches)) == sorted(map(str, single)))
        )
    shuffled = DataLoader(numbered(11), batch_size=3, shuffle=True, num_workers=2, seed=4)
    same_in_one_process = DataLoader(numbered(11), batch_size=3, shuffle=True, seed=4)
    assert [plain(b) for b in shuffled] == [plain(b) for b in same_in_one_process]


def test_workers_are_given_torchs_seeds():
    loader = DataLoader(
        Seeds(), batch_size=2, num_workers=2, generator=vt.Generator().manual_seed(0)
    )
    batches = list(loader)
    base_seeds = set()
    for batch_number, batch in enumerate(batches):
        worker_id = batch_number % 2  # round robin
        assert batch["worker"].tolist() == [worker_id, worker_id]
        seed = batch["seed"][0].item()
        base_seed = seed - worker_id
        base_seeds.add(base_seed)
        k = batch_number // 2  # this worker's k-th batch: 2k and 2k+1 draws from each source
        python = random.Random(seed)
        expected_random = [python.random() for _ in range(2 * k + 2)][-2:]
        np.random.seed(_generate_state(base_seed, worker_id))  # torch's numpy seed
        expected_numpy = np.random.random(2 * k + 2)[-2:]
        vt.manual_seed(seed)
        expected_v2 = [vt.rand(1).item() for _ in range(2 * k + 2)][-2:]
        np.testing.assert_array_equal(batch["random"].array, expected_random)
        np.testing.assert_array_equal(batch["numpy"].array, expected_numpy)
        np.testing.assert_array_equal(batch["v2"].array, expected_v2)
    assert len(base_seeds) == 1, "one base seed per pass"
    again = list(
        DataLoader(Seeds(), batch_size=2, num_workers=2, generator=vt.Generator().manual_seed(0))
    )
    assert [b["numpy"].tolist() for b in again] == [b["numpy"].tolist() for b in batches]
    next_pass = list(loader)
    assert next_pass[0]["seed"].tolist() != batches[0]["seed"].tolist(), "a new base seed per pass"
    assert get_worker_info() is None


def test_worker_init_fn_runs_in_each_worker_after_seeding(tmp_path):
    def init(worker_id):
        (tmp_path / f"worker{worker_id}").write_text(str(get_worker_info().seed))

    list(DataLoader(numbered(4), batch_size=1, num_workers=2, worker_init_fn=init, seed=1))
    seeds = [int((tmp_path / f"worker{i}").read_text()) for i in range(2)]
    assert seeds[1] == seeds[0] + 1


class Failing(Dataset):
    def __init__(self, error):
        self.error = error

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            raise self.error
        return i


class TwoArgumentError(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


def test_a_worker_exception_reaches_the_main_process_with_its_traceback():
    loader = DataLoader(Failing(ValueError("bad sample 3")), batch_size=1, num_workers=2)
    with pytest.raises(ValueError) as caught:
        list(loader)
    message = str(caught.value)
    assert message.startswith(
        "Caught ValueError in DataLoader worker process 1.\nOriginal Traceback"
    )
    assert "in __getitem__" in message and "ValueError: bad sample 3" in message
    with pytest.raises(KeyError) as caught:
        list(DataLoader(Failing(KeyError("missing")), batch_size=1, num_workers=2))
    assert str(caught.value).startswith("Caught KeyError in DataLoader worker process 1.\n")
    with pytest.raises(RuntimeError, match="Caught TwoArgumentError"):
        list(DataLoader(Failing(TwoArgumentError(1, 2)), batch_size=1, num_workers=2))
    with pytest.raises(ZeroDivisionError, match="in DataLoader worker process 0"):
        list(DataLoader(numbered(4), num_workers=2, worker_init_fn=lambda i: 1 / 0))


def test_persistent_workers_stay_across_epochs():
    loader = DataLoader(Seeds(), batch_size=4, num_workers=2, persistent_workers=True, shuffle=True)
    epochs = [list(loader) for _ in range(3)]
    pids = [{int(p) for b in epoch for p in b["pid"].tolist()} for epoch in epochs]
    assert pids[0] == pids[1] == pids[2] and len(pids[0]) == 2 and os.getpid() not in pids[0]
    orders = [[i for b in epoch for i in b["index"].tolist()] for epoch in epochs]
    assert all(sorted(o) == list(range(8)) for o in orders) and orders[0] != orders[1]
    iterator = iter(loader)
    next(iterator)  # leave a pass early: the next pass still starts clean
    assert sorted(i for b in loader for i in b["index"].tolist()) == list(range(8))
    loader._iterator._shutdown_workers()


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(1)
        return i


class Dies(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        os._exit(3)


def test_timeout_and_a_dead_worker_are_runtime_errors():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.2))
    with pytest.raises(
        RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+.*exited unexpectedly"
    ):
        list(DataLoader(Dies(), num_workers=1, timeout=0.5))
    with pytest.raises(AssertionError, match="timeout applies to worker processes"):
        list(DataLoader(numbered(), timeout=1))


def test_iterable_dataset_with_workers_as_torch():
    for kwargs in [dict(batch_size=2), dict(batch_size=3, drop_last=True), dict(batch_size=None)]:
        ours = [plain(b) for b in DataLoader(Count(0, 9), num_workers=2, **kwargs)]
        theirs = [plain(b) for b in tud.DataLoader(TorchCount(0, 9), num_workers=2, **kwargs)]
        assert ours == theirs, kwargs

    # without splitting, each worker yields its own copy of everything (as in torch)
    class Whole(IterableDataset):
        def __iter__(self):
            return iter(range(3))

    assert sorted(int(b) for b in DataLoader(Whole(), batch_size=None, num_workers=2)) == [
        0, 0, 1, 1, 2, 2,
    ]  # fmt: skip


def test_a_spawned_worker_gets_the_dataset_by_pickle():
    loader = DataLoader(numbered(5), batch_size=2, num_workers=1, multiprocessing_context="spawn")
    assert [plain(b) for b in loader] == [plain(b) for b in DataLoader(numbered(5), batch_size=2)]


def test_tensors_pickle_for_the_trip_from_a_worker():
    t = vt.tensor([[1.0, 2.0]], requires_grad=True)
    back = pickle.loads(pickle.dumps(t))
    assert back.tolist() == [[1.0, 2.0]] and back.requires_grad and back.dtype == t.dtype
