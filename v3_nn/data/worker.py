"""What runs in a DataLoader worker process, as torch.utils.data._utils.worker.

Each worker is seeded as torch seeds its workers: with seed = base_seed + worker_id (the
base seed drawn from the loader's generator once per pass), it reseeds Python's `random`,
v2_tensor's global generator, and NumPy's legacy global state (with the SeedSequence state
torch derives from base_seed and worker_id). It then takes (index, batch of indices) from
its queue and puts (index, batch) on the shared result queue; an exception goes back
wrapped with its traceback, and the main process raises it again as torch does.
"""

from __future__ import annotations

import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

import v2_tensor as vt

MP_STATUS_CHECK_INTERVAL = 5.0  # seconds between checks that the workers are still alive
WORKER_POLL_INTERVAL = 0.2  # seconds between a worker's checks for shutdown and its parent

__all__ = ["WorkerInfo", "get_worker_info"]


@dataclass(frozen=True)
class WorkerInfo:
    """In a worker process: its `id`, the `num_workers`, its `seed` and its copy of the
    `dataset` (an IterableDataset uses these to split the stream)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """This worker's WorkerInfo in a DataLoader worker process; None in the main process."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Start a new pass (persistent workers)."""


class KeyErrorMessage(str):
    """A KeyError's message that prints as itself (KeyError would repr() it)."""

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, to raise again in another process."""

    def __init__(self, where: str) -> None:
        exc_type, exc_value, exc_traceback = sys.exc_info()
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc_value, exc_traceback))
        self.where = where

    def reraise(self) -> None:
        """Raise 'Caught ValueError in DataLoader worker process 0. Original Traceback ...'
        as the original type (a RuntimeError if that type cannot take one message)."""
        message = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            message = KeyErrorMessage(message)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=message)
        try:
            exception = self.exc_type(message)
        except Exception:
            raise RuntimeError(message) from None
        raise exception


def numpy_seed(base_seed: int, worker_id: int) -> list[int]:
    """The NumPy legacy seed torch gives worker `worker_id`: the state of a SeedSequence of
    (worker_id, base_seed's low and high 32 bits, 0) (torch's _generate_state)."""
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4).tolist()


def seed_worker(base_seed: int, worker_id: int) -> int:
    """Reseed `random`, v2_tensor and NumPy's legacy state as torch reseeds a worker."""
    seed = base_seed + worker_id
    random.seed(seed)
    vt.manual_seed(seed)
    np.random.seed(numpy_seed(base_seed, worker_id))
    return seed


def worker_loop(
    fetcher_factory: Any,
    dataset: Any,
    index_queue: Any,
    data_queue: Any,
    done_event: Any,
    base_seed: int,
    init_fn: Any,
    worker_id: int,
    num_workers: int,
    iterable: bool,
) -> None:
    """The body of a worker process (see the module's docstring)."""
    global _worker_info
    try:
        seed = seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = fetcher_factory(dataset)
        except Exception:
            init_exception = ExceptionWrapper(f"in DataLoader worker process {worker_id}")
        iteration_end = False
        parent = os.getppid()
        while os.getppid() == parent:  # stop when the main process is gone
            try:
                task = index_queue.get(timeout=WORKER_POLL_INTERVAL)
            except queue.Empty:
                if done_event.is_set():  # shut down, and the farewell None got lost
                    break
                continue
            if isinstance(task, _ResumeIteration):
                data_queue.put((task, None))
                iteration_end = False
                fetcher = fetcher_factory(dataset)
                continue
            if task is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = task
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as error:
                    if isinstance(error, StopIteration) and iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(f"in DataLoader worker process {worker_id}")
            data_queue.put((idx, data))
            del data, idx, index, task
    except KeyboardInterrupt:
        pass
    finally:
        _worker_info = None
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
