"""After a service: the family doctor's phone follow-up within a day (seed 002: 服务后
24小时内电话回访), shown on their agenda with a done button; and the care plan item the
visit fulfils."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.care_config import load_care_config
from actions.care_plans import complete_for_booking
from actions.clock import Clock
from actions.contracts import contracted_doctor
from actions.models import Booking, FollowUpCall, Provider


async def after_service_done(session: AsyncSession, *, booking: Booking, clock: Clock, notifier: Any = None) -> None:
    """Within the caller's transaction, when a visit is marked done: the follow-up call
    is planned for the family doctor (else the provider who saw them) and the care plan
    item is completed."""
    config = load_care_config()
    await complete_for_booking(session, booking=booking, config=config, clock=clock)
    doctor = await contracted_doctor(session, booking.resident_id)
    provider_id = doctor.id if doctor is not None else booking.provider_id
    call = FollowUpCall(
        booking_id=booking.id, resident_id=booking.resident_id, provider_id=provider_id,
        due_at=clock() + timedelta(hours=config.follow_up_call_hours), status="open", created_at=clock(),
    )  # fmt: skip
    try:
        async with session.begin_nested():
            session.add(call)
    except IntegrityError:
        return  # planned already
    if notifier is not None and hasattr(notifier, "follow_up_call_due"):
        await notifier.follow_up_call_due(session, call)


async def open_calls(session: AsyncSession, *, provider_id: int) -> list[FollowUpCall]:
    """Open follow-up calls of this provider, and of a teammate whose account is not
    linked."""
    provider = await session.get(Provider, provider_id)
    condition = FollowUpCall.provider_id == provider_id
    if provider is not None and provider.team_id is not None:
        unlinked_team = select(Provider.id).where(Provider.team_id == provider.team_id, Provider.chat_id.is_(None))
        condition = condition | FollowUpCall.provider_id.in_(unlinked_team)
    return list(
        (
            await session.scalars(
                select(FollowUpCall)
                .where(condition, FollowUpCall.status == "open")
                .options(selectinload(FollowUpCall.resident))
                .order_by(FollowUpCall.due_at)
            )
        ).all()
    )


async def mark_call_done(session: AsyncSession, *, call_id: int, provider_id: int, clock: Clock) -> bool:
    """The provider it was planned for, or a member of their team, marks it done, once."""
    team = select(Provider.team_id).where(Provider.id == provider_id).scalar_subquery()
    teammates = select(Provider.id).where(Provider.team_id == team)
    result = await session.execute(
        update(FollowUpCall)
        .where(
            FollowUpCall.id == call_id, FollowUpCall.status == "open",
            (FollowUpCall.provider_id == provider_id) | FollowUpCall.provider_id.in_(teammates),
        )
        .values(status="done", done_at=clock())
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    await session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def get_call(session: AsyncSession, call_id: int) -> FollowUpCall | None:
    return await session.scalar(
        select(FollowUpCall).where(FollowUpCall.id == call_id).options(selectinload(FollowUpCall.resident))
    )


def overdue(call: FollowUpCall, now: datetime) -> bool:
    return call.status == "open" and call.due_at < now
