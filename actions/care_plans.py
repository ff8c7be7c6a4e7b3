"""Care plans (医防融合): residents in priority groups get items with due dates from
data/care.yaml (quarterly hypertension and diabetes follow-ups, the annual 65+
check-up, child health checks, prenatal visits). Ahead of each due date the resident
is offered slots with their family doctor; a booking made from the offer is tied to
the item; the visit marked done completes it and plans the next; an item past its due
date and not done goes to the family doctor's agenda."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.care_config import CareConfig, CarePlan
from actions.clock import Clock
from actions.models import Booking, CarePlanItem, Contract, Resident
from actions.residents import effective_priority_groups

OPEN = ("open", "offered", "booked")


class ItemClosed(Exception):
    """Not this resident's item, or done already."""


async def _last_done(session: AsyncSession, resident_id: int, plan: CarePlan) -> date | None:
    """When the resident last had this plan's service: a completed item or a visit
    marked done."""
    item_done = await session.scalar(
        select(CarePlanItem.completed_at)
        .where(CarePlanItem.resident_id == resident_id, CarePlanItem.plan_code == plan.code, CarePlanItem.status == "done")
        .order_by(CarePlanItem.completed_at.desc())
        .limit(1)
    )
    visit_done = await session.scalar(
        select(Booking.completed_at)
        .where(Booking.resident_id == resident_id, Booking.service_code == plan.service, Booking.status == "done")
        .order_by(Booking.completed_at.desc())
        .limit(1)
    )
    found = [d for d in (item_done, visit_done) if d is not None]
    return max(found).date() if found else None


async def plan_for_resident(
    session: AsyncSession, *, resident: Resident, config: CareConfig, today: date, clock: Clock
) -> list[CarePlanItem]:
    """Makes sure each of the resident's plans has its next item; returns the new ones.
    In the caller's transaction."""
    created: list[CarePlanItem] = []
    for plan in config.plans_for(effective_priority_groups(resident, today)):
        current = await session.scalar(
            select(CarePlanItem.id).where(
                CarePlanItem.resident_id == resident.id, CarePlanItem.plan_code == plan.code,
                CarePlanItem.status.in_(OPEN),
            )
        )  # fmt: skip
        if current is not None:
            continue
        last = await _last_done(session, resident.id, plan)
        if last is not None:
            due = last + timedelta(days=plan.every_days)
        else:
            due = resident.created_at.date() + timedelta(days=plan.first_due_days)
        item = CarePlanItem(
            resident_id=resident.id, plan_code=plan.code, service_code=plan.service, due_on=due,
            status="open", created_at=clock(),
        )  # fmt: skip
        try:
            async with session.begin_nested():
                session.add(item)
        except IntegrityError:
            continue
        created.append(item)
    return created


async def plan_everyone(session: AsyncSession, *, config: CareConfig, today: date, clock: Clock) -> int:
    residents = (
        await session.scalars(select(Resident).where(Resident.consent_at.is_not(None), Resident.birth_year.is_not(None)))
    ).all()
    count = 0
    for resident in residents:
        count += len(await plan_for_resident(session, resident=resident, config=config, today=today, clock=clock))
    return count


async def items_to_offer(session: AsyncSession, *, config: CareConfig, today: date) -> list[CarePlanItem]:
    """Open items within their plan's offer window (or past due), not offered yet."""
    items = (
        await session.scalars(
            select(CarePlanItem)
            .where(CarePlanItem.status == "open")
            .options(selectinload(CarePlanItem.resident))
            .order_by(CarePlanItem.due_on)
        )
    ).all()
    due = []
    for item in items:
        plan = config.plan(item.plan_code)
        if plan is not None and item.due_on - timedelta(days=plan.offer_days_before) <= today:
            due.append(item)
    return due


async def mark_offered(session: AsyncSession, *, item_id: int, clock: Clock) -> bool:
    result = await session.execute(
        update(CarePlanItem).where(CarePlanItem.id == item_id, CarePlanItem.status == "open").values(status="offered", offered_at=clock())
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def get_item(session: AsyncSession, item_id: int) -> CarePlanItem | None:
    return await session.scalar(
        select(CarePlanItem)
        .where(CarePlanItem.id == item_id)
        .options(selectinload(CarePlanItem.resident))
        .execution_options(populate_existing=True)
    )


async def attach_booking(session: AsyncSession, *, item_id: int, resident_id: int, booking_id: int) -> bool:
    """The booking made from a plan offer fulfils the item once done."""
    result = await session.execute(
        update(CarePlanItem)
        .where(CarePlanItem.id == item_id, CarePlanItem.resident_id == resident_id, CarePlanItem.status.in_(("open", "offered")))
        .values(status="booked", booking_id=booking_id)
    )
    await session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def complete_for_booking(
    session: AsyncSession, *, booking: Booking, config: CareConfig, clock: Clock
) -> list[CarePlanItem]:
    """A visit marked done completes the resident's open item of that service (the one
    booked from the offer first) and plans the next. In the caller's transaction."""
    items = (
        await session.scalars(
            select(CarePlanItem)
            .where(
                CarePlanItem.resident_id == booking.resident_id, CarePlanItem.service_code == booking.service_code,
                CarePlanItem.status.in_(OPEN),
            )
            .order_by((CarePlanItem.booking_id == booking.id).desc(), CarePlanItem.due_on)
        )
    ).all()  # fmt: skip
    done: list[CarePlanItem] = []
    now = clock()
    for item in items[:1]:
        result = await session.execute(
            update(CarePlanItem)
            .where(CarePlanItem.id == item.id, CarePlanItem.status.in_(OPEN))
            .values(status="done", completed_at=now, booking_id=booking.id)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        plan = config.plan(item.plan_code)
        if plan is not None:
            next_due = now.date() + timedelta(days=plan.every_days)
            try:
                async with session.begin_nested():
                    session.add(
                        CarePlanItem(
                            resident_id=item.resident_id, plan_code=plan.code, service_code=plan.service,
                            due_on=next_due, status="open", created_at=now,
                        )
                    )  # fmt: skip
            except IntegrityError:
                pass
        done.append(item)
    return done


async def escalate_overdue(session: AsyncSession, *, config: CareConfig, today: date, clock: Clock) -> int:
    """Items past due (plus the plan's grace) and not done are put on the family
    doctor's agenda once. In the caller's transaction."""
    items = (
        await session.scalars(
            select(CarePlanItem).where(
                CarePlanItem.status.in_(("open", "offered")), CarePlanItem.escalated_at.is_(None), CarePlanItem.due_on < today
            )
        )
    ).all()
    count = 0
    for item in items:
        plan = config.plan(item.plan_code)
        grace = plan.overdue_days if plan is not None else 0
        if item.due_on + timedelta(days=grace) < today:
            item.escalated_at = clock()
            count += 1
    await session.flush()
    return count


async def overdue_for_doctor(session: AsyncSession, *, provider_id: int) -> list[CarePlanItem]:
    """Escalated items, not done, of the residents whose household is contracted with
    this doctor: the doctor's agenda lists them."""
    households = select(Contract.household_id).where(Contract.provider_id == provider_id, Contract.status == "active")
    return list(
        (
            await session.scalars(
                select(CarePlanItem)
                .join(Resident, Resident.id == CarePlanItem.resident_id)
                .where(
                    CarePlanItem.escalated_at.is_not(None), CarePlanItem.status.in_(("open", "offered")),
                    Resident.household_id.in_(households),
                )
                .options(selectinload(CarePlanItem.resident))
                .order_by(CarePlanItem.due_on)
            )
        ).all()
    )  # fmt: skip


async def resident_items(session: AsyncSession, *, resident_id: int) -> list[CarePlanItem]:
    return list(
        (
            await session.scalars(
                select(CarePlanItem)
                .where(CarePlanItem.resident_id == resident_id, CarePlanItem.status.in_(OPEN))
                .order_by(CarePlanItem.due_on)
            )
        ).all()
    )


def window_for(item: CarePlanItem, plan: CarePlan | None, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Where to look for slots for an item: from now until a week past its due date
    (and at least two weeks)."""
    end_day = max(item.due_on + timedelta(days=7), now.astimezone(tz).date() + timedelta(days=14))
    return now, datetime.combine(end_day, datetime.min.time(), tz)
