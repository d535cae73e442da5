"""v2_tensor.kaggle: cache lookup in kagglehub's own layout, bounded download, fallback notice."""

import threading
import time
from pathlib import Path

import kagglehub
import pytest
from kagglehub.cache import Cache
from kagglehub.handle import parse_dataset_handle

from v2_tensor.kaggle import (
    DatasetUnavailable,
    announce_fallback,
    cache_root,
    cached_path,
    dataset_path,
)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets an empty kagglehub cache of its own."""
    root = tmp_path / "kagglehub"
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(root))
    return root


def cache_version(handle: str, *, complete: bool = True) -> Path:
    """Put a version in the cache the way kagglehub does: its folder, then its marker."""
    parsed = parse_dataset_handle(handle)
    folder = Path(Cache().get_path(parsed))
    folder.mkdir(parents=True)
    (folder / "gender.csv").write_text("x\n")
    if complete:
        Cache().mark_as_complete(parsed)
    return folder


def forbid_download(monkeypatch):
    def download(handle):
        raise AssertionError(f"kagglehub was called for {handle} although it is cached")

    monkeypatch.setattr(kagglehub, "dataset_download", download)


def test_cache_root_follows_kagglehub(monkeypatch, isolated_cache, tmp_path):
    assert cache_root() == isolated_cache
    monkeypatch.delenv("KAGGLEHUB_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "kagglehub"


def test_cached_path_reads_what_kagglehub_wrote(monkeypatch):
    forbid_download(monkeypatch)
    v1 = cache_version("o/n/versions/1")
    v3 = cache_version("o/n/versions/3")
    cache_version("o/n/versions/4", complete=False)  # an interrupted download
    for handle, expected in [("o/n/versions/1", v1), ("o/n/versions/3", v3)]:
        assert cached_path(handle) == expected
        assert str(expected) == Cache().load_from_cache(parse_dataset_handle(handle))
    assert cached_path("o/n") == v3  # newest finished version
    assert dataset_path("o/n") == v3
    assert cached_path("o/n/versions/2") is None
    assert cached_path("o/n/versions/4") is None
    assert cached_path("o/other") is None


def test_cache_hit_never_calls_kagglehub(monkeypatch):
    forbid_download(monkeypatch)
    folder = cache_version("o/n/versions/2")
    assert dataset_path("o/n", timeout=0.01) == folder


def test_cache_miss_downloads(monkeypatch, tmp_path):
    downloaded = tmp_path / "downloaded"
    downloaded.mkdir()
    calls = []

    def download(handle):
        calls.append(handle)
        return str(downloaded)

    monkeypatch.setattr(kagglehub, "dataset_download", download)
    assert dataset_path("o/n") == downloaded
    assert calls == ["o/n"]


def test_download_error_becomes_dataset_unavailable(monkeypatch):
    def download(handle):
        raise ConnectionError("Failed to resolve 'api.kaggle.com'\nsecond line of detail")

    monkeypatch.setattr(kagglehub, "dataset_download", download)
    with pytest.raises(DatasetUnavailable, match=r"ConnectionError: Failed to resolve") as caught:
        dataset_path("o/n")
    assert "second line" not in str(caught.value)
    assert isinstance(caught.value.__cause__, ConnectionError)


def test_a_long_reason_is_shortened_at_a_word_not_in_one(monkeypatch):
    words = "HTTPSConnectionPool(host='api.kaggle.com', port=443): Max retries exceeded " * 5

    def download(handle):
        raise ConnectionError(words)

    monkeypatch.setattr(kagglehub, "dataset_download", download)
    with pytest.raises(DatasetUnavailable) as caught:
        dataset_path("o/n")
    reason = str(caught.value).split("ConnectionError: ", 1)[1]
    assert reason.endswith(" ...") and len(reason) <= 200
    assert words.startswith(reason[: -len(" ...")] + " ")  # it ends where a word ended


def test_timeout_must_be_positive_and_finite():
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="timeout must be a positive finite number"):
            dataset_path("o/n", timeout=bad)


def test_hanging_download_is_abandoned(monkeypatch):
    release = threading.Event()

    def download(handle):
        release.wait(30)
        return "/nonexistent"

    monkeypatch.setattr(kagglehub, "dataset_download", download)
    start = time.perf_counter()
    try:
        with pytest.raises(DatasetUnavailable, match=r"no answer within 0.2 s"):
            dataset_path("o/n", timeout=0.2)
        assert time.perf_counter() - start < 2.0
    finally:
        release.set()


def test_download_returning_no_folder_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.setattr(kagglehub, "dataset_download", lambda handle: str(tmp_path / "missing"))
    with pytest.raises(DatasetUnavailable, match="not a folder"):
        dataset_path("o/n")


@pytest.mark.parametrize("handle", ["", "o", "o/n/m", "o/n/versions/x", "o/n/versions/", "/n"])
def test_malformed_handle(handle):
    with pytest.raises(ValueError, match="owner/name"):
        dataset_path(handle)


def test_announce_fallback_says_what_why_and_how(capsys):
    announce_fallback("o/n", DatasetUnavailable("no network"), "a synthetic table", data_flag="--x")
    err = capsys.readouterr().err
    assert "'o/n' is unavailable: no network" in err
    assert "Falling back to a synthetic table." in err
    assert "kaggle.json" in err and "KAGGLE_USERNAME" in err
    assert "https://www.kaggle.com/datasets/o/n" in err and "--x" in err
