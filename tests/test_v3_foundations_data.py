"""v3_nn.data (DataLoader), v3_nn.checkpoint (save/load) and v3_nn.datasets (IDX, digits)."""

import gzip
import os
import pickle

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch
from hypothesis import given
from hypothesis import strategies as st

import v2_tensor as vt
import v3_nn
from v2_tensor.kaggle import DatasetUnavailable
from v3_nn import checkpoint, datasets
from v3_nn.data import DataLoader, Dataset, TensorDataset

# ---- DataLoader ---------------------------------------------------------------------------


def numbered(n: int = 10) -> TensorDataset:
    return TensorDataset(np.arange(n * 2.0).reshape(n, 2), np.arange(n))


@given(
    n=st.integers(min_value=0, max_value=40),
    batch_size=st.integers(min_value=1, max_value=12),
    drop_last=st.booleans(),
)
def test_len_and_batches_as_torch(n, batch_size, drop_last):
    ours = DataLoader(numbered(n), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.arange(n * 2.0).reshape(n, 2), torch.arange(n)),
        batch_size=batch_size,
        drop_last=drop_last,
    )
    assert len(ours) == len(theirs)
    batches = list(ours)
    assert len(batches) == len(theirs)
    for (x, y), (xt, yt) in zip(batches, theirs, strict=True):
        assert isinstance(x, vt.Tensor) and isinstance(y, vt.Tensor)
        np.testing.assert_array_equal(x.array, xt.numpy())
        np.testing.assert_array_equal(y.array, yt.numpy())
        assert y.array.dtype == np.int64


def test_shuffle_covers_every_sample_once_and_is_reproducible():
    def epochs(loader, count=3):
        return [np.concatenate([y.array for _, y in loader]) for _ in range(count)]

    a = epochs(DataLoader(numbered(50), batch_size=7, shuffle=True, seed=3))
    b = epochs(DataLoader(numbered(50), batch_size=7, shuffle=True, seed=3))
    for epoch_a, epoch_b in zip(a, b, strict=True):
        np.testing.assert_array_equal(epoch_a, epoch_b)
        assert sorted(epoch_a) == list(range(50))
    assert not np.array_equal(a[0], a[1]), "each epoch is a new permutation"
    assert not np.array_equal(a[0], np.arange(50))
    vt.manual_seed(11)
    c = epochs(DataLoader(numbered(50), batch_size=7, shuffle=True), 1)
    vt.manual_seed(11)
    d = epochs(DataLoader(numbered(50), batch_size=7, shuffle=True), 1)
    np.testing.assert_array_equal(c[0], d[0])
    e = epochs(
        DataLoader(numbered(50), batch_size=7, shuffle=True, generator=np.random.default_rng(3))
    )
    np.testing.assert_array_equal(e[0], a[0])


def test_generic_dataset_is_collated_field_by_field():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(3, float(i)), "y": i * i, "w": 0.5 * i}

    batches = list(DataLoader(Squares(), batch_size=2))
    assert [b["y"].array.tolist() for b in batches] == [[0, 1], [4, 9], [16]]
    assert batches[0]["x"].shape == (2, 3)
    assert batches[0]["y"].array.dtype == np.int64 and batches[0]["w"].array.dtype == np.float64


def test_data_errors():
    # torch's types: an AssertionError for the sizes, and a Dataset has no len() of its own
    with pytest.raises(AssertionError, match=r"Size mismatch.*\(3, 2\).*\(4,\)"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(numbered(), batch_size=0)
    with pytest.raises(ValueError, match="either generator or seed"):
        DataLoader(numbered(), generator=np.random.default_rng(), seed=1)
    with pytest.raises(TypeError):
        len(Dataset())
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]


# ---- checkpoints --------------------------------------------------------------------------


def sample_state():
    rng = np.random.default_rng(0)
    return {
        "fc.weight": rng.standard_normal((3, 4)).astype(np.float32),
        "fc.bias": vt.tensor(rng.standard_normal(3)),
        "bn.num_batches_tracked": np.array(7, dtype=np.int64),
    }


def test_round_trip_keeps_values_dtypes_order_and_config(tmp_path):
    path = v3_nn.save(
        sample_state(), tmp_path / "sub" / "model.safetensors", config={"hidden": [256, 128]}
    )
    loaded = v3_nn.load(path)
    assert list(loaded) == ["fc.weight", "fc.bias", "bn.num_batches_tracked"]
    for key, value in sample_state().items():
        expected = value.array if isinstance(value, vt.Tensor) else value
        assert isinstance(loaded[key], np.ndarray)
        np.testing.assert_array_equal(loaded[key], expected)
        assert loaded[key].dtype == expected.dtype
    assert checkpoint.load_config(path) == {"hidden": [256, 128]}
    v3_nn.save(sample_state(), path)
    assert checkpoint.load_config(path) is None
    safetensors.numpy.save_file(
        {"w": np.zeros(1)}, path, metadata={checkpoint.CONFIG_KEY: "[1, 2]"}
    )
    with pytest.raises(ValueError, match="config is a list, not a dict"):
        checkpoint.load_config(path)
    assert [p.name for p in path.parent.iterdir()] == ["model.safetensors"], "no temporaries"


def test_the_file_is_plain_safetensors_that_torch_reads_and_writes(tmp_path):
    linear = torch.nn.Linear(4, 3).double()
    path = v3_nn.save(
        {k: v.numpy() for k, v in linear.state_dict().items()}, tmp_path / "t.safetensors"
    )
    restored = torch.nn.Linear(4, 3).double()
    restored.load_state_dict(safetensors.torch.load_file(path))
    assert torch.equal(restored.weight, linear.weight)
    safetensors.torch.save_file(linear.state_dict(), tmp_path / "from_torch.safetensors")
    ours = v3_nn.Linear(4, 3).double()
    ours.load_state_dict(v3_nn.load(tmp_path / "from_torch.safetensors"))
    np.testing.assert_array_equal(ours.weight.array, linear.weight.detach().numpy())
    assert checkpoint.load_config(tmp_path / "from_torch.safetensors") is None


def test_npz_checkpoints_of_earlier_versions_still_load_without_pickle(tmp_path):
    np.savez(tmp_path / "old.npz", w=np.ones(2), __config__=np.array('{"hidden": [4]}'))
    assert list(v3_nn.load(tmp_path / "old.npz")) == ["w"]
    assert checkpoint.load_config(tmp_path / "old.npz") == {"hidden": [4]}
    np.savez(tmp_path / "evil.npz", payload=np.array([{"code": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"evil\.npz.*pickled"):
        v3_nn.load(tmp_path / "evil.npz")


def test_object_arrays_and_tensors_needing_grad_are_refused(tmp_path):
    with pytest.raises(TypeError, match="object array needs pickle"):
        v3_nn.save({"payload": np.array([None], dtype=object)}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="'weight' cannot be read as a NumPy array"):
        v3_nn.save(dict(torch.nn.Linear(2, 2).named_parameters()), tmp_path / "x.safetensors")
    with pytest.raises(ValueError, match="keys are strings"):
        v3_nn.save({1: np.zeros(1)}, tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()


def test_truncated_corrupt_and_wrong_files_name_the_file(tmp_path):
    good = v3_nn.save(sample_state(), tmp_path / "good.safetensors")
    raw = good.read_bytes()
    cases = {
        "truncated.safetensors": (raw[: len(raw) // 2], "truncated or corrupt"),
        "empty.safetensors": (b"", "too short"),
        "text.safetensors": (b"hello, not a checkpoint at all", "truncated or corrupt"),
        "pickle.safetensors": (pickle.dumps({"weight": [1.0]}), "is a pickle"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=name.replace(".", r"\.") + ".*" + message):
            v3_nn.load(tmp_path / name)
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "torch.pt")
    with pytest.raises(ValueError, match=r"torch\.pt was written by torch\.save"):
        v3_nn.load(tmp_path / "torch.pt")
    vt.save({"model": {"w": vt.ones(1)}, "epoch": 3}, tmp_path / "nested.safetensors")
    with pytest.raises(ValueError, match=r"nested checkpoint.*v2_tensor\.load"):
        v3_nn.load(tmp_path / "nested.safetensors")
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        v3_nn.load(tmp_path / "missing.safetensors")


def test_mismatched_checkpoint_is_refused_by_load_state_dict(tmp_path):
    model = v3_nn.Module()
    model.weight = v3_nn.Parameter(np.zeros((2, 2)))
    v3_nn.save({"weight": np.zeros((3, 2))}, tmp_path / "other.safetensors")
    with pytest.raises(RuntimeError, match=r"weight.*\(3, 2\).*\(2, 2\)"):
        model.load_state_dict(v3_nn.load(tmp_path / "other.safetensors"))


def test_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = v3_nn.save(sample_state(), tmp_path / "model.safetensors")
    before = path.read_bytes()
    with pytest.raises(TypeError, match="'bad' is an array of dtype object"):
        v3_nn.save({"fine": np.zeros(2), "bad": np.array([object()])}, path)

    def fail(tensors, filename, metadata=None):
        with open(filename, "wb") as file:
            file.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save_file", fail)
    with pytest.raises(OSError, match="disk full"):
        v3_nn.save(sample_state(), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.safetensors"], "the temporary file is removed"


# ---- IDX files and the digit data ---------------------------------------------------------


def idx_bytes(magic: int, array: np.ndarray) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(folder, n_train=6, n_test=4, gz=False):
    rng = np.random.default_rng(0)
    arrays = {}
    for prefix, n in [("train", n_train), ("t10k", n_test)]:
        images = rng.integers(0, 256, (n, 28, 28))
        labels = rng.integers(0, 10, n)
        arrays[prefix] = (images, labels)
        suffix = ".gz" if gz else ""
        sub = folder / f"{prefix}-images-idx3-ubyte"
        sub.mkdir(parents=True)
        blobs = {
            sub / f"{prefix}-images-idx3-ubyte{suffix}": idx_bytes(datasets.IMAGES_MAGIC, images),
            folder / f"{prefix}-labels.idx1-ubyte{suffix}": idx_bytes(
                datasets.LABELS_MAGIC, labels
            ),
        }
        for path, blob in blobs.items():
            path.write_bytes(gzip.compress(blob) if gz else blob)
    return arrays


def test_read_idx_parses_images_and_labels(tmp_path):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    (tmp_path / "i").write_bytes(idx_bytes(0x803, images))
    (tmp_path / "l").write_bytes(idx_bytes(0x801, np.array([3, 1, 4])))
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "i", 0x803), images)
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "l", 0x801), [3, 1, 4])


def test_read_idx_errors_name_the_file_and_the_problem(tmp_path):
    good = idx_bytes(0x803, np.zeros((2, 3, 4)))
    cases = {
        "bad_magic": (
            idx_bytes(0x801, np.zeros(5)),
            "bad IDX magic number 0x00000801, expected 0x00000803",
        ),
        "truncated_data": (
            good[:-5],
            r"shape \(2, 3, 4\) \(24 bytes of data\), but the file holds 19",
        ),
        "truncated_header": (good[:9], "truncated IDX header"),
        "tiny": (b"\x00\x00", "too short"),
        "trailing": (good + b"\x00", "holds 25"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=f"{name}.*{message}"):
            datasets.read_idx(tmp_path / name, 0x803)


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_from_a_folder(tmp_path, gz):
    arrays = write_mnist(tmp_path, gz=gz)
    data = datasets.load_digit_data(data_dir=tmp_path)
    assert data.side == 28 and "MNIST" in data.source
    assert data.train_images.shape == (6, 28, 28) and data.test_images.shape == (4, 28, 28)
    assert data.train_images.dtype == np.float32 and data.train_labels.dtype == np.int64
    np.testing.assert_allclose(data.train_images, arrays["train"][0] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(data.test_labels, arrays["t10k"][1])


def test_mnist_with_mismatched_counts_is_refused(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels.idx1-ubyte").write_bytes(idx_bytes(0x801, np.zeros(5)))
    with pytest.raises(ValueError, match="6 images but 5 labels"):
        datasets.load_mnist(tmp_path)


def test_digits_fallback_is_split_once_and_scaled(tmp_path):
    data = datasets.load_digit_data("digits")
    assert data.side == 8 and "8x8" in data.source
    assert len(data.test_labels) == 359 and len(data.train_labels) == 1797 - 359
    assert data.train_images.shape == (1438, 8, 8) and data.train_images.dtype == np.float32
    assert data.train_images.min() == 0 and data.train_images.max() == 1
    assert set(np.unique(data.test_labels)) == set(range(10))
    again = datasets.load_digit_data("digits")
    np.testing.assert_array_equal(again.test_images, data.test_images)


def test_auto_announces_the_fallback_when_kaggle_is_unreachable(monkeypatch, capsys):
    def unreachable(handle, timeout):
        raise DatasetUnavailable("no network in this test")

    monkeypatch.setattr(datasets, "dataset_path", unreachable)
    data = datasets.load_digit_data("auto")
    assert data.side == 8
    err = capsys.readouterr().err
    assert "hojjatk/mnist-dataset" in err and "no network in this test" in err and "8x8" in err
    assert "--data DIR" in err
    with pytest.raises(DatasetUnavailable, match="no network"):
        datasets.load_digit_data("mnist")
    with pytest.raises(ValueError, match="source must be one of"):
        datasets.load_digit_data("cifar")
