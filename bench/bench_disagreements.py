"""Disagreements on real multi-outlet news: a seeded sample of what `compare` reports, for a hand check.

The hand-check goal of the trust issue (at least 80% of reported disagreements real, on 50) needs
more disagreements than ECB+ and FNC-1 give (8 between them). This runs `compare` over the train
and dev portions of every multi-outlet set in ../shared/data, read in place:
- Multi-News train and validation (lower-cased and truncated: `load_clusters(truncated=True)`),
  the first `--multinews` clusters of each;
- ECB+ train and dev, FNC-1 train (../shared/data/trust);
- AllSides 2021 (tune-early) and PAC train/dev (../shared/data/events), one story per gold event.
Every reported disagreement gets a key (set-story | kind | sorted values); `--sample N` draws N
distinct keys with a fixed seed, uniformly over all sets, and writes each with its claims'
sentences and outlets to `--sample-out` (outside the repo: it holds article text). `--judgements
PATH` scores a JSONL of {key, real, note} by set and kind, and against the current sample says
which sampled keys are unjudged (a fix changes what is reported: the rate must be of the current code).

Commands (from the repository root; J = bench/judgements/disagreements-{ecbplus,fnc1-train,
multinews-train,multinews-validation}-2026-12-01.jsonl):
    PYTHONPATH=src python bench/bench_disagreements.py --multinews 50000 --sample 80 --pool-out /tmp/pool.jsonl
    PYTHONPATH=src python bench/bench_disagreements.py --judgements J          # every judged key
    PYTHONPATH=src python bench/bench_disagreements.py --multinews 50000 --stories-from J --sample 80 --judgements J
The first is ~40 min of CPU (51,000 Multi-News clusters); `--multinews-start`/`--multinews` split it
over processes. The last re-runs only the stories that had a disagreement (a fix that drops changes
adds none elsewhere) and scores what the current code still reports.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

# bench/ is on sys.path when this script runs: the trust bench's readers, keys and tables
from bench_trust import disagreement_key, pct, read_jsonl, table  # noqa: E402
from newsfuse import Article, Story, prepare
from newsfuse.compare import compare
from newsfuse.errors import NewsfuseError
from newsfuse.evaluate import load_clusters
from newsfuse.model import Comparison, Disagreement

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SEED = 20261201
SAMPLE_OUT = Path("/tmp/disagreement-sample.jsonl")
# Multi-News clusters read from each of its files by default (a quick run). The code reports about
# one disagreement per 1,600 clusters (docs/benchmarks.md), so the hand check reads them all
# (`--multinews 50000`: 44,964 train and 5,622 validation clusters, ~40 min of CPU).
MULTINEWS = 3000


def trust_stories(name: str, file: str) -> Iterator[tuple[str, Story]]:
    for r in read_jsonl(DATA / "trust" / file):
        articles = [Article(text=d["text"], outlet=d.get("outlet"), id=str(d.get("id"))) for d in r["documents"]]
        # ids read "ecbplus-1-ecb", "fnc1-train-0": the split is put after the set's own prefix
        story = str(r["id"]).split("-", 1)[1] if name.startswith("ecbplus") else str(r["id"]).rsplit("-", 1)[1]
        yield f"{name}-{story}", Story(articles=articles, id=str(r["id"]))


def event_stories(name: str, file: str) -> Iterator[tuple[str, Story]]:
    """The articles of one gold event as one story (a set's extras, which reveal the label, unused)."""
    events: dict[str, list[dict]] = defaultdict(list)
    for r in read_jsonl(DATA / "events" / file):
        events[str(r["event"])].append(r)
    for event, records in events.items():
        articles = [
            Article(text=r["text"], title=r.get("title"), outlet=r.get("outlet"), id=str(r["id"])) for r in records
        ]
        yield f"{name}-{event}", Story(articles=articles, id=event)


def multinews_stories(name: str, file: str, limit: int, start: int = 0) -> Iterator[tuple[str, Story]]:
    """Clusters `start` to `limit` of a Multi-News file (a range, so that runs can split the file)."""
    for n, (story, _) in enumerate(load_clusters(DATA / "multinews" / file, limit=limit, truncated=True)):
        if n >= start:
            yield f"{name}-{story.id if story.id is not None else n}", story


def all_sets(multinews: int, start: int = 0) -> list[tuple[str, Iterator[tuple[str, Story]]]]:
    return [
        ("ecbplus-train", trust_stories("ecbplus-train", "facts_ecbplus_train.jsonl")),
        ("ecbplus-dev", trust_stories("ecbplus-dev", "facts_ecbplus_dev.jsonl")),
        ("fnc1-train", trust_stories("fnc1-train", "conflicts_fnc1_train.jsonl")),
        ("allsides-tune", event_stories("allsides-tune", "allsides2021.tune-early.jsonl")),
        ("pac-train", event_stories("pac-train", "pac.train.jsonl")),
        ("pac-dev", event_stories("pac-dev", "pac.dev.jsonl")),
        ("multinews-train", multinews_stories("multinews-train", "train.jsonl.gz", multinews, start)),
        ("multinews-validation", multinews_stories("multinews-validation", "validation.jsonl.gz", multinews, start)),
    ]


def record_of(story_key: str, dataset: str, story: Story, d: Disagreement) -> dict:
    """A disagreement with each claim's sentence and outlets (the document number when none)."""
    return {
        "key": disagreement_key(story_key, d),
        "dataset": dataset,
        "kind": d.kind,
        "topic": d.topic,
        "claims": [
            {
                "value": c.value,
                "text": c.text,
                "outlets": sorted({s.outlet or f"document {s.document}" for s in c.sources}),
                "documents": sorted({s.document for s in c.sources}),
            }
            for c in d.claims
        ],
    }


def collect(
    multinews: tuple[int, int], sets: list[str], only: set[str] | None = None, out: TextIO | None = None
) -> tuple[dict[str, dict], Counter, Counter, float]:
    """Every distinct disagreement of the named sets (of the stories in `only`, when given), each
    written to `out` as found (a long run keeps what it found); stories compared and disagreements
    per set; seconds. `multinews`: the range of clusters read from each Multi-News file."""
    pool: dict[str, dict] = {}
    stories: Counter = Counter()
    found: Counter = Counter()
    skipped: Counter = Counter()
    start = time.perf_counter()
    for dataset, items in all_sets(multinews[1], multinews[0]):
        if dataset not in sets:
            continue
        for story_key, story in items:
            if only is not None and story_key not in only:
                continue
            try:
                comparison: Comparison = compare(prepare(story))
            except NewsfuseError:  # a cluster with no body sentence: nothing to compare
                skipped[dataset] += 1
                continue
            stories[dataset] += 1
            if stories[dataset] % 500 == 0:
                print(f"  {dataset}: {stories[dataset]} stories, {found[dataset]} so far", file=sys.stderr)
            for d in comparison.disagreements:
                key = disagreement_key(story_key, d)
                if key not in pool:
                    found[dataset] += 1
                    pool[key] = record_of(story_key, dataset, story, d)
                    if out is not None:
                        out.write(json.dumps(pool[key], ensure_ascii=False) + "\n")
                        out.flush()
        print(
            f"  {dataset}: {stories[dataset]} stories ({skipped[dataset]} empty skipped), {found[dataset]} disagreements",
            file=sys.stderr,
        )
    return pool, stories, found, time.perf_counter() - start


def draw(pool: dict[str, dict], n: int, seed: int) -> list[dict]:
    keys = sorted(pool)
    random.Random(seed).shuffle(keys)
    return [pool[k] for k in keys[:n]]


SETS = (
    "ecbplus-train",
    "ecbplus-dev",
    "fnc1-train",
    "allsides-tune",
    "pac-train",
    "pac-dev",
    "multinews-train",
    "multinews-validation",
)


def dataset_of(key: str) -> str:
    """The set a key's story belongs to (its key starts with the set's name)."""
    return next(s for s in SETS if key.startswith(s + "-"))


def report_judgements(paths: list[Path], sample: list[dict] | None) -> None:
    """The share judged real by set and by kind (of the sampled keys only, when a sample is given)."""
    verdicts = {r["key"]: r for path in paths for r in read_jsonl(path)}
    wanted = {r["key"] for r in sample} if sample is not None else set(verdicts)
    by: dict[str, Counter] = {"set": Counter(), "kind": Counter()}
    real: dict[str, Counter] = {"set": Counter(), "kind": Counter()}
    for key in sorted(wanted & set(verdicts)):
        for axis, value in (("set", dataset_of(key)), ("kind", key.split(" | ")[1])):
            by[axis][value] += 1
            real[axis][value] += bool(verdicts[key]["real"])
    print(f"\n### Hand check: {', '.join(p.name for p in paths)}\n")
    for axis in ("set", "kind"):
        rows = [[v, by[axis][v], real[axis][v], pct(real[axis][v], by[axis][v])] for v in sorted(by[axis])]
        total, good = sum(by[axis].values()), sum(real[axis].values())
        rows.append(["all", total, good, pct(good, total)])
        print(table([axis, "judged", "real", "% real"], rows) + "\n")
    if sample is not None:
        print(f"Sampled keys not judged: {len(wanted - set(verdicts))}.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--multinews", type=int, default=MULTINEWS, help="clusters read from each Multi-News file")
    parser.add_argument("--multinews-start", type=int, default=0, help="skip this many clusters of each file first")
    parser.add_argument("--sample", type=int, default=None, help="draw N disagreements for a hand check")
    parser.add_argument("--sample-out", type=Path, default=SAMPLE_OUT, help="where the sample goes (outside the repo)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS), help="sets to run (default all)")
    parser.add_argument("--pool-out", type=Path, default=None, help="also write every disagreement found here")
    parser.add_argument(
        "--stories-from",
        type=Path,
        nargs="+",
        default=None,
        help="compare only the stories of the keys in this JSONL (a pool or judgements): after a fix "
        "that only drops changes, the stories that had a disagreement are the only ones that can have one",
    )
    parser.add_argument(
        "--judgements", type=Path, nargs="+", default=None, help="JSONL files of {key, real, note} to score"
    )
    args = parser.parse_args(argv)
    if args.judgements is not None and args.sample is None:
        report_judgements(args.judgements, None)
        return
    for out in (args.sample_out, args.pool_out):
        if out is not None and out.resolve().is_relative_to(ROOT):
            parser.error(f"{out} must be outside the repository: it holds article text")
    only = (
        {r["key"].split(" | ")[0] for p in args.stories_from or () for r in read_jsonl(p)}
        if args.stories_from
        else None
    )
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(args.pool_out.open("w", encoding="utf-8")) if args.pool_out else None
        pool, stories, found, seconds = collect((args.multinews_start, args.multinews), args.sets, only, out)
    rows = [[s, stories[s], found[s], f"{found[s] / stories[s]:.3f}"] for s in stories]
    rows.append(["all", sum(stories.values()), len(pool), f"{len(pool) / max(1, sum(stories.values())):.3f}"])
    print(table(["set", "stories", "disagreements", "per story"], rows))
    kinds = Counter(r["kind"] for r in pool.values())
    print("\nBy kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    print(f"Compared in {seconds:.0f} s.")
    if args.sample is not None:
        sample = draw(pool, args.sample, args.seed)
        with args.sample_out.open("w", encoding="utf-8") as f:
            for r in sample:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"Wrote {len(sample)} disagreements to {args.sample_out}", file=sys.stderr)
        if args.judgements is not None:
            report_judgements(args.judgements, sample)


if __name__ == "__main__":
    main()
