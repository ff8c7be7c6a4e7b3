"""What the rest of Jiayi tells the notification layer. The care loop implements it
with a database outbox (scheduler/); each call records what to send and commits."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class Notifier(Protocol):
    async def booking_created(self, session: AsyncSession, booking_id: int) -> None: ...

    async def booking_cancelled(self, session: AsyncSession, booking_id: int) -> None: ...

    async def booking_rescheduled(
        self, session: AsyncSession, old_booking_id: int, new_booking_id: int
    ) -> None: ...

    async def emergency_raised(self, session: AsyncSession, event_id: int) -> None: ...

    async def callback_requested(self, session: AsyncSession, callback_id: int) -> None: ...
