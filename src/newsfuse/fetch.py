"""Fetch RSS/Atom feeds and the article pages they link over HTTP(S), politely and within limits."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import httpx

from . import __version__
from .errors import InputError
from .ingest import decode, read_text
from .model import Article, Problem

if TYPE_CHECKING:
    from .store import Ingested, Store

__all__ = [
    "USER_AGENT",
    "FetchSettings",
    "Fetched",
    "FetchReport",
    "Fetcher",
    "is_url",
    "ingest_urls",
    "watch",
    "parse_every",
    "Watcher",
]

log = logging.getLogger("newsfuse.watch")

USER_AGENT = f"newsfuse/{__version__} (news feed reader; fetches the feeds its user names)"


@dataclass(frozen=True)
class FetchSettings:
    """What one fetch may cost, and how politely it asks."""

    # Seconds to connect, and between two reads of the answer: a stalled server fails this URL only.
    timeout: float = 10.0
    # A body beyond this is cut off and reported: news pages are under 1 MB, feeds a few hundred KB.
    max_bytes: int = 5 * 2**20
    # Redirects followed for one URL (http -> https -> canonical host is two).
    max_redirects: int = 5
    # Seconds between two requests to one host: one a second keeps a feed and its pages polite.
    host_interval: float = 1.0
    # Article pages fetched for one feed in one run; the rest wait for the next run (watch).
    pages: int = 100
    user_agent: str = USER_AGENT


class Validators(Protocol):
    """Where a fetcher keeps each URL's ETag and Last-Modified and learns which pages are stored
    (the `Store` is one)."""

    def validators(self, url: str) -> tuple[str | None, str | None]: ...

    def has_url(self, url: str) -> bool: ...


@dataclass(frozen=True)
class Fetched:
    """One answer: the final URL, its decoded text (None: 304, not modified), its kind for
    `ingest.read_text` (feed, html, json, text) and the validators to send next time."""

    url: str
    text: str | None
    kind: str | None
    etag: str | None = None
    modified: str | None = None


class FetchError(Exception):
    """One URL that could not be fetched, said in a line."""


@dataclass
class FetchReport:
    """What a run fetched: the articles read, every failure by URL, the URLs not modified since
    the last run, the validators to keep once the articles are stored, and the requests made."""

    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    requests: int = 0


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


class Fetcher:
    """An HTTP client for feeds and pages: one User-Agent, timeouts, a size limit, bounded
    redirects, conditional requests and at most one request a `host_interval` per host.
    `clock` and `sleep` are injectable (tests); `transport` too (httpx.MockTransport)."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        store: Validators | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self.store = store
        self.clock, self.sleep = clock, sleep
        self._last: dict[str, float] = {}
        self.requests = 0
        self.client = httpx.Client(
            headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(self.settings.timeout),
            follow_redirects=True,
            max_redirects=self.settings.max_redirects,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_for(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            pause = last + self.settings.host_interval - self.clock()
            if pause > 0:
                self.sleep(pause)
        self._last[host] = self.clock()

    def get(self, url: str, conditional: bool = True) -> Fetched:
        """The URL's answer (`text` None when not modified); `FetchError` says why it failed."""
        try:
            parts = urlsplit(url)
            hostname = parts.hostname
        except ValueError as err:  # an unclosed "[" (IPv6) or a port that is no number
            raise FetchError(f"not a valid URL ({err})") from None
        if parts.scheme not in ("http", "https") or not hostname:
            raise FetchError("only http:// and https:// URLs with a host are fetched")
        headers = {}
        if conditional and self.store is not None:
            etag, modified = self.store.validators(url)
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
        self._wait_for(hostname)
        self.requests += 1
        limit = self.settings.max_bytes
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return Fetched(str(response.url), None, None, *_validators(response, headers))
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > limit:
                    raise FetchError(f"{int(length):,} bytes, over the {limit:,} newsfuse fetches")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise FetchError(f"more than the {limit:,} bytes newsfuse fetches; not read")
                final = str(response.url)
                text = _decode(bytes(body), response.charset_encoding, final)
                return Fetched(
                    final, text, _kind(response.headers.get("Content-Type", ""), text), *_validators(response)
                )
        except httpx.TooManyRedirects:
            raise FetchError(f"more than {self.settings.max_redirects} redirects") from None
        except httpx.TimeoutException:
            raise FetchError(f"no answer within {self.settings.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise FetchError(f"cannot fetch it ({type(error).__name__}: {error})") from None

    def fetch_all(self, urls: Iterable[str]) -> FetchReport:
        """Every URL (a feed, or a page) and the pages the feeds link that are not stored yet;
        a failure is reported by its URL and the rest go on."""
        report = FetchReport()
        for url in dict.fromkeys(urls):
            try:
                page = self.get(url)
            except FetchError as error:
                report.problems.append(Problem(url, str(error)))
                continue
            if page.text is None:
                report.unchanged.append(url)
                continue
            try:
                pile = read_text(page.text, url, kind=page.kind)
            except InputError as error:
                report.problems.append(Problem(url, error.reason))
                continue
            report.problems += pile.problems
            report.validators[url] = (page.etag, page.modified)
            if page.kind == "feed":
                self._pages(pile.articles, report)
            elif page.kind == "html":  # stored by the URL asked for, which the next run checks
                report.articles += [replace(a, url=url, origin_file=url) for a in pile.articles]
            else:
                report.articles += pile.articles + [a for s in pile.stories for a in s.articles]
        report.requests = self.requests
        return report

    def _pages(self, entries: list[Article], report: FetchReport) -> None:
        """The article page of each feed entry not stored yet (at most `pages`); an entry whose
        page fails is reported and left for the next run, one without a link keeps the feed's text."""
        fetched = 0
        for entry in entries:
            link = (entry.url or "").strip()
            if not is_url(link):
                report.articles.append(entry)
                continue
            if self.store is not None and self.store.has_url(link):
                continue
            if fetched == self.settings.pages:
                report.problems.append(Problem(link, f"over the {self.settings.pages} pages a run fetches; next run"))
                continue
            fetched += 1
            try:
                page = self.get(link, conditional=False)
                if page.text is None:  # 304 to an unconditional request: nothing to read
                    raise FetchError("HTTP 304 to a request that was not conditional")
                article = read_text(page.text, link, kind="html" if page.kind != "feed" else "text").articles[0]
            except FetchError as error:
                report.problems.append(Problem(link, f"{error}; the entry is tried again next run"))
                continue
            except InputError as error:
                report.problems.append(Problem(link, f"{error.reason}; the entry is tried again next run"))
                continue
            report.articles.append(_merge(entry, article, link))


def _merge(entry: Article, page: Article, link: str) -> Article:
    """The page's text, under the feed entry's link (the key it is stored by), with the entry's
    title, date, id and outlet where the page has none."""
    return replace(
        page,
        url=link,
        title=entry.title or page.title,
        published=page.published or entry.published,
        id=entry.id or page.id,
        outlet=page.outlet or entry.outlet,
        outlet_how=page.outlet_how if page.outlet else entry.outlet_how,
        origin_file=link,
    )


def _validators(response: httpx.Response, sent: dict[str, str] | None = None) -> tuple[str | None, str | None]:
    """The answer's ETag and Last-Modified (a 304 may leave them out: then the ones sent stay)."""
    sent = sent or {}
    etag = response.headers.get("ETag") or sent.get("If-None-Match")
    modified = response.headers.get("Last-Modified") or sent.get("If-Modified-Since")
    return etag, modified


def _decode(body: bytes, charset: str | None, where: str) -> str:
    if charset:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown charset header: guessed as for files
    return decode(body, where)


def _kind(content_type: str, text: str) -> str | None:
    """The kind `read_text` reads: by the Content-Type, else (and for XML served as HTML) sniffed."""
    head = text.lstrip()[:500].lower()
    mime = content_type.split(";")[0].strip().lower()
    if "rss" in mime or "atom" in mime or "<rss" in head or "<feed" in head:
        return "feed"
    if "html" in mime:
        return "html"
    if mime == "application/json":
        return "json"
    return None  # sniffed by read_text


def ingest_urls(
    store: Store, urls: Iterable[str], fetcher: Fetcher, summarize: bool = True
) -> tuple[FetchReport, list[Ingested]]:
    """Fetch the URLs into the store; each URL's validators are kept only once its articles are
    committed, so an interrupted run fetches them again rather than losing them."""
    report = fetcher.fetch_all(urls)
    done = store.ingest(report.articles, summarize=summarize) if report.articles else []
    for url, (etag, modified) in report.validators.items():
        store.remember(url, etag, modified)
    return report, done


# ---- the watch loop --------------------------------------------------------------------------------


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> float:
    """Seconds of "90", "30s", "10m", "1h" or "1d"; ValueError otherwise."""
    text = text.strip().lower()
    unit = _UNITS.get(text[-1:])
    number = text[:-1] if unit else text
    seconds = float(number) * (unit or 1)
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError(f"{text!r} is not a positive duration (e.g. 90, 30s, 10m, 1h)")
    return seconds


def watch(
    poll: Callable[[], object],
    every: float,
    stop: threading.Event,
    clock: Callable[[], float] = time.monotonic,
    wait: Callable[[float], object] | None = None,
    rounds: int | None = None,
) -> int:
    """Run `poll` every `every` seconds (from one start to the next) until `stop` is set, or
    `rounds` times; `wait` (default `stop.wait`, which a signal handler's `stop.set()` ends at
    once) and `clock` are injectable, so a test drives the loop without waiting. Returns the
    rounds run."""
    wait = wait or stop.wait
    done = 0
    while not stop.is_set() and (rounds is None or done < rounds):
        started = clock()
        poll()
        done += 1
        if stop.is_set() or (rounds is not None and done >= rounds):
            break
        pause = every - (clock() - started)
        if pause > 0:
            wait(pause)
    return done


# ---- the watch loop beside a service -----------------------------------------------------------


def _store_call(name: str, **kwargs: Any) -> Callable[[Store], Any]:
    from .store import StoreCall  # imported when watching: `fetch` alone does not need the store

    return StoreCall(name, kwargs)


class _StoreCalls:
    """The four store calls `ingest_urls` and a `Fetcher` make, each run by `call` (in the thread
    that owns the store: a SQLite connection stays in the thread that opened it), each a
    `StoreCall` rather than a lambda, so it can be pickled to a writer process."""

    def __init__(self, call: Callable[[Callable[[Store], Any]], Any]) -> None:
        self._call = call

    def validators(self, url: str) -> tuple[str | None, str | None]:
        return self._call(_store_call("validators", url=url))

    def has_url(self, url: str) -> bool:
        return self._call(_store_call("has_url", url=url))

    def ingest(self, articles: list[Article], summarize: bool = True) -> list[Ingested]:
        return self._call(_store_call("ingest", articles=articles, summarize=summarize))

    def remember(self, url: str, etag: str | None, modified: str | None) -> None:
        self._call(_store_call("remember", url=url, etag=etag, modified=modified))


@dataclass
class WatchStatus:
    """What a running watcher has done: polls finished, articles added, the last poll's problems."""

    polls: int = 0
    added: int = 0
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None


class Watcher:
    """`watch` in a thread of its own beside a service: polls `feeds` every `every` seconds and
    ingests what is new through `call` (which runs a function on the store's own thread). `stop`
    ends it at once between polls (a fetch in flight ends within its timeout). `clock` and
    `wait` are injectable as for `watch`; `transport` as for `Fetcher`. A thread, never a
    process: a service may have started threads already, and forking after that is unsafe."""

    def __init__(
        self,
        feeds: Sequence[str],
        every: float,
        settings: FetchSettings | None = None,
        summarize: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], object] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.feeds, self.every, self.summarize = tuple(feeds), every, summarize
        self.settings, self.clock, self.transport = settings, clock, transport
        self.stopped = threading.Event()
        self._wait = wait or self.stopped.wait
        self.status = WatchStatus()
        self._thread: threading.Thread | None = None

    def start(self, call: Callable[[Callable[[Store], Any]], Any]) -> None:
        store = _StoreCalls(call)
        self._thread = threading.Thread(target=self._run, args=(store,), name="newsfuse-watch", daemon=True)
        self._thread.start()

    def _run(self, store: _StoreCalls) -> None:
        # The fetcher's per-host pauses wait on the stop event too, so a stop is not held up by them.
        with Fetcher(self.settings, store=store, sleep=self.stopped.wait, transport=self.transport) as fetcher:
            watch(lambda: self._poll(store, fetcher), self.every, self.stopped, clock=self.clock, wait=self._wait)

    def _poll(self, store: _StoreCalls, fetcher: Fetcher) -> None:
        """One round; a failure is logged and the loop goes on (the next round may succeed)."""
        try:
            report, done = ingest_urls(store, self.feeds, fetcher, summarize=self.summarize)  # type: ignore[arg-type]
        except Exception as error:  # noqa: BLE001 - a store or parse failure must not end the service's loop
            if self.stopped.is_set():
                return
            log.exception("watch: the poll failed")
            self.status.error = f"{type(error).__name__}: {error}"
        else:
            for problem in report.problems:
                log.warning("watch: %s: %s", problem.where, problem.message)
            added = sum(1 for d in done if d.added)
            log.info(
                "watch: %d added, %d already stored, %d unchanged", added, len(done) - added, len(report.unchanged)
            )
            self.status.added += added
            self.status.problems = list(report.problems)
            self.status.error = None
        self.status.polls += 1

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the loop to end and wait for it (at most `timeout` s); True when it has ended."""
        self.stopped.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()
