"""Pure-ASGI middleware: the 1 MiB request body limit and the EXTRA_CPU_US calibration knob.

Both are plain ASGI callables rather than ``BaseHTTPMiddleware`` so they add no task or stream
machinery to every request. (FastAPI's own ``max_body_size`` answers 413 with a fixed body of its
own, not the contract's ``{"error":"body_too_large"}``, hence this small class.)
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1_048_576

_TOO_LARGE_BODY = b'{"error":"body_too_large"}'


class BodyTooLarge(Exception):
    """Raised from ``receive`` once a streamed request body passes the limit."""


async def _send_too_large(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_TOO_LARGE_BODY)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _TOO_LARGE_BODY})


class BodyLimitMiddleware:
    """Answer 413 ``body_too_large`` for request bodies over ``max_body_bytes``.

    * ``Content-Length`` over the limit: answered before the app sees the request, after reading
      and discarding up to twice the limit of the body (a "lingering read", as Go's net/http and
      nginx do): closing a socket with unread data makes the kernel send a reset, and the client
      would lose the 413 it was about to read.
    * Without a length (chunked), the body is counted as the app receives it, still streamed; the
      chunk that crosses the limit raises :class:`BodyTooLarge` out of ``receive``, and the 413 is
      sent if no response has started. The contract puts 413 before every other check, so an app
      that answers without reading the whole body (say 400 ``invalid_id``) has the rest drained,
      up to the limit, before its response starts: an oversized body still answers 413.
    * A declared length within the limit needs no counting: the HTTP server enforces the framing.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared: int | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    pass  # the HTTP server has already rejected a malformed length
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:  # Transfer-Encoding wins over Content-Length (RFC 9112, 6.3)
            if declared is not None and declared > self.max_body_bytes:
                await _drain(receive, 2 * self.max_body_bytes)
                await _send_too_large(send)
            else:
                await self.app(scope, receive, send)
            return

        await _StreamedBodyLimit(self.app, self.max_body_bytes, scope, receive, send).run()


async def _drain(receive: Receive, limit: int) -> None:
    """Reads and discards up to ``limit`` bytes of the request body."""
    drained = 0
    while drained < limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class _StreamedBodyLimit:
    """Per-request state of a chunked request under :class:`BodyLimitMiddleware`."""

    __slots__ = ("app", "limit", "scope", "receive", "send", "received", "more_body", "response_started")

    def __init__(self, app: ASGIApp, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        self.app = app
        self.limit = limit
        self.scope = scope
        self.receive = receive
        self.send = send
        self.received = 0
        self.more_body = True
        self.response_started = False

    async def run(self) -> None:
        try:
            await self.app(self.scope, self.limited_receive, self.guarded_send)
        except BodyTooLarge:
            if self.response_started:
                raise
            await _send_too_large(self.send)

    async def limited_receive(self) -> Message:
        message = await self.receive()
        self._count(message)
        return message

    def _count(self, message: Message) -> None:
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            self.more_body = message.get("more_body", False)
            if self.received > self.limit:
                raise BodyTooLarge
        elif message["type"] == "http.disconnect":
            self.more_body = False

    async def guarded_send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            # The app answered before reading the whole body: drain it (discarding, bounded by
            # the limit) so that an oversized body is still answered 413 first.
            while self.more_body:
                self._count(await self.receive())
            self.response_started = True
        await self.send(message)


class ExtraCpuMiddleware:
    """Busy-spin ``extra_cpu_us`` microseconds of monotonic time before each request's work.

    The regression knob of gate calibration (EXTRA_CPU_US); ``/health`` and ``/debug/runtime`` are
    exempt. Installed only when the knob is set.
    """

    EXEMPT_PATHS = frozenset({"/health", "/debug/runtime"})

    def __init__(self, app: ASGIApp, extra_cpu_us: int) -> None:
        self.app = app
        self.extra_cpu_ns = extra_cpu_us * 1000

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in self.EXEMPT_PATHS:
            deadline = time.perf_counter_ns() + self.extra_cpu_ns
            while time.perf_counter_ns() < deadline:
                pass
        await self.app(scope, receive, send)
