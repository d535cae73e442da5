"""Checkpoints as .npz files: plain arrays in a zip, never pickles.

`save` writes a temporary file in the target folder and renames it over the target, so a
crash mid-write leaves the old checkpoint intact. `load` reads with allow_pickle=False, so
loading a file never runs code; a truncated, corrupt or pickled file raises ValueError
naming the file. An optional JSON config (hyperparameters, class names, ...) rides along
as a 0-d string array under a reserved key.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt

CONFIG_KEY = "__config__"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry, or an empty zip
NPY_MAGIC = b"\x93NUMPY"


def _as_array(key: str, value: Any) -> np.ndarray:
    try:
        array = np.asarray(value.array if isinstance(value, vt.Tensor) else value)
    except (TypeError, ValueError, RuntimeError) as error:  # e.g. a torch tensor needing grad
        raise TypeError(f"save: {key!r} cannot be read as a NumPy array: {error}") from error
    if array.dtype.hasobject:
        raise TypeError(f"save: {key!r} is an object array, which .npz can only store pickled")
    return array


def save(
    state_dict: Mapping[str, Any], path: str | os.PathLike, config: dict[str, Any] | None = None
) -> Path:
    """Write `state_dict` (name -> array or Tensor) and an optional JSON `config` to `path`."""
    path = Path(path)
    arrays = {}
    for key, value in state_dict.items():
        if not isinstance(key, str) or key == CONFIG_KEY:
            raise ValueError(f"save: invalid key {key!r} (keys are strings, not {CONFIG_KEY!r})")
        arrays[key] = _as_array(key, value)
    if config is not None:
        arrays[CONFIG_KEY] = np.array(json.dumps(config))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
                for key, array in arrays.items():
                    with archive.open(key + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, array, allow_pickle=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _read_all(path: Path) -> OrderedDict[str, np.ndarray]:
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    with path.open("rb") as file:
        head = file.read(len(NPY_MAGIC))
    if head.startswith(NPY_MAGIC):
        raise ValueError(f"{path} is a single .npy array, not a .npz checkpoint")
    if not head.startswith(ZIP_MAGICS):
        raise ValueError(
            f"{path} is not a .npz checkpoint: it does not start like a zip archive "
            "(empty, truncated at the front, or another format)"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = OrderedDict((key, archive[key]) for key in archive.files)
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise ValueError(
                f"{path} holds pickled data; checkpoints are loaded with allow_pickle=False "
                "so that loading never runs code"
            ) from error
        raise ValueError(f"{path} is not a readable .npz checkpoint: {error}") from error
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise ValueError(
            f"{path} is not a readable .npz checkpoint (truncated or corrupt?): {error}"
        ) from error
    # NumPy hands back a member that is not a .npy file as raw bytes (torch.save's data.pkl).
    for key, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise ValueError(f"{path} holds {key!r}, which is not a .npy array: not a checkpoint")
    return arrays


def load(path: str | os.PathLike) -> OrderedDict[str, np.ndarray]:
    """The arrays saved in `path`, in their saved order (the config is left out)."""
    arrays = _read_all(Path(path))
    arrays.pop(CONFIG_KEY, None)
    return arrays


def load_config(path: str | os.PathLike) -> dict[str, Any] | None:
    """The JSON config saved with `path`, or None if it was saved without one."""
    path = Path(path)
    arrays = _read_all(path)
    if CONFIG_KEY not in arrays:
        return None
    try:
        config = json.loads(str(arrays[CONFIG_KEY]))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: the stored config is not valid JSON: {error}") from error
    if not isinstance(config, dict):
        raise ValueError(f"{path}: the stored config is a {type(config).__name__}, not a dict")
    return config
