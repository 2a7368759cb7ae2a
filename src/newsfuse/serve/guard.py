"""Who may ask: the allowed-hosts check (DNS rebinding) and the same-origin check on writes (CSRF).

Every request's `Host` must name this server: by default a loopback name (127.0.0.1, localhost,
::1) with any port, so a page on `evil.example` whose name was re-pointed at 127.0.0.1 gets 400.

A request that may change state (any method but GET, HEAD and OPTIONS) passes when
- it carries the server's bearer token (a page on another origin cannot send one: an
  `Authorization` header needs a CORS preflight, which this server never grants), or
- a browser says it is same-origin: `Sec-Fetch-Site` is `same-origin` or `none` (typed by the user)
  when sent, and `Origin`, when sent, is this server's own origin (scheme, host and port of the
  request), or
- it carries neither `Origin` nor `Sec-Fetch-Site` (curl, scripts; browsers send at least one of
  them on every POST), and the route's own check then asks for the token when the server has one.
Anything else (`Origin: https://evil.example`, `Origin: null`, `Sec-Fetch-Site: cross-site` or
`same-site`, such as another port of localhost) gets 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}

ErrorResponse = Callable[[Scope, int, str], Response]


def host_name(host: str) -> str | None:
    """The name of a `Host` header value without its port ("[::1]:8000" -> "::1"); None if malformed."""
    host = host.strip().lower()
    if host.startswith("["):
        name, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return name
    name, colon, port = host.partition(":")
    if colon and not port.isdigit():
        return None
    return name.rstrip(".") or None


def normal_hosts(hosts: Iterable[str]) -> frozenset[str]:
    """Allowed names as `host_name` gives them ("*" stays "*": any host)."""
    out = set()
    for host in hosts:
        host = host.strip()
        if host == "*":
            out.add("*")
            continue
        name = host_name(host if host.startswith("[") or host.count(":") <= 1 else f"[{host}]")
        if not name:
            raise ValueError(f"not a host name: {host!r}")
        out.add(name)
    return frozenset(out)


def _origin_of(url: str) -> tuple[str, str, str] | None:
    """(scheme, name, port) of an origin or URL; None when it is not one (such as "null")."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.rstrip("."), str(port) if port is not None else _DEFAULT_PORTS[scheme]


class RequestGuard:
    """ASGI middleware: the allowed-hosts check on every request, the same-origin check on writes."""

    def __init__(self, app: ASGIApp, allowed_hosts: frozenset[str], token: str | None, error: ErrorResponse) -> None:
        self.app = app
        self.allowed = allowed_hosts
        self.token = token
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        name = host_name(host)
        if "*" not in self.allowed and (name is None or name not in self.allowed):
            shown = host[:100] if host.isprintable() else repr(host[:100])
            detail = (
                f"Host {shown or '(none)'} is not a name this server answers to "
                f"(it answers to {', '.join(sorted(self.allowed))}); start it with --allowed-host NAME to add one"
            )
            return await self.error(scope, 400, detail)(scope, receive, send)
        method = scope.get("method", "GET")
        if scope["type"] == "http" and method not in SAFE_METHODS:
            refused = self._cross_site(scope, headers, host)
            if refused and not self._has_token(headers):
                return await self.error(scope, 403, refused)(scope, receive, send)
        await self.app(scope, receive, send)

    def _has_token(self, headers: Headers) -> bool:
        if self.token is None:
            return False
        scheme, _, given = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode())

    @staticmethod
    def _cross_site(scope: Scope, headers: Headers, host: str) -> str | None:
        """Why the request is refused as cross-site, or None when it is same-origin or not a browser's."""
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site.strip().lower() not in ("same-origin", "none"):
            return f"cross-site request refused (Sec-Fetch-Site: {fetch_site[:40]}): only this server's own pages may write"
        origin = headers.get("origin")
        if origin is None:
            return None
        scheme = scope.get("scheme", "http")
        own = _origin_of(f"{scheme}://{host}")
        if own is None or _origin_of(origin) != own:
            shown = origin[:100] if origin.isprintable() else repr(origin[:100])
            return f"cross-site request refused (Origin: {shown}): only this server's own pages may write"
        return None
