"""SQLite access for /items with the standard library ``sqlite3`` driver.

The driver is blocking, so the /items handlers are sync ``def`` and FastAPI runs them in its
threadpool; each pool thread lazily opens its own connection (``threading.local``) with the
contract's PRAGMAs. Connections run in autocommit mode (``isolation_level=None``): every /items
operation is a single statement, which SQLite makes atomic on its own. ``check_same_thread=False``
only lets the lifespan close the remaining connections at shutdown from the main thread; each
connection is otherwise used by the one thread that opened it. anyio retires pool threads after
10 s idle: the thread's connection is then dropped with its thread-local data, which closes it
(the registry below only holds weak references).
"""

from __future__ import annotations

import sqlite3
import threading
import urllib.parse
import weakref

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
)


class _ThreadConnection:
    """Holder of one thread's connection (``sqlite3.Connection`` takes no weak references)."""

    __slots__ = ("conn", "__weakref__")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


class Database:
    def __init__(self, path: str) -> None:
        # mode=rw: a missing file is an error at startup, not a new empty database.
        self._uri = f"file:{urllib.parse.quote(path)}?mode=rw"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: weakref.WeakSet[_ThreadConnection] = weakref.WeakSet()

    def open(self) -> None:
        """Open the first connection and check the schema, so a bad DB_PATH fails the startup."""
        self.connection().execute("SELECT 1 FROM items LIMIT 1").fetchall()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        holder: _ThreadConnection | None = getattr(self._local, "holder", None)
        if holder is None:
            conn = sqlite3.connect(self._uri, uri=True, isolation_level=None, check_same_thread=False)
            for pragma in PRAGMAS:
                conn.execute(pragma)
            holder = self._local.holder = _ThreadConnection(conn)
            with self._lock:
                self._connections.add(holder)
        return holder.conn

    def close(self) -> None:
        with self._lock:
            holders = list(self._connections)
            self._connections.clear()
        for holder in holders:
            holder.conn.close()
