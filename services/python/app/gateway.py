"""``GET /gateway``: concurrent fan-out to the upstream (services/CONTRACT.md, /gateway).

One pooled keep-alive ``aiohttp.ClientSession`` per worker process (created in the app's
lifespan, closed on shutdown) makes ``n`` concurrent ``GET /echo`` calls. Its connector holds at
most ``UPSTREAM_POOL`` connections; a call waiting for one queues. ``ClientTimeout(total=...)``
bounds each call as a whole (waiting for a connection, connect, request, headers and the body up
to its last byte) by ``UPSTREAM_TIMEOUT_MS``, as the contract requires. Any timeout answers 504
``upstream_timeout``, which wins over any other failure (502 ``upstream_error``).

aiohttp rather than httpx: on every request and every release, httpcore 1.0.9's pool (under
httpx 0.28.1) walks all its connections and, for each idle one, walks them all again
(``AsyncConnectionPool._assign_requests_to_connections``), so its CPU per call grows with the
square of the open connections (encode/httpx#3215). Fanning out 3 calls for 32 or 200 clients
on one core, it served 25-45 requests/s at any pool size from 8 to 256. aiohttp's connector
pops an idle connection from a per-host deque and parses with its C (llhttp) parser.
"""

from __future__ import annotations

import asyncio
import math
from typing import Annotated

import aiohttp
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.config import Settings
from app.errors import ApiError
from app.params import int_param, token_param

router = APIRouter()


def make_session(settings: Settings) -> aiohttp.ClientSession:
    """The worker's upstream client. Call from the running event loop (the lifespan)."""
    pool = settings.upstream_pool
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=pool, limit_per_host=pool),
        # ceil_threshold=inf: aiohttp would otherwise round a total of 5 s or more up to a whole
        # second of the loop clock; the contract's per-call timeout is exact.
        timeout=aiohttp.ClientTimeout(total=settings.upstream_timeout_ms / 1000, ceil_threshold=math.inf),
        # trust_env stays False (the default): the upstream is local, never reached by a proxy.
    )


class EchoReply(BaseModel):
    """The upstream's answer; anything else is an upstream error."""

    model_config = ConfigDict(strict=True, extra="ignore")

    key: str
    i: int
    v: Annotated[int, Field(ge=0, le=2**32 - 1)]


class GatewayResponse(BaseModel):
    key: str
    n: int
    sum: int
    values: list[int]


class UpstreamError(Exception):
    """The upstream answered, but not with a 200 ``{"key","i","v"}`` for this call."""


async def call_echo(session: aiohttp.ClientSession, base_url: str, key: str, index: int) -> int:
    # key is a token (^[A-Za-z0-9_-]{1,32}$): it needs no escaping. A redirect is not followed:
    # like any non-200 answer it is an upstream error (as it was with httpx's defaults).
    async with session.get(f"{base_url}/echo?key={key}&i={index}", allow_redirects=False) as response:
        body = await response.read()
        status = response.status
    if status != 200:
        raise UpstreamError(f"status {status}")
    try:
        reply = EchoReply.model_validate_json(body)
    except ValidationError as exc:
        raise UpstreamError("malformed body") from exc
    if reply.key != key or reply.i != index:
        raise UpstreamError("reply for another call")
    return reply.v


@router.get("/gateway")
async def gateway(request: Request) -> GatewayResponse:
    params = request.query_params
    key = token_param(params, "key")
    n = int_param(params, "n", max_digits=2, low=1, high=16, default=3)

    settings: Settings = request.state.settings
    if settings.upstream_url is None:
        raise ApiError(502, "upstream_error")
    session: aiohttp.ClientSession = request.state.http_client

    results = await asyncio.gather(
        *(call_echo(session, settings.upstream_url, key, index) for index in range(n)),
        return_exceptions=True,
    )
    failures = [result for result in results if isinstance(result, BaseException)]
    if failures:
        # aiohttp raises TimeoutError (or its ServerTimeoutError / ConnectionTimeoutError
        # subclasses) when a call's total timeout expires; anything else is an upstream error.
        if any(isinstance(failure, TimeoutError) for failure in failures):
            raise ApiError(504, "upstream_timeout")
        raise ApiError(502, "upstream_error")
    values: list[int] = results  # type: ignore[assignment]
    return GatewayResponse(key=key, n=n, sum=sum(values), values=values)
