"""The human fallback: a family doctor calls the resident back.

The request goes to the contracted family doctor (else the first family doctor of the
resident's community); when that doctor has no linked account, to the doctor's team;
when nobody there can be reached, to the centre's duty chat. The resident is told it
was passed on only when a message was actually queued for someone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.clock import Clock
from actions.community import family_doctors
from actions.contracts import contracted_doctor
from actions.models import CallbackRequest, Provider, Resident
from actions.notify import Notifier

DEDUPE_WINDOW = timedelta(minutes=30)


async def _with_people(session: AsyncSession, callback_id: int) -> CallbackRequest:
    found = await session.scalar(
        select(CallbackRequest)
        .where(CallbackRequest.id == callback_id)
        .options(selectinload(CallbackRequest.provider), selectinload(CallbackRequest.resident))
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def request_callback(
    session: AsyncSession,
    *,
    resident_id: int,
    reason: str,
    clock: Clock,
    voice_file_id: str | None = None,
    notifier: Notifier | None = None,
    words: str | None = None,
    affected: str | None = None,
) -> CallbackRequest:
    """Records the request and queues it (in one transaction). `routed_to` on the
    result says who will call: doctor | team | duty, or None when nobody could be
    reached. A repeat within half an hour returns the open request."""
    recent = await session.scalar(
        select(CallbackRequest)
        .where(
            CallbackRequest.resident_id == resident_id,
            CallbackRequest.reason == reason,
            CallbackRequest.status == "open",
            CallbackRequest.created_at >= clock() - DEDUPE_WINDOW,
        )
        .order_by(CallbackRequest.id.desc())
        .limit(1)
    )
    new_voice = voice_file_id is not None and recent is not None and recent.voice_file_id != voice_file_id
    if recent is not None and recent.routed_to is not None and not new_voice:
        return await _with_people(session, recent.id)
    try:
        if recent is None:
            doctor = await contracted_doctor(session, resident_id)
            if doctor is None:
                resident = await session.get(Resident, resident_id)
                doctors = await family_doctors(session, resident.community if resident else None)
                doctor = doctors[0] if doctors else None
            callback = CallbackRequest(
                resident_id=resident_id,
                provider_id=doctor.id if doctor else None,
                reason=reason,
                voice_file_id=voice_file_id,
                status="open",
                created_at=clock(),
            )
            session.add(callback)
            await session.flush()
        else:
            callback = recent
            if voice_file_id:
                callback.voice_file_id = voice_file_id
        if notifier is not None:
            routed = await notifier.callback_requested(session, callback.id, words=words, affected=affected)
            if routed is not None:
                callback.routed_to = routed
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    if notifier is not None:
        notifier.wake()
    return await _with_people(session, callback.id)


async def open_callbacks(session: AsyncSession, provider_id: int) -> list[CallbackRequest]:
    """Open call-backs this provider should see: their own, and those of a teammate
    that were passed to the team."""
    provider = await session.get(Provider, provider_id)
    team_ids = select(Provider.id).where(Provider.team_id == provider.team_id) if provider and provider.team_id else None
    own = CallbackRequest.provider_id == provider_id
    condition = own if team_ids is None else or_(own, (CallbackRequest.provider_id.in_(team_ids)) & (CallbackRequest.routed_to == "team"))
    return list(
        (
            await session.scalars(
                select(CallbackRequest)
                .where(condition, CallbackRequest.status == "open")
                .options(selectinload(CallbackRequest.resident))
                .order_by(CallbackRequest.created_at)
            )
        ).all()
    )


async def mark_callback_done(
    session: AsyncSession,
    *,
    callback_id: int,
    provider_id: int | None,
    clock: Clock,
    from_duty_chat: bool = False,
) -> bool:
    """The assigned provider, a member of their team, or the duty chat can close it."""
    allowed = []
    if provider_id is not None:
        allowed.append(CallbackRequest.provider_id == provider_id)
        provider = await session.get(Provider, provider_id)
        if provider is not None and provider.team_id is not None:
            team = select(Provider.id).where(Provider.team_id == provider.team_id)
            allowed.append(CallbackRequest.provider_id.in_(team))
    if from_duty_chat:
        allowed.append(CallbackRequest.status == "open")
    if not allowed:
        return False
    result = await session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.id == callback_id, CallbackRequest.status == "open", or_(*allowed))
        .values(status="done", done_at=clock())
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


async def open_callback_count(session: AsyncSession) -> int:
    from sqlalchemy import func

    return int(
        await session.scalar(select(func.count()).select_from(CallbackRequest).where(CallbackRequest.status == "open"))
        or 0
    )
