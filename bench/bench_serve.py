"""Load test of `POST /api/summarize` on loopback: concurrent clients for a bounded time and count.

Usage (from the repo root):
    PYTHONPATH=src python3 bench/bench_serve.py [--seconds 20] [--max-requests 2000] [--concurrency 8]
        [--workers N] [--input examples/port-halvard-fire] [--url http://127.0.0.1:PORT]
Without --url it starts `newsfuse serve` on a free loopback port (throwaway db) and stops it after.
Prints throughput and p50/p90/p99 latency; exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT / "examples" / "port-halvard-fire"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def documents(folder: Path) -> list[dict]:
    """The .txt articles of a folder, as the request's documents."""
    return [{"text": p.read_text(encoding="utf-8"), "outlet": p.stem} for p in sorted(folder.glob("*.txt"))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="folder of .txt articles (one story)")
    parser.add_argument("--words", type=int, default=None)
    parser.add_argument("--workers", type=int, default=0, help="the started server's --workers")
    parser.add_argument("--url", default=None, help="a running server on loopback (default: start one)")
    args = parser.parse_args()
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
