"""Load test of the service on loopback: `POST /api/summarize` alone (the default), or with
`--reads`, reads under 1, 8 and 32 concurrent clients while articles are being ingested and one
story grows to 400 articles, optionally beside an older revision (`--old REV`) in one run.

Usage (from the repo root):
    PYTHONPATH=src python3 bench/bench_serve.py [--seconds 20] [--max-requests 2000] [--concurrency 8]
        [--workers N] [--input examples/port-halvard-fire] [--url http://127.0.0.1:PORT]
    PYTHONPATH=src python3 bench/bench_serve.py --reads [--clients 1,8,32] [--seconds 40]
        [--old f15ae3a] [--old-summarizer writer] [--summarizer thread,writer] [--idle] [--switch S[,S]]
        [--nice N] [--rounds N] [--pregrow 350]
        [--client httpx|raw] [--trace]
    PYTHONPATH=src python3 bench/bench_serve.py --cost [--requests 500] [--big 400] [--old REV] [--rounds N]
Without --url it starts `newsfuse serve` on a free loopback port (throwaway db) and stops it after.
Prints throughput and p50/p90/p99 latency; exits 1 if any request failed.

`--reads`: for each side (old, then this tree with each --summarizer) and each client count, a
fresh store and server (`create_app` under uvicorn, in its own process; threads for
/api/summarize). One ingest client POSTs batches of `--mix` articles of bench_stories' shuffled
validation mix plus `--grow` articles of one growing story (a fulltext-dev article's lead and 3 of
its paragraphs, 10% of words swapped: they join one story; its summary with the comparison costs
about 6 CPU s at 400 articles) until that story holds `--big` articles or `--seconds` pass. Meanwhile
the read clients, closed loop without pause, each request in turn: /healthz, the index page /,
GET /api/stories?limit=20 (an old server ignores the limit and sends every story), the page of a
story the ingest made (a random one) and the growing story's page. Latency is wall time at the
client; the ingest rate is articles committed per second while it ran; "summary current" is how
long after the last POST the growing story's summary covered all its articles; "server CPU" is
the server process's and its child processes' (a summarizer's or writer's process).
`--old-summarizer writer` runs the old side in that mode (else its create_app's default, "thread"
since `procserve`, which `newsfuse serve` does not run).
`--idle` is the floor: the same ingest runs first, untimed, and once the growing story's summary
is current and the server's processes are quiet (every other summary done), the reads run for
--seconds while nothing is written or summarized. `--switch S` sets the servers' `sys.setswitchinterval` (`--switch 0.005,0.001`: this tree a side each), `--nice 0,5` runs
the writer (`summarizer="writer"`) at each niceness (a side each), both for experiments.
`--pregrow N` is the goal's condition, a story of 400 articles growing while the reads are
measured: before the window (untimed, the readers not yet started) the same ingest runs until the
growing story holds N articles and its summary is current; then for --seconds the ingest goes on
(the mix in every POST) and the growing story's articles (dated, see `growing_story`, so that one story can hold 400) are added along a straight line from N
to --big, so it is re-summarized and its page rebuilt at 350 to 400 articles all window long (the
size column shows N→end). The reads then include the growing story's API body too; the ingest
rate and the server CPU count the window only.
`--rounds N` runs every side N times, the sides alternating, and adds each side's medians.
`--client raw` reads over one asyncio stream connection per read client instead of httpx (a tenth
of the client's CPU a read: with httpx the client, on the same 2 cores, was most of a read's wall
time). `--trace` adds where each read's time went: the server (`serve_trace.Trace`) records when
the app took each read and sent its last byte, matched to the client's by an `x-bench-id`
header (one monotonic clock for the machine), and both event loops' lag (how late a 10 ms sleep
wakes). `--cost`: the server process's CPU (not the writer's) and the wall time of one read of
each kind, `--requests` of them in turn over one connection once the same ingest is done and
every summary is in, each answer kept since its first read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from serve_trace import loop_lag
from sides import old_source

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT / "examples" / "port-halvard-fire"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FULLTEXT = ROOT.parent / "shared" / "data" / "fulltext-dev.jsonl"
# The growing story's source: the longest article of fulltext-dev cluster 34 (27 paragraphs).
GROWING_CLUSTER = 34
GROWING_SEED = 3
GROWING_DATE = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)  # --pregrow's dated articles start here
# One server process over `create_app` (the old revision has it too, with no `summarizer`).
LAUNCH = """
import os, sys, uvicorn
from newsfuse.serve import create_app
switch = os.environ.get('BENCH_SWITCH')
if switch:
    sys.setswitchinterval(float(switch))
nice = os.environ.get('BENCH_NICE')
if nice:
    import newsfuse.serve.writer as writer
    writer.WRITER_NICE = int(nice)
kw = {'summarizer': sys.argv[3]} if sys.argv[3] != '-' else {}
app = create_app(sys.argv[1], **kw)
trace = os.environ.get('BENCH_TRACE')
if trace:
    from serve_trace import Trace
    app = Trace(app, trace)
uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')
"""


def documents(folder: Path) -> list[dict]:
    """The .txt articles of a folder, as the request's documents."""
    return [{"text": p.read_text(encoding="utf-8"), "outlet": p.stem} for p in sorted(folder.glob("*.txt"))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(proc: subprocess.Popen, port: int) -> str:
    """The server's URL once /healthz answers (up to a minute); the process killed if it never does."""
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def start_server(db: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsfuse.cli",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, wait_healthy(proc, port)


async def worker(
    client: httpx.AsyncClient, body: dict, stop_at: float, budget: list[int], latencies: list[float], errors: list[str]
) -> None:
    while time.monotonic() < stop_at and budget[0] > 0:
        budget[0] -= 1
        start = time.perf_counter()
        try:
            response = await client.post("/api/summarize", json=body)
            ok = response.status_code == 200 and response.json().get("sentences")
            if not ok:
                errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
        except httpx.HTTPError as error:
            errors.append(repr(error))
        latencies.append(time.perf_counter() - start)


async def run(url: str, body: dict, seconds: float, max_requests: int, concurrency: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    budget = [max_requests]
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        await asyncio.gather(*(client.post("/api/summarize", json=body) for _ in range(concurrency)))  # warm-up
        start = time.monotonic()
        await asyncio.gather(
            *(worker(client, body, start + seconds, budget, latencies, errors) for _ in range(concurrency))
        )
        elapsed = time.monotonic() - start
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "requests": len(latencies),
        "errors": len(errors),
        "seconds": round(elapsed, 2),
        "throughput_rps": round(len(latencies) / elapsed, 2),
        "concurrency": concurrency,
        "p50_ms": round(pct(0.50), 1),
        "p90_ms": round(pct(0.90), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(1000 * statistics.fmean(latencies), 1),
        "first_errors": errors[:3],
    }


# ---- --reads: reads while articles are ingested and one story grows ------------------------------


def growing_story(n: int, dated: bool = False) -> list[dict]:
    """`n` articles of one story: a fulltext-dev article's lead, then 3 of its other paragraphs
    with 10% of their words swapped for another word of the paragraph (seeded). `dated`: each
    published 10 s after the one before (undated, the learned join asks more of a big story and
    the articles split into stories of about 100; dated, the first takes about 40% of them)."""
    with open(FULLTEXT, encoding="utf-8") as handle:
        record = [json.loads(line) for line in handle if line.strip()][GROWING_CLUSTER]
    paragraphs = [p for p in max(record["documents"], key=len).split("\n") if p.strip()]
    rng = random.Random(GROWING_SEED)
    out = []
    for k in range(n):
        chosen = sorted(rng.sample(range(1, len(paragraphs)), 3))
        body = []
        for i in chosen:
            words = re.findall(r"\S+", paragraphs[i])
            body.append(" ".join(rng.choice(words) if rng.random() < 0.1 else w for w in words))
        out.append({"text": "\n\n".join([paragraphs[0], *body]), "outlet": f"Outlet {k}"})
        if dated:
            out[-1]["published"] = (GROWING_DATE + timedelta(seconds=10 * k)).isoformat()
    return out


def mix_articles(limit: int) -> list[dict]:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_stories import mixed_articles

    return [{"text": a.text, "id": a.id} for a in mixed_articles(limit=limit)[0]]


def start_app(db: Path, src: Path, mode: str, args) -> tuple[subprocess.Popen, str]:
    """A server over `src`'s `create_app` (mode: its summarizer, "-" for an old tree's default, for
    "writer:N" the writer process's niceness N, and with "@S" the `sys.setswitchinterval` S)."""
    port = free_port()
    mode, _, switch = mode.partition("@")
    env = dict(os.environ, PYTHONPATH=str(src), BENCH_SWITCH=switch)
    if args.trace:
        env.update(PYTHONPATH=f"{src}{os.pathsep}{ROOT / 'bench'}", BENCH_TRACE=str(db.with_suffix(".trace")))
    mode, _, env["BENCH_NICE"] = mode.partition(":")
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(db), str(port), mode],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, wait_healthy(proc, port)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """`cpu_seconds` of a process and of its children (the summarizer's or writer's process)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += (task / "children").read_text().split()
    return cpu_seconds(pid) + sum(cpu_seconds(int(c)) for c in children if Path(f"/proc/{c}").exists())


class Ingest:
    """The ingest client's state: the growing story's id and size, the stories made, the articles,
    and how far into the mix and the growing story's articles it has posted."""

    def __init__(self) -> None:
        self.big: str | None = None
        self.big_size = 0
        self.stories: list[str] = []
        self.articles = 0
        self.posts = 0
        self.errors: list[str] = []
        self.done = False
        self.seconds = 0.0
        self.m = 0  # the next mix article
        self.g = 0  # the next growing-story article
        self.start_size = 0  # the growing story's size when the measured window began (--pregrow)
        self.pregrow_seconds = 0.0
        self.window_cpu: float | None = None


async def ingest(
    client: httpx.AsyncClient,
    state: Ingest,
    mix: list[dict],
    grow: list[dict],
    args,
    stop_at: float,
    until: int | None = None,
    paced: bool = False,
):
    """POST batches until the growing story holds `until` (default --big) articles or `stop_at`.
    `paced` (the window after --pregrow): post until `stop_at`, the mix in every batch and the
    growing story's articles only while the story is behind a straight line from its size at the
    start to --big at `stop_at`, so it grows all window long and reaches --big at its end."""
    until = args.big if until is None else until
    start = time.monotonic()
    first = state.big_size
    while time.monotonic() < stop_at and state.m < len(mix) and (paced or state.big_size < until):
        now = time.monotonic()
        behind = state.big_size < first + (args.big - first) * (now - start) / max(stop_at - start, 1e-9)
        n_grow = args.grow if (not paced or behind) and state.g < len(grow) else 0
        batch = mix[state.m : state.m + args.mix] + grow[state.g : state.g + n_grow]
        state.m, state.g = state.m + args.mix, state.g + n_grow
        try:
            response = await client.post("/api/articles", json=batch, timeout=600)
        except httpx.HTTPError as error:
            state.errors.append(repr(error))
            continue
        if response.status_code != 201:
            state.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
            continue
        stored = response.json()["stored"]
        state.posts += 1
        state.articles += sum(s["new"] for s in stored)
        grown = [s["story_id"] for s in stored[len(stored) - n_grow :]] if n_grow else []
        state.big = state.big or (grown[0] if grown else None)
        state.big_size += sum(1 for s in grown if s == state.big)
        state.stories += [s["story_id"] for s in stored[: len(stored) - len(grown)]]
    state.seconds = time.monotonic() - start
    state.done = True


def read_paths(state: Ingest, rng: random.Random) -> list[tuple[str, str]]:
    small = f"/stories/{rng.choice(state.stories)}" if state.stories else "/healthz"
    big = f"/stories/{state.big}" if state.big else "/healthz"
    return [
        ("healthz", "/healthz"),
        ("index", "/"),
        ("list", "/api/stories?limit=20"),
        ("story", small),
        ("big story", big),
        ("big story API", big.replace("/stories/", "/api/stories/")),
    ]


# `--trace`: each read's kind and the client's clock when it was sent and when its answer was in.
SENT: dict[str, tuple[str, float, float]] = {}
CLIENT_LAGS: list[float] = []  # the client's event loop lag (serve_trace.loop_lag)
CLIENT = ["httpx"]  # --client: how the read clients ask


class RawClient:
    """`--client raw`: GET over one keep-alive connection with asyncio's streams, the answer read
    by its Content-Length: a read costs the client a tenth of httpx's (the bench's client shares
    the 2 cores with the server; with httpx it was the larger part of a read's wall time)."""

    def __init__(self, url: str) -> None:
        self.host, _, port = urlsplit(url).netloc.partition(":")
        self.port = int(port)
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, ident: str) -> int:
        """The answer's status (its body read and dropped); one reconnect if the server had closed."""
        for attempt in (0, 1):
            if self.streams is None:
                self.streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self.streams
            try:
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nx-bench-id: {ident}\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
            except (OSError, asyncio.IncompleteReadError):
                writer.close()
                self.streams = None
                if attempt:
                    raise
                continue
            lines = head.decode("latin-1").split("\r\n")
            fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
            await reader.readexactly(int(fields.get("content-length", "0")))
            if fields.get("connection") == "close":
                writer.close()
                self.streams = None
            return int(lines[0].split()[1])
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


async def reader(client: httpx.AsyncClient, state: Ingest, seed: int, times: dict[str, list[float]], errors: list):
    rng = random.Random(seed)
    turn = seed
    raw = RawClient(str(client.base_url)) if CLIENT[0] == "raw" else None
    while not state.done:
        paths = read_paths(state, rng)
        kind, path = paths[turn % len(paths)]
        turn += 1
        ident = f"{seed}-{turn}"
        start = time.monotonic()
        try:
            if raw is not None:
                status = await raw.get(path, ident)
            else:
                status = (await client.get(path, timeout=600, headers={"x-bench-id": ident})).status_code
            if status != 200:
                errors.append(f"{path}: HTTP {status}")
        except (httpx.HTTPError, OSError, asyncio.IncompleteReadError) as error:
            errors.append(f"{path}: {error!r}")
        end = time.monotonic()
        times.setdefault(kind, []).append(end - start)
        SENT[ident] = (kind, start, end)
    if raw is not None:
        raw.close()


async def current_after(client: httpx.AsyncClient, state: Ingest, limit: float) -> float | None:
    """Seconds until the growing story's summary covers all its articles (None past `limit`)."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        body = (await client.get(f"/api/stories/{state.big}", timeout=600)).json()
        covered = body.get("summarized_articles")
        if covered is None:  # an old server summarizes inside the POST: current when it answers
            return 0.0
        if covered == len(body["articles"]) and not body.get("updating"):
            return time.monotonic() - start
        await asyncio.sleep(0.2)
    return None


async def warm_up(client: httpx.AsyncClient, article: dict) -> None:
    """One story stored and summarized, and every kind of read once (templates, imports, the model)."""
    story = (await client.post("/api/articles", json=[article], timeout=600)).json()["stored"][0]["story_id"]
    for path in ("/healthz", "/", "/api/stories?limit=20", f"/stories/{story}", f"/api/stories/{story}"):
        await client.get(path, timeout=600)
    await asyncio.sleep(1.0)


async def reads_run(url: str, clients: int, mix: list[dict], grow: list[dict], args) -> dict:
    state, times, errors = Ingest(), {}, []
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=url, limits=limits) as client:
        await warm_up(client, mix[-1])
        if args.idle:
            return await idle_run(client, state, clients, mix, grow, args)
        if args.pregrow:
            await pregrow(client, state, mix, grow, args)
            state.window_cpu = tree_cpu(args.server_pid)  # the server's CPU counted from the window on
        stop_at = time.monotonic() + args.seconds
        readers = [reader(client, state, seed, times, errors) for seed in range(clients)]
        watch = asyncio.get_running_loop().create_task(loop_lag(CLIENT_LAGS)) if args.trace else None
        window = ingest(client, state, mix, grow, args, stop_at, paced=bool(args.pregrow))
        await asyncio.gather(window, *readers)
        watch and watch.cancel()
        lag = await current_after(client, state, args.settle) if state.big else None
    return {"state": state, "times": times, "errors": errors, "lag": lag}


async def pregrow(client: httpx.AsyncClient, state: Ingest, mix: list[dict], grow: list[dict], args) -> None:
    """`--pregrow N`, untimed: the same ingest until the growing story holds N articles, then its
    summary current (at most --settle s); the window's counters start from there."""
    start = time.monotonic()
    await ingest(client, state, mix, grow, args, start + 20 * args.seconds, until=args.pregrow)
    await current_after(client, state, args.settle)
    state.pregrow_seconds = time.monotonic() - start
    state.start_size = state.big_size
    state.articles = state.posts = 0
    state.done = False


async def quiet(pid: int, limit: float) -> None:
    """Wait (at most `limit` s) until the server's processes use under 5% of a core for a second."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = tree_cpu(pid)
        await asyncio.sleep(1.0)
        if tree_cpu(pid) - before < 0.05:
            return


async def idle_run(client: httpx.AsyncClient, state: Ingest, clients: int, mix: list[dict], grow: list[dict], args):
    """The floor (`--idle`): the same ingest first (untimed, up to 5 x --seconds) and its summaries
    settled, then the same reads for --seconds while nothing is written."""
    await ingest(client, state, mix, grow, args, time.monotonic() + 5 * args.seconds)
    lag = await current_after(client, state, args.settle) if state.big else None
    await quiet(args.server_pid, args.settle)  # the other stories' summaries too
    times: dict[str, list[float]] = {}
    errors: list[str] = []
    state.done = False

    async def stop() -> None:
        await asyncio.sleep(args.seconds)
        state.done = True

    watch = asyncio.get_running_loop().create_task(loop_lag(CLIENT_LAGS)) if args.trace else None
    await asyncio.gather(stop(), *(reader(client, state, seed, times, errors) for seed in range(clients)))
    watch and watch.cancel()
    return {"state": state, "times": times, "errors": errors, "lag": lag}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


KINDS = ("healthz", "index", "list", "story", "big story", "big story API")


def traced(path: Path) -> dict[str, list[tuple[float, float]]]:
    """`--trace`: for each kind of read, each read's (wall time at the client, time in the app)
    from the server's record (`serve_trace.Trace`) matched to the client's by id."""
    record = json.loads(path.read_text())
    inside = {ident: end - start for ident, start, end in record["rows"]}
    out: dict[str, list[tuple[float, float]]] = {}
    for ident, (kind, start, end) in SENT.items():
        if ident in inside:
            out.setdefault(kind, []).append((end - start, inside[ident]))
    SENT.clear()
    out["server loop lag"] = [(lag, 0.0) for lag in record["lags"]]
    out["client loop lag"] = [(lag, 0.0) for lag in CLIENT_LAGS]
    CLIENT_LAGS.clear()
    return out


def trace_rows(side: str, clients: int, trace: dict[str, list[tuple[float, float]]]) -> list[list[str]]:
    """Per kind: p50/p99 at the client, in the app, and outside it (client minus app: the
    client's own turn, the sockets, uvicorn's parsing and the event loop's queue before the app)."""
    rows = []
    for kind in (*KINDS, "all but the growing story", "server loop lag", "client loop lag"):
        pairs = trace.get(kind, []) if kind in trace else [p for k in KINDS[:4] for p in trace.get(k, [])]
        wall, app, rest = [p[0] for p in pairs], [p[1] for p in pairs], [p[0] - p[1] for p in pairs]
        cells = [side, str(clients), kind, str(len(pairs))]
        cells += [f"{pct(v, q):.1f}" for v in (wall, app, rest) for q in (0.5, 0.99)]
        rows.append(cells)
    return rows


def reads_side(src: Path, mode: str, clients: int, mix: list[dict], grow: list[dict], args) -> dict:
    SENT.clear()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_app(Path(tmp) / "bench.db", src, mode, args)
        try:
            args.server_pid = proc.pid  # for --idle's wait until the server is quiet
            before, mine = tree_cpu(proc.pid), time.process_time()
            result = asyncio.run(reads_run(url, clients, mix, grow, args))
            window = result["state"].window_cpu
            result["cpu"] = tree_cpu(proc.pid) - (before if window is None else window)
            result["client_cpu"] = time.process_time() - mine
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        if args.trace:
            result["trace"] = traced(Path(tmp) / "bench.trace")
    return result


def reads_row(side: str, clients: int, r: dict) -> list[str]:
    state, times = r["state"], r["times"]
    small = [t for k in ("healthz", "index", "list", "story") for t in times.get(k, [])]
    every = small + times.get("big story", [])
    cells = [side, str(clients), str(len(every)), f"{pct(small, 0.5):.0f}", f"{pct(small, 0.99):.0f}"]
    cells += [f"{pct(times.get(k, []), 0.99):.0f}" for k in KINDS]
    lag = "-" if r["lag"] is None else f"{r['lag']:.1f}"
    rate = state.articles / state.seconds if state.seconds else 0.0
    size = f"{state.start_size}→{state.big_size}" if state.start_size else f"{state.big_size}"
    cells += [f"{rate:.0f}", size, f"{state.seconds:.0f}", lag, f"{r['cpu']:.0f}"]
    cells.append(f"{r['client_cpu']:.0f}")
    cells.append(str(len(r["errors"]) + len(state.errors)))
    return cells


def median_row(rows: list[list[str]]) -> list[str]:
    """Each numeric column's median over the rounds of one side and client count."""
    out = rows[0][:2]
    for column in zip(*(r[2:] for r in rows), strict=True):
        values = [float(v.split("→")[-1]) for v in column if v != "-"]
        out.append(f"{statistics.median(values):.0f}" if values else "-")
    return out


def table(rows: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(cells) + " |" for cells in rows)


def modes(args) -> list[str]:
    """This tree's server modes: each --summarizer, "writer" at each --nice ("writer:N"), each
    at each --switch ("MODE@S"; one --switch value is every side's, the old one's too)."""
    out = []
    for mode in args.summarizer.split(","):
        nices = args.nice.split(",") if mode == "writer" and args.nice else [""]
        out += [f"{mode}:{n}" if n else mode for n in nices]
    return [f"{mode}@{s}" if s else mode for mode in out for s in _switches(args)]


def _switches(args) -> list[str]:
    return [""] if args.switch is None else [str(float(s)) for s in args.switch.split(",")]


def side_name(mode: str) -> str:
    """A side's label: its summarizer (and niceness), and its switch interval when set."""
    mode, _, switch = mode.partition("@")
    return f"new ({mode}{f', switch {float(switch) * 1000:g} ms' if switch else ''})"


def reads_main(args) -> None:
    loads = [os.getloadavg()[0]]
    mix = mix_articles(args.limit)
    # The story drifts into a few (its first took 244 of 2 x --big in the service): enough to reach --big.
    grow = growing_story(4 * args.big, dated=bool(args.pregrow))
    sides: list[tuple[str, Path, str]] = [(side_name(m), ROOT / "src", m) for m in modes(args)]
    with old_source(args.old) as old_src:
        if old_src:
            single = "" if len(_switches(args)) > 1 else _switches(args)[0]
            old_mode = args.old_summarizer + (f"@{single}" if single else "")
            label = f"old ({args.old}{'' if args.old_summarizer == '-' else ', ' + args.old_summarizer})"
            sides.insert(0, (label, old_src, old_mode))
        rows, failures, by_side, traces = [], [], {}, []
        for c in (int(x) for x in args.clients.split(",")):
            for turn in range(args.rounds):  # the sides alternate, so slow minutes of the machine hit each
                for name, src, mode in sides:
                    result = reads_side(src, mode, c, mix, grow, args)
                    rows.append(reads_row(name + (f" #{turn + 1}" if args.rounds > 1 else ""), c, result))
                    by_side.setdefault((name, c), []).append(reads_row(name, c, result))
                    if args.trace:
                        traces += trace_rows(rows[-1][0], c, result["trace"])
                    if result["errors"] or result["state"].errors:
                        failures.append((name, c, result["errors"] + result["state"].errors))
    command = (
        f"PYTHONPATH=src python bench/bench_serve.py --reads --clients {args.clients} --seconds {args.seconds:g} "
        f"--big {args.big} --mix {args.mix} --grow {args.grow} --summarizer {args.summarizer}"
        + (f" --old {args.old}" if args.old else "")
        + (f" --old-summarizer {args.old_summarizer}" if args.old and args.old_summarizer != "-" else "")
        + (f" --switch {args.switch}" if args.switch is not None else "")
        + (f" --nice {args.nice}" if args.nice is not None else "")
        + (" --idle" if args.idle else "")
        + (f" --pregrow {args.pregrow}" if args.pregrow else "")
        + (f" --rounds {args.rounds}" if args.rounds > 1 else "")
        + (" --trace" if args.trace else "")
        + (f" --client {args.client}" if args.client != "httpx" else "")
    )
    loads.append(os.getloadavg()[0])
    print(f"\nCommand: `{command}`\n\nLoad average (1 min) at the start {loads[0]:.1f}, at the end {loads[1]:.1f}.\n")
    print(
        "| server | clients | reads | p50 ms | p99 ms | p99 healthz | p99 index | p99 list | p99 story "
        "| p99 growing story page | p99 growing story API | ingest articles/s | growing story size | ingest s | summary current after s "
        "| server CPU s | client CPU s | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(table(rows))
    if args.rounds > 1:
        print(f"\nMedians of the {args.rounds} rounds:\n")
        print(table([median_row(r) for r in by_side.values()]))
    if traces:
        print("\nWhere each read's time went (`--trace`; ms; outside = at the client minus in the app):\n")
        print(
            "| server | clients | read | reads | client p50 | client p99 | in app p50 | in app p99 "
            "| outside p50 | outside p99 |"
        )
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        print(table(traces))
    for side, clients, problems in failures:
        print(f"{side}, {clients} clients: {len(problems)} errors, first: {problems[:3]}", file=sys.stderr)


# ---- --cost: the server's CPU a read, one client, nothing written ---------------------------------


async def cost_run(url: str, pid: int, mix: list[dict], grow: list[dict], args) -> dict[str, tuple[float, float]]:
    """The same ingest (untimed) until the growing story holds --big articles and every summary is
    done; then --requests reads of each kind in turn over one connection (the answers kept since
    the warm-up: the story pages are 20 stories cycled): the server process's CPU (not the
    writer's) and the wall time a read, ms."""
    state = Ingest()
    async with httpx.AsyncClient(base_url=url) as client:
        await warm_up(client, mix[-1])
        await ingest(client, state, mix, grow, args, time.monotonic() + 5 * args.seconds)
        await current_after(client, state, args.settle)
        await quiet(pid, args.settle)
    small = [f"/stories/{s}" for s in state.stories[:20]]
    kinds = {
        "healthz": ["/healthz"],
        "index": ["/"],
        "list": ["/api/stories?limit=20"],
        "story": small,
        "growing story page": [f"/stories/{state.big}"],
        "growing story API": [f"/api/stories/{state.big}"],
        "summary-status": [f"/api/stories/{state.big}/summary-status"],
    }
    raw, out = RawClient(url), {}
    for kind, paths in kinds.items():
        for path in paths:  # built once, then kept
            assert await raw.get(path, "warm") == 200, path
        cpu, start = cpu_seconds(pid), time.monotonic()
        for i in range(args.requests):
            await raw.get(paths[i % len(paths)], "cost")
        out[kind] = (1000 * (cpu_seconds(pid) - cpu) / args.requests, 1000 * (time.monotonic() - start) / args.requests)
    raw.close()
    return out


def cost_main(args) -> None:
    mix, grow = mix_articles(args.limit), growing_story(4 * args.big)
    loads = [os.getloadavg()[0]]
    rows: list[list[str]] = []
    kinds: list[str] = []
    with old_source(args.old) as old_src:
        sides = [(f"new ({m})", ROOT / "src", m) for m in modes(args)]
        if old_src:
            sides.insert(0, (f"old ({args.old})", old_src, "-"))
        for turn in range(args.rounds):
            for name, src, mode in sides:
                with tempfile.TemporaryDirectory() as tmp:
                    proc, url = start_app(Path(tmp) / "bench.db", src, mode, args)
                    try:
                        got = asyncio.run(cost_run(url, proc.pid, mix, grow, args))
                    finally:
                        proc.terminate()
                        proc.wait(timeout=60)
                kinds = list(got)
                cells = [f"{name} #{turn + 1}", str(args.requests)]
                rows.append(cells + [f"{got[k][0]:.2f}" for k in kinds] + [f"{got[k][1]:.2f}" for k in kinds])
    loads.append(os.getloadavg()[0])
    print(
        f"\nCommand: `PYTHONPATH=src python bench/bench_serve.py --cost --requests {args.requests} --big {args.big} "
        f"--summarizer {args.summarizer} --rounds {args.rounds}" + (f" --old {args.old}`" if args.old else "`")
    )
    print(f"\nLoad average (1 min) at the start {loads[0]:.1f}, at the end {loads[1]:.1f}.\n")
    names = [f"{k} CPU ms" for k in kinds] + [f"{k} wall ms" for k in kinds]
    print("| server | reads a kind | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * (2 * len(kinds)))
    print(table(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="folder of .txt articles (one story)")
    parser.add_argument("--words", type=int, default=None)
    parser.add_argument("--workers", type=int, default=0, help="the started server's --workers")
    parser.add_argument("--url", default=None, help="a running server on loopback (default: start one)")
    parser.add_argument("--reads", action="store_true", help="reads under load while articles are ingested")
    parser.add_argument("--clients", default="1,8,32", help="--reads: read clients, comma-separated")
    parser.add_argument("--big", type=int, default=400, help="--reads: articles the growing story reaches")
    parser.add_argument("--mix", type=int, default=8, help="--reads: validation-mix articles a POST")
    parser.add_argument("--grow", type=int, default=4, help="--reads: growing-story articles a POST")
    parser.add_argument("--limit", type=int, default=4000, help="--reads: validation-mix articles at most")
    parser.add_argument("--settle", type=float, default=120.0, help="--reads: seconds to wait for the summary")
    parser.add_argument("--old", default=None, help="--reads: an older revision run side by side")
    parser.add_argument("--summarizer", default="thread", help="--reads: this tree's summarizer modes")
    parser.add_argument(
        "--switch", default=None, help="--reads: the servers' sys.setswitchinterval, s (comma-separated: a side each)"
    )
    parser.add_argument(
        "--old-summarizer", default="-", help="--reads: the old side's summarizer mode (default: its create_app's)"
    )
    parser.add_argument("--nice", default=None, help="--reads: the writer process's niceness, comma-separated")
    parser.add_argument("--rounds", type=int, default=1, help="--reads: runs of each side, alternating")
    parser.add_argument(
        "--pregrow",
        type=int,
        default=0,
        help="--reads: grow the story to N articles first (untimed), then to --big during the window",
    )
    parser.add_argument("--idle", action="store_true", help="--reads: the floor, reads after the ingest, none during")
    parser.add_argument("--trace", action="store_true", help="--reads: each read's time in the app and outside it")
    parser.add_argument("--cost", action="store_true", help="the server's CPU a read, one client, nothing written")
    parser.add_argument("--requests", type=int, default=500, help="--cost: reads of each kind")
    parser.add_argument("--client", default="httpx", help="--reads: the read clients, httpx or raw (asyncio streams)")
    args = parser.parse_args()
    if args.cost:
        cost_main(args)
        return
    if args.reads:
        CLIENT[0] = args.client
        reads_main(args)
        return
    if args.url and urlsplit(args.url).hostname not in LOOPBACK:
        raise SystemExit("--url must be a loopback address (127.0.0.1, localhost, ::1)")
    body = {"documents": documents(args.input), "words": args.words}
    words = sum(len(d["text"].split()) for d in body["documents"])
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = (None, args.url) if args.url else start_server(Path(tmp) / "bench.db", args.workers)
        try:
            result = asyncio.run(run(url, body, args.seconds, args.max_requests, args.concurrency))
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    result.update(
        input=str(args.input), documents=len(body["documents"]), input_words=words, bytes=len(json.dumps(body))
    )
    print(json.dumps(result, indent=2))
    if result["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
