"""Family links (亲情账户) end to end through the real routers and the local Bot API:
the member chooses what the resident is to them with big buttons, and every message
about the resident names them with that relation (the resident's own screens name the
member the other way round); reminder copies carry the buttons a family member may use
(move, cancel), never the resident's own attendance button; when one family member
changes the resident's booking, the others who get copies are told; the resident sees
who is linked and ends a link, and what still waited for that member is withdrawn at
once, also a copy written by a booking made at that very moment (PostgreSQL, where the
revocation does not wait for it). Ending a link asks first, naming the other person
as what they are to the one asking; nothing ends until it is confirmed, a stale or
forged confirmation changes nothing, and the other side is told in their language.
Assertions are on what was sent and what was stored."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from actions.booking import book
from actions.models import Booking, BookingEvent, FamilyLink, Outbox, Provider, Resident, Slot
from bot.callbacks import BookingAction, FamilyAction
from tests.conftest import TZ, create_postgres_database, drop_postgres_database
from tests.harness import Jiayi, running_jiayi
from tests.test_e2e_booking import DOCTOR, link_doctor
from tests.test_family_bookings import ELDER, MEMBER, _book, _rows, _signed

DAUGHTER = 704
NEIGHBOUR = 705
TUESDAY = datetime(2026, 11, 24, tzinfo=TZ)
# Far enough ahead for both reminders (24 h and 2 h before) to be planned.
WEDNESDAY = TUESDAY + timedelta(days=1)


async def _link(j: Jiayi, member_chat: int, relation_button: str, *, elder_lang: str = "zh") -> str:
    """The member asks for a code choosing the relation; the resident sends it and
    agrees. Returns the resident's read-back."""
    await j.say(member_chat, "/family")
    await j.tap(member_chat, "➕ I look after a family member" if member_chat == DAUGHTER else "➕ 我是家属，关注老人")
    await j.tap(member_chat, relation_button)
    code = re.search(r"(\d{6})", j.last_text(member_chat)).group(1)  # type: ignore[union-attr]
    await j.say(ELDER, code)
    readback = j.last_text(ELDER)
    await j.tap(ELDER, "✅ 同意" if elder_lang == "zh" else "✅ I agree")
    return readback


async def _people(j: Jiayi) -> tuple[Resident, Resident, Resident]:
    """张桂兰 (Dr Wang's); her son 王小明 (Chinese) and Lisa Wang, who writes in English."""
    elder = await _signed(j, ELDER, "dr_wang", name="张桂兰", birth_year=1946)
    son = await _signed(j, MEMBER, "dr_chen", name="王小明", birth_year=1975)
    daughter = await _signed(j, DAUGHTER, "dr_chen", name="Lisa Wang", birth_year=1978, language="en")
    j.api.user(ELDER, first_name="张桂兰")
    j.api.user(MEMBER, first_name="王小明")
    j.api.user(DAUGHTER, first_name="Lisa", language_code="en")
    return elder, son, daughter


def _data(action: str, booking_id: int) -> str:
    return BookingAction(action=action, booking_id=booking_id).pack()


def _callbacks(payload: dict) -> list[str]:  # type: ignore[type-arg]
    return [data for row in payload.get("buttons") or [] for _, data in row]


async def test_the_member_chooses_the_relation_and_it_is_named_in_every_message(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, son, daughter = await _people(j)

        # Big buttons, one a row, in the member's language.
        await j.say(MEMBER, "/family")
        sent = await j.tap(MEMBER, "➕ 我是家属，关注老人")
        assert sent[-1].text == "您要关注的是您的？"
        assert [[b["text"] for b in row] for row in sent[-1].reply_markup["inline_keyboard"]] == [
            ["父母"], ["配偶"], ["子女"], ["其他亲属"],
        ]  # fmt: skip
        await j.say(DAUGHTER, "/family")
        sent = await j.tap(DAUGHTER, "➕ I look after a family member")
        assert sent[-1].buttons() == ["Parent", "Spouse", "Child", "Other relative"]

        # He looks after his spouse (as the buttons say); she after her parent. The
        # resident's read-back names each the other way round: what they are to her.
        readback = await _link(j, MEMBER, "配偶")
        assert readback.startswith("王小明（您的配偶）想关注您的健康：")
        readback = await _link(j, DAUGHTER, "Parent")
        assert readback.startswith("Lisa Wang（您的子女）想关注您的健康：")
        links = {link.member_id: link for link in await _rows(j, FamilyLink)}
        assert {m: (link.relation, link.status) for m, link in links.items()} == {
            son.id: ("spouse", "active"), daughter.id: ("parent", "active"),
        }  # fmt: skip

        # The notices that she agreed, each saying whom it is about with the relation.
        await j.dispatch()
        assert j.last_text(MEMBER).startswith("【关于 张桂兰（配偶）】\n✅ 张桂兰 已同意。")
        assert j.last_text(DAUGHTER).startswith("[About 张桂兰 (parent)]\n✅ 张桂兰 agreed.")

        # Each member's family screen, and the resident's: who is linked, as what.
        sent = await j.say(MEMBER, "/family")
        assert "　张桂兰（配偶）· 接收提醒和警报" in sent[-1].text
        sent = await j.say(DAUGHTER, "/family")
        assert "  张桂兰 (parent) · gets reminders and alerts" in sent[-1].text
        sent = await j.say(ELDER, "/family")
        assert "能替您办事的家人：\n　王小明（配偶）\n　Lisa Wang（子女）" in sent[-1].text
        assert {"✖️ 解除 王小明", "✖️ 解除 Lisa Wang"} <= set(sent[-1].buttons())

        # Her bookings in their lists, and the copies of her reminders.
        booking_id = await _book(j, elder, "dr_wang", TUESDAY)
        sent = await j.say(MEMBER, "📋 我的预约")
        assert sent[1].text.startswith("👪 为 张桂兰（配偶）\n11月24日 周二")
        sent = await j.say(DAUGHTER, "📋 My bookings")
        assert sent[1].text.startswith("👪 For 张桂兰 (parent)\nTue 24 Nov")
        copies = await _rows(j, Outbox, Outbox.booking_id == booking_id, Outbox.recipient_kind == "family")
        assert {r.chat_id: r.payload["text"].split("\n")[0] for r in copies} == {
            MEMBER: "【关于 张桂兰（配偶）】", DAUGHTER: "[About 张桂兰 (parent)]",
        }  # fmt: skip


async def test_a_reminder_copy_carries_the_relatives_buttons_and_the_other_relative_hears_of_a_cancel(
    tmp_path, clock
) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        elder, son, daughter = await _people(j)
        await _link(j, MEMBER, "父母")
        await _link(j, DAUGHTER, "Parent")
        booking_id = await _book(j, elder, "dr_wang", WEDNESDAY)
        await j.dispatch()

        # The resident's reminders have her attendance button; the copies only move and cancel.
        reminders = await _rows(j, Outbox, Outbox.booking_id == booking_id, Outbox.kind == "reminder")
        hers = [r for r in reminders if r.chat_id == ELDER]
        assert len(hers) == 2 and all(_data("confirm", booking_id) in _callbacks(r.payload) for r in hers)
        copies = [r for r in reminders if r.chat_id in (MEMBER, DAUGHTER)]
        assert len(copies) == 2 * len(hers)
        assert all(_callbacks(r.payload) == [_data("resched", booking_id), _data("cancel", booking_id)] for r in copies)

        # The day before, the copy reaches him, saying whom it is about, with his buttons.
        starts = (await _rows(j, Booking, Booking.id == booking_id))[0].starts_at
        clock.set(starts - timedelta(hours=24))
        await j.dispatch()
        copy = j.api.last(MEMBER)
        assert copy.text.startswith("【关于 张桂兰（父母）】\n⏰ 提醒：明天张桂兰有预约\n血压测量，11月25日 周三")
        assert copy.buttons() == ["🔄 改时间", "✖️ 取消这个"]
        assert j.api.last(DAUGHTER).text.startswith("[About 张桂兰 (parent)]\n⏰ Reminder: 张桂兰 has an appointment tomorrow")
        assert j.api.last(DAUGHTER).buttons() == ["🔄 Change time", "✖️ Cancel this"]

        # A forged attendance tap is hers alone: nothing is recorded for him.
        await j.do(j.api.tap_stale(MEMBER, copy.message_id, _data("confirm", booking_id)))
        assert j.last_text(MEMBER) == "这个预约不属于您，无法操作。"
        assert await _rows(j, BookingEvent, BookingEvent.kind == "attendance_confirmed") == []

        # He cancels from the copy, through the read-back naming whom it is for.
        sent = await j.tap(MEMBER, "✖️ 取消这个")
        assert sent[-1].text.startswith("为：张桂兰（父母）\n要取消这个预约吗？")
        sent = await j.tap(MEMBER, "✅ 确认取消")
        assert sent[-1].text.startswith("为：张桂兰（父母）\n已取消：血压测量，11月25日 周三")
        assert (await _rows(j, Booking, Booking.id == booking_id))[0].status == "cancelled"

        # She (the resident) and the other relative are told; he is not told twice.
        updates = await _rows(j, Outbox, Outbox.booking_id == booking_id, Outbox.kind == "booking_update")
        assert sorted((r.chat_id, r.dedupe_key) for r in updates) == [
            (ELDER, f"proxy_cancelled:{booking_id}"), (DAUGHTER, f"proxy_cancelled:{booking_id}:fam:{daughter.id}"),
        ]  # fmt: skip
        mark = j.api.mark()
        await j.dispatch()
        assert j.api.since(mark, MEMBER) == []
        told = j.api.since(mark, DAUGHTER)
        assert len(told) == 1 and told[0].text.startswith(
            "[About 张桂兰 (parent)]\n王小明 cancelled 张桂兰's booking: blood pressure check, Wed 25 Nov"
        )
        assert told[0].buttons() == []  # nothing left to change
        assert "您的子女 王小明 取消了您的预约" in j.last_text(ELDER)
        assert "👪 由家属 王小明 代为操作（亲情账户）" in j.last_text(DOCTOR)


async def test_a_move_by_one_relative_reaches_the_others_who_get_copies(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, son, daughter = await _people(j)
        await _link(j, MEMBER, "子女")
        await _link(j, DAUGHTER, "Parent")
        booking_id = await _book(j, elder, "dr_wang", TUESDAY)
        await j.dispatch()

        # She moves the booking from her list.
        await j.say(DAUGHTER, "📋 My bookings")
        await j.tap(DAUGHTER, data=_data("resched", booking_id))
        await j.tap(DAUGHTER, [b for b in j.buttons(DAUGHTER) if "·" in b][-1])  # the latest time offered
        sent = await j.tap(DAUGHTER, "✅ Confirm booking")
        assert sent[-1].text.startswith("For: 张桂兰 (parent)\n")
        new = (await _rows(j, Booking, Booking.status == "confirmed"))[0]

        # He is told what she did, about whom (his child, as he chose), with his buttons
        # for the new booking; she, who did it, gets no such notice; the resident is told.
        mark = j.api.mark()
        await j.dispatch()
        told = j.api.since(mark, MEMBER)
        assert len(told) == 1
        assert told[0].text.startswith("【关于 张桂兰（子女）】\nLisa Wang 把张桂兰的预约改了时间：血压测量，原来 11月24日 周二")
        assert [b["callback_data"] for b in told[0].reply_markup["inline_keyboard"][0]] == [
            _data("resched", new.id), _data("cancel", new.id),
        ]  # fmt: skip
        assert j.api.since(mark, DAUGHTER) == []
        assert any("您的子女 Lisa Wang 把您的预约改了时间" in s.text for s in j.api.since(mark, ELDER))
        # Both relatives get copies of the new booking's reminders; the old ones are gone.
        reminders = await _rows(j, Outbox, Outbox.kind == "reminder")
        assert {r.status for r in reminders if r.booking_id == booking_id} == {"retracted"}
        hers = [r for r in reminders if r.booking_id == new.id and r.chat_id == ELDER]
        copies = [r for r in reminders if r.booking_id == new.id and r.chat_id != ELDER]
        assert hers and len(copies) == 2 * len(hers) and {r.chat_id for r in copies} == {MEMBER, DAUGHTER}
        assert {r.status for r in copies} == {"pending"}

        # He turns her reminders off: his waiting copies are withdrawn, and her next
        # change is not copied to him.
        await j.say(MEMBER, "/family")
        await j.tap(MEMBER, "🔕 不收张桂兰的提醒")
        mine = await _rows(j, Outbox, Outbox.chat_id == MEMBER, Outbox.booking_id == new.id, Outbox.kind == "reminder")
        assert mine and {(r.status, r.payload == {}) for r in mine} == {("retracted", True)}
        await j.say(DAUGHTER, "📋 My bookings")
        await j.tap(DAUGHTER, data=_data("cancel", new.id))
        await j.tap(DAUGHTER, "✅ Yes, cancel")
        mark = j.api.mark()
        await j.dispatch()
        assert j.api.since(mark, MEMBER) == []
        assert not await _rows(j, Outbox, Outbox.dedupe_key == f"proxy_cancelled:{new.id}:fam:{son.id}")
        assert await _rows(j, Outbox, Outbox.dedupe_key == f"proxy_cancelled:{new.id}")  # the resident is told

        # Turned back on, he gets copies of her upcoming bookings' reminders again.
        later = await _book(j, elder, "dr_wang", TUESDAY + timedelta(days=2))
        assert not await _rows(j, Outbox, Outbox.chat_id == MEMBER, Outbox.booking_id == later)
        await j.say(MEMBER, "/family")
        await j.tap(MEMBER, "🔔 接收张桂兰的提醒")
        again = await _rows(j, Outbox, Outbox.chat_id == MEMBER, Outbox.booking_id == later, Outbox.kind == "reminder")
        assert again and {r.status for r in again} == {"pending"}
        assert all(r.payload["text"].startswith("【关于 张桂兰（子女）】") for r in again)


async def test_the_resident_sees_who_is_linked_ends_a_link_and_its_copies_stop_at_once(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, son, daughter = await _people(j)
        booking_id = await _book(j, elder, "dr_wang", WEDNESDAY)
        # Linked after the booking was made: the copies of its reminders are queued then.
        await _link(j, MEMBER, "父母")
        await _link(j, DAUGHTER, "Other relative")
        copies = await _rows(j, Outbox, Outbox.booking_id == booking_id, Outbox.recipient_kind == "family")
        assert {r.chat_id for r in copies} == {MEMBER, DAUGHTER} and {r.status for r in copies} == {"pending"}
        await j.dispatch()

        sent = await j.say(ELDER, "/family")
        assert "能替您办事的家人：\n　王小明（子女）\n　Lisa Wang（其他亲属）" in sent[-1].text
        # One tap only asks: a read-back naming him as what he is to her, two big buttons.
        sent = await j.tap(ELDER, "✖️ 解除 王小明")
        assert sent[-1].text.startswith("确定解除与 王小明（您的子女）的绑定？\n")
        assert sent[-1].buttons() == ["✅ 确定解除", "↩️ 取消"]
        assert {link.status for link in await _rows(j, FamilyLink)} == {"active"}
        assert not await _rows(j, Outbox, Outbox.kind == "family_notice", Outbox.status == "pending")
        sent = await j.tap(ELDER, "✅ 确定解除")
        assert sent[-1].text == "已解除和 王小明 的关注。"

        # Stored: the link ended, and what waited for him about her is withdrawn, its
        # text gone; hers (the daughter's) still waits.
        links = {link.member_id: link.status for link in await _rows(j, FamilyLink)}
        assert links == {son.id: "revoked", daughter.id: "active"}
        waiting = await _rows(j, Outbox, Outbox.booking_id == booking_id, Outbox.recipient_kind == "family")
        assert {(r.chat_id, r.status) for r in waiting} == {(MEMBER, "retracted"), (DAUGHTER, "pending")}
        assert all(r.payload == {} for r in waiting if r.chat_id == MEMBER)

        # He is told, once; when the reminders come due, only she gets her copy.
        mark = j.api.mark()
        await j.dispatch()
        told = j.api.since(mark, MEMBER)
        assert [s.text for s in told] == ["【关于 张桂兰（父母）】\n张桂兰 已解除了您的关注，您不会再收到张桂兰的消息。"]
        starts = (await _rows(j, Booking, Booking.id == booking_id))[0].starts_at
        clock.set(starts - timedelta(hours=2))
        mark = j.api.mark()
        await j.dispatch()
        assert j.api.since(mark, MEMBER) == []
        assert [s.text.split("\n")[0] for s in j.api.since(mark, DAUGHTER)] == ["[About 张桂兰 (other relative)]"] * 2

        # Her own screen lists only the daughter now; the daughter may end it herself,
        # after the same read-back in her language.
        sent = await j.say(ELDER, "/family")
        assert "王小明" not in sent[-1].text and "Lisa Wang（其他亲属）" in sent[-1].text
        later = await _book(j, elder, "dr_wang", WEDNESDAY + timedelta(days=1))
        await j.say(DAUGHTER, "/family")
        sent = await j.tap(DAUGHTER, "✖️ Unlink 张桂兰")
        assert sent[-1].text.startswith("End the link with 张桂兰 (your other relative)?\n")
        assert sent[-1].buttons() == ["✅ Yes, end it", "↩️ Cancel"]
        sent = await j.tap(DAUGHTER, "✅ Yes, end it")
        assert sent[-1].text == "The link with 张桂兰 has ended."
        assert {r.status for r in await _rows(j, Outbox, Outbox.booking_id == later, Outbox.chat_id == DAUGHTER)} == {"retracted"}
        assert {link.status for link in await _rows(j, FamilyLink)} == {"revoked"}

        # The resident is told, in Chinese, who ended it and what she is to her; the
        # daughter, who did it, is told nothing more.
        mark = j.api.mark()
        await j.dispatch()
        assert [s.text for s in j.api.since(mark, ELDER)] == [
            "您的其他亲属 Lisa Wang 解除了和您的绑定：TA不会再收到您的提醒，也不能再替您预约。"
        ]
        assert j.api.since(mark, DAUGHTER) == []


async def test_the_code_text_names_the_person_chosen(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await _people(j)
        told = {}
        for button in ("父母", "配偶", "子女", "其他亲属"):
            await j.say(MEMBER, "/family")
            await j.tap(MEMBER, "➕ 我是家属，关注老人")
            told[button] = (await j.tap(MEMBER, button))[-1].text.split("\n")[1]
        assert told == {
            "父母": "请把这个码告诉您的父母，让TA发给我（24小时内有效）。TA确认后，您就能替TA预约、报告血压血糖，并收到TA的提醒和警报。",
            "配偶": "请把这个码告诉您的配偶，让TA发给我（24小时内有效）。TA确认后，您就能替TA预约、报告血压血糖，并收到TA的提醒和警报。",
            "子女": "请把这个码告诉您的子女，让TA发给我（24小时内有效）。TA确认后，您就能替TA预约、报告血压血糖，并收到TA的提醒和警报。",
            "其他亲属": "请把这个码告诉对方，让TA发给我（24小时内有效）。TA确认后，您就能替TA预约、报告血压血糖，并收到TA的提醒和警报。",
        }  # fmt: skip
        assert not any("老人" in text for text in told.values())
        await j.say(DAUGHTER, "/family")
        await j.tap(DAUGHTER, "➕ I look after a family member")
        sent = await j.tap(DAUGHTER, "Spouse")
        assert sent[-1].text.split("\n")[1].startswith("Give it to your spouse and ask them to send it to me")


async def test_ending_a_link_asks_first_and_cancel_keeps_it(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, son, daughter = await _people(j)
        await _link(j, MEMBER, "父母")
        await _link(j, DAUGHTER, "Parent")
        booking_id = await _book(j, elder, "dr_wang", WEDNESDAY)
        await j.dispatch()
        outbox_before = len(await _rows(j, Outbox))

        # The resident taps ✖️: a read-back naming him as her child, with two big buttons.
        await j.say(ELDER, "/family")
        sent = await j.tap(ELDER, "✖️ 解除 王小明")
        assert len(sent) == 1
        assert sent[0].text == (
            "确定解除与 王小明（您的子女）的绑定？\n"
            "解除后，TA不能再替您预约，也收不到您的提醒和警报。想再绑定，要重新要一个码。"
        )
        assert [[b["text"] for b in row] for row in sent[0].reply_markup["inline_keyboard"]] == [["✅ 确定解除", "↩️ 取消"]]
        readback_id = sent[0].message_id
        # Nothing has ended, nothing was queued, his copies still wait.
        assert {link.member_id: link.status for link in await _rows(j, FamilyLink)} == {son.id: "active", daughter.id: "active"}
        assert len(await _rows(j, Outbox)) == outbox_before
        mine = await _rows(j, Outbox, Outbox.booking_id == booking_id, Outbox.chat_id == MEMBER)
        assert mine and {r.status for r in mine} == {"pending"}

        # 取消: the link stays, the read-back's buttons go, nobody is told anything.
        sent = await j.tap(ELDER, "↩️ 取消")
        assert sent[-1].text == "好的，没有解除，和 王小明 的绑定还在。"
        assert (ELDER, readback_id) not in j.api.markups
        assert {link.status for link in await _rows(j, FamilyLink)} == {"active"}
        assert {r.status for r in await _rows(j, Outbox, Outbox.booking_id == booking_id, Outbox.chat_id == MEMBER)} == {"pending"}
        assert len(await _rows(j, Outbox)) == outbox_before
        mark = j.api.mark()
        await j.dispatch()
        assert j.api.since(mark, MEMBER) == [] and j.api.since(mark, ELDER) == []
        # He still books for her: the link works.
        sent = await j.say(MEMBER, "📋 我的预约")
        assert sent[1].text.startswith("👪 为 张桂兰（父母）")

        # From the relative's side the read-back names her as what she is to them.
        await j.say(MEMBER, "/family")
        sent = await j.tap(MEMBER, "✖️ 解除 张桂兰")
        assert sent[-1].text == (
            "确定解除与 张桂兰（您的父母）的绑定？\n"
            "解除后，您不能再替TA预约，也收不到TA的提醒和警报。想再绑定，要重新要一个码。"
        )
        sent = await j.tap(MEMBER, "↩️ 取消")
        assert sent[-1].text == "好的，没有解除，和 张桂兰 的绑定还在。"
        await j.say(DAUGHTER, "/family")
        sent = await j.tap(DAUGHTER, "✖️ Unlink 张桂兰")
        assert sent[-1].text == (
            "End the link with 张桂兰 (your parent)?\n"
            "Afterwards you can no longer book for them or get their reminders and alerts. Linking again needs a new code."
        )
        sent = await j.tap(DAUGHTER, "↩️ Cancel")
        assert sent[-1].text == "All right, nothing changed: the link with 张桂兰 stays."
        assert {link.status for link in await _rows(j, FamilyLink)} == {"active"}
        assert len(await _rows(j, Outbox)) == outbox_before


async def test_a_relative_ends_the_link_the_resident_is_told_and_a_stale_confirm_is_refused(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, son, daughter = await _people(j)
        await _link(j, MEMBER, "父母")
        await _link(j, DAUGHTER, "Parent")
        await j.dispatch()
        links = {link.member_id: link for link in await _rows(j, FamilyLink)}

        # She opens the read-back for her son, but does not answer it yet …
        await j.say(ELDER, "/family")
        sent = await j.tap(ELDER, "✖️ 解除 王小明")
        stale_id = sent[-1].message_id
        unlink_son = FamilyAction(action="unlink", link_id=links[son.id].id).pack()
        assert unlink_son in [b["callback_data"] for b in sent[-1].reply_markup["inline_keyboard"][0]]

        # … and he ends it himself from his side.
        await j.say(MEMBER, "/family")
        await j.tap(MEMBER, "✖️ 解除 张桂兰")
        sent = await j.tap(MEMBER, "✅ 确定解除")
        assert sent[-1].text == "已解除和 张桂兰 的关注。"
        ended = {link.member_id: (link.status, link.revoked_at) for link in await _rows(j, FamilyLink)}
        assert ended[son.id][0] == "revoked" and ended[daughter.id] == ("active", None)

        # She is told, in her language, who ended it and what he is to her; he is not
        # told again.
        notices = await _rows(j, Outbox, Outbox.kind == "family_notice", Outbox.chat_id == ELDER)
        assert [(r.recipient_kind, r.dedupe_key) for r in notices] == [("resident", f"family_unlinked:{links[son.id].id}:resident")]
        mark = j.api.mark()
        await j.dispatch()
        assert [s.text for s in j.api.since(mark, ELDER)] == [
            "您的子女 王小明 解除了和您的绑定：TA不会再收到您的提醒，也不能再替您预约。"
        ]
        assert j.api.since(mark, MEMBER) == []

        # Her read-back is now stale: its confirm is refused kindly and changes nothing.
        outbox_before = len(await _rows(j, Outbox))
        await j.do(j.api.tap_stale(ELDER, stale_id, unlink_son))
        assert j.last_text(ELDER) == "您和 王小明 的绑定已经解除了，不用再点。想再绑定，要重新要一个码。"
        assert {link.member_id: (link.status, link.revoked_at) for link in await _rows(j, FamilyLink)} == ended
        assert len(await _rows(j, Outbox)) == outbox_before
        # A second tap of his own confirm: the same kind refusal, in his chat.
        await j.do(j.api.tap_stale(MEMBER, 1, unlink_son))
        assert j.last_text(MEMBER) == "您和 张桂兰 的绑定已经解除了，不用再点。想再绑定，要重新要一个码。"

        # The resident ends the daughter's link: the daughter is told in English.
        await j.say(ELDER, "/family")
        await j.tap(ELDER, "✖️ 解除 Lisa Wang")
        await j.tap(ELDER, "✅ 确定解除")
        mark = j.api.mark()
        await j.dispatch()
        assert [s.text for s in j.api.since(mark, DAUGHTER)] == [
            "[About 张桂兰 (parent)]\n张桂兰 ended the link: you will no longer get messages about them."
        ]
        assert j.api.since(mark, ELDER) == []
        assert {link.status for link in await _rows(j, FamilyLink)} == {"revoked"}


async def test_a_forged_unlink_for_someone_elses_link_is_refused(tmp_path, clock, caplog) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        elder, son, daughter = await _people(j)
        await _signed(j, NEIGHBOUR, "dr_wang", name="李秀英")
        j.api.user(NEIGHBOUR, first_name="李秀英")
        await _link(j, MEMBER, "父母")
        await j.dispatch()
        link = (await _rows(j, FamilyLink))[0]
        outbox_before = len(await _rows(j, Outbox))

        # Someone with no part in the link crafts the buttons: neither the read-back
        # (which would name the two) nor the confirm does anything.
        for action in ("revoke", "unlink", "keep"):
            await j.do(j.api.tap_stale(NEIGHBOUR, 1, FamilyAction(action=action, link_id=link.id).pack()))
            assert j.last_text(NEIGHBOUR) == "您和这位家人已经没有关注关系了。"
        assert not any("王小明" in text or "张桂兰" in text for text in j.api.texts(NEIGHBOUR))
        assert [(r.status, r.revoked_at) for r in await _rows(j, FamilyLink)] == [("active", None)]
        assert len(await _rows(j, Outbox)) == outbox_before
        assert any("refused family unlink" in r.getMessage() for r in caplog.records)


@pytest.mark.postgres
async def test_on_postgresql_a_copy_written_while_the_link_ends_is_not_sent(tmp_path, clock) -> None:
    """A booking's notices written in a transaction still open when the resident ends a
    link: on PostgreSQL the revocation does not wait for it (the booking never touches
    the link), so the copy it wrote for him is committed after the withdrawal. It is
    held back when it comes due, and marked withdrawn; everyone else's goes out."""
    url = await create_postgres_database()
    try:
        async with running_jiayi(tmp_path, clock, database_url=url) as j:
            deps = j.app.deps
            elder, son, daughter = await _people(j)
            await _link(j, MEMBER, "父母")
            await _link(j, DAUGHTER, "Parent")
            await j.dispatch()
            async with deps.sessionmaker() as session:
                wang = await session.scalar(select(Provider).where(Provider.code == "dr_wang"))
                slot = await session.scalar(
                    select(Slot)
                    .where(Slot.provider_id == wang.id, Slot.modality == "clinic", Slot.starts_at >= WEDNESDAY)
                    .order_by(Slot.starts_at)
                )  # fmt: skip
                # Stored without its notices: they are written below, as the booking's
                # own transaction would, while the resident ends the link.
                booking_id = (await book(session, resident_id=elder.id, slot_id=slot.id, service_code="bp_check",
                                         clock=deps.clock)).id  # fmt: skip

            async with deps.sessionmaker() as booking_tx:
                await deps.notifier.booking_created(booking_tx, booking_id)  # its rows, not yet committed
                await booking_tx.flush()
                await asyncio.wait_for(j.say(ELDER, "/family"), 10)
                await asyncio.wait_for(j.tap(ELDER, "✖️ 解除 王小明"), 10)
                sent = await asyncio.wait_for(j.tap(ELDER, "✅ 确定解除"), 10)
                assert sent[-1].text == "已解除和 王小明 的关注。"  # without waiting for the booking
                await booking_tx.commit()

            copies = await _rows(j, Outbox, Outbox.booking_id == booking_id, Outbox.kind == "reminder")
            assert {(r.chat_id, r.status) for r in copies} == {(ELDER, "pending"), (MEMBER, "pending"), (DAUGHTER, "pending")}
            starts = (await _rows(j, Booking, Booking.id == booking_id))[0].starts_at
            clock.set(starts - timedelta(hours=2))
            mark = j.api.mark()
            await j.dispatch()
            assert [s.text for s in j.api.since(mark, MEMBER)] == [
                "【关于 张桂兰（父母）】\n张桂兰 已解除了您的关注，您不会再收到张桂兰的消息。"
            ]
            assert len(j.api.since(mark, DAUGHTER)) == 2 and len(j.api.since(mark, ELDER)) == 2
            copies = await _rows(j, Outbox, Outbox.booking_id == booking_id, Outbox.chat_id == MEMBER)
            assert {(r.status, r.payload == {}) for r in copies} == {("retracted", True)}
    finally:
        await drop_postgres_database(url)
