"""The one random number generator of the library: rand, randn and v3_nn's init draw from it."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def generator() -> np.random.Generator:
    """The module-level NumPy Generator; `manual_seed` reseeds this same object in place."""
    return _generator


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator so that every later draw repeats (torch.manual_seed's role)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _generator.bit_generator.state = np.random.PCG64(int(seed)).state
    return _generator
