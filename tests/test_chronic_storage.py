"""The chronic care migration (0005) goes up and down on SQLite and PostgreSQL, and a
resident's chronic care data is in their export and goes with them when deleted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from actions.care_config import load_care_config
from actions.db import create_engine, create_sessionmaker, downgrade, migrate
from actions.models import GroupSession, Reading, Resident, SessionSignup
from actions.privacy import delete_resident_data, export_resident_data
from actions.readings import record_reading
from actions.sessions import ensure_sessions, sign_up
from nlu.readings import Reading as Measured
from tests.conftest import TZ, create_postgres_database, drop_postgres_database, make_resident, seed
from tests.test_storage import _tables

CHRONIC = {
    "care_plan_items", "readings", "reading_reviews", "follow_up_calls", "family_links", "proxy_bookings",
    "group_sessions", "session_signups", "waitlist_entries",
}  # fmt: skip


async def test_the_chronic_care_migration_goes_up_and_down(tmp_path) -> None:
    sqlite = f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}"
    postgres = await create_postgres_database()
    try:
        for url in (sqlite, postgres):
            await migrate(url)
            assert await _tables(url) >= CHRONIC
            await downgrade(url, "0006")
            tables = await _tables(url)
            assert not tables & CHRONIC and "bookings" in tables and "proposals" in tables
            await migrate(url)
            assert await _tables(url) >= CHRONIC
    finally:
        await drop_postgres_database(postgres)


async def test_export_and_deletion_include_chronic_care(sqlite_url, clock) -> None:
    engine = create_engine(sqlite_url)
    sm = create_sessionmaker(engine)
    try:
        await seed(sm, clock)
        async with sm() as session:
            resident = await make_resident(session, 8100, clock)
            await record_reading(session, resident_id=resident.id, reading=Measured("bp", systolic=150, diastolic=92),
                                 thresholds=load_care_config().thresholds, clock=clock)  # fmt: skip
            await session.commit()
            await ensure_sessions(session, config=load_care_config(), start_day=clock().astimezone(TZ).date(), tz=TZ)
            await session.commit()
            group = await session.scalar(select(GroupSession).where(GroupSession.starts_at > clock() + timedelta(days=1)))
            await sign_up(session, session_id=group.id, resident_id=resident.id, clock=clock)
            data = await export_resident_data(session, resident.id)
            assert data["readings"][0]["systolic"] == 150 and data["readings"][0]["level"] == "high"
            assert data["session_signups"][0]["status"] == "signed"
            await delete_resident_data(session, resident.id, clock=clock)
        async with sm() as session:
            assert await session.scalar(select(func.count()).select_from(Reading)) == 0
            assert await session.scalar(select(func.count()).select_from(SessionSignup)) == 0
            assert await session.scalar(select(func.count()).select_from(Resident)) == 0
            assert (await session.get(GroupSession, group.id)).booked == 0  # the seat is free again
    finally:
        await engine.dispose()
