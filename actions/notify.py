"""What the rest of Jiayi tells the notification layer. The care loop implements it
with a database outbox (scheduler/).

Each method adds the rows it renders to the caller's session and does not commit: the
domain function that changes a booking calls it before its own commit, so the change
and its notifications are stored together or not at all. After committing, the caller
calls `wake()`. (`emergency_raised` is the one exception: it commits itself.)"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class Notifier(Protocol):
    async def booking_created(self, session: AsyncSession, booking_id: int) -> None: ...

    async def booking_cancelled(
        self, session: AsyncSession, booking_id: int, *, resident_deleted: bool = False,
        by_member_id: int | None = None,
    ) -> None:
        """`by_member_id`: a linked family member cancelled it; the resident is told
        who did, and the provider that a family member did."""
        ...

    async def booking_rescheduled(
        self, session: AsyncSession, old_booking_id: int, new_booking_id: int, *, by_member_id: int | None = None
    ) -> None: ...

    async def booking_accepted(self, session: AsyncSession, booking: Any) -> None: ...

    async def booking_declined(self, session: AsyncSession, booking: Any, reason: str) -> None: ...

    async def booking_finished(self, session: AsyncSession, booking: Any, outcome: str) -> None: ...

    async def proposal_offered(self, session: AsyncSession, proposal: Any) -> None: ...

    async def emergency_raised(
        self, session: AsyncSession, event_id: int, *, words: str | None = None, affected: str | None = None,
        reporter: str | None = None,
    ) -> Any: ...

    async def callback_requested(
        self, session: AsyncSession, callback_id: int, *, words: str | None = None, affected: str | None = None
    ) -> str | None:
        """Queues the request for someone who can call: the doctor, else the doctor's
        team, else the duty chat. Returns who ("doctor", "team", "duty"), or None when
        nothing could be queued."""
        ...

    async def booking_update(
        self, session: AsyncSession, booking: Any, key: str, buttons: Any = None, **args: str
    ) -> None: ...

    async def low_rating(self, session: AsyncSession, outcome: Any) -> None: ...

    async def rating_due(self, session: AsyncSession, booking: Any) -> bool: ...

    async def agenda_due(self, session: AsyncSession, provider: Any, day: date) -> bool: ...

    async def emergency_undelivered(self, session: AsyncSession, row: Any) -> bool: ...

    async def delivery_failed(self, session: AsyncSession, row: Any, error: str) -> None: ...

    def wake(self) -> None:
        """Send what is due now rather than at the next tick."""


class CareNotifier(Protocol):
    """Chronic care notices (医防融合), written to the caller's session like the others;
    the caller commits and wakes. Every message to a linked family member says whom it
    is about."""

    async def care_plan_due(self, session: AsyncSession, item: Any, offers: list[Any]) -> bool: ...

    async def reading_review(self, session: AsyncSession, review_id: int) -> bool:
        """The family doctor (else the team, else the duty chat) is asked to look at a
        reading, with the trend chart and a button to answer with guidance."""
        ...

    async def reading_family_alert(self, session: AsyncSession, reading: Any) -> int: ...

    async def guidance_given(self, session: AsyncSession, review: Any, provider_id: int) -> None: ...

    async def follow_up_call_due(self, session: AsyncSession, call: Any) -> bool: ...

    async def weekly_chart(self, session: AsyncSession, resident: Any, week: str) -> bool: ...

    async def proxy_booked(self, session: AsyncSession, booking_id: int, member: Any) -> None: ...

    async def family_linked(self, session: AsyncSession, link: Any) -> None: ...

    async def family_unlinked(self, session: AsyncSession, link: Any, *, by_elder: bool = True) -> None:
        """Nothing still waiting about the resident goes to the member any more; the
        member is told when the resident (`by_elder`) ended the link."""
        ...

    async def family_copies_stopped(self, session: AsyncSession, link: Any) -> None: ...

    async def family_copies_started(self, session: AsyncSession, link: Any) -> None: ...

    async def waitlist_offered(self, session: AsyncSession, entry: Any) -> None: ...

    async def session_signed(self, session: AsyncSession, signup: Any) -> None: ...

    async def session_cancelled(self, session: AsyncSession, signup: Any) -> None: ...

    async def session_roster(self, session: AsyncSession, group_session: Any) -> bool: ...
