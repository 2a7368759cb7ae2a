"""Where an article's time goes into the store: the event sets of bench_stories, each in a cold
process (memory first, then the store, as `bench_stories.py --events` runs them), with the
store's wall and CPU rate, its B³ F1 beside memory's, and the ingest's time split by part.

Usage (from the repo root):
    PYTHONPATH=src python3 bench/bench_store.py                      # this tree
    PYTHONPATH=src python3 bench/bench_store.py --old 71d9d5e --rounds 3  # beside an older revision
Each side of each round is one process per set (`--side`), the sides alternating; the parts are
timed by wrapping the store's methods and its connection (wall ms over the set's one ingest call;
the wrappers cost a little, so the rates are of a run without them, in the same process before).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = ("allsides2021.tune-early.jsonl", "pac.train.jsonl", "pac.dev.jsonl")
# The service's bursts (as `bench_stories.py --events --store`): a story the store gave out is never
# split, so a call's lone reports pair with what is there, and a later call's better partner is
# not taken; the B³ F1 of calls this size beside memory's and one call's shows what that costs.
BURST = 64
# (label, object path, method): the parts of an ingest, timed where each runs (nested: "assign"
# holds "ranked", which holds "index get"; "text hash" is the module function the store calls).
PARTS = (
    ("vectorize", "clusterer", "vectorize"),
    ("assign", "clusterer", "assign"),
    ("ranked (candidate search)", "clusterer", "ranked"),
    ("index get", "index", "get"),
    ("index put", "index", "put"),
    ("partial scores", "index", "partial_scores"),
    ("lone reports' pass", "store", "_pair_lone"),
)


class TimedConnection:
    """A connection whose execute calls are timed by their statement's first words."""

    def __init__(self, db, spent: Counter) -> None:
        self._db, self._spent = db, spent

    def execute(self, sql, *args):
        start = time.perf_counter()
        try:
            return self._db.execute(sql, *args)
        finally:
            self._spent[_statement(sql)] += time.perf_counter() - start

    def executemany(self, sql, *args):
        start = time.perf_counter()
        try:
            return self._db.executemany(sql, *args)
        finally:
            self._spent[_statement(sql)] += time.perf_counter() - start

    def __getattr__(self, name):
        return getattr(self._db, name)


def _statement(sql: str) -> str:
    words = sql.split()
    head = " ".join(words[:3])
    if head.startswith("WITH q"):
        return "SQL: partial scores query"
    if words[0] in ("BEGIN", "COMMIT", "ROLLBACK"):
        return "SQL: BEGIN / COMMIT"
    return "SQL: " + head[:40]


def _wrap(owner, name: str, label: str, spent: Counter) -> None:
    method = getattr(owner, name)

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - start

    setattr(owner, name, timed)


def side(file: str) -> dict:
    """One set in this (cold) process: memory, the store untimed by part, then the store by part."""
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_stories as b
    from newsfuse import store as store_module
    from newsfuse.settings import Options
    from newsfuse.store import Store
    from newsfuse.stories import DEFAULT

    out = {}
    for dated in (True, False):
        articles, truth = b.event_articles(b.EVENTS / file, dated)
        memory = b.run_memory(articles, truth)
        stored = b.run_store(articles, truth)
        bursts = b.run_store(articles, truth, call=BURST)
        spent: Counter = Counter()
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.db", Options(clustering=DEFAULT)) as store:
            index = store.clusterer.index
            connection = TimedConnection(store.db, spent)
            store.db = index.db = connection  # type: ignore[assignment]
            owners = {"clusterer": store.clusterer, "index": index, "store": store}
            for label, owner, name in PARTS:
                _wrap(owners[owner], name, label, spent)
            hash_text = store_module.text_hash
            _wrap(store_module, "text_hash", "text hash", spent)
            start = time.perf_counter()
            try:
                store.ingest(articles, summarize=False)
            finally:
                store_module.text_hash = hash_text
            spent["whole ingest"] = time.perf_counter() - start
        out["yes" if dated else "no"] = {
            "articles": len(articles),
            "memory_f1": memory["f1"],
            "store_f1": stored["f1"],
            "bursts_f1": bursts["f1"],
            "memory_rate": memory["rate"],
            "rate": stored["rate"],
            "cpu_rate": stored["cpu_rate"],
            "parts_ms": {k: 1000 * v for k, v in spent.items()},
        }
    return out


def run_side(src: Path, file: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    done = subprocess.run(
        [sys.executable, __file__, "--side", file], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=None, help="an older revision, run side by side")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--side", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(side(args.side)))
        return
    from sides import old_source

    load = os.getloadavg()[0]
    results: dict[tuple[str, str], list[dict]] = {}
    with old_source(args.old) as old_src:
        sides = ([(f"old ({args.old})", old_src)] if old_src else []) + [("new", ROOT / "src")]
        for _ in range(args.rounds):
            for name, src in sides:
                for file in SETS:
                    for dated, result in run_side(src, file).items():
                        results.setdefault((name, f"{file} {dated}"), []).append(result)
    print(
        f"`PYTHONPATH=src python bench/bench_store.py{' --old ' + args.old if args.old else ''}"
        f"{f' --rounds {args.rounds}' if args.rounds > 1 else ''}`; load average {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end; medians of {args.rounds} round(s)\n"
    )
    print(
        f"| side | set | dated | articles | memory B³ F1 | store B³ F1 | store B³ F1, calls of {BURST} "
        "| articles/s in memory | articles/s into the store | articles per CPU s into the store |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for (name, key), runs in results.items():
        file, dated = key.split()
        med = {k: statistics.median(r[k] for r in runs) for k in ("memory_rate", "rate", "cpu_rate")}
        f1s = {(r["memory_f1"], r["store_f1"], r["bursts_f1"]) for r in runs}
        memory_f1, store_f1, bursts_f1 = f1s.pop() if len(f1s) == 1 else (float("nan"),) * 3
        print(
            f"| {name} | {file.split('.jsonl')[0]} | {dated} | {runs[0]['articles']} | {memory_f1:.3f} | {store_f1:.3f} "
            f"| {bursts_f1:.3f} "
            f"| {med['memory_rate']:.0f} | **{med['rate']:.0f}** | {med['cpu_rate']:.0f} |"
        )
    for file in SETS[1:2]:
        for dated in ("yes", "no"):
            print(f"\nWhere the ingest's time went, {file.split('.jsonl')[0]}, dated {dated} (wall ms, median):\n")
            names = [name for name, _ in sides]
            print("| part | " + " | ".join(names) + " |")
            print("|---|" + "---:|" * len(names))
            parts: dict[str, dict[str, float]] = {}
            for name in names:
                for part in {p for r in results[name, f"{file} {dated}"] for p in r["parts_ms"]}:
                    parts.setdefault(part, {})[name] = statistics.median(
                        r["parts_ms"].get(part, 0.0) for r in results[name, f"{file} {dated}"]
                    )
            for part, by in sorted(parts.items(), key=lambda kv: -max(kv[1].values())):
                if max(by.values()) >= 1.0:
                    print(f"| {part} | " + " | ".join(f"{by.get(n, 0.0):.1f}" for n in names) + " |")


if __name__ == "__main__":
    main()
