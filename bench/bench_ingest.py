"""`Store.ingest` with summaries on the Multi-News validation mix: articles per second counting
the time until every summary is done, one call (what `newsfuse ingest FILES` does) against bursts
of N articles a call (what `watch` and the service's POSTs do), optionally beside an older
revision, side by side in one run.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_ingest.py                 # --limit 2000 --bursts 64
    PYTHONPATH=src python bench/bench_ingest.py --limit 2000 --bursts 64 --old f15ae3a --rounds 2

The mix is bench_stories.py's (every validation cluster's kept documents, shuffled with seed 13),
its first `--limit` articles. Each row runs in its own process over the side's `src` (the model
loaded beforehand) and ingests them into a fresh store in a temporary directory; CPU time
(`time.process_time`, every thread of the process) and wall time from the first ingest call
until every story's summary is cached. "without summaries" is the same stream with
`summarize=False` (clustering and writing only). "inline" rows summarize inside each call (the
old code, and `newsfuse ingest`: each call drains the stale stories); "background" is the
service's way: each burst only marks its stories stale and a `Summarizer` thread recomputes them
meanwhile, each stale story once however many bursts touched it (`--old-background`: the old
side's bursts that way too). "summaries sha256": a hash of
the stored summaries (story, size, JSON) at the end, to compare between the sides' rows.
Every row's process runs with no BLAS thread variable (OpenBLAS's thread per core, as the Python
API runs) but `--one-blas`'s extra rows: the new code (and with `--old` the old code too) with
`OPENBLAS_NUM_THREADS=1`, as every CLI command now runs (`newsfuse.cli`).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sides import old_source

ROOT = Path(__file__).resolve().parents[1]
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")

# `--stages`: (label, module, attribute) of the functions timed, CPU s spent inside each call
# (nested: a label's dashes say what it is part of). Each is looked up where its caller reads
# it (the module's global), so a side without one just has no row for it.
STAGES = (
    ("clustering and writing (`_ingest_batch`)", "newsfuse.store", "Store._ingest_batch"),
    ("summaries (`drain`)", "newsfuse.store", "Store.drain"),
    ("- preparation (`prepare`)", "newsfuse.pipeline", "prepare"),
    ("- - cleaning", "newsfuse.prepare", "clean"),
    ("- - quotations", "newsfuse.prepare", "find_quotes"),
    ("- - sentences", "newsfuse.prepare", "segment_article"),
    ("- - text views", "newsfuse.prepare", "TextViews"),
    ("- - syndication", "newsfuse.prepare", "syndicate"),
    ("- reranker prime (`Reranker.prime`)", "newsfuse.select.rerank", "Reranker.prime"),
    ("- - sentence features (`story_features`)", "newsfuse.select.rerank", "story_features"),
    ("- - candidates (`candidates`)", "newsfuse.select.rerank", "candidates"),
    ("- - tree evaluations (`_predict_groups`)", "newsfuse.select.rerank", "_predict_groups"),
    ("- summary of a primed story (`summarize_prepared`)", "newsfuse.pipeline", "summarize_prepared"),
    ("- - selection (`Reranker.__call__`)", "newsfuse.select.rerank", "Reranker.__call__"),
    ("- - order (`arrange`)", "newsfuse.pipeline", "arrange"),
    ("- - attribution (`attribute`)", "newsfuse.pipeline", "attribute"),
    ("- - comparison (`compare`)", "newsfuse.pipeline", "compare"),
    ("- settling (`_settle_all`)", "newsfuse.store", "Store._settle_all"),
)


def time_stages() -> dict[str, float]:
    """Wrap every `STAGES` function present with a CPU-time counter; the counters, by label."""
    spent: dict[str, float] = {}
    for label, module, attribute in STAGES:
        owner: object = importlib.import_module(module)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        if owner is None or not hasattr(owner, name):
            continue
        spent[label] = 0.0
        setattr(owner, name, _timed(getattr(owner, name), label, spent))
    return spent


def _timed(function, label: str, spent: dict[str, float]):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - start

    return timed


def worker(limit: int, burst: int | None, mode: str, collect_less: bool = False, stages: bool = False) -> dict:
    """One row in this process: mode is "off" (no summaries), "inline" or "background";
    `collect_less`: the CLI's collector setting (cli.collect_less) once the model is loaded;
    `stages`: also the CPU s of each of `STAGES` (an inline row's: a background thread's overlap)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_stories import mixed_articles
    from newsfuse.select.learned import LearnedSelector
    from newsfuse.store import Store

    articles = mixed_articles(limit=limit)[0]
    LearnedSelector.load()
    if collect_less:
        from newsfuse.cli import collect_less as cli_collect_less

        cli_collect_less()
    spent = time_stages() if stages else {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        summarizer = None
        if mode == "background":
            from newsfuse.store import Summarizer

            summarizer = Summarizer(path)
        hook = {"on_stale": summarizer.wake} if summarizer else {}  # an old Store has no on_stale
        with Store(path, **hook) as store:
            if summarizer:
                summarizer.start()
            step = burst or len(articles)
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(0, len(articles), step):
                store.ingest(articles[i : i + step], summarize=mode != "off")
            if summarizer:
                assert summarizer.wait_idle(3600)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            stories = store.db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
            summaries = store.db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
            digest = hashlib.sha256()
            for row in store.db.execute("SELECT story, size, data FROM summaries ORDER BY story"):
                digest.update(json.dumps(row).encode())
        computed = summarizer.computed if summarizer else None
        if summarizer:
            summarizer.stop(60)
    return {
        "cpu": cpu,
        "wall": wall,
        "stories": stories,
        "summaries": summaries,
        "computed": computed,
        "hash": digest.hexdigest()[:12] if summaries else "-",
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stages": spent,
    }


def run_row(
    src: Path,
    limit: int,
    burst: int | None,
    mode: str,
    blas: str | None = None,
    collect: bool = False,
    stages: bool = False,
) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    env["PYTHONPATH"] = str(src)
    if blas:
        env["OPENBLAS_NUM_THREADS"] = blas
    args = [sys.executable, __file__, "--worker", mode, "--limit", str(limit), "--burst", str(burst or 0)]
    args += ["--collect-less"] if collect else []
    args += ["--stages"] if stages else []
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{src}: {mode} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--bursts", default="64", help="articles a call, comma-separated (besides one call)")
    parser.add_argument("--old", default=None, help="an older revision run side by side (its inline rows)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each row (the least CPU is kept)")
    parser.add_argument(
        "--one-blas", action="store_true", help="also the new code on one BLAS thread, as `newsfuse ingest` runs"
    )
    parser.add_argument(
        "--old-background", action="store_true", help="the old side's bursts in the background too (a Summarizer)"
    )
    parser.add_argument(
        "--collect-less",
        action="store_true",
        help="also the new code with the CLI's collector setting (cli.collect_less), as `newsfuse ingest` runs",
    )
    parser.add_argument(
        "--stages",
        action="store_true",
        help="also where each side's 'one call, with summaries' spends its CPU (`STAGES`; the timers add a little)",
    )
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--burst", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.limit, args.burst or None, args.worker, args.collect_less, args.stages)))
        return
    bursts = [int(b) for b in args.bursts.split(",") if b]
    sides: list[tuple[str, Path, str | None]] = [("new", ROOT / "src", None)]
    if args.one_blas:
        sides.append(("new, 1 BLAS thread", ROOT / "src", "1"))
    if args.collect_less:  # on the threads the last side has: the collector the only difference
        sides.append((sides[-1][0] + ", the CLI's collector", ROOT / "src", sides[-1][2]))
    with old_source(args.old) as old_src:
        if old_src:
            sides.insert(0, (f"old ({args.old})", old_src, None))
            if args.one_blas:  # the same thread count on both sides: the ratio `newsfuse ingest` sees
                sides.insert(1, (f"old ({args.old}), 1 BLAS thread", old_src, "1"))
        plans = []
        for side, src, blas in sides:
            # The old code summarizes each burst inline; the new one (the service) in the background.
            background = side.startswith("new") or args.old_background
            way = ("in the background", "background") if background else ("inline", "inline")
            plan = [("one call, without summaries", None, "off"), ("one call, with summaries", None, "inline")]
            plan += [(f"bursts of {b}, summaries {way[0]}", b, way[1]) for b in bursts]
            plans.append([(side, src, blas, *row) for row in plan])
        # The sides' rows alternate (old row 1, new row 1, ...), each `--rounds` times; the
        # least CPU of a row's rounds is kept, so a load that drifts falls on both sides alike.
        best: dict[tuple[str, str], dict] = {}
        for _ in range(args.rounds):
            for side, src, blas, name, b, mode in (row for pair in zip(*plans) for row in pair):
                r = run_row(src, args.limit, b, mode, blas, collect="collector" in side)
                if (side, name) not in best or r["cpu"] < best[side, name]["cpu"]:
                    best[side, name] = r
        rows = [(side, name, best[side, name]) for plan in plans for side, _, _, name, _, _ in plan]
        # the timers cost a little a call: their rows are runs of their own, after the timed ones
        staged = [
            (side, run_row(src, args.limit, None, "inline", blas, "collector" in side, True))
            for side, src, blas in (sides if args.stages else [])
        ]
    command = f"PYTHONPATH=src python bench/bench_ingest.py --limit {args.limit} --bursts {args.bursts}"
    command += " --one-blas" if args.one_blas else ""
    command += " --old-background" if args.old_background else ""
    command += " --collect-less" if args.collect_less else ""
    command += " --stages" if args.stages else ""
    command += (f" --old {args.old}" if args.old else "") + (f" --rounds {args.rounds}" if args.rounds > 1 else "")
    print(f"\nCommand: `{command}` ({date.today().isoformat()}; {args.limit} articles)\n")
    print(
        "| code | ingest | CPU s | wall s | articles/CPU s | articles/wall s | stories | summaries cached"
        " | summaries computed | summaries sha256 | peak RSS MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for side, name, r in rows:
        computed = "-" if r["computed"] is None else str(r["computed"])
        print(
            f"| {side} | {name} | {r['cpu']:.2f} | {r['wall']:.2f} | {args.limit / r['cpu']:.0f} "
            f"| {args.limit / r['wall']:.0f} | {r['stories']} | {r['summaries']} | {computed} | {r['hash']} | {r['peak_mb']:.0f} |"
        )

    if staged:
        print_stages(staged)


def print_stages(staged: list[tuple[str, dict]]) -> None:
    """Each side's CPU s in each stage of one call with summaries, and its share of the call."""
    print("\nWhere one call with summaries spends its CPU (`--stages`, one run a side, timers on):\n")
    print("| stage | " + " | ".join(side for side, _ in staged) + " |")
    print("|---|" + "---:|" * len(staged))
    for label, _, _ in STAGES:
        cells = [
            f"{r['stages'][label]:.2f} ({r['stages'][label] / r['cpu']:.0%})" if label in r["stages"] else "-"
            for _, r in staged
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("| the whole call | " + " | ".join(f"{r['cpu']:.2f}" for _, r in staged) + " |")


if __name__ == "__main__":
    main()
