"""Emergencies raised by triage: recorded (category only, never the words; also for
someone who has not registered) and routed to the family doctor and the resident's
emergency contact."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.clock import Clock
from actions.contracts import contracted_doctor
from actions.models import EmergencyEvent, Resident


@dataclass(frozen=True)
class EmergencyAlert:
    event_id: int
    doctor_id: int | None
    doctor_chat_id: int | None
    contact_name: str | None
    contact_phone: str | None
    contact_chat_id: int | None


async def record_emergency(
    session: AsyncSession,
    *,
    resident_id: int | None,
    urgency: str,
    category: str,
    channel: str,
    clock: Clock,
) -> EmergencyAlert:
    resident = await session.get(Resident, resident_id) if resident_id is not None else None
    doctor = await contracted_doctor(session, resident_id) if resident_id is not None else None
    event = EmergencyEvent(
        resident_id=resident_id,
        urgency=urgency,
        category=category,
        channel=channel,
        created_at=clock(),
    )
    session.add(event)
    await session.commit()
    return EmergencyAlert(
        event_id=event.id,
        doctor_id=doctor.id if doctor else None,
        doctor_chat_id=doctor.chat_id if doctor else None,
        contact_name=resident.emergency_contact_name if resident else None,
        contact_phone=resident.emergency_contact_phone if resident else None,
        contact_chat_id=resident.emergency_contact_chat_id if resident else None,
    )


async def mark_alerted(
    session: AsyncSession, event_id: int, *, doctor: bool, contact: bool
) -> None:
    await session.execute(
        update(EmergencyEvent)
        .where(EmergencyEvent.id == event_id)
        .values(doctor_alerted=doctor, contact_alerted=contact)
    )
    await session.commit()
