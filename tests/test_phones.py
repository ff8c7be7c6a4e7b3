"""Phone numbers read with phonenumbers: stored in E.164, shown in the local format,
full-width digits accepted, numbers that cannot exist refused with a kind reply, and
the data migration that rewrites the rows stored before (up and down, SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from actions.db import create_engine, downgrade, migrate
from actions.models import Resident
from actions.residents import display_phone, normalise_phone, phone_problem
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.harness import Jiayi, running_jiayi

USER = 611


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),  # full-width digits
        ("138-0013-8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("0086 13800138000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),  # how Telegram shares a contact
        ("010-6422 1234", "+861064221234"),
        ("（010）64221234", "+861064221234"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_are_stored_in_e164(typed: str, stored: str) -> None:
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["+99912345678", "6422123", "64221234", "12345", "1380013800", "电话", ""])
def test_numbers_that_cannot_exist_are_refused(typed: str) -> None:
    assert normalise_phone(typed) is None


def test_a_landline_without_area_code_is_told_apart() -> None:
    assert phone_problem("6422123") == "area_code"
    assert phone_problem("6422 1234") == "area_code"
    assert phone_problem("+99912345678") == "invalid"


def test_numbers_are_shown_in_the_local_format() -> None:
    assert display_phone("+8613800138000") == "138 0013 8000"
    assert display_phone("+861064221234") == "010 6422 1234"
    assert display_phone("+442079460958") == "+44 20 7946 0958"
    assert display_phone("not a number") == "not a number"
    assert display_phone(None) == ""


async def _to_phone_step(j: Jiayi) -> None:
    j.api.user(USER, first_name="赵大爷", language_code="zh")
    await j.say(USER, "/start")
    await j.tap(USER, "中文")
    await j.tap(USER, "✅ 同意")
    await j.say(USER, "赵建国")


async def _stored(j: Jiayi) -> Resident:
    async with j.app.deps.sessionmaker() as session:
        return (await session.scalars(select(Resident).where(Resident.telegram_id == USER))).one()


async def test_onboarding_reads_phones_with_the_library(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await _to_phone_step(j)
        sent = await j.say(USER, "+99912345678")
        assert "号码好像不对" in sent[-1].text
        sent = await j.say(USER, "6422123")
        assert "区号" in sent[-1].text  # a Beijing landline without its area code
        assert (await _stored(j)).phone is None
        sent = await j.say(USER, "１３９ ００１３ ９０００")
        assert "出生" in sent[-1].text
        assert (await _stored(j)).phone == "+8613900139000"
        await j.say(USER, "1948")
        await j.say(USER, "和平里一区3号楼2单元501")
        await j.tap(USER, "👍 好了")
        sent = await j.say(USER, "王小明 6422123")
        assert "区号" in sent[-1].text
        sent = await j.say(USER, "王小明，０１０－６４２２１２３４")
        assert "资料填好了" in " ".join(s.text or "" for s in sent)
        resident = await _stored(j)
        assert resident.emergency_contact_name == "王小明"
        assert resident.emergency_contact_phone == "+861064221234"


async def test_a_shared_contact_as_telegram_sends_it_is_stored(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await _to_phone_step(j)
        await j.do(j.api.send_contact(USER, "8613800138000"))
        assert "出生" in j.last_text(USER)
        assert (await _stored(j)).phone == "+8613800138000"


async def test_providers_read_phones_in_the_local_format(tmp_path, clock) -> None:
    """The booking summary shows the resident's number as people dial it."""
    from tests.test_e2e_booking import link_doctor, onboard, sign_with_wang

    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, USER, "zh")
        await sign_with_wang(j, USER, "zh")
        await j.say(USER, "明天上午到社区医院量血压")
        offer = next(b for b in j.buttons(USER) if "·" in b)
        await j.tap(USER, offer)
        await j.tap(USER, "✅ 确认预约")
        await j.dispatch()
        summary = next(s.text for s in j.api.sent(901) if "新预约" in (s.text or ""))
        assert "电话：138 0013 8000" in summary


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_the_migration_rewrites_stored_phones_up_and_down(database: str, tmp_path, clock) -> None:
    url = await create_postgres_database() if database == "postgres" else f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}"
    try:
        if database == "postgres":
            await downgrade(url, "0003")  # it was created at head
        else:
            await migrate(url, "0003")
        engine = create_engine(url)
        rows = {
            1: ("13800138000", "01064221234"),
            2: ("+442079460958", None),
            3: ("not a number", "13900139000"),
        }
        # Rows as the schema of that revision has them (plain SQL: the models follow head).
        async with engine.begin() as conn:
            for telegram_id, (phone, contact) in rows.items():
                await conn.execute(
                    text(
                        "INSERT INTO residents (telegram_id, chat_id, language, community, priority_groups, "
                        "voice_replies, unreachable, created_at, phone, emergency_contact_phone) VALUES "
                        "(:id, :id, 'zh', 'hpl1', '[]', false, false, :now, :phone, :contact)"
                    ),
                    {"id": telegram_id, "now": clock(), "phone": phone, "contact": contact},
                )
        await migrate(url, "0006")

        async def phones() -> dict[int, tuple[str | None, str | None]]:
            async with engine.connect() as conn:
                result = await conn.execute(
                    text("SELECT telegram_id, phone, emergency_contact_phone FROM residents ORDER BY telegram_id")
                )
                return {r[0]: (r[1], r[2]) for r in result}

        assert await phones() == {
            1: ("+8613800138000", "+861064221234"),
            2: ("+442079460958", None),
            3: ("not a number", "+8613900139000"),
        }
        await downgrade(url, "0003")
        assert await phones() == rows
        await engine.dispose()
    finally:
        if database == "postgres":
            await drop_postgres_database(url)
