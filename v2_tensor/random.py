"""Random numbers: one global generator (seeded by `manual_seed`) and Generator objects.

Every draw of the library (rand, randn, dropout masks, v3_nn's init, DataLoader shuffles)
comes from the global generator unless a `generator=` is passed, as in torch. The streams
are NumPy's PCG64, so the numbers differ from torch's, but a seed repeats them exactly.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np


class Generator:
    """A source of random numbers with its own state, as torch.Generator."""

    def __init__(self, device: Any = "cpu") -> None:
        from .device import as_device

        as_device(device)
        self._seed = secrets.randbits(63)
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed in place, so every later draw repeats; returns the generator."""
        self._seed = _check_seed(seed)
        self.rng.bit_generator.state = np.random.PCG64(self._seed).state
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        self.manual_seed(secrets.randbits(63))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        self.rng.bit_generator.state = state
        return self

    @property
    def device(self) -> Any:
        from .device import CPU

        return CPU


default_generator = Generator()


def _check_seed(seed: Any) -> int:
    """A Generator's seed is an int kept in 64 bits, as torch's: negative seeds wrap around,
    seeds outside [-2⁶³, 2⁶⁴) are a ValueError, anything but an int a RuntimeError."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    value = int(seed)
    if not -(1 << 63) <= value < (1 << 64):
        raise ValueError(f"manual_seed: seed {value} does not fit in 64 bits")
    return value % (1 << 64)


def generator() -> np.random.Generator:
    """The global NumPy Generator; `manual_seed` reseeds this same object in place."""
    return default_generator.rng


def source(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy Generator to draw from: the given Generator's, or the global one."""
    if generator is None:
        return default_generator.rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a v2_tensor.Generator, got {type(generator).__name__}")
    return generator.rng


def manual_seed(seed: int) -> Generator:
    """Reseed the global generator so that every later draw repeats (torch.manual_seed, which
    reads the seed with int(): 3.7 and '3' are seeds too)."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)
