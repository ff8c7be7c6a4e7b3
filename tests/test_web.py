"""The web ends in a real browser (Debian's Chromium driven by Playwright), served
beside the running bot as `jiayi run` serves them: login by a one-time link from /web,
the dashboard, a provider accepting a request (and the resident getting the bot's
message), a provider trying another provider's booking, expired and used links, and
pages without a session. Screenshots of both ends are taken on the way (copied into
bot/web/screenshots/ when JIAYI_WEB_SCREENSHOTS is set)."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from actions.care import rate
from actions.models import Booking, BookingEvent, FollowUp, Provider, RatingRequest, WebLogin
from actions.web_access import STAFF, create_login, create_provider_login
from bot.commands import start_web_beside
from tests.conftest import unavailable
from tests.harness import running_jiayi
from tests.test_care_loop import DOCTOR, RESIDENT, link, quick_booking
from tests.test_care_loop import STAFF as STAFF_ID

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "bot" / "web" / "screenshots"
OTHER_DOCTOR = DOCTOR + 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Chromium, or a skip on a machine without it (a failure in CI)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError as exc:
        unavailable("Playwright", exc)
    if not Path(CHROMIUM).exists():
        unavailable("Chromium", FileNotFoundError(CHROMIUM))
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


class Site:
    """The running bot (`j`) with its web pages on a free port."""

    def __init__(self, j: Any, runner: Any, base: str) -> None:
        self.j, self.runner, self.base = j, runner, base

    async def staff_link(self) -> str:
        async with self.j.app.deps.sessionmaker() as session:
            token = await create_login(session, role=STAFF, clock=self.j.app.deps.clock)
        return f"{self.base}/login/{token}"

    async def provider_link(self, code: str) -> str:
        async with self.j.app.deps.sessionmaker() as session:
            token = await create_provider_login(session, provider_code=code, clock=self.j.app.deps.clock)
        return f"{self.base}/login/{token}"


async def site(j: Any) -> Site:
    settings = j.app.settings
    runner = await start_web_beside(j.app, settings)
    assert runner is not None
    return Site(j, runner, settings.effective_web_base_url)


def link_in(text: str) -> str:
    found = re.search(r"http://\S+/login/\S+", text)
    assert found, text
    return found.group(0)


async def log_in(page: Any, url: str) -> None:
    await page.goto(url)
    await page.click("#login")


async def shot(page: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    await page.screenshot(path=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("JIAYI_WEB_SCREENSHOTS"):
        SCREENSHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SCREENSHOTS / name)


async def some_history(j: Any, clock: Any) -> tuple[int, int]:
    """A week of requests (eight in words, seven of them understood; nine offered a
    time), then two visits, rated 5 and 1 (the 1 opens a follow-up)."""
    from actions.booking import record_request

    async with j.app.deps.sessionmaker() as session:
        for n in range(10):
            moment = clock() - timedelta(days=6 - n // 2, hours=n)
            await record_request(
                session, resident_id=None, service_code="bp_check", channel="text" if n < 8 else "buttons",
                urgency="routine", offered=0 if n == 3 else 2, clock=lambda moment=moment: moment,
                understood=(n != 5) if n < 8 else None,
            )  # fmt: skip
    first = await quick_booking(j, days_ahead=1, telegram_id=RESIDENT)
    second = await quick_booking(j, days_ahead=1, telegram_id=RESIDENT + 1)
    await j.dispatch()
    clock.advance(days=1, hours=3)
    from actions.care import accept, mark_outcome

    async with j.app.deps.sessionmaker() as session:
        wang = (await session.scalars(select(Provider).where(Provider.code == "dr_wang"))).one()
        deps = j.app.deps
        for booking_id, score in ((first, 5), (second, 1)):
            await accept(session, booking_id=booking_id, provider_id=wang.id, clock=clock)
            await mark_outcome(session, booking_id=booking_id, provider_id=wang.id, outcome="done", clock=clock,
                               notifier=deps.notifier)  # fmt: skip
            booking = await session.get(Booking, booking_id)
            request = (await session.scalars(select(RatingRequest).where(RatingRequest.booking_id == booking_id))).one()
            await rate(session, request_id=request.id, resident_id=booking.resident_id, score=score, channel="buttons",
                       clock=clock, notifier=deps.notifier)  # fmt: skip
    return first, second


async def test_without_a_session_every_page_sends_to_the_login_page_and_staff_see_the_dashboard(
    tmp_path, clock, browser
) -> None:
    port = free_port()
    async with running_jiayi(tmp_path, clock, staff_telegram_ids=[STAFF_ID], web_port=port) as j:
        await link(j, DOCTOR, "dr_wang")
        await some_history(j, clock)
        web = await site(j)
        page = await browser.new_page(viewport={"width": 1100, "height": 1500})
        try:
            # No session: every page leads to the login page, which says how to get a link.
            for path in ("/", "/dashboard", "/workbench", "/export.csv", "/bookings/1", "/residents/1"):
                await page.goto(web.base + path)
                assert page.url == web.base + "/login", path
            assert "/web" in await page.inner_text("main")
            assert await page.title() == "请先登录"

            # A resident asking for a link is told it is not for them.
            refused = await j.say(RESIDENT, "/web")
            assert "只给中心工作人员和医护人员" in refused[-1].text

            # Staff send /web to the bot and open the link.
            sent = await j.say(STAFF_ID, "/web")
            url = link_in(sent[-1].text)
            assert "10分钟" in sent[-1].text
            await log_in(page, url)
            assert page.url == web.base + "/dashboard"
            assert await page.inner_text("h1") == "服务质量看板"
            cards = page.locator("#indicators .kpi")
            assert await cards.count() == 4
            identification = page.locator('#indicators .kpi[data-key="identification"]')
            assert "87.5 %" in await identification.inner_text()
            matching = page.locator('#indicators .kpi[data-key="matching"]')
            assert "90.0 %" in await matching.inner_text() and "目标 ≥ 95 %" in await matching.inner_text()
            satisfaction = page.locator('#indicators .kpi[data-key="satisfaction"]')
            assert "50.0 %" in await satisfaction.inner_text() and "未达标" in await satisfaction.inner_text()
            assert "目标 ≥ 90 %" in await satisfaction.inner_text()
            response = page.locator('#indicators .kpi[data-key="response"]')
            assert "27.0 h" in await response.inner_text() and "未达标" in await response.inner_text()
            for chart in ("#chart-rates", "#chart-volume", "#chart-response", "#chart-providers"):
                assert await page.locator(f"{chart} svg").count() == 1, chart
            assert "王芳" in await page.inner_text("#by-provider")
            follow_up = await page.inner_text("#follow-up-list")
            assert "★" in follow_up and "待处理" in follow_up
            await shot(page, tmp_path, "dashboard.png")

            # Filters: another provider has nothing in the period.
            await page.select_option("select[name=provider]", "dr_chen")
            await page.click("form.filters button[type=submit]")
            assert "provider=dr_chen" in page.url
            assert "按医护人员筛选时不适用" in await page.inner_text("#indicators")

            # The CSV export, staff only, with nothing that names a resident.
            response_csv = await page.request.get(web.base + "/export.csv?days=30")
            assert response_csv.status == 200
            assert response_csv.headers["content-type"].startswith("text/csv")
            rows = list(csv.reader(io.StringIO((await response_csv.body()).decode("utf-8-sig"))))
            assert rows[0][:3] == ["booking_id", "created_at", "starts_at"]
            assert len(rows) == 3 and {r[rows[0].index("rating")] for r in rows[1:]} == {"5", "1"}
            assert "居民" not in (await response_csv.body()).decode("utf-8-sig")

            # Staff close the follow-up; it stays listed with its new state.
            await page.goto(web.base + "/dashboard")
            await page.click("#follow-up-list button")
            assert "回访已记录" in await page.inner_text(".notice")
            assert "已处理" in await page.inner_text("#follow-up-list")
            async with j.app.deps.sessionmaker() as session:
                assert (await session.scalars(select(FollowUp))).one().status == "closed"

            # English on request, Chinese first.
            await page.click("text=English")
            assert await page.inner_text("h1") == "Service quality"

            # The link was spent: a second browser cannot use it.
            other = await browser.new_page()
            await other.goto(url)
            assert "already used" in await other.inner_text("#refusal") or "已经用过" in await other.inner_text("#refusal")
            await other.close()

            # Logging out ends the session.
            await page.click("header button")
            await page.goto(web.base + "/dashboard")
            assert page.url == web.base + "/login"
        finally:
            await page.close()
            await web.runner.cleanup()


async def test_a_provider_accepts_on_the_web_and_the_resident_gets_the_bot_message(tmp_path, clock, browser) -> None:
    port = free_port()
    async with running_jiayi(tmp_path, clock, web_port=port) as j:
        await link(j, DOCTOR, "dr_wang")
        await link(j, OTHER_DOCTOR, "dr_chen")
        first = await quick_booking(j, days_ahead=2, telegram_id=RESIDENT)
        second = await quick_booking(j, days_ahead=3, telegram_id=RESIDENT + 1)
        await j.dispatch()
        web = await site(j)
        phone = await browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
        page = await phone.new_page()
        try:
            sent = await j.say(DOCTOR, "/web")
            assert "工作台" in sent[-1].text
            await log_in(page, link_in(sent[-1].text))
            assert page.url == web.base + "/workbench"
            pending = page.locator(f"#request-{first}")
            assert "居民601" in await pending.inner_text() and "想量个血压" in await pending.inner_text()
            assert "138 0013 8000" in await pending.inner_text()  # the local format, as in the bot
            await shot(page, tmp_path, "workbench.png")

            # The dashboard is not for providers.
            await page.goto(web.base + "/dashboard")
            assert "只给中心工作人员" in await page.inner_text("#refusal")
            assert (await page.request.get(web.base + "/export.csv")).status == 403

            # Accept: the same domain call as the bot's button; the resident is told in the chat.
            await page.goto(web.base + "/workbench")
            await pending.locator("button.accept").click()
            assert "已接单" in await page.inner_text(".notice")
            assert await page.locator(f"#request-{first}").count() == 0
            await j.dispatch()
            told = j.api.last(RESIDENT).text
            assert "王芳" in told and "确认" in told
            async with j.app.deps.sessionmaker() as session:
                assert (await session.get(Booking, first)).status == "accepted"
                kinds = (await session.scalars(select(BookingEvent.actor).where(BookingEvent.booking_id == first))).all()
                assert list(kinds) == ["provider"]

            # The bot's accept button on the old summary now changes nothing.
            summary = next(s for s in j.api.sent(DOCTOR) if s.text and "新预约" in s.text and f"#{first}" in s.text)
            await j.do(j.api.tap_stale(DOCTOR, summary.message_id, summary.callback_data("✅ 接单")))
            async with j.app.deps.sessionmaker() as session:
                assert (await session.get(Booking, first)).status == "accepted"

            # Another provider: Dr Wang's booking and resident are refused, and a forged
            # accept changes nothing.
            chen = await browser.new_page()
            await log_in(chen, await web.provider_link("dr_chen"))
            assert chen.url == web.base + "/workbench"
            await chen.goto(f"{web.base}/bookings/{second}")
            assert "不是您的" in await chen.inner_text("#refusal")
            async with j.app.deps.sessionmaker() as session:
                resident_id = (await session.get(Booking, second)).resident_id
            await chen.goto(f"{web.base}/residents/{resident_id}")
            assert "不是您的" in await chen.inner_text("#refusal")
            csrf = await chen.locator("input[name=csrf]").first.input_value()
            forged = await chen.request.post(f"{web.base}/bookings/{second}/accept", form={"csrf": csrf})
            assert forged.status == 403
            # Without the session's form token nothing is done either.
            assert (await chen.request.post(f"{web.base}/bookings/{second}/accept", form={"csrf": "x"})).status == 403
            async with j.app.deps.sessionmaker() as session:
                assert (await session.get(Booking, second)).status == "confirmed"
            await chen.close()

            # Dr Wang proposes another time for the second booking; the resident gets
            # the proposal in the chat.
            await page.goto(web.base + "/workbench")
            await page.locator(f"#request-{second} >> text=换个时间").click()
            await page.locator("form[action^='/proposals/'] button").first.click()
            assert "新时间已发给居民" in await page.inner_text(".notice")
            await j.dispatch()
            assert "建议把您的预约" in j.api.last(RESIDENT + 1).text

            # The resident's history, seen by their provider.
            await page.goto(f"{web.base}/residents/{resident_id}")
            assert f"{second}" in await page.inner_text("#history")
        finally:
            await phone.close()
            await web.runner.cleanup()


async def test_expired_and_used_links_are_refused(tmp_path, clock, browser) -> None:
    port = free_port()
    async with running_jiayi(tmp_path, clock, web_port=port) as j:
        web = await site(j)
        page = await browser.new_page()
        try:
            expired = await web.provider_link("dr_wang")
            used = await web.provider_link("dr_zhang")
            clock.advance(minutes=9)
            await log_in(page, used)
            assert page.url == web.base + "/workbench"
            await page.click("header button")

            clock.advance(minutes=2)  # 11 minutes after the first link was made
            await page.goto(expired)
            assert "已过期" in await page.inner_text("#refusal")
            # Posting to it does not log in either.
            response = await page.request.post(expired)
            assert response.status == 403
            await page.goto(web.base + "/workbench")
            assert page.url == web.base + "/login"

            await page.goto(used)
            assert "已经用过" in await page.inner_text("#refusal")
            await page.goto(web.base + "/login/not-a-real-token")
            assert "无效" in await page.inner_text("#refusal")
            async with j.app.deps.sessionmaker() as session:
                logins = (await session.scalars(select(WebLogin))).all()
            assert sorted(login.used_at is not None for login in logins) == [False, True]
            assert all(len(login.token_hash) == 64 for login in logins)
        finally:
            await page.close()
            await web.runner.cleanup()


async def test_a_deactivated_provider_loses_the_web_at_once(tmp_path, clock, browser) -> None:
    port = free_port()
    async with running_jiayi(tmp_path, clock, web_port=port) as j:
        web = await site(j)
        page = await browser.new_page()
        try:
            await log_in(page, await web.provider_link("dr_wang"))
            assert page.url == web.base + "/workbench"
            from actions.providers import set_provider_active

            async with j.app.deps.sessionmaker() as session:
                await set_provider_active(session, provider_code="dr_wang", active=False)
            await page.goto(web.base + "/workbench")
            assert page.url == web.base + "/login"
            clock.advance(minutes=1)
            async with j.app.deps.sessionmaker() as session:
                await set_provider_active(session, provider_code="dr_wang", active=True)
                token = await create_provider_login(session, provider_code="dr_wang", clock=clock)
                await set_provider_active(session, provider_code="dr_wang", active=False)
            await page.goto(f"{web.base}/login/{token}")
            assert "停用" in await page.inner_text("#refusal")
        finally:
            await page.close()
            await web.runner.cleanup()


def test_a_session_key_is_generated_once_with_owner_only_permissions(tmp_path) -> None:
    from actions.config import Settings
    from bot.web.app import session_key

    settings = Settings(_env_file=None, state_dir=tmp_path / "state")  # type: ignore[call-arg]
    key = session_key(settings)
    path = tmp_path / "state" / "web_session.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert session_key(settings) == key and len(key) == 44
    configured = Settings(_env_file=None, state_dir=tmp_path / "other", web_session_key="k" * 43 + "=")  # type: ignore[call-arg]
    assert session_key(configured) == b"k" * 43 + b"="
    assert not (tmp_path / "other" / "web_session.key").exists()

