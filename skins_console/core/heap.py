"""Giving freed C heap memory back to the operating system (glibc only; elsewhere a no-op).

Large answers are received on the event loop's thread and decoded and built in worker
threads, so their memory lands in several of glibc's heaps. Freed, it stays with the
process until ``malloc_trim`` releases the free pages (glibc does that on its own only for
the top of a heap): a 37 MB catalog body freed while its rows are decoded would otherwise
still count in the console's RSS beside them."""

from __future__ import annotations

import ctypes
import sys
from functools import cache
from time import sleep
from typing import Any

#: entries dropped per step by empty_in_slices
RELEASE_STEP = 2000


def empty_in_slices(values: Any) -> None:
    """Empty a list (or array) a slice at a time; meant for a worker thread. Freeing
    100,000 objects when their list goes is one chain of C deallocations (20-100 ms) during
    which no other thread runs Python; between two short deletions the GIL is handed to
    the window's thread if it waits."""
    while values:
        del values[-RELEASE_STEP:]
        sleep(0)


def return_freed_memory() -> None:
    """Hand the C heap's free pages back to the OS. A foreign call through ctypes lets go
    of the GIL, so a worker thread calling this does not stall the GUI thread (1-2 ms)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl, or no glibc: nothing to trim
        return None
