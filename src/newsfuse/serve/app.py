"""The FastAPI app: its factory, the API and page routes, and the thread that owns the store."""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jinja2 import Environment, PackageLoader
from pydantic import TypeAdapter, ValidationError

from ..errors import NewsfuseError, NotFoundError, OptionError
from ..model import Article, Story, Summary
from ..settings import Options
from ..store import Store, StoryInfo
from .middleware import BodyLimit, input_error, validation_error
from .schemas import (
    MAX_DOCUMENTS,
    ArticlesOut,
    DocumentIn,
    StoryInfoOut,
    StoryOut,
    SummarizeRequest,
    SummaryOut,
    articles_body,
)
from .views import info_out, safe_url, stored_out, story_out, story_view, summary_json

DEFAULT_DB = "newsfuse.db"
# Request bodies above this are refused with 413: 4 MiB holds about a thousand typical news
# articles (4 KB each), so only a mistake or an abuse reaches it.
MAX_BODY = 4 * 1024 * 1024
# One uploaded file: a long feature with its HTML page stays well under it.
MAX_FILE = 2 * 1024 * 1024
MAX_FILES = 100
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
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
STATIC = {"style.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
# The templates are package data of `newsfuse`, one level above this package.
TEMPLATES = Path(__file__).parent.parent / "templates"

T = TypeVar("T")


# ---- the store, owned by one thread ------------------------------------------------------------


class StoreThread:
    """The Store lives in one thread (SQLite connections do), and every call runs there in turn."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsfuse-store")
        self._store: Store | None = None

    def _get(self) -> Store:
        if self._store is None:
            self._store = Store(self.path)
        return self._store

    async def run(self, fn: Callable[[Store], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, lambda: fn(self._get()))

    def close(self) -> None:
        def _close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        self._pool.submit(_close).result()
        self._pool.shutdown(wait=True)


# ---- the token ---------------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="Needed for writes when the server runs with --token.")


def require_token(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    """Writes need `Authorization: Bearer <token>` when the server was given a token."""
    expected: str | None = request.app.state.token
    if expected is None:
        return
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})


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
    if kind in ("application/json", ""):
        return await _json_articles(request)
    raise HTTPException(415, "send application/json or multipart/form-data")


async def _json_articles(request: Request) -> tuple[list[Article], list[str]]:
    try:
        data = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise HTTPException(400, f"request body is not valid JSON: {error}") from None
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
        articles += pile.articles + [a for s in pile.stories for a in s.articles if a.text.strip()]
        problems += [str(p) for p in pile.problems]
    return articles, problems


def load_story(store: Store, story_id: int) -> tuple[Story, Summary | None, StoryInfo]:
    """The story, its summary (None when it has no body sentence) and its info."""
    try:
        info = store.info(story_id)
    except NotFoundError:
        raise HTTPException(404, f"no story {story_id}") from None
    try:
        summary: Summary | None = store.summary(story_id)
    except NewsfuseError:  # no body sentence yet: the page still shows the articles
        summary = None
    return store.story(story_id), summary, info


# ---- the app -----------------------------------------------------------------------------------


def create_app(
    db_path: str | Path = DEFAULT_DB, token: str | None = None, max_body: int = MAX_BODY, workers: int = 0
) -> FastAPI:
    """The service over the store at `db_path`; with `token`, writes need it as a bearer token;
    with `workers` > 0, /api/summarize runs in that many processes (else in threads)."""
    store = StoreThread(str(db_path))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = _process_pool(workers) if workers > 0 else None
        yield
        if app.state.pool is not None:
            app.state.pool.shutdown(cancel_futures=True)
        store.close()

    app = FastAPI(
        title="newsfuse",
        version="0.1.0",
        lifespan=lifespan,
        description="Many news reports about the same events, fused into one attributed account.",
    )
    app.state.token = token or None
    app.state.pool = None
    # Summaries computed at once: one per worker process, else one (threads share the GIL).
    app.state.gate = asyncio.Semaphore(max(1, workers))
    app.state.store = store
    app.state.max_body = max_body
    app.add_middleware(BodyLimit, max_body=max_body)
    # Starlette types a handler as taking any Exception; each of these takes its own class.
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(NewsfuseError, input_error)  # type: ignore[arg-type]
    _service_routes(app, store)
    _store_routes(app, store)
    _page_routes(app, store)
    return app


def _process_pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def _service_routes(app: FastAPI, store: StoreThread) -> None:
    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict:
        """Liveness: the process answers and the store opens."""
        count = await store.run(lambda s: s.count())
        return {"status": "ok", "stories": count}

    @app.get("/api/selectors", tags=["api"])
    async def selectors() -> list[str]:
        """The content selectors a summarize request may name."""
        from ..select import available

        return available()

    @app.post("/api/summarize", response_model=SummaryOut, tags=["api"])
    async def summarize(body: SummarizeRequest) -> dict:
        """Summarize the documents (one story) with attribution and comparison; stores nothing."""
        options = _request_options(body)
        pool = app.state.pool
        async with app.state.gate:  # queue here rather than thrash the GIL with many threads
            if pool is None:
                return await asyncio.to_thread(summarize_documents, body.documents, options)
            plain = [d if isinstance(d, str) else d.model_dump(exclude_none=True) for d in body.documents]
            return await asyncio.get_running_loop().run_in_executor(pool, _summarize_plain, plain, options)


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
        results = await store.run(lambda s: s.ingest(articles, summarize=True))
        return ArticlesOut(stored=[stored_out(r) for r in results], problems=problems)

    @app.get("/api/stories", response_model=list[StoryInfoOut], tags=["api"])
    async def stories() -> list[StoryInfoOut]:
        """Every story, newest first: headline, article and outlet counts, first and last dates."""
        return [info_out(i) for i in await store.run(lambda s: s.stories())]

    @app.get("/api/stories/{story_id}", response_model=StoryOut, tags=["api"])
    async def story(story_id: int) -> StoryOut:
        """One story: its articles, summary, facts, quotes, disagreements and wire copies."""
        found, summary, info = await store.run(lambda s: load_story(s, story_id))
        return story_out(str(story_id), found, summary, info)


# ---- pages -------------------------------------------------------------------------------------


def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("newsfuse", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["plural"] = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"
    return env


def _page(html: str) -> HTMLResponse:
    return HTMLResponse(
        html,
        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"},
    )


def _page_routes(app: FastAPI, store: StoreThread) -> None:
    env = _templates()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(added: int | None = None) -> HTMLResponse:
        infos = [info_out(i) for i in await store.run(lambda s: s.stories())]
        return _page(
            env.get_template("index.html").render(
                stories=infos, added=added, needs_token=app.state.token is not None, max_body=app.state.max_body
            )
        )

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    async def story_page(story_id: int) -> HTMLResponse:
        found, summary, info = await store.run(lambda s: load_story(s, story_id))
        view = story_view(found, summary, str(story_id), info.headline or None)
        return _page(env.get_template("story.html").render(**view))

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in STATIC:
            raise HTTPException(404, "no such file")
        return Response(
            (TEMPLATES / name).read_bytes(),
            media_type=STATIC[name],
            headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
        )
