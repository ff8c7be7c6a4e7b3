"""The care loop with an injected clock (no sleeping for due times): reminders, their
retraction, restarts mid-send, several dispatchers, 429 and 403, the agenda, and
ratings end to end through the local Bot API."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from actions.booking import book, cancel
from actions.contracts import sign_contract
from actions.db import create_engine, create_sessionmaker
from actions.matching import MatchRequest, match
from actions.models import Booking, FollowUp, Outbox, Provider, Rating, RatingRequest, Resident
from actions.providers import create_invite
from scheduler.outbox import claim_due, enqueue, message
from scheduler.sender import Dispatcher
from tests.conftest import create_postgres_database, drop_postgres_database, make_resident
from tests.harness import running_jiayi

RESIDENT = 601
DOCTOR = 902
STAFF = 990


async def link(j, user: int, code_of: str) -> None:  # type: ignore[no-untyped-def]
    async with j.app.deps.sessionmaker() as session:
        code = await create_invite(session, provider_code=code_of, clock=j.app.deps.clock)
    await j.say(user, f"/start {code}")


async def quick_booking(j, *, days_ahead: int = 2, telegram_id: int = RESIDENT) -> int:  # type: ignore[no-untyped-def]
    """A resident with a contract and a clinic BP check `days_ahead` days from now."""
    deps = j.app.deps
    async with deps.sessionmaker() as session:
        resident = await make_resident(session, telegram_id, deps.clock, birth_year=1950, priority_groups=["diabetes"])
        wang = (await session.scalars(select(Provider).where(Provider.code == "dr_wang"))).one()
        await sign_contract(session, resident_id=resident.id, provider_id=wang.id, clock=deps.clock)
        start = deps.clock() + timedelta(days=days_ahead)
        result = await match(
            session, resident_id=resident.id,
            request=MatchRequest("bp_check", start, start + timedelta(days=1), "clinic"),
            catalog=deps.catalog, clock=deps.clock, tz=deps.tz,
        )  # fmt: skip
        offer = next(o for o in result.offers if o.tier == "family_doctor")
        booking = await book(session, resident_id=resident.id, slot_id=offer.slot_id, service_code="bp_check",
                             request_text="想量个血压", clock=deps.clock, notifier=deps.notifier)  # fmt: skip
        return booking.id


async def test_reminders_go_out_once_at_the_right_time_and_not_after_cancelling(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link(j, DOCTOR, "dr_wang")
        booking_id = await quick_booking(j)
        async with j.app.deps.sessionmaker() as session:
            booking = await session.get(Booking, booking_id)
            starts = booking.starts_at
        await j.dispatch()
        assert "新预约" in j.api.last(DOCTOR).text
        assert j.api.sent(RESIDENT) == []

        clock.set(starts - timedelta(hours=24, minutes=1))
        assert await j.dispatch() == 0
        clock.set(starts - timedelta(hours=24))
        assert await j.dispatch() == 1
        reminder = j.api.last(RESIDENT)
        assert "提醒" in reminder.text and "明天" in reminder.text and "测量前半小时" in reminder.text
        assert reminder.buttons() == ["✅ 我会去", "🔄 改时间", "✖️ 取消这个"]
        assert await j.dispatch() == 0  # never twice

        # Attendance confirmed from the reminder.
        await j.tap(RESIDENT, "✅ 我会去")
        assert "等您来" in j.last_text(RESIDENT)

        # Cancelling retracts the 2-hour reminder.
        async with j.app.deps.sessionmaker() as session:
            resident = (await session.scalars(select(Resident))).one()
            await cancel(session, resident_id=resident.id, booking_id=booking_id, clock=clock,
                         notifier=j.app.deps.notifier)  # fmt: skip
        clock.set(starts - timedelta(hours=1))
        before = len(j.api.sent(RESIDENT))
        await j.dispatch()
        assert len(j.api.sent(RESIDENT)) == before
        assert "预约已取消" in j.api.last(DOCTOR).text
        async with j.app.deps.sessionmaker() as session:
            statuses = dict(
                (await session.execute(select(Outbox.dedupe_key, Outbox.status).where(Outbox.kind == "reminder"))).all()
            )
        assert statuses == {f"reminder:{booking_id}:24": "sent", f"reminder:{booking_id}:2": "retracted"}


async def test_a_send_run_cut_off_midway_is_finished_once_after_a_restart(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        deps = j.app.deps
        async with deps.sessionmaker() as session:
            for i in range(5):
                await enqueue(session, kind="test", chat_id=3000 + i, recipient_kind="resident",
                              payload=message(f"hello {i}"), due_at=clock(), now=clock())  # fmt: skip
            await session.commit()
            # A dispatcher claims the rows and dies before sending.
            claimed = await claim_due(session, now=clock())
        assert len(claimed) == 5
        restarted = Dispatcher(bot=j.app.bot, sessionmaker=deps.sessionmaker, clock=clock)
        assert await restarted.run_once() == 0  # the lease still holds
        clock.advance(seconds=61)
        assert await restarted.run_once() == 5
        assert await restarted.run_once() == 0
        texts = [s.text for s in j.api.sent() if s.text and s.text.startswith("hello")]
        assert sorted(texts) == [f"hello {i}" for i in range(5)]


async def test_429_waits_and_retries_and_403_marks_the_resident_unreachable(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        deps = j.app.deps
        async with deps.sessionmaker() as session:
            blocked = await make_resident(session, 4001, clock)
            await enqueue(session, kind="test", chat_id=4000, recipient_kind="resident", payload=message("slow down"),
                          due_at=clock(), now=clock())  # fmt: skip
            await enqueue(session, kind="test", chat_id=blocked.chat_id, recipient_kind="resident",
                          payload=message("blocked"), due_at=clock(), now=clock())  # fmt: skip
            await session.commit()
        j.api.fail_next("sendMessage", chat_id=4000, error_code=429, retry_after=1)
        j.api.block(4001)
        dispatcher = Dispatcher(bot=j.app.bot, sessionmaker=deps.sessionmaker, clock=clock)
        assert await dispatcher.run_once() == 0
        assert dispatcher.stats.retried == 1 and dispatcher.stats.failed == 1
        assert await dispatcher.run_once() == 1  # the limiter waited retry_after, then it went
        assert j.api.last(4000).text == "slow down"
        async with deps.sessionmaker() as session:
            rows = dict((await session.execute(select(Outbox.chat_id, Outbox.status))).all())
            assert rows == {4000: "sent", 4001: "failed"}
            assert (await session.get(Resident, blocked.id)).unreachable
        assert await dispatcher.run_once() == 0  # no endless retrying


async def test_two_dispatchers_on_postgresql_send_each_row_once(tmp_path, clock) -> None:
    url = await create_postgres_database()
    try:
        async with running_jiayi(tmp_path, clock, database_url=url) as j:
            async with j.app.deps.sessionmaker() as session:
                for i in range(120):
                    await enqueue(session, kind="test", chat_id=5000 + i, recipient_kind="resident",
                                  payload=message(f"row {i}"), due_at=clock(), now=clock())  # fmt: skip
                await session.commit()
            engines = [create_engine(url), create_engine(url)]
            dispatchers = [
                Dispatcher(bot=j.app.bot, sessionmaker=create_sessionmaker(e), clock=clock, batch=7) for e in engines
            ]
            counts = await asyncio.gather(*(d.run_once() for d in dispatchers))
            for e in engines:
                await e.dispose()
            texts = [s.text for s in j.api.sent() if s.text and s.text.startswith("row ")]
            assert sum(counts) == 120 and len(texts) == 120 and len(set(texts)) == 120
            assert all(c > 0 for c in counts), counts  # both took part
    finally:
        await drop_postgres_database(url)


async def test_agenda_lists_only_the_providers_own_bookings_in_order(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link(j, DOCTOR, "dr_wang")
        await link(j, DOCTOR + 1, "dr_chen")
        await quick_booking(j, days_ahead=1, telegram_id=RESIDENT)
        await quick_booking(j, days_ahead=1, telegram_id=RESIDENT + 1)
        clock.advance(days=1)
        sent = await j.say(DOCTOR, "/agenda")
        agenda = sent[0].text
        assert "2 个" in agenda and agenda.count("血压测量") == 2
        times = [line.split()[0] for line in agenda.splitlines()[1:]]
        assert times == sorted(times)
        other = await j.say(DOCTOR + 1, "/agenda")
        assert "没有预约" in other[0].text
        resident_try = await j.say(RESIDENT, "/agenda")
        assert "只给医生" in resident_try[0].text


async def test_rating_flow_end_to_end_with_a_low_score_follow_up(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock, staff_telegram_ids=[STAFF]) as j:
        await link(j, DOCTOR, "dr_wang")
        booking_id = await quick_booking(j, days_ahead=1)
        await j.dispatch()
        clock.advance(days=1, hours=1)
        await j.say(DOCTOR, "/agenda")
        done_button = next(b for b in j.buttons(DOCTOR) if "已完成" in b)
        await j.tap(DOCTOR, done_button)
        await j.tap(DOCTOR, next(b for b in j.buttons(DOCTOR) if "确认" in b))
        assert "已标记完成" in j.last_text(DOCTOR)
        await j.dispatch()
        request = j.api.last(RESIDENT)
        assert "请打个分" in request.text and request.buttons()[0] == "⭐⭐⭐⭐⭐"

        await j.tap(RESIDENT, "⭐⭐")
        assert "中心工作人员会联系您" in " ".join(j.api.texts(RESIDENT)[-3:])
        await j.say(RESIDENT, "等了一个小时")
        assert "收到" in j.last_text(RESIDENT)
        await j.dispatch()
        assert "低分评价 2★" in j.api.last(STAFF).text

        # One rating per booking: the stars again change nothing.
        await j.do(j.api.tap_stale(RESIDENT, request.message_id, request.callback_data("⭐⭐⭐⭐⭐")))
        assert "已经评过分" in j.last_text(RESIDENT)
        async with j.app.deps.sessionmaker() as session:
            rating = (await session.scalars(select(Rating))).one()
            assert (rating.booking_id, rating.score, rating.comment) == (booking_id, 2, "等了一个小时")
            assert await session.scalar(select(func.count()).select_from(FollowUp)) == 1
            assert (await session.get(Booking, booking_id)).status == "done"


async def test_stats_show_satisfaction_match_rate_and_no_shows_to_staff_only(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock, staff_telegram_ids=[STAFF]) as j:
        await link(j, DOCTOR, "dr_wang")
        first = await quick_booking(j, days_ahead=1, telegram_id=RESIDENT)
        second = await quick_booking(j, days_ahead=1, telegram_id=RESIDENT + 1)
        await j.dispatch()
        await j.tap(DOCTOR, data=j.api.sent(DOCTOR)[-2].reply_markup["inline_keyboard"][0][0]["callback_data"])
        clock.advance(days=1, hours=2)
        from actions.care import mark_outcome, rate

        async with j.app.deps.sessionmaker() as session:
            wang = (await session.scalars(select(Provider).where(Provider.code == "dr_wang"))).one()
            notifier = j.app.deps.notifier
            await mark_outcome(session, booking_id=first, provider_id=wang.id, outcome="done", clock=clock, notifier=notifier)
            await mark_outcome(session, booking_id=second, provider_id=wang.id, outcome="no_show", clock=clock)
            booking = await session.get(Booking, first)
            request = (await session.scalars(select(RatingRequest).where(RatingRequest.booking_id == first))).one()
            await rate(session, request_id=request.id, resident_id=booking.resident_id, score=4, channel="buttons", clock=clock)
        sent = await j.say(STAFF, "/stats")
        report = sent[-1].text
        assert "完成 1 · 未到 1" in report and "平均 4.0" in report and "王芳：预约 2，评分 1，平均 4.0" in report
        assert "✅ 平均响应时间：0.0 h（目标 ≤ 24 h）" in report
        assert "✅ 满意度：100.0 %（目标 ≥ 90 %）" in report
        refused = await j.say(RESIDENT, "/stats")
        assert "只给中心工作人员" in refused[-1].text


async def test_provider_declines_or_proposes_and_only_on_their_own_bookings(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link(j, DOCTOR, "dr_wang")
        await link(j, DOCTOR + 1, "dr_chen")
        first = await quick_booking(j, days_ahead=2, telegram_id=RESIDENT)
        second = await quick_booking(j, days_ahead=3, telegram_id=RESIDENT + 1)
        await j.dispatch()
        summaries = [s for s in j.api.sent(DOCTOR) if s.text and "新预约" in s.text]
        assert len(summaries) == 2

        # Dr Chen presses Dr Wang's decline button: refused, nothing changes.
        decline_first = summaries[0].callback_data("✖️ 无法接诊")
        await j.do(j.api.tap_stale(DOCTOR + 1, summaries[0].message_id, decline_first))
        assert "不是您的" in j.last_text(DOCTOR + 1)

        # Dr Wang declines the first: a reason, a confirmation, then the resident is
        # told and offered to book again; the buttons are gone from the summary.
        await j.do(j.api.tap_stale(DOCTOR, summaries[0].message_id, decline_first))
        assert "请选一个原因" in j.last_text(DOCTOR)
        await j.tap(DOCTOR, "这个时间有别的安排")
        assert "确定无法接诊" in j.last_text(DOCTOR)
        await j.tap(DOCTOR, "✖️ 确定无法接诊")
        assert "已拒绝预约" in j.last_text(DOCTOR)
        assert j.api.markups.get((DOCTOR, summaries[0].message_id)) is None
        await j.dispatch()
        told = j.api.last(RESIDENT)
        assert "无法" in told.text and "这个时间有别的安排" in told.text and told.buttons() == ["📅 重新预约"]

        # Dr Wang proposes another time for the second; the resident takes it.
        await j.do(j.api.tap_stale(DOCTOR, summaries[1].message_id, summaries[1].callback_data("🕑 换个时间")))
        choice = j.buttons(DOCTOR)[0]
        await j.tap(DOCTOR, choice)
        assert "等待确认" in j.last_text(DOCTOR)
        await j.dispatch()
        proposal = j.api.last(RESIDENT + 1)
        assert "建议把您的预约" in proposal.text
        await j.tap(RESIDENT + 1, "✅ 改到这个时间")
        assert "已改好" in j.last_text(RESIDENT + 1)
        async with j.app.deps.sessionmaker() as session:
            statuses = dict((await session.execute(select(Booking.id, Booking.status))).all())
        assert statuses[first] == "declined" and statuses[second] == "cancelled"
        assert sorted(statuses.values()) == ["cancelled", "confirmed", "declined"]


async def test_a_rating_is_asked_for_some_hours_after_a_visit_nobody_marked(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        from scheduler.jobs import request_ratings

        booking_id = await quick_booking(j, days_ahead=1)
        async with j.app.deps.sessionmaker() as session:
            ends = (await session.get(Booking, booking_id)).ends_at
        clock.set(ends + timedelta(hours=2))
        assert await request_ratings(j.app.deps, j.app.care_loop) == 0  # too early
        clock.set(ends + timedelta(hours=3))
        assert await request_ratings(j.app.deps, j.app.care_loop) == 1
        assert await request_ratings(j.app.deps, j.app.care_loop) == 0  # asked once
        await j.dispatch()
        assert "请打个分" in j.api.last(RESIDENT).text
