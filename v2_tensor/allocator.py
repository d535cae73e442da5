"""Keep freed memory for the next step instead of handing it back to the system.

A training step allocates the same large arrays (activations, gradients) every step and frees
them at its end. glibc's malloc serves large requests with mmap and gives them back with
munmap on free (and trims the top of its heap past 128 KiB), so every step faults the same
pages in again: thousands of minor page faults per step, each one the kernel zeroing a page
(about 10-15% of a GPT step here). torch's CPU allocator keeps such memory; so do we, by
telling malloc at import (`mallopt`) to serve requests up to 32 MiB (glibc's largest
threshold) from its heap and to trim that heap only above 1 GiB free at its top. Freed blocks
are then reused by the next step's arrays of the same sizes; the peak resident memory is
that of the arrays alive at once, as before, and memory stays held between steps.

Linux with glibc only; elsewhere (or with GRADLAB_MALLOC=system in the environment) nothing
changes. `configure()` returns whether the settings took. GRADLAB_MALLOC=heap also turns mmap
off altogether (M_MMAP_MAX = 0), so arrays above 32 MiB (the MNIST CNN's 42 MB im2col
columns) are kept too: an experiment, 809 minor faults per MNIST CNN step down to 0 here,
but no faster (149 ms a step either way), so it is not the default.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
M_MMAP_MAX = -4
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 1024 * 1024 * 1024


def configure() -> bool:
    """Set malloc's mmap and trim thresholds (see the module's doc); False if not glibc."""
    if not sys.platform.startswith("linux") or os.environ.get("GRADLAB_MALLOC") == "system":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    done = bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and done
    if os.environ.get("GRADLAB_MALLOC") == "heap":
        done = bool(mallopt(M_MMAP_MAX, 0)) and done
    return done


CONFIGURED = configure()
