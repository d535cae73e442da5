"""Kaggle data sets through kagglehub: local cache first, a bounded wait, never a hang.

kagglehub keeps what it downloaded under ``$KAGGLEHUB_CACHE`` (default
``~/.cache/kagglehub``)::

    datasets/<owner>/<name>/versions/<N>/...   the files of version N
    datasets/<owner>/<name>/<N>.complete        written once that download finished

kagglehub has no offline mode: even for a cached unversioned handle it first asks
the server for the latest version number, and that request has no time limit. So
``dataset_path`` reads the cache itself and only then calls
``kagglehub.dataset_download``, in a daemon thread it abandons after ``timeout``
seconds. Every way of failing becomes one ``DatasetUnavailable`` whose message says
why; scripts catch it, call ``announce_fallback`` and carry on with an offline
default, so a switch to fallback data is never silent.

Used by v2_tensor (the gender table) and v3_nn (MNIST)::

    try:
        folder = dataset_path("owner/name")
    except DatasetUnavailable as error:
        announce_fallback("owner/name", error, "a synthetic stand-in")
"""

import math
import os
import re
import sys
import textwrap
import threading
from pathlib import Path

__all__ = ["DatasetUnavailable", "announce_fallback", "cache_root", "cached_path", "dataset_path"]

_HANDLE = re.compile(r"^(?P<owner>[^/\s]+)/(?P<name>[^/\s]+)(?:/versions/(?P<version>\d+))?$")


class DatasetUnavailable(RuntimeError):
    """The data set is not in the local cache and could not be downloaded now; str() says why."""


def cache_root() -> Path:
    """The folder kagglehub caches into: ``$KAGGLEHUB_CACHE``, else ``~/.cache/kagglehub``."""
    return Path(os.environ.get("KAGGLEHUB_CACHE", Path.home() / ".cache" / "kagglehub"))


def _parse(handle: str) -> tuple[str, str, int | None]:
    match = _HANDLE.match(handle)
    if match is None:
        raise ValueError(
            f"dataset handle {handle!r} is not 'owner/name' or 'owner/name/versions/N'"
        )
    version = match["version"]
    return match["owner"], match["name"], None if version is None else int(version)


def cached_path(handle: str) -> Path | None:
    """The cached folder of ``handle`` if a finished download is there, else None.

    A versioned handle needs exactly that version; an unversioned one takes the newest
    finished version in the cache (kagglehub would ask the server which is newest).
    """
    owner, name, version = _parse(handle)
    root = cache_root() / "datasets" / owner / name
    finished = sorted(
        (int(marker.stem) for marker in root.glob("*.complete") if marker.stem.isdigit()),
        reverse=True,
    )
    for candidate in finished:
        folder = root / "versions" / str(candidate)
        if (version is None or candidate == version) and folder.is_dir():
            return folder
    return None


def _download(handle: str, timeout: float) -> Path:
    import kagglehub  # imported here: a second to import, and only needed on a cache miss

    outcome: dict[str, object] = {}

    def fetch() -> None:
        try:
            outcome["path"] = kagglehub.dataset_download(handle)
        except Exception as error:  # network, credentials, server: all mean "not now"
            outcome["error"] = error

    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"dataset_path: timeout must be a positive finite number, got {timeout}")
    worker = threading.Thread(target=fetch, name=f"kagglehub {handle}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise DatasetUnavailable(
            f"kagglehub gave no answer within {timeout:g} s (no network, or a download "
            "that needs a larger timeout)"
        )
    if "error" in outcome:
        error = outcome["error"]
        first_line = (str(error).strip().splitlines() or [""])[0]
        reason = textwrap.shorten(first_line, 200, placeholder=" ...")  # whole words only
        raise DatasetUnavailable(f"kagglehub failed: {type(error).__name__}: {reason}") from error
    folder = Path(str(outcome["path"]))
    if not folder.is_dir():
        raise DatasetUnavailable(f"kagglehub returned {folder}, which is not a folder")
    return folder


def dataset_path(handle: str, *, timeout: float = 5.0) -> Path:
    """The local folder of Kaggle data set ``handle`` ('owner/name' or 'owner/name/versions/N').

    Looks in kagglehub's cache first; on a miss downloads with kagglehub, waiting at most
    ``timeout`` seconds for the whole download (raise it for a large first download).
    Raises ``DatasetUnavailable`` (never a raw network error, never a hang) when neither
    works, and ``ValueError`` for a malformed handle.
    """
    folder = cached_path(handle)
    if folder is not None:
        return folder
    return _download(handle, timeout)


def announce_fallback(
    handle: str, error: DatasetUnavailable, fallback: str, *, data_flag: str = "--data PATH"
) -> None:
    """Say on stderr that ``handle`` is unavailable, what is used instead, and how to fix it."""
    lines = [
        f"Kaggle data set {handle!r} is unavailable: {error}",
        f"Falling back to {fallback}.",
        "For the real data: put Kaggle credentials in ~/.kaggle/kaggle.json (or set "
        "KAGGLE_USERNAME and KAGGLE_KEY) and run with network access, or download it from "
        f"https://www.kaggle.com/datasets/{handle} and pass {data_flag}.",
    ]
    print("\n".join(f"[data] {line}" for line in lines), file=sys.stderr, flush=True)
