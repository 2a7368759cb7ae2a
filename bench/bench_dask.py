"""Throughput of `newsfuse batch`: local engine (1, 2 processes) vs dask (1, 2 workers), and the
cost of one dask partition (many tiny partitions vs few large ones). Prints a Markdown table.

    python bench/bench_dask.py [--input ../shared/data/multinews/validation.jsonl.gz] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import os
import tempfile
import time
from pathlib import Path

from newsfuse.distributed import DEFAULT_PARTITION_SIZE, run_dask, run_local
from newsfuse.settings import Options

DEFAULT_INPUT = Path(__file__).resolve().parents[2] / "shared" / "data" / "multinews" / "validation.jsonl.gz"


def _sample(source: Path, limit: int | None, directory: Path) -> tuple[Path, int]:
    path = directory / "clusters.jsonl"
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        lines = list(itertools.islice(handle, limit))
    path.write_text("".join(lines), encoding="utf-8")
    return path, len(lines)


def _local(path: Path, out: Path, workers: int, options: Options) -> float:
    start = time.perf_counter()
    run_local([path], out, options, workers=workers)
    return time.perf_counter() - start


def _dask(path: Path, out: Path, workers: int, partitions: int | None, options: Options) -> tuple[float, float]:
    """(cluster start-up seconds, run seconds) on a fresh LocalCluster of `workers` processes."""
    import distributed

    start = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(workers)
        ready = time.perf_counter()
        run_dask([path], out, options, partitions=partitions, client=client)
        return ready - start, time.perf_counter() - ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--limit", type=int, default=None, help="First N clusters only (default: all).")
    parser.add_argument("--words", type=int, default=None)
    args = parser.parse_args()
    options = Options(words=args.words)
    load = f"{os.getloadavg()[0]:.1f}"  # other work on the machine skews every number: report it
    rows: list[tuple[str, int, float, float]] = []  # (engine, partitions, startup s, run s)
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as scratch:
        tmp = Path(scratch)
        path, n = _sample(args.input, args.limit, tmp)
        default_parts = -(-n // DEFAULT_PARTITION_SIZE)
        for workers in (1, 2):
            rows.append(
                (
                    f"local, {workers} process{'es' if workers > 1 else ''}",
                    0,
                    0.0,
                    _local(path, tmp / f"local{workers}.jsonl", workers, options),
                )
            )
            print(rows[-1], flush=True)
        runs = [(1, None, default_parts), (2, None, default_parts), (2, n, n), (2, 2, 2)]
        for workers, partitions, count in runs:
            startup, seconds = _dask(path, tmp / f"dask{workers}-{count}", workers, partitions, options)
            rows.append((f"dask, {workers} worker{'s' if workers > 1 else ''}", count, startup, seconds))
            print(rows[-1], flush=True)
    print(
        f"\n{n} clusters from {args.input.name}; cluster start-up is not in clusters/s; "
        f"{os.cpu_count()} CPUs, load average {load} at the start, {os.getloadavg()[0]:.1f} at the end\n"
    )
    print("| engine | partitions | records/partition | start-up s | run s | clusters/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for engine, parts, startup, seconds in rows:
        size = f"{n / parts:.0f}" if parts else "-"
        print(f"| {engine} | {parts or '-'} | {size} | {startup:.1f} | {seconds:.1f} | {n / seconds:.2f} |")
    tiny, large = rows[-2], rows[-1]
    per_part = (tiny[3] - large[3]) / (tiny[1] - large[1])
    print(
        f"\noverhead per dask partition: ({tiny[3]:.1f} s - {large[3]:.1f} s) / ({tiny[1]} - {large[1]}) "
        f"partitions = {1000 * per_part:.1f} ms"
    )


if __name__ == "__main__":
    main()
