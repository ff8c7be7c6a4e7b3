"""A resident confirms a slot that someone else took a moment earlier: the booking
fails cleanly and the resident is offered other times in the same reply."""

from __future__ import annotations

from sqlalchemy import select

from actions.booking import book
from actions.clock import system_clock
from actions.models import Booking, Resident, Slot
from actions.residents import get_or_create_resident, record_consent, update_profile
from tests.harness import running_jiayi
from tests.test_e2e_booking import RESIDENT, onboard, sign_with_wang

OTHER = 777


async def test_confirming_a_slot_just_taken_gets_new_offers(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        await j.say(RESIDENT, "明天上午到社区医院量血压")
        offers = [b for b in j.buttons(RESIDENT) if "·" in b]
        assert offers, j.buttons(RESIDENT)
        await j.tap(RESIDENT, offers[0])
        assert "请核对" in j.last_text(RESIDENT)

        # Someone else books every seat of that slot while the resident reads it back.
        async with j.app.deps.sessionmaker() as session:
            mine = (
                await session.scalars(select(Resident).where(Resident.telegram_id == RESIDENT))
            ).one()
            chosen = (await j.app.dp.storage.get_data(_key(j, RESIDENT))).get("chosen")
            slot = await session.get(Slot, chosen["slot_id"])
            assert slot is not None
            for seat in range(slot.capacity - slot.booked):
                other = await get_or_create_resident(
                    session,
                    telegram_id=OTHER + seat,
                    chat_id=OTHER + seat,
                    language="zh",
                    clock=system_clock,
                )
                await record_consent(session, other, system_clock)
                await update_profile(
                    session, other, name="李四", phone="+8613900000000", birth_year=1950
                )
                await book(
                    session,
                    resident_id=other.id,
                    slot_id=slot.id,
                    service_code="bp_check",
                    clock=j.app.deps.clock,
                )
            mine_id = mine.id

        sent = await j.tap(RESIDENT, "✅ 确认预约")
        texts = " ".join(s.text or "" for s in sent)
        assert "出了点问题" not in texts
        assert "约不上了" in texts
        fresh = [b for b in j.buttons(RESIDENT) if "·" in b]
        assert fresh, texts
        assert chosen["starts_at"] not in fresh
        async with j.app.deps.sessionmaker() as session:
            assert (
                await session.scalars(select(Booking).where(Booking.resident_id == mine_id))
            ).all() == []

        # One of the new offers can be booked.
        await j.tap(RESIDENT, fresh[0])
        sent = await j.tap(RESIDENT, "✅ 确认预约")
        assert any("预约好了" in (s.text or "") for s in sent)


def _key(j, user: int):  # type: ignore[no-untyped-def]
    from aiogram.fsm.storage.base import StorageKey

    return StorageKey(bot_id=j.app.bot.id, chat_id=user, user_id=user)
