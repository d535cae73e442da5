"""Resident memory of this process, from Linux's /proc: now, the peak, and a peak reset."""

from __future__ import annotations

import os

MB = 1024 * 1024


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def reset_peak() -> None:
    """Start the peak (VmHWM) afresh at the current RSS (Linux's clear_refs, value 5)."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


def peak() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
