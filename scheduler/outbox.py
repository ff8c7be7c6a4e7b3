"""The notification outbox: writing rows, retracting them, and claiming due rows so
that several dispatchers never send the same row (FOR UPDATE SKIP LOCKED on
PostgreSQL; SQLite transactions here are serialised by BEGIN IMMEDIATE)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Outbox

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 6


def message(text: str, buttons: list[list[tuple[str, str]]] | None = None, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text}
    if buttons:
        payload["buttons"] = [[list(b) for b in row] for row in buttons]
    payload.update(extra)
    return payload


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    chat_id: int,
    recipient_kind: str,
    payload: dict[str, Any],
    due_at: datetime,
    now: datetime,
    booking_id: int | None = None,
    dedupe_key: str | None = None,
) -> Outbox | None:
    """Adds a row to the caller's transaction. A row with the same dedupe key already
    written is left as it is (None is returned)."""
    if dedupe_key is not None:
        exists = await session.scalar(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key))
        if exists is not None:
            return None
    row = Outbox(
        kind=kind,
        chat_id=chat_id,
        recipient_kind=recipient_kind,
        payload=payload,
        due_at=due_at,
        status="pending",
        attempts=0,
        booking_id=booking_id,
        dedupe_key=dedupe_key,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


async def retract(session: AsyncSession, *, booking_id: int, kinds: tuple[str, ...]) -> int:
    result = await session.execute(
        update(Outbox)
        .where(Outbox.booking_id == booking_id, Outbox.kind.in_(kinds), Outbox.status == "pending")
        .values(status="retracted")
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


async def claim_due(session: AsyncSession, *, now: datetime, limit: int = 100) -> list[Outbox]:
    """Marks up to `limit` due rows as being sent by this dispatcher and commits.
    Rows whose sender died mid-send come back when their lease runs out."""
    due = or_(
        and_(Outbox.status == "pending", Outbox.due_at <= now),
        and_(Outbox.status == "sending", Outbox.locked_until < now),
    )
    query = select(Outbox).where(due).order_by(Outbox.due_at, Outbox.id).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.scalars(query)).all())
    for row in rows:
        row.status = "sending"
        row.locked_until = now + LEASE
        row.attempts += 1
    await session.commit()
    return rows


async def mark_sent(session: AsyncSession, row_id: int, now: datetime) -> None:
    await session.execute(
        update(Outbox).where(Outbox.id == row_id, Outbox.status == "sending").values(status="sent", sent_at=now)
    )
    await session.commit()


async def mark_retry(session: AsyncSession, row_id: int, *, due_at: datetime, error: str, count_attempt: bool = True) -> None:
    values: dict[str, Any] = {"status": "pending", "due_at": due_at, "last_error": error[:200], "locked_until": None}
    if not count_attempt:
        values["attempts"] = Outbox.attempts - 1
    await session.execute(update(Outbox).where(Outbox.id == row_id, Outbox.status == "sending").values(**values))
    await session.commit()


async def mark_failed(session: AsyncSession, row_id: int, error: str) -> None:
    await session.execute(
        update(Outbox).where(Outbox.id == row_id).values(status="failed", last_error=error[:200], locked_until=None)
    )
    await session.commit()
