"""A resident books a service end to end through the local Bot API, in both languages:
onboarding, the family-doctor contract, booking, the provider's summary, cancel and
reschedule. Assertions are on what was sent and what was stored."""

from __future__ import annotations

from sqlalchemy import select

from actions.models import Booking, Contract, Outbox, Provider, Resident
from actions.providers import create_invite
from tests.harness import Jiayi, running_jiayi

RESIDENT = 501
DOCTOR = 901


async def onboard(j: Jiayi, user: int, lang: str) -> None:
    zh = lang == "zh"
    j.api.user(user, first_name="张阿姨" if zh else "Mary", language_code=lang)
    sent = await j.say(user, "/start")
    assert any("中文" in s.buttons() for s in sent)
    await j.tap(user, "中文" if zh else "English")
    assert ("隐私" if zh else "Privacy") in j.last_text(user)
    await j.tap(user, "✅ 同意" if zh else "✅ I agree")
    assert ("怎么称呼" if zh else "call you") in j.last_text(user)
    await j.say(user, "张桂兰" if zh else "Mary Smith")
    await j.do(j.api.send_contact(user, "+86 138 0013 8000"))
    assert ("出生" if zh else "born") in j.last_text(user)
    await j.say(user, "1948")
    await j.say(user, "和平里一区3号楼2单元501" if zh else "Block 3, Flat 501, Hepingli")
    assert ("65岁以上" if zh else "Aged 65+") in " ".join(j.buttons(user))
    await j.tap(user, "高血压" if zh else "High blood pressure")
    await j.tap(user, "👍 好了" if zh else "👍 Done")
    sent = await j.say(user, "王小明 13900139000" if zh else "Tom Smith 13900139000")
    texts = " ".join(s.text or "" for s in sent)
    assert ("资料填好了" if zh else "profile is ready") in texts
    assert ("请选择一位医生" if zh else "choose a doctor") in texts


async def sign_with_wang(j: Jiayi, user: int, lang: str) -> None:
    zh = lang == "zh"
    doctor_button = next(b for b in j.buttons(user) if ("王芳" if zh else "Wang Fang") in b)
    await j.tap(user, doctor_button)
    assert ("确认" if zh else "confirm") in j.last_text(user).lower()
    sent = await j.tap(user, "✅ 确认签约" if zh else "✅ Sign")
    assert ("签约成功" if zh else "Signed") in " ".join(s.text or "" for s in sent)


async def link_doctor(j: Jiayi) -> None:
    async with j.app.deps.sessionmaker() as session:
        code = await create_invite(session, provider_code="dr_wang", clock=j.app.deps.clock)
    j.api.user(DOCTOR, first_name="王芳", language_code="zh")
    sent = await j.say(DOCTOR, f"/start {code}")
    assert "已绑定" in sent[-1].text


async def test_a_resident_books_by_buttons_and_the_doctor_is_told(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")

        await j.tap(RESIDENT, "📅 预约服务")
        assert "血压测量" in j.buttons(RESIDENT)
        await j.tap(RESIDENT, "血压测量")
        await j.tap(RESIDENT, "明天")
        await j.tap(RESIDENT, "🌅 上午")
        await j.tap(RESIDENT, "到社区医院")
        offers = [b for b in j.buttons(RESIDENT) if "王芳" in b]
        assert offers, j.buttons(RESIDENT)
        assert len([b for b in j.buttons(RESIDENT) if "·" in b]) <= 5
        assert "11月24日" in offers[0]  # tomorrow, Tuesday
        await j.tap(RESIDENT, offers[0])
        readback = j.last_text(RESIDENT)
        assert "请核对" in readback and "血压测量" in readback and "王芳" in readback
        sent = await j.tap(RESIDENT, "✅ 确认预约")
        assert any("预约好了" in (s.text or "") and "测量前半小时" in (s.text or "") for s in sent)

        async with j.app.deps.sessionmaker() as session:
            booking = (await session.scalars(select(Booking))).one()
            assert booking.status == "confirmed" and booking.service_code == "bp_check"
            reminders = (await session.scalars(select(Outbox).where(Outbox.kind == "reminder"))).all()
            # Booked exactly a day ahead: the 24-hour reminder would be now, so only
            # the 2-hour one is planned, with the preparation text.
            assert [r.dedupe_key for r in reminders] == [f"reminder:{booking.id}:2"]
            assert "测量前半小时" in reminders[0].payload["text"]

        await j.dispatch()
        summary = j.api.last(DOCTOR).text
        assert "新预约" in summary and "张桂兰" in summary and "78岁" in summary
        assert "高血压" in summary and "65岁以上" in summary and "血压测量" in summary
        assert j.api.last(DOCTOR).buttons() == ["✅ 接受", "🕑 换个时间", "✖️ 无法接诊"]


async def test_free_text_booking_cancel_and_reschedule_in_english(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, RESIDENT, "en")
        await sign_with_wang(j, RESIDENT, "en")

        await j.say(RESIDENT, "can I get my blood pressure checked tomorrow morning at the clinic?")
        offers = [b for b in j.buttons(RESIDENT) if "Wang Fang" in b]
        assert offers and all("Tue 24 Nov" in b for b in offers), j.buttons(RESIDENT)
        await j.tap(RESIDENT, offers[0])
        await j.tap(RESIDENT, "✅ Confirm booking")
        assert "Booked" in j.api.texts(RESIDENT)[-2] or "Booked" in j.last_text(RESIDENT) or any(
            "Booked" in t for t in j.api.texts(RESIDENT)[-3:]
        )
        async with j.app.deps.sessionmaker() as session:
            booking = (await session.scalars(select(Booking))).one()
            assert booking.request_text.startswith("can I get my blood pressure")

        # Reschedule from "My bookings".
        await j.tap(RESIDENT, "📋 My bookings")
        await j.tap(RESIDENT, "🔄 Change time")
        assert "Change the time" in " ".join(j.api.texts(RESIDENT)[-3:])
        new_offer = next(b for b in j.buttons(RESIDENT) if "·" in b)
        await j.tap(RESIDENT, new_offer)
        sent = await j.tap(RESIDENT, "✅ Confirm booking")
        assert any("Changed" in (s.text or "") for s in sent)
        async with j.app.deps.sessionmaker() as session:
            rows = (await session.scalars(select(Booking).order_by(Booking.id))).all()
            assert [b.status for b in rows] == ["cancelled", "confirmed"]
            retracted = (await session.scalars(select(Outbox).where(Outbox.booking_id == rows[0].id, Outbox.kind == "reminder"))).all()
            assert {r.status for r in retracted} == {"retracted"}

        # Cancel, with a read-back first.
        await j.tap(RESIDENT, "📋 My bookings")
        await j.tap(RESIDENT, "✖️ Cancel this")
        assert "Cancel this booking?" in j.last_text(RESIDENT)
        sent = await j.tap(RESIDENT, "✅ Yes, cancel")
        assert any("Cancelled" in (s.text or "") for s in sent)
        async with j.app.deps.sessionmaker() as session:
            assert [b.status for b in (await session.scalars(select(Booking).order_by(Booking.id))).all()] == [
                "cancelled",
                "cancelled",
            ]
        await j.dispatch()
        doctor_texts = j.api.texts(DOCTOR)
        assert any("预约已取消" in t for t in doctor_texts)
        assert any("改了时间" in t for t in doctor_texts)


async def test_contract_is_one_per_household_and_stored(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        async with j.app.deps.sessionmaker() as session:
            resident = (await session.scalars(select(Resident))).one()
            contract = (await session.scalars(select(Contract))).one()
            doctor = await session.get(Provider, contract.provider_id)
            assert contract.household_id == resident.household_id and doctor.code == "dr_wang"
            assert resident.phone == "+8613800138000" and resident.priority_groups == ["elderly_65", "hypertension"]


async def test_cancel_and_reschedule_in_chinese_and_the_doctor_is_told(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        await j.say(RESIDENT, "后天上午到社区测个血糖")
        offer = next(b for b in j.buttons(RESIDENT) if "·" in b)
        assert "11月25日" in offer and "王芳" in offer
        await j.tap(RESIDENT, offer)
        await j.tap(RESIDENT, "✅ 确认预约")

        await j.say(RESIDENT, "我想改个时间")  # free text reaches "my bookings"
        await j.tap(RESIDENT, "🔄 改时间")
        assert "改时间" in " ".join(j.api.texts(RESIDENT)[-3:])
        await j.tap(RESIDENT, next(b for b in j.buttons(RESIDENT) if "·" in b))
        sent = await j.tap(RESIDENT, "✅ 确认预约")
        assert any("改好了" in (s.text or "") for s in sent)

        await j.tap(RESIDENT, "📋 我的预约")
        await j.tap(RESIDENT, "✖️ 取消这个")
        assert "要取消这个预约吗" in j.last_text(RESIDENT)
        sent = await j.tap(RESIDENT, "✅ 确认取消")
        assert any("已取消" in (s.text or "") for s in sent)
        async with j.app.deps.sessionmaker() as session:
            statuses = [b.status for b in (await session.scalars(select(Booking).order_by(Booking.id))).all()]
        assert statuses == ["cancelled", "cancelled"]
        await j.dispatch()
        doctor = " ".join(j.api.texts(DOCTOR))
        assert "新预约" in doctor and "改了时间" in doctor and "预约已取消" in doctor
