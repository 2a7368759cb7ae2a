"""Running the app on uvicorn with limits: a header timeout, header size, connection count, open files.

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but a new connection that
sends nothing, or half a request line, is held for ever: 2,000 of them hold 2,000 sockets (and,
under a 1,024 open-file limit, lock everyone else out). `GuardedH11Protocol` closes a connection
whose request headers are not complete `header_timeout` seconds after it opened or after its last
response; the body then has `BODY_TIMEOUT` (the app's `BodyLimit`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

# Seconds a client has to send a request's headers (from connecting, or from the last response).
HEADER_TIMEOUT = 10.0
# Seconds an idle keep-alive connection stays open between requests (uvicorn's default).
KEEP_ALIVE = 5
# Request line plus headers: 16 KiB is h11's default and far above what browsers send.
MAX_HEADER_BYTES = 16 * 1024
# Open connections at most; more get 503 until some close. Held down to the open-file limit.
MAX_CONNECTIONS = 4096


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers."""

    header_timeout = HEADER_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_deadline)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the request's headers are in
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()  # the next request's headers, if any, have the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _header_deadline(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.transport.close()


def raise_open_files(wanted: int) -> int:
    """Raise the soft open-file limit towards `wanted` (never above the hard limit); the limit now."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return wanted if soft == resource.RLIM_INFINITY else soft


def uvicorn_settings(header_timeout: float = HEADER_TIMEOUT) -> dict[str, Any]:
    """uvicorn.Config keyword arguments for the limits above."""
    files = raise_open_files(MAX_CONNECTIONS + 256)
    protocol = type("GuardedH11", (GuardedH11Protocol,), {"header_timeout": header_timeout})
    return {
        "http": protocol,
        "timeout_keep_alive": KEEP_ALIVE,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        # Leave room for the store, the log and the worker pipes under the open-file limit.
        "limit_concurrency": max(64, min(MAX_CONNECTIONS, files - 128)),
        "backlog": 2048,
    }
