"""Deleting what is past its purpose: a visit long over, its rating and events, old
service requests, emergency records and call-backs, spent invite codes and web login links. What is kept
and for how long is set by RETENTION_DAYS (and OUTBOX_RETENTION_DAYS for messages)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import (
    Booking,
    CallbackRequest,
    EmergencyEvent,
    ProviderInvite,
    ServiceRequest,
    WebLogin,
)


async def apply_retention_policy(session: AsyncSession, *, before: datetime) -> dict[str, int]:
    """Deletes records older than `before`, in the caller's transaction. Ratings,
    follow-ups, booking events, proposals and rating requests go with their booking."""

    async def gone(statement) -> int:  # type: ignore[no-untyped-def]
        result = await session.execute(statement)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    return {
        "service_requests": await gone(delete(ServiceRequest).where(ServiceRequest.created_at < before)),
        "bookings": await gone(delete(Booking).where(Booking.ends_at < before)),
        "emergencies": await gone(delete(EmergencyEvent).where(EmergencyEvent.created_at < before)),
        "callbacks": await gone(delete(CallbackRequest).where(CallbackRequest.created_at < before)),
        "invites": await gone(delete(ProviderInvite).where(ProviderInvite.expires_at < before)),
        "web_logins": await gone(delete(WebLogin).where(WebLogin.expires_at < before)),
    }
