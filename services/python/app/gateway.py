"""``GET /gateway``: concurrent fan-out to the upstream (services/CONTRACT.md, /gateway).

One pooled keep-alive ``httpx.AsyncClient`` per worker process (created in the app's lifespan)
makes ``n`` concurrent ``GET /echo`` calls. httpx timeouts apply per phase (connect, each read,
each write, pool wait), so each call also runs under an ``asyncio.timeout`` of the same length to
bound it from connect to last byte, as the contract requires. Any timeout answers 504
``upstream_timeout``, which wins over any other failure (502 ``upstream_error``).
"""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from app.config import Settings
from app.errors import ApiError
from app.params import int_param, token_param

router = APIRouter()


def make_client(settings: Settings) -> httpx.AsyncClient:
    pool = settings.upstream_pool
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        timeout=settings.upstream_timeout_ms / 1000,
    )


class EchoReply(BaseModel):
    """The upstream's answer; anything else is an upstream error."""

    model_config = ConfigDict(strict=True, extra="ignore")

    key: str
    i: int
    v: int


class GatewayResponse(BaseModel):
    key: str
    n: int
    sum: int
    values: list[int]


class UpstreamError(Exception):
    """The upstream answered, but not with a 200 ``{"key","i","v"}`` for this call."""


async def call_echo(client: httpx.AsyncClient, base_url: str, key: str, index: int, timeout_s: float) -> int:
    async with asyncio.timeout(timeout_s):
        response = await client.get(f"{base_url}/echo", params={"key": key, "i": index})
    if response.status_code != 200:
        raise UpstreamError(f"status {response.status_code}")
    try:
        reply = EchoReply.model_validate_json(response.content)
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
    client: httpx.AsyncClient = request.state.http_client
    timeout_s = settings.upstream_timeout_ms / 1000

    results = await asyncio.gather(
        *(call_echo(client, settings.upstream_url, key, index, timeout_s) for index in range(n)),
        return_exceptions=True,
    )
    failures = [result for result in results if isinstance(result, BaseException)]
    if failures:
        if any(isinstance(failure, (httpx.TimeoutException, TimeoutError)) for failure in failures):
            raise ApiError(504, "upstream_timeout")
        raise ApiError(502, "upstream_error")
    values: list[int] = results  # type: ignore[assignment]
    return GatewayResponse(key=key, n=n, sum=sum(values), values=values)
