"""v2_tensor tells glibc's malloc to keep freed memory (v2_tensor/allocator.py): the settings
take on Linux, GRADLAB_MALLOC=system leaves malloc alone, and a reallocated large array then
faults no new pages in."""

import os
import resource
import subprocess
import sys

import numpy as np
import pytest

import v2_tensor as vt

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")


@linux
def test_configured_at_import_and_a_freed_large_array_is_reused_without_page_faults():
    assert vt.allocator.CONFIGURED
    a = np.ones(2_000_000, np.float32)  # 8 MB: mmapped (and unmapped on free) by default
    del a
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    b = np.ones(2_000_000, np.float32)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert b.sum() == 2_000_000
    assert faults < 20, faults  # malloc left alone: 400-2000 here (8 MB faulted in again)


@linux
def test_the_system_setting_leaves_malloc_alone():
    code = "import v2_tensor as vt; print(vt.allocator.CONFIGURED)"
    env = dict(os.environ, GRADLAB_MALLOC="system")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
