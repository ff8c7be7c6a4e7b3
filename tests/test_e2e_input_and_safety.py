"""Bad input gets a kind answer and loses nothing; a red flag is never booked; buttons
that point at someone else's booking are refused."""

from __future__ import annotations

from sqlalchemy import func, select

from actions.models import Booking, EmergencyEvent, Outbox
from actions.providers import create_invite
from bot.callbacks import BookingAction
from tests.harness import running_jiayi
from tests.test_e2e_booking import DOCTOR, RESIDENT, onboard, sign_with_wang

OTHER = 777


async def book_first_offer(j, user: int) -> int:  # type: ignore[no-untyped-def]
    await j.say(user, "明天上午到社区量血压")
    offer = next(b for b in j.buttons(user) if "·" in b)
    await j.tap(user, offer)
    await j.tap(user, "✅ 确认预约")
    async with j.app.deps.sessionmaker() as session:
        return (await session.scalars(select(Booking.id).where(Booking.status == "confirmed"))).first()


async def test_bad_input_is_answered_kindly_and_the_state_is_kept(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        await j.tap(RESIDENT, "📅 预约服务")
        await j.tap(RESIDENT, "血压测量")
        # In the middle of choosing a day: a sticker, a photo, an empty-looking and a
        # 5,000-character message.
        await j.do(j.api.send_sticker(RESIDENT))
        assert "看不懂" in j.api.texts(RESIDENT)[-2]
        await j.do(j.api.send_photo(RESIDENT))
        assert "看不懂" in j.api.texts(RESIDENT)[-2]
        sent = await j.say(RESIDENT, "嗯" * 5000)
        assert "太长" in sent[-1].text
        sent = await j.say(RESIDENT, "   ")
        assert sent and sent[-1].text
        # Nothing was lost: the day buttons still work and the booking goes on.
        await j.tap(RESIDENT, "明天")
        assert "上午还是下午" in j.last_text(RESIDENT)


async def test_a_red_flag_is_never_booked_and_the_doctor_is_alerted(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        async with j.app.deps.sessionmaker() as session:
            code = await create_invite(session, provider_code="dr_wang", clock=j.app.deps.clock)
        await j.say(DOCTOR, f"/start {code}")
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        await j.tap(RESIDENT, "📅 预约服务")
        sent = await j.say(RESIDENT, "我想约量血压但是现在胸口疼得厉害出冷汗")
        reply = sent[0].text
        assert "120" in reply and "010-64221234" in reply and "不会为您预约" in reply
        assert "王芳" in sent[-1].text  # who was told, truthfully
        async with j.app.deps.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Booking)) == 0
            event = (await session.scalars(select(EmergencyEvent))).one()
            assert event.category == "chest_pain" and event.doctor_alerted
        await j.dispatch()
        alert = j.api.last(DOCTOR).text
        assert "急症提醒" in alert and "张桂兰" in alert and "138 0013 8000" in alert
        # The booking flow was left: a day tap now is a stale button.
        assert await j.app.dp.storage.get_state(key=_key(j, RESIDENT)) is None

        # English, a stroke sign, outside any flow.
        j.api.user(OTHER, language_code="en")
        sent = await j.say(OTHER, "my husband's face is drooping and his speech is slurred")
        assert "Call 120 now" in sent[0].text


def _key(j, user: int):  # type: ignore[no-untyped-def]
    from aiogram.fsm.storage.base import StorageKey

    return StorageKey(bot_id=j.app.bot.id, chat_id=user, user_id=user)


async def test_someone_elses_booking_and_stale_buttons_are_refused(tmp_path, clock, caplog) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        booking_id = await book_first_offer(j, RESIDENT)
        assert booking_id is not None

        await onboard(j, OTHER, "en")
        data = BookingAction(action="cancel", booking_id=booking_id).pack()
        await j.do(j.api.tap_stale(OTHER, 1, data))
        assert "not yours" in j.last_text(OTHER)
        assert any("refused booking action" in r.getMessage() for r in caplog.records)
        async with j.app.deps.sessionmaker() as session:
            assert (await session.get(Booking, booking_id)).status == "confirmed"

        # An old slot button after the booking is done.
        await j.do(j.api.tap_stale(RESIDENT, 2, "slot:999999"))
        assert "过期" in j.last_text(RESIDENT)


async def test_a_double_tap_on_confirm_books_once_and_tells_the_doctor_once(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        async with j.app.deps.sessionmaker() as session:
            code = await create_invite(session, provider_code="dr_wang", clock=j.app.deps.clock)
        await j.say(DOCTOR, f"/start {code}")
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        await j.say(RESIDENT, "明天上午到社区量血压")
        await j.tap(RESIDENT, next(b for b in j.buttons(RESIDENT) if "·" in b))
        confirm = j.api.last(RESIDENT).callback_data("✅ 确认预约")
        message_id = j.api.last(RESIDENT).message_id
        await j.api.tap_stale(RESIDENT, message_id, confirm)
        await j.api.tap_stale(RESIDENT, message_id, confirm)
        await j.api.wait_idle()
        async with j.app.deps.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Booking)) == 1
            summaries = await session.scalar(
                select(func.count()).select_from(Outbox).where(Outbox.kind == "provider_summary")
            )
            assert summaries == 1
