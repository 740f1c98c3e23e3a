"""Where a build's files are processed: the local process pool (the default) or a Dask distributed cluster.

Both are executors: `map(fn, jobs)` runs `fn` on every job and yields the results in the order of the jobs,
so that the graph does not depend on where, or by how many processes, the files were built. A Dask cluster
is optional (`pip install cyberlex[dask]`); dask is imported only when `cyberlex build --dask` names one.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Generator, Iterable
from typing import Any, Protocol, TypeVar

J = TypeVar("J")
R = TypeVar("R")

# Seconds to wait for the scheduler of `--dask ADDRESS` to answer before giving up.
CONNECT_TIMEOUT = 10.0


class Executor(Protocol):
    """Maps a function over jobs, yielding the results in the order of the jobs."""

    def map(self, fn: Callable[[J], R], jobs: Iterable[J],
            on_error: Callable[[J, BaseException], R] | None = None) -> Generator[R, None, None]:
        """`fn` of each job, in the order of the jobs (`on_error(job, exc)` where a job itself failed)."""
        ...


# Jobs handed to each local process ahead of the results taken (a few, so that no process waits for one).
WINDOW = 4


class LocalPool:
    """`processes` processes forked from this one (they inherit what it prepared, the compiled shapes say);
    with one, this process does the work. `on_error` is not used: the function given catches what goes
    wrong with a job itself."""

    def __init__(self, processes: int) -> None:
        self.processes = processes

    def map(self, fn: Callable[[J], R], jobs: Iterable[J],
            on_error: Callable[[J, BaseException], R] | None = None) -> Generator[R, None, None]:
        """`fn` of each job, in the order of the jobs."""
        if self.processes > 1:
            import multiprocessing  # here: a rebuild of a few files starts no pool, and need not import it

            # Jobs are handed out as results are taken, at most WINDOW per process ahead: Pool.imap hands out
            # every job at once and keeps the results this process has not taken yet, so where the workers
            # outpace it (filling an on-disk store) memory grew with the corpus (2.1 GB at 20,000 files).
            with multiprocessing.get_context("fork").Pool(self.processes) as pool:
                pending: deque[Any] = deque()
                for job in jobs:
                    pending.append(pool.apply_async(fn, (job,)))
                    if len(pending) >= WINDOW * self.processes:
                        yield pending.popleft().get()
                while pending:
                    yield pending.popleft().get()
        else:
            yield from map(fn, jobs)


class ClusterError(Exception):
    """`--dask ADDRESS`: dask is not installed (`missing`), or the scheduler cannot be reached. One line."""

    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


class DaskCluster:
    """An existing Dask distributed cluster, by its scheduler's address (tcp://host:8786).

    Jobs are submitted as they are taken from `jobs`, at most `window` of them waiting or running at a time
    (default: four per worker thread, at least 16, counted again as workers come and go), so that a corpus
    of any size holds only that many jobs and results in this process; each result is gathered in the order
    of the jobs and released. A cluster with no worker yet (a SLURM job still queued) is waited for."""

    def __init__(self, address: str, timeout: float | None = None, window: int | None = None) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ClusterError("--dask needs dask's distributed scheduler, which is not installed: "
                               "pip install 'cyberlex[dask]'", missing=True) from None
        self.address = address
        # The client's event loop runs in a thread of its own, and a garbage collection it starts would drop
        # there the pyoxigraph objects that this thread left in reference cycles (which only the thread
        # that made them may drop: an error printed for each); collect them here first.
        gc.collect()
        try:
            self.client: Any = Client(address, timeout=CONNECT_TIMEOUT if timeout is None else timeout,
                                      set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {reason}") from None
        self.fixed_window = window
        self.window = self._window()

    def _window(self) -> int:
        return self.fixed_window or max(16, 4 * sum(self.client.nthreads().values()))

    def map(self, fn: Callable[[J], R], jobs: Iterable[J],
            on_error: Callable[[J, BaseException], R] | None = None) -> Generator[R, None, None]:
        """`fn` of each job run on the cluster, in the order of the jobs; a job whose task failed (its
        worker died: KilledWorker) gives `on_error(job, exc)`, or raises without it."""
        pending: deque[tuple[J, Any]] = deque()
        try:
            for submitted, job in enumerate(jobs, 1):
                pending.append((job, self.client.submit(fn, job, pure=False)))
                if submitted % 64 == 0:
                    self.window = self._window()
                while len(pending) >= self.window:
                    yield self._take(*pending.popleft(), on_error)
            while pending:
                yield self._take(*pending.popleft(), on_error)
        finally:
            for _job, future in pending:  # a build stopped part way: the rest is not wanted
                future.cancel()

    @staticmethod
    def _take(job: J, future: Any, on_error: Callable[[J, BaseException], R] | None) -> R:
        try:
            result: R = future.result()
        except Exception as exc:  # the task's worker died (KilledWorker) or the task raised
            if on_error is None:
                raise
            result = on_error(job, exc)
        finally:
            future.release()
        return result

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster goes on)."""
        self.client.close()

