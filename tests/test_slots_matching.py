"""Slot generation from weekly hours and exceptions, and matching: tiers, filters,
diversity, the never-a-dead-end alternatives, urgent same-day."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import func, select

from actions.catalog import load_catalog
from actions.contracts import sign_contract
from actions.matching import MatchRequest, match
from actions.models import Provider, ScheduleException, ScheduleRule, Slot
from actions.slots import ensure_slots, generate_slot_times
from tests.conftest import TZ, make_resident, seed

MONDAY = date(2026, 11, 23)


def rule(**kw) -> ScheduleRule:  # type: ignore[no-untyped-def]
    values = dict(provider_id=1, weekday=0, start_time=time(8), end_time=time(11, 40), slot_minutes=20, modality="clinic", capacity=1)
    values.update(kw)
    return ScheduleRule(**values)


def test_slots_follow_the_weekly_hours_in_local_time() -> None:
    times = generate_slot_times(rule(), MONDAY, TZ)
    assert len(times) == 11  # 08:00 … 11:20
    first, last = times[0], times[-1]
    assert first[0].astimezone(TZ).time() == time(8) and first[1] - first[0] == timedelta(minutes=20)
    assert last[0].astimezone(TZ).time() == time(11, 20)
    assert generate_slot_times(rule(), MONDAY + timedelta(days=1), TZ) == []  # not a Monday


def test_exceptions_remove_whole_days_and_parts_of_days() -> None:
    whole = ScheduleException(day=MONDAY, reason="holiday")
    assert generate_slot_times(rule(), MONDAY, TZ, [whole]) == []
    partial = ScheduleException(day=MONDAY, start_time=time(9), end_time=time(10), reason="training")
    kept = [s.astimezone(TZ).time() for s, _ in generate_slot_times(rule(), MONDAY, TZ, [partial])]
    assert time(9) not in kept and time(9, 40) not in kept and time(8, 40) in kept and time(10) in kept


async def test_generation_is_idempotent_and_respects_leave_and_holidays(sessionmaker, clock) -> None:
    await seed(sessionmaker, clock)
    async with sessionmaker() as session:
        assert await ensure_slots(session, start_day=MONDAY, days=14, tz=TZ) == 0
        chen = (await session.scalars(select(Provider).where(Provider.code == "dr_chen"))).one()
        leave_day_slots = await session.scalar(
            select(func.count()).select_from(Slot).where(
                Slot.provider_id == chen.id,
                Slot.starts_at >= _local(date(2026, 11, 27)),
                Slot.starts_at < _local(date(2026, 11, 28)),
            )
        )
        assert leave_day_slots == 0  # Dr Chen's leave on Friday 27 November
        sessions = (await session.scalars(select(Slot).where(Slot.capacity == 6))).all()
        assert sessions and all(s.services == ["vaccination"] for s in sessions)


def _local(day: date):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.combine(day, time(0), TZ)


async def _resident_with_wang(sessionmaker, clock, telegram_id: int = 1):  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        resident = await make_resident(session, telegram_id, clock)
        wang = (await session.scalars(select(Provider).where(Provider.code == "dr_wang"))).one()
        await sign_contract(session, resident_id=resident.id, provider_id=wang.id, clock=clock)
        return resident.id


async def test_the_contracted_family_doctor_comes_first_with_real_choice(sessionmaker, clock) -> None:
    await seed(sessionmaker, clock)
    resident_id = await _resident_with_wang(sessionmaker, clock)
    async with sessionmaker() as session:
        result = await match(session, resident_id=resident_id, request=MatchRequest("bp_check"), catalog=load_catalog(), clock=clock, tz=TZ)
    assert result.exact and len(result.offers) == 5
    assert result.offers[0].tier == "family_doctor" and result.offers[0].provider_name_zh == "王芳"
    half_days = {(o.starts_at.astimezone(TZ).date(), o.starts_at.astimezone(TZ).hour < 12) for o in result.offers}
    assert len(half_days) >= 3  # not five slots of one morning
    assert all(o.starts_at >= clock() + timedelta(hours=1) for o in result.offers)


async def test_filters_and_the_nearest_alternatives_with_reasons(sessionmaker, clock) -> None:
    await seed(sessionmaker, clock)
    resident_id = await _resident_with_wang(sessionmaker, clock)
    catalog = load_catalog()
    saturday = _local(date(2026, 11, 28))
    async with sessionmaker() as session:
        female_home = await match(
            session, resident_id=resident_id, catalog=catalog, clock=clock, tz=TZ,
            request=MatchRequest("home_nursing", modality="home_visit", provider_gender="female"),
        )  # fmt: skip
        assert female_home.exact and {o.provider_gender for o in female_home.offers} == {"female"}
        assert {o.modality for o in female_home.offers} == {"home_visit"}
        # No home visits for a BP check on a Saturday: the nearest other times, and why.
        weekend = await match(
            session, resident_id=resident_id, catalog=catalog, clock=clock, tz=TZ,
            request=MatchRequest("bp_check", saturday, saturday + timedelta(days=1), "home_visit"),
        )  # fmt: skip
        # There are no home visits on Saturdays at all: "no sessions", never "fully booked".
        assert not weekend.exact and weekend.offers and "window_no_sessions" in weekend.reasons
        assert "window_full" not in weekend.reasons
        assert all(o.modality == "home_visit" for o in weekend.offers)
        # Bathing help by a female volunteer on a Thursday (only a man volunteers then).
        thursday = _local(date(2026, 11, 26))
        bathing = await match(
            session, resident_id=resident_id, catalog=catalog, clock=clock, tz=TZ,
            request=MatchRequest("bathing_assist", thursday, thursday + timedelta(days=1), provider_gender="female"),
        )  # fmt: skip
        assert not bathing.exact and bathing.offers and bathing.reasons


async def test_urgent_requests_get_the_earliest_same_day_slots(sessionmaker, clock) -> None:
    await seed(sessionmaker, clock)
    resident_id = await _resident_with_wang(sessionmaker, clock)
    end_of_day = _local(date(2026, 11, 24))
    async with sessionmaker() as session:
        result = await match(
            session, resident_id=resident_id, catalog=load_catalog(), clock=clock, tz=TZ,
            request=MatchRequest("general_consult", clock(), end_of_day, urgency="urgent"),
        )  # fmt: skip
    starts = [o.starts_at for o in result.offers]
    assert result.exact and starts == sorted(starts)
    assert starts[0] - clock() <= timedelta(minutes=40) and all(s < end_of_day for s in starts)


async def test_fully_booked_only_when_the_time_has_sessions_and_they_are_full(sessionmaker, clock) -> None:
    """Tuesday morning has blood-pressure sessions: once every one is taken the reason
    is "fully booked"; Sunday morning has none: "no sessions then". Both offer the
    nearest other times."""
    from sqlalchemy import update

    await seed(sessionmaker, clock)
    resident_id = await _resident_with_wang(sessionmaker, clock)
    catalog = load_catalog()
    tuesday = _local(date(2026, 11, 24))
    morning = (tuesday + timedelta(hours=7), tuesday + timedelta(hours=12))
    async with sessionmaker() as session:
        before = await match(
            session, resident_id=resident_id, catalog=catalog, clock=clock, tz=TZ,
            request=MatchRequest("bp_check", *morning, "clinic"),
        )  # fmt: skip
        assert before.exact and before.offers
        await session.execute(
            update(Slot).where(Slot.starts_at >= morning[0], Slot.starts_at < morning[1]).values(booked=Slot.capacity)
        )
        await session.commit()
        full = await match(
            session, resident_id=resident_id, catalog=catalog, clock=clock, tz=TZ,
            request=MatchRequest("bp_check", *morning, "clinic"),
        )  # fmt: skip
        assert not full.exact and full.offers and full.reasons[0] == "window_full"
        sunday = _local(date(2026, 11, 29))
        closed = await match(
            session, resident_id=resident_id, catalog=catalog, clock=clock, tz=TZ,
            request=MatchRequest("bp_check", sunday + timedelta(hours=7), sunday + timedelta(hours=12), "clinic"),
        )  # fmt: skip
        assert not closed.exact and closed.offers and closed.reasons[0] == "window_no_sessions"
        # Past the last day the calendar holds (除夕 asked for weeks ahead): not open yet.
        latest = await session.scalar(select(func.max(Slot.starts_at)))
        later = _local(latest.astimezone(TZ).date() + timedelta(days=20))
        ahead = await match(
            session, resident_id=resident_id, catalog=catalog, clock=clock, tz=TZ,
            request=MatchRequest("bp_check", later + timedelta(hours=8), later + timedelta(hours=12), "clinic"),
        )  # fmt: skip
        assert not ahead.exact and ahead.offers and ahead.reasons[0] == "window_not_open"
