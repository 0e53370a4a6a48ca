"""The FastAPI application: lifespan, middleware, exception handlers and the small routes.

Started by ``serve.py`` as ``app.main:app`` in each uvicorn worker process. The lifespan builds
everything a worker needs before it serves (the /alloc live heap, the /items database, the
/gateway HTTP client), so ``GET /health`` answers only once every route can serve, and closes
the client and the database connections on shutdown.
"""

from __future__ import annotations

import gc
import os
import platform
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypedDict

import aiohttp
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app import alloc, gateway, items, process
from app.alloc import Entry
from app.config import Settings, load_settings
from app.db import Database
from app.errors import install_exception_handlers
from app.middleware import BodyLimitMiddleware, ExtraCpuMiddleware


class State(TypedDict):
    """Per-worker state, exposed to handlers as ``request.state``."""

    settings: Settings
    live_heap: list[Entry]
    database: Database | None
    http_client: aiohttp.ClientSession


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
    settings = load_settings()
    live_heap = alloc.build_live_heap(settings.live_heap_objects)
    database = Database(settings.db_path) if settings.db_path else None
    if database is not None:
        database.open()
    http_client = gateway.make_session(settings)
    try:
        yield {"settings": settings, "live_heap": live_heap, "database": database, "http_client": http_client}
    finally:
        await http_client.close()
        if database is not None:
            database.close()


def _versions(backend: str) -> dict[str, str]:
    versions = {
        "python": platform.python_version(),
        "fastapi": version("fastapi"),
        "starlette": version("starlette"),
        "uvicorn": version("uvicorn"),
        "pydantic": version("pydantic"),
        "pydantic_core": version("pydantic_core"),
        "aiohttp": version("aiohttp"),
        "sqlite": sqlite3.sqlite_version,
    }
    if backend == "rust":
        try:
            versions["rb_process"] = version("rb_process")
        except PackageNotFoundError:  # importable without an installed distribution (a dev build)
            versions["rb_process"] = "unknown"
    return versions


settings = load_settings()
# No trailing-slash redirects: the other services answer such paths 404 (or 400), never 307.
app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None, redirect_slashes=False)
install_exception_handlers(app)
if settings.extra_cpu_us > 0:
    app.add_middleware(ExtraCpuMiddleware, extra_cpu_us=settings.extra_cpu_us)
app.add_middleware(BodyLimitMiddleware)  # added last: outermost, so 413 comes before anything else

app.include_router(process.make_router(settings.process_backend))
app.include_router(alloc.router)
app.include_router(gateway.router)
app.include_router(items.router)

VERSIONS = _versions(settings.process_backend)


class Status(BaseModel):
    status: str


class Message(BaseModel):
    message: str


@app.get("/health")
async def health() -> Status:
    return Status(status="ok")


@app.get("/json")
async def json_hello() -> Message:
    return Message(message="Hello, World!")


@app.get("/debug/runtime")
async def debug_runtime(request: Request) -> JSONResponse:
    body: dict[str, Any] = {
        "language": "python",
        "versions": VERSIONS,
        "workers": request.state.settings.workers,
        "pid": os.getpid(),
        "process_backend": request.state.settings.process_backend,
        "implementation": sys.implementation.name,
        "gc": {"stats": gc.get_stats(), "count": gc.get_count(), "threshold": gc.get_threshold()},
    }
    return JSONResponse(body)
