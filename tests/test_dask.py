"""Building on a Dask distributed cluster (`cyberlex build --dask ADDRESS`, issue 9): the same bytes as a local
build, on a LocalCluster of two worker processes; a clear line and exit code when the scheduler cannot be reached
or dask is not installed."""

from __future__ import annotations

import dataclasses
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from distributed import LocalCluster

from cyberlex import build as build_module
from cyberlex import cluster as cluster_module
from cyberlex.build import build, sample_corpus
from cyberlex.cli import main
from cyberlex.exitcodes import ExitCode
from cyberlex.vocab import DEFAULT_BASE

OUTPUTS = ("graph.ttl", "graph.trig", "validation.txt")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a LocalCluster of two worker processes with one thread each (as CI runs it)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def assert_same_build(inputs: list[Path], tmp_path: Path, scheduler: str) -> None:
    """A local build and a build on the cluster write the same bytes and fail the same files."""
    local = build(inputs, tmp_path / "local", use_cache=False)
    on_cluster = build(inputs, tmp_path / "dask", use_cache=False, dask=scheduler)
    for name in OUTPUTS:
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name
    assert on_cluster.documents == local.documents and on_cluster.counts == local.counts
    assert on_cluster.failures == local.failures and on_cluster.warnings == local.warnings
    assert on_cluster.violations == local.violations


def test_the_samples_on_a_cluster_are_the_bytes_of_a_local_build(scheduler: str, tmp_path: Path) -> None:
    """The sample corpus, with files that fail (empty, binary, a folder's FIFO-like oddity aside): same graph,
    same report, the same failures with the same reasons."""
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "empty.txt").write_bytes(b"")
    (odd / "binary.bin").write_bytes(bytes(range(256)) * 8)
    assert_same_build([sample_corpus(), odd], tmp_path, scheduler)


@pytest.mark.corpus
def test_the_samples_and_some_un_texts_on_a_cluster(shared: Path, scheduler: str, tmp_path: Path) -> None:
    """The samples and a few UN resolutions in several languages (read in place from ../shared)."""
    texts = sorted((shared / "corpus" / "un" / "text").iterdir())[:12]
    assert_same_build([sample_corpus(), *texts], tmp_path, scheduler)


@pytest.mark.corpus
def test_the_637_un_texts_on_a_cluster_are_the_bytes_of_a_local_build(shared: Path, scheduler: str,
                                                                       tmp_path: Path) -> None:
    """Issue 9's test: all the UN texts of the shared corpus, built and validated on the cluster and locally."""
    texts = shared / "corpus" / "un" / "text"
    assert len(list(texts.iterdir())) == 637
    assert_same_build([texts], tmp_path, scheduler)


def test_a_cluster_build_fills_the_cache_a_local_build_reads(scheduler: str, tmp_path: Path) -> None:
    """What the workers built goes into the build cache like a local build's outcomes (with each file's
    validation): the next build, local, takes every file from it and writes the same bytes."""
    cache = tmp_path / "cache"
    build([sample_corpus()], tmp_path / "first", cache_dir=cache, dask=scheduler)
    again = build([sample_corpus()], tmp_path / "again", cache_dir=cache)
    assert again.from_cache == again.documents > 0
    for name in OUTPUTS:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_a_worker_needs_the_bytes_not_the_path(tmp_path: Path) -> None:
    """The build's process reads each file and sends its bytes with the job: a worker that does not see the
    path (another machine) builds it all the same; a file that cannot be read fails with the local reason."""
    source = sample_corpus() / "ccpcj-resolution.txt"
    job = build_module._with_bytes(build_module._Job(source, DEFAULT_BASE, None, source.name, None, True, False))
    elsewhere = build_module._process_on_worker(dataclasses.replace(job, path=tmp_path / "not-here" / source.name))
    local = build_module._process(source, DEFAULT_BASE, None, source.name, None, True)
    assert elsewhere.nquads == local.nquads and elsewhere.validation == local.validation
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    job = build_module._with_bytes(build_module._Job(empty, DEFAULT_BASE, None, empty.name, None, False, False))
    assert build_module._process_on_worker(job).failure == build_module._process(empty, DEFAULT_BASE).failure


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", ["build", "release"])
def test_an_unreachable_scheduler_is_one_line_and_exit_4(command: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 2.0)
    address = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [command, "--out", str(out), "--dask", address])
    assert result.exit_code == ExitCode.ENDPOINT, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cyberlex: cannot reach the Dask scheduler at {address}: ")
    assert not out.exists()


def test_without_dask_installed_the_option_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed: importing it fails
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "out"), "--dask", "tcp://127.0.0.1:8786"])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert result.stderr.strip().splitlines() == [
        "cyberlex: --dask needs dask's distributed scheduler, which is not installed: pip install 'cyberlex[dask]'"]


def test_the_cluster_yields_in_job_order_and_a_failed_job_gives_its_error(scheduler: str) -> None:
    """Results come back in the order of the jobs whatever the window of jobs in flight; a job whose task
    raised (as when its worker dies: KilledWorker) gives on_error's value, and the others are kept."""
    import math

    cluster = cluster_module.DaskCluster(scheduler, window=3)
    try:
        jobs = [float(n * n) for n in range(20)] + [-1.0, 4.0]
        results = list(cluster.map(math.sqrt, jobs, on_error=lambda job, exc: f"{job}: {type(exc).__name__}"))
    finally:
        cluster.close()
    assert results == [float(n) for n in range(20)] + ["-1.0: ValueError", 2.0]
