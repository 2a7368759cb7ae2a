"""Start-up to the first summary: CPU and wall time of a whole `newsfuse summarize` process on the
bundled example, this tree against an older revision, side by side in one run.

Usage (from the repo root):
    PYTHONPATH=src python bench/bench_startup.py                     # this tree alone
    PYTHONPATH=src python bench/bench_startup.py --old 430affa       # and an older revision
        [--repeat 5] [--input examples/port-halvard-fire/ ...] [--profile] [--phases] [--floors]
    PYTHONPATH=src python bench/bench_startup.py --old 430affa --command=--help   # another command

Each run is a fresh `python -m newsfuse.cli summarize INPUT` process (stdout to a pipe, so the
output is not wrapped); its CPU time (user + system, from `os.wait4`) and wall time are read, the
sides alternate (old, new, old, new, ...) and each keeps its median. Every process may write and
read its bytecode (.pyc) in a temporary cache of this run (PYTHONPYCACHEPREFIX), as an installed
package does: with PYTHONDONTWRITEBYTECODE set (as in this project's sessions) each run would
compile newsfuse's sources again. The floors are the interpreter itself (`python -c pass`),
`import numpy, scipy.sparse` (what any summary needs), and the third-party imports of the bundled
example's summary (numpy and scipy.sparse, trafilatura for its HTML page, Click for the command
line; typer and its pydantic adapters, which newsfuse's command line used before it was written on
Click, are timed alone when installed). The outputs of both sides are hashed: "same output"
says whether they print the same summary. `--profile` prints, for this tree, the modules whose
import took longest (`-X importtime`); `--phases` times each step of one process that does what
`summarize` does (imports, reading, the first summary and the same summary again: what is
first-call work); `--floors` times processes that import each third-party part alone and
together, side by side in their own rounds (what the start-up cannot go under with these
dependencies).
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sides import old_source

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT / "examples" / "port-halvard-fire"


PYCACHE = Path(tempfile.mkdtemp(prefix="bench-startup-pyc-"))  # this run's bytecode, removed at exit
atexit.register(shutil.rmtree, PYCACHE, True)


def run_once(command: list[str], src: Path | None) -> tuple[float, float, str]:
    """(CPU s, wall s, sha256 of stdout) of one process."""
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPYCACHEPREFIX=str(PYCACHE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed (PYTHONPATH={src})")
    return usage.ru_utime + usage.ru_stime, wall, hashlib.sha256(out).hexdigest()[:16]


def summarize_command(targets: list[Path], other: str | None = None) -> list[str]:
    """`newsfuse summarize TARGETS`, or the command line `other` (split at spaces)."""
    args = other.split() if other else ["summarize", *map(str, targets)]
    return [sys.executable, "-m", "newsfuse.cli", *args]


def profile(target: list[Path], top: int = 15) -> None:
    """The slowest imports (cumulative, microseconds) of one summarize process of this tree."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONPYCACHEPREFIX=str(PYCACHE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *summarize_command(target)[1:]],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                rows.append((int(cumulative), name.rstrip()))
    print("\nSlowest imports of this tree (cumulative ms, -X importtime):\n")
    for cumulative, name in sorted(rows, reverse=True)[:top]:
        print(f"    {cumulative / 1000:7.1f}  {name}")


PHASES = """
import sys, time
T = time.process_time
marks = [("interpreter start-up", T())]
import numpy, scipy.sparse
marks.append(("import numpy, scipy.sparse", T()))
import click
marks.append(("import click", T()))
import newsfuse.cli
marks.append(("import newsfuse.cli (the command line)", T()))
import newsfuse.pipeline, newsfuse.settings, newsfuse.stories
marks.append(("import newsfuse's stages (the summarize command's first step)", T()))
import trafilatura
marks.append(("import trafilatura (the example's HTML page)", T()))
from newsfuse.ingest import read_paths
from newsfuse.pipeline import distinct, summarize_story
from newsfuse.settings import Options
from newsfuse.stories import cluster_articles
pile = distinct(read_paths(sys.argv[1:]))
marks.append(("read the example (one HTML page)", T()))
options = Options(compare=True)  # as the summarize command
cluster_articles(pile.articles, settings=options.clustering)
marks.append(("cluster its articles (the CLI's one-story check)", T()))
story = pile.all_stories()[0]
summarize_story(story, options)
marks.append(("first summary (models loaded, caches cold)", T()))
summarize_story(story, options)
marks.append(("the same summary again", T()))
last = 0.0
for name, at in marks:
    print(f"| {name} | {1000 * (at - last):.0f} |")
    last = at
"""


def phases(target: list[Path]) -> None:
    """CPU ms of each step of one process of this tree doing what `summarize` does, in order."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONPYCACHEPREFIX=str(PYCACHE), PYTHONHASHSEED="0")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for _ in range(2):  # the first run writes the bytecode
        done = subprocess.run(
            [sys.executable, "-c", PHASES, *map(str, target)], env=env, capture_output=True, text=True, cwd=ROOT
        )
    if done.returncode:
        sys.exit(f"phases failed:\n{done.stderr[-2000:]}")
    print("\nWhere one process of this tree spends its CPU (ms, each step after the one before):\n")
    print("| step | CPU ms |\n|---|---:|")
    print(done.stdout, end="")


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=None, help="an older revision to run side by side")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each side (median kept)")
    parser.add_argument("--input", type=Path, nargs="+", default=[DEFAULT_INPUT], help="what to summarize")
    parser.add_argument("--profile", action="store_true", help="also list this tree's slowest imports")
    parser.add_argument("--phases", action="store_true", help="also time each step of one process of this tree")
    parser.add_argument("--floors", action="store_true", help="also time each third-party import alone")
    parser.add_argument("--command", default=None, help="time `newsfuse COMMAND` instead of the summary (e.g. --help)")
    args = parser.parse_args()
    target = [p.resolve() for p in args.input]
    sides: list[tuple[str, list[str], Path | None]] = [
        ("python -c pass (floor)", [sys.executable, "-c", "pass"], None),
        ("import numpy, scipy.sparse (floor)", [sys.executable, "-c", "import numpy, scipy.sparse"], None),
        (
            "import numpy, scipy.sparse, trafilatura, click (floor)",
            [sys.executable, "-c", "import numpy, scipy.sparse, trafilatura, click"],
            None,
        ),
    ]
    with old_source(args.old) as old_src:
        if old_src:
            old = summarize_command(target, args.command)
            sides.append((f"old ({git('rev-parse', '--short', args.old)})", old, old_src))
        sides.append(("new (this tree)", summarize_command(target, args.command), ROOT / "src"))
        for _, command, src in sides:  # warm the page cache and .pyc files once
            run_once(command, src)
        runs: dict[str, list[tuple[float, float, str]]] = {name: [] for name, _, _ in sides}
        for _ in range(args.repeat):
            for name, command, src in sides:
                runs[name].append(run_once(command, src))
    report(args, sides, runs)
    if args.profile:
        profile(target)
    if args.phases:
        phases(target)
    if args.floors:
        floors(args.repeat)


FLOORS = [
    ("python -c pass", "pass"),
    ("python -S -c pass (no `site`: the environment's .pth start-up hooks left out)", "-S"),
    ("numpy", "import numpy"),
    ("numpy, scipy.sparse", "import numpy, scipy.sparse"),
    ("click", "import click"),
    ("typer (the command line before Click; timed when installed)", "import typer"),
    ("typer._adapters (typer's pydantic conversion; timed when installed)", "import typer._adapters"),
    ("trafilatura", "import trafilatura"),
    ("lxml.html", "import lxml.html"),
    ("numpy, click (a .txt story without scipy.sparse)", "import numpy, click"),
    ("numpy, scipy.sparse, click (a .txt story)", "import numpy, scipy.sparse, click"),
    ("numpy, trafilatura, click (the example without scipy.sparse)", "import numpy, trafilatura, click"),
    ("numpy, scipy.sparse, trafilatura, click (the example)", "import numpy, scipy.sparse, trafilatura, click"),
]


def _installed(code: str) -> bool:
    """Whether every module a floor imports is installed (typer need not be)."""
    names = code.removeprefix("import ").split(", ") if code.startswith("import ") else []
    return all(importlib.util.find_spec(name.split(".")[0]) is not None for name in names)


def floors(repeat: int) -> None:
    """CPU s of processes importing third-party parts alone and together, alternating, medians."""
    sides = [
        (name, [sys.executable, "-S", "-c", "pass"] if code == "-S" else [sys.executable, "-c", code])
        for name, code in FLOORS
        if _installed(code)
    ]
    for _, command in sides:  # bytecode and page cache
        run_once(command, None)
    runs: dict[str, list[float]] = {name: [] for name, _ in sides}
    for _ in range(repeat):
        for name, command in sides:
            runs[name].append(run_once(command, None)[0])
    print("\nThird-party floors (a process importing only these; CPU s, median):\n")
    print("| process imports | CPU s | above `python -c pass` |\n|---|---:|---:|")
    bare = statistics.median(runs[FLOORS[0][0]])
    for name, _ in sides:
        cpu = statistics.median(runs[name])
        print(f"| {name} | {cpu:.3f} | {cpu - bare:+.3f} |")


def report(args: argparse.Namespace, sides: list, runs: dict[str, list[tuple[float, float, str]]]) -> None:
    head = git("rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "src") else ""
    command = "PYTHONPATH=src python bench/bench_startup.py" + (f" --old {args.old}" if args.old else "")
    if args.command:
        command += f" --command={args.command}"
    if args.input != [DEFAULT_INPUT]:
        command += " --input " + " ".join(display(p) for p in args.input)
    print(f"\nCommand: `{command}` ({date.today().isoformat()}; new = {head}{dirty}; {args.repeat} runs a side)\n")
    new_cpu = statistics.median(r[0] for r in runs["new (this tree)"])
    new_hash = runs["new (this tree)"][0][2]
    print("| process | CPU s (median) | wall s (median) | CPU vs new | same output as new |")
    print("|---|---:|---:|---:|---|")
    for name, _, src in sides:
        cpu = statistics.median(r[0] for r in runs[name])
        wall = statistics.median(r[1] for r in runs[name])
        same = "-" if src is None else "yes" if all(r[2] == new_hash for r in runs[name]) else "no"
        print(f"| {name} | {cpu:.3f} | {wall:.3f} | {cpu / new_cpu:.2f}x | {same} |")


if __name__ == "__main__":
    main()
