"""The Notifier the rest of Jiayi calls (actions.notify.Notifier): each event becomes
rows in the outbox, rendered in the recipient's language with their buttons, added to
the caller's session. The domain function that changed a booking commits them with the
change and then wakes the care loop, so urgent rows go out within seconds. It lives
with the Telegram layer because it renders Telegram messages; the scheduler calls it
through the protocol and never imports it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.booking import booking_summary, get_booking, provider_bookings, summarise
from actions.callbacks import open_callbacks
from actions.care import create_rating_request
from actions.catalog import Catalog
from actions.clock import Clock
from actions.contracts import contracted_doctor, doctor_team
from actions.models import CallbackRequest, EmergencyEvent, Outbox, Provider, Resident, Slot
from actions.residents import display_phone
from bot import notice_texts as render
from bot.callbacks import (
    BookingAction,
    CallbackDone,
    FollowUpDone,
    GuidanceStart,
    ProposalPick,
    ProviderAction,
    RatingPick,
    ServicePick,
)
from bot.care_notifier import CareNotices
from bot.chronic_texts import level_text, progress_line, reading_text
from bot.format import format_date, format_when, provider_name
from bot.i18n import I18n
from scheduler.outbox import enqueue, message, retract

REMINDER_KINDS = ("reminder",)


@dataclass
class EmergencyNotice:
    """Who an emergency alert was queued for."""

    doctor: Provider | None = None
    team: bool = False
    duty: bool = False
    contact_told: bool = False
    contact_name: str | None = None
    contact_phone: str | None = None
    registered: bool = True

    @property
    def anyone(self) -> bool:
        return self.doctor is not None or self.team or self.duty


def decision_buttons(i18n: I18n, lang: str, booking_id: int) -> list[list[tuple[str, str]]]:
    """A provider's buttons on a new booking: accept, propose another time, decline."""
    t = i18n.translator(lang)
    return [
        [(t("btn-accept"), ProviderAction(action="accept", booking_id=booking_id).pack()),
         (t("btn-propose"), ProviderAction(action="propose", booking_id=booking_id).pack())],
        [(t("btn-provider-decline"), ProviderAction(action="decline", booking_id=booking_id).pack())],
    ]  # fmt: skip


def outcome_buttons(i18n: I18n, lang: str, booking_id: int, stamp: str) -> list[tuple[str, str]]:
    """One agenda row: done / no-show for the booking at `stamp`."""
    return [
        (f"{stamp} {i18n.t(lang, 'btn-done')}", ProviderAction(action="done", booking_id=booking_id).pack()),
        (f"{stamp} {i18n.t(lang, 'btn-no-show')}", ProviderAction(action="noshow", booking_id=booking_id).pack()),
    ]


class OutboxNotifier(CareNotices):
    def __init__(
        self,
        *,
        i18n: I18n,
        catalog: Catalog,
        tz: ZoneInfo,
        clock: Clock,
        reminder_offsets_hours: list[int],
        staff_chat_ids: list[int] | None = None,
        duty_chat_id: int | None = None,
        wake: Callable[[], None] = lambda: None,
        emergency_number: str = "120",
    ) -> None:
        self.emergency_number = emergency_number
        self.staff_chat_ids = list(staff_chat_ids or [])
        self.duty_chat_id = duty_chat_id
        self.i18n = i18n
        self.catalog = catalog
        self.tz = tz
        self.clock = clock
        self.offsets = reminder_offsets_hours
        self.wake = wake

    def _names(self, booking: Any, lang: str) -> dict[str, str]:
        return {
            "provider": provider_name(booking.provider, lang),
            "service": self.catalog.get(booking.service_code).name(lang),
            "when": format_when(self.i18n, lang, booking.starts_at, self.tz),
        }

    # ------------------------------------------------------------------ bookings

    async def _provider_notice(
        self, session: AsyncSession, booking_id: int, kind: str, headline_key: str, *, resident_deleted: bool = False,
        by_member: Resident | None = None, loaded: Any = None, **args: str,
    ) -> None:  # fmt: skip
        """`loaded`: the booking as `get_booking` just read it, if the caller has it."""
        if loaded is not None:
            summary = summarise(loaded, tz=self.tz, clock=self.clock)
        else:
            summary = await booking_summary(session, booking_id, tz=self.tz, clock=self.clock)
        provider = await session.get(Provider, summary.provider_id)
        if summary.provider_chat_id is None or provider is None or not provider.active:
            return
        lang = summary.provider_language
        headline = self.i18n.t(lang, headline_key, id=str(booking_id), **args)
        if by_member is not None:
            # Changed through 亲情账户: the provider knows the resident did not do it themself.
            headline += "\n" + self.i18n.t(lang, "summary-by-family", member=by_member.name or "")
        if resident_deleted:
            # The resident asked for their data to be deleted: which visit, not who.
            text = self.i18n.t(
                lang, "summary-cancelled-deleted", id=str(booking_id),
                service=self.catalog.get(summary.service_code).name(lang),
                when=format_when(self.i18n, lang, summary.starts_at, self.tz),
            )  # fmt: skip
        else:
            text = render.booking_summary_text(self.i18n, self.catalog, self.tz, lang, summary, headline)
        buttons = decision_buttons(self.i18n, lang, booking_id) if kind == "provider_summary" else None
        now = self.clock()
        resident_id = None if resident_deleted else await _resident_of(session, booking_id)
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
            resident_id=resident_id,
        )

    async def _reminders(self, session: AsyncSession, booking_id: int, loaded: Any = None) -> None:
        booking = loaded if loaded is not None else await get_booking(session, booking_id)
        if booking is None:
            return
        resident, provider = booking.resident, booking.provider
        summary = summarise(booking, tz=self.tz, clock=self.clock)
        now = self.clock()
        t = self.i18n.translator(resident.language)
        buttons = [
            [(t("btn-attend"), BookingAction(action="confirm", booking_id=booking_id).pack())],
            [(t("btn-resched-booking"), BookingAction(action="resched", booking_id=booking_id).pack()),
             (t("btn-cancel-booking"), BookingAction(action="cancel", booking_id=booking_id).pack())],
        ]  # fmt: skip
        planned = self._reminder_plan(booking)
        for hours, due in planned:
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
                resident_id=resident.id,
            )
        # Linked family members who receive the resident's reminders get a copy.
        await self.family_reminders(session, booking, planned)

    async def booking_created(self, session: AsyncSession, booking_id: int) -> None:
        # Read once for the provider's summary and the reminders (it was read three
        # times, each with its resident, slot and provider).
        booking = await get_booking(session, booking_id)
        await self._provider_notice(session, booking_id, "provider_summary", "summary-new", loaded=booking)
        await self._reminders(session, booking_id, loaded=booking)

    async def booking_cancelled(
        self, session: AsyncSession, booking_id: int, *, resident_deleted: bool = False, by_member_id: int | None = None
    ) -> None:
        await retract(session, booking_id=booking_id, kinds=REMINDER_KINDS)
        member = await session.get(Resident, by_member_id) if by_member_id is not None else None
        await self._provider_notice(
            session, booking_id, "provider_cancelled", "summary-cancelled", resident_deleted=resident_deleted,
            by_member=member,
        )  # fmt: skip
        if member is not None:
            await self.proxy_changed(session, booking_id, member)

    async def booking_rescheduled(
        self, session: AsyncSession, old_booking_id: int, new_booking_id: int, *, by_member_id: int | None = None
    ) -> None:
        await retract(session, booking_id=old_booking_id, kinds=REMINDER_KINDS)
        member = await session.get(Resident, by_member_id) if by_member_id is not None else None
        old = await get_booking(session, old_booking_id)
        new = await get_booking(session, new_booking_id)
        if old is not None and new is not None and old.provider_id != new.provider_id:
            await self._provider_notice(
                session, old_booking_id, "provider_cancelled", "summary-cancelled", by_member=member
            )
        if old is not None and new is not None and old.provider_id == new.provider_id:
            provider = new.provider
            old_when = format_when(self.i18n, provider.language, old.starts_at, self.tz)
            await self._provider_notice(
                session, new_booking_id, "provider_summary", "summary-rescheduled", old_when=old_when, by_member=member
            )
        else:
            await self._provider_notice(session, new_booking_id, "provider_summary", "summary-new", by_member=member)
        await self._reminders(session, new_booking_id)
        if member is not None:
            await self.proxy_changed(session, new_booking_id, member, old_booking_id=old_booking_id)

    # ------------------------------------------------------------------ care

    async def booking_update(
        self, session: AsyncSession, booking: Any, key: str, buttons: Any = None, **args: str
    ) -> None:
        """A message about the resident's booking that is not a reply (accepted,
        declined, a proposal), through the outbox like every such message."""
        resident = booking.resident
        now = self.clock()
        text = self.i18n.t(resident.language, key, **args)
        await enqueue(
            session, kind="booking_update", chat_id=resident.chat_id, recipient_kind="resident",
            payload=message(text, buttons), due_at=now, now=now, booking_id=booking.id, resident_id=resident.id,
        )  # fmt: skip

    async def booking_accepted(self, session: AsyncSession, booking: Any) -> None:
        lang = booking.resident.language
        text_args = self._names(booking, lang)
        resident = booking.resident
        now = self.clock()
        text = "\n".join([self.i18n.t(lang, "resident-accepted", **text_args), progress_line(self.i18n, lang, "booked")])
        await enqueue(
            session, kind="booking_update", chat_id=resident.chat_id, recipient_kind="resident",
            payload=message(text), due_at=now, now=now, booking_id=booking.id, resident_id=resident.id,
        )  # fmt: skip

    async def booking_declined(self, session: AsyncSession, booking: Any, reason: str) -> None:
        await retract(session, booking_id=booking.id, kinds=REMINDER_KINDS)
        lang = booking.resident.language
        rebook = [[(self.i18n.t(lang, "btn-rebook"), ServicePick(code=booking.service_code).pack())]]
        await self.booking_update(
            session, booking, "resident-declined", rebook,
            reason=self.i18n.t(lang, f"decline-reason-{reason}"), **self._names(booking, lang),
        )  # fmt: skip

    async def booking_finished(self, session: AsyncSession, booking: Any, outcome: str) -> None:
        """Marked done or no-show: reminders still waiting are withdrawn; a done visit
        is asked for a rating."""
        await retract(session, booking_id=booking.id, kinds=REMINDER_KINDS)
        if outcome == "done":
            fresh = await get_booking(session, booking.id)
            if fresh is not None and not fresh.resident.unreachable:
                await self.rating_due(session, fresh)

    async def proposal_offered(self, session: AsyncSession, proposal: Any) -> None:
        booking = await get_booking(session, proposal.booking_id)
        slot = await session.get(Slot, proposal.slot_id)
        if booking is None or slot is None:
            return
        lang = booking.resident.language
        names = self._names(booking, lang)
        buttons = [
            [(self.i18n.t(lang, "btn-take-proposal"), ProposalPick(proposal_id=proposal.id, by="resident").pack())],
            [(self.i18n.t(lang, "btn-keep-looking"), BookingAction(action="resched", booking_id=booking.id).pack())],
        ]
        await self.booking_update(
            session, booking, "resident-proposal", buttons,
            provider=names["provider"], service=names["service"], old_when=names["when"],
            when=format_when(self.i18n, lang, slot.starts_at, self.tz),
        )  # fmt: skip

    async def rating_due(self, session: AsyncSession, booking: Any) -> bool:
        """Queues the five-star rating request for a finished visit (once per booking).
        The request is stored; the stars name only its id. The caller commits."""
        request = await create_rating_request(session, booking=booking, clock=self.clock)
        if request is None:
            return False
        # The visit is over: a reminder still waiting for it would only confuse.
        await retract(session, booking_id=booking.id, kinds=REMINDER_KINDS)
        await session.flush()
        resident, provider = booking.resident, booking.provider
        lang = resident.language
        text = self.i18n.t(
            lang,
            "rating-request",
            when=format_when(self.i18n, lang, booking.starts_at, self.tz),
            service=self.catalog.get(booking.service_code).name(lang),
            provider=provider_name(provider, lang),
        )
        if booking.status == "done":
            text = progress_line(self.i18n, lang, "done") + "\n" + text
        now = self.clock()
        row = await enqueue(
            session, kind="rating_request", chat_id=resident.chat_id, recipient_kind="resident",
            payload=message(text, rating_buttons(request.id)), due_at=now, now=now, booking_id=booking.id,
            dedupe_key=f"rating:{booking.id}", resident_id=resident.id,
        )  # fmt: skip
        return row is not None

    async def agenda_due(self, session: AsyncSession, provider: Provider, day: date) -> bool:
        """Queues the provider's agenda for `day` (once per day). The caller commits."""
        text, buttons = await agenda_text(session, self.i18n, self.catalog, self.tz, provider, day)
        now = self.clock()
        row = await enqueue(
            session, kind="agenda", chat_id=provider.chat_id, recipient_kind="provider",  # type: ignore[arg-type]
            payload=message(text, buttons), due_at=now, now=now,
            dedupe_key=f"agenda:{provider.id}:{day.isoformat()}",
        )  # fmt: skip
        return row is not None

    async def low_rating(self, session: AsyncSession, outcome: Any) -> None:
        """A rating of 2 stars or less opened a follow-up: the centre's staff are told."""
        booking = await get_booking(session, outcome.rating.booking_id)
        if booking is None or outcome.follow_up is None:
            return
        now = self.clock()
        lang = "zh"
        for staff_id in self.staff_chat_ids:
            text = self.i18n.t(
                lang, "followup-staff", score=str(outcome.rating.score), id=str(outcome.follow_up.id),
                service=self.catalog.get(booking.service_code).name(lang),
                provider=provider_name(booking.provider, lang),
                when=format_when(self.i18n, lang, booking.starts_at, self.tz),
                name=booking.resident.name or "", phone=display_phone(booking.resident.phone),
                comment=outcome.rating.comment or "—",
            )  # fmt: skip
            await enqueue(
                session, kind="followup", chat_id=staff_id, recipient_kind="staff", payload=message(text),
                due_at=now, now=now, dedupe_key=f"followup:{outcome.follow_up.id}:{staff_id}",
                resident_id=booking.resident_id,
            )  # fmt: skip

    # ------------------------------------------------------------------ safety

    async def emergency_raised(
        self,
        session: AsyncSession,
        event_id: int,
        *,
        words: str | None = None,
        affected: str | None = None,
        reporter: str | None = None,
    ) -> EmergencyNotice:
        """Alerts, first in the outbox: the contracted family doctor, else that doctor's
        team, else the centre's duty chat (never an unrelated provider); and the
        emergency contact when they linked their Telegram account. The alert carries the
        resident's own words, who is affected, phone and address. Returns who was told,
        so the resident hears only the truth."""
        notice = EmergencyNotice()
        event = await session.get(EmergencyEvent, event_id)
        if event is None:
            return notice
        resident = await session.get(Resident, event.resident_id) if event.resident_id is not None else None
        now = self.clock()
        recipients: list[tuple[int, str, str]] = []  # chat, language, dedupe suffix
        if resident is not None:
            doctor = await contracted_doctor(session, resident.id)
            if doctor is not None and doctor.chat_id is not None and doctor.active:
                recipients.append((doctor.chat_id, doctor.language, "doctor"))
                notice.doctor = doctor
            elif doctor is not None:
                team = [p for p in await doctor_team(session, doctor.id) if p.chat_id is not None and p.active]
                recipients += [(p.chat_id, p.language, f"team:{p.id}") for p in team]  # type: ignore[misc]
                notice.team = bool(team)
        if not recipients and self.duty_chat_id is not None:
            recipients.append((self.duty_chat_id, "zh", "duty"))
            notice.duty = True
        category = event.category
        for chat_id, lang, suffix in recipients:
            text = self._emergency_alert_text(lang, resident, category, words, affected, reporter)
            await enqueue(
                session, kind="emergency_alert", chat_id=chat_id, recipient_kind="provider",
                payload=message(text), due_at=now, now=now, dedupe_key=f"emergency:{event_id}:{suffix}",
                resident_id=resident.id if resident is not None else None,
            )  # fmt: skip
        if resident is not None and resident.emergency_contact_chat_id:
            lang = resident.language
            text = self.i18n.t(
                lang, "alert-emergency-contact", name=resident.name or "", phone=display_phone(resident.phone),
                category=self.i18n.t(lang, f"category-{category}"), address=resident.address or "—",
            )  # fmt: skip
            if affected and affected != "self":
                text += "\n" + self.i18n.t(lang, "alert-emergency-affected", who=self.i18n.t(lang, f"beneficiary-{affected}"))
            if words:
                text += "\n" + self.i18n.t(lang, "alert-emergency-words", text=words[:400])
            await enqueue(
                session, kind="emergency_alert", chat_id=resident.emergency_contact_chat_id, recipient_kind="contact",
                payload=message(text), due_at=now, now=now, dedupe_key=f"emergency:{event_id}:contact",
                resident_id=resident.id,
            )  # fmt: skip
            notice.contact_told = True
        if resident is not None:
            notice.contact_name = resident.emergency_contact_name
            notice.contact_phone = resident.emergency_contact_phone
            # Linked family members (亲情账户) who receive alerts are told too.
            family = await self.family_emergency(session, resident, category, event_id, resident.emergency_contact_chat_id)
            if family and not notice.contact_told:
                notice.contact_told = True
                notice.contact_name = "、".join(m.name or "" for m in family) if resident.language == "zh" else ", ".join(
                    m.name or "" for m in family
                )
        event.doctor_alerted = bool(recipients)
        event.contact_alerted = notice.contact_told
        await session.commit()
        self.wake()
        return notice

    def _emergency_alert_text(
        self, lang: str, resident: Resident | None, category: str, words: str | None,
        affected: str | None, reporter: str | None,
    ) -> str:  # fmt: skip
        t = self.i18n.translator(lang)
        lines = [t("alert-emergency-head", category=t(f"category-{category}"))]
        if resident is not None:
            age = self.clock().astimezone(self.tz).year - resident.birth_year if resident.birth_year else None
            line = render.resident_line(self.i18n, lang, resident, age)
            lines.append(t("alert-emergency-who", name=line["name"], age=line["age"], phone=line["phone"] or "—"))
            if resident.address:
                lines.append(t("alert-emergency-address", address=resident.address))
        elif reporter:
            lines.append(t("alert-emergency-unknown", reporter=reporter))
        if affected and affected != "self":
            lines.append(t("alert-emergency-affected", who=t(f"beneficiary-{affected}")))
        if words:
            lines.append(t("alert-emergency-words", text=words[:400]))
        lines.append(t("alert-emergency-told"))
        return "\n".join(lines)

    async def callback_requested(
        self, session: AsyncSession, callback_id: int, *, words: str | None = None, affected: str | None = None
    ) -> str | None:
        """To the doctor when their account is linked; else to every linked member of
        the doctor's team; else to the duty chat. Returns who, or None when nobody
        could be queued (then the resident must not be told it was passed on)."""
        callback = await session.get(CallbackRequest, callback_id)
        if callback is None:
            return None
        resident = await session.get(Resident, callback.resident_id)
        if resident is None:
            return None
        doctor = await session.get(Provider, callback.provider_id) if callback.provider_id else None
        recipients: list[tuple[int, str]] = []
        routed: str | None = None
        if doctor is not None and doctor.active and doctor.chat_id is not None:
            recipients, routed = [(doctor.chat_id, doctor.language)], "doctor"
        if not recipients and doctor is not None:
            team = [p for p in await doctor_team(session, doctor.id) if p.active and p.chat_id is not None]
            if team:
                recipients, routed = [(p.chat_id, p.language) for p in team], "team"  # type: ignore[misc]
        if not recipients and self.duty_chat_id is not None:
            recipients, routed = [(self.duty_chat_id, "zh")], "duty"
        if not recipients:
            return None
        now = self.clock()
        for chat_id, lang in recipients:
            age = now.astimezone(self.tz).year - resident.birth_year if resident.birth_year else None
            line = render.resident_line(self.i18n, lang, resident, age)
            reason_key = f"callback-reason-{callback.reason}"
            if reason_key not in self.i18n.keys(lang):
                reason_key = "callback-reason-other"
            text = self.i18n.t(lang, "alert-callback", reason=self.i18n.t(lang, reason_key), **line)
            # What the resident said, and for whom, so the caller knows before dialling.
            if affected and affected != "self":
                text += "\n" + self.i18n.t(lang, "alert-emergency-affected", who=self.i18n.t(lang, f"beneficiary-{affected}"))
            if words:
                text += "\n" + self.i18n.t(lang, "alert-emergency-words", text=words[:400])
            if routed != "doctor" and doctor is not None:
                text += "\n" + self.i18n.t(lang, "alert-callback-for", doctor=provider_name(doctor, lang))
            buttons = [[(self.i18n.t(lang, "btn-callback-done"), CallbackDone(callback_id=callback_id).pack())]]
            extra = {}
            if callback.voice_file_id:
                extra = {"voice_file_id": callback.voice_file_id, "voice_caption": self.i18n.t(lang, "alert-callback-voice")}
            await enqueue(
                session, kind="callback_request", chat_id=chat_id, recipient_kind="staff" if routed == "duty" else "provider",
                payload=message(text, buttons, **extra), due_at=now, now=now, resident_id=resident.id,
                dedupe_key=f"callback:{callback_id}:{chat_id}:{callback.voice_file_id or ''}"[:96],
            )  # fmt: skip
        return routed

    async def emergency_undelivered(self, session: AsyncSession, row: Outbox) -> bool:
        """An emergency alert not delivered in time goes to the duty chat (and, without
        one, to the centre's staff), with what it said and whom it was for."""
        targets = [self.duty_chat_id] if self.duty_chat_id is not None else list(self.staff_chat_ids)
        if not targets:
            return False
        now = self.clock()
        minutes = max(1, int((now - row.created_at).total_seconds() // 60))
        queued = False
        lang = "zh"  # the centre's working language
        for chat_id in targets:
            who = self.i18n.t(lang, f"recipient-{row.recipient_kind}") if f"recipient-{row.recipient_kind}" in self.i18n.keys(lang) else row.recipient_kind
            text = self.i18n.t(lang, "alert-emergency-undelivered", minutes=str(minutes), who=who,
                               text=(row.payload or {}).get("text", ""))  # fmt: skip
            added = await enqueue(
                session, kind="emergency_escalation", chat_id=chat_id, recipient_kind="staff",
                payload=message(text), due_at=now, now=now, dedupe_key=f"escalation:{row.id}:{chat_id}",
                resident_id=row.resident_id,
            )  # fmt: skip
            queued = queued or added is not None
        return queued

    async def digest(self, session: AsyncSession, chat_id: int, rows: list[Outbox]) -> list[dict[str, Any]]:
        """Several notices waiting for one provider's (or the staff's) chat as one
        message, in the recipient's language: each notice whole, under a numbered
        line. Buttons only where a message carries a single notice; a very long
        digest becomes a few messages."""
        provider = await session.scalar(select(Provider).where(Provider.chat_id == chat_id).limit(1))
        lang = provider.language if provider is not None else "zh"  # the centre's working language
        notices = [(row.payload or {}).get("text", "") for row in rows]
        payloads: list[dict[str, Any]] = []
        for part in render.digest_texts(notices):
            if len(part) == 1:
                payloads.append(dict(rows[part[0]].payload or {}))
                continue
            text = render.digest_text(self.i18n, lang, [notices[i] for i in part], total=len(rows), first=part[0] + 1)
            payloads.append(message(text))
        return payloads

    async def delivery_failed(self, session: AsyncSession, row: Outbox, error: str) -> None:
        """A message was given up: the centre's staff are told so that someone calls."""
        if row.recipient_kind == "staff" or row.priority > 2:
            return
        targets = list(self.staff_chat_ids) or ([self.duty_chat_id] if self.duty_chat_id is not None else [])
        resident = await session.get(Resident, row.resident_id) if row.resident_id else None
        now = self.clock()
        lang = "zh"  # the centre's working language
        for chat_id in targets:
            text = self.i18n.t(
                lang, "delivery-failed-staff", id=str(row.id), kind=row.kind, error=error[:80],
                name=resident.name or "" if resident else "—", phone=display_phone(resident.phone) if resident else "—",
            )  # fmt: skip
            await enqueue(
                session, kind="delivery_failed", chat_id=chat_id, recipient_kind="staff", payload=message(text),
                due_at=now, now=now, dedupe_key=f"undelivered:{row.id}:{chat_id}", resident_id=row.resident_id,
            )  # fmt: skip


async def _resident_of(session: AsyncSession, booking_id: int) -> int | None:
    from actions.models import Booking

    return await session.scalar(select(Booking.resident_id).where(Booking.id == booking_id))


def rating_buttons(request_id: int) -> list[list[tuple[str, str]]]:
    stars = [("⭐" * n, RatingPick(request_id=request_id, score=n).pack()) for n in range(1, 6)]
    # Five big buttons, best first, one per row: easy to hit, hard to mistake.
    return [[b] for b in reversed(stars)]


async def agenda_text(
    session: AsyncSession, i18n: I18n, catalog: Catalog, tz: ZoneInfo, provider: Provider, day: date
) -> tuple[str, list[list[tuple[str, str]]]]:
    """The day's bookings of one provider in time order, with addresses for home
    visits and done / no-show buttons for each, then the open call-backs with a
    button to mark each one done."""
    lang = provider.language
    start = datetime.combine(day, time(0), tz)
    bookings = await provider_bookings(session, provider_id=provider.id, start=start, end=start + timedelta(days=1))
    callbacks = await open_callbacks(session, provider.id)
    label = format_date(i18n, lang, day)
    buttons: list[list[tuple[str, str]]] = []
    if not bookings:
        lines = [i18n.t(lang, "agenda-empty", date=label)]
    else:
        lines = [i18n.t(lang, "agenda-header", date=label, count=str(len(bookings)))]
    for b in bookings:
        resident = b.resident
        age = day.year - resident.birth_year if resident.birth_year else None
        lines.append(
            i18n.t(
                lang,
                "agenda-line",
                time=b.starts_at.astimezone(tz).strftime("%H:%M"),
                service=catalog.get(b.service_code).name(lang),
                name=resident.name or "",
                age=i18n.t(lang, "summary-age", age=str(age)) if age is not None else "",
                modality=i18n.t(lang, f"modality-{b.modality}"),
            )
        )
        if b.modality == "home_visit" and resident.address:
            lines.append(i18n.t(lang, "agenda-address", address=resident.address))
        stamp = b.starts_at.astimezone(tz).strftime("%H:%M")
        buttons.append(outcome_buttons(i18n, lang, b.id, stamp))
    await _care_sections(session, i18n, catalog, tz, provider, lines, buttons)
    if callbacks:
        lines.append(i18n.t(lang, "agenda-callbacks-header", count=str(len(callbacks))))
        for c in callbacks:
            resident = c.resident
            reason_key = f"callback-reason-{c.reason}"
            if reason_key not in i18n.keys(lang):
                reason_key = "callback-reason-other"
            lines.append(
                i18n.t(
                    lang, "agenda-callback-line", name=resident.name or "", phone=display_phone(resident.phone),
                    reason=i18n.t(lang, reason_key), since=format_when(i18n, lang, c.created_at, tz),
                )
            )  # fmt: skip
            buttons.append(
                [(f"☎️ {resident.name or ''} {i18n.t(lang, 'btn-callback-done')}", CallbackDone(callback_id=c.id).pack())]
            )
    return "\n".join(lines), buttons


async def _care_sections(
    session: AsyncSession, i18n: I18n, catalog: Catalog, tz: ZoneInfo, provider: Provider,
    lines: list[str], buttons: list[list[tuple[str, str]]],
) -> None:  # fmt: skip
    """On the agenda: follow-up calls after a service (with a done button), home
    readings waiting for guidance, and overdue care plan items of the doctor's
    residents."""
    from actions.care_config import load_care_config
    from actions.care_plans import overdue_for_doctor
    from actions.followups import open_calls
    from actions.models import Reading
    from actions.readings import open_reviews

    lang = provider.language
    calls = await open_calls(session, provider_id=provider.id)
    if calls:
        lines.append(i18n.t(lang, "agenda-followups-header", count=str(len(calls))))
        for call in calls:
            booking = await get_booking(session, call.booking_id)
            service = catalog.get(booking.service_code).name(lang) if booking is not None else ""
            lines.append(i18n.t(lang, "agenda-followup-line", name=call.resident.name or "", phone=display_phone(call.resident.phone),
                                service=service, due=format_when(i18n, lang, call.due_at, tz)))  # fmt: skip
            buttons.append([(f"☎️ {call.resident.name or ''} {i18n.t(lang, 'btn-followup-done')}", FollowUpDone(call_id=call.id).pack())])
    reviews = await open_reviews(session, provider.id)
    if reviews:
        lines.append(i18n.t(lang, "agenda-reviews-header", count=str(len(reviews))))
        for review in reviews:
            reading = await session.get(Reading, review.reading_id) if review.reading_id else None
            if reading is None:
                continue
            lines.append(i18n.t(lang, "agenda-review-line", name=review.resident.name or "",
                                reading=reading_text(i18n, lang, reading), level=level_text(i18n, lang, reading.level)))  # fmt: skip
            buttons.append([(f"{review.resident.name or ''} {i18n.t(lang, 'btn-guidance')}", GuidanceStart(review_id=review.id).pack())])
    overdue = await overdue_for_doctor(session, provider_id=provider.id)
    if overdue:
        config = load_care_config()
        lines.append(i18n.t(lang, "agenda-overdue-header", count=str(len(overdue))))
        for item in overdue:
            plan = config.plan(item.plan_code)
            lines.append(i18n.t(lang, "agenda-overdue-line", name=item.resident.name or "", phone=display_phone(item.resident.phone),
                                plan=plan.name(lang) if plan else item.plan_code, date=format_date(i18n, lang, item.due_on)))  # fmt: skip
