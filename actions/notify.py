"""What the rest of Jiayi tells the notification layer. The care loop implements it
with a database outbox (scheduler/); each call records what to send and commits."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class Notifier(Protocol):
    async def booking_created(self, session: AsyncSession, booking_id: int) -> None: ...

    async def booking_cancelled(self, session: AsyncSession, booking_id: int) -> None: ...

    async def booking_rescheduled(
        self, session: AsyncSession, old_booking_id: int, new_booking_id: int
    ) -> None: ...

    async def emergency_raised(
        self, session: AsyncSession, event_id: int, *, words: str | None = None, affected: str | None = None,
        reporter: str | None = None,
    ) -> Any: ...

    async def callback_requested(self, session: AsyncSession, callback_id: int) -> None: ...

    async def booking_update(
        self, session: AsyncSession, booking: Any, key: str, buttons: Any = None, **args: str
    ) -> None: ...

    async def low_rating(self, session: AsyncSession, outcome: Any) -> None: ...

    async def rating_due(self, session: AsyncSession, booking: Any) -> bool: ...

    async def agenda_due(self, session: AsyncSession, provider: Any, day: date) -> bool: ...

    def wake(self) -> None:
        """Send what is due now rather than at the next tick."""
