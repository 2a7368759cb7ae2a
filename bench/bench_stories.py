"""Story clustering on mixed Multi-News validation clusters: B-cubed quality and speed, in memory
and through the SQLite store.

Usage (from the repo root):
    PYTHONPATH=src python3 bench/bench_stories.py                 # all 5,622 clusters
    PYTHONPATH=src python3 bench/bench_stories.py --limit 1500    # the first 1,500 shuffled articles
    PYTHONPATH=src python3 bench/bench_stories.py --ceiling       # what any clustering could reach
    PYTHONPATH=src python3 bench/bench_stories.py --dated         # with simulated publication dates
    PYTHONPATH=src python3 bench/bench_stories.py --events        # every dated event set, with and without dates
    PYTHONPATH=src python3 bench/bench_stories.py --events --compare  # the same sets, with and without the lone reports' pass
    PYTHONPATH=src python3 bench/bench_stories.py --events --compare --before day_penalty=0  # without the day penalty beside it
    PYTHONPATH=src python3 bench/bench_stories.py --events --compare --before learned_join=false  # the undated threshold beside the learned join
    PYTHONPATH=src python3 bench/bench_stories.py --events --compare --store --limit 2000  # the same, into the store
    PYTHONPATH=src python3 bench/bench_stories.py --events --store  # the store beside memory, the lone pass off and on
    PYTHONPATH=src python3 bench/bench_stories.py --events --old bef5dc2 [--rounds 3]  # cold processes of REV beside this tree
    PYTHONPATH=src python3 bench/bench_stories.py --events --engine dask [--workers 2] [--limit 2000]
                                                                  # the same sets, one process beside Dask partitions
Every cluster's kept documents (`cleansed_keep`, empty ones skipped) are mixed into one stream,
shuffled with a fixed seed, and clustered in one pass; the true stories are the clusters.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from operator import itemgetter
from pathlib import Path

from newsfuse.model import Article
from newsfuse.settings import Options
from newsfuse.store import Store
from newsfuse.stories import DEFAULT, ClusterSettings, b_cubed, cluster_articles

VALIDATION = Path(__file__).resolve().parents[2] / "shared" / "data" / "multinews" / "validation.jsonl.gz"
EVENTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "events"
# The tuning portions of ../shared/data/events (its README); the rest is held out for evaluation.
EVENT_SETS = (
    ("AllSides 2021, earlier half", "allsides2021.tune-early.jsonl"),
    ("PAC train", "pac.train.jsonl"),
    ("PAC dev", "pac.dev.jsonl"),
)
SEED = 13
YEAR_START = datetime(2016, 1, 1, tzinfo=timezone.utc)
DATED_SPREAD = 2.0  # days over which one simulated story's articles are published
# The size of the Multi-News test mix the issue's 0.88 goal was measured on (2,188 articles): the
# validation file's first clusters of about as many articles (`first_clusters`) make a dev figure
# comparable with it (the whole validation mix, 12,473 articles, is a harder and longer stream).
ISSUE_MIX = 2188
# Store ingest rate is reported per slice of this many articles, to show how it grows with the stories kept.
SLICE = 2000


def mixed_articles(
    path: Path = VALIDATION, seed: int = SEED, limit: int | None = None, dated: bool = False
) -> tuple[list[Article], list[int]]:
    """The kept, non-empty documents of every cluster, shuffled; and each one's cluster number.
    `dated`: Multi-News has no dates, so each story gets a random day of one year and its
    articles times within DATED_SPREAD of it; the stream then arrives in time order."""
    pairs = list(_kept_documents(path))
    random.Random(seed).shuffle(pairs)
    pairs = pairs[:limit] if limit else pairs
    if dated:
        rng = random.Random(seed)
        days = {n: rng.uniform(0, 365) for n in sorted({n for _, n in pairs})}
        pairs = sorted(
            (
                (replace(a, published=YEAR_START + timedelta(days=days[n] + rng.uniform(0, DATED_SPREAD))), n)
                for a, n in pairs
            ),
            key=lambda pair: pair[0].published,
        )
    return [a for a, _ in pairs], [t for _, t in pairs]


def _kept_documents(path: Path) -> Iterator[tuple[Article, int]]:
    """Each record's kept, non-empty documents in file order, with the record's number (as
    storyjoin.kept_documents reads them; the bench keeps its own, as it runs against old trees too)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            record = json.loads(line)
            for i in record["cleansed_keep"]:
                text = record["documents"][i]
                if text.strip():
                    yield Article(text=text, id=f"{record['id']}-{i}"), number


def first_clusters(
    path: Path = VALIDATION, seed: int = SEED, articles: int = ISSUE_MIX
) -> tuple[list[Article], list[int]]:
    """The validation file's first clusters, in file order, whole: clusters are taken until their
    kept non-empty documents number at least `articles` (the last cluster taken whole), then those
    documents are shuffled as `mixed_articles` shuffles the whole mix; and each one's cluster number."""
    pairs: list[tuple[Article, int]] = []
    for article, number in _kept_documents(path):
        if len(pairs) >= articles and number != pairs[-1][1]:
            break
        pairs.append((article, number))
    random.Random(seed).shuffle(pairs)
    return [a for a, _ in pairs], [t for _, t in pairs]


def event_articles(path: Path, dated: bool = True) -> tuple[list[Article], list[str]]:
    """A set's articles in stream order, with only the fields a clusterer may see, and the gold events."""
    articles, truth = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        published = r.get("published") if dated else None
        when = datetime.fromisoformat(published).replace(tzinfo=timezone.utc) if published else None
        articles.append(
            Article(text=r["text"], title=r.get("title"), outlet=r.get("outlet"), id=r["id"], published=when)
        )
        truth.append(r["event"])
    return articles, truth


def pairwise_f1(predicted: list[int], truth: list) -> float:
    """Pairwise ("standard") F1 over the article pairs placed in one cluster (Miranda et al. 2018)."""
    from collections import Counter
    from math import comb

    together = sum(comb(c, 2) for c in Counter(zip(predicted, truth)).values())
    said = sum(comb(c, 2) for c in Counter(predicted).values())
    gold = sum(comb(c, 2) for c in Counter(truth).values())
    p, r = together / said if said else 1.0, together / gold if gold else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


def events(store: bool = True) -> None:
    """Every dated event set (and the Multi-News validation mix), with and without dates."""
    print(
        "| set | dates | articles | events | B³ P | B³ R | B³ F1 | pairwise F1 | stories | articles/s in memory "
        "| articles/s into the store | store B³ F1 |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, dates, articles, truth in event_cases():
        memory = run_memory(articles, truth)
        stored = run_store(articles, truth) if store else None
        rate = f"{stored['rate']:.0f} | {stored['f1']:.3f}" if stored else "- | -"
        print(
            f"| {name} | {dates} | {len(articles)} | {len(set(truth))} | {memory['p']:.3f} | {memory['r']:.3f} "
            f"| **{memory['f1']:.3f}** | {pairwise_f1(memory['predicted'], truth):.3f} | {memory['stories']} "
            f"| {memory['rate']:.0f} | {rate} |",
            flush=True,
        )


def store_pairs(limit: int | None = None) -> None:
    """Every set of `events` into the store beside memory: the store with one pass only (the lone
    reports' pass off, as the store was before it had one), with the pass in one ingest call, and
    in calls of 64 articles (the service's bursts); rates of the one-pass and paired store runs,
    alternated three times in this process, the run of least CPU kept. `limit`: the Multi-News mix's first articles only."""
    print(
        "| set | dates | articles | memory B³ F1 | store, one pass | store, one call | store, calls of 64 "
        "| store one pass: articles/s (CPU) | store paired: articles/s (CPU) | the pass's share of ingest CPU |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    _warm()
    for name, dates, articles, truth in event_cases(limit):
        memory = run_memory(articles, truth)
        runs = [
            (run_store(articles, truth, replace(DEFAULT, lone_threshold=0.0)), run_store(articles, truth))
            for _ in range(3)
        ]
        before, after = (max((run[k] for run in runs), key=itemgetter("cpu_rate")) for k in (0, 1))
        bursts = run_store(articles, truth, call=64)
        print(
            f"| {name} | {dates} | {len(articles)} | {memory['f1']:.3f} | {before['f1']:.3f} | **{after['f1']:.3f}** "
            f"| {bursts['f1']:.3f} | {before['rate']:.0f} ({before['cpu_rate']:.0f}) "
            f"| {after['rate']:.0f} ({after['cpu_rate']:.0f}) | {100 * after['pass_share']:.1f}% |",
            flush=True,
        )


def compare(changed: str = "lone_threshold=0", store: bool = False, limit: int | None = None) -> None:
    """Every set of `events`, in memory (`store`: into the store, in ingest calls of `SLICE`), with the
    defaults beside the defaults with one setting `changed` (NAME=NUMBER; by default one pass only,
    `lone_threshold` 0, the clustering before the lone reports' pass), in one run: quality and
    speed side by side (the fastest of 3 runs each; CPU rates are of that run). `limit`: the
    Multi-News mix's first articles only."""
    run = run_store if store else run_memory
    name, _, value = changed.partition("=")
    kind = type(getattr(DEFAULT, name))
    number = value.lower() in ("1", "true") if kind is bool else int(value) if kind is int else float(value)
    before = replace(DEFAULT, **{name: number})
    where = "into the store" if store else "in memory"
    print(f"before: {name} = {value}; after: the defaults ({name} = {getattr(DEFAULT, name)}); {where}\n")
    print(
        "| set | dates | articles | B³ F1 before | B³ F1 after | B³ P / R after | pairwise F1 "
        "before / after | stories before / after | articles/s before / after | articles per CPU s before / after |"
    )
    print("|---|---|---:|---:|---:|---|---|---|---|---|")
    cluster_articles([Article(text="A warm-up article about a harbour crane.")])  # the IDF table, outside the timings
    for name, dates, articles, truth in event_cases(limit):
        # the fastest of 3 runs each, alternating: the small sets take well under a second
        trials = [[run(articles, truth, settings) for settings in (before, DEFAULT)] for _ in range(3)]
        old, new = (max((t[k] for t in trials), key=lambda run: run["rate"]) for k in (0, 1))
        print(
            f"| {name} | {dates} | {len(articles)} | {old['f1']:.3f} | **{new['f1']:.3f}** | {new['p']:.3f} / {new['r']:.3f} "
            f"| {pairwise_f1(old['predicted'], truth):.3f} / {pairwise_f1(new['predicted'], truth):.3f} "
            f"| {old['stories']} / {new['stories']} | {old['rate']:.0f} / {new['rate']:.0f} "
            f"| {old['cpu_rate']:.0f} / {new['cpu_rate']:.0f} |",
            flush=True,
        )


_MASK = 0xFFFFFFFF


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _MASK


def pure_murmurhash3_32(data: bytes | str, seed: int = 0) -> int:
    """MurmurHash3 x86 32-bit, signed, in Python: newsfuse's hash before mmh3 (`--hasher --murmur`)."""
    data = data.encode("utf-8") if isinstance(data, str) else data
    c1, c2, length = 0xCC9E2D51, 0x1B873593, len(data)
    h = seed & _MASK
    end = length & ~3
    for i in range(0, end, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        h ^= (_rotl((k * c1) & _MASK, 15) * c2) & _MASK
        h = (_rotl(h, 13) * 5 + 0xE6546B64) & _MASK
    tail = int.from_bytes(data[end:], "little")
    if length & 3:
        h ^= (_rotl((tail * c1) & _MASK, 15) * c2) & _MASK
    h ^= length
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h - (1 << 32) if h & 0x80000000 else h


def hasher_compare(limit: int | None = None, murmur: bool = False) -> None:
    """Every set of `events`, a fresh term hasher per vectorizing call (before: every call hashed
    each term again, and the store vectorizes an article at a time) beside the process's one hasher
    (after), in memory and into the store, alternated in one run, the run of least CPU kept; the
    shared hasher's memo is emptied before each run, so 'after' is a cold process too. With `murmur`,
    both sides use the shared hasher and 'before' hashes in Python (`pure_murmurhash3_32`), 'after'
    with mmh3."""
    import numpy as np

    from newsfuse import hashing, stories
    from newsfuse.hashing import TermHasher

    shared = stories._hasher
    c_hash = hashing.murmurhash3_32

    def fresh() -> TermHasher:
        return TermHasher(stories.N_FEATURES, token_pattern=r"(?u)\b[^\W\d_][^\W_]{2,}\b", dtype=np.float32)

    def run(kind: str, where: str, articles: list[Article], truth: list) -> dict:
        if murmur:
            hashing.murmurhash3_32 = pure_murmurhash3_32 if kind == "before" else c_hash  # type: ignore[assignment]
        else:
            stories._hasher = fresh if kind == "before" else shared  # type: ignore[assignment]
        shared()._columns.clear()
        try:
            return run_memory(articles, truth) if where == "memory" else run_store(articles, truth)
        finally:
            stories._hasher = shared  # type: ignore[assignment]
            hashing.murmurhash3_32 = c_hash  # type: ignore[assignment]

    print(
        "| set | dates | articles | mean characters | B³ F1 before / after (memory) | store B³ F1 before / after "
        "| articles per CPU s in memory before / after | into the store before / after |"
    )
    print("|---|---|---:|---:|---|---|---|---|")
    _warm()
    for name, dates, articles, truth in event_cases(limit):
        best: dict[tuple[str, str], dict] = {}
        for _ in range(3):
            for where in ("memory", "store"):
                for kind in ("before", "after"):
                    result = run(kind, where, articles, truth)
                    if (kind, where) not in best or result["cpu_rate"] > best[kind, where]["cpu_rate"]:
                        best[kind, where] = result
        m0, m1, s0, s1 = (
            best[k] for k in (("before", "memory"), ("after", "memory"), ("before", "store"), ("after", "store"))
        )
        chars = sum(len(a.text) for a in articles) / len(articles)
        print(
            f"| {name} | {dates} | {len(articles)} | {chars:.0f} | {m0['f1']:.3f} / {m1['f1']:.3f} "
            f"| {s0['f1']:.3f} / {s1['f1']:.3f} | {m0['cpu_rate']:.0f} / **{m1['cpu_rate']:.0f}** "
            f"| {s0['cpu_rate']:.0f} / **{s1['cpu_rate']:.0f}** |",
            flush=True,
        )


def old_compare(rev: str, rounds: int = 3, limit: int | None = None) -> None:
    """`events` in memory, in fresh processes (each a cold one: imports, IDF table and term memo
    new, as a first `newsfuse cluster` call has them), this tree's code beside `rev`'s (a `git
    worktree` of it in a temporary directory; this bench runs both), alternated `rounds` times (old
    first, then new first, ...); the best wall and CPU rates of each side kept, and a hash of each
    set's labels on both sides."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["git", "-C", str(root), "worktree", "add", "--detach", tmp, rev], check=True, capture_output=True
        )
        try:
            runs: dict[str, list[list[dict]]] = {"old": [], "new": []}
            sides = [("old", Path(tmp) / "src"), ("new", root / "src")]
            for n in range(rounds):
                for side, src in sides if n % 2 == 0 else sides[::-1]:  # old first, then new first, ...
                    command = [sys.executable, __file__, "--events", "--json"] + (
                        ["--limit", str(limit)] if limit else []
                    )
                    done = subprocess.run(
                        command, env={**os.environ, "PYTHONPATH": str(src)}, check=True, capture_output=True, text=True
                    )
                    runs[side].append(json.loads(done.stdout))
        finally:
            subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", tmp], check=False)
    print(f"old: {rev}; new: this tree; in memory, a fresh process per side and round, {rounds} rounds alternated\n")
    print(
        "| set | dates | articles | B³ P / R old | B³ P / R new | B³ F1 old / new | labels' hash old / new "
        "| articles/s old / new (best of rounds) "
        "| articles per CPU s old / new (best) | new/old (CPU) | each round's CPU rate old / new |"
    )
    print("|---|---|---:|---|---|---|---|---|---|---:|---|")
    for k, case in enumerate(runs["new"][0]):
        old, new = ([r[k] for r in runs[side]] for side in ("old", "new"))
        same = (
            "same"
            if {r["labels"] for r in old} == {r["labels"] for r in new} and len({r["labels"] for r in new}) == 1
            else "**differ**"
        )
        rounds_text = ", ".join(f"{a['cpu_rate']:.0f}/{b['cpu_rate']:.0f}" for a, b in zip(old, new))
        cpu_old, cpu_new = max(r["cpu_rate"] for r in old), max(r["cpu_rate"] for r in new)
        print(
            f"| {case['name']} | {case['dates']} | {case['articles']} | {old[0]['p']:.3f} / {old[0]['r']:.3f} "
            f"| {new[0]['p']:.3f} / {new[0]['r']:.3f} | {old[0]['f1']:.3f} / {new[0]['f1']:.3f} "
            f"| {old[0]['labels'][:8]} / {new[0]['labels'][:8]} ({same}) "
            f"| {max(r['rate'] for r in old):.0f} / **{max(r['rate'] for r in new):.0f}** "
            f"| {cpu_old:.0f} / **{cpu_new:.0f}** | {cpu_new / cpu_old:.2f} | {rounds_text} |",
            flush=True,
        )


def events_json(limit: int | None = None) -> None:
    """`events` in memory, as JSON for `old_compare`: per set its F1, wall rate and labels' hash."""
    out = []
    for name, dates, articles, truth in event_cases(limit):
        memory = run_memory(articles, truth)
        labels = hashlib.sha256(json.dumps(memory["predicted"]).encode()).hexdigest()
        out.append(
            {
                "name": name,
                "dates": dates,
                "articles": len(articles),
                "p": memory["p"],
                "r": memory["r"],
                "f1": memory["f1"],
                "rate": memory["rate"],
                "cpu_rate": memory["cpu_rate"],
                "labels": labels,
            }
        )
    print(json.dumps(out))


def event_cases(limit: int | None = None) -> list[tuple[str, str, list[Article], list]]:
    """Every dated event set with and without its dates, and the undated Multi-News validation mix
    (its first `limit` shuffled articles with a limit), and the validation file's first whole
    clusters of about the issue's test mix size (`first_clusters`)."""
    cases: list[tuple[str, str, list[Article], list]] = []
    for name, file in EVENT_SETS:
        if (EVENTS / file).exists():
            for dated in (True, False):
                cases.append((name, "yes" if dated else "no", *event_articles(EVENTS / file, dated)))
    if VALIDATION.exists():
        cases.append(("Multi-News validation mix", "none", *mixed_articles(limit=limit)))
        cases.append(("Multi-News validation, first clusters", "none", *first_clusters()))
    return cases


def engine_cases(limit: int | None = None) -> list[tuple[str, str, list[Article], list]]:
    """The sets `events` reports, and the Multi-News mix with simulated dates (a long stream in time
    order); `limit`: the mixes' first articles only."""
    cases = event_cases(limit)
    if VALIDATION.exists():
        cases.append(("Multi-News validation mix", "simulated", *mixed_articles(limit=limit, dated=True)))
    return cases


def engines(workers: int, forced: list[int], limit: int | None = None) -> None:
    """One process (`cluster_articles`) beside `cluster --engine dask` (newsfuse.partitioned) on a
    LocalCluster of `workers` single-threaded processes: the default partitions (one per worker, at
    least 200 articles each) and each count in `forced` (cut however small), same articles."""
    import distributed

    from newsfuse.partitioned import cluster_dask

    load = f"{os.getloadavg()[0]:.1f}"
    started = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(workers)
        client.run(_warm)  # each worker loads the IDF table and the vectorizer once, before any timing
        startup = time.perf_counter() - started
        _warm()
        print(
            "| set | dates | articles | engine | partitions | B³ F1 | Δ F1 vs one process | agreement with one process "
            "| wall s | CPU s: driver + workers (slowest partition) | merge s | articles/s |"
        )
        print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, dates, articles, truth in engine_cases(limit):
            wall, cpu = time.perf_counter(), time.process_time()
            local = cluster_articles(articles)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            f1 = b_cubed(local, truth)[2]
            head = f"| {name} | {dates} | {len(articles)}"
            print(
                f"{head} | one process | - | **{f1:.3f}** | - | - | {wall:.2f} | {cpu:.2f} | - | {len(articles) / wall:.0f} |"
            )
            for asked in [None, *forced]:
                steps: dict[str, float] = {}
                wall, cpu = time.perf_counter(), time.process_time()
                labels, results = cluster_dask(articles, partitions=asked, client=client, timings=steps)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                workers_cpu, slowest = sum(r.cpu for r in results), max(r.cpu for r in results)
                dask_f1 = b_cubed(labels, truth)[2]
                print(
                    f"{head} | dask, {workers} workers | {len(results)}{'' if asked else ' (default)'} | **{dask_f1:.3f}** "
                    f"| {dask_f1 - f1:+.3f} | {b_cubed(labels, local)[2]:.3f} | {wall:.2f} "
                    f"| {cpu:.2f} + {workers_cpu:.2f} ({slowest:.2f}) | {steps['merge']:.2f} | {len(articles) / wall:.0f} |",
                    flush=True,
                )
    print(
        f"\nLocalCluster of {workers} worker processes, started in {startup:.1f} s (not in the times); "
        f"{os.cpu_count()} CPUs, load average {load} at the start, {os.getloadavg()[0]:.1f} at the end"
    )


def _warm() -> None:
    """Load what the first clustering loads (the IDF table, scikit-learn's vectorizer) outside the timings."""
    cluster_articles([Article(text="A warm-up article about a harbour crane.")])


def run_memory(articles: list[Article], truth: list, settings: ClusterSettings | None = None) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    predicted = cluster_articles(articles, settings=settings)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    p, r, f1 = b_cubed(predicted, truth)
    return {
        "how": "in memory (`cluster_articles`)",
        "p": p,
        "r": r,
        "f1": f1,
        "rate": len(articles) / seconds,
        "cpu_rate": len(articles) / max(cpu, 1e-9),
        "stories": len(set(predicted)),
        "predicted": predicted,
    }


def run_store(articles: list[Article], truth: list, settings: ClusterSettings = DEFAULT, call: int = SLICE) -> dict:
    """Ingest in calls of `call` articles (summarize=False); each article's story as the store has
    it at the end (a later call's lone reports' pass may have moved it)."""
    slices, done_all, duplicates = [], [], 0
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db", Options(clustering=settings)) as store:
        seconds, cpu = 0.0, 0.0  # in the ingest calls only (not the postings count read beside them)
        pass_cpu = _time_pass(store)
        for i in range(0, len(articles), call):
            chunk = articles[i : i + call]
            read = _postings_read(store, chunk[:100])
            t0, c0 = time.perf_counter(), time.process_time()
            done = store.ingest(chunk, summarize=False)
            wall, used = time.perf_counter() - t0, time.process_time() - c0
            seconds, cpu = seconds + wall, cpu + used
            done_all += done
            duplicates += sum(not d.added for d in done)
            slices.append(
                (
                    i + len(chunk),
                    1000 * wall / len(chunk),
                    1000 * used / len(chunk),
                    read,
                    store.db.execute("SELECT COUNT(*) FROM stories").fetchone()[0],
                )
            )
        final = dict(store.db.execute("SELECT article, story FROM membership").fetchall())
        predicted = [final[d.article] for d in done_all]
        size = (Path(tmp) / "bench.db").stat().st_size + (Path(tmp) / "bench.db-wal").stat().st_size
    p, r, f1 = b_cubed(predicted, truth)
    return {
        "how": "SQLite store (`Store.ingest`, summarize=False)",
        "p": p,
        "r": r,
        "f1": f1,
        "rate": len(articles) / seconds,
        "cpu_rate": len(articles) / max(cpu, 1e-9),
        "pass_share": sum(pass_cpu) / max(cpu, 1e-9),
        "stories": len(set(predicted)),
        "predicted": predicted,
        "slices": slices,
        "bytes": size,
        "duplicates": duplicates,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N shuffled articles only")
    parser.add_argument("--no-store", action="store_true", help="in-memory clustering only")
    parser.add_argument("--ceiling", action="store_true", help="offline upper bounds instead of the online run")
    parser.add_argument("--dated", action="store_true", help="simulated publication dates, stream in time order")
    parser.add_argument(
        "--events", action="store_true", help="the dated event sets and the mix, with and without dates"
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="with --events: the defaults beside one setting changed (--before), in memory (--store: into the store)",
    )
    parser.add_argument(
        "--before",
        default="lone_threshold=0",
        help="with --compare: the setting NAME=NUMBER of the 'before' side (default lone_threshold=0: one pass)",
    )
    parser.add_argument(
        "--store", action="store_true", help="with --events: the store (one pass, paired, in bursts) beside memory"
    )
    parser.add_argument(
        "--hasher", action="store_true", help="with --events: a fresh term hasher per call beside the shared one"
    )
    parser.add_argument(
        "--murmur", action="store_true", help="with --hasher: MurmurHash3 in Python (before) beside mmh3 (after)"
    )
    parser.add_argument(
        "--old", default=None, help="with --events: cold processes of this git revision beside this tree"
    )
    parser.add_argument("--rounds", type=int, default=3, help="with --old: alternated rounds")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", choices=("local", "dask"), default="local", help="with --events: dask beside local")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes (--engine dask)")
    parser.add_argument(
        "--partitions", type=int, nargs="*", default=[4, 8], help="partition counts forced besides the default"
    )
    args = parser.parse_args()
    if args.events and args.engine == "dask":
        return engines(args.workers, args.partitions, args.limit)
    if args.events and args.old:
        return old_compare(args.old, args.rounds, args.limit)
    if args.events and args.json:
        return events_json(args.limit)
    if args.events and args.hasher:
        return hasher_compare(args.limit, args.murmur)
    if args.events and args.compare:
        return compare(args.before, args.store, args.limit)
    if args.events and args.store:
        return store_pairs(args.limit)
    if args.events:
        return events(store=not args.no_store)
    articles, truth = mixed_articles(limit=args.limit, dated=args.dated)
    if args.ceiling:
        return ceiling(articles, truth)
    print(
        f"`PYTHONPATH=src python3 bench/bench_stories.py{' --limit ' + str(args.limit) if args.limit else ''}"
        f"{' --dated' if args.dated else ''}`: "
        f"{len(articles)} articles of {len(set(truth))} true stories, seed {SEED}, one core\n"
    )
    runs = [run_memory(articles, truth)] + ([] if args.no_store else [run_store(articles, truth)])
    print("| clustering | B³ precision | B³ recall | B³ F1 | stories found | articles/s |")
    print("|---|---:|---:|---:|---:|---:|")
    p, r, f1 = b_cubed(list(range(len(truth))), truth)
    print(f"| baseline: every article its own story | {p:.3f} | {r:.3f} | {f1:.3f} | {len(truth)} | - |")
    for run in runs:
        print(
            f"| {run['how']} | {run['p']:.3f} | {run['r']:.3f} | {run['f1']:.3f} | {run['stories']} | {run['rate']:.0f} |"
        )
    if len(runs) == 2:
        agree = b_cubed(runs[1]["predicted"], runs[0]["predicted"])[2]
        print(
            f"\nthe store's partition against the in-memory one: B³ F1 {agree:.3f}; "
            f"database {runs[1]['bytes'] / 1e6:.1f} MB ({runs[1]['bytes'] / len(articles) / 1e3:.1f} kB/article); "
            f"{runs[1]['duplicates']} articles repeat a stored text and were not added again\n"
        )
        print(
            "| articles stored | stories kept | ingest ms/article, wall (this slice) | CPU ms/article "
            "| postings read per article (slice start) |"
        )
        print("|---:|---:|---:|---:|---:|")
        for n, ms, cpu, read, stories in runs[1]["slices"]:
            print(f"| {n} | {stories} | {ms:.2f} | {cpu:.2f} | {read:.0f} |")
    sys.stdout.flush()


def ceiling(articles: list[Article], truth: list[int]) -> None:
    """Offline bounds on the mix: with every pairwise similarity in hand and the cut chosen on the
    data itself, how well can average-linkage clustering do, how often is an article's nearest
    neighbour in its own story, and how many articles share no words with their own story at all."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    labels = np.array(truth)
    sizes = np.bincount(labels)
    paired = sizes[labels] > 1
    print(f"{len(articles)} articles, {int((sizes > 0).sum())} true stories, {int(paired.sum())} in stories of 2+\n")
    print("| representation | nearest neighbour in own story | best offline B³ F1 (P / R) | cut (similarity) |")
    print("|---|---:|---:|---:|")
    texts = [a.text for a in articles]
    for name, sim in _similarities(texts):
        np.fill_diagonal(sim, -1.0)
        nearest = float((labels[sim.argmax(axis=1)] == labels)[paired].mean())
        distance = np.clip(1.0 - sim, 0.0, 2.0)
        np.fill_diagonal(distance, 0.0)
        tree = linkage(squareform(distance, checks=False), "average")
        runs = [(b_cubed(fcluster(tree, cut, "distance").tolist(), truth), cut) for cut in np.arange(0.60, 0.99, 0.02)]
        (p, r, f1), cut = max(runs, key=lambda run: run[0][2])
        print(f"| {name} | {nearest:.3f} | {f1:.3f} ({p:.3f} / {r:.3f}) | {1 - cut:.2f} |", flush=True)
        if name.startswith("TF-IDF, sublinear"):
            own = np.where(labels[:, None] == labels[None, :], sim, -1.0).max(axis=1)
        del sim, distance, tree
    print("\n| articles with no story-mate above cosine | articles | B³ F1 of the true stories with them split off |")
    print("|---:|---:|---:|")
    for floor in (0.1, 0.15, 0.2):
        strays = np.flatnonzero(paired & (own < floor))
        split = labels.copy()
        split[strays] = labels.max() + 1 + np.arange(len(strays))
        print(f"| {floor} | {len(strays)} | {b_cubed(split.tolist(), truth)[2]:.3f} |")


def _similarities(texts: list[str]):
    """(name, dense article x article similarity) for each representation the ceiling compares:
    TF-IDF cosines, and the Jaccard of word sets and of word 3-shingles (what MinHash estimates)."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    for name, options in (("TF-IDF, sublinear", {}), ("TF-IDF + word bigrams", {"ngram_range": (1, 2), "min_df": 2})):
        vectors = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32, **options).fit_transform(
            texts
        )
        yield name, (vectors @ vectors.T).toarray()
    for name, options in (
        ("Jaccard of word sets (MinHash's target)", {"stop_words": "english"}),
        ("Jaccard of word 3-shingles", {"ngram_range": (3, 3)}),
    ):
        sets = CountVectorizer(binary=True, dtype=np.float32, **options).fit_transform(texts)
        shared = (sets @ sets.T).toarray()
        sizes = np.asarray(sets.sum(axis=1)).ravel()
        yield name, shared / np.maximum(sizes[:, None] + sizes[None, :] - shared, 1.0)


def _time_pass(store: Store) -> list[float]:
    """The CPU seconds of each of the store's lone reports' passes (`Store._pair_lone`), as they run."""
    spent: list[float] = []
    run = store._pair_lone

    def timed(results: list) -> list:
        start = time.process_time()
        try:
            return run(results)
        finally:
            spent.append(time.process_time() - start)

    store._pair_lone = timed  # type: ignore[method-assign]
    return spent


def _postings_read(store: Store, articles: list[Article]) -> float:
    """Mean posting rows an article's query terms (its `query_terms` heaviest) read from the index."""
    from newsfuse import stories

    rows = 0
    for article, vector in zip(articles, stories.vectorize_articles(articles)):
        query, since_day = store.clusterer.query(vector, article.published)
        marks = ",".join("?" * len(query))
        rows += store.db.execute(
            f"SELECT COUNT(*) FROM postings WHERE term IN ({marks}) AND day >= ?", [t for t, _ in query] + [since_day]
        ).fetchone()[0]
    return rows / max(1, len(articles))


if __name__ == "__main__":
    main()
