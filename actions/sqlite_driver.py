"""SQLite statements in one trip to the driver's thread.

aiosqlite runs each sqlite3 call on its connection's own thread, and SQLAlchemy's
adapter makes four such calls per statement (open a cursor, execute, fetch the rows,
close the cursor). Each trip wakes that thread, then the event loop, and costs far more
than the statement itself on a small database: about 1 ms of CPU for a lookup by key.
Here the four happen in one trip; what the statement returned (its rows, description,
row count and last row id) comes back with it.

A transaction's `BEGIN IMMEDIATE` (see actions/db.py) goes in the same trip as the
transaction's first statement, just before it, instead of a trip of its own; a
transaction that ends before any statement ran costs no trip at all.

Used through `create_async_engine(..., module=one_trip_dbapi())`: the URL, the dialect
and everything SQLAlchemy does stay the same; only the cursor differs. Server-side
(streaming) cursors keep SQLAlchemy's own behaviour."""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)


class _Outcome:
    """What an executed (and already closed) cursor reported."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def close(self) -> None:
        """Nothing to do: the cursor was closed on the driver's thread."""


# Emitted by actions/db.py when SQLAlchemy begins a transaction.
BEGIN = "BEGIN IMMEDIATE"


def _run(
    conn: sqlite3.Connection, operation: Any, parameters: Any, many: bool, begin: bool
) -> tuple[_Outcome, list[Any] | None]:
    """On the driver's thread: the whole statement, cursor opened and closed (after
    the transaction's BEGIN when it is still to be sent)."""
    if begin:
        conn.execute(BEGIN).close()
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        outcome = _Outcome()
        outcome.description = cursor.description
        rows = cursor.fetchall() if cursor.description else None
        outcome.rowcount = cursor.rowcount
        outcome.lastrowid = cursor.lastrowid
        return outcome, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    # The cursor is closed on the driver's thread before the results come back.
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Outcome()  # nothing to open yet: the statement opens its own

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        if operation == BEGIN and not many and not parameters:
            # Sent with the next statement; a BEGIN returns nothing.
            adapted.begin_pending = True
            self._cursor = _Outcome()  # type: ignore[assignment]
            return
        begin, adapted.begin_pending = adapted.begin_pending, False
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with adapted._execute_mutex:
            outcome, rows = await connection._execute(_run, connection._conn, operation, parameters, many, begin)
        self._cursor = outcome  # type: ignore[assignment]
        if rows is not None:
            self._rows = collections.deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("begin_pending",)
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # A BEGIN that SQLAlchemy sent and the database has not seen yet.
        self.begin_pending = False

    def commit(self) -> None:
        if self.begin_pending:  # nothing ran: there is no transaction to end
            self.begin_pending = False
            return
        super().commit()

    def rollback(self) -> None:
        if self.begin_pending:
            self.begin_pending = False
            return
        super().rollback()


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        # SQLAlchemy's own connect (it starts the driver's thread as a daemon), then
        # the same driver connection behind this module's cursor.
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDbapi:
    return OneTripDbapi(aiosqlite, sqlite3)

