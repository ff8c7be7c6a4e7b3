"""The notification outbox: writing rows, retracting them, and claiming due rows so
that several dispatchers never send the same row (FOR UPDATE SKIP LOCKED on
PostgreSQL; SQLite transactions here are serialised by BEGIN IMMEDIATE).

Rows go out by priority: emergencies first, then call-backs, booking changes, and
reminders last. A dispatcher owns the rows it claimed (`claimed_by`) for a lease that
it keeps extending while it sends; only the owner may mark a row sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Outbox

LEASE = timedelta(seconds=60)

EMERGENCY, CALLBACK, CHANGE, REMINDER = 0, 1, 2, 3
PRIORITY = {
    "emergency_alert": EMERGENCY,
    "emergency_escalation": EMERGENCY,
    "callback_request": CALLBACK,
    # An urgent or repeated high home reading for the doctor: retried like a call-back.
    "reading_review": CALLBACK,
    "reminder": REMINDER,
    "session_reminder": REMINDER,
    "care_plan_offer": REMINDER,
    "reading_chart": REMINDER,
}
# Rows of these priorities are retried until they are delivered, never given up.
NEVER_GIVE_UP = (EMERGENCY, CALLBACK)
MAX_BACKOFF = timedelta(seconds=30)


def priority_of(kind: str) -> int:
    return PRIORITY.get(kind, CHANGE)


def message(text: str, buttons: list[list[tuple[str, str]]] | None = None, **extra: Any) -> dict[str, Any]:
    """A row's payload: the text and its buttons; `photo_b64` (a PNG, base64) with an
    optional `photo_caption` sends a picture after the text, `voice_file_id` a voice."""
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
    resident_id: int | None = None,
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
        priority=priority_of(kind),
        resident_id=resident_id,
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


async def retract_keys(session: AsyncSession, *, prefix: str) -> int:
    """Withdraws pending rows whose dedupe key starts with `prefix` (the reminders of
    a cancelled sign-up)."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.dedupe_key.startswith(prefix, autoescape=True), Outbox.status == "pending")
        .values(status="retracted")
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


async def retract_to_chat(session: AsyncSession, *, chat_id: int, recipient_kind: str) -> int:
    """Nothing still waiting goes to this chat any more (an unlinked provider)."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.chat_id == chat_id, Outbox.recipient_kind == recipient_kind, Outbox.status == "pending")
        .values(status="retracted", payload={})
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


async def retract_family_copies(session: AsyncSession, *, chat_id: int, resident_id: int) -> int:
    """Withdraws what still waits for a family member about this resident (their
    reminders, alerts and notices): the link ended or the member turned copies off.
    The text goes, and the dedupe key is freed so that copies can be queued again if
    the member turns them back on."""
    result = await session.execute(
        update(Outbox)
        .where(
            Outbox.chat_id == chat_id, Outbox.resident_id == resident_id, Outbox.recipient_kind == "family",
            Outbox.status == "pending",
        )
        .values(status="retracted", payload={}, dedupe_key=None)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


async def claim_due(session: AsyncSession, *, now: datetime, limit: int = 100, owner: str = "") -> list[Outbox]:
    """Marks up to `limit` due rows, most urgent first, as being sent by `owner` and
    commits. Rows whose sender died mid-send come back when their lease runs out."""
    due = or_(
        and_(Outbox.status == "pending", Outbox.due_at <= now),
        and_(Outbox.status == "sending", Outbox.locked_until < now),
    )
    query = select(Outbox).where(due).order_by(Outbox.priority, Outbox.due_at, Outbox.id).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.scalars(query)).all())
    for row in rows:
        row.status = "sending"
        row.locked_until = now + LEASE
        row.claimed_by = owner
        row.attempts += 1
    await session.commit()
    return rows


async def extend_lease(session: AsyncSession, row_ids: list[int], *, owner: str, now: datetime) -> set[int]:
    """Extends the lease of the rows `owner` still holds; returns their ids (a row
    missing from the answer was taken over and must not be sent)."""
    if not row_ids:
        return set()
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(row_ids), Outbox.status == "sending", Outbox.claimed_by == owner)
        .values(locked_until=now + LEASE)
    )
    held = set(
        (
            await session.scalars(
                select(Outbox.id).where(Outbox.id.in_(row_ids), Outbox.status == "sending", Outbox.claimed_by == owner)
            )
        ).all()
    )
    await session.commit()
    return held


async def mark_sent(session: AsyncSession, row_id: int, now: datetime, owner: str | None = None) -> None:
    """Sent: the text is not kept (the outbox is a queue, not an archive of what
    people were told)."""
    query = update(Outbox).where(Outbox.id == row_id, Outbox.status == "sending")
    if owner is not None:
        query = query.where(Outbox.claimed_by == owner)
    await session.execute(query.values(status="sent", sent_at=now, payload={}, locked_until=None))
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


async def mark_withdrawn(session: AsyncSession, row_id: int, owner: str | None = None) -> None:
    """Claimed but no longer to be sent (its recipient may no longer have it)."""
    query = update(Outbox).where(Outbox.id == row_id, Outbox.status == "sending")
    if owner is not None:
        query = query.where(Outbox.claimed_by == owner)
    await session.execute(query.values(status="retracted", payload={}, dedupe_key=None, locked_until=None))
    await session.commit()


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2 ** max(0, attempts)), MAX_BACKOFF)


async def undelivered_emergencies(session: AsyncSession, *, older_than: datetime) -> list[Outbox]:
    """Emergency alerts still not delivered, written before `older_than`, not yet
    escalated."""
    return list(
        (
            await session.scalars(
                select(Outbox)
                .where(
                    Outbox.kind == "emergency_alert",
                    Outbox.status.in_(("pending", "sending")),
                    Outbox.created_at <= older_than,
                    Outbox.escalated_at.is_(None),
                )
                .order_by(Outbox.id)
                .limit(100)
            )
        ).all()
    )


async def mark_escalated(session: AsyncSession, row_id: int, now: datetime) -> None:
    await session.execute(update(Outbox).where(Outbox.id == row_id).values(escalated_at=now))


async def purge_finished(session: AsyncSession, *, before: datetime) -> int:
    """Deletes sent, given-up and retracted rows older than `before`."""
    result = await session.execute(
        delete(Outbox).where(Outbox.status.in_(("sent", "failed", "retracted")), Outbox.created_at < before)
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]
