"""Chronic care numbers for the centre's staff (seed 003 reports them for the
family-doctor contract: 重点人群签约率, 血压控制率, 血糖控制率): follow-up completion,
blood pressure and glucose control rates from home readings, priority-group coverage
and lecture attendance."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import (
    CarePlanItem,
    Contract,
    FollowUpCall,
    GroupSession,
    Reading,
    Resident,
    SessionSignup,
)
from actions.residents import effective_priority_groups


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class ChronicCareReport:
    since: str
    # The family doctor's phone follow-ups after a service: due in the period, done,
    # and done within the window (by due_at).
    follow_up_calls: int = 0
    follow_up_calls_done: int = 0
    follow_up_calls_on_time: int = 0
    follow_up_completion_rate: float | None = None
    # Care plan items due in the period and done.
    plan_items_due: int = 0
    plan_items_done: int = 0
    plan_completion_rate: float | None = None
    plan_items_overdue: int = 0
    # Residents with home readings in the period whose latest reading is below target.
    bp_residents: int = 0
    bp_controlled: int = 0
    bp_control_rate: float | None = None
    glucose_residents: int = 0
    glucose_controlled: int = 0
    glucose_control_rate: float | None = None
    readings: int = 0
    urgent_readings: int = 0
    # Residents in a priority group (65+ counted from the birth year) with an active
    # family-doctor contract (重点人群签约率).
    priority_residents: int = 0
    priority_contracted: int = 0
    priority_coverage: float | None = None
    # Seats taken at sessions held in the period, and those attended.
    lecture_signups: int = 0
    lecture_attended: int = 0
    lecture_attendance_rate: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def _control(session: AsyncSession, kind: str, since: datetime) -> tuple[int, int]:
    """(residents with readings of `kind`, residents whose latest such reading is in
    control). For glucose a fasting reading is preferred when there is one."""
    rows = (
        await session.execute(
            select(Reading.resident_id, Reading.level, Reading.context, Reading.measured_at)
            .where(Reading.kind == kind, Reading.measured_at >= since)
            .order_by(Reading.resident_id, Reading.measured_at)
        )
    ).all()
    latest: dict[int, tuple[str, str | None]] = {}
    fasting: dict[int, str] = {}
    for resident_id, level, context, _ in rows:
        latest[resident_id] = (level, context)
        if context == "fasting":
            fasting[resident_id] = level
    controlled = 0
    for resident_id, (level, _) in latest.items():
        decisive = fasting.get(resident_id, level) if kind == "glucose" else level
        controlled += decisive == "normal"
    return len(latest), controlled


async def chronic_care_report(session: AsyncSession, *, since: datetime, now: datetime, today: date) -> ChronicCareReport:
    report = ChronicCareReport(since=since.isoformat())

    calls = (
        await session.execute(
            select(FollowUpCall.status, FollowUpCall.done_at, FollowUpCall.due_at).where(FollowUpCall.created_at >= since)
        )
    ).all()
    report.follow_up_calls = len(calls)
    report.follow_up_calls_done = sum(1 for status, _, _ in calls if status == "done")
    report.follow_up_calls_on_time = sum(
        1 for status, done_at, due in calls if status == "done" and done_at is not None and done_at <= due
    )
    report.follow_up_completion_rate = _rate(report.follow_up_calls_on_time, report.follow_up_calls)

    items = (
        await session.execute(
            select(CarePlanItem.status, CarePlanItem.escalated_at).where(
                CarePlanItem.due_on >= since.date(), CarePlanItem.due_on <= today
            )
        )
    ).all()
    report.plan_items_due = len(items)
    report.plan_items_done = sum(1 for status, _ in items if status == "done")
    report.plan_completion_rate = _rate(report.plan_items_done, report.plan_items_due)
    report.plan_items_overdue = int(
        await session.scalar(
            select(func.count()).select_from(CarePlanItem).where(
                CarePlanItem.escalated_at.is_not(None), CarePlanItem.status.in_(("open", "offered"))
            )
        )
        or 0
    )

    report.bp_residents, report.bp_controlled = await _control(session, "bp", since)
    report.bp_control_rate = _rate(report.bp_controlled, report.bp_residents)
    report.glucose_residents, report.glucose_controlled = await _control(session, "glucose", since)
    report.glucose_control_rate = _rate(report.glucose_controlled, report.glucose_residents)
    report.readings = int(await session.scalar(select(func.count()).select_from(Reading).where(Reading.measured_at >= since)) or 0)
    report.urgent_readings = int(
        await session.scalar(
            select(func.count()).select_from(Reading).where(Reading.measured_at >= since, Reading.level.in_(("very_high", "low")))
        )
        or 0
    )

    contracted = set(
        (await session.scalars(select(Contract.household_id).where(Contract.status == "active"))).all()
    )
    for resident in (await session.scalars(select(Resident).where(Resident.consent_at.is_not(None)))).all():
        if effective_priority_groups(resident, today):
            report.priority_residents += 1
            report.priority_contracted += resident.household_id in contracted
    report.priority_coverage = _rate(report.priority_contracted, report.priority_residents)

    seats = (
        await session.execute(
            select(SessionSignup.status)
            .join(GroupSession, GroupSession.id == SessionSignup.session_id)
            .where(GroupSession.starts_at >= since, GroupSession.starts_at <= now, SessionSignup.status.in_(("signed", "attended")))
        )
    ).scalars().all()
    report.lecture_signups = len(seats)
    report.lecture_attended = sum(1 for s in seats if s == "attended")
    report.lecture_attendance_rate = _rate(report.lecture_attended, report.lecture_signups)
    return report


def format_chronic_report(data: dict[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    return "\n".join(
        [
            "chronic care (医防融合)",
            f"  follow-up calls {data['follow_up_calls']}, done {data['follow_up_calls_done']}, on time "
            f"{data['follow_up_calls_on_time']} ({pct(data['follow_up_completion_rate'])})",
            f"  care plan items due {data['plan_items_due']}, done {data['plan_items_done']} "
            f"({pct(data['plan_completion_rate'])}), overdue on agendas {data['plan_items_overdue']}",
            f"  BP control {data['bp_controlled']}/{data['bp_residents']} ({pct(data['bp_control_rate'])}), "
            f"glucose control {data['glucose_controlled']}/{data['glucose_residents']} ({pct(data['glucose_control_rate'])}), "
            f"readings {data['readings']}, urgent {data['urgent_readings']}",
            f"  priority-group coverage {data['priority_contracted']}/{data['priority_residents']} "
            f"({pct(data['priority_coverage'])})",
            f"  lecture attendance {data['lecture_attended']}/{data['lecture_signups']} "
            f"({pct(data['lecture_attendance_rate'])})",
        ]
    )
