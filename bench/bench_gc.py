"""The CLI's garbage-collector setting (cli.collect_less): whole `newsfuse batch --workers 1`
processes over fulltext-dev (copied `--copies` times), an older revision and this tree alternating
in each round; CPU time (user + system, start-up included), peak RSS and the output's hash.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_gc.py --old 042e17f --rounds 6
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from sides import ROOT, old_source

FULLTEXT = ROOT.parent / "shared" / "data" / "fulltext-dev.jsonl"


def corpus(data: Path, copies: int, path: Path) -> int:
    """fulltext-dev `copies` times, each copy's ids made distinct; the number of records."""
    lines = [line for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    with open(path, "w", encoding="utf-8") as handle:
        for copy in range(copies):
            for line in lines:
                record = json.loads(line)
                record["id"] = f"{record.get('id')}-{copy}"
                handle.write(json.dumps(record) + "\n")
    return copies * len(lines)


def process(src: Path, data: Path, out: Path) -> tuple[float, float, str]:
    """CPU s, peak RSS MB and output hash of one `newsfuse batch --workers 1` process."""
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0")
    command = [sys.executable, "-m", "newsfuse.cli", "batch", str(data), "-o", str(out), "--workers", "1"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()[:12]
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the older revision run side by side")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--data", type=Path, default=FULLTEXT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-gc-") as tmp, old_source(args.old) as old_src:
        temp = Path(tmp)
        records = corpus(args.data, args.copies, temp / "corpus.jsonl")
        sides = {"old": old_src, "new": ROOT / "src"}
        runs: dict[str, list[tuple[float, float, str]]] = {side: [] for side in sides}
        for round_ in range(args.rounds):
            order = list(sides) if round_ % 2 == 0 else list(sides)[::-1]
            for side in order:
                runs[side].append(process(sides[side], temp / "corpus.jsonl", temp / f"{side}.jsonl"))
    print(f"\n`newsfuse batch --workers 1` over {records} records, {args.rounds} rounds alternating\n")
    print("| side | CPU s, each round | least | median | peak RSS MB | output hash |")
    print("|---|---|---:|---:|---:|---|")
    for side, done in runs.items():
        cpu = [c for c, _, _ in done]
        hashes = ", ".join(sorted({h for _, _, h in done}))
        each = " ".join(f"{c:.2f}" for c in cpu)
        print(
            f"| {side} | {each} | {min(cpu):.2f} | {statistics.median(cpu):.2f} | {max(m for _, m, _ in done):.0f} | {hashes} |"
        )
    old, new = (statistics.median(c for c, _, _ in runs[s]) for s in ("old", "new"))
    print(f"\nold / new, medians: {old / new:.3f}x")


if __name__ == "__main__":
    main()
