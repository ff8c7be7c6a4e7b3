"""The human fallback: a family doctor calls the resident back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.clock import Clock
from actions.community import family_doctors
from actions.contracts import contracted_doctor
from actions.models import CallbackRequest, Resident

DEDUPE_WINDOW = timedelta(minutes=30)


async def request_callback(
    session: AsyncSession,
    *,
    resident_id: int,
    reason: str,
    clock: Clock,
    voice_file_id: str | None = None,
) -> CallbackRequest:
    """To the contracted family doctor, else the first family doctor of the resident's
    community. A repeat within half an hour returns the open request."""
    recent = await session.scalar(
        select(CallbackRequest)
        .where(
            CallbackRequest.resident_id == resident_id,
            CallbackRequest.reason == reason,
            CallbackRequest.status == "open",
            CallbackRequest.created_at >= clock() - DEDUPE_WINDOW,
        )
        .options(selectinload(CallbackRequest.provider))
    )
    if recent is not None:
        if voice_file_id and not recent.voice_file_id:
            recent.voice_file_id = voice_file_id
            await session.commit()
        return recent
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
    await session.commit()
    return await session.scalar(
        select(CallbackRequest)
        .where(CallbackRequest.id == callback.id)
        .options(selectinload(CallbackRequest.provider), selectinload(CallbackRequest.resident))
    )  # type: ignore[return-value]


async def open_callbacks(session: AsyncSession, provider_id: int) -> list[CallbackRequest]:
    return list(
        (
            await session.scalars(
                select(CallbackRequest)
                .where(CallbackRequest.provider_id == provider_id, CallbackRequest.status == "open")
                .options(selectinload(CallbackRequest.resident))
                .order_by(CallbackRequest.created_at)
            )
        ).all()
    )


async def mark_callback_done(
    session: AsyncSession, *, callback_id: int, provider_id: int, clock: Clock
) -> bool:
    """Only the assigned provider can close it."""
    result = await session.execute(
        update(CallbackRequest)
        .where(
            CallbackRequest.id == callback_id,
            CallbackRequest.provider_id == provider_id,
            CallbackRequest.status == "open",
        )
        .values(status="done", done_at=clock())
    )
    await session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]
