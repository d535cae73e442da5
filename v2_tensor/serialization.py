"""save and load, as torch.save / torch.load, in a format that never runs code: safetensors.

`save(obj, f)` takes what a torch checkpoint holds: Tensors (and NumPy arrays), numbers,
strings, bools, None, and dicts, lists and tuples of them (a model's and an optimizer's
state_dict, the epoch, a config). The tensors go into a safetensors file; the shape of the
object around them goes, as JSON, into the file's metadata. Nothing is pickled, so
`load(f)` only ever reads numbers and JSON, whoever wrote the file.

A flat dict of tensors (a model's state_dict) is stored under its own keys, so it is a plain
safetensors file: `safetensors.torch.load_file(path)` hands a torch user a state_dict their
model loads, and a file written by `safetensors.torch.save_file` loads here (as a dict of
Tensors). Nested checkpoints name their tensors by path ("model.fc.weight",
"optimizer.state.0.exp_avg").

Writes to a path are atomic: the file is written as `.<name>.tmp-<pid>` beside the target,
flushed to disk and renamed over it, so a crash leaves the old file whole; a temporary left
by a writer that was killed is removed by the next save to that path. A pickle, a torch.save
file, a truncated or corrupt file raises ValueError naming the file and saying what to do.
"""

from __future__ import annotations

import io
import json
import math
import os
import struct
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .tensor import Tensor

FORMAT_VERSION = 1
STRUCTURE_KEY = "gradlab"  # metadata: the JSON structure of the saved object
# safetensors dtype names -> NumPy dtypes the engine has
_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}
_ITEMSIZE = {"BF16": 2, "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1, "C64": 8}
_MAX_HEADER = 100_000_000
_HOW_TO_CONVERT = (
    "Convert it once, where you trust the file, in a Python that has torch: "
    "`import torch, v2_tensor; v2_tensor.save(torch.load(path, weights_only=True), "
    "'checkpoint.safetensors')` (a nested checkpoint), or for a model's weights "
    "`from safetensors.torch import save_file; save_file(torch.load(path, weights_only=True), "
    "'model.safetensors')`"
)

PathLike = str | os.PathLike


# ---- the structure around the tensors ------------------------------------------------------


class _Encoder:
    """Walks an object: tensors go to `tensors` under path-like names, the rest to JSON."""

    def __init__(self) -> None:
        self.tensors: dict[str, np.ndarray] = {}
        self._names: dict[int, str] = {}  # id(tensor) -> name: a tensor saved twice is stored once
        self._keep: list[Any] = []  # keeps the ids above unique while encoding

    def encode(self, obj: Any, path: list[Any]) -> Any:
        if obj is None or isinstance(obj, bool | str):
            return obj
        if isinstance(obj, int) and not isinstance(obj, bool):
            return int(obj)
        if isinstance(obj, float):
            if math.isfinite(obj):
                return float(obj)
            return {"float": "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")}
        if isinstance(obj, Tensor):
            entry = {"tensor": self._add(obj, obj.array, path)}
            if obj.requires_grad:
                entry["requires_grad"] = True
            return entry
        if isinstance(obj, np.ndarray):
            return {"ndarray": self._add(obj, obj, path)}
        if isinstance(obj, np.generic):
            return {"scalar": self._add(obj, np.asarray(obj), path)}
        if isinstance(obj, dict):
            items = [
                [self._key(key, path), self.encode(value, [*path, key])]
                for key, value in obj.items()
            ]
            entry = {"dict": items}
            if isinstance(obj, OrderedDict):
                entry["ordered"] = True
            return entry
        if isinstance(obj, list):
            return {"list": [self.encode(item, [*path, i]) for i, item in enumerate(obj)]}
        if isinstance(obj, tuple):
            return {"tuple": [self.encode(item, [*path, i]) for i, item in enumerate(obj)]}
        if hasattr(obj, "__array__") and hasattr(obj, "shape") and hasattr(obj, "dtype"):
            # another library's tensor (torch's, detached): stored as a Tensor
            try:
                array = np.asarray(obj)
            except (TypeError, ValueError, RuntimeError) as error:
                raise TypeError(
                    f"save: {_where(path)} ({type(obj).__name__}) cannot be read as an array: "
                    f"{error}"
                ) from error
            return {"tensor": self._add(obj, array, path)}
        raise TypeError(
            f"save: cannot store a {type(obj).__module__}.{type(obj).__qualname__} at "
            f"{_where(path)}: a checkpoint holds tensors, arrays, numbers, strings, bools, None "
            "and dicts, lists and tuples of them (objects are never pickled)"
        )

    def _key(self, key: Any, path: list[Any]) -> Any:
        if key is None or isinstance(key, bool | int | float | str):
            return self.encode(key, path)
        if isinstance(key, tuple):
            return {"tuple": [self._key(item, path) for item in key]}
        raise TypeError(
            f"save: the dict at {_where(path)} has a key of type {type(key).__name__}; keys are "
            "strings, numbers, bools, None or tuples of them"
        )

    def _add(self, obj: Any, array: np.ndarray, path: list[Any]) -> str:
        known = self._names.get(id(obj))
        if known is not None:
            return known
        if array.dtype.hasobject or array.dtype.kind not in "biuf":
            raise TypeError(
                f"save: {_where(path)} is an array of dtype {array.dtype}, which a checkpoint "
                "cannot hold (numbers and bools only: objects would need pickle)"
            )
        if array.dtype.byteorder == ">":
            array = array.astype(array.dtype.newbyteorder("<"))
        name = ".".join(str(part) for part in path) or "tensor"
        if name in self.tensors:
            suffix = 1
            while f"{name}#{suffix}" in self.tensors:
                suffix += 1
            name = f"{name}#{suffix}"
        # (not np.ascontiguousarray, which makes a 0-d array 1-d)
        self.tensors[name] = array if array.flags.c_contiguous else array.copy(order="C")
        self._names[id(obj)] = name
        self._keep.append(obj)
        return name


def _where(path: list[Any]) -> str:
    return "checkpoint" + "".join(f"[{part!r}]" for part in path)


def _decode(entry: Any, tensors: dict[str, np.ndarray], cache: dict[str, Any]) -> Any:
    if entry is None or isinstance(entry, bool | int | float | str):
        return entry
    if isinstance(entry, dict):
        if "tensor" in entry:
            name = entry["tensor"]
            if name not in cache:
                cache[name] = Tensor(_tensor(tensors, name), entry.get("requires_grad", False))
            return cache[name]
        if "ndarray" in entry:
            name = entry["ndarray"]
            if name not in cache:
                cache[name] = _tensor(tensors, name)
            return cache[name]
        if "scalar" in entry:
            return _tensor(tensors, entry["scalar"])[()]
        if "float" in entry:
            return float(entry["float"])
        if "dict" in entry:
            items = (
                (_hashable(_decode(key, tensors, cache)), _decode(value, tensors, cache))
                for key, value in entry["dict"]
            )
            return OrderedDict(items) if entry.get("ordered") else dict(items)
        if "list" in entry:
            return [_decode(item, tensors, cache) for item in entry["list"]]
        if "tuple" in entry:
            return tuple(_decode(item, tensors, cache) for item in entry["tuple"])
    raise ValueError(f"unexpected entry in the checkpoint's structure: {entry!r:.80}")


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, tuple | list) else key


def _tensor(tensors: dict[str, np.ndarray], name: str) -> np.ndarray:
    if name not in tensors:
        raise ValueError(f"the checkpoint's structure names a tensor {name!r} it does not hold")
    return tensors[name]


# ---- save ------------------------------------------------------------------------------------


def save(
    obj: Any,
    f: PathLike | BinaryIO,
    pickle_module: Any = None,
    pickle_protocol: Any = None,
    _use_new_zipfile_serialization: bool = True,
) -> None:
    """Write `obj` (tensors, numbers, strings, bools, None, nested in dicts/lists/tuples) to
    `f`, a path or a binary file object, as safetensors. The pickle arguments of torch.save
    are accepted and ignored: nothing is pickled."""
    _save(obj, f)


def _save(obj: Any, f: PathLike | BinaryIO, metadata: dict[str, str] | None = None) -> None:
    encoder = _Encoder()
    structure = encoder.encode(obj, [])
    header = {
        "format": "pt",
        STRUCTURE_KEY: _dumps({"version": FORMAT_VERSION, "structure": structure}),
    }
    header.update(metadata or {})
    from safetensors.numpy import save as to_bytes
    from safetensors.numpy import save_file

    if isinstance(f, str | os.PathLike):
        _write_atomic(Path(f), lambda temporary: save_file(encoder.tensors, temporary, header))
    elif hasattr(f, "write"):
        if isinstance(f, io.TextIOBase):
            raise TypeError("save: the file object must be opened in binary mode ('wb')")
        f.write(to_bytes(encoder.tensors, header))
    else:
        raise TypeError(f"save: f must be a path or a binary file object, got {type(f).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def temporary_path(target: Path, pid: int | None = None) -> Path:
    """Where a save to `target` writes first: `.<name>.tmp-<pid>` in the same folder."""
    return target.with_name(f".{target.name}.tmp-{os.getpid() if pid is None else pid}")


def _write_atomic(target: Path, write: Callable[[Path], None]) -> None:
    if not target.parent.is_dir():
        raise RuntimeError(f"save: parent directory {target.parent} does not exist")
    _remove_stale_temporaries(target)
    temporary = temporary_path(target)
    try:
        write(temporary)
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)


def _remove_stale_temporaries(target: Path) -> None:
    """Remove temporaries of `target` whose writer is gone (killed mid-save)."""
    prefix = f".{target.name}.tmp-"
    for candidate in target.parent.glob(f".{_glob_escape(target.name)}.tmp-*"):
        pid = candidate.name[len(prefix) :]
        if pid.isdigit() and not _alive(int(pid)):
            candidate.unlink(missing_ok=True)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own leftover: no save to this target is running here now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or cannot tell: leave its file alone
    return True


def _fsync_directory(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


# ---- load ------------------------------------------------------------------------------------


def load(
    f: PathLike | BinaryIO,
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """What `save` wrote to `f` (a path or a binary file object), with Tensors for tensors.

    A plain safetensors file (safetensors.torch.save_file's) gives a dict of Tensors. Loading
    never unpickles, so `weights_only` is always in effect; `mmap` is accepted and ignored;
    `map_location` may only name the CPU."""
    if map_location is not None and not callable(map_location):
        from .device import as_device

        as_device(map_location if not isinstance(map_location, dict) else "cpu")
    if pickle_module is not None or pickle_load_args:
        raise TypeError(
            "load: pickle_module and pickle arguments have no meaning here: v2_tensor.load never "
            "unpickles"
        )
    return read(f)[0]


def read(f: PathLike | BinaryIO) -> tuple[Any, dict[str, str]]:
    """The object in a checkpoint and the file's metadata (strings)."""
    if isinstance(f, str | os.PathLike):
        path = Path(f)
        if not path.is_file():
            raise FileNotFoundError(f"no checkpoint at {path}")
        with open(path, "rb") as file:
            header, metadata = _read_header(file, str(path), os.path.getsize(path))
        from safetensors.numpy import load_file

        tensors = load_file(path) if header else {}
    elif hasattr(f, "read"):
        name = str(getattr(f, "name", "the file object"))
        if isinstance(f, io.TextIOBase):
            raise TypeError(f"load: {name} must be opened in binary mode ('rb')")
        data = f.read()
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"load: {name} must be opened in binary mode ('rb')")
        header, metadata = _read_header(io.BytesIO(data), name, len(data))
        from safetensors.numpy import load as from_bytes

        tensors = from_bytes(bytes(data)) if header else {}
        path = Path(name)
    else:
        raise TypeError(f"load: f must be a path or a binary file object, got {type(f).__name__}")

    if STRUCTURE_KEY not in metadata:  # a plain safetensors file: its tensors, in file order
        return {name: Tensor(tensors[name]) for name in header}, metadata
    try:
        structure = json.loads(metadata[STRUCTURE_KEY])
        if not isinstance(structure, dict) or structure.get("version") != FORMAT_VERSION:
            raise ValueError(f"unknown format version {structure.get('version')!r}")
        return _decode(structure["structure"], tensors, {}), metadata
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{path}: the checkpoint's structure is corrupt: {error}") from error


def read_metadata(path: PathLike) -> dict[str, str]:
    """The metadata of the safetensors file at `path`, reading only its header."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    with open(path, "rb") as file:
        return _read_header(file, str(path), os.path.getsize(path))[1]


def _read_header(file: BinaryIO, name: str, size: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Check that `file` is a whole safetensors file; its tensor entries and metadata."""
    head = file.read(8)
    _refuse_other_formats(file, name, head)
    if len(head) < 8:
        raise ValueError(f"{name} is not a checkpoint: {size} bytes, too short for safetensors")
    (length,) = struct.unpack("<Q", head)
    if length > min(size - 8, _MAX_HEADER):
        raise ValueError(
            f"{name} is not a readable safetensors file (truncated or corrupt?): its header "
            f"says {length} bytes, the file has {size}"
        )
    try:
        header = json.loads(file.read(length).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"{name} is not a readable safetensors file (truncated or corrupt?): {error}"
        ) from error
    if not isinstance(header, dict):
        raise ValueError(f"{name}: a safetensors header must be a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    data_size = size - 8 - length
    end = 0
    for key, entry in header.items():
        try:
            dtype, shape, (start, stop) = entry["dtype"], entry["shape"], entry["data_offsets"]
            count = math.prod(shape)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"{name}: the header entry of {key!r} is malformed: {error}"
            ) from error
        if dtype not in _DTYPES:
            raise ValueError(_dtype_message(name, key, dtype))
        if stop - start != count * np.dtype(_DTYPES[dtype]).itemsize or stop > data_size:
            raise ValueError(
                f"{name} is truncated or corrupt: tensor {key!r} ({dtype}, shape {shape}) needs "
                f"bytes {start}..{stop} of {data_size}"
            )
        end = max(end, stop)
    if end != data_size:
        raise ValueError(
            f"{name} is truncated or corrupt: its tensors take {end} bytes, the file holds "
            f"{data_size}"
        )
    return header, metadata


def _dtype_message(name: str, key: str, dtype: str) -> str:
    if dtype == "BF16":
        hint = (
            "NumPy has no bfloat16: convert it in torch first "
            "({k: v.float() for k, v in state_dict.items()})"
        )
    else:
        hint = "v2_tensor has bool, uint8, int8/16/32/64 and float16/32/64 tensors"
    return f"{name}: tensor {key!r} has dtype {dtype}, which cannot be loaded here: {hint}"


def _refuse_other_formats(file: BinaryIO, name: str, head: bytes) -> None:
    if head[:1] == b"\x80" and head[1:2] in {bytes([n]) for n in range(2, 6)}:
        raise ValueError(
            f"{name} is a pickle (torch.save's legacy format, or pickle.dump): loading it would "
            f"run whatever code it holds, so v2_tensor never does. {_HOW_TO_CONVERT}"
        )
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                members = archive.namelist()
        except zipfile.BadZipFile:
            members = []
        if any(member.endswith("data.pkl") for member in members):
            raise ValueError(
                f"{name} was written by torch.save (a zip archive around a pickle): loading it "
                f"would run whatever code the pickle holds, so v2_tensor never does. "
                f"{_HOW_TO_CONVERT}"
            )
        raise ValueError(
            f"{name} is a zip archive (a NumPy .npz?), not a safetensors checkpoint: read its "
            "arrays with numpy.load(path, allow_pickle=False)"
        )
