"""bench_serve's server side of `--trace`: each request's time inside the app, by the client's id."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any


class Trace:
    """ASGI wrapper: for each request carrying `x-bench-id`, the monotonic clock (shared by the
    processes of one machine) when the app was called and when its last body part was sent."""

    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.path = path
        self.rows: list[tuple[str, float, float]] = []
        self.lags: list[float] = []
        self._watch: asyncio.Task | None = None

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, self._dump_at_shutdown(send))
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        ident = dict(scope.get("headers") or []).get(b"x-bench-id")
        if ident is None:
            return await self.app(scope, receive, send)
        start = time.monotonic()

        async def timed(message) -> None:  # type: ignore[no-untyped-def]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.rows.append((ident.decode(), start, time.monotonic()))

        await self.app(scope, receive, timed)

    def _dump_at_shutdown(self, send):  # type: ignore[no-untyped-def]
        """uvicorn re-raises SIGTERM once it has shut down, so the record is written at shutdown."""

        async def sending(message) -> None:  # type: ignore[no-untyped-def]
            if message["type"] == "lifespan.startup.complete":
                self._watch = asyncio.get_running_loop().create_task(loop_lag(self.lags))
            if message["type"] == "lifespan.shutdown.complete":
                self.dump()
            await send(message)

        return sending

    def dump(self) -> None:
        with open(self.path, "w", encoding="utf-8") as handle:
            json.dump({"rows": self.rows, "lags": self.lags}, handle)


LAG_TICK = 0.01  # seconds between the event loop lag probe's wake-ups


async def loop_lag(lags: list[float]) -> None:
    """How late the event loop wakes a task asleep for LAG_TICK, once a tick, into `lags`: the
    time any ready callback (a request's next step) waits for the loop."""
    while True:
        start = time.monotonic()
        await asyncio.sleep(LAG_TICK)
        lags.append(time.monotonic() - start - LAG_TICK)
