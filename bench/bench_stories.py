"""Story clustering on mixed Multi-News validation clusters: B-cubed quality and speed, in memory
and through the SQLite store.

Usage (from the repo root):
    PYTHONPATH=src python3 bench/bench_stories.py                 # all 5,622 clusters
    PYTHONPATH=src python3 bench/bench_stories.py --limit 1500    # the first 1,500 shuffled articles
Every cluster's kept documents (`cleansed_keep`, empty ones skipped) are mixed into one stream,
shuffled with a fixed seed, and clustered in one pass; the true stories are the clusters.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from newsfuse.model import Article
from newsfuse.store import Store
from newsfuse.stories import b_cubed, cluster_articles

VALIDATION = Path(__file__).resolve().parents[2] / "shared" / "data" / "multinews" / "validation.jsonl.gz"
SEED = 13
# Store ingest rate is reported per slice of this many articles, to show how it grows with the stories kept.
SLICE = 2000


def mixed_articles(path: Path = VALIDATION, seed: int = SEED, limit: int | None = None) -> tuple[list[Article], list[int]]:
    """The kept, non-empty documents of every cluster, shuffled; and each one's cluster number."""
    pairs = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            record = json.loads(line)
            for i in record["cleansed_keep"]:
                text = record["documents"][i]
                if text.strip():
                    pairs.append((Article(text=text, id=f"{record['id']}-{i}"), number))
    random.Random(seed).shuffle(pairs)
    pairs = pairs[:limit] if limit else pairs
    return [a for a, _ in pairs], [t for _, t in pairs]


def run_memory(articles: list[Article], truth: list[int]) -> dict:
    start = time.perf_counter()
    predicted = cluster_articles(articles)
    seconds = time.perf_counter() - start
    p, r, f1 = b_cubed(predicted, truth)
    return {"how": "in memory (`cluster_articles`)", "p": p, "r": r, "f1": f1, "rate": len(articles) / seconds,
            "stories": len(set(predicted)), "predicted": predicted}


def run_store(articles: list[Article], truth: list[int]) -> dict:
    slices, predicted, duplicates = [], [], 0
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        start = time.perf_counter()
        for i in range(0, len(articles), SLICE):
            chunk = articles[i:i + SLICE]
            read = _postings_read(store, chunk[:100])
            t0, c0 = time.perf_counter(), time.process_time()
            done = store.ingest(chunk, summarize=False)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            predicted += [d.story for d in done]
            duplicates += sum(not d.added for d in done)
            slices.append((i + len(chunk), 1000 * wall / len(chunk), 1000 * cpu / len(chunk), read,
                           store.db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]))
        seconds = time.perf_counter() - start
        size = (Path(tmp) / "bench.db").stat().st_size + (Path(tmp) / "bench.db-wal").stat().st_size
    p, r, f1 = b_cubed(predicted, truth)
    return {"how": "SQLite store (`Store.ingest`, summarize=False)", "p": p, "r": r, "f1": f1,
            "rate": len(articles) / seconds, "stories": len(set(predicted)), "predicted": predicted,
            "slices": slices, "bytes": size, "duplicates": duplicates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N shuffled articles only")
    parser.add_argument("--no-store", action="store_true", help="in-memory clustering only")
    args = parser.parse_args()
    articles, truth = mixed_articles(limit=args.limit)
    print(f"`PYTHONPATH=src python3 bench/bench_stories.py{' --limit ' + str(args.limit) if args.limit else ''}`: "
          f"{len(articles)} articles of {len(set(truth))} true stories, seed {SEED}, one core\n")
    runs = [run_memory(articles, truth)] + ([] if args.no_store else [run_store(articles, truth)])
    print("| clustering | B³ precision | B³ recall | B³ F1 | stories found | articles/s |")
    print("|---|---:|---:|---:|---:|---:|")
    p, r, f1 = b_cubed(list(range(len(truth))), truth)
    print(f"| baseline: every article its own story | {p:.3f} | {r:.3f} | {f1:.3f} | {len(truth)} | - |")
    for run in runs:
        print(f"| {run['how']} | {run['p']:.3f} | {run['r']:.3f} | {run['f1']:.3f} | {run['stories']} | {run['rate']:.0f} |")
    if len(runs) == 2:
        same = sum(a == b for a, b in zip(*(_canonical(r["predicted"]) for r in runs))) / len(articles)
        print(f"\nstore and memory give the same partition for {same:.1%} of articles; "
              f"database {runs[1]['bytes'] / 1e6:.1f} MB ({runs[1]['bytes'] / len(articles) / 1e3:.1f} kB/article); "
              f"{runs[1]['duplicates']} articles repeat a stored text and were not added again\n")
        print("| articles stored | stories kept | ingest ms/article, wall (this slice) | CPU ms/article "
              "| postings read per article (slice start) |")
        print("|---:|---:|---:|---:|---:|")
        for n, ms, cpu, read, stories in runs[1]["slices"]:
            print(f"| {n} | {stories} | {ms:.2f} | {cpu:.2f} | {read:.0f} |")
    sys.stdout.flush()


def _postings_read(store: Store, articles: list[Article]) -> float:
    """Mean posting rows an article's query terms (its QUERY_TERMS heaviest) read from the index."""
    import numpy as np

    from newsfuse import stories

    rows = 0
    for vector in stories.vectorize_many([f"{a.title or ''}\n{a.text}" for a in articles]):
        terms = vector.terms[np.argsort(-vector.weights)[:stories.QUERY_TERMS]].tolist()
        marks = ",".join("?" * len(terms))
        rows += store.db.execute(f"SELECT COUNT(*) FROM postings WHERE term IN ({marks})", terms).fetchone()[0]
    return rows / max(1, len(articles))


def _canonical(labels: list[int]) -> list[int]:
    """Labels renumbered by first appearance, so two clusterings can be compared label by label."""
    first: dict[int, int] = {}
    return [first.setdefault(label, len(first)) for label in labels]


if __name__ == "__main__":
    main()
