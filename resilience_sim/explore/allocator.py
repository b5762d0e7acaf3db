"""The C allocator of a worker process, as a sweep's runs need it.

Dask's nannies set ``MALLOC_TRIM_THRESHOLD_=65536`` before they start a worker
(``distributed.nanny.pre-spawn-environ``). Any such variable makes glibc keep its mmap
threshold fixed at 128 KiB instead of raising it as large blocks are freed, so every
array of a run above that size is mapped, faulted in page by page and unmapped again:
runs of ``commune_50k`` take about 25 % longer (31 ms against 25 ms, measured). A
LocalCluster started here leaves the variable out; a worker of a cluster started
elsewhere sets, once, the thresholds glibc reaches by itself (:func:`settle`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
M_TRIM_THRESHOLD = -1  # mallopt parameters (glibc malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's own upper bound of the dynamic threshold (64-bit)
TRIM_THRESHOLD_BYTES = 2 * MMAP_THRESHOLD_BYTES  # glibc keeps trim at twice the mmap threshold
_settled = False


def settle() -> bool:
    """Give this process glibc's adapted thresholds if a trim variable fixed them at start.

    Returns:
        True when the thresholds were set (once per process), False otherwise (no
        variable, already done, or not glibc).

    """
    global _settled
    if _settled or TRIM_VARIABLE not in os.environ:
        return False
    _settled = True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc: nothing to restore
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD,
                                                                                    TRIM_THRESHOLD_BYTES))
