"""Settings read once from the environment (services/CONTRACT.md, section 1).

Every uvicorn worker is a spawned process that imports this module again, so each worker reads
the same environment. ``serve.py`` calls :func:`load_settings` before starting uvicorn so that a
bad value fails the launch once, with a clear message, instead of in every worker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

PROCESS_BACKENDS = ("python", "rust")


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    workers: int
    db_path: str | None
    upstream_url: str | None
    upstream_pool: int
    upstream_timeout_ms: int
    live_heap_objects: int
    extra_cpu_us: int
    process_backend: str


def _int_env(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def _optional_env(name: str) -> str | None:
    return os.environ.get(name) or None


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    backend = os.environ.get("PROCESS_BACKEND", "") or "python"
    if backend not in PROCESS_BACKENDS:
        raise ConfigError(f"PROCESS_BACKEND must be one of {', '.join(PROCESS_BACKENDS)}, got {backend!r}")
    upstream_url = _optional_env("UPSTREAM_URL")
    return Settings(
        workers=_int_env("WORKERS", 1, 1),
        db_path=_optional_env("DB_PATH"),
        upstream_url=upstream_url.rstrip("/") if upstream_url else None,
        upstream_pool=_int_env("UPSTREAM_POOL", 256, 1),
        upstream_timeout_ms=_int_env("UPSTREAM_TIMEOUT_MS", 2000, 1),
        live_heap_objects=_int_env("LIVE_HEAP_OBJECTS", 1_000_000, 0),
        extra_cpu_us=_int_env("EXTRA_CPU_US", 0, 0),
        process_backend=backend,
    )
