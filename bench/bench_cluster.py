"""Per-cluster cost of `newsfuse batch` on the 50 fulltext-dev clusters, compare off and on, beside
sumy's LexRank and the floor (read and regex-tokenize a cluster), side by side in one run; and the
whole `newsfuse batch` process against the same batch with LexRank.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_cluster.py                       # --rounds 3 --copies 3
    PYTHONPATH=src python bench/bench_cluster.py --old REV             # and an older revision's newsfuse

Per cluster (newsfuse in one worker process a side and mode, with the CLI's collector setting,
LexRank and the floor in another, PYTHONPATH=<side>/src;
warmed up on the first cluster, so
model loading and lazy imports are excluded; CPU time, `time.process_time`; each cluster keeps its
minimum over `--rounds`, the sides alternating):
- floor: `json.loads` of the cluster's line and `re.findall(r"\\w+", ...)` over its documents;
- newsfuse, compare off / on: `batch.process_record` of the line, what `newsfuse batch` does per
  record (the story built, summarized with the default learned selector, turned into the output dict);
- LexRank: the story built and prepared by newsfuse (sumy has no sentence splitter without NLTK
  data), then sumy's LexRank (`--selector lexrank`) packing the default budget; no attribution.
Whole process: `python -m newsfuse.cli batch IN -o OUT --workers 1` over the 50 clusters repeated
`--copies` times (150 records by default; the held-out full-text clusters are not in ../shared),
CPU time of the process (`os.wait4`, start-up included), default selector against `--selector lexrank`;
each process runs once unmeasured first, then `--process-rounds` times alternating with the others,
keeping its least, with its bytecode cached in a temporary directory, as an
installed package has it (this machine's environment sets PYTHONDONTWRITEBYTECODE, under which every
process compiles newsfuse's modules from source again: about 0.19 CPU s, as `bench_startup.py` avoids too).
"same output as new": the sha256 of every cluster's `process_record` output (compare off and on)
is the same on both sides in every round.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sides import old_source

ROOT = Path(__file__).resolve().parents[1]
FULLTEXT = ROOT.parent / "shared" / "data" / "fulltext-dev.jsonl"
SYSTEMS = ("floor", "off", "on", "lexrank")
WORD = re.compile(r"\w+")


def worker(expect_src: Path, data: Path, systems: list[str]) -> None:
    """Each cluster's CPU seconds for each system, JSON on stdout."""
    import newsfuse
    from newsfuse.batch import process_record
    from newsfuse.ingest import story_from_record
    from newsfuse.prepare import prepare
    from newsfuse.select import default_budget, get_selector
    from newsfuse.settings import Options

    if not Path(newsfuse.__file__).resolve().is_relative_to(expect_src.resolve()):
        sys.exit(f"worker: imported newsfuse from {newsfuse.__file__}, expected it under {expect_src}")
    lines = [line for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    off, on = Options(compare=False), Options(compare=True)
    lexrank = get_selector("lexrank", off)

    def floor(line: str) -> object:
        return [WORD.findall(d if isinstance(d, str) else d.get("text", "")) for d in json.loads(line)["documents"]]

    def run_lexrank(line: str) -> object:
        story = prepare(story_from_record(json.loads(line), "bench")[0])
        return lexrank(story, default_budget(story))

    run = {
        "floor": floor,
        "off": lambda line: process_record("bench", json.loads(line), off),
        "on": lambda line: process_record("bench", json.loads(line), on),
        "lexrank": run_lexrank,
    }
    for name in systems:
        run[name](lines[0])  # warm-up: model, lazy imports
    _collect_as_the_cli()
    out: dict[str, list[float]] = {name: [] for name in systems}
    digests = {name: hashlib.sha256() for name in systems if name in ("off", "on")}
    for line in lines:
        for name in systems:
            start = time.process_time()
            result = run[name](line)
            out[name].append(time.process_time() - start)
            if name in digests:
                digests[name].update(json.dumps(result, sort_keys=True).encode())
    json.dump({"times": out, "hashes": {name: d.hexdigest()[:16] for name, d in digests.items()}}, sys.stdout)


def _collect_as_the_cli() -> None:
    """The garbage collector set as `newsfuse batch`'s process sets it once its model is loaded
    (`cli.collect_less`), where the side has that setting; an older side without it keeps Python's."""
    try:
        from newsfuse.cli import collect_less
    except ImportError:
        return
    collect_less()


def run_worker(src: Path, data: Path, systems: list[str]) -> dict:
    """{"times": each system's CPU seconds per cluster, "hashes": the newsfuse outputs' sha256}."""
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(src), "--data", str(data)]
    done = subprocess.run([*command, "--systems", ",".join(systems)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"worker {src}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def whole_process(src: Path, data: Path, out: Path, selector: str | None, pycache: Path) -> float:
    """CPU seconds of one `newsfuse batch` process (start-up included; bytecode cached in `pycache`)."""
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return _process_cpu(env, data, out, selector)


def _process_cpu(env: dict[str, str], data: Path, out: Path, selector: str | None) -> float:
    command = [sys.executable, "-m", "newsfuse.cli", "batch", str(data), "-o", str(out), "--workers", "1"]
    command += ["--selector", selector] if selector else []
    out.unlink(missing_ok=True)
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed")
    return usage.ru_utime + usage.ru_stime


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=None, help="an older revision run side by side (newsfuse columns only)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=3, help="the whole-process batch: fulltext-dev this many times")
    parser.add_argument("--process-rounds", type=int, default=3, help="whole processes a side, alternating")
    parser.add_argument("--data", type=Path, default=FULLTEXT)
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker, args.data, args.systems.split(","))
        return
    # each of newsfuse's two modes in a worker of its own, as a `newsfuse batch` process runs one
    # mode (compare off after compare on, cluster by cluster, read slower: each left the other's
    # working set in the caches); LexRank and the floor in another: a worker that ran LexRank
    # between the clusters made the new side's newsfuse rows 10-15% slower than the same code on
    # the old side (71d9d5e against itself)
    sides = [("new", ROOT / "src", ["off"]), ("new", ROOT / "src", ["on"]), ("new", ROOT / "src", ["floor", "lexrank"])]
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp, old_source(args.old) as old_src:
        temp = Path(tmp)
        if old_src:
            sides[:0] = [("old", old_src, ["off"]), ("old", old_src, ["on"])]
        best: dict[tuple[str, str], list[float]] = {}
        hashes: dict[tuple[str, str], set[str]] = {}
        for _ in range(args.rounds):
            for side, src, systems in sides:
                done = run_worker(src, args.data, systems)
                for name, times in done["times"].items():
                    key = (side, name)
                    best[key] = [min(a, b) for a, b in zip(best[key], times)] if key in best else times
                for name, digest in done["hashes"].items():
                    hashes.setdefault((side, name), set()).add(digest)
        corpus = temp / "corpus.jsonl"
        with open(corpus, "w", encoding="utf-8") as handle:
            for copy in range(args.copies):
                for line in args.data.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        record = json.loads(line)
                        record["id"] = f"{record.get('id')}-{copy}"
                        handle.write(json.dumps(record) + "\n")
        runs = [(f"{side} newsfuse", src, None) for side, src, systems in sides if systems == ["off"]]
        runs.append(("new lexrank", ROOT / "src", "lexrank"))
        process: dict[str, float] = {}
        # a first unmeasured round writes the bytecode; then the processes alternate, each keeping
        # its least (one process a side swung 2.9-6.3 s for the same code on this shared machine)
        for measured in [False] + [True] * args.process_rounds:
            for name, src, selector in runs:
                cpu = whole_process(src, corpus, temp / "out.jsonl", selector, temp / "pyc")
                if measured:
                    process[name] = min(process.get(name, cpu), cpu)
    report(args, best, process, hashes)


def report(
    args: argparse.Namespace,
    best: dict[tuple[str, str], list[float]],
    process: dict[str, float],
    hashes: dict[tuple[str, str], set[str]],
) -> None:
    head = git("rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "src") else ""
    command = "PYTHONPATH=src python bench/bench_cluster.py" + (f" --old {args.old}" if args.old else "")
    rounds = f"{args.rounds} rounds, {args.process_rounds} process rounds, {args.copies} copies"
    print(f"\nCommand: `{command}` ({date.today().isoformat()}; new = {head}{dirty}; {rounds})\n")
    names = {"floor": "floor (read + regex-tokenize)", "off": "newsfuse, compare off", "on": "newsfuse, compare on"}
    names["lexrank"] = "sumy LexRank (newsfuse's preparation + LexRank)"
    lexrank = statistics.median(best[("new", "lexrank")])
    print("| system | median ms | mean ms | p90 ms | median vs LexRank | same output as new |")
    print("|---|---:|---:|---:|---:|---|")
    for (side, name), times in sorted(best.items(), key=lambda kv: (SYSTEMS.index(kv[0][1]), kv[0][0] != "old")):
        ms = sorted(t * 1000 for t in times)
        label = f"{side}: {names[name]}" if args.old and name in ("off", "on") else names[name]
        median = statistics.median(ms)
        same = "-" if (side, name) not in hashes else "yes" if hashes[(side, name)] == hashes[("new", name)] else "no"
        print(
            f"| {label} | {median:.2f} | {statistics.fmean(ms):.2f} | {ms[int(0.9 * (len(ms) - 1))]:.2f} |"
            f" {lexrank * 1000 / median:.1f}x faster | {same} |"
        )
    records = args.copies * len([line for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()])
    print(f"\nWhole process, `newsfuse batch --workers 1` over {records} records (CPU s, start-up included):\n")
    print("| process | CPU s | ms / record | LexRank / this |")
    print("|---|---:|---:|---:|")
    for name, seconds in process.items():
        print(f"| {name} | {seconds:.2f} | {seconds * 1000 / records:.1f} | {process['new lexrank'] / seconds:.2f}x |")


if __name__ == "__main__":
    main()
