"""What the shared preparation saves per cluster: the code before the redesign and the working
tree's code, side by side in one run, on the 50 fulltext-dev clusters.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_prepare.py                  # --old ec1c931 --rounds 3
    PYTHONPATH=src python bench/bench_prepare.py --old REV --rounds 5 --limit 20

The old side is a temporary detached `git worktree` of REV (removed at the end); the new side is
this working tree's `src/`. Each side runs in its own worker process with PYTHONPATH=<side>/src
(the worker checks `newsfuse.__file__`), builds every story as `newsfuse batch` does
(`story_from_record`, then `summarize_story(story, Options(compare=...))`), warms up on the first
cluster, and times each summarize call in CPU time (`time.process_time`), compare on and off.
Workers alternate old, new, old, new, ... for `--rounds`; per cluster the minimum over rounds is
kept. The worker also hashes each summary's sentence texts so the two sides' outputs can be checked
identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sides import old_source

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FULLTEXT = SHARED / "data" / "fulltext-dev.jsonl"
OLD_DEFAULT = "ec1c931"
MODES = ("compare on", "compare off")


# ---------------------------------------------------------------- worker (runs inside one side)


def worker(expect_src: Path, data: Path, limit: int | None) -> None:
    """Time every cluster's summarize call with this process's newsfuse; JSON on stdout."""
    import gc

    import newsfuse
    from newsfuse.ingest import story_from_record
    from newsfuse.pipeline import summarize_story

    found = Path(newsfuse.__file__).resolve()
    if not found.is_relative_to(expect_src.resolve()):
        sys.exit(f"worker: imported newsfuse from {found}, expected it under {expect_src} (PYTHONPATH not first?)")
    try:  # after the redesign
        from newsfuse.settings import Options
    except ImportError:  # before it
        from newsfuse.model import Options  # type: ignore[no-redef]

    with open(data, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    records = records[:limit] if limit else records
    options = {mode: Options(compare=mode == "compare on") for mode in MODES}

    def run(number: int, mode: str) -> tuple[float, str]:
        story, _ = story_from_record(records[number], f"{data.name}:{number + 1}")  # fresh: old code mutates it
        gc.collect()
        start = time.process_time()
        summary = summarize_story(story, options[mode])
        seconds = time.process_time() - start
        digest = hashlib.sha256("\n".join(s.text for s in summary.sentences).encode("utf-8")).hexdigest()[:16]
        return seconds, digest

    for mode in MODES:  # warm-up: model load, lazy imports, first-call caches
        run(0, mode)
    result: dict = {"newsfuse": str(found), "ids": [r.get("id") for r in records], "ms": {}, "hash": {}}
    for mode in MODES:
        result["ms"][mode] = []
        result["hash"][mode] = []
    for number in range(len(records)):
        for mode in MODES:
            seconds, digest = run(number, mode)
            result["ms"][mode].append(seconds * 1000)
            result["hash"][mode].append(digest)
    json.dump(result, sys.stdout)


# ---------------------------------------------------------------- driver


def run_worker(src: Path, data: Path, limit: int | None) -> dict:
    """One worker process on one side's src/ (its own newsfuse first on the path)."""
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0")
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(src), "--data", str(data)]
    if limit:
        command += ["--limit", str(limit)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"worker on {src} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def summarize_times(runs: list[dict], mode: str) -> list[float]:
    """Per cluster: the minimum CPU ms over rounds."""
    return [min(times) for times in zip(*(r["ms"][mode] for r in runs))]


def table(old: list[dict], new: list[dict]) -> tuple[str, dict]:
    lines = [
        "| mode | old median ms | new median ms | new/old (median) | old mean ms | new mean ms | new/old (mean) | saved (1 - new/old, mean) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    numbers = {}
    for mode in MODES:
        o, n = summarize_times(old, mode), summarize_times(new, mode)
        om, nm = statistics.median(o), statistics.median(n)
        oa, na = statistics.mean(o), statistics.mean(n)
        numbers[mode] = {"old_median": om, "new_median": nm, "old_mean": oa, "new_mean": na}
        lines.append(
            f"| {mode} | {om:.1f} | {nm:.1f} | {nm / om:.2f} | {oa:.1f} | {na:.1f} | {na / oa:.2f} | {1 - na / oa:.0%} |"
        )
    o = [a - b for a, b in zip(summarize_times(old, "compare on"), summarize_times(old, "compare off"))]
    n = [a - b for a, b in zip(summarize_times(new, "compare on"), summarize_times(new, "compare off"))]
    om, nm, oa, na = statistics.median(o), statistics.median(n), statistics.mean(o), statistics.mean(n)
    numbers["compare's own cost"] = {"old_median": om, "new_median": nm, "old_mean": oa, "new_mean": na}
    lines.append(
        f"| compare's own cost (on - off) | {om:.1f} | {nm:.1f} | {nm / om:.2f} | {oa:.1f} | {na:.1f} | {na / oa:.2f} | {1 - na / oa:.0%} |"
    )
    return "\n".join(lines), numbers


def mismatches(old: list[dict], new: list[dict]) -> list[str]:
    """Clusters whose summary sentences differ between the sides (or between rounds of one side)."""
    found = []
    for mode in MODES:
        for number, cluster in enumerate(old[0]["ids"]):
            hashes = {r["hash"][mode][number] for r in old} | {r["hash"][mode][number] for r in new}
            if len(hashes) > 1:
                found.append(f"{mode}: cluster {number + 1} ({cluster}): {sorted(hashes)}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=OLD_DEFAULT, help="the revision before the redesign (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="old/new worker pairs; per cluster the minimum is kept")
    parser.add_argument("--limit", type=int, default=None, help="only the first N clusters (default: all)")
    parser.add_argument("--data", type=Path, default=FULLTEXT)
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)  # internal: a side's src/
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker, args.data, args.limit)
        return

    new_src = ROOT / "src"
    head = git("rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "src") else ""
    old_rev = git("rev-parse", "--short", args.old)
    with old_source(args.old) as old_src:
        old_runs, new_runs = [], []
        started = time.monotonic()
        for number in range(args.rounds):
            for name, src, runs in (("old", old_src, old_runs), ("new", new_src, new_runs)):
                runs.append(run_worker(src, args.data, args.limit))
                print(
                    f"round {number + 1}/{args.rounds} {name} done ({time.monotonic() - started:.0f} s)",
                    file=sys.stderr,
                )

    text, numbers = table(old_runs, new_runs)
    command = "PYTHONPATH=src python bench/bench_prepare.py" + "".join(
        f" {flag} {value}"
        for flag, value, default in (
            ("--old", args.old, OLD_DEFAULT),
            ("--rounds", args.rounds, 3),
            ("--limit", args.limit, None),
        )
        if value != default
    )
    clusters = len(old_runs[0]["ids"])
    print(f"\nCommand: `{command}`")
    print(
        f"({date.today().isoformat()}; old = {old_rev}, new = {head}{dirty}; {clusters} clusters of "
        f"{args.data.name}; CPU ms per summarize_story call, minimum of {args.rounds} rounds per cluster)\n"
    )
    print(text)
    bad = mismatches(old_runs, new_runs)
    print(
        f"\nSummary sentences identical on both sides: {'yes' if not bad else 'NO'} ({clusters} clusters x {len(MODES)} modes)"
    )
    for line in bad:
        print("  mismatch:", line)
    print("\n" + json.dumps(numbers), file=sys.stderr)


if __name__ == "__main__":
    main()
