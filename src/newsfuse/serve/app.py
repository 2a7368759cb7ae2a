"""The FastAPI app: its factory, the API and page routes, and the thread that owns the store."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..codec import timeline_to_dict
from ..errors import NewsfuseError, NotFoundError, OptionError
from ..model import Article, Story
from ..settings import Options
from ..store import Store, StoreCall, StoryInfo, StorySummary, Summarizer
from ..updates import article_times, story_timeline
from .guard import LOOPBACK_HOSTS, RequestGuard, normal_hosts
from .middleware import (
    BodyLimit,
    error_response,
    http_error,
    input_error,
    page,
    page_or_validation_error,
    server_error,
    templates,
)
from .schemas import (
    MAX_DOCUMENTS,
    ArticlesOut,
    DocumentIn,
    StoryInfoOut,
    StoryOut,
    SummarizeRequest,
    SummaryOut,
    SummaryStatusOut,
    TimelineOut,
    UpdateOut,
    articles_body,
    published_problem,
    url_problem,
)
from .views import Built, StoryCache, info_out, safe_url, stored_out, story_card, story_out, story_view, summary_json
from .writer import WriterProcess, ready

if TYPE_CHECKING:
    from jinja2 import Environment

    from ..fetch import Watcher

DEFAULT_DB = "newsfuse.db"
# Request bodies above this are refused with 413: 4 MiB holds about a thousand typical news
# articles (4 KB each), so only a mistake or an abuse reaches it.
MAX_BODY = 4 * 1024 * 1024
# One uploaded file: a long feature with its HTML page stays well under it.
MAX_FILE = 2 * 1024 * 1024
MAX_FILES = 100
# A request body not complete this long after its headers gets 408 (4 MiB in 60 s is 70 KB/s), so
# clients trickling bodies cannot hold connections and memory.
BODY_TIMEOUT = 60.0
# Seconds the server's shutdown waits for the feed watcher: a fetch in flight ends within its own
# timeout (fetch.FetchSettings.timeout, 10 s), so this is that and the ingest of one poll.
WATCH_STOP = 30.0
# SQLite's INTEGER: a story id above it cannot exist.
MAX_ID = 2**63 - 1
UPLOAD_KINDS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "json",
    ".json": "json",
    ".ndjson": "json",
}
STATIC = {
    "style.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
# Stories a page of the story list shows; a search lists at most SEARCH_STORIES.
PAGE_STORIES = 20
SEARCH_STORIES = 200
# Threads that serve reads, each with its own connection: a cheap read (/healthz, a small story)
# never waits behind a long one (a story of hundreds of articles); more would only share the GIL.
READERS = 4
# A story of at least this many articles has its page and API body built in the builder process
# ("writer" mode, `StoreThread.build_elsewhere`), not in a reading thread: a 400-article page is
# some 100 to 300 ms of Python (Jinja, markupsafe) that held the GIL the event loop's reads need
# (bench_serve --reads --pregrow 350: every read's p99 waited on it; docs/benchmarks.md, branch
# `serve400`). Below it a build is a few ms, less than the hop to the process and back.
BUILD_ELSEWHERE = 100
# Where the write side runs (StoreThread, the one place that decides): "thread" (the default)
# writes in one thread and summarizes in another, both in the server process; "process" hands
# each summary to one spawned worker; "store" summarizes in the writing thread between writes;
# "writer" runs every write (ingests, the watcher's) and the summarizer in one spawned process,
# so the server's interpreter only answers reads. Measured side by side in docs/benchmarks.md.
SUMMARIZER_MODES = ("thread", "process", "store", "writer")
# `newsfuse serve`'s placement, by that measurement: reads no longer share an interpreter with
# the clustering and the summaries. `create_app`'s default stays "thread": it starts no process,
# so the tests and an embedding program can hold and count summaries in their own process.
SERVE_SUMMARIZER = "writer"
# Seconds shutdown waits for a summary in progress (a 400-article story takes a few seconds); the
# thread is a daemon, and the story stays marked, so an abandoned summary is redone at next start.
SUMMARIZER_STOP = 30.0
# Words (whitespace-separated, all documents) one /api/summarize request may hold. Real news costs
# about 12 us a word with the comparison (97 fulltext-dev articles, 59,467 words: 0.7 CPU s), but
# text made to be costly costs more (docs/benchmarks.md, "The costliest /api/summarize requests"):
# 200 documents of one templated sentence with a date and a number took 3.8-6.5 CPU s at 60,000
# words, 200 near-copies of one article 2.0-3.0 s at 30,000. So a client without the server's
# token may send 30,000 words (at most about 3 CPU s there); the token's holder, the operator,
# 60,000 (some 120 articles).
MAX_SUMMARIZE_WORDS = 30_000
MAX_SUMMARIZE_WORDS_TOKEN = 60_000
# /api/summarize requests waiting or running at once, per summarizing worker: more are refused
# with 503 and Retry-After, so a client sending many cannot queue minutes of work.
SUMMARIZE_QUEUE = 4
RETRY_AFTER_S = 10
# Characters of the story list's API answers (and of the index pages) kept per store version:
# the first pages, asked for most, are tens of KB; the whole list at 12,664 stories is 2 MB.
ANSWERS_SIZE = 16 * 2**20
# The story list's JSON, as FastAPI's response model would write it (the answer is kept as bytes).
STORY_LIST = TypeAdapter(list[StoryInfoOut])
# The templates are package data of `newsfuse`, one level above this package.
TEMPLATES = Path(__file__).parent.parent / "templates"

T = TypeVar("T")
D = TypeVar("D")


# ---- the store, owned by one thread ------------------------------------------------------------


class StoreThread:
    """The store's connections, each in its own thread (SQLite connections are per thread): writes
    (`run`, `call`) run in turn in one thread; reads (`read`) in another, on a connection of their
    own, so a page never queues behind an ingest (WAL: readers see the last commit, never wait for
    a writer). Ingests only mark stories stale; `summarizer` recomputes them in the background: in a
    thread of its own with its own connection ("thread", the default), the same thread handing each
    summary to one spawned worker process ("process": the server's GIL stays with the requests;
    `spawn` makes the process), or in the writing thread between requests ("store"). With
    "writer" the writes and the summarizer run in one spawned process (`writer.WriterProcess`)
    and this process keeps only the reads; what is written is then a picklable call (a module
    function or a `store.StoreCall`). Measured side by side in docs/benchmarks.md."""

    def __init__(self, path: str, summarizer: str = "thread") -> None:
        if summarizer not in SUMMARIZER_MODES:
            raise ValueError(f"summarizer must be one of {', '.join(SUMMARIZER_MODES)}, got {summarizer!r}")
        self.path = path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsfuse-store")
        self._readers = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="newsfuse-read")
        self._store: Store | None = None
        self._local = threading.local()  # each reading thread's Store
        self._opened: list[Store] = []
        self._quick: Store | None = None  # `quick`'s connection, shared under `_quick_lock`
        self._quick_lock = threading.Lock()
        self._started = False  # the writer has opened (made, migrated) the file
        self.builder: ProcessPoolExecutor | None = None  # "writer": big stories' pages (`build_elsewhere`)
        self.mode = summarizer
        # No process starts before the first write (in the lifespan, `start`).
        self.writer: WriterProcess | None = None
        self._summarizer: Summarizer | None = None  # the writer process runs its own: none here then
        self.summarizer: Summarizer | WriterProcess
        if summarizer == "writer":
            self.summarizer = self.writer = WriterProcess(path)
        else:
            self.summarizer = self._summarizer = Summarizer(path, call=self.call if summarizer == "store" else None)

    def spawn(self) -> None:
        """The summarizer's worker process ("process"), spawned before the store's threads start."""
        if self.mode == "process" and self._summarizer is not None:
            self._summarizer.pool = _process_pool(1)

    def _get(self) -> Store:
        if self._store is None:
            self._store = Store(self.path, on_stale=self.summarizer.wake)
            if self._summarizer is not None:  # after the file is made and migrated; it takes the stored marks
                self._summarizer.start()
        return self._store

    def _get_reader(self) -> Store:
        reader: Store | None = getattr(self._local, "store", None)
        if reader is None:
            if not self._started:
                self.start()  # the writer makes and migrates the file first
            reader = self._local.store = Store(self.path, on_stale=self.summarizer.wake)
            self._opened.append(reader)
        return reader

    def start(self) -> None:
        """Open the store and start the summarizer now (else on the first request), and the
        connection of the quick reads."""
        self.call(ready)
        with self._quick_lock:
            if self._quick is None:
                self._quick = Store(self.path, on_stale=self.summarizer.wake)
            if self.mode == "writer" and self.builder is None:  # spawned: safe after threads start
                self.builder = _builder_pool()
                self.builder.submit(int)  # its start-up (the imports) now, not in the first big read
        self._started = True

    async def build_elsewhere(self, story_id: int, kind: str) -> tuple[bytes, tuple[int, int, bool]] | None:
        """A big story's page (`kind` "" or "all") or API body ("api") built in the builder
        process, with the state it was loaded at; None without a builder (then build here) or if
        the story was not there. Awaited on the event loop: no reading thread waits for it (four
        reads of the growing story waiting for its build held all four, and every small story's
        build queued behind them: the small reads' p99 in the app was 160 ms)."""
        builder = self.builder
        if builder is None:
            return None
        try:
            return await asyncio.wrap_future(builder.submit(_build_in_process, self.path, story_id, kind))
        except BrokenExecutor:  # the builder died (killed, out of memory): build here from now on
            logging.getLogger("newsfuse.serve").warning("the page builder process died; building pages here")
            self.builder = None
            return None

    def quick(self, fn: Callable[[Store], T], default: D) -> T | D:
        """`fn(store)` now, in the calling thread (the event loop's), on a connection of its own:
        for reads of microseconds (an indexed state, a count, `version`) that decide whether a
        kept answer is still current. A hop to a reading thread and back costs more than that
        (a futex wake and the GIL handed over twice, about 0.2 ms of a 0.7 ms /healthz) and
        queues the read behind the pages being built there. WAL: never waits for the writer.
        `default` before `start` (no lifespan, e.g. a TestClient outside `with`)."""
        with self._quick_lock:
            return default if self._quick is None else fn(self._quick)

    async def quick_or_read(self, fn: Callable[[Store], T]) -> T:
        """`fn(store)` by `quick`, or in a reading thread before `start`."""
        value = self.quick(fn, None)
        return value if value is not None else await self.read(fn)

    def version(self) -> int | None:
        """A number that changes whenever the store changes (another connection commits: the
        quick connection never writes), or None before `start`; answers kept under it are
        current while it is unchanged."""
        return self.quick(Store.data_version, None)

    async def run(self, fn: Callable[[Store], T]) -> T:
        if self.writer is not None:
            return await asyncio.wrap_future(self.writer.submit(fn))
        return await asyncio.get_running_loop().run_in_executor(self._pool, lambda: fn(self._get()))

    async def read(self, fn: Callable[[Store], T]) -> T:
        """`run` for a call that only reads (one that writes, e.g. a first cheap summary, waits
        for the writer's lock as another process would)."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, lambda: fn(self._get_reader()))

    def call(self, fn: Callable[[Store], T]) -> T:
        """`run` for a thread other than the event loop's (the feed watcher): waits for the result."""
        if self.writer is not None:
            return self.writer.submit(fn).result()
        return self._pool.submit(lambda: fn(self._get())).result()

    def close(self) -> None:
        if not self.summarizer.stop(SUMMARIZER_STOP):
            logging.getLogger("newsfuse.summarizer").warning("a summary still running at shutdown was abandoned")

        def _close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        self._readers.shutdown(wait=True)
        with self._quick_lock:
            if self._quick is not None:
                self._quick.close()
                self._quick = None
        for reader in self._opened:  # their threads have ended: nothing uses them any more
            reader.close()
        self._opened.clear()
        self._pool.submit(_close).result()
        self._pool.shutdown(wait=True)
        if self.builder is not None:
            self.builder.shutdown(cancel_futures=True)
        if self._summarizer is not None and self._summarizer.pool is not None:
            self._summarizer.pool.shutdown(cancel_futures=True)


# ---- the token ---------------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="Needed for writes when the server runs with --token.")


def require_token(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    """Writes need `Authorization: Bearer <token>` when the server was given a token."""
    if request.app.state.token is None:
        return
    if not _token_matches(request.app.state.token, credentials):
        raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})


def _token_matches(expected: str | None, credentials: HTTPAuthorizationCredentials | None) -> bool:
    """Whether the request's bearer credentials are the server's token (never when it has none)."""
    given = credentials.credentials if credentials else ""
    return expected is not None and hmac.compare_digest(given.encode(), expected.encode())


# ---- API handlers ------------------------------------------------------------------------------


def _article(doc: str | DocumentIn, where: str) -> Article:
    """An article of a JSON body; a missing title is the headline line, a missing outlet the site."""
    from dataclasses import replace

    from ..ingest import article_from_record, headline_of

    record = doc if isinstance(doc, str) else doc.model_dump(exclude_none=True)
    article = article_from_record(record, where)
    return replace(
        article, title=article.title or headline_of(article.text), outlet=article.outlet or _site(article.url)
    )


def _site(url: str | None) -> str | None:
    from urllib.parse import urlsplit

    safe = safe_url(url)
    host = urlsplit(safe).hostname if safe else None
    return host.removeprefix("www.") if host else None


def summarize_documents(documents: list[str | DocumentIn], options: Options) -> dict:
    """The summary (with the comparison, when asked) of the documents as the codec's dict; nothing is stored."""
    from ..pipeline import summarize_story

    story = Story(articles=[_article(d, f"documents.{i}") for i, d in enumerate(documents)], id=None)
    return summary_json(summarize_story(story, options))


def _summarize_plain(documents: list[str | dict], options: Options) -> dict:
    """`summarize_documents` in a worker process: plain data in and out."""
    return summarize_documents([d if isinstance(d, str) else DocumentIn(**d) for d in documents], options)


async def _request_articles(request: Request) -> tuple[list[Article], list[str]]:
    """The articles of a POST /api/articles body, read by its content type, and what could not be read."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        return await _uploaded_articles(request)
    if kind == "application/json":
        return await _json_articles(request)
    # No content type is refused too: a page on another site can send a body without one and
    # without a CORS preflight, so it must never be read as JSON.
    raise HTTPException(
        415, f"Content-Type {kind or '(none)'}: send application/json or multipart/form-data (field 'files')"
    )


async def _json_articles(request: Request) -> tuple[list[Article], list[str]]:
    try:
        data = json.loads(await request.body())
    except ValueError as error:  # bad JSON or UTF-8, or an integer over Python's 4,300 digits
        raise HTTPException(400, f"request body is not valid JSON: {error}") from None
    except RecursionError:
        raise HTTPException(400, "request body is not usable JSON: nested too deeply") from None
    items = data if isinstance(data, list) else [data]
    if not items or len(items) > MAX_DOCUMENTS:
        raise HTTPException(422, f"body: give between 1 and {MAX_DOCUMENTS} articles")
    try:
        docs = TypeAdapter(list[DocumentIn]).validate_python(items)
    except ValidationError as error:
        errors = [
            dict(e, loc=(("body",) + e["loc"][1:]) if not isinstance(data, list) else e["loc"]) for e in error.errors()
        ]
        raise RequestValidationError(errors) from None
    return [_article(d, f"article {i}") for i, d in enumerate(docs)], []


async def _uploaded_articles(request: Request) -> tuple[list[Article], list[str]]:
    from ..ingest import decode, read_text

    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
    files = [v for _, v in form.multi_items() if not isinstance(v, str)]
    if not files:
        raise HTTPException(422, "files: no file was uploaded (multipart field 'files')")
    articles: list[Article] = []
    problems: list[str] = []
    for upload in files:
        name = Path(upload.filename or "upload.txt").name
        data = await upload.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            raise HTTPException(413, f"{name}: file too large: the limit is {MAX_FILE} bytes")
        kind = UPLOAD_KINDS.get(Path(name).suffix.lower())
        if kind is None:
            problems.append(f"{name}: not a .txt, .html or .jsonl file")
            continue
        try:
            pile = read_text(decode(data, name), name, kind)
        except NewsfuseError as error:
            problems.append(str(error))
            continue
        except RecursionError:
            problems.append(f"{name}: not read: JSON nested too deeply")
            continue
        except (ValueError, OverflowError) as error:  # a record the reader could not take apart
            problems.append(f"{name}: not read: {error}")
            continue
        for article in pile.articles + [a for s in pile.stories for a in s.articles if a.text.strip()]:
            problem = _article_problem(article)
            if problem:
                problems.append(f"{article.origin_file or name}: not stored: {problem}")
            else:
                articles.append(article)
        problems += [str(p) for p in pile.problems]
    return articles, problems


def _article_problem(article: Article) -> str | None:
    """Why an uploaded article cannot be stored (the checks the JSON schema makes), or None."""
    for field in ("text", "outlet", "url", "title", "id"):
        value = getattr(article, field)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                return f"{field}: {value[error.start]!r} is not a character (a lone surrogate)"
    problem = published_problem(article.published)
    if problem:
        return f"published: {problem}"
    problem = url_problem(article.url)
    return f"url: {problem}" if problem else None


def story_list(store: Store, query: str, page_number: int) -> dict:
    """What the index shows: one page of the latest stories, or of the stories a search finds,
    each with its one-line summary, outlets, article count and first and latest report."""
    if query:
        found = store.search(query, limit=SEARCH_STORIES)
        total = len(found)
    else:
        total = store.count()
    pages = max(1, -(-total // PAGE_STORIES))
    page_number = min(page_number, pages)
    start = (page_number - 1) * PAGE_STORIES
    infos = found[start : start + PAGE_STORIES] if query else store.stories(PAGE_STORIES, start)
    leads = store.leads(i.id for i in infos)
    return {
        "stories": [story_card(info, *leads.get(info.id, (None, []))) for info in infos],
        "total": total,
        "pages": pages,
        "page_number": page_number,
    }


class KeptCount:
    """`Store.count` for /healthz on the quick connection, counted again only after a commit (a
    count walks an index of every story: on the event loop once per change, not once a read).
    Kept with the connection it was counted on: `data_version` numbers only that connection."""

    def __init__(self) -> None:
        self.kept: tuple[Store, int, int] | None = None

    def __call__(self, store: Store) -> int:
        version = store.data_version()
        if self.kept is None or self.kept[0] is not store or self.kept[1] != version:
            self.kept = (store, version, store.count())
        return self.kept[2]


def _infos(store: Store, limit: int | None, offset: int) -> list[StoryInfoOut]:
    return [info_out(i) for i in store.stories(limit, offset)]


def load_story(store: Store, story_id: int) -> tuple[Story, StorySummary, StoryInfo]:
    """The story, its latest summary (never waited for: see `Store.latest_summary`) and its info."""
    if not 0 < story_id <= MAX_ID:
        raise HTTPException(404, f"no story {story_id}")
    try:
        info = store.info(story_id)
    except NotFoundError:
        raise HTTPException(404, f"no story {story_id}") from None
    return store.story(story_id), store.latest_summary(story_id), info


# ---- the app -----------------------------------------------------------------------------------


def create_app(
    db_path: str | Path = DEFAULT_DB,
    token: str | None = None,
    max_body: int = MAX_BODY,
    workers: int = 0,
    allowed_hosts: Iterable[str] | None = None,
    body_timeout: float = BODY_TIMEOUT,
    watcher: Watcher | None = None,
    summarizer: str = "thread",
) -> FastAPI:
    """The service over the store at `db_path`; with `token`, writes need it as a bearer token;
    with `workers` > 0, /api/summarize runs in that many processes (else in threads).
    `allowed_hosts`: the names the `Host` header may carry (any port; "*" for any name), by
    default the loopback names; other hosts get 400 (DNS rebinding). With `watcher`, its feeds are
    polled in a thread beside the service from startup to shutdown (`serve --watch`).
    `summarizer`: where stories' summaries are recomputed after ingests (`StoreThread`)."""
    hosts = normal_hosts(LOOPBACK_HOSTS if allowed_hosts is None else allowed_hosts)
    store = StoreThread(str(db_path), summarizer)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The worker processes are spawned, never forked, and before the watcher's thread starts.
        app.state.pool = _process_pool(workers) if workers > 0 else None
        store.spawn()  # before the store's threads start
        await asyncio.to_thread(store.start)  # the summarizer takes the marks a restart left
        if watcher is not None:
            watcher.start(store.call)
        yield
        if watcher is not None and not await asyncio.to_thread(watcher.stop, WATCH_STOP):
            logging.getLogger("newsfuse.watch").warning("watch: a poll still running at shutdown was abandoned")
        if app.state.pool is not None:
            app.state.pool.shutdown(cancel_futures=True)
        await asyncio.to_thread(store.close)

    app = FastAPI(
        title="newsfuse",
        version="0.1.0",
        lifespan=lifespan,
        description="Many news reports about the same events, fused into one attributed account.",
        # Swagger UI and ReDoc load their scripts from a CDN, so offline they are blank pages: the
        # schema at /openapi.json is served, and any OpenAPI viewer reads it (docs/serve.md).
        docs_url=None,
        redoc_url=None,
    )
    app.state.token = token or None
    app.state.pool = None
    # Summaries computed at once: one per worker process, else one (threads share the GIL).
    app.state.gate = asyncio.Semaphore(max(1, workers))
    app.state.summarize_limit = SUMMARIZE_QUEUE * max(1, workers)
    app.state.summarizing = 0  # requests waiting for or holding the gate
    app.state.store = store
    app.state.watcher = watcher
    app.state.max_body = max_body
    app.state.allowed_hosts = hosts
    app.add_middleware(BodyLimit, max_body=max_body, body_timeout=body_timeout)
    # Added last, so it runs first: a refused host or cross-site write is answered before any body is read.
    app.add_middleware(RequestGuard, allowed_hosts=hosts, token=app.state.token, error=error_response)
    # Starlette types a handler as taking any Exception; each of these takes its own class.
    app.add_exception_handler(RequestValidationError, page_or_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(NewsfuseError, input_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, server_error)
    _service_routes(app, store)
    _store_routes(app, store)
    _page_routes(app, store)
    return app


def _builder_pool() -> ProcessPoolExecutor:
    """`StoreThread.builder`: one spawned process that, like the writer, leaves Ctrl-C to the
    server and ends itself if the server is killed."""
    import multiprocessing
    import os

    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(1, mp_context=context, initializer=_begin_builder, initargs=(os.getpid(),))


def _begin_builder(parent: int) -> None:
    import signal

    from .writer import _orphan_watch

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_orphan_watch, args=(parent,), name="newsfuse-orphan-watch", daemon=True).start()


def _process_pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def _service_routes(app: FastAPI, store: StoreThread) -> None:
    counted = KeptCount()

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict:
        """Liveness: the process answers and the store opens."""
        count = await store.quick_or_read(counted)
        watcher: Watcher | None = app.state.watcher
        if watcher is None:
            return {"status": "ok", "stories": count}
        status = watcher.status
        watching = {"feeds": len(watcher.feeds), "polls": status.polls, "added": status.added, "error": status.error}
        return {"status": "ok", "stories": count, "watch": watching}

    @app.get("/api/selectors", tags=["api"])
    async def selectors() -> list[str]:
        """The content selectors a summarize request may name."""
        from ..select import available

        return available()

    @app.post("/api/summarize", response_model=SummaryOut, tags=["api"])
    async def summarize(
        body: SummarizeRequest, request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> dict:
        """Summarize the documents (one story) with attribution and comparison; stores nothing.
        At most MAX_SUMMARIZE_WORDS words a request, MAX_SUMMARIZE_WORDS_TOKEN with the server's
        token (else 413); when the summarizing workers have a full queue, 503 with Retry-After."""
        options = _request_options(body)
        trusted = _token_matches(request.app.state.token, credentials)
        _check_cost(body, MAX_SUMMARIZE_WORDS_TOKEN if trusted else MAX_SUMMARIZE_WORDS)
        if app.state.summarizing >= app.state.summarize_limit:
            raise HTTPException(
                503,
                f"busy: {app.state.summarizing} summarize requests are queued or running; retry in {RETRY_AFTER_S} s",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        app.state.summarizing += 1
        try:
            return await _summarize_gated(app, body, options)
        finally:
            app.state.summarizing -= 1


async def _summarize_gated(app: FastAPI, body: SummarizeRequest, options: Options) -> dict:
    pool = app.state.pool
    async with app.state.gate:  # queue here rather than thrash the GIL with many threads
        if pool is None:
            return await asyncio.to_thread(summarize_documents, body.documents, options)
        plain = [d if isinstance(d, str) else d.model_dump(exclude_none=True) for d in body.documents]
        return await asyncio.get_running_loop().run_in_executor(pool, _summarize_plain, plain, options)


def _check_cost(body: SummarizeRequest, limit: int) -> None:
    """A request over `limit` words is refused (413) before any work, naming the limit."""
    words = sum(len((d if isinstance(d, str) else d.text).split()) for d in body.documents)
    if words > limit:
        raise HTTPException(
            413,
            f"documents: {words:,} words in all; the limit is {limit:,} words a request "
            "(send fewer or shorter documents, or run `newsfuse summarize` locally)",
        )


def _request_options(body: SummarizeRequest) -> Options:
    """The request's settings, validated as the CLI's are (an unknown selector is a 422 naming the choices)."""
    try:
        return Options(words=body.words, selector=body.selector, compare=body.compare)
    except OptionError as error:
        raise HTTPException(422, str(error)) from None


def _store_routes(app: FastAPI, store: StoreThread) -> None:
    @app.post(
        "/api/articles",
        response_model=ArticlesOut,
        status_code=201,
        tags=["api"],
        dependencies=[Depends(require_token)],
        openapi_extra=articles_body(),
    )
    async def add_articles(request: Request) -> ArticlesOut:
        """Store one article, a list (JSON) or files (multipart `files`: .txt, .html, .jsonl);
        each joins a story; answers their ids and story ids once they are committed."""
        articles, problems = await _request_articles(request)
        if not articles:
            raise HTTPException(422, "no article could be read: " + "; ".join(problems))
        # Data, not a lambda: with summarizer="writer" the call is pickled to the writer process.
        results = await store.run(StoreCall("ingest", {"articles": articles, "summarize": True}))
        return ArticlesOut(stored=[stored_out(r) for r in results], problems=problems)

    @app.get("/api/stories", response_model=list[StoryInfoOut], tags=["api"])
    async def stories(
        limit: int | None = Query(None, ge=1, le=MAX_ID, description="at most this many (default: every story)"),
        offset: int = Query(0, ge=0, le=MAX_ID, description="after skipping this many"),
    ) -> Response:
        """Every story (or `limit` of them after `offset`), newest first: headline, article and
        outlet counts, first and last dates."""
        key = ("stories", limit, offset)
        body = await versioned(store, answers, key, lambda s: STORY_LIST.dump_json(_infos(s, limit, offset)))
        return Response(body, media_type="application/json")

    bodies: StoryCache[bytes] = StoryCache()
    answers: StoryCache[bytes] = StoryCache(ANSWERS_SIZE)  # the story list's, kept per store version

    @app.get("/api/stories/{story_id}", response_model=StoryOut, tags=["api"])
    async def story(story_id: int, since: str | None = None) -> Response:
        """One story: its articles, summary, facts, quotes, disagreements and wire copies; with
        `since` (ISO date or time, or 6h / 2d ago) also `update`: what is new after it."""
        moment = _since(since)
        # Read, built and serialized in the reading thread: a story of hundreds of articles is
        # megabytes of JSON, which on the event loop would hold every other request.
        # Without `since` the body is the story's alone: kept until the story changes.
        if moment is None:
            body = await story_answer(
                store, bodies, story_id, "", "api", lambda s, got: _story_json(s, story_id, None, got)
            )
        else:
            body = await store.read(lambda s: _story_json(s, story_id, moment))
        return Response(body, media_type="application/json")

    @app.get("/api/stories/{story_id}/summary-status", response_model=SummaryStatusOut, tags=["api"])
    async def summary_status(story_id: int) -> SummaryStatusOut:
        """Whether the story's summary covers all its articles or is being recomputed (cheap to poll)."""
        if not 0 < story_id <= MAX_ID:
            raise HTTPException(404, f"no story {story_id}")
        try:
            size, covered, stale = await store.quick_or_read(lambda s: s.summary_status(story_id))
        except NotFoundError:
            raise HTTPException(404, f"no story {story_id}") from None
        return SummaryStatusOut(
            id=str(story_id), articles=size, summarized_articles=covered, updating=stale or covered != size
        )


def _added(store: Store, story_id: int, found: Story) -> list[datetime]:
    """When each of `found`'s articles was added: an ingest may have committed more articles since
    `found` was read (each read is its own snapshot), and they are appended, so the first ones."""
    return store.added(story_id)[: len(found.articles)]


Loaded = tuple[Story, StorySummary, StoryInfo]


def story_state(store: Store, story_id: int) -> tuple[int, int, bool] | None:
    """What a story's page and API body are made of, in one indexed read: its article count, how
    many its summary covers and whether it waits for the summarizer (None: no such story)."""
    if not 0 < story_id <= MAX_ID:
        return None
    try:
        return store.summary_status(story_id)
    except NotFoundError:
        return None


async def story_answer(
    store: StoreThread,
    cache: StoryCache[bytes],
    story_id: int,
    kind: str,
    where: str,
    build: Callable[[Store, Loaded], bytes],
) -> bytes:
    """A story's page or API body (`cache`'s `kind`; `where`, the builder's name of it): what was
    kept at the story's state now (one indexed read by `StoreThread.quick`, on the event loop),
    else built: a story of BUILD_ELSEWHERE articles or more in the builder process, awaited on
    the event loop (`_built_elsewhere`), a smaller one in a reading thread (`cached_build`)."""
    state = store.quick(lambda s: story_state(s, story_id), None)
    if state is not None:
        key = (story_id, kind)
        if (hit := cache.get(key, state)) is not None:
            return hit
        if state[0] >= BUILD_ELSEWHERE and store.builder is not None:
            return await _built_elsewhere(store, cache, story_id, where, build, key, state)
    return await store.read(lambda s: cached_build(cache, s, story_id, lambda got: build(s, got), kind))


# The builds `_built_elsewhere` started, held until done (the event loop keeps only weak references).
_BUILDS: set[asyncio.Task] = set()


async def _built_elsewhere(
    store: StoreThread,
    cache: StoryCache[bytes],
    story_id: int,
    where: str,
    build: Callable[[Store, Loaded], bytes],
    key: tuple[int, str],
    state: tuple[int, int, bool],
) -> bytes:
    """The builder's answer at `state`, one build however many reads ask at once, every one
    awaiting it (a reading thread's `once` of the same key would wait for it too). The build is
    a task of its own, so a read that is cancelled cancels no other read's answer."""
    future, mine = cache.claim(key, state)

    async def build_into() -> None:
        """The build, its answer (or error) set on `future` and kept if current; built in a
        reading thread instead if the builder died or did not find the story."""
        try:
            got = await store.build_elsewhere(story_id, where)
            if got is None:
                value = await store.read(
                    lambda s: _build_and_keep(cache, s, story_id, lambda g: build(s, g), key, state)
                )
            else:
                value = got[0]
                _keep_if_current(cache, key, state, value, got[1])
        except BaseException as error:
            future.set_exception(error)
            if not isinstance(error, Exception):
                raise
        else:
            future.set_result(value)
        finally:
            cache.release(key, state)

    if mine:
        task = asyncio.get_running_loop().create_task(build_into())
        _BUILDS.add(task)
        task.add_done_callback(_BUILDS.discard)
    return await asyncio.wrap_future(future)


async def versioned(store: StoreThread, cache: StoryCache[bytes], key: tuple, build: Callable[[Store], bytes]) -> bytes:
    """`build` in a reading thread, or what it gave at the same `StoreThread.version` (nothing
    committed since), read on the event loop: one build per store change for every reading
    thread (each kept its own), and reads of one version at once wait for one build."""
    version = store.version()
    if version is not None and (hit := cache.get(key, version)) is not None:
        return hit

    def make(s: Store) -> bytes:
        if version is None:
            return build(s)
        value = cache.once(key, version, lambda: build(s))
        cache.put(key, version, value)
        return value

    return await store.read(make)


def cached_build(
    cache: StoryCache[Built],
    store: Store,
    story_id: int,
    build: Callable[[Loaded], Built],
    kind: str = "",
) -> Built:
    """`build` over the story as loaded now, or what it built at the same `story_state`: an
    unchanged story's next read costs one indexed query and a lookup, not seconds of a big story.
    Reads at one state while it is being built wait for that build (`StoryCache.once`). Kept
    only when what was loaded is that state (an ingest may commit between the two reads)."""
    state = story_state(store, story_id)
    if state is None:  # no such story: load_story says so
        return build(load_story(store, story_id))
    key = (story_id, kind)
    if (hit := cache.get(key, state)) is not None:
        return hit
    return cache.once(key, state, lambda: _build_and_keep(cache, store, story_id, build, key, state))


def _build_and_keep(
    cache: StoryCache[Built],
    store: Store,
    story_id: int,
    build: Callable[[Loaded], Built],
    key: tuple[int, str],
    state: tuple[int, int, bool],
) -> Built:
    loaded = load_story(store, story_id)
    value = build(loaded)
    _keep_if_current(cache, key, state, value, loaded_state(loaded))
    return value


def loaded_state(loaded: Loaded) -> tuple[int, int, bool]:
    """What was loaded, as `story_state` would say it: articles, those summarized, updating."""
    found, latest, _ = loaded
    return len(found.articles), latest.articles, latest.updating


def _keep_if_current(
    cache: StoryCache[Built], key: tuple[int, str], state: tuple[int, int, bool], value: Built, loaded: tuple
) -> None:
    """Keep `value` under `state` only if what it was built from (`loaded`) is that state."""
    size, covered, stale = state
    if loaded == (size, covered, stale or covered != size):
        cache.put(key, state, value)


# The builder process's own store connection and templates, by the store's path.
_BUILDER: dict[str, tuple[Store, Environment]] = {}


def _build_in_process(path: str, story_id: int, kind: str) -> tuple[bytes, tuple[int, int, bool]] | None:
    """In the builder process: the story's page (`kind` "" or "all", the full grid) or API body
    ("api") as the routes build it, and the state it was loaded at; None if it is not there."""
    if path not in _BUILDER:
        _BUILDER[path] = (Store(path, create=False), templates())
    store, env = _BUILDER[path]
    try:
        loaded = load_story(store, story_id)
    except HTTPException:
        return None
    if kind == "api":
        return _story_json(store, story_id, None, loaded), loaded_state(loaded)
    return _story_page(store, story_id, env, loaded, kind == "all").encode(), loaded_state(loaded)


def _story_json(store: Store, story_id: int, moment: datetime | None, loaded: Loaded | None = None) -> bytes:
    """GET /api/stories/{id}'s body (`StoryOut`) of the story (as `loaded`, else read now)."""
    found, latest, info = loaded or load_story(store, story_id)
    out = story_out(str(story_id), found, latest, info)
    if latest.summary is not None:
        line = story_timeline(found, latest.summary, _added(store, story_id, found))
        out.timeline = TimelineOut.model_validate(timeline_to_dict(line))
    if moment is not None:
        out.update = _update(store, story_id, moment)
    return out.model_dump_json().encode()


def _since(since: str | None) -> datetime | None:
    from ..updates import parse_since

    if since is None:
        return None
    try:
        return parse_since(since)
    except ValueError as error:  # answered as any bad query value is: 422 naming query.since
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "since"), "msg": str(error), "input": since}]
        ) from None


def _update(store: Store, story_id: int, moment: datetime) -> UpdateOut:
    from ..codec import update_to_dict
    from ..updates import stored_update

    return UpdateOut.model_validate(update_to_dict(stored_update(store, story_id, moment)[1]))


# ---- pages -------------------------------------------------------------------------------------


def _page_number(given: str) -> int:
    """The `?page=` of the story list: a whole number from 1 (one past the last page shows the
    last), else a 400 page saying so."""
    text = given.strip()
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 18 and int(text) > 0):
        shown = given[:40]
        raise HTTPException(400, f"There is no page {shown!r} of the stories: pages are numbered 1, 2, 3 and so on.")
    return int(text)


def _story_page(
    store: Store, number: int, env: Environment, loaded: Loaded | None = None, full_grid: bool = False
) -> str:
    """The story page's HTML: articles, the latest summary (and whether it is updating), timeline;
    the coverage grid of every article with `full_grid`."""
    found, latest, info = loaded or load_story(store, number)
    added = _added(store, number, found)
    summary = latest.summary
    line = story_timeline(found, summary, added) if summary else None
    view = story_view(found, summary, str(number), info.headline or None, line, full_grid)
    view.update(updating=latest.updating, summarized=latest.articles)
    # What a reader has seen once this page is read: the newest report (by the clock the
    # update compares with, so a reader's own clock never matters); the page's script keeps it.
    moments = [t for t in article_times(found, added) if t is not None]
    view["newest"] = max(moments).isoformat() if moments else None
    return env.get_template("story.html").render(**view)


def _page_routes(app: FastAPI, store: StoreThread) -> None:
    env = templates()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(added: int | None = None, q: str = "", page_number: str = Query("1", alias="page")) -> HTMLResponse:
        """The news first: the latest stories (or those a search finds), a page at a time."""
        query = " ".join(q.split())[:200]
        wanted = _page_number(page_number)

        def build(s: Store) -> bytes:
            view = story_list(s, query, wanted)
            return env.get_template("index.html").render(added=added, query=query, **view).encode()

        # Read and rendered in a reading thread, and kept until the store changes: at 8 clients
        # the index is asked for dozens of times between two ingests.
        return page(await versioned(store, answers, ("index", added, query, wanted), build))

    @app.get("/add", response_class=HTMLResponse, include_in_schema=False)
    async def add_page() -> HTMLResponse:
        """The paste and upload form."""
        return page(
            env.get_template("add.html").render(needs_token=app.state.token is not None, max_body=app.state.max_body)
        )

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(
            (TEMPLATES / "favicon.svg").read_bytes(),
            media_type=STATIC["favicon.svg"],
            headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    # Pages kept as UTF-8: encoding a 2 MB page (6 ms) on the event loop held every other request.
    pages: StoryCache[bytes] = StoryCache()
    answers: StoryCache[bytes] = StoryCache(ANSWERS_SIZE)  # the index pages, kept per store version

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    async def story_page(story_id: str, grid: str = "") -> HTMLResponse:
        """`?grid=all`: the coverage grid with every article's column (else the busiest 30)."""
        # Any path is a story number or no story at all: a reader gets a 404 page either way.
        number = int(story_id) if story_id.isascii() and story_id.isdigit() and len(story_id) <= 19 else 0
        if not 0 < number <= MAX_ID:
            raise HTTPException(404, f"There is no story {story_id[:40]!r}: story numbers are whole numbers from 1.")
        full = grid == "all"
        kind = "all" if full else ""
        try:  # read and rendered in a reading thread or the builder: a big story's page is long work
            html = await story_answer(
                store, pages, number, kind, kind, lambda s, got: _story_page(s, number, env, got, full).encode()
            )
        except HTTPException as missing:
            if missing.status_code != 404:
                raise
            raise HTTPException(404, f"There is no story {number}. See the latest stories.") from None
        return page(html)

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in STATIC:
            raise HTTPException(404, "no such file")
        return Response(
            (TEMPLATES / name).read_bytes(),
            media_type=STATIC[name],
            headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
        )
