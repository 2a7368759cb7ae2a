"""Where a summary's CPU time goes: each stage of `summarize_prepared` (and `prepare`) timed inclusively.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_stages.py --set fulltext                 # 50 fulltext-dev clusters
    PYTHONPATH=src python bench/bench_stages.py --set mix --limit 400          # one-article stories
    PYTHONPATH=src python bench/bench_stages.py --set mix --old REV --rounds 3 # and an older revision
    PYTHONPATH=src python bench/bench_stages.py --compare off --fine           # without the comparison, finer stages

`fulltext`: the fulltext-dev clusters, as `bench_cluster.py` reads them; `mix`: the first `--limit`
articles of `bench_ingest.py`'s validation mix, each a story of its own (what a stream summarizes
most). Every story is prepared and summarized (compare on, the default selector) once to warm the
caches and the models, then again under the timers: each stage's CPU time (`time.process_time`)
around its call, so a stage's time includes the stages it calls (the reranker's includes the
sentence features and the tree evaluations; `arrange` the refill's second reranker call). The
wrappers cost about a microsecond a call: a stage called many times a story reads a little high.
Each side runs in a process of its own (OMP_NUM_THREADS=1, as bench_cluster.py's workers), the
sides alternating `--rounds` times; each stage keeps its least time. A stage the older code does
not have reads "-".
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FULLTEXT = ROOT.parent / "shared" / "data" / "fulltext-dev.jsonl"

# (module, attribute, modules that imported it by name): what is timed, in the table's order.
STAGES = [
    ("newsfuse.pipeline", "summarize_prepared", ()),
    ("newsfuse.prepare", "prepare", ()),
    ("newsfuse.prepare", "clean", ()),
    ("newsfuse.prepare", "find_quotes", ()),
    ("newsfuse.prepare", "segment_article", ()),
    ("newsfuse.prepare", "TextViews", ()),
    ("newsfuse.prepare", "syndicate", ()),
    ("newsfuse.select.rerank.Reranker", "__call__", ()),
    ("newsfuse.features", "_story_features", ()),
    ("newsfuse.textsim", "_count_matrix", ()),
    ("newsfuse.textsim", "tfidf_rows", ()),
    ("newsfuse.textsim", "self_cosines", ("newsfuse.features",)),
    ("newsfuse.select.learned.LearnedSelector", "score", ()),
    ("newsfuse.select.rerank", "priorities", ()),
    ("newsfuse.select.rerank", "_candidate_matrix", ()),
    ("newsfuse.select.rerank.Reranker", "score", ()),
    ("newsfuse.pipeline", "arrange", ()),
    ("newsfuse.pipeline", "attribute", ()),
    ("newsfuse.pipeline", "compare", ()),
]
# `--fine`: the parts of the stages above, what `bench_cluster`'s per-cluster time is made of.
FINE = [
    ("newsfuse.textsim", "words", ()),
    ("newsfuse.prepare", "split_sentences", ()),
    ("newsfuse.quotes", "_people", ()),
    ("newsfuse.syndicate", "eligible_sentences", ()),
    ("newsfuse.syndicate", "find_copies", ()),
    ("newsfuse.features", "_text_marks", ()),
    ("newsfuse.features._Words", "of", ()),
    ("newsfuse.features", "_word_columns", ()),
    ("newsfuse.features", "_topic_stats", ()),
    ("newsfuse.features", "_pair_columns_dense", ()),
    ("newsfuse.select.trees.TreeEnsemble", "predict", ()),
    ("newsfuse.select.rerank", "_gram_incidences", ()),
    ("newsfuse.select.rerank", "_row_stats", ()),
    ("newsfuse.select.order", "_lede_first", ()),
    ("newsfuse.select.order", "_news_lede", ()),
    ("newsfuse.select.order", "_refilled", ()),
]


def _owner(path: str):
    """The module or class a dotted path names."""
    import importlib

    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            owner = getattr(owner, name, None)
        return owner
    return None


def _timed(spent: dict, calls: dict, label: str, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - start
            calls[label] += 1

    return wrapper


def _stories(which: str, limit: int) -> list:
    from newsfuse.ingest import story_from_record
    from newsfuse.model import Story

    if which == "fulltext":
        lines = [line for line in FULLTEXT.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [story_from_record(json.loads(line), "bench")[0] for line in lines]
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_stories import mixed_articles

    return [Story(articles=[article]) for article in mixed_articles(limit=limit)[0]]


def worker(which: str, limit: int, compare: bool = True, fine: bool = False) -> dict:
    """Each stage's CPU seconds over the set, in this process (the side's `src` on its path)."""
    from newsfuse.errors import EmptyStoryError
    from newsfuse.pipeline import summarize_prepared
    from newsfuse.prepare import prepare
    from newsfuse.settings import Options

    options = Options(compare=compare)
    stories = []
    for story in _stories(which, limit):
        try:
            summarize_prepared(prepare(story), options)  # warm-up: models, caches, lazy imports
            stories.append(story)
        except EmptyStoryError:
            continue
    spent: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    for path, name, also in STAGES + (FINE if fine else []):
        owner, label = _owner(path), f"{path.rsplit('.', 1)[-1]}.{name}"
        if owner is None or not hasattr(owner, name):
            continue
        wrapped = _timed(spent, calls, label, getattr(owner, name))
        for target in (owner, *(_owner(m) for m in also)):
            setattr(target, name, wrapped)
    timed_prepare = _owner("newsfuse.prepare").prepare
    summarize = _owner("newsfuse.pipeline").summarize_prepared
    total = time.process_time()
    for story in stories:
        summarize(timed_prepare(story), options)
    return {"total": time.process_time() - total, "stories": len(stories), "spent": spent, "calls": calls}


def _run(src: Path, which: str, limit: int, compare: str = "on", fine: bool = False) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src), OMP_NUM_THREADS="1")
    args = [sys.executable, __file__, "--worker", "--set", which, "--limit", str(limit), "--compare", compare]
    args += ["--fine"] if fine else []
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{src}: failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("fulltext", "mix"), default="fulltext")
    parser.add_argument("--limit", type=int, default=400, help="articles of the mix")
    parser.add_argument("--old", default=None, help="an older revision run side by side")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--compare", choices=("on", "off"), default="on", help="summarize with the comparison")
    parser.add_argument("--fine", action="store_true", help="also time the stages' parts (FINE)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.set, args.limit, args.compare == "on", args.fine)))
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from sides import old_source

    with old_source(args.old) as old_src:
        sides = [("new", ROOT / "src")] + ([(f"old ({args.old})", old_src)] if old_src else [])
        best: dict[str, dict] = {}
        for _ in range(args.rounds):
            for side, src in sides:
                done = _run(src, args.set, args.limit, args.compare, args.fine)
                if side in best:
                    done["total"] = min(done["total"], best[side]["total"])
                    done["spent"] = {k: min(v, best[side]["spent"].get(k, v)) for k, v in done["spent"].items()}
                best[side] = done
    limit = f" --limit {args.limit}" if args.set == "mix" else ""
    old = f" --old {args.old} --rounds {args.rounds}" if args.old else f" --rounds {args.rounds}"
    old += (" --compare off" if args.compare == "off" else "") + (" --fine" if args.fine else "")
    print(f"\nCommand: `PYTHONPATH=src python bench/bench_stages.py --set {args.set}{limit}{old}`\n")
    names = [name for name, _ in sides]
    print("| stage | " + " | ".join(f"{name} ms a story" for name in names) + " | new share | calls a story |")
    print("|---|" + "---:|" * (len(names) + 2))
    new = best["new"]
    rows = [("whole summary (prepare and summarize)", "total")] + [
        (f"{p.rsplit('.', 1)[-1]}.{n}",) * 2 for p, n, _ in STAGES + (FINE if args.fine else [])
    ]
    for label, key in rows:
        cells = []
        for name in names:
            side = best[name]
            value = side["total"] if key == "total" else side["spent"].get(key)
            cells.append("-" if value is None else f"{value / side['stories'] * 1e3:.3f}")
        share = new["spent"].get(key, new["total"]) / new["total"] if key != "total" else 1.0
        calls = new["calls"].get(key, 1) / new["stories"] if key != "total" else 1.0
        print(f"| {label} | " + " | ".join(cells) + f" | {share:.1%} | {calls:.1f} |")


if __name__ == "__main__":
    main()
