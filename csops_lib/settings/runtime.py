"""How a csops process uses memory: glibc's allocator told to keep freed memory for reuse.

The commands build and drop many arrays of a few to a few tens of MB (a column of a million
sessions). By default glibc hands such blocks back to the kernel when freed and asks for
fresh ones next time, and each fresh page is a page fault: on the 2-core CI machine that was
1–4 s of system time out of a 6–9 s ``csops kpis`` over 10 M messages. :func:`tune_allocator`
raises glibc's thresholds (``mallopt``, the same as the ``MALLOC_*_`` environment variables)
so blocks up to :data:`MMAP_THRESHOLD` come from the heap, and up to :data:`TRIM_THRESHOLD`
of free heap is kept for reuse; peak memory is unchanged (measured), only returned later. It
also puts the variables in the environment, so the report kernels the runner starts get the
same. Values a user set in the environment win; other C libraries (macOS, musl) are left as
they are.

It also turns off numpy's transparent huge pages (``NUMPY_MADVISE_HUGEPAGE=0``, numpy's own
documented switch, read when numpy is imported, so before any import of it). Numpy asks the
kernel for 2 MB pages on every array over 4 MB; where the kernel compacts memory to find them
on the fault (``defrag = madvise``, the usual default, as on the CI machine), that cost the
10 M ``csops kpis`` 1.5–3 s of system time instead of 0.85–1.05 s (8 paired runs each).
And Arrow allocates from the same tuned glibc heap (``ARROW_DEFAULT_MEMORY_POOL=system``,
Arrow's documented switch) instead of its bundled mimalloc, which hands freed pages back and
faults them in again: 1.5–1.9 s of system time against 0.8–0.95 s, 5.7–5.9 s against
4.3–5.2 s wall and a smaller peak (5 paired runs).

When the command is done, :func:`exit_now` ends the process without the interpreter's
teardown (clearing every module of pandas, Arrow, Polars …: 0.2–0.3 s of every command on
this machine), after what a normal exit does that anyone can see: the ``atexit`` handlers
(Dask's, logging's) and the flushed standard streams.
"""
from __future__ import annotations

import atexit
import ctypes
import os
import sys
from typing import NoReturn

#: glibc's ``mallopt`` parameter numbers (malloc.h) and the values set
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
MMAP_THRESHOLD = 32 * 2**20  # glibc's maximum on 64-bit
TRIM_THRESHOLD = 2**30
TOP_PAD = 256 * 2**20
SETTINGS = {"MALLOC_MMAP_THRESHOLD_": (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            "MALLOC_TRIM_THRESHOLD_": (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            "MALLOC_TOP_PAD_": (M_TOP_PAD, TOP_PAD)}
#: environment settings read by a library at its import (name → value)
IMPORT_SETTINGS = {"NUMPY_MADVISE_HUGEPAGE": "0", "ARROW_DEFAULT_MEMORY_POOL": "system"}


def tune_allocator() -> list[str]:
    """Apply :data:`SETTINGS` to this process (glibc only) and to the environment of the
    processes it starts, and :data:`IMPORT_SETTINGS` to the environment (numpy reads its
    setting on import: call this first); returns the ``mallopt`` variables applied here
    (none elsewhere than Linux)."""
    for name, value in IMPORT_SETTINGS.items():
        os.environ.setdefault(name, value)
    mine = [name for name in SETTINGS if name not in os.environ]
    for name in mine:
        os.environ[name] = str(SETTINGS[name][1])
    if not sys.platform.startswith("linux"):
        return []
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):  # no mallopt (e.g. musl): nothing to tune
        return []
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return [name for name in mine if mallopt(*SETTINGS[name]) == 1]


def exit_now(code: int | None) -> NoReturn:
    """End the process with ``code`` once a command is done: run the ``atexit`` handlers,
    flush stdout and stderr, and skip the module teardown (:func:`os._exit`). Only for the
    ``csops`` command's own process (its files are closed by then); never returns."""
    try:
        atexit._run_exitfuncs()  # what a normal exit runs first (Dask, logging, tempfile)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):  # closed or replaced: nothing to do
                pass
        os._exit(int(code or 0))
