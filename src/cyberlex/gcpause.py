"""The cyclic garbage collector paused while a step makes millions of objects that live on.

The release holds the graph as Python objects (the triples, the pages' index and its caches), and every
collection of the oldest generation walks all of them: while the site was written, nearly half of its
CPU time went to collections that found nothing (the pages make no reference cycles). Paused, the
objects are freed as before by their reference counts; whatever cycles are left are collected once at
the end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused(generation: int = 2) -> Iterator[None]:
    """No automatic collection inside the block (nested blocks: the outermost resumes it); one at its end, of
    `generation` and the younger ones (0: what the block left, cheap, since no collection ran during it)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.collect(generation)
            gc.enable()
