"""The body-limit ASGI middleware and the JSON error responses of the service."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import NewsfuseError

# ---- the body limit ----------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a body over `max_body` bytes (declared or streamed) gets 413."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return await self._refuse(send)
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except _TooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await JSONResponse({"detail": f"request body too large: the limit is {self.max_body} bytes"}, status_code=413)(
            {"type": "http"}, _no_receive, send
        )


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


async def input_error(request: Request, exc: NewsfuseError) -> JSONResponse:
    """Input the pipeline cannot use (no sentence, unreadable record) is the client's: 422."""
    return JSONResponse({"detail": str(exc)}, 422)
