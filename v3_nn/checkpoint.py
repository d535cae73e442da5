"""Model checkpoints as safetensors: a state_dict, plus an optional JSON config.

`save(state_dict, path, config=None)` writes the arrays or Tensors of a state_dict under
their own names with v2_tensor's `save` (atomic: a temporary file beside the target, renamed
over it), so the file is a plain safetensors file: `safetensors.torch.load_file(path)` gives
a torch user the state_dict of their twin model. The config (hyperparameters, class names,
the data source) rides along as JSON in the file's metadata. `load(path)` returns the arrays
in their saved order, ready for `load_state_dict`; it reads any safetensors file (one that
torch wrote too), and the `.npz` checkpoints of earlier versions (read with
allow_pickle=False). Loading never runs code: a pickle or a torch.save file is refused, and
a truncated or corrupt file raises ValueError naming the file.

For whole training checkpoints (model, optimizer, epoch) use `v2_tensor.save` / `load`.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import serialization

CONFIG_KEY = "gradlab.config"  # metadata key of the JSON config
LEGACY_CONFIG_KEY = "__config__"  # where the .npz checkpoints kept it
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def _as_array(key: str, value: Any) -> np.ndarray:
    try:
        array = np.asarray(value.array if isinstance(value, vt.Tensor) else value)
    except (TypeError, ValueError, RuntimeError) as error:  # e.g. a torch tensor needing grad
        raise TypeError(f"save: {key!r} cannot be read as a NumPy array: {error}") from error
    if array.dtype.hasobject or array.dtype.kind not in "biuf":
        raise TypeError(
            f"save: {key!r} is an array of dtype {array.dtype} (an object array needs pickle, "
            "which checkpoints never use)"
        )
    return array


def save(
    state_dict: Mapping[str, Any], path: str | os.PathLike, config: dict[str, Any] | None = None
) -> Path:
    """Write `state_dict` (name -> array or Tensor) and an optional JSON `config` to `path`
    (its folder is created); returns the path."""
    path = Path(path)
    tensors: OrderedDict[str, vt.Tensor] = OrderedDict()
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise ValueError(f"save: invalid key {key!r} (state_dict keys are strings)")
        tensors[key] = vt.Tensor(_as_array(key, value))
    metadata = {}
    if config is not None:
        try:
            metadata[CONFIG_KEY] = json.dumps(config)
        except (TypeError, ValueError) as error:
            raise TypeError(f"save: the config cannot be written as JSON: {error}") from error
    path.parent.mkdir(parents=True, exist_ok=True)
    serialization._save(tensors, path, metadata)
    return path


def _read(path: Path) -> tuple[OrderedDict[str, np.ndarray], dict[str, Any] | None]:
    """The arrays of a checkpoint, in saved order, and its config (None if it has none)."""
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    with path.open("rb") as file:
        head = file.read(4)
    if head in ZIP_MAGICS and _is_npz(path):
        return _read_npz(path)
    obj, metadata = serialization.read(path)
    if not isinstance(obj, Mapping) or not all(
        isinstance(key, str) and isinstance(value, vt.Tensor | np.ndarray)
        for key, value in obj.items()
    ):
        raise ValueError(
            f"{path} holds a nested checkpoint (such as model and optimizer state together), "
            "not one state_dict of tensors: read it with v2_tensor.load(path)"
        )
    arrays = OrderedDict(
        (key, value.array if isinstance(value, vt.Tensor) else value) for key, value in obj.items()
    )
    config = None
    if CONFIG_KEY in metadata:
        config = _parse_config(path, metadata[CONFIG_KEY])
    return arrays, config


def _parse_config(path: Path, text: str) -> dict[str, Any]:
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: the stored config is not valid JSON: {error}") from error
    if not isinstance(config, dict):
        raise ValueError(f"{path}: the stored config is a {type(config).__name__}, not a dict")
    return config


def _is_npz(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    return bool(names) and all(name.endswith(".npy") for name in names)


def _read_npz(path: Path) -> tuple[OrderedDict[str, np.ndarray], dict[str, Any] | None]:
    """A checkpoint of the earlier .npz format, read without pickle."""
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
    config = None
    if LEGACY_CONFIG_KEY in arrays:
        config = _parse_config(path, str(arrays.pop(LEGACY_CONFIG_KEY)))
    return arrays, config


def load(path: str | os.PathLike) -> OrderedDict[str, np.ndarray]:
    """The arrays saved in `path`, in their saved order (the config is left out)."""
    return _read(Path(path))[0]


def load_config(path: str | os.PathLike) -> dict[str, Any] | None:
    """The JSON config saved with `path`, or None if it was saved without one (only the
    file's header is read)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    with path.open("rb") as file:
        head = file.read(4)
    if head in ZIP_MAGICS and _is_npz(path):
        return _read_npz(path)[1]
    metadata = serialization.read_metadata(path)
    return _parse_config(path, metadata[CONFIG_KEY]) if CONFIG_KEY in metadata else None
