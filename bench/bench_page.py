"""The story page and the story API body of one big story: CPU time to build them (read, view,
render or serialize) for stories of 20, 200 and 400 articles, beside an older revision in one run.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_page.py --old 697de77 [--sizes 20,200,400] [--repeat 3]
    PYTHONPATH=src python bench/bench_page.py --profile 400          # cProfile of this tree's builds

For each size, one store (throwaway SQLite file) is made by this tree: bench_serve's growing story
(a fulltext-dev article's lead and 3 of its paragraphs, 10% of words swapped; the story the service
bench grows) ingested in batches until its biggest story holds `size` articles (about half join
it), then summarized once (comparison on), so old and new read the same file. Each side runs in
its own process (PYTHONPATH its tree's src): it warms up once, then times `app._story_page` (the
HTML of GET /stories/{id}) and `app._story_json` (the body of GET /api/stories/{id}) `--repeat`
times in CPU time (`time.process_time`) and keeps the median ("cold": built). A side with the
story cache (`app.cached_build`, as the routes call it) is also timed "warm": an unchanged story's
next read. The page's and body's sizes are printed beside, and whether the body is byte-identical
to the first side's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sides import old_source

ROOT = Path(__file__).resolve().parents[1]
SIZES = (20, 200, 400)

# One side: time the builds over each db and print one JSON line per size.
WORKER = r"""
import hashlib, json, statistics, sys, time
from newsfuse.serve import app as A
from newsfuse.serve.middleware import templates
from newsfuse.store import Store

def timed(fn, repeat):
    out, times = None, []
    for _ in range(repeat):
        t = time.process_time(); out = fn(); times.append(time.process_time() - t)
    return out, statistics.median(times)

env, repeat = templates(), int(sys.argv[1])
cached = getattr(A, "cached_build", None)
for db in sys.argv[2:]:
    store = Store(db, create=False)
    sid = max(store.stories(), key=lambda i: i.articles).id
    row = {"articles": store.info(sid).articles}
    A._story_page(store, sid, env); A._story_json(store, sid, None)  # warm up: imports, templates
    page, row["page_cold"] = timed(lambda: A._story_page(store, sid, env), repeat)
    body, row["api_cold"] = timed(lambda: A._story_json(store, sid, None), repeat)
    if cached:  # an unchanged story's next read: the routes' path, filled once
        pages, bodies = A.StoryCache(), A.StoryCache()
        warm_page = lambda: cached(pages, store, sid, lambda got: A._story_page(store, sid, env, got))
        warm_body = lambda: cached(bodies, store, sid, lambda got: A._story_json(store, sid, None, got))
        assert warm_page() == page and warm_body() == body
        row["page_warm"] = timed(warm_page, repeat)[1]
        row["api_warm"] = timed(warm_body, repeat)[1]
    row["page_kb"], row["api_kb"] = len(page.encode()) / 1024, len(body) / 1024
    row["api_sha"] = hashlib.sha256(body).hexdigest()[:12]
    print(json.dumps(row), flush=True)
    store.close()
"""


def make_store(path: Path, size: int) -> None:
    """A store whose biggest story holds `size` articles of the growing story (about half of them
    join it; the rest make other stories), summarized once (comparison on)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from datetime import datetime

    from bench_serve import growing_story
    from newsfuse.model import Article
    from newsfuse.store import Store

    # Dated: undated, the learned join asks more of a big story and none reaches 400 (about 100).
    pool = iter(growing_story(4 * size, dated=True))
    with Store(path) as store:
        while (held := max((i.articles for i in store.stories()), default=0)) < size:
            batch = [next(pool) for _ in range(max(1, (size - held) // 2))]
            articles = [
                Article(text=a["text"], outlet=a["outlet"], published=datetime.fromisoformat(a["published"]))
                for a in batch
            ]
            store.ingest(articles, summarize=False)
        store.drain()


def run_side(src: Path, dbs: list[Path], repeat: int) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(repeat), *map(str, dbs)], env=env, capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(f"side {src} failed:\n{out.stderr[-3000:]}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.2f}" if value < 0.01 else f"{value * 1000:.0f}"


def table(sides: dict[str, list[dict]]) -> None:
    print("| code | articles | page cold ms | page warm ms | API cold ms | API warm ms | page KB | API KB | API body |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    first = next(iter(sides.values()))
    for name, rows in sides.items():
        for row, base in zip(rows, first):
            same = "same" if row["api_sha"] == base["api_sha"] else "differs"
            cells = [name, str(row["articles"]), ms(row["page_cold"]), ms(row.get("page_warm"))]
            cells += [ms(row["api_cold"]), ms(row.get("api_warm")), f"{row['page_kb']:.0f}", f"{row['api_kb']:.0f}"]
            print("| " + " | ".join(cells + [same]) + " |")


def profile(db: Path) -> None:
    import cProfile
    import pstats

    from newsfuse.serve import app as A
    from newsfuse.serve.middleware import templates
    from newsfuse.store import Store

    env, store = templates(), Store(db, create=False)
    sid = max(store.stories(), key=lambda i: i.articles).id
    A._story_page(store, sid, env)
    for name, fn in (
        ("page", lambda: A._story_page(store, sid, env)),
        ("api", lambda: A._story_json(store, sid, None)),
    ):
        prof = cProfile.Profile()
        prof.runcall(fn)
        print(f"== {name}")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="articles of the story, comma-separated")
    parser.add_argument("--old", default=None, help="an older revision run side by side")
    parser.add_argument("--repeat", type=int, default=3, help="builds timed per case (the median is kept)")
    parser.add_argument("--profile", type=int, default=None, help="cProfile this tree's builds at this size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        sizes = [args.profile] if args.profile else [int(s) for s in args.sizes.split(",")]
        dbs = [Path(temp) / f"story-{n}.db" for n in sizes]
        started = time.process_time()
        for db, n in zip(dbs, sizes):
            make_store(db, n)
        print(f"stores made in {time.process_time() - started:.1f} CPU s", file=sys.stderr)
        if args.profile:
            return profile(dbs[0])
        sides: dict[str, list[dict]] = {}
        with old_source(args.old) as old_src:
            if old_src:
                sides[f"old ({args.old})"] = run_side(old_src, dbs, args.repeat)
        sides["new"] = run_side(ROOT / "src", dbs, args.repeat)
        print(
            f"`PYTHONPATH=src python bench/bench_page.py --sizes {args.sizes} --repeat {args.repeat}"
            + (f" --old {args.old}`" if args.old else "`")
        )
        table(sides)


if __name__ == "__main__":
    main()
