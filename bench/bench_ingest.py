"""`Store.ingest` with summaries on the Multi-News validation mix: articles per CPU second, the
share spent summarizing, one call (what `newsfuse ingest FILES` does) against bursts of N articles
a call (what `watch` and the service's POSTs do), side by side in one run.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_ingest.py                 # --limit 2000 --bursts 64
    PYTHONPATH=src python bench/bench_ingest.py --limit 12473 --bursts 64,500

The mix is bench_stories.py's (every validation cluster's kept documents, shuffled with seed 13),
its first `--limit` articles. Each row ingests them into a fresh store in a temporary directory,
the model loaded beforehand; CPU time (`time.process_time`) of the ingest calls. "without
summaries" is the same stream with `summarize=False` (clustering and writing only).
"""

from __future__ import annotations

import argparse
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
    return {"seconds": seconds, "stories": stories, "summaries": summaries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--bursts", default="64", help="articles a call, comma-separated (besides one call)")
    args = parser.parse_args()
    articles = mixed_articles(limit=args.limit)[0]
    LearnedSelector.load()
    rows = [("one call, without summaries", None, False), ("one call, with summaries", None, True)]
    rows += [(f"bursts of {b}, with summaries", int(b), True) for b in args.bursts.split(",") if b]
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
