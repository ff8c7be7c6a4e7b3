"""The bookings a person may see and change: their own, and, through 亲情账户, those of
every resident who consented to an active link with them.

Who may change a booking is decided here from the stored booking and link, at every
step (the tap, the read-back's answer, the change itself), never from what a button
says: only the resident or a family member with an active link. A link the resident
ended stops its member at once, also on buttons still on screen. The change itself
goes through the same domain functions as the resident's own (`cancel`,
`reschedule`), which check the link again in their transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from actions.booking import (
    BookingNotFound,
    NotYourBooking,
    cancel,
    get_booking,
    reschedule,
    upcoming_bookings,
)
from actions.clock import Clock
from actions.family import NotLinked, active_link, elders_of, was_linked
from actions.models import Booking, FamilyLink
from actions.notify import Notifier


@dataclass(frozen=True)
class ManagedBooking:
    """A booking with the link it is reached through (None: the person's own)."""

    booking: Booking
    link: FamilyLink | None = None

    @property
    def by_member_id(self) -> int | None:
        return self.link.member_id if self.link is not None else None


async def visible_bookings(
    session: AsyncSession, *, person_id: int, clock: Clock, first_elder_id: int | None = None
) -> list[ManagedBooking]:
    """The person's own upcoming bookings, then those of each linked elder (the one
    named by `first_elder_id` first), each group in time order."""
    result = [ManagedBooking(b) for b in await upcoming_bookings(session, resident_id=person_id, clock=clock)]
    links = [link for link in await elders_of(session, person_id) if link.elder_id is not None]
    links.sort(key=lambda link: link.elder_id != first_elder_id)
    elders: list[ManagedBooking] = []
    for link in links:
        theirs = await upcoming_bookings(session, resident_id=link.elder_id or 0, clock=clock)
        elders += [ManagedBooking(b, link) for b in theirs]
    return elders + result if first_elder_id is not None else result + elders


def narrow(
    bookings: list[ManagedBooking], *, start: datetime | None = None, end: datetime | None = None,
    service: str | None = None,
) -> list[ManagedBooking]:  # fmt: skip
    """The bookings that start in [start, end) and are of the service, where given."""
    return [
        m for m in bookings
        if (start is None or m.booking.starts_at >= start)
        and (end is None or m.booking.starts_at < end)
        and (service is None or m.booking.service_code == service)
    ]  # fmt: skip


async def booking_access(session: AsyncSession, *, actor_id: int, booking_id: int) -> ManagedBooking:
    """The booking if this person may change it. BookingNotFound; NotLinked when the
    booking is of someone whose link with them has ended; NotYourBooking otherwise."""
    booking = await get_booking(session, booking_id)
    if booking is None:
        raise BookingNotFound(booking_id)
    if booking.resident_id == actor_id:
        return ManagedBooking(booking)
    link = await active_link(session, elder_id=booking.resident_id, member_id=actor_id)
    if link is None:
        if await was_linked(session, elder_id=booking.resident_id, member_id=actor_id):
            raise NotLinked(booking.resident_id)
        raise NotYourBooking(booking_id)
    return ManagedBooking(booking, link)


async def cancel_as(
    session: AsyncSession, *, actor_id: int, booking_id: int, clock: Clock, notifier: Notifier | None = None
) -> ManagedBooking:
    """Cancels for the resident themself or for a linked family member."""
    access = await booking_access(session, actor_id=actor_id, booking_id=booking_id)
    booking = await cancel(
        session, resident_id=access.booking.resident_id, booking_id=booking_id, clock=clock, notifier=notifier,
        by_member_id=access.by_member_id,
    )  # fmt: skip
    return ManagedBooking(booking, access.link)


async def reschedule_as(
    session: AsyncSession, *, actor_id: int, booking_id: int, new_slot_id: int, clock: Clock,
    notifier: Notifier | None = None,
) -> ManagedBooking:  # fmt: skip
    """Moves a booking for the resident themself or for a linked family member; the
    new booking is returned."""
    access = await booking_access(session, actor_id=actor_id, booking_id=booking_id)
    new = await reschedule(
        session, resident_id=access.booking.resident_id, booking_id=booking_id, new_slot_id=new_slot_id,
        clock=clock, notifier=notifier, by_member_id=access.by_member_id,
    )  # fmt: skip
    return ManagedBooking(new, access.link)

