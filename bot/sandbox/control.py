"""What the terminal chat needs from the running bot beyond the Bot API: who each chat
belongs to (a label and a language), the demo providers' accounts, the sandbox's
clock (moved forward to see reminders and rating requests without waiting), and how
far the understanding model has got."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from actions.clock import Clock, system_clock
from actions.models import Booking, Outbox, Provider, RatingRequest, Resident
from actions.providers import create_invite, redeem_invite
from bot.sandbox.botapi import LocalBotAPI

# Sandbox accounts of the demo providers: 20000 + the provider's id (dr_wang is 20001).
PROVIDER_ACCOUNTS = 20000
ACTIVE = ("confirmed", "accepted")
DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


class SandboxClock:
    """The system clock, moved forward by `:later`."""

    def __init__(self, base: Clock = system_clock) -> None:
        self.base = base
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self.base() + self.offset

    def advance(self, **delta: float) -> datetime:
        self.offset += timedelta(**delta)
        return self()


def parse_duration(text: str) -> timedelta | None:
    """"2h", "30m", "1d", "1d3h"; None when it is not one."""
    match = DURATION.match(text.strip().lower())
    if not text.strip() or match is None:
        return None
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


@dataclass
class Person:
    label: str
    language: str | None


@dataclass
class Sandbox:
    api: LocalBotAPI
    app: Any  # bot.app.App
    clock: Any  # a clock with advance(**timedelta)

    @property
    def deps(self) -> Any:
        return self.app.deps

    # ------------------------------------------------------------------ people

    async def link_providers(self, roles: tuple[str, ...] = ("family_doctor",)) -> list[Provider]:
        """The demo's family doctors get sandbox Telegram accounts (linked through a
        one-time invite, as a real provider links), so that their booking summaries
        show in the chat labelled with their name; other providers are linked when
        someone becomes them (`:user CODE`)."""
        linked = []
        async with self.deps.sessionmaker() as session:
            query = select(Provider).where(Provider.active.is_(True)).order_by(Provider.id)
            if roles:
                query = query.where(Provider.role.in_(roles))
            for provider in (await session.scalars(query)).all():
                account = PROVIDER_ACCOUNTS + provider.id
                if provider.telegram_id is None:
                    code = await create_invite(session, provider_code=provider.code, clock=self.deps.clock)
                    await redeem_invite(session, code=code, telegram_id=account, chat_id=account, clock=self.deps.clock)
                if provider.chat_id is not None:
                    self.api.user(provider.chat_id, first_name=provider.name_zh, language_code=provider.language)
                    linked.append(provider)
        return linked

    async def provider_account(self, code: str) -> int | None:
        """The sandbox account of the provider `code`, linking it first if needed."""
        async with self.deps.sessionmaker() as session:
            provider = await session.scalar(select(Provider).where(Provider.code == code))
            if provider is None:
                return None
            if provider.chat_id is None:
                account = PROVIDER_ACCOUNTS + provider.id
                invite = await create_invite(session, provider_code=code, clock=self.deps.clock)
                await redeem_invite(session, code=invite, telegram_id=account, chat_id=account, clock=self.deps.clock)
                await session.refresh(provider)
            if provider.chat_id is not None:
                self.api.user(provider.chat_id, first_name=provider.name_zh, language_code=provider.language)
            return provider.chat_id

    async def person(self, chat_id: int) -> Person:
        async with self.deps.sessionmaker() as session:
            provider = await session.scalar(select(Provider).where(Provider.chat_id == chat_id))
            if provider is not None:
                return Person(f"{provider.name_zh} {provider.code}", provider.language)
            resident = await session.scalar(select(Resident).where(Resident.chat_id == chat_id))
            if resident is not None:
                return Person(f"{resident.name or '居民'} {chat_id}", resident.language)
        user = self.api.users.get(chat_id)
        return Person(f"{user['first_name'] if user else 'chat'} {chat_id}", None)

    # ------------------------------------------------------------------ time

    async def settle(self, patience: float = 5.0) -> None:
        """Sends what is due now (the care loop's tick, without waiting for it); a
        message held back by the one-a-second limit per chat is waited for."""
        loop = self.app.care_loop
        if loop is None:
            return
        deadline = asyncio.get_running_loop().time() + patience
        while True:
            await loop.dispatch()
            async with self.deps.sessionmaker() as session:
                waiting = await session.scalar(
                    select(func.count()).select_from(Outbox).where(
                        Outbox.status.in_(("pending", "sending")), Outbox.due_at <= self.deps.clock()
                    )
                )
            if not waiting or asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(0.25)

    async def next_event(self) -> datetime | None:
        """When the next message is due: a waiting reminder, or a visit's rating request."""
        now = self.deps.clock()
        delay = timedelta(hours=self.deps.settings.rating_delay_hours)
        async with self.deps.sessionmaker() as session:
            due = await session.scalar(
                select(func.min(Outbox.due_at)).where(Outbox.status == "pending", Outbox.due_at > now)
            )
            asked = select(RatingRequest.booking_id)
            ends = await session.scalar(
                select(func.min(Booking.ends_at)).where(
                    Booking.status.in_(ACTIVE), Booking.ends_at > now - delay, Booking.id.not_in(asked)
                )
            )
        moments = [m for m in (due, ends + delay if ends is not None else None) if m is not None]
        return min(m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments) if moments else None

    async def later(self, delta: timedelta | None) -> datetime | None:
        """Moves the sandbox's clock forward (to the next event when `delta` is None)
        and runs what the care loop would have run by then."""
        from scheduler import jobs

        before = self.deps.clock()
        if delta is None:
            target = await self.next_event()
            if target is None:
                return None
            delta = max(timedelta(0), target - before) + timedelta(seconds=1)
        self.clock.advance(seconds=delta.total_seconds())
        after = self.deps.clock()
        tz = self.deps.tz
        loop = self.app.care_loop
        if after.astimezone(tz).date() != before.astimezone(tz).date():
            await jobs.extend_slots(self.deps)
        agenda = self.deps.settings.agenda_local_time
        local_before, local_after = before.astimezone(tz), after.astimezone(tz)
        crossed = local_before.replace(hour=agenda.hour, minute=agenda.minute, second=0, microsecond=0)
        if crossed <= local_before:
            crossed += timedelta(days=1)
        if crossed <= local_after and loop is not None:
            await jobs.send_agendas(self.deps, loop)
        if loop is not None:
            await jobs.request_ratings(self.deps, loop)
            await loop.dispatch()
        return after

    # ------------------------------------------------------------------ understanding

    def understanding_note(self) -> str | None:
        """None once the understanding model is ready; else a progress line."""
        warm = self.app.extras.get("warm_up")
        if warm is None or warm.ready:
            return None
        what = "training the understanding model (first start only)" if warm.training else "loading the understanding model"
        return f"{what}: step {warm.step}/{warm.steps}, {warm.stage}, {warm.seconds:.0f} s"
