"""Group sessions: health lectures and classes (健康讲座、小课堂), weekend and evening,
from data/care.yaml, with a capacity, sign-up in chat, reminders, a waitlist when
full, and attendance marked by the host."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.care_config import CareConfig
from actions.clock import Clock
from actions.models import GroupSession, SessionSignup
from actions.waitlist import free_seat, seat_freed, take_seat


class SessionFull(Exception):
    """No seat left (the waitlist is offered instead)."""


class SessionGone(Exception):
    """Started, past, or no such session."""


class NotYourSignup(Exception):
    """Another resident's sign-up, or already cancelled."""


async def ensure_sessions(session: AsyncSession, *, config: CareConfig, start_day: date, tz: ZoneInfo) -> int:
    """The sessions of the weeks ahead, created once each (by code and start). The
    caller commits."""
    created = 0
    days = 7 * config.sessions_weeks_ahead
    for offset in range(days):
        day = start_day + timedelta(days=offset)
        for template in config.sessions:
            if template.weekday != day.weekday():
                continue
            starts = datetime.combine(day, template.start, tz)
            exists = await session.scalar(
                select(GroupSession.id).where(GroupSession.code == template.code, GroupSession.starts_at == starts)
            )
            if exists is not None:
                continue
            session.add(
                GroupSession(
                    code=template.code, kind=template.kind, title_zh=template.title_zh, title_en=template.title_en,
                    place_zh=template.place_zh, place_en=template.place_en, host_code=template.host,
                    starts_at=starts, ends_at=starts + timedelta(minutes=template.minutes),
                    capacity=template.capacity, booked=0,
                )
            )  # fmt: skip
            created += 1
    await session.flush()
    return created


async def upcoming(session: AsyncSession, *, now: datetime, days: int = 14) -> list[GroupSession]:
    return list(
        (
            await session.scalars(
                select(GroupSession)
                .where(GroupSession.starts_at > now, GroupSession.starts_at < now + timedelta(days=days))
                .order_by(GroupSession.starts_at)
            )
        ).all()
    )


async def get_session(session: AsyncSession, session_id: int) -> GroupSession | None:
    return await session.get(GroupSession, session_id, populate_existing=True)


async def my_signup(session: AsyncSession, *, session_id: int, resident_id: int) -> SessionSignup | None:
    return await session.scalar(
        select(SessionSignup).where(
            SessionSignup.session_id == session_id, SessionSignup.resident_id == resident_id,
            SessionSignup.status == "signed",
        )
    )  # fmt: skip


async def sign_up(
    session: AsyncSession, *, session_id: int, resident_id: int, clock: Clock, notifier: Any = None
) -> SessionSignup:
    """One seat, taken by a conditional UPDATE; a second tap returns the same sign-up."""
    existing = await my_signup(session, session_id=session_id, resident_id=resident_id)
    if existing is not None:
        return existing
    group = await get_session(session, session_id)
    if group is None or group.starts_at <= clock():
        raise SessionGone(session_id)
    try:
        if not await take_seat(session, "session", session_id):
            raise SessionFull(session_id)
        signup = SessionSignup(session_id=session_id, resident_id=resident_id, status="signed", created_at=clock())
        session.add(signup)
        await session.flush()
        if notifier is not None:
            await notifier.session_signed(session, signup)
        await session.commit()
    except IntegrityError:
        await session.rollback()
        again = await my_signup(session, session_id=session_id, resident_id=resident_id)
        if again is None:
            raise SessionFull(session_id) from None
        return again
    except BaseException:
        await session.rollback()
        raise
    if notifier is not None:
        notifier.wake()
    return signup


async def cancel_signup(
    session: AsyncSession, *, signup_id: int, resident_id: int, clock: Clock, notifier: Any = None
) -> SessionSignup:
    """Frees the seat once; the first in line is offered it in the same transaction."""
    signup = await session.get(SessionSignup, signup_id, populate_existing=True)
    if signup is None or signup.resident_id != resident_id:
        raise NotYourSignup(signup_id)
    group = await get_session(session, signup.session_id)
    if group is None or group.starts_at <= clock():
        raise SessionGone(signup.session_id)
    result = await session.execute(
        update(SessionSignup)
        .where(SessionSignup.id == signup_id, SessionSignup.status == "signed")
        .values(status="cancelled", cancelled_at=clock())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise NotYourSignup(signup_id)
    try:
        await free_seat(session, "session", signup.session_id)
        if notifier is not None:
            await notifier.session_cancelled(session, signup)
        await seat_freed(session, kind="session", target_id=signup.session_id, clock=clock, notifier=notifier)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    if notifier is not None:
        notifier.wake()
    await session.refresh(signup)
    return signup


async def signups_of(session: AsyncSession, session_id: int, statuses: tuple[str, ...] = ("signed", "attended")) -> list[SessionSignup]:
    return list(
        (
            await session.scalars(
                select(SessionSignup)
                .where(SessionSignup.session_id == session_id, SessionSignup.status.in_(statuses))
                .options(selectinload(SessionSignup.resident))
                .order_by(SessionSignup.id)
            )
        ).all()
    )


async def resident_signups(session: AsyncSession, *, resident_id: int, now: datetime) -> list[SessionSignup]:
    return list(
        (
            await session.scalars(
                select(SessionSignup)
                .join(GroupSession, GroupSession.id == SessionSignup.session_id)
                .where(SessionSignup.resident_id == resident_id, SessionSignup.status == "signed", GroupSession.starts_at > now)
                .options(selectinload(SessionSignup.session))
                .order_by(GroupSession.starts_at)
            )
        ).all()
    )


async def mark_attended(session: AsyncSession, *, signup_id: int, host_code: str, clock: Clock) -> bool:
    """The session's host marks a sign-up attended, once the session has started."""
    signup = await session.get(SessionSignup, signup_id)
    group = await get_session(session, signup.session_id) if signup is not None else None
    if signup is None or group is None or group.host_code != host_code or group.starts_at > clock():
        return False
    result = await session.execute(
        update(SessionSignup)
        .where(SessionSignup.id == signup_id, SessionSignup.status == "signed")
        .values(status="attended", attended_at=clock())
    )
    await session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def sessions_starting(session: AsyncSession, *, now: datetime, within: timedelta) -> list[GroupSession]:
    return list(
        (
            await session.scalars(
                select(GroupSession).where(GroupSession.starts_at > now - within, GroupSession.starts_at <= now + within)
            )
        ).all()
    )
