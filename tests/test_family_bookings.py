"""A linked family member (亲情账户) sees, cancels and moves the parent's existing
bookings, through the real routers and the local Bot API: the list labels whom each
booking is for; a cancel or a move goes through the same read-back and domain
functions as the resident's own, and the parent (in their language) and the provider
are told a family member did it; a forged button for an unlinked resident's booking,
and a button still on screen after the parent ended the link, change nothing.
Assertions are on what was sent and what was stored."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from actions.booking import book, cancel
from actions.contracts import sign_contract
from actions.family import NotLinked, hold_link, revoke_link
from actions.models import Booking, FamilyLink, Outbox, Provider, ProxyBooking, Resident, Slot
from bot.callbacks import Answer, BookingAction
from tests.conftest import TZ, create_postgres_database, drop_postgres_database, make_resident
from tests.harness import Jiayi, running_jiayi
from tests.test_e2e_booking import DOCTOR, link_doctor

ELDER = 501
MEMBER = 702
STRANGER = 703
TUESDAY = datetime(2026, 11, 24, tzinfo=TZ)


async def _signed(j: Jiayi, telegram_id: int, doctor: str, **fields: object) -> Resident:
    """A registered resident contracted with a family doctor (onboarding has its own tests)."""
    deps = j.app.deps
    async with deps.sessionmaker() as session:
        resident = await make_resident(session, telegram_id, deps.clock, **fields)
        provider = await session.scalar(select(Provider).where(Provider.code == doctor))
        await sign_contract(session, resident_id=resident.id, provider_id=provider.id, clock=deps.clock)
        return resident


async def _family(j: Jiayi, *, elder_lang: str = "zh", member_lang: str = "zh") -> tuple[Resident, Resident]:
    """张桂兰 (Dr Wang's) and her son 王小明 (Dr Chen's), linked through the bot: he asks
    for a code, she sends it and agrees."""
    elder = await _signed(j, ELDER, "dr_wang", name="张桂兰", birth_year=1946, language=elder_lang)
    member = await _signed(j, MEMBER, "dr_chen", name="王小明", birth_year=1975, address="青年湖小区8号楼")
    j.api.user(ELDER, first_name="张桂兰", language_code=elder_lang)
    j.api.user(MEMBER, first_name="王小明")
    await j.say(MEMBER, "/family")
    await j.tap(MEMBER, "➕ 我是家属，关注老人")
    await j.tap(MEMBER, "父母")
    code = re.search(r"家人码是：(\d{6})", j.last_text(MEMBER)).group(1)  # type: ignore[union-attr]
    await j.say(ELDER, code)
    await j.tap(ELDER, "✅ 同意" if elder_lang == "zh" else "✅ I agree")
    if member_lang != "zh":
        async with j.app.deps.sessionmaker() as session:
            (await session.get(Resident, member.id)).language = member_lang  # type: ignore[union-attr]
            await session.commit()
        j.api.user(MEMBER, first_name="王小明", language_code=member_lang)
    async with j.app.deps.sessionmaker() as session:
        assert (await session.scalars(select(FamilyLink))).one().status == "active"
    return elder, member


async def _book(j: Jiayi, resident: Resident, doctor: str, day: datetime, service: str = "bp_check") -> int:
    """A booking made earlier (the booking flow has its own tests): the doctor's first
    free clinic slot of that day, with the provider's summary and reminders."""
    deps = j.app.deps
    async with deps.sessionmaker() as session:
        provider = await session.scalar(select(Provider).where(Provider.code == doctor))
        slot = await session.scalar(
            select(Slot)
            .where(
                Slot.provider_id == provider.id, Slot.modality == "clinic", Slot.booked < Slot.capacity,
                Slot.starts_at >= day, Slot.starts_at < day + timedelta(days=1),
            )
            .order_by(Slot.starts_at)
        )  # fmt: skip
        assert slot is not None
        booking = await book(
            session, resident_id=resident.id, slot_id=slot.id, service_code=service, clock=deps.clock, notifier=deps.notifier
        )
        return booking.id


def _data(action: str, booking_id: int) -> str:
    return BookingAction(action=action, booking_id=booking_id).pack()


async def _rows(j: Jiayi, model: type, *where: object) -> list:  # type: ignore[type-arg]
    async with j.app.deps.sessionmaker() as session:
        return list((await session.scalars(select(model).where(*where).order_by(model.id))).all())  # type: ignore[attr-defined]


async def test_the_list_shows_the_parents_bookings_labelled_with_her_name(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, member = await _family(j)
        hers = await _book(j, elder, "dr_wang", TUESDAY)
        mine = await _book(j, member, "dr_chen", TUESDAY + timedelta(days=1))

        # "我妈的预约": hers first, each booking saying whom it is for, with its buttons.
        sent = await j.say(MEMBER, "我妈的预约")
        assert sent[0].text == "您和家人的预约："
        assert sent[1].text.startswith("👪 为 张桂兰（父母）\n11月24日 周二") and "王芳" in sent[1].text
        assert [b["callback_data"] for b in sent[1].reply_markup["inline_keyboard"][0]] == [
            _data("resched", hers), _data("cancel", hers),
        ]  # fmt: skip
        assert sent[1].buttons() == ["🔄 改时间", "✖️ 取消这个"]
        assert sent[2].text.startswith("👤 您自己的\n11月25日 周三") and "陈明" in sent[2].text
        assert _data("cancel", mine) in str(sent[2].reply_markup)

        # The bookings button lists the member's own first.
        sent = await j.say(MEMBER, "📋 我的预约")
        assert [s.text.split("\n")[0] for s in sent[1:]] == ["👤 您自己的", "👪 为 张桂兰（父母）"]

        # In English, the same.
        async with j.app.deps.sessionmaker() as session:
            (await session.get(Resident, member.id)).language = "en"  # type: ignore[union-attr]
            await session.commit()
        sent = await j.say(MEMBER, "show mum's appointments")
        assert sent[0].text == "Your bookings and your family's:"
        assert sent[1].text.startswith("👪 For 张桂兰 (parent)\nTue 24 Nov") and "Wang Fang" in sent[1].text
        assert sent[1].buttons() == ["🔄 Change time", "✖️ Cancel this"]
        assert sent[2].text.startswith("👤 Yours")

        # The link works one way: the parent sees only her own, unlabelled.
        sent = await j.say(ELDER, "📋 我的预约")
        assert len(sent) == 2 and sent[0].text == "您的预约："
        assert sent[1].text.startswith("11月24日 周二") and "王芳" in sent[1].text


async def test_the_member_cancels_the_parents_booking_and_she_and_the_doctor_are_told(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        elder, member = await _family(j, elder_lang="en")
        booking_id = await _book(j, elder, "dr_wang", TUESDAY)
        await j.dispatch()

        await j.say(MEMBER, "📋 我的预约")
        await j.tap(MEMBER, data=_data("cancel", booking_id))
        readback = j.last_text(MEMBER)
        assert readback.startswith("为：张桂兰（父母）\n要取消这个预约吗？") and "血压测量" in readback and "王芳" in readback
        async with j.app.deps.sessionmaker() as session:
            assert (await session.get(Booking, booking_id)).status == "confirmed"  # nothing before the answer

        sent = await j.tap(MEMBER, "✅ 确认取消")
        assert sent[-1].text.startswith("为：张桂兰（父母）\n已取消：血压测量，11月24日 周二")
        booking = (await _rows(j, Booking, Booking.id == booking_id))[0]
        assert booking.status == "cancelled" and booking.cancelled_at is not None
        to_her = await _rows(j, Outbox, Outbox.chat_id == ELDER, Outbox.kind == "booking_update")
        assert [r.dedupe_key for r in to_her] == [f"proxy_cancelled:{booking_id}"]
        to_doctor = await _rows(j, Outbox, Outbox.kind == "provider_cancelled")
        assert [r.chat_id for r in to_doctor] == [DOCTOR]
        reminders = await _rows(j, Outbox, Outbox.booking_id == booking_id, Outbox.kind == "reminder")
        assert reminders and {r.status for r in reminders} == {"retracted"}

        await j.dispatch()
        # The parent, in her language: who did it and which booking.
        told = j.last_text(ELDER)
        assert told.startswith("Your child 王小明 cancelled your booking: blood pressure check, Tue 24 Nov")
        assert "Wang Fang" in told
        # The doctor: cancelled, and by a family member.
        notice = j.last_text(DOCTOR)
        assert "预约已取消" in notice and "👪 由家属 王小明 代为操作（亲情账户）" in notice and "张桂兰" in notice


async def test_cancel_dads_appointment_tomorrow_picks_that_booking_directly(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, member = await _family(j, member_lang="en")
        tomorrow = await _book(j, elder, "dr_wang", TUESDAY)
        later = await _book(j, elder, "dr_wang", TUESDAY + timedelta(days=2), service="glucose_check")

        sent = await j.say(MEMBER, "cancel dad's appointment tomorrow")
        # No list: tomorrow's booking is the one, read back naming whom it is for.
        assert len(sent) == 1 and sent[0].text.startswith("For: 张桂兰 (parent)\nCancel this booking?")
        assert "Tue 24 Nov" in sent[0].text and "blood pressure check" in sent[0].text
        sent = await j.tap(MEMBER, "✅ Yes, cancel")
        assert sent[-1].text.startswith("For: 张桂兰 (parent)\nCancelled: blood pressure check, Tue 24 Nov")
        statuses = {b.id: b.status for b in await _rows(j, Booking)}
        assert statuses == {tomorrow: "cancelled", later: "confirmed"}
        await j.dispatch()
        assert "您的子女 王小明 取消了您的预约：血压测量，11月24日 周二" in j.last_text(ELDER)

        # With no time named and two of her bookings left, the member chooses among hers alone.
        third = await _book(j, elder, "dr_wang", TUESDAY + timedelta(days=3))
        sent = await j.say(MEMBER, "cancel mum's appointment")
        assert sent[0].text == "张桂兰 has several bookings. Please choose one:"
        assert [s.text.split("\n")[0] for s in sent[1:]] == ["👪 For 张桂兰 (parent)"] * 2
        assert {_data("cancel", later), _data("cancel", third)} <= {
            b["callback_data"] for s in sent[1:] for b in s.reply_markup["inline_keyboard"][0]
        }


async def test_the_member_moves_the_parents_booking_with_her_doctors_times(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        elder, member = await _family(j)
        booking_id = await _book(j, elder, "dr_wang", TUESDAY)
        await j.dispatch()

        await j.say(MEMBER, "📋 我的预约")
        sent = await j.tap(MEMBER, data=_data("resched", booking_id))
        assert sent[0].text.startswith("为：张桂兰（父母）\n改时间：血压测量（原来是 11月24日 周二")
        offers = [b for b in j.buttons(MEMBER) if "·" in b]
        # Her family doctor first, not the member's own (Dr Chen).
        assert offers and "王芳" in offers[0], offers
        await j.tap(MEMBER, offers[0])
        readback = j.last_text(MEMBER)
        assert readback.startswith("为：张桂兰（父母）\n") and "王芳" in readback
        sent = await j.tap(MEMBER, "✅ 确认预约")
        assert sent[-1].text.startswith("为：张桂兰（父母）\n✅ 改好了！")

        rows = await _rows(j, Booking)
        assert [(b.status, b.resident_id) for b in rows] == [("cancelled", elder.id), ("confirmed", elder.id)]
        new = rows[1]
        async with j.app.deps.sessionmaker() as session:
            assert (await session.get(ProxyBooking, new.id)).member_id == member.id  # type: ignore[union-attr]
        to_her = await _rows(j, Outbox, Outbox.chat_id == ELDER, Outbox.kind == "booking_update")
        assert [r.dedupe_key for r in to_her] == [f"proxy_moved:{new.id}"]

        await j.dispatch()
        told = j.last_text(ELDER)
        assert told.startswith("您的子女 王小明 把您的预约改了时间：血压测量，原来 11月24日 周二")
        notice = j.last_text(DOCTOR)
        assert "预约改了时间" in notice and "👪 由家属 王小明 代为操作（亲情账户）" in notice


async def test_a_forged_button_for_an_unlinked_residents_booking_is_refused(tmp_path, clock, caplog) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, member = await _family(j)
        stranger = await _signed(j, STRANGER, "dr_wang", name="李秀英")
        theirs = await _book(j, stranger, "dr_wang", TUESDAY)
        his = await _book(j, member, "dr_chen", TUESDAY)
        outbox_before = len(await _rows(j, Outbox))

        # Nobody linked the stranger to the member: crafted taps change nothing.
        await j.do(j.api.tap_stale(MEMBER, 1, _data("cancel", theirs)))
        assert j.last_text(MEMBER) == "这个预约不属于您，无法操作。"
        await j.do(j.api.tap_stale(MEMBER, 1, Answer(topic="cancel", yes=True).pack()))
        await j.do(j.api.tap_stale(MEMBER, 1, _data("resched", theirs)))
        assert j.last_text(MEMBER) == "这个预约不属于您，无法操作。"
        assert "李秀英" not in "\n".join(j.api.texts(MEMBER))
        # The link goes one way: the parent cannot touch her son's bookings.
        await j.do(j.api.tap_stale(ELDER, 1, _data("cancel", his)))
        assert j.last_text(ELDER) == "这个预约不属于您，无法操作。"

        assert {b.id: b.status for b in await _rows(j, Booking)} == {theirs: "confirmed", his: "confirmed"}
        assert len(await _rows(j, Outbox)) == outbox_before
        assert await j.app.dp.fsm.get_context(j.app.bot, MEMBER, MEMBER).get_state() is None
        assert any("refused booking action" in r.getMessage() for r in caplog.records)


async def test_after_the_parent_ends_the_link_buttons_on_screen_are_refused(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, member = await _family(j)
        first = await _book(j, elder, "dr_wang", TUESDAY)
        second = await _book(j, elder, "dr_wang", TUESDAY + timedelta(days=1))

        # The member has her list, a cancel read-back, and new times on screen …
        await j.say(MEMBER, "📋 我的预约")
        await j.tap(MEMBER, data=_data("cancel", first))
        assert j.last_text(MEMBER).startswith("为：张桂兰（父母）\n要取消这个预约吗？")
        outbox_before = len(await _rows(j, Outbox))

        # … when she ends the link.
        await j.say(ELDER, "/family")
        await j.tap(ELDER, "✖️ 解除 王小明")
        await j.tap(ELDER, "✅ 确定解除")
        assert "已解除和 王小明 的关注" in j.last_text(ELDER)

        ended = "您和这位家人已经没有关注关系了，不能再替TA取消或改预约。需要的话，请TA本人来办。"
        sent = await j.tap(MEMBER, "✅ 确认取消")
        assert sent[-1].text == ended
        sent = await j.tap(MEMBER, data=_data("resched", second))
        assert sent[-1].text == ended and not any("·" in b for b in sent[-1].buttons())
        sent = await j.tap(MEMBER, data=_data("cancel", second))
        assert sent[-1].text == ended

        # The domain refuses too, whatever a handler might pass it.
        async with j.app.deps.sessionmaker() as session:
            with pytest.raises(NotLinked):
                await cancel(session, resident_id=elder.id, booking_id=first, clock=j.app.deps.clock, by_member_id=member.id)
        assert {b.id: b.status for b in await _rows(j, Booking)} == {first: "confirmed", second: "confirmed"}
        new_rows = (await _rows(j, Outbox))[outbox_before:]
        assert all(r.kind == "family_notice" for r in new_rows), [r.kind for r in new_rows]
        # Her bookings are no longer in his list.
        sent = await j.say(MEMBER, "📋 我的预约")
        assert [s.text for s in sent] == ["您现在没有预约。"]


async def test_a_move_in_progress_stops_when_the_link_ends(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, member = await _family(j)
        booking_id = await _book(j, elder, "dr_wang", TUESDAY)
        await j.say(MEMBER, "📋 我的预约")
        await j.tap(MEMBER, data=_data("resched", booking_id))
        offer = next(b for b in j.buttons(MEMBER) if "·" in b)
        await j.tap(MEMBER, offer)
        assert j.last_text(MEMBER).startswith("为：张桂兰（父母）\n")

        await j.say(ELDER, "/family")
        await j.tap(ELDER, "✖️ 解除 王小明")
        await j.tap(ELDER, "✅ 确定解除")
        sent = await j.tap(MEMBER, "✅ 确认预约")
        assert sent[-1].text == "您和这位家人已经没有关注关系了，不能再替TA取消或改预约。需要的话，请TA本人来办。"
        rows = await _rows(j, Booking)
        assert [(b.id, b.status) for b in rows] == [(booking_id, "confirmed")]
        async with j.app.deps.sessionmaker() as session:
            assert not (await session.scalars(select(ProxyBooking))).all()


@pytest.mark.postgres
async def test_on_postgresql_a_revocation_waits_for_a_change_in_flight_and_then_stops_the_next(tmp_path, clock) -> None:
    """The member's change holds the link in its transaction: the parent's revocation
    at the same moment waits for it, and the member's next change is refused."""
    url = await create_postgres_database()
    try:
        async with running_jiayi(tmp_path, clock, database_url=url) as j:
            deps = j.app.deps
            elder, member = await _family(j)
            first = await _book(j, elder, "dr_wang", TUESDAY)
            second = await _book(j, elder, "dr_wang", TUESDAY + timedelta(days=1))
            async with deps.sessionmaker() as session:
                link_id = (await session.scalars(select(FamilyLink.id))).one()

            async with deps.sessionmaker() as changing, deps.sessionmaker() as revoking:
                await hold_link(changing, elder_id=elder.id, member_id=member.id)
                revocation = asyncio.create_task(
                    revoke_link(revoking, link_id=link_id, by_resident_id=elder.id, clock=deps.clock)
                )
                await asyncio.sleep(0.5)
                assert not revocation.done()  # waiting for the member's transaction
                await cancel(changing, resident_id=elder.id, booking_id=first, clock=deps.clock, by_member_id=member.id)
                assert (await asyncio.wait_for(revocation, 10)).status == "revoked"

            sent = await j.say(MEMBER, "📋 我的预约")
            assert [s.text for s in sent] == ["您现在没有预约。"]
            await j.do(j.api.tap_stale(MEMBER, 1, _data("cancel", second)))
            assert j.last_text(MEMBER).startswith("您和这位家人已经没有关注关系了")
            assert {b.id: b.status for b in await _rows(j, Booking)} == {first: "cancelled", second: "confirmed"}
    finally:
        await drop_postgres_database(url)
