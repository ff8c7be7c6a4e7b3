"""A resident's own data: export everything, or delete everything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.booking import cancel
from actions.clock import Clock
from actions.models import (
    Booking,
    BookingEvent,
    CallbackRequest,
    Contract,
    EmergencyEvent,
    Household,
    Outbox,
    Proposal,
    Rating,
    RatingRequest,
    Resident,
    ServiceRequest,
    Slot,
)
from actions.notify import Notifier

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
        ("telegram_id", "chat_id", "language", "consent_at", "name", "phone", "birth_year", "address", "community",
         "priority_groups", "emergency_contact_name", "emergency_contact_phone", "emergency_contact_chat_id",
         "household_id", "voice_replies", "unreachable", "created_at"),
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
        _row(c, ("reason", "status", "routed_to", "provider_id", "voice_file_id", "created_at", "done_at"))
        for c in (
            await session.scalars(
                select(CallbackRequest).where(CallbackRequest.resident_id == resident_id)
            )
        ).all()
    ]
    booking_ids = select(Booking.id).where(Booking.resident_id == resident_id)
    ratings = [
        _row(r, ("booking_id", "provider_id", "service_code", "score", "comment", "channel", "created_at"))
        for r in (await session.scalars(select(Rating).where(Rating.booking_id.in_(booking_ids)))).all()
    ]
    events = [
        _row(e, ("booking_id", "kind", "actor", "detail", "created_at"))
        for e in (await session.scalars(select(BookingEvent).where(BookingEvent.booking_id.in_(booking_ids)))).all()
    ]
    proposals = [
        _row(p, ("booking_id", "slot_id", "provider_id", "status", "created_at", "decided_at"))
        for p in (await session.scalars(select(Proposal).where(Proposal.booking_id.in_(booking_ids)))).all()
    ]
    rating_requests = [
        _row(r, ("booking_id", "created_at", "answered_at"))
        for r in (await session.scalars(select(RatingRequest).where(RatingRequest.resident_id == resident_id))).all()
    ]
    messages = [
        {**_row(m, ("kind", "recipient_kind", "status", "due_at", "created_at", "sent_at")),
         "text": (m.payload or {}).get("text")}
        for m in (await session.scalars(select(Outbox).where(await _outbox_about(session, resident)))).all()
    ]  # fmt: skip
    data: dict[str, Any] = {
        "profile": profile,
        "contracts": contracts,
        "bookings": bookings,
        "booking_events": events,
        "proposals": proposals,
        "ratings": ratings,
        "rating_requests": rating_requests,
        "service_requests": requests,
        "emergencies": emergencies,
        "callback_requests": callbacks,
        "messages": messages,
    }
    for extra in EXPORT_HOOKS:
        data.update(await extra(session, resident_id))
    return data


@dataclass(frozen=True)
class DeletionReport:
    bookings: int
    seats_freed: int
    household_removed: bool


async def _outbox_about(session: AsyncSession, resident: Resident) -> Any:
    """Outbox rows to the resident or about them: addressed to their chat, written for
    them, about their bookings, or alerts about their emergencies."""
    bookings = select(Booking.id).where(Booking.resident_id == resident.id)
    events = (await session.scalars(select(EmergencyEvent.id).where(EmergencyEvent.resident_id == resident.id))).all()
    keys = [f"emergency:{e}:{who}" for e in events for who in ("doctor", "contact")]
    return or_(
        Outbox.resident_id == resident.id,
        Outbox.chat_id == resident.chat_id,
        Outbox.booking_id.in_(bookings),
        Outbox.dedupe_key.in_(keys) if keys else Outbox.id < 0,
    )


async def delete_resident_data(
    session: AsyncSession, resident_id: int, *, clock: Clock | None = None, notifier: Notifier | None = None
) -> DeletionReport:
    """Deletes the resident and everything tied to them, in one transaction: their
    future bookings are cancelled (the providers are told which visit, without the
    resident's name), every message to or about them is deleted, and service requests
    stay only as anonymous counts (resident unset)."""
    resident = await session.get(Resident, resident_id)
    if resident is None:
        raise LookupError(resident_id)
    # Messages to or about them go first, whatever their state.
    about = await _outbox_about(session, resident)
    await session.execute(delete(Outbox).where(about).execution_options(synchronize_session=False))
    if clock is not None:
        for booking in (
            await session.scalars(
                select(Booking).where(
                    Booking.resident_id == resident_id, Booking.status.in_(ACTIVE), Booking.starts_at > clock()
                )
            )
        ).all():
            await cancel(
                session, resident_id=resident_id, booking_id=booking.id, clock=clock,
                notifier=notifier, resident_deleted=True, commit=False,
            )  # fmt: skip
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
    if notifier is not None:
        notifier.wake()
    return DeletionReport(
        bookings=int(total or 0), seats_freed=len(active), household_removed=household_removed
    )


# Other parts of Jiayi that keep data about a resident (ratings, notifications) add
# their own export and delete steps here.
EXPORT_HOOKS: list = []
DELETE_HOOKS: list = []


from actions.chronic_privacy import export_chronic_care, release_chronic_seats  # noqa: E402

EXPORT_HOOKS.append(export_chronic_care)
DELETE_HOOKS.append(release_chronic_seats)
