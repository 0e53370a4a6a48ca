"""Query-parameter rules shared by /alloc, /gateway and /items (services/CONTRACT.md, section 2).

A parameter given twice is 400 ``invalid_query``; integers must be ASCII digits only (no sign,
spaces, ``0x`` or non-ASCII digits, all of which ``int()`` would accept) with a bounded number of
digits, then lie in range. Starlette has already percent-decoded the values.
"""

from __future__ import annotations

import re

from starlette.datastructures import QueryParams

from app.errors import invalid_query

TOKEN = re.compile(r"[A-Za-z0-9_-]{1,32}")
_DIGITS = re.compile(r"[0-9]+")


def single(params: QueryParams, name: str) -> str | None:
    """The one value of ``name``, ``None`` when absent; given twice is ``invalid_query``."""
    values = params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise invalid_query()
    return values[0]


def int_param(params: QueryParams, name: str, *, max_digits: int, low: int, high: int, default: int) -> int:
    raw = single(params, name)
    if raw is None:
        return default
    if len(raw) > max_digits or not _DIGITS.fullmatch(raw):
        raise invalid_query()
    value = int(raw)
    if not low <= value <= high:
        raise invalid_query()
    return value


def token_param(params: QueryParams, name: str) -> str:
    """A required ``^[A-Za-z0-9_-]{1,32}$`` parameter."""
    raw = single(params, name)
    if raw is None or not TOKEN.fullmatch(raw):
        raise invalid_query()
    return raw
