"""Home readings (血压, 血糖) as observations: classified against the thresholds in
data/care.yaml, kept per resident, and turned into reviews for the family doctor when
a reading is very high or low (urgent) or high readings repeat. The doctor's guidance
is stored with the review and goes back to the resident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.care_config import Thresholds
from actions.clock import Clock
from actions.contracts import contracted_doctor
from actions.models import Reading, ReadingReview

KINDS = ("bp", "glucose")
CONTEXTS = ("fasting", "after_meal", "random")
LEVELS = ("normal", "high", "very_high", "low")
REVIEW_KINDS = ("urgent", "repeated")
URGENT_LEVELS = ("very_high", "low")
HIGH_LEVELS = ("high", "very_high")
MAX_GUIDANCE = 2000


class ReviewClosed(Exception):
    """The review was answered already, or is not this provider's to answer."""


@dataclass(frozen=True)
class RecordedReading:
    reading: Reading
    # A review the family doctor must see: "urgent" or "repeated"; None otherwise.
    review: ReadingReview | None


def classify(
    th: Thresholds,
    *,
    kind: str,
    systolic: int | None = None,
    diastolic: int | None = None,
    glucose: float | None = None,
    context: str | None = None,
) -> str:
    """normal | high | very_high | low."""
    if kind == "bp":
        assert systolic is not None and diastolic is not None
        if systolic >= th.bp_very_high_systolic or diastolic >= th.bp_very_high_diastolic:
            return "very_high"
        if systolic < th.bp_low_systolic:
            return "low"
        if systolic >= th.bp_target_systolic or diastolic >= th.bp_target_diastolic:
            return "high"
        return "normal"
    assert glucose is not None
    if glucose < th.glucose_low:
        return "low"
    if glucose >= th.glucose_very_high:
        return "very_high"
    if glucose >= th.glucose_target_for(context):
        return "high"
    return "normal"


def in_control(th: Thresholds, reading: Reading) -> bool:
    """Below the target (and not hypoglycaemic): what the control rates count."""
    return reading.level == "normal"


async def record_reading(
    session: AsyncSession,
    *,
    resident_id: int,
    reading: Any,
    thresholds: Thresholds,
    clock: Clock,
    channel: str = "text",
    reported_by_id: int | None = None,
) -> RecordedReading:
    """Stores one reading (an nlu Reading or anything with its fields) and opens a
    review when it is urgent, or when it makes `repeat_high.count` high readings within
    `repeat_high.days` and no review is open. In the caller's transaction (not
    committed)."""
    level = classify(
        thresholds, kind=reading.kind, systolic=reading.systolic, diastolic=reading.diastolic,
        glucose=reading.value, context=reading.context,
    )  # fmt: skip
    row = Reading(
        resident_id=resident_id,
        kind=reading.kind,
        systolic=reading.systolic,
        diastolic=reading.diastolic,
        pulse=reading.pulse,
        glucose=reading.value,
        context=reading.context if reading.kind == "glucose" else None,
        level=level,
        channel=channel,
        reported_by_id=reported_by_id,
        measured_at=clock(),
    )
    session.add(row)
    await session.flush()
    review_kind: str | None = None
    if level in URGENT_LEVELS:
        review_kind = "urgent"
    elif level == "high":
        since = clock() - timedelta(days=thresholds.repeat_high_days)
        highs = await session.scalar(
            select(func.count()).select_from(Reading).where(
                Reading.resident_id == resident_id, Reading.kind == reading.kind,
                Reading.level.in_(HIGH_LEVELS), Reading.measured_at >= since,
            )
        )  # fmt: skip
        # One open review per kind of reading is enough for the doctor to look at.
        open_review = await session.scalar(
            select(ReadingReview.id)
            .join(Reading, Reading.id == ReadingReview.reading_id)
            .where(ReadingReview.resident_id == resident_id, ReadingReview.status == "open", Reading.kind == reading.kind)
            .limit(1)
        )
        if int(highs or 0) >= thresholds.repeat_high_count and open_review is None:
            review_kind = "repeated"
    review = None
    if review_kind is not None:
        doctor = await contracted_doctor(session, resident_id)
        review = ReadingReview(
            resident_id=resident_id,
            reading_id=row.id,
            provider_id=doctor.id if doctor is not None else None,
            kind=review_kind,
            status="open",
            created_at=clock(),
        )
        session.add(review)
        await session.flush()
    return RecordedReading(row, review)


async def readings_since(
    session: AsyncSession, *, resident_id: int, kind: str | None = None, since: datetime
) -> list[Reading]:
    query = select(Reading).where(Reading.resident_id == resident_id, Reading.measured_at >= since)
    if kind is not None:
        query = query.where(Reading.kind == kind)
    return list((await session.scalars(query.order_by(Reading.measured_at))).all())


async def kinds_reported(session: AsyncSession, *, resident_id: int, since: datetime) -> list[str]:
    kinds = (
        await session.scalars(
            select(Reading.kind).where(Reading.resident_id == resident_id, Reading.measured_at >= since).distinct()
        )
    ).all()
    return sorted(kinds)


async def residents_with_readings(session: AsyncSession, *, since: datetime) -> list[int]:
    return list(
        (await session.scalars(select(Reading.resident_id).where(Reading.measured_at >= since).distinct())).all()
    )


async def get_review(session: AsyncSession, review_id: int) -> ReadingReview | None:
    return await session.get(ReadingReview, review_id, populate_existing=True)


async def open_reviews(session: AsyncSession, provider_id: int) -> list[ReadingReview]:
    from sqlalchemy.orm import selectinload

    return list(
        (
            await session.scalars(
                select(ReadingReview)
                .where(ReadingReview.provider_id == provider_id, ReadingReview.status == "open")
                .options(selectinload(ReadingReview.resident))
                .order_by(ReadingReview.created_at)
            )
        ).all()
    )


async def _may_answer(session: AsyncSession, review: ReadingReview, provider_id: int) -> bool:
    """The resident's family doctor, a member of that doctor's team, or anyone when the
    resident has no family doctor (the review went to the duty chat)."""
    if review.provider_id is None or review.provider_id == provider_id:
        return True
    from actions.models import Provider

    doctor = await session.get(Provider, review.provider_id)
    me = await session.get(Provider, provider_id)
    return doctor is not None and me is not None and doctor.team_id is not None and doctor.team_id == me.team_id


async def answer_review(
    session: AsyncSession, *, review_id: int, provider_id: int, guidance: str, clock: Clock, notifier: Any = None
) -> ReadingReview:
    """The doctor's guidance, once: one conditional UPDATE from open; relayed to the
    resident (and their linked family) in the same transaction."""
    text = guidance.strip()[:MAX_GUIDANCE]
    review = await get_review(session, review_id)
    if review is None or not await _may_answer(session, review, provider_id):
        raise ReviewClosed(review_id)
    result = await session.execute(
        update(ReadingReview)
        .where(ReadingReview.id == review_id, ReadingReview.status == "open")
        .values(status="answered", guidance=text, answered_at=clock())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise ReviewClosed(review_id)
    review = await get_review(session, review_id)
    assert review is not None
    try:
        if notifier is not None:
            await notifier.guidance_given(session, review, provider_id)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    if notifier is not None:
        notifier.wake()
    return review
