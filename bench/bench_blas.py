"""The CLI's one BLAS thread against OpenBLAS's own default (a thread per core), side by side.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_blas.py                 # --rounds 5, fulltext-dev, --compare
    PYTHONPATH=src python bench/bench_blas.py --threads 2 --rounds 3

Each round runs `python -m newsfuse.cli batch fulltext-dev.jsonl -o OUT --workers 1 --compare`
twice, alternating: once as the CLI now runs (no BLAS variable set, so it sets one thread), once
with `OPENBLAS_NUM_THREADS=--threads` (what every earlier newsfuse ran with on this machine: the
CLI leaves a user's setting alone). CPU is the process tree's user + system time (`os.wait4`,
children included); the sides' outputs are compared byte for byte.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "fulltext-dev.jsonl"
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def run(threads: int | None, out: Path) -> float:
    """One batch process; its tree's CPU seconds."""
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    env["PYTHONPATH"] = str(ROOT / "src")
    if threads is not None:
        env["OPENBLAS_NUM_THREADS"] = str(threads)
    command = [sys.executable, "-m", "newsfuse.cli", "batch", str(DATA), "-o", str(out)]
    process = subprocess.Popen(
        [*command, "--workers", "1", "--compare"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"batch failed (status {status})")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"one": [], "default": []}
    same = True
    with tempfile.TemporaryDirectory() as tmp:
        one, default = Path(tmp) / "one.jsonl", Path(tmp) / "default.jsonl"
        for _ in range(args.rounds):
            times["one"].append(run(None, one))
            times["default"].append(run(args.threads, default))
            same = same and one.read_bytes() == default.read_bytes()
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print("| BLAS threads | CPU s (median) | CPU s (least) | vs one |")
    print("|---|---:|---:|---:|")
    base = statistics.median(times["one"])
    for name, label in (("one", "1 (the CLI now)"), ("default", f"{args.threads} (OpenBLAS's)")):
        median = statistics.median(times[name])
        print(f"| {label} | {median:.2f} | {min(times[name]):.2f} | {median / base:.2f}x |")
    print(f"same output: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
