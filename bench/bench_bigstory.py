"""Big stories: CPU time and peak memory of one summarize call as a story grows from 2 to 2,000
articles, with and without the comparison; optionally an older revision side by side in one run.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_bigstory.py                          # this tree, 2 ... 2,000 articles
    PYTHONPATH=src python bench/bench_bigstory.py --old 1a5b44e --old-max 500 --sizes 2,20,200,500,2000
    PYTHONPATH=src python bench/bench_bigstory.py --old 8d61ad0 --sizes 200 --modes on --rounds 5

The synthetic story: the 139 articles of the 50 fulltext-dev clusters (the clusters concatenated:
one big story with many sub-events), article k a perturbed copy of article k mod 139 (seeded):
each paragraph kept with probability 0.8 and about 4% of its words replaced by another word of the
same paragraph, so that copies of one article are near-duplicates, not identical, as rewrites and
updates of one wire story are. Each (side, size, mode) runs in its own worker process: it builds
the story, warms up on a 2-article story (model load, lazy imports), then times one
`summarize_story` call in CPU time (`time.process_time`) and reads the process's peak RSS
(`resource.getrusage`) before and after the call. A case over `--timeout` CPU seconds is killed
(RLIMIT_CPU) and shown as "> timeout".

`--rounds R` runs each case R times, the sides alternating in each round (a change of the
machine's load falls on both), and shows the least CPU time of a case (each round's beneath the
table); `--modes on` runs the comparison on only.

`--stages N` instead times the stages of one N-article summary with the comparison (each side in
its own worker): preparation's parts (cleaning, quotes, segmentation, the text views,
syndication), selection with ordering (which attributes the chosen sentences), and the
comparison's parts, each the CPU time of its calls (the functions wrapped in the worker); with
`--rounds R`, each stage's median of R runs a side, the sides alternating.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sides import old_source

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FULLTEXT = SHARED / "data" / "fulltext-dev.jsonl"
SIZES = (2, 20, 50, 100, 200, 500, 1000, 2000)
SEED = 7
KEEP_PARAGRAPH = 0.8
REPLACE_WORD = 0.04


def big_story_documents(n: int, data: Path = FULLTEXT, seed: int = SEED) -> list[str]:
    """`n` article texts about "one" story: perturbed copies of the fulltext-dev articles in turn."""
    with open(data, encoding="utf-8") as handle:
        pool = [d for line in handle if line.strip() for d in json.loads(line)["documents"] if d.strip()]
    rng = random.Random(seed)
    out = []
    for k in range(n):
        paragraphs = [p for p in pool[k % len(pool)].split("\n") if p.strip()]
        kept = [p for p in paragraphs if rng.random() < KEEP_PARAGRAPH] or paragraphs[:1]
        changed = []
        for p in kept:
            tokens = re.findall(r"\S+", p)
            changed.append(
                " ".join(rng.choice(tokens) if rng.random() < REPLACE_WORD else t for t in tokens) if tokens else p
            )
        out.append("\n\n".join(changed))
    return out


def big_story(n: int, data: Path = FULLTEXT):  # -> newsfuse.Story
    """The synthetic story of `n` articles (built directly: a batch record stops at LIMITS.documents)."""
    from newsfuse.model import Article, Story

    return Story(articles=[Article(text=t) for t in big_story_documents(n, data)], id=f"big-{n}")


# ---------------------------------------------------------------- worker (one case, one process)

# (module, function) pairs timed by `--stages`, in the order they run; "select" is the rest of
# the summary outside them (selection, ordering, attribution)
STAGES = (
    ("prepare", "clean"),
    ("prepare", "find_quotes"),
    ("prepare", "segment_article"),
    ("prepare", "TextViews"),
    ("prepare", "syndicate"),
    ("compare", "_similar_pairs"),
    ("compare", "_story_quotes"),
    ("compare", "_group_quotes"),
    ("compare", "_people"),
    ("compare", "_facts"),
    ("compare", "_quote_groups"),
    ("compare", "_disagreements"),
    ("compare", "_attribution_conflicts"),
)


def stage_worker(expect_src: Path, n: int, data: Path) -> None:
    """CPU seconds of each of STAGES in one summary of the n-article story with the comparison."""
    import importlib

    import newsfuse
    from newsfuse.pipeline import summarize_story
    from newsfuse.settings import Options

    if not Path(newsfuse.__file__).resolve().is_relative_to(expect_src.resolve()):
        sys.exit(f"worker: imported newsfuse from {newsfuse.__file__}, expected it under {expect_src}")
    options = Options(compare=True)
    summarize_story(big_story(2, data), options)
    spent: dict[str, float] = {}
    for module_name, name in STAGES:
        module = importlib.import_module(f"newsfuse.{module_name}")

        def timed(*args, _inner=getattr(module, name), _key=f"{module_name}.{name}", **kwargs):
            start = time.process_time()
            try:
                return _inner(*args, **kwargs)
            finally:
                spent[_key] = spent.get(_key, 0.0) + time.process_time() - start

        setattr(module, name, timed)
    story = big_story(n, data)
    start = time.process_time()
    summarize_story(story, options)
    spent["total"] = time.process_time() - start
    spent["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(spent, sys.stdout)


def stages(sides: list[tuple[str, Path]], n: int, data: Path, rounds: int = 1) -> None:
    """The stage table; with `rounds` > 1 each stage's median of that many runs, sides alternating."""
    runs: dict[str, list[dict]] = {name: [] for name, _ in sides}
    for _ in range(rounds):
        for name, src in sides:
            env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0")
            command = [sys.executable, str(Path(__file__).resolve()), "--stage-worker", str(src), "--n", str(n)]
            done = subprocess.run(command + ["--data", str(data)], env=env, capture_output=True, text=True, check=True)
            runs[name].append(json.loads(done.stdout))
    keys = {key for found in runs.values() for run in found for key in run}
    found = {name: {key: _median([run.get(key, 0.0) for run in runs[name]]) for key in keys} for name, _ in sides}
    if rounds > 1:
        print(f"(each stage's median of {rounds} runs a side, sides alternating)\n")
    print("| stage | " + " | ".join(f"{name} s" for name, _ in sides) + " |")
    print("|---|" + "---:|" * len(sides))
    for key in [f"{m}.{f}" for m, f in STAGES] + ["total"]:
        print(f"| {key} | " + " | ".join(f"{found[name].get(key, 0.0):.3f}" for name, _ in sides) + " |")
    outside = {
        name: found[name]["total"] - sum(found[name].get(f"{m}.{f}", 0.0) for m, f in STAGES) for name, _ in sides
    }
    print(
        "| the rest (selection, ordering, attribution) | "
        + " | ".join(f"{outside[name]:.3f}" for name, _ in sides)
        + " |"
    )
    print("| peak RSS MB | " + " | ".join(f"{found[name]['peak_mb']:.0f}" for name, _ in sides) + " |")


def worker(expect_src: Path, n: int, compare: bool, data: Path, collect_less: bool = False) -> None:
    import gc

    import newsfuse
    from newsfuse.pipeline import summarize_story

    found = Path(newsfuse.__file__).resolve()
    if not found.is_relative_to(expect_src.resolve()):
        sys.exit(f"worker: imported newsfuse from {found}, expected it under {expect_src}")
    from newsfuse.codec import summary_to_dict
    from newsfuse.settings import Options

    options = Options(compare=compare)
    summarize_story(big_story(2, data), options)
    story = big_story(n, data)
    gc.collect()
    if collect_less:  # the CLI's collector setting, after the models loaded (the warm-up) as in a command
        from newsfuse.cli import collect_less as cli_collect_less

        cli_collect_less()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.process_time()
    summary = summarize_story(story, options)
    seconds = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    comparison = summary.comparison
    digest = hashlib.sha256("\n".join(s.text for s in summary.sentences).encode("utf-8")).hexdigest()[:16]
    # the whole result as the CLI writes it (sources, and the comparison when on): "same output"
    whole = json.dumps(summary_to_dict(summary), sort_keys=True, ensure_ascii=False)
    json.dump(
        {
            "seconds": seconds,
            "rss_before_mb": before,
            "rss_peak_mb": peak,
            "hash": digest,
            "output_hash": hashlib.sha256(whole.encode("utf-8")).hexdigest()[:16],
            "facts": len(comparison.facts) if comparison else None,
            "disagreements": len(comparison.disagreements) if comparison else None,
        },
        sys.stdout,
    )


def run_worker(src: Path, n: int, compare: bool, data: Path, timeout: float, collect_less: bool = False) -> dict | None:
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0")
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(src), "--n", str(n), "--data", str(data)]
    command += ["--compare"] if compare else []
    command += ["--collect-less"] if collect_less else []

    def limit() -> None:
        seconds = int(timeout) + 20  # + start-up and the story's building
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))

    done = subprocess.run(command, env=env, capture_output=True, text=True, preexec_fn=limit)
    if done.returncode != 0:
        print(f"worker {src} n={n} compare={compare}: exit {done.returncode} {done.stderr[-800:]}", file=sys.stderr)
        return None
    result = json.loads(done.stdout)
    return None if result["seconds"] > timeout else result


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def cell(result: dict | None, timeout: float, skipped: bool = False) -> str:
    if skipped:
        return "not run | -"
    if result is None:
        return f"> {timeout:.0f} s | -"
    return f"{result['seconds']:.2f} | {result['rss_peak_mb']:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="story sizes in articles")
    parser.add_argument("--old", default=None, help="an older revision to run side by side (default: none)")
    parser.add_argument("--old-max", type=int, default=500, help="largest story the old side runs")
    parser.add_argument("--timeout", type=float, default=120.0, help="CPU seconds a case may take")
    parser.add_argument("--data", type=Path, default=FULLTEXT)
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--compare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stages", type=int, default=0, help="time the stages of one story of this size instead")
    parser.add_argument("--stage-worker", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each case, sides alternating (least shown)")
    parser.add_argument("--modes", default="off,on", help="comparison off, on or both (off,on)")
    parser.add_argument(
        "--collect-less",
        action="store_true",
        help="the new side calls the CLI's collector setting (cli.collect_less) after its warm-up",
    )
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker, args.n, args.compare, args.data, args.collect_less)
        return
    if args.stage_worker is not None:
        stage_worker(args.stage_worker, args.n, args.data)
        return
    if args.stages:
        with old_source(args.old) as old_src:
            stages(
                ([("old", old_src)] if old_src else []) + [("new", ROOT / "src")], args.stages, args.data, args.rounds
            )
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    sides: list[tuple[str, Path]] = [("new", ROOT / "src")]
    results: dict[tuple[str, int, bool], dict | None] = {}
    with old_source(args.old) as old_src:
        if old_src:
            sides.insert(0, ("old", old_src))
        started = time.monotonic()
        modes = [mode == "on" for mode in args.modes.split(",")]
        spread: dict[tuple[str, int, bool], list[float]] = {}
        for n in sizes:
            for compare in modes:
                for _ in range(args.rounds):  # the sides alternate: a load change falls on both
                    for name, src in sides:
                        if name == "old" and n > args.old_max:
                            continue
                        found = run_worker(
                            src, n, compare, args.data, args.timeout, args.collect_less and name == "new"
                        )
                        kept = results.get((name, n, compare))
                        if kept is None or (found is not None and found["seconds"] < kept["seconds"]):
                            results[(name, n, compare)] = found  # the least of the rounds
                        spread.setdefault((name, n, compare), []).append(found["seconds"] if found else float("inf"))
                        print(
                            f"{name} n={n} compare={compare} done ({time.monotonic() - started:.0f} s)", file=sys.stderr
                        )

    head = git("rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "src") else ""
    command = "PYTHONPATH=src python bench/bench_bigstory.py" + (
        f" --old {args.old} --old-max {args.old_max}" if args.old else ""
    )
    if args.sizes != ",".join(map(str, SIZES)):
        command += f" --sizes {args.sizes}"
    command += f" --rounds {args.rounds}" if args.rounds > 1 else ""
    command += f" --modes {args.modes}" if args.modes != "off,on" else ""
    command += " --collect-less" if args.collect_less else ""
    print(f"\nCommand: `{command}`")
    print(
        f"({date.today().isoformat()}; new = {head}{dirty}"
        + (f", old = {git('rev-parse', '--short', args.old)}" if args.old else "")
        + "; CPU s of one summarize_story call, peak RSS MB of the worker process"
        + (f"; the least of {args.rounds} rounds, sides alternating" if args.rounds > 1 else "")
        + ")\n"
    )
    header = "| articles | sentences |"
    rule = "|---|---|"
    for name, _ in sides:
        header += f" {name}: off s | {name}: off MB | {name}: on s | {name}: on MB |"
        rule += "---|---|---|---|"
    if args.old:
        header += " new/old off | new/old on | same summary | same output off | same output on |"
        rule += "---|---|---|---|---|"
    print(header)
    print(rule)
    from newsfuse.prepare import prepare

    for n in sizes:
        line = f"| {n} | {len(prepare(big_story(n, args.data)).sentences):,} |"
        for name, _ in sides:
            for compare in (False, True):
                line += f" {cell(results.get((name, n, compare)), args.timeout, (name, n, compare) not in results)} |"
        if args.old:
            ratios = []
            for compare in (False, True):
                old, new = results.get(("old", n, compare)), results.get(("new", n, compare))
                ratios.append(f"{new['seconds'] / old['seconds']:.2f}" if old and new else "-")
            old, new = results.get(("old", n, False)), results.get(("new", n, False))
            same = "-" if not (old and new) else "yes" if old["hash"] == new["hash"] else "no"
            line += f" {ratios[0]} | {ratios[1]} | {same} |"
            for compare in (False, True):  # the whole output, comparison included when on
                old, new = results.get(("old", n, compare)), results.get(("new", n, compare))
                line += (
                    " - |" if not (old and new) else " yes |" if old["output_hash"] == new["output_hash"] else " no |"
                )
        print(line)
    if args.rounds > 1:
        print("\nEach round's CPU s (median):")
        for (name, n, compare), seconds in spread.items():
            listed = ", ".join(f"{x:.2f}" for x in seconds)
            print(f"- {name}, {n} articles, comparison {'on' if compare else 'off'}: {listed} ({_median(seconds):.2f})")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


if __name__ == "__main__":
    main()
