"""The quotes stage (`newsfuse.quotes.find_quotes`) old against new, in one process: the same
outputs and the CPU time, the two modules alternated.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_quotes_ab.py --hash              # one hash of every quote
    PYTHONPATH=src python bench/bench_quotes_ab.py --old 4346ae1 --rounds 9 [--set fulltext]

The articles: fulltext-dev's 50 clusters, the first 300 Multi-News validation clusters, the seeds,
each article's body blocks by `clean` (as `prepare` gives them). `--hash` prints the SHA-256 of
every quotation's (start, end, speaker, speaker_start, speaker_end, role, inherited) per article,
per set and all together, for the working tree's module (and `--old`'s, when given). The timing
reads one story (cluster) at a time with both modules' memos cleared before it, as
`bench_cluster.py`'s worker meets a cluster: `time.process_time` around each cluster's articles,
old and new alternating cluster by cluster and round by round; each side's least total of the rounds.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

from newsfuse import quotes as new_quotes
from newsfuse.clean import clean

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SEEDS = ROOT.parent / "shared" / "seeds"

Story = list[tuple[str, list[tuple[int, int]]]]


def _article(text: str) -> tuple[str, list[tuple[int, int]]]:
    return text, [(b.start, b.end) for b in clean(text)] if text.strip() else []


def load_sets(validation: int) -> dict[str, list[Story]]:
    with open(DATA / "fulltext-dev.jsonl", encoding="utf-8") as f:
        fulltext = [[_article(d) for d in json.loads(line)["documents"]] for line in f]
    multinews = []
    with gzip.open(DATA / "multinews" / "validation.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            if len(multinews) >= validation:
                break
            multinews.append([_article(d) for d in json.loads(line)["documents"]])
    seeds = [[_article(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]]
    return {"fulltext": fulltext, "multinews": multinews, "seeds": seeds}


def old_module(rev: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{rev}:src/newsfuse/quotes.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    path = Path("/tmp") / f"newsfuse_quotes_{rev}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"quotes_{rev}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def digest(module: ModuleType, stories: list[Story]) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    for story in stories:
        for text, blocks in story:
            found = module.find_quotes(text, blocks)
            n += len(found)
            row = [(q.start, q.end, q.speaker, q.speaker_start, q.speaker_end, q.role, q.inherited) for q in found]
            h.update(json.dumps(row).encode("utf-8"))
    return h.hexdigest(), n


def clear(module: ModuleType) -> None:
    for name in ("_parse_run_text", "_tail_subject", "_name_cut"):
        fn = getattr(module, name, None)
        if fn is not None and hasattr(fn, "cache_clear"):
            fn.cache_clear()


def time_story(module: ModuleType, story: Story) -> float:
    clear(module)
    t = time.process_time()
    for text, blocks in story:
        module.find_quotes(text, blocks)
    return time.process_time() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", help="a git revision whose quotes.py to read beside the working tree's")
    parser.add_argument("--hash", action="store_true", help="print the outputs' hashes, no timing")
    parser.add_argument("--set", default="fulltext", choices=["fulltext", "multinews", "seeds"])
    parser.add_argument("--validation", type=int, default=300, help="Multi-News validation clusters")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    sets = load_sets(args.validation)
    sides = {"new": new_quotes} | ({"old": old_module(args.old)} if args.old else {})
    if args.hash:
        for side, module in sides.items():
            total = hashlib.sha256()
            for name, stories in sets.items():
                value, n = digest(module, stories)
                total.update(value.encode())
                print(f"{side} {name}: {n} quotes {value}")
            print(f"{side} all: {total.hexdigest()}")
        return
    stories = sets[args.set]
    for module in sides.values():  # warm: imports, regex compilation
        for story in stories:
            time_story(module, story)
    best = {side: float("inf") for side in sides}
    for r in range(args.rounds):
        spent = dict.fromkeys(sides, 0.0)
        order = list(sides) if r % 2 == 0 else list(reversed(sides))
        for story in stories:
            for side in order:
                spent[side] += time_story(sides[side], story)
        for side in sides:
            best[side] = min(best[side], spent[side])
        print(" ".join(f"{side} {spent[side] * 1000 / len(stories):.3f}" for side in sides), "ms a story", flush=True)
    line = " ".join(f"{side} {best[side] * 1000 / len(stories):.3f}" for side in sides)
    ratio = f" new/old {best['new'] / best['old']:.3f}" if "old" in best else ""
    print(f"least of {args.rounds}: {line} ms a story{ratio}")


if __name__ == "__main__":
    main()
