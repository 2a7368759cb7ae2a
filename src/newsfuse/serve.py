"""The web service: a JSON API under /api and server-rendered story pages over a SQLite store."""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jinja2 import Environment, PackageLoader
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from .errors import NewsfuseError, NotFoundError
from .model import Article, Options, Story
from .render import outlet_name

__all__ = ["create_app", "MAX_BODY", "DEFAULT_DB"]

DEFAULT_DB = "newsfuse.db"
# Request bodies above this are refused with 413: 4 MiB holds about a thousand typical news
# articles (4 KB each), so only a mistake or an abuse reaches it.
MAX_BODY = 4 * 1024 * 1024
# One uploaded file: a long feature with its HTML page stays well under it.
MAX_FILE = 2 * 1024 * 1024
MAX_FILES = 100
MAX_DOCUMENTS = 200  # articles in one request
MAX_TEXT_CHARS = 500_000  # one article's text
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
# Quotes shorter than this are fragments ("no", "wrong strategy"), not statements worth a line.
QUOTE_MIN_WORDS = 4
# Facts shown in the coverage grid before "show all".
GRID_FACTS = 12
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
STATIC = {"style.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}

T = TypeVar("T")
NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
Short = Annotated[str, StringConstraints(max_length=2000)]


# ---- request and response bodies ---------------------------------------------------------------


class DocumentIn(BaseModel):
    """One article: its text and what is known about it."""

    model_config = ConfigDict(extra="ignore")
    text: NonEmpty
    outlet: Short | None = None
    url: Short | None = None
    title: Short | None = None
    published: datetime | None = Field(None, description="ISO 8601 date or date-time")
    id: Short | None = None


class SummarizeRequest(BaseModel):
    """Articles about one story, as plain strings or objects, and an optional length."""

    documents: list[NonEmpty | DocumentIn] = Field(min_length=1, max_length=MAX_DOCUMENTS)
    words: int | None = Field(None, ge=10, le=5000, description="summary length in words")


class SourceOut(BaseModel):
    document: int
    outlet: str | None
    start: int
    end: int


class SentenceOut(BaseModel):
    text: str
    sources: list[SourceOut]
    origins: int


class FactOut(BaseModel):
    text: str
    sources: list[SourceOut]
    origins: int
    status: str


class QuoteOut(BaseModel):
    speaker: str | None
    text: str
    sources: list[SourceOut]
    variants: list[str] = []


class ClaimOut(BaseModel):
    value: str
    text: str
    sources: list[SourceOut]


class DisagreementOut(BaseModel):
    kind: str
    topic: str
    claims: list[ClaimOut]


class WireCopyOut(BaseModel):
    documents: list[int]
    shared_fraction: float


class SummaryOut(BaseModel):
    """The summary with each sentence's sources, and the comparison of the sources."""

    id: str | None = None
    summary: str
    sentences: list[SentenceOut]
    words: int
    budget: int
    selector: str
    problems: list[str] = []
    facts: list[FactOut] = []
    quotes: list[QuoteOut] = []
    disagreements: list[DisagreementOut] = []
    syndication: list[WireCopyOut] = []


class StoredOut(BaseModel):
    article_id: str
    story_id: str
    new: bool


class ArticlesOut(BaseModel):
    stored: list[StoredOut]
    problems: list[str] = []


class StoryInfoOut(BaseModel):
    id: str
    headline: str | None
    articles: int
    outlets: int
    first: str | None
    last: str | None


class ArticleOut(BaseModel):
    document: int
    outlet: str | None
    title: str | None
    url: str | None
    published: str | None
    text: str


class StoryOut(BaseModel):
    """One story: its articles and their summary with the comparison (None before the first)."""

    id: str
    headline: str | None
    articles: list[ArticleOut]
    summary: SummaryOut | None


# ---- the store, owned by one thread ------------------------------------------------------------


class StoreThread:
    """The Store lives in one thread (SQLite connections do), and every call runs there in turn."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsfuse-store")
        self._store: Any = None

    def _get(self) -> Any:
        if self._store is None:
            from .store import Store

            self._store = Store(self.path)
        return self._store

    async def run(self, fn: Callable[[Any], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, lambda: fn(self._get()))

    def close(self) -> None:
        def _close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        self._pool.submit(_close).result()
        self._pool.shutdown(wait=True)


# ---- the body limit ----------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a body over `max_body` bytes (declared or streamed) gets 413."""

    def __init__(self, app: Callable, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return await self._refuse(send)
        seen = 0
        started = False

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise _TooLarge
            return message

        async def watch(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except _TooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Callable) -> None:
        await JSONResponse({"detail": f"request body too large: the limit is {self.max_body} bytes"}, status_code=413)(
            {"type": "http"}, _no_receive, send
        )


async def _no_receive() -> dict:
    return {"type": "http.disconnect"}


# ---- errors ------------------------------------------------------------------------------------


def _field(loc: tuple) -> str:
    parts = [
        str(p) for p in loc if p not in ("body",) and not str(p).startswith(("function-", "str", "constrained-str"))
    ]
    return ".".join(p for p in parts if p != "DocumentIn") or "body"


def _clean_errors(errors: list[dict]) -> list[dict]:
    """Validation errors named by field; for `str | object` items, the object branch's reason."""
    out, seen = [], set()
    for e in errors:
        union_str = any(str(p) == "str" or str(p).startswith("constrained-str") for p in e["loc"])
        if union_str and e["type"] in ("string_type",) and len(errors) > 1:
            continue
        key = (_field(e["loc"]), e["msg"])
        if key not in seen:
            seen.add(key)
            out.append({"field": key[0], "message": e["msg"]})
    return out or [{"field": _field(errors[0]["loc"]), "message": errors[0]["msg"]}]


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        reason = next(e for e in errors if e.get("type") == "json_invalid").get("ctx", {}).get("error", "")
        return JSONResponse({"detail": f"request body is not valid JSON: {reason}".rstrip(": ")}, 400)
    cleaned = _clean_errors(errors)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in cleaned)
    return JSONResponse({"detail": detail, "errors": cleaned}, 422)


async def _input_error(request: Request, exc: NewsfuseError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, 422)


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

    from .ingest import article_from_record, headline_of

    record = doc if isinstance(doc, str) else doc.model_dump(exclude_none=True)
    article = article_from_record(record, where)
    return replace(
        article, title=article.title or headline_of(article.text), outlet=article.outlet or _site(article.url)
    )


def _site(url: str | None) -> str | None:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname if safe_url(url) else None
    return host.removeprefix("www.") if host else None


def summarize_documents(documents: list[str | DocumentIn], words: int | None) -> dict:
    """The summary with attribution and comparison of the documents; nothing is stored."""
    from .pipeline import summarize_story
    from .render import to_dict

    story = Story(articles=[_article(d, f"documents.{i}") for i, d in enumerate(documents)], id=None)
    return to_dict(summarize_story(story, Options(words=words, compare=True)))


def _summarize_plain(documents: list[str | dict], words: int | None) -> dict:
    """`summarize_documents` in a worker process: plain data in and out."""
    return summarize_documents([d if isinstance(d, str) else DocumentIn(**d) for d in documents], words)


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
    from .ingest import decode, read_text

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


def _stored(result: Any) -> StoredOut:
    return StoredOut(article_id=str(result.article), story_id=str(result.story), new=bool(result.added))


def _info(info: Any) -> StoryInfoOut:
    return StoryInfoOut(
        id=str(info.id),
        headline=info.headline or None,
        articles=info.articles,
        outlets=info.outlets,
        first=_iso(info.first),
        last=_iso(info.last),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def load_story(store: Any, story_id: int) -> tuple[Story, dict | None, Any]:
    """The story, its summary as `to_dict` JSON (None when it has no body sentence) and its info."""
    from .render import to_dict

    try:
        info = store.info(story_id)
    except NotFoundError:
        raise HTTPException(404, f"no story {story_id}") from None
    try:
        summary, story = store.summary(story_id)
    except NewsfuseError:  # no body sentence yet: the page still shows the articles
        return store.story(story_id), None, info
    return story, to_dict(summary), info


def _article_out(story: Story, document: int) -> ArticleOut:
    a = story.articles[document]
    return ArticleOut(
        document=document,
        outlet=outlet_name(story, document),
        title=a.title,
        url=a.url,
        published=_iso(a.published),
        text=a.text,
    )


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
    app.add_middleware(BodyLimit, max_body=max_body)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(NewsfuseError, _input_error)  # type: ignore[arg-type]
    _api_routes(app, store)
    _page_routes(app, store)
    return app


def _process_pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def _api_routes(app: FastAPI, store: StoreThread) -> None:
    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict:
        """Liveness: the process answers and the store opens."""
        count = await store.run(lambda s: s.count())
        return {"status": "ok", "stories": count}

    @app.post("/api/summarize", response_model=SummaryOut, tags=["api"])
    async def summarize(body: SummarizeRequest) -> dict:
        """Summarize the documents (one story) with attribution and comparison; stores nothing."""
        pool = app.state.pool
        async with app.state.gate:  # queue here rather than thrash the GIL with many threads
            if pool is None:
                return await asyncio.to_thread(summarize_documents, body.documents, body.words)
            plain = [d if isinstance(d, str) else d.model_dump(exclude_none=True) for d in body.documents]
            return await asyncio.get_running_loop().run_in_executor(pool, _summarize_plain, plain, body.words)

    @app.post(
        "/api/articles",
        response_model=ArticlesOut,
        status_code=201,
        tags=["api"],
        dependencies=[Depends(require_token)],
        openapi_extra=_articles_body(),
    )
    async def add_articles(request: Request) -> ArticlesOut:
        """Store one article, a list (JSON) or files (multipart `files`: .txt, .html, .jsonl);
        each joins a story; answers their ids and story ids once they are committed."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "multipart/form-data":
            articles, problems = await _uploaded_articles(request)
        elif kind in ("application/json", ""):
            articles, problems = await _json_articles(request)
        else:
            raise HTTPException(415, "send application/json or multipart/form-data")
        if not articles:
            raise HTTPException(422, "no article could be read: " + "; ".join(problems))
        results = await store.run(lambda s: s.ingest(articles, summarize=True))
        return ArticlesOut(stored=[_stored(r) for r in results], problems=problems)

    @app.get("/api/stories", response_model=list[StoryInfoOut], tags=["api"])
    async def stories() -> list[StoryInfoOut]:
        """Every story, newest first: headline, article and outlet counts, first and last dates."""
        return [_info(i) for i in await store.run(lambda s: s.stories())]

    @app.get("/api/stories/{story_id}", response_model=StoryOut, tags=["api"])
    async def story(story_id: int) -> StoryOut:
        """One story: its articles, summary, facts, quotes, disagreements and wire copies."""
        found, summary, info = await store.run(lambda s: load_story(s, story_id))
        return StoryOut(
            id=str(story_id),
            headline=info.headline or None,
            articles=[_article_out(found, d) for d in range(len(found.articles))],
            summary=SummaryOut.model_validate(summary) if summary else None,
        )


def _articles_body() -> dict:
    one = DocumentIn.model_json_schema()
    files = {
        "type": "object",
        "required": ["files"],
        "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"anyOf": [one, {"type": "array", "items": one}]}},
                "multipart/form-data": {"schema": files},
            },
        }
    }


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
    static_dir = Path(__file__).parent / "templates"

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(added: int | None = None) -> HTMLResponse:
        infos = [_info(i) for i in await store.run(lambda s: s.stories())]
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
            (static_dir / name).read_bytes(),
            media_type=STATIC[name],
            headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
        )


# ---- the story page's view ---------------------------------------------------------------------


def _utf16(text: str, index: int) -> int:
    """A code-point offset as the UTF-16 offset JavaScript strings use."""
    return index if text.isascii() else len(text[:index].encode("utf-16-le")) // 2


def _source_view(story: Story, src: dict) -> dict:
    text = story.articles[src["document"]].text
    return {
        "doc": src["document"],
        "outlet": outlet_name(story, src["document"]),
        "start": _utf16(text, src["start"]),
        "end": _utf16(text, src["end"]),
        "quote": text[src["start"] : src["end"]],
    }


def _sources_view(story: Story, sources: list[dict]) -> list[dict]:
    return [_source_view(story, s) for s in sources]


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), so a `javascript:` or `data:` link is never rendered."""
    return url if url and url.strip().lower().startswith(("http://", "https://")) else None


def _when(value: datetime | None) -> str | None:
    if value is None:
        return None
    day = f"{value.day} {value:%b %Y}"
    if (value.hour, value.minute) == (0, 0):
        return day
    return f"{day}, {value:%H:%M}" + (f" {value.tzname()}" if value.tzinfo else "")


def _peers(syndication: list[dict]) -> dict[int, list[int]]:
    peers: dict[int, list[int]] = {}
    for group in syndication:
        for d in group["documents"]:
            peers.setdefault(d, []).extend(o for o in group["documents"] if o != d)
    return peers


def _docs_view(story: Story, peers: dict[int, list[int]]) -> list[dict]:
    return [
        {
            "doc": d,
            "outlet": outlet_name(story, d),
            "title": a.title,
            "url": safe_url(a.url),
            "when": _when(a.published),
            "published": _iso(a.published),
            "copy_of": [outlet_name(story, p) for p in peers.get(d, [])],
            "text": a.text,
        }
        for d, a in enumerate(story.articles)
    ]


def _grid_row(story: Story, fact: dict, peers: dict[int, list[int]]) -> dict:
    first: dict[int, dict] = {}
    for src in fact["sources"]:
        first.setdefault(src["document"], src)
    cells = []
    for d in range(len(story.articles)):
        src = first.get(d)
        copy = src is not None and any(p in first and p < d for p in peers.get(d, []))
        cells.append(None if src is None else dict(_source_view(story, src), syndicated=copy))
    return {"text": fact["text"], "status": fact["status"], "origins": fact["origins"], "cells": cells}


def _quotes_view(story: Story, quotes: list[dict]) -> list[dict]:
    by_speaker: dict[str, list[dict]] = {}
    for q in quotes:
        if len(q["text"].split()) >= QUOTE_MIN_WORDS:
            by_speaker.setdefault(q["speaker"] or "Unattributed", []).append(
                {"text": q["text"], "sources": _sources_view(story, q["sources"])}
            )
    ranked = sorted(by_speaker.items(), key=lambda kv: (kv[0] == "Unattributed", -len(kv[1])))
    return [{"speaker": k, "quotes": v} for k, v in ranked]


def _disagreements_view(story: Story, disagreements: list[dict]) -> list[dict]:
    return [
        {
            "kind": d["kind"],
            "topic": d["topic"],
            "claims": [
                {"value": c["value"], "text": c["text"], "sources": _sources_view(story, c["sources"])}
                for c in d["claims"]
            ],
        }
        for d in disagreements
    ]


def story_view(story: Story, summary: dict | None, story_id: str, headline: str | None) -> dict:
    """Everything the story page shows, with offsets ready for the browser."""
    summary = summary or {}
    peers = _peers(summary.get("syndication", []))
    facts = summary.get("facts", [])
    docs = _docs_view(story, peers)
    dated = sorted((d for d in docs if d["published"]), key=lambda d: d["published"])
    return {
        "id": story_id,
        "headline": headline or next((a.title for a in story.articles if a.title), None) or f"Story {story_id}",
        "docs": docs,
        "texts": [a.text for a in story.articles],
        "outlets": len({d["outlet"] for d in docs}),
        "sentences": [
            {"text": s["text"], "origins": s["origins"], "sources": _sources_view(story, s["sources"])}
            for s in summary.get("sentences", [])
        ],
        "words": summary.get("words"),
        "problems": summary.get("problems", []),
        "corroborated": [
            dict(f, sources=_sources_view(story, f["sources"])) for f in facts if f["status"] == "corroborated"
        ],
        "single": [dict(f, sources=_sources_view(story, f["sources"])) for f in facts if f["status"] != "corroborated"],
        "quotes": _quotes_view(story, summary.get("quotes", [])),
        "disagreements": _disagreements_view(story, summary.get("disagreements", [])),
        "grid": [_grid_row(story, f, peers) for f in facts],
        "grid_shown": GRID_FACTS,
        "wire": [
            [outlet_name(story, d) for d in g["documents"]] + [f"{g['shared_fraction']:.0%}"]
            for g in summary.get("syndication", [])
        ],
        "timeline": dated,
        "undated": len(docs) - len(dated),
    }
