"""`Store.ingest` with summaries on the Multi-News validation mix: articles per CPU second, the
share spent summarizing, one call (what `newsfuse ingest FILES` does) against bursts of N articles
a call (what `watch` and the service's POSTs do), side by side in one run.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_ingest.py                 # --limit 2000 --bursts 64
    PYTHONPATH=src python bench/bench_ingest.py --limit 12473 --bursts 64,500
    PYTHONPATH=src python bench/bench_ingest.py --old REV       # and an older revision, side by side

The mix is bench_stories.py's (every validation cluster's kept documents, shuffled with seed 13),
its first `--limit` articles. Each row ingests them into a fresh store in a temporary directory,
the model loaded beforehand; CPU time (`time.process_time`) of the ingest calls. "without
summaries" is the same stream with `summarize=False` (clustering and writing only). With `--old`,
each side runs in its own process (PYTHONPATH=<side>/src), old then new for each row, and "same
summaries" compares a hash of the stored summaries (story, size, data) of the two sides.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stories import mixed_articles  # noqa: E402
from newsfuse.model import Article  # noqa: E402
from newsfuse.select.learned import LearnedSelector  # noqa: E402
from newsfuse.store import Store  # noqa: E402


def run(articles: list[Article], burst: int | None, summarize: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        step = burst or len(articles)
        start = time.process_time()
        for i in range(0, len(articles), step):
            store.ingest(articles[i : i + step], summarize=summarize)
        seconds = time.process_time() - start
        stories = store.db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
        summaries = store.db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
        stored = store.db.execute("SELECT story, size, data FROM summaries ORDER BY story").fetchall()
    digest = hashlib.sha256(json.dumps(stored).encode()).hexdigest()[:16]
    return {"seconds": seconds, "stories": stories, "summaries": summaries, "hash": digest}


ROOT = Path(__file__).resolve().parents[1]


def worker(limit: int, burst: int | None, summarize: bool) -> None:
    """One row in this process (the side's newsfuse on PYTHONPATH), JSON on stdout."""
    articles = mixed_articles(limit=limit)[0]
    LearnedSelector.load()
    json.dump(run(articles, burst, summarize), sys.stdout)


def run_side(src: Path, limit: int, burst: int | None, summarize: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    command = [sys.executable, str(Path(__file__).resolve()), "--limit", str(limit), "--worker"]
    command += ["--burst", str(burst or 0)] + ([] if summarize else ["--no-summaries"])
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"worker {src}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def side_by_side(args: argparse.Namespace, rows: list) -> None:
    """Each row in a fresh process of each side, old then new; the table of both."""
    temp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", str(temp / "old"), args.old], check=True, capture_output=True)
    try:
        results = [
            (
                name,
                run_side(temp / "old" / "src", args.limit, burst, summarize),
                run_side(ROOT / "src", args.limit, burst, summarize),
            )
            for name, burst, summarize in rows
        ]
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(temp / "old")])
        subprocess.run([*git, "worktree", "prune"], capture_output=True)
    command = (
        f"PYTHONPATH=src python bench/bench_ingest.py --limit {args.limit} --bursts {args.bursts} --old {args.old}"
    )
    print(f"\nCommand: `{command}` ({date.today().isoformat()}; {args.limit} articles)\n")
    print(
        "| ingest | old CPU s | old articles/s | new CPU s | new articles/s | new/old | stories | summaries | same summaries |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, old, new in results:
        same = "yes" if old["hash"] == new["hash"] else "no"
        print(
            f"| {name} | {old['seconds']:.2f} | {args.limit / old['seconds']:.0f} | {new['seconds']:.2f} "
            f"| {args.limit / new['seconds']:.0f} | {new['seconds'] / old['seconds']:.2f} | {new['stories']} "
            f"| {new['summaries']} | {same} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--bursts", default="64", help="articles a call, comma-separated (besides one call)")
    parser.add_argument("--old", default=None, help="an older revision run side by side")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--burst", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--no-summaries", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.limit, args.burst or None, not args.no_summaries)
        return
    rows = [("one call, without summaries", None, False), ("one call, with summaries", None, True)]
    rows += [(f"bursts of {b}, with summaries", int(b), True) for b in args.bursts.split(",") if b]
    if args.old:
        side_by_side(args, rows)
        return
    articles = mixed_articles(limit=args.limit)[0]
    LearnedSelector.load()
    results = [(name, run(articles, burst, summarize)) for name, burst, summarize in rows]
    base = results[0][1]["seconds"]
    command = f"PYTHONPATH=src python bench/bench_ingest.py --limit {args.limit} --bursts {args.bursts}"
    print(f"\nCommand: `{command}` ({date.today().isoformat()}; {len(articles)} articles)\n")
    print("| ingest | CPU s | articles/s | stories | summaries cached | share summarizing |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results:
        share = 1 - base / r["seconds"] if r["seconds"] else 0.0
        print(
            f"| {name} | {r['seconds']:.2f} | {len(articles) / r['seconds']:.0f} | {r['stories']} "
            f"| {r['summaries']} | {share:.0%} |"
        )


if __name__ == "__main__":
    main()
