"""The Notifier the rest of Jiayi calls: each event becomes rows in the outbox,
written in the caller's session and committed, and the dispatcher is woken so that
urgent rows go out within seconds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.booking import booking_summary, get_booking
from actions.catalog import Catalog
from actions.clock import Clock
from actions.contracts import contracted_doctor
from actions.models import CallbackRequest, EmergencyEvent, Provider, Resident
from bot.callbacks import BookingAction, CallbackDone, ProviderAction
from bot.i18n import I18n
from scheduler import render
from scheduler.outbox import enqueue, message, retract

REMINDER_KINDS = ("reminder",)


class OutboxNotifier:
    def __init__(
        self,
        *,
        i18n: I18n,
        catalog: Catalog,
        tz: ZoneInfo,
        clock: Clock,
        reminder_offsets_hours: list[int],
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.i18n = i18n
        self.catalog = catalog
        self.tz = tz
        self.clock = clock
        self.offsets = reminder_offsets_hours
        self.wake = wake

    # ------------------------------------------------------------------ bookings

    async def _provider_notice(self, session: AsyncSession, booking_id: int, kind: str, headline_key: str, **args: str) -> None:
        summary = await booking_summary(session, booking_id, tz=self.tz, clock=self.clock)
        if summary.provider_chat_id is None:
            return
        lang = summary.provider_language
        text = render.booking_summary_text(
            self.i18n, self.catalog, self.tz, lang, summary, self.i18n.t(lang, headline_key, id=str(booking_id), **args)
        )
        buttons = None
        if kind == "provider_summary":
            t = self.i18n.translator(lang)
            buttons = [
                [(t("btn-accept"), ProviderAction(action="accept", booking_id=booking_id).pack()),
                 (t("btn-propose"), ProviderAction(action="propose", booking_id=booking_id).pack())],
                [(t("btn-provider-decline"), ProviderAction(action="decline", booking_id=booking_id).pack())],
            ]  # fmt: skip
        now = self.clock()
        await enqueue(
            session,
            kind=kind,
            chat_id=summary.provider_chat_id,
            recipient_kind="provider",
            payload=message(text, buttons),
            due_at=now,
            now=now,
            booking_id=booking_id,
            dedupe_key=f"{kind}:{booking_id}",
        )

    async def _reminders(self, session: AsyncSession, booking_id: int) -> None:
        booking = await get_booking(session, booking_id)
        if booking is None:
            return
        resident, provider = booking.resident, booking.provider
        summary = await booking_summary(session, booking_id, tz=self.tz, clock=self.clock)
        service = self.catalog.get(booking.service_code)
        offsets = service.reminder_offsets_hours or self.offsets
        now = self.clock()
        t = self.i18n.translator(resident.language)
        buttons = [
            [(t("btn-attend"), BookingAction(action="confirm", booking_id=booking_id).pack())],
            [(t("btn-resched-booking"), BookingAction(action="resched", booking_id=booking_id).pack()),
             (t("btn-cancel-booking"), BookingAction(action="cancel", booking_id=booking_id).pack())],
        ]  # fmt: skip
        for hours in offsets:
            due = booking.starts_at - timedelta(hours=hours)
            if due <= now:
                continue
            text = render.reminder_text(self.i18n, self.catalog, self.tz, resident, summary, provider, hours)
            await enqueue(
                session,
                kind="reminder",
                chat_id=resident.chat_id,
                recipient_kind="resident",
                payload=message(text, buttons),
                due_at=due,
                now=now,
                booking_id=booking_id,
                dedupe_key=f"reminder:{booking_id}:{hours}",
            )

    async def booking_created(self, session: AsyncSession, booking_id: int) -> None:
        await self._provider_notice(session, booking_id, "provider_summary", "summary-new")
        await self._reminders(session, booking_id)
        await session.commit()
        self.wake()

    async def booking_cancelled(self, session: AsyncSession, booking_id: int) -> None:
        await retract(session, booking_id=booking_id, kinds=REMINDER_KINDS)
        await self._provider_notice(session, booking_id, "provider_cancelled", "summary-cancelled")
        await session.commit()
        self.wake()

    async def booking_rescheduled(self, session: AsyncSession, old_booking_id: int, new_booking_id: int) -> None:
        await retract(session, booking_id=old_booking_id, kinds=REMINDER_KINDS)
        old = await get_booking(session, old_booking_id)
        new = await get_booking(session, new_booking_id)
        if old is not None and new is not None and old.provider_id != new.provider_id:
            await self._provider_notice(session, old_booking_id, "provider_cancelled", "summary-cancelled")
        if old is not None and new is not None and old.provider_id == new.provider_id:
            from bot.format import format_when

            provider = new.provider
            old_when = format_when(self.i18n, provider.language, old.starts_at, self.tz)
            await self._provider_notice(
                session, new_booking_id, "provider_summary", "summary-rescheduled", old_when=old_when
            )
        else:
            await self._provider_notice(session, new_booking_id, "provider_summary", "summary-new")
        await self._reminders(session, new_booking_id)
        await session.commit()
        self.wake()

    # ------------------------------------------------------------------ safety

    async def emergency_raised(self, session: AsyncSession, event_id: int) -> None:
        event = await session.get(EmergencyEvent, event_id)
        if event is None or event.resident_id is None:
            return
        resident = await session.get(Resident, event.resident_id)
        if resident is None:
            return
        now = self.clock()
        age = now.astimezone(self.tz).year - resident.birth_year if resident.birth_year else None
        doctor = await contracted_doctor(session, resident.id)
        if doctor is None or doctor.chat_id is None:
            doctor = await _first_linked_doctor(session)
        if doctor is not None and doctor.chat_id is not None:
            lang = doctor.language
            line = render.resident_line(self.i18n, lang, resident, age)
            text = self.i18n.t(lang, "alert-emergency", category=self.i18n.t(lang, f"category-{event.category}"), **line)
            await enqueue(
                session, kind="emergency_alert", chat_id=doctor.chat_id, recipient_kind="provider",
                payload=message(text), due_at=now, now=now, dedupe_key=f"emergency:{event_id}:doctor",
            )  # fmt: skip
        if resident.emergency_contact_chat_id:
            lang = resident.language
            text = self.i18n.t(
                lang, "alert-emergency-contact", name=resident.name or "", phone=resident.phone or "",
                category=self.i18n.t(lang, f"category-{event.category}"),
            )  # fmt: skip
            await enqueue(
                session, kind="emergency_alert", chat_id=resident.emergency_contact_chat_id, recipient_kind="contact",
                payload=message(text), due_at=now, now=now, dedupe_key=f"emergency:{event_id}:contact",
            )  # fmt: skip
        await session.commit()
        self.wake()

    async def callback_requested(self, session: AsyncSession, callback_id: int) -> None:
        callback = await session.get(CallbackRequest, callback_id)
        if callback is None or callback.provider_id is None:
            return
        provider = await session.get(Provider, callback.provider_id)
        resident = await session.get(Resident, callback.resident_id)
        if provider is None or provider.chat_id is None or resident is None:
            return
        now = self.clock()
        lang = provider.language
        age = now.astimezone(self.tz).year - resident.birth_year if resident.birth_year else None
        line = render.resident_line(self.i18n, lang, resident, age)
        reason_key = f"callback-reason-{callback.reason}"
        if reason_key not in self.i18n.keys(lang):
            reason_key = "callback-reason-other"
        text = self.i18n.t(lang, "alert-callback", reason=self.i18n.t(lang, reason_key), **line)
        buttons = [[(self.i18n.t(lang, "btn-callback-done"), CallbackDone(callback_id=callback_id).pack())]]
        extra = {}
        if callback.voice_file_id:
            extra = {"voice_file_id": callback.voice_file_id, "voice_caption": self.i18n.t(lang, "alert-callback-voice")}
        await enqueue(
            session, kind="callback_request", chat_id=provider.chat_id, recipient_kind="provider",
            payload=message(text, buttons, **extra), due_at=now, now=now,
            dedupe_key=f"callback:{callback_id}:{callback.voice_file_id or ''}"[:96],
        )  # fmt: skip
        await session.commit()
        self.wake()


async def _first_linked_doctor(session: AsyncSession) -> Provider | None:
    return await session.scalar(
        select(Provider)
        .where(Provider.role == "family_doctor", Provider.chat_id.is_not(None))
        .order_by(Provider.id)
        .limit(1)
    )
