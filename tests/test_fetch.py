"""newsfuse.fetch against a local HTTP server on 127.0.0.1 serving hand-written feed and page
fixtures (tests/fixtures/feeds): no other network. The watch loop runs on a clock the test owns."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsfuse.fetch import Fetcher, FetchSettings, ingest_urls, parse_every, watch
from newsfuse.store import Store

ROOT = Path(__file__).resolve().parent.parent
FEEDS = ROOT / "tests" / "fixtures" / "feeds"


class FixtureServer:
    """A threaded HTTP server on 127.0.0.1 and a free port. `routes`: path -> (status, headers,
    body) or a callable taking the handler; every request is logged (path, headers)."""

    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                owner.log.append((self.path, dict(self.headers)))
                route = owner.routes.get(self.path)
                if route is None:
                    self._send(404, {"Content-Type": "text/plain"}, b"not here")
                elif callable(route):
                    route(self)
                else:
                    self._send(*route)

            def _send(self, status: int, headers: dict, body: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [p for p, _ in self.log]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def fixture(name: str, server: FixtureServer) -> bytes:
    return (FEEDS / name).read_text(encoding="utf-8").replace("http://HOST", server.base).encode()


def conditional(body: bytes, etag: str, content_type: str):
    """A route answering 304 to a request that names its ETag."""

    def route(handler) -> None:
        if handler.headers.get("If-None-Match") == etag:
            handler._send(304, {"ETag": etag}, b"")
        else:
            handler._send(200, {"Content-Type": content_type, "ETag": etag}, body)

    return route


def serve_story(server: FixtureServer) -> None:
    """The feed (with an ETag) and its two pages; the third entry's page is missing (404)."""
    server.routes["/feed.rss"] = conditional(fixture("feed.rss", server), '"feed-1"', "application/rss+xml")
    for name in ("warehouse-fire.html", "warehouse-fire-update.html"):
        server.routes[f"/news/{name}"] = (200, {"Content-Type": "text/html; charset=utf-8"}, fixture(name, server))


@pytest.fixture
def server():
    s = FixtureServer()
    yield s
    s.close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


FAST = FetchSettings(timeout=2.0, host_interval=0.5, max_bytes=200_000)


def test_feed_and_pages_ingested_then_not_modified(server, tmp_path):
    serve_story(server)
    clock = FakeClock()
    with Store(tmp_path / "s.db") as store, Fetcher(FAST, store=store, clock=clock, sleep=clock.sleep) as fetcher:
        report, done = ingest_urls(store, [server.url("/feed.rss")], fetcher, summarize=False)
        assert [d.added for d in done] == [True, True]
        urls = {a.url for a in report.articles}
        assert urls == {server.url("/news/warehouse-fire.html"), server.url("/news/warehouse-fire-update.html")}
        first = next(a for a in report.articles if a.url.endswith("/warehouse-fire.html"))
        assert "Dock Street" in first.text and "Home" not in first.text  # the page, through trafilatura
        assert first.title == "Fire at Millbrook warehouse injures 14" and first.published is not None
        assert first.outlet == "Millbrook Courier"
        # The missing page is reported by its URL, and did not stop the others.
        assert [p.where for p in report.problems] == [server.url("/news/missing.html")]
        assert "404" in report.problems[0].message
        assert store.validators(server.url("/feed.rss")) == ('"feed-1"', None)
        # One request a host_interval: three waits between four requests on the fake clock.
        assert clock.slept == [0.5, 0.5, 0.5]
        assert all(h["User-Agent"].startswith("newsfuse/") for _, h in server.log)

        server.log.clear()
        report, done = ingest_urls(store, [server.url("/feed.rss")], fetcher, summarize=False)
        assert report.unchanged == [server.url("/feed.rss")] and done == []
        assert server.paths() == ["/feed.rss"]  # 304: no page asked for again
        assert server.log[0][1]["If-None-Match"] == '"feed-1"'


def test_stored_pages_are_not_fetched_again(server, tmp_path):
    serve_story(server)
    server.routes["/feed.rss"] = (200, {"Content-Type": "application/rss+xml"}, fixture("feed.rss", server))
    with Store(tmp_path / "s.db") as store, Fetcher(FetchSettings(host_interval=0), store=store) as fetcher:
        ingest_urls(store, [server.url("/feed.rss")], fetcher, summarize=False)
        server.log.clear()
        _, done = ingest_urls(store, [server.url("/feed.rss")], fetcher, summarize=False)
    assert done == []
    assert server.paths() == ["/feed.rss", "/news/missing.html"]  # the failed one is tried again


def test_each_failure_is_reported_by_url(server, tmp_path):
    serve_story(server)
    server.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    server.routes["/big.html"] = (200, {"Content-Type": "text/html"}, b"<p>" + b"x" * 300_000 + b"</p>")

    def stream_big(handler) -> None:  # no Content-Length: the limit counts the bytes read
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        for _ in range(50):
            handler.wfile.write(b"y" * 10_000)

    server.routes["/stream.html"] = stream_big

    def slow(handler) -> None:
        time.sleep(3)
        handler._send(200, {"Content-Type": "text/html"}, b"<p>late</p>")

    server.routes["/slow.html"] = slow
    server.routes["/empty.html"] = (200, {"Content-Type": "text/html"}, b"<html><body></body></html>")
    urls = [
        server.url("/loop"),
        server.url("/big.html"),
        server.url("/stream.html"),
        server.url("/slow.html"),
        server.url("/empty.html"),
        "ftp://127.0.0.1/feed",
        server.url("/feed.rss"),
    ]
    settings = FetchSettings(timeout=1.0, host_interval=0, max_bytes=200_000, max_redirects=3)
    with Store(tmp_path / "s.db") as store, Fetcher(settings, store=store) as fetcher:
        report, done = ingest_urls(store, urls, fetcher, summarize=False)
    said = {p.where: p.message for p in report.problems}
    assert "more than 3 redirects" in said[server.url("/loop")]
    assert "300,007 bytes" in said[server.url("/big.html")]
    assert "more than the 200,000 bytes" in said[server.url("/stream.html")]
    assert "no answer within 1 s" in said[server.url("/slow.html")]
    assert "no article text" in said[server.url("/empty.html")]
    assert "only http:// and https://" in said["ftp://127.0.0.1/feed"]
    assert sum(d.added for d in done) == 2  # the feed still came through
    assert sum(1 for p, _ in server.log if p == "/loop") == 4  # the first request and 3 redirects


def test_a_page_url_is_ingested_by_its_own_url(server, tmp_path):
    serve_story(server)
    page = server.url("/news/warehouse-fire.html")
    with Store(tmp_path / "s.db") as store, Fetcher(FetchSettings(host_interval=0), store=store) as fetcher:
        report, done = ingest_urls(store, [page], fetcher, summarize=False)
        assert [a.url for a in report.articles] == [page] and done[0].added
        assert store.has_url(page)


def test_watch_loop_on_a_clock_the_test_owns():
    clock, stop, polls = FakeClock(), threading.Event(), []

    def poll() -> None:
        polls.append(clock.now)
        clock.now += 2.0  # a poll takes 2 s
        if len(polls) == 4:
            stop.set()

    assert watch(poll, 600.0, stop, clock=clock, wait=clock.sleep) == 4
    assert polls == [1000.0, 1600.0, 2200.0, 2800.0]  # start to start, the poll's own time counted
    assert clock.slept == [598.0, 598.0, 598.0]
    assert watch(poll, 1.0, threading.Event(), clock=clock, wait=clock.sleep, rounds=2) == 2


def test_parse_every():
    assert [parse_every(x) for x in ("90", "30s", "10m", "1h", "1.5d")] == [90, 30, 600, 3600, 129600]
    for bad in ("", "0", "-5m", "soon", "inf"):
        with pytest.raises(ValueError):
            parse_every(bad)


@pytest.mark.timeout(120)
def test_cli_ingest_url_and_watch_stops_on_sigterm(server, tmp_path):
    serve_story(server)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    db = tmp_path / "s.db"
    feed = server.url("/feed.rss")
    run = subprocess.run(
        [sys.executable, "-m", "newsfuse.cli", "ingest", feed, "--db", str(db), "--no-summarize"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "2 added" in run.stderr and "missing.html" in run.stderr and "404" in run.stderr
    server.log.clear()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsfuse.cli", "watch", feed, "--db", str(db), "--every", "1h", "--no-summarize"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while "/feed.rss" not in server.paths() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # the poll's report printed; now the loop waits its hour
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "not modified" in stderr and "stopped after 1 polls" in stderr


class Ticks:
    """A watch loop's `wait` that advances the fake clock and returns when the test says `tick()`
    (or the loop is stopped), so the test decides when the next poll runs."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock, self.waits, self.go = clock, [], threading.Semaphore(0)
        self.stopped: threading.Event | None = None

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        assert self.stopped is not None
        while not self.stopped.is_set() and not self.go.acquire(timeout=0.02):
            pass
        self.clock.now += seconds

    def tick(self) -> None:
        self.go.release()


def wait_until(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.02)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("summarizer", ["thread", "writer"])  # the store calls in this process, or the writer's
def test_serve_watch_polls_beside_the_service_and_stops_with_it(server, tmp_path, summarizer):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from newsfuse.fetch import Watcher
    from newsfuse.serve import create_app

    serve_story(server)
    clock = FakeClock()
    ticks = Ticks(clock)
    watcher = Watcher([server.url("/feed.rss")], 600.0, FetchSettings(host_interval=0), False, clock, ticks)
    ticks.stopped = watcher.stopped
    app = create_app(tmp_path / "s.db", watcher=watcher, summarizer=summarizer)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        wait_until(lambda: client.get("/healthz").json()["watch"]["polls"] == 1)
        health = client.get("/healthz").json()
        assert health["stories"] == 1 and health["watch"] == {"feeds": 1, "polls": 1, "added": 2, "error": None}
        assert [p.where for p in watcher.status.problems] == [server.url("/news/missing.html")]
        (story,) = client.get("/api/stories").json()
        assert story["articles"] == 2  # the two pages, read while the service answered
        assert client.get(f"/stories/{story['id']}").status_code == 200
        server.log.clear()
        ticks.tick()  # the next round: a conditional request, and the feed is not modified
        wait_until(lambda: client.get("/healthz").json()["watch"]["polls"] == 2)
        assert server.paths() == ["/feed.rss"]
        assert server.log[0][1]["If-None-Match"] == '"feed-1"'
        assert ticks.waits == [600.0, 600.0]
    # Leaving the client shut the service down: the loop ended, without a third poll.
    assert watcher.stopped.is_set() and watcher._thread is not None and not watcher._thread.is_alive()
    assert watcher.status.polls == 2


@pytest.mark.timeout(240)
def test_cli_serve_watch_ingests_and_stops_on_sigterm(server, tmp_path):
    pytest.importorskip("uvicorn")
    import httpx

    from test_serve import free_port, start_server

    serve_story(server)
    port = free_port()
    proc = start_server(tmp_path / "s.db", port, "--watch", server.url("/feed.rss"), "--every", "1h")
    base = f"http://127.0.0.1:{port}"

    def polled() -> bool:
        # /healthz waits for the store's thread, which the poll's ingest and summaries hold a while.
        try:
            return httpx.get(base + "/healthz", timeout=30).json()["watch"]["polls"] == 1
        except httpx.TimeoutException:
            return False

    try:
        wait_until(polled, 150)
        assert httpx.get(base + "/api/stories", timeout=30).json()[0]["articles"] == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    # uvicorn shuts the app down, then ends itself by the signal it was sent (so -SIGTERM).
    assert proc.returncode in (0, -signal.SIGTERM), stderr
    said = stderr.decode()
    assert "watch: 2 added" in said and "missing.html: HTTP 404" in said, said
    assert "Application shutdown complete" in said and "abandoned" not in said, said
