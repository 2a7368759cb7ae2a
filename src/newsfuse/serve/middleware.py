"""The body-limit ASGI middleware and the error responses: JSON under /api, HTML pages elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from functools import lru_cache
from http import HTTPStatus

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, PackageLoader
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import NewsfuseError
from ..render import plural  # the pages' `plural` filter: one wording with the CLI

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
# Paths that answer JSON (errors too); every other path is a page and answers HTML.
API_PATHS = ("/api/", "/healthz", "/openapi.json")


@lru_cache(maxsize=1)
def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("newsfuse", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["plural"] = plural
    return env


def page(html: str | bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """An HTML page (str, or bytes already UTF-8) with the security headers every page sends."""
    return HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith(API_PATHS)


def error_page(status: int, detail: str, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """A reader-facing error page: what went wrong, in words, and a way back."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    title = "No such page" if status == 404 else phrase
    html = templates().get_template("error.html").render(status=status, title=title, detail=detail)
    return page(html, status, headers)


def error_response(scope: Scope, status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    """The error as JSON `{"detail": ...}` for the API, as an HTML page for a page route."""
    if is_api(scope.get("path", "")):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    return error_page(status, detail, headers)


# ---- the body limit ----------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a body over `max_body` bytes (declared or streamed) gets 413; a body not
    complete `body_timeout` seconds after the request's headers gets 408 and the connection closes."""

    def __init__(self, app: ASGIApp, max_body: int, body_timeout: float) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return await self._refuse(scope, send, 413)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        seen = 0
        complete = False
        started = False
        refused = False

        async def stop(error: Exception) -> Exception:
            # Answer at once: whatever the app makes of the exception (FastAPI turns an error
            # while it parses a body into a 400) is dropped by `watch`.
            nonlocal refused
            if not started and not refused:
                refused = True
                await self._refuse(scope, send, 413 if isinstance(error, _TooLarge) else 408)
            return error

        async def limited() -> Message:
            nonlocal seen, complete
            if complete:  # the body is in: later calls wait for the disconnect, with no deadline
                return await receive()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise await stop(_TooSlow())
            try:
                message = await asyncio.wait_for(receive(), remaining)
            except asyncio.TimeoutError:
                raise await stop(_TooSlow()) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise await stop(_TooLarge())
                complete = not message.get("more_body", False)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except (_TooLarge, _TooSlow):
            if not refused:
                raise

    async def _refuse(self, scope: Scope, send: Send, status: int) -> None:
        if status == 413:
            detail = f"request body too large: the limit is {self.max_body} bytes"
        else:
            detail = f"request body not received within {self.body_timeout:g} seconds"
        # The rest of the body is never read, so the connection cannot carry another request.
        await error_response(scope, status, detail, {"Connection": "close"})(scope, _no_receive, send)


async def _no_receive() -> Message:
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


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Invalid JSON is 400; a body that does not fit the schema is 422 with the fields named."""
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        reason = next(e for e in errors if e.get("type") == "json_invalid").get("ctx", {}).get("error", "")
        return JSONResponse({"detail": f"request body is not valid JSON: {reason}".rstrip(": ")}, 400)
    cleaned = _clean_errors(errors)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in cleaned)
    return JSONResponse({"detail": detail, "errors": cleaned}, 422)


async def input_error(request: Request, exc: NewsfuseError) -> Response:
    """Input the pipeline cannot use (no sentence, unreadable record) is the client's: 422."""
    return error_response(request.scope, 422, str(exc))


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """An HTTPException (404, 405, 401, ...): JSON under /api, an HTML page on a page route."""
    detail = str(exc.detail)
    cause = exc.__cause__
    if exc.status_code == 400 and cause is not None and detail == "There was an error parsing the body":
        # FastAPI's own JSON parsing failed on something other than syntax: say what.
        reason = "nested too deeply" if isinstance(cause, RecursionError) else str(cause)[:300]
        detail = f"request body is not usable JSON: {reason}"
    return error_response(request.scope, exc.status_code, detail, exc.headers)


async def page_or_validation_error(request: Request, exc: RequestValidationError) -> Response:
    """A bad query or path value: under /api the JSON of `validation_error` (422, naming the
    parameter); on a page route a 400 page saying in words which value of the address is wrong."""
    if is_api(request.url.path):
        return await validation_error(request, exc)
    return error_page(400, "; ".join(_reader_value_error(e) for e in exc.errors()))


def _reader_value_error(error: Mapping) -> str:
    """One bad value of a page's address, for a reader: its name, what was given, what is wanted."""
    name = str(error["loc"][-1]) if error.get("loc") else "a value"
    given = str(error.get("input", ""))[:40]
    wanted = "a whole number" if error.get("type") == "int_parsing" else str(error.get("msg", "")).lower()
    return f"The address gives {name}={given!r}, which this page cannot use ({wanted})."


async def server_error(request: Request, exc: Exception) -> Response:
    """The last resort: the traceback goes to the log, the client gets 500 without internals."""
    detail = "internal error: the server could not handle this request (the log has the details)"
    return error_response(request.scope, 500, detail)
