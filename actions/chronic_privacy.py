"""A resident's chronic care data in their export, and the seats they held given back
when they delete their data (the rows themselves go with the resident: ON DELETE
CASCADE)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import (
    CarePlanItem,
    FamilyLink,
    FollowUpCall,
    GroupSession,
    Reading,
    ReadingReview,
    SessionSignup,
    WaitlistEntry,
)
from actions.waitlist import free_seat


def _row(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


async def export_chronic_care(session: AsyncSession, resident_id: int) -> dict[str, Any]:
    async def rows(model: Any, condition: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
        return [_row(r, fields) for r in (await session.scalars(select(model).where(condition))).all()]

    return {
        "readings": await rows(Reading, Reading.resident_id == resident_id,
                               ("kind", "systolic", "diastolic", "pulse", "glucose", "context", "level", "channel",
                                "reported_by_id", "measured_at")),
        "reading_reviews": await rows(ReadingReview, ReadingReview.resident_id == resident_id,
                                      ("kind", "status", "guidance", "provider_id", "created_at", "answered_at")),
        "care_plan_items": await rows(CarePlanItem, CarePlanItem.resident_id == resident_id,
                                      ("plan_code", "service_code", "due_on", "status", "booking_id", "completed_at")),
        "follow_up_calls": await rows(FollowUpCall, FollowUpCall.resident_id == resident_id,
                                      ("booking_id", "provider_id", "due_at", "status", "done_at")),
        "family_links": await rows(FamilyLink, or_(FamilyLink.member_id == resident_id, FamilyLink.elder_id == resident_id),
                                   ("member_id", "elder_id", "relation", "status", "receives_alerts", "confirmed_at", "revoked_at")),
        "session_signups": await rows(SessionSignup, SessionSignup.resident_id == resident_id,
                                      ("session_id", "status", "created_at", "cancelled_at", "attended_at")),
        "waitlist": await rows(WaitlistEntry, WaitlistEntry.resident_id == resident_id,
                               ("target_kind", "target_id", "service_code", "status", "created_at", "hold_until")),
    }  # fmt: skip


async def release_chronic_seats(session: AsyncSession, resident_id: int) -> None:
    """Seats at sessions still to come, and seats held for them from a waitlist."""
    signed = (
        await session.scalars(
            select(SessionSignup.session_id)
            .join(GroupSession, GroupSession.id == SessionSignup.session_id)
            .where(SessionSignup.resident_id == resident_id, SessionSignup.status == "signed")
        )
    ).all()
    for session_id in signed:
        await free_seat(session, "session", session_id)
    held = (
        await session.execute(
            select(WaitlistEntry.target_kind, WaitlistEntry.target_id).where(
                WaitlistEntry.resident_id == resident_id, WaitlistEntry.status == "offered"
            )
        )
    ).all()
    for kind, target_id in held:
        await free_seat(session, kind, target_id)
