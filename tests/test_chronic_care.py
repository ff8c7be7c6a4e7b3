"""Chronic care (医防融合) end to end through the real routers and the local Bot API:
a care plan item comes due, is offered, booked and completed (with the follow-up call
on the doctor's agenda); a very high reading alerts the doctor with a trend chart and
the doctor's guidance reaches the resident; a family member links with the parent's
consent, books and reports for them and gets their alerts, until the parent revokes;
lectures fill up and a freed seat goes to the first on the waitlist. Assertions are on
what was sent and what was stored."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from actions.chronic_stats import chronic_care_report
from actions.contracts import sign_contract
from actions.models import (
    Booking,
    CarePlanItem,
    FamilyLink,
    FollowUpCall,
    GroupSession,
    Outbox,
    Provider,
    ProxyBooking,
    Reading,
    ReadingReview,
    Resident,
    SessionSignup,
    WaitlistEntry,
)
from scheduler import jobs
from tests.conftest import TZ, make_resident
from tests.harness import Jiayi, running_jiayi
from tests.test_e2e_booking import DOCTOR, RESIDENT, link_doctor, onboard, sign_with_wang

MEMBER = 702
OTHER = 703
PNG = b"\x89PNG\r\n\x1a\n"


async def _resident(j: Jiayi, telegram_id: int) -> Resident:
    async with j.app.deps.sessionmaker() as session:
        found = await session.scalar(select(Resident).where(Resident.telegram_id == telegram_id))
        assert found is not None
        return found


async def _signed_resident(j: Jiayi, telegram_id: int, **fields: object) -> Resident:
    """A registered resident contracted with Dr Wang (onboarding has its own tests)."""
    deps = j.app.deps
    async with deps.sessionmaker() as session:
        resident = await make_resident(session, telegram_id, deps.clock, **fields)
        wang = await session.scalar(select(Provider).where(Provider.code == "dr_wang"))
        await sign_contract(session, resident_id=resident.id, provider_id=wang.id, clock=deps.clock)
        return resident


def _texts(j: Jiayi, user: int) -> str:
    return "\n".join(j.api.texts(user))


async def test_a_care_plan_item_is_offered_booked_and_completed_with_a_follow_up_call(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        deps, loop = j.app.deps, j.app.care_loop
        await link_doctor(j)
        await onboard(j, RESIDENT, "zh")  # born 1948, hypertension
        await sign_with_wang(j, RESIDENT, "zh")

        report = await jobs.plan_care(deps, loop)
        assert report["planned"] == 2 and report["offered"] == 0
        async with deps.sessionmaker() as session:
            items = {i.plan_code: i for i in (await session.scalars(select(CarePlanItem))).all()}
        assert set(items) == {"hypertension_followup", "elderly_checkup"}
        assert str(items["hypertension_followup"].due_on) == "2026-12-07"
        assert items["hypertension_followup"].service_code == "chronic_followup"

        # A week before the due date the resident is offered their family doctor's times.
        clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=TZ))
        report = await jobs.plan_care(deps, loop)
        assert report["offered"] == 1
        await j.dispatch()
        offer = j.api.last(RESIDENT)
        assert "季度血压随访下周到期" in offer.text and "12月7日" in offer.text and "王芳" in offer.text
        times = [b for b in offer.buttons() if "王芳" in b]
        assert times and "🔎 其他时间" in offer.buttons()
        assert await jobs.plan_care(deps, loop) == {"planned": 0, "offered": 0, "overdue": 0}  # once

        await j.tap(RESIDENT, times[0])
        readback = j.last_text(RESIDENT)
        assert "请核对" in readback and "慢病随访" in readback and "王芳" in readback
        sent = await j.tap(RESIDENT, "✅ 确认预约")
        booked = next(s.text for s in sent if "预约好了" in (s.text or ""))
        assert "✅已提交 → ⬜已接单" in booked
        async with deps.sessionmaker() as session:
            booking = (await session.scalars(select(Booking))).one()
            item = await session.get(CarePlanItem, items["hypertension_followup"].id)
            assert booking.service_code == "chronic_followup" and item.status == "booked" and item.booking_id == booking.id

        # The doctor accepts (the resident sees the progress), then marks the visit done.
        await j.dispatch()
        await j.tap(DOCTOR, "✅ 接受")
        await j.dispatch()
        assert "✅已提交 → ✅已接单 → ✅已预约 → ⬜已完成" in j.last_text(RESIDENT)
        clock.set(booking.starts_at + timedelta(minutes=10))
        await j.say(DOCTOR, "/agenda")
        stamp = booking.starts_at.astimezone(TZ).strftime("%H:%M")
        await j.tap(DOCTOR, f"{stamp} ✔️ 已完成")
        await j.tap(DOCTOR, f"✔️ 确认 {stamp} 已完成")
        await j.dispatch()
        assert "✅已提交 → ✅已接单 → ✅已预约 → ✅已完成" in j.last_text(RESIDENT)  # with the rating request
        async with deps.sessionmaker() as session:
            done = await session.get(CarePlanItem, item.id)
            assert done.status == "done" and done.completed_at is not None
            following = (await session.scalars(
                select(CarePlanItem).where(CarePlanItem.plan_code == "hypertension_followup", CarePlanItem.status == "open")
            )).one()  # fmt: skip
            assert (following.due_on - done.completed_at.date()).days == 90
            call = (await session.scalars(select(FollowUpCall))).one()
            assert call.booking_id == booking.id and call.status == "open"
            assert call.due_at == clock() + timedelta(hours=24)

        # The follow-up call reaches the doctor with a done button, and is on the agenda.
        await j.dispatch()
        notice = next(s for s in reversed(j.api.sent(DOCTOR)) if "服务后随访" in (s.text or ""))
        assert "张桂兰" in notice.text and "138 0013 8000" in notice.text and notice.buttons() == ["✅ 已回访"]
        await j.say(DOCTOR, "/agenda")
        assert "服务后电话随访（1 个）" in _texts(j, DOCTOR)
        clock.advance(hours=3)
        sent = await j.tap(DOCTOR, "✅ 已回访")
        assert any("已标记回访完成" in (s.text or "") for s in sent)
        async with deps.sessionmaker() as session:
            assert (await session.get(FollowUpCall, call.id)).status == "done"
            stats = await chronic_care_report(session, since=clock() - timedelta(days=30), now=clock(), today=clock().date())
        assert stats.follow_up_calls == 1 and stats.follow_up_completion_rate == 1.0
        assert stats.priority_residents == 1 and stats.priority_coverage == 1.0


async def test_an_overdue_item_goes_to_the_family_doctors_agenda(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        deps, loop = j.app.deps, j.app.care_loop
        await link_doctor(j)
        await _signed_resident(j, RESIDENT, name="李大爷", priority_groups=["diabetes"], birth_year=1960)
        await jobs.plan_care(deps, loop)
        clock.set(datetime(2026, 12, 9, 8, 0, tzinfo=TZ))  # past the 7 December due date
        report = await jobs.plan_care(deps, loop)
        assert report["overdue"] == 1
        await j.say(DOCTOR, "/agenda")
        agenda = _texts(j, DOCTOR)
        assert "逾期未做的随访计划（1 个）" in agenda and "李大爷" in agenda and "季度血糖随访" in agenda


async def test_a_very_high_reading_alerts_the_doctor_with_a_chart_and_the_guidance_is_relayed(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        sent = await j.say(RESIDENT, "血压145/95")
        assert "已记下您的：血压 145/95（偏高）" in sent[0].text and "目标：低于 140/90" in sent[0].text
        clock.advance(hours=20)

        sent = await j.say(RESIDENT, "今天早上量的血压185/115")
        texts = "\n".join(s.text or "" for s in sent)
        assert "血压 185/115（很高）" in texts and "已通知王芳" in texts
        assert "打 120" in texts  # what to watch for
        assert "优先给您安排今天的时间" in texts  # the same-day fast track

        async with j.app.deps.sessionmaker() as session:
            readings = (await session.scalars(select(Reading).order_by(Reading.id))).all()
            assert [(r.systolic, r.diastolic, r.level) for r in readings] == [(145, 95, "high"), (185, 115, "very_high")]
            review = (await session.scalars(select(ReadingReview))).one()
            assert review.kind == "urgent" and review.status == "open" and review.reading_id == readings[1].id

        await j.dispatch()
        alert = next(s for s in j.api.sent(DOCTOR) if "家庭测量异常" in (s.text or ""))
        assert "张桂兰" in alert.text and "185/115" in alert.text and "最近7天：2 次，2 次偏高" in alert.text
        assert alert.buttons() == ["✍️ 回复指导"]
        chart = next(s for s in j.api.sent(DOCTOR) if s.method == "sendPhoto")
        assert chart.file is not None and chart.file.startswith(PNG) and len(chart.file) > 5000
        assert "张桂兰 血压趋势" in (chart.text or "")
        async with j.app.deps.sessionmaker() as session:
            row = await session.scalar(select(Outbox).where(Outbox.kind == "reading_review"))
            assert row.status == "sent" and row.payload == {}  # the picture is not kept

        await j.tap(DOCTOR, "✍️ 回复指导")
        assert "请输入给 张桂兰 的建议" in j.last_text(DOCTOR)
        advice = "降压药照常吃，今天下午来门诊复查。如果胸口疼或者说话不清，马上打120。"
        sent = await j.say(DOCTOR, advice)
        assert any("已发给 张桂兰" in (s.text or "") for s in sent)
        assert not any("120" in (s.text or "") and "急救" in (s.text or "") for s in sent)  # not taken for a red flag
        await j.dispatch()
        relayed = j.last_text(RESIDENT)
        assert "王芳看了您的记录" in relayed and advice in relayed
        async with j.app.deps.sessionmaker() as session:
            review = (await session.scalars(select(ReadingReview))).one()
            assert review.status == "answered" and review.guidance == advice
        # Answered once only.
        await j.tap(DOCTOR, "✍️ 回复指导")
        assert "已经有人回复过了" in j.last_text(DOCTOR)


async def test_hypoglycaemia_after_triage_and_repeated_highs_in_english(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, RESIDENT, "en")
        await sign_with_wang(j, RESIDENT, "en")
        # Triage asks first; once it is not an emergency the reading is handled.
        await j.say(RESIDENT, "my blood sugar is 2.8")
        assert j.buttons(RESIDENT) == ["🚨 Yes, it's urgent", "No, go on"]
        async with j.app.deps.sessionmaker() as session:
            assert (await session.scalars(select(Reading))).all() == []  # nothing before the answer
        sent = await j.tap(RESIDENT, "No, go on")
        texts = "\n".join(s.text or "" for s in sent)
        assert "random glucose 2.8 (low)" in texts and "Eat some sugar" in texts

        for i in range(3):
            clock.advance(hours=8)
            sent = await j.say(RESIDENT, f"BP 15{i} over 95")
        assert "Wang Fang has been asked to look at them" in sent[-1].text
        async with j.app.deps.sessionmaker() as session:
            kinds = [r.kind for r in (await session.scalars(select(ReadingReview).order_by(ReadingReview.id))).all()]
            assert kinds == ["urgent", "repeated"]
            stats = await chronic_care_report(session, since=clock() - timedelta(days=7), now=clock(), today=clock().date())
        assert stats.bp_residents == 1 and stats.bp_control_rate == 0.0
        assert stats.glucose_residents == 1 and stats.glucose_control_rate == 0.0 and stats.urgent_readings == 1

        # On request: the trend chart as a picture, with a summary.
        mark = j.api.mark()
        await j.say(RESIDENT, "/health")
        sent = j.api.since(mark, RESIDENT)
        photos = [s for s in sent if s.method == "sendPhoto"]
        assert len(photos) == 2 and all(p.file.startswith(PNG) for p in photos)
        assert any("Blood pressure: 3 readings, average 151/95, 3 high." in (s.text or "") for s in sent)


async def test_a_family_member_links_with_consent_books_and_reports_for_a_parent(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        deps = j.app.deps
        await link_doctor(j)
        elder = await _signed_resident(j, RESIDENT, name="张桂兰", birth_year=1946, address="和平里一区3号楼2单元501")
        member = await _signed_resident(j, MEMBER, name="王小明", birth_year=1975, address="青年湖小区8号楼")
        j.api.user(RESIDENT, first_name="张桂兰")
        j.api.user(MEMBER, first_name="王小明")

        # The member asks for a code; the parent sends it and agrees after a read-back.
        await j.say(MEMBER, "/family")
        await j.tap(MEMBER, "➕ 我是家属，关注老人")
        await j.tap(MEMBER, "父母")
        code = re.search(r"家人码是：(\d{6})", j.last_text(MEMBER)).group(1)
        async with deps.sessionmaker() as session:
            link = (await session.scalars(select(FamilyLink))).one()
            assert link.status == "pending" and link.code_hash != code and len(link.code_hash) == 64
        await j.say(RESIDENT, code)
        assert "王小明（您的子女）想关注您的健康" in j.last_text(RESIDENT)
        await j.tap(RESIDENT, "✅ 同意")
        assert "王小明 现在可以帮您办事了" in j.last_text(RESIDENT)
        await j.dispatch()
        told = j.last_text(MEMBER)
        assert told.startswith("【关于 张桂兰（父母）】") and "张桂兰 已同意" in told
        # A code works once.
        await j.say(OTHER, code)

        # The member books for the parent in free text.
        sent = await j.say(MEMBER, "帮我妈约明天上午到社区量血压")
        assert any("为 张桂兰（父母）预约" in (s.text or "") for s in sent)
        offer = next(b for b in j.buttons(MEMBER) if "王芳" in b)
        await j.tap(MEMBER, offer)
        readback = j.last_text(MEMBER)
        assert "为：张桂兰（父母）" in readback and "血压测量" in readback
        sent = await j.tap(MEMBER, "✅ 确认预约")
        assert any("为：张桂兰（父母）" in (s.text or "") and "预约好了" in (s.text or "") for s in sent)
        async with deps.sessionmaker() as session:
            booking = (await session.scalars(select(Booking))).one()
            assert booking.resident_id == elder.id
            proxy = await session.get(ProxyBooking, booking.id)
            assert proxy.member_id == member.id
            reminders = (await session.scalars(select(Outbox).where(Outbox.kind == "reminder"))).all()
            to_member = [r for r in reminders if r.chat_id == MEMBER]
            assert to_member and all(r.payload["text"].startswith("【关于 张桂兰（父母）】") for r in to_member)
            assert any(r.chat_id == RESIDENT for r in reminders)
        await j.dispatch()
        assert "您的子女 王小明 为您预约了" in _texts(j, RESIDENT)
        assert "张桂兰" in j.api.last(DOCTOR).text and "新预约" in j.api.last(DOCTOR).text

        # A reading for the parent is stored as theirs, reported by the member.
        sent = await j.say(MEMBER, "我妈刚量的血压160/100")
        assert "已记下张桂兰的：血压 160/100（偏高）" in sent[0].text
        async with deps.sessionmaker() as session:
            reading = (await session.scalars(select(Reading))).one()
            assert reading.resident_id == elder.id and reading.reported_by_id == member.id

        # The parent's emergency reaches the member, saying whom it is about.
        await j.say(RESIDENT, "我胸口疼得厉害，一直出冷汗")
        await j.dispatch()
        alert = j.last_text(MEMBER)
        assert alert.startswith("【关于 张桂兰（父母）】") and "紧急情况" in alert and "和平里一区3号楼2单元501" in alert
        assert "王小明" in _texts(j, RESIDENT)  # the parent is told truthfully who was told

        # The parent revokes: the member is told and can no longer act for them.
        await j.say(RESIDENT, "/family")
        await j.tap(RESIDENT, "✖️ 解除 王小明")
        await j.tap(RESIDENT, "✅ 确定解除")
        assert "已解除和 王小明 的关注" in j.last_text(RESIDENT)
        await j.dispatch()
        assert "张桂兰 已解除了您的关注" in j.last_text(MEMBER)
        async with deps.sessionmaker() as session:
            assert (await session.scalars(select(FamilyLink))).one().status == "revoked"
        await j.say(MEMBER, "/family")
        assert "替张桂兰预约" not in " ".join(j.buttons(MEMBER))
        sent = await j.say(MEMBER, "我妈血压150/90")
        assert "先在 👪 亲情账户 里关注TA" in sent[0].text  # not stored for anyone
        async with deps.sessionmaker() as session:
            assert len((await session.scalars(select(Reading))).all()) == 1


async def test_lectures_fill_up_and_a_freed_seat_goes_to_the_first_in_line(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        deps = j.app.deps
        await link_doctor(j)
        first = await _signed_resident(j, RESIDENT, name="张桂兰")
        second = await _signed_resident(j, MEMBER, name="王小明")
        async with deps.sessionmaker() as session:
            lecture = await session.scalar(
                select(GroupSession).where(GroupSession.code == "bp_lecture").order_by(GroupSession.starts_at)
            )
            lecture.capacity = 1
            await session.commit()
        assert lecture.starts_at.astimezone(TZ).weekday() == 5  # a Saturday morning

        await j.say(RESIDENT, "/classes")
        assert "高血压自我管理讲座" in j.last_text(RESIDENT) and "还剩 1 个位子" in j.last_text(RESIDENT)
        await j.tap(RESIDENT, next(b for b in j.buttons(RESIDENT) if b.startswith("✍️ 报名") and "11月28日" in b))
        assert "请核对：报名 高血压自我管理讲座" in j.last_text(RESIDENT)
        await j.tap(RESIDENT, "✅ 确认报名")
        assert "报好名了" in j.last_text(RESIDENT)

        await j.say(MEMBER, "/classes")
        assert "已满" in j.last_text(MEMBER)
        await j.tap(MEMBER, next(b for b in j.buttons(MEMBER) if b.startswith("🔔 候补") and "11月28日" in b))
        assert "您是第 1 位" in j.last_text(MEMBER)

        await j.say(RESIDENT, "/classes")
        await j.tap(RESIDENT, next(b for b in j.buttons(RESIDENT) if b.startswith("✖️ 取消报名")))
        assert "已取消报名" in j.last_text(RESIDENT)
        async with deps.sessionmaker() as session:
            entry = (await session.scalars(select(WaitlistEntry))).one()
            assert entry.status == "offered" and entry.resident_id == second.id
            assert (await session.get(GroupSession, lecture.id)).booked == 1  # held for them
            reminders = (await session.scalars(select(Outbox).where(Outbox.kind == "session_reminder"))).all()
            assert reminders and {r.status for r in reminders if r.chat_id == RESIDENT} == {"retracted"}
        await j.dispatch()
        assert "有空位了：高血压自我管理讲座" in j.last_text(MEMBER)
        await j.tap(MEMBER, "✅ 要这个")
        assert "报好名了：高血压自我管理讲座" in j.last_text(MEMBER)

        # At the start the host (Dr Wang) marks who came.
        clock.set(lecture.starts_at + timedelta(minutes=1))
        assert await jobs.group_sessions(deps, j.app.care_loop) == 1
        await j.dispatch()
        assert "签到：高血压自我管理讲座" in j.last_text(DOCTOR)
        await j.tap(DOCTOR, "✅ 王小明 到场")
        assert "已签到" in j.last_text(DOCTOR)
        async with deps.sessionmaker() as session:
            signups = (await session.scalars(select(SessionSignup).order_by(SessionSignup.id))).all()
            assert [(s.resident_id, s.status) for s in signups] == [(first.id, "cancelled"), (second.id, "attended")]
            stats = await chronic_care_report(session, since=clock() - timedelta(days=30), now=clock(), today=clock().date())
        assert stats.lecture_signups == 1 and stats.lecture_attendance_rate == 1.0


async def test_the_weekly_chart_goes_to_residents_who_reported(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await _signed_resident(j, RESIDENT, name="张桂兰")
        await _signed_resident(j, MEMBER, name="王小明")
        for text in ("空腹血糖7.8", "餐后血糖11.6", "空腹血糖6.4"):
            await j.say(RESIDENT, text)
            clock.advance(hours=12)
        assert await jobs.send_weekly_charts(j.app.deps, j.app.care_loop) == 1
        assert await jobs.send_weekly_charts(j.app.deps, j.app.care_loop) == 0  # once a week
        mark = j.api.mark()
        await j.dispatch()
        sent = j.api.since(mark, RESIDENT)
        assert "您这一周的血糖记录：血糖：最近 3 次，2 次偏高，0 次偏低。" in sent[0].text
        assert sent[1].method == "sendPhoto" and sent[1].file.startswith(PNG) and "张桂兰 血糖趋势" in sent[1].text
        assert j.api.sent(MEMBER) == []


def test_jiayi_stats_shows_the_chronic_care_numbers(tmp_path, monkeypatch, capsys) -> None:
    import asyncio
    import json

    from actions.db import create_engine, create_sessionmaker, migrate
    from actions.readings import record_reading
    from bot.cli import main
    from nlu.readings import Reading as Measured

    url = f"sqlite+aiosqlite:///{tmp_path / 'jiayi.sqlite3'}"

    async def prepare() -> None:
        from actions.care_config import load_care_config
        from actions.clock import FixedClock

        await migrate(url)
        engine = create_engine(url)
        clock = FixedClock(datetime.now(TZ))
        async with create_sessionmaker(engine)() as session:
            th = load_care_config().thresholds
            for telegram_id, bp in ((9001, (132, 84)), (9002, (150, 96)), (9003, (128, 80)), (9004, (120, 78))):
                resident = await make_resident(session, telegram_id, clock, birth_year=1950, priority_groups=["hypertension"])
                await record_reading(session, resident_id=resident.id, reading=Measured("bp", systolic=bp[0], diastolic=bp[1]),
                                     thresholds=th, clock=clock)  # fmt: skip
            await session.commit()
        await engine.dispose()

    asyncio.run(prepare())
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["stats", "--json"]) == 0
    chronic = json.loads(capsys.readouterr().out)["chronic_care"]
    assert chronic["bp_residents"] == 4 and chronic["bp_controlled"] == 3 and chronic["bp_control_rate"] == 0.75
    assert chronic["priority_residents"] == 4 and chronic["priority_coverage"] == 0.0
    assert main(["stats"]) == 0
    assert "BP control 3/4 (75.0%)" in capsys.readouterr().out
