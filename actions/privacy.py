"""A resident's own data: export everything, or delete everything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import (
    Booking,
    CallbackRequest,
    Contract,
    EmergencyEvent,
    Household,
    Resident,
    ServiceRequest,
    Slot,
)

ACTIVE = ("confirmed", "accepted")


def _row(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


async def export_resident_data(session: AsyncSession, resident_id: int) -> dict[str, Any]:
    resident = await session.get(Resident, resident_id, populate_existing=True)
    if resident is None:
        raise LookupError(resident_id)
    profile = _row(
        resident,
        ("language", "consent_at", "name", "phone", "birth_year", "address", "community", "priority_groups",
         "emergency_contact_name", "emergency_contact_phone", "voice_replies", "created_at"),
    )  # fmt: skip
    contracts = []
    if resident.household_id is not None:
        for c in (
            await session.scalars(
                select(Contract).where(Contract.household_id == resident.household_id)
            )
        ).all():
            contracts.append(_row(c, ("provider_id", "status", "signed_at", "ended_at")))
    bookings = [
        _row(
            b,
            (
                "id",
                "service_code",
                "modality",
                "starts_at",
                "ends_at",
                "status",
                "urgency",
                "channel",
                "request_text",
                "created_at",
                "cancelled_at",
                "completed_at",
                "provider_id",
            ),
        )  # fmt: skip
        for b in (
            await session.scalars(select(Booking).where(Booking.resident_id == resident_id))
        ).all()
    ]
    requests = [
        _row(
            r,
            (
                "service_code",
                "channel",
                "urgency",
                "offered_slots",
                "booking_id",
                "created_at",
                "booked_at",
            ),
        )
        for r in (
            await session.scalars(
                select(ServiceRequest).where(ServiceRequest.resident_id == resident_id)
            )
        ).all()
    ]
    emergencies = [
        _row(e, ("urgency", "category", "channel", "created_at"))
        for e in (
            await session.scalars(
                select(EmergencyEvent).where(EmergencyEvent.resident_id == resident_id)
            )
        ).all()
    ]
    callbacks = [
        _row(c, ("reason", "status", "created_at", "done_at"))
        for c in (
            await session.scalars(
                select(CallbackRequest).where(CallbackRequest.resident_id == resident_id)
            )
        ).all()
    ]
    data: dict[str, Any] = {
        "profile": profile,
        "contracts": contracts,
        "bookings": bookings,
        "service_requests": requests,
        "emergencies": emergencies,
        "callback_requests": callbacks,
    }
    for extra in EXPORT_HOOKS:
        data.update(await extra(session, resident_id))
    return data


@dataclass(frozen=True)
class DeletionReport:
    bookings: int
    seats_freed: int
    household_removed: bool


async def delete_resident_data(session: AsyncSession, resident_id: int) -> DeletionReport:
    """Deletes the resident and everything tied to them. Seats of their future bookings
    are freed; service requests stay only as anonymous counts (resident unset)."""
    resident = await session.get(Resident, resident_id)
    if resident is None:
        raise LookupError(resident_id)
    active = (
        await session.scalars(
            select(Booking).where(Booking.resident_id == resident_id, Booking.status.in_(ACTIVE))
        )
    ).all()
    for booking in active:
        await session.execute(
            update(Slot)
            .where(Slot.id == booking.slot_id, Slot.booked > 0)
            .values(booked=Slot.booked - 1)
        )
    total = await session.scalar(
        select(func.count()).select_from(Booking).where(Booking.resident_id == resident_id)
    )
    for hook in DELETE_HOOKS:
        await hook(session, resident_id)
    await session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.resident_id == resident_id)
        .values(resident_id=None, booking_id=None)
    )
    await session.execute(delete(Booking).where(Booking.resident_id == resident_id))
    await session.execute(delete(EmergencyEvent).where(EmergencyEvent.resident_id == resident_id))
    await session.execute(delete(CallbackRequest).where(CallbackRequest.resident_id == resident_id))
    await session.execute(
        update(Contract)
        .where(Contract.signed_by_resident_id == resident_id)
        .values(signed_by_resident_id=None)
    )
    household_id = resident.household_id
    await session.execute(delete(Resident).where(Resident.id == resident_id))
    household_removed = False
    if household_id is not None:
        others = await session.scalar(
            select(func.count()).select_from(Resident).where(Resident.household_id == household_id)
        )
        if not others:
            await session.execute(delete(Contract).where(Contract.household_id == household_id))
            await session.execute(delete(Household).where(Household.id == household_id))
            household_removed = True
    await session.commit()
    session.expunge_all()
    return DeletionReport(
        bookings=int(total or 0), seats_freed=len(active), household_removed=household_removed
    )


# Other parts of Jiayi that keep data about a resident (ratings, notifications) add
# their own export and delete steps here.
EXPORT_HOOKS: list = []
DELETE_HOOKS: list = []
