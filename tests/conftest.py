"""Shared pytest configuration.

BLAS is pinned to one thread before NumPy or torch is imported: the tests use small
matrices, where a second BLAS thread only spins, and two test processes' threads would
fight over the machine's two cores.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# CI draws the same examples on every run (a failure there is reproducible, never luck);
# elsewhere each run draws new ones, and hypothesis keeps the failures it finds.
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No Kaggle: an empty kagglehub cache and a download that fails at once (as on a machine
    without the network), and matplotlib drawing off screen."""
    import kagglehub

    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub"))
    monkeypatch.setenv("MPLBACKEND", "Agg")

    def download(handle, *args, **kwargs):
        raise ConnectionError("offline in tests")

    monkeypatch.setattr(kagglehub, "dataset_download", download)
