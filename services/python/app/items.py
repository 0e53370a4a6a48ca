"""``/items``: SQLite CRUD (services/CONTRACT.md, /items).

Handlers are sync ``def`` (the blocking ``sqlite3`` driver runs in FastAPI's threadpool). The
contract fixes the order of checks for one request: 413 (middleware), 400 ``invalid_id``, 400
``invalid_header``, 400 ``invalid_json``, 422 ``invalid_request``, then 404 / 409 from the
database. So ``{id}`` and ``X-Now`` are taken as plain strings and the body as raw bytes, and
they are validated here in that order. Without ``DB_PATH`` every /items route answers 503
``no_database``.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.db import Database
from app.errors import ApiError, invalid_query, parse_json_body
from app.params import TOKEN, int_param, single

router = APIRouter()

_DECIMAL_ID = re.compile(r"[0-9]{1,15}")

COLUMNS = "id, sku, name, category, price_cents, qty, updated_at"

Token = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
ItemName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 _-]{1,64}$")]
Amount = Annotated[int, Field(ge=0, le=1_000_000_000)]


class ItemIn(BaseModel):
    """Body of POST and PUT."""

    model_config = ConfigDict(strict=True, extra="ignore")

    sku: Token
    name: ItemName
    category: Token
    price_cents: Amount
    qty: Amount


class Item(BaseModel):
    id: int
    sku: str
    name: str
    category: str
    price_cents: int
    qty: int
    updated_at: int


class ItemPage(BaseModel):
    items: list[Item]
    next_after_id: int | None


def _item(row: tuple) -> Item:
    id_, sku, name, category, price_cents, qty, updated_at = row
    return Item(id=id_, sku=sku, name=name, category=category, price_cents=price_cents, qty=qty, updated_at=updated_at)


def _database(request: Request) -> Database:
    database: Database | None = request.state.database
    if database is None:
        raise ApiError(503, "no_database")
    return database


def _item_id(raw: str) -> int:
    if not _DECIMAL_ID.fullmatch(raw):
        raise ApiError(400, "invalid_id")
    return int(raw)


def _now(raw: str | None) -> int:
    if raw is None:
        return 0
    if not _DECIMAL_ID.fullmatch(raw):
        raise ApiError(400, "invalid_header")
    return int(raw)


def _is_unique_violation(exc: sqlite3.IntegrityError) -> bool:
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_CONSTRAINT_UNIQUE"


async def raw_body(request: Request) -> bytes:
    """The request body, unparsed: validated only after the id and header checks."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]
XNow = Annotated[str | None, Header(alias="X-Now")]


@router.get("/items/{item_id}")
def get_item(request: Request, item_id: str) -> Item:
    database = _database(request)
    id_ = _item_id(item_id)
    row = database.connection().execute(f"SELECT {COLUMNS} FROM items WHERE id = ?", (id_,)).fetchone()
    if row is None:
        raise ApiError(404, "not_found")
    return _item(row)


@router.get("/items")
def list_items(request: Request) -> ItemPage:
    database = _database(request)
    params = request.query_params
    category = single(params, "category")
    if category is None or not TOKEN.fullmatch(category):
        raise invalid_query()
    after_id = int_param(params, "after_id", max_digits=15, low=0, high=999_999_999_999_999, default=0)
    limit = int_param(params, "limit", max_digits=3, low=1, high=100, default=20)

    rows = (
        database.connection()
        .execute(
            f"SELECT {COLUMNS} FROM items WHERE category = ? AND id > ? ORDER BY id LIMIT ?",
            (category, after_id, limit),
        )
        .fetchall()
    )
    items = [_item(row) for row in rows]
    next_after_id = items[-1].id if len(items) == limit else None
    return ItemPage(items=items, next_after_id=next_after_id)


@router.post("/items", status_code=201)
def create_item(request: Request, body: RawBody, x_now: XNow = None) -> Item:
    database = _database(request)
    updated_at = _now(x_now)
    fields = parse_json_body(ItemIn, body)
    try:
        cursor = database.connection().execute(
            "INSERT INTO items (sku, name, category, price_cents, qty, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (fields.sku, fields.name, fields.category, fields.price_cents, fields.qty, updated_at),
        )
    except sqlite3.IntegrityError as exc:
        if _is_unique_violation(exc):
            raise ApiError(409, "conflict") from None
        raise
    new_id = cursor.lastrowid
    assert new_id is not None  # set by every successful INSERT
    return Item(id=new_id, **fields.model_dump(), updated_at=updated_at)


@router.put("/items/{item_id}")
def replace_item(request: Request, item_id: str, body: RawBody, x_now: XNow = None) -> Item:
    database = _database(request)
    id_ = _item_id(item_id)
    updated_at = _now(x_now)
    fields = parse_json_body(ItemIn, body)
    try:
        cursor = database.connection().execute(
            "UPDATE items SET sku = ?, name = ?, category = ?, price_cents = ?, qty = ?, updated_at = ? WHERE id = ?",
            (fields.sku, fields.name, fields.category, fields.price_cents, fields.qty, updated_at, id_),
        )
    except sqlite3.IntegrityError as exc:
        if _is_unique_violation(exc):
            raise ApiError(409, "conflict") from None
        raise
    if cursor.rowcount == 0:
        raise ApiError(404, "not_found")
    return Item(id=id_, **fields.model_dump(), updated_at=updated_at)


@router.delete("/items/{item_id}", status_code=204)
def delete_item(request: Request, item_id: str) -> Response:
    database = _database(request)
    id_ = _item_id(item_id)
    cursor = database.connection().execute("DELETE FROM items WHERE id = ?", (id_,))
    if cursor.rowcount == 0:
        raise ApiError(404, "not_found")
    return Response(status_code=204)
