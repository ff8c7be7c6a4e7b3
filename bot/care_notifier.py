"""The chronic care half of the outbox notifier (actions.notify.CareNotifier): care
plan offers, reading reviews with the trend chart, the doctor's guidance, follow-up
calls, weekly charts, family notices, waitlist offers and group-session reminders.
Every row is rendered in its recipient's language; every message to a family member
starts by saying whom it is about."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.booking import ACTIVE, get_booking, upcoming_bookings
from actions.care_config import CareConfig, load_care_config
from actions.contracts import contracted_doctor, doctor_team
from actions.family import active_link, member_as, members_of
from actions.models import (
    FamilyLink,
    GroupSession,
    Provider,
    Reading,
    ReadingReview,
    Resident,
    SessionSignup,
    Slot,
)
from actions.readings import readings_since
from bot import notice_texts as render
from bot.callbacks import (
    AttendMark,
    BookingAction,
    FollowUpDone,
    GuidanceStart,
    PlanPick,
    WaitlistAnswer,
)
from bot.chronic_texts import about, level_text, reading_text, summary_text, trend_chart
from bot.format import format_date, format_when, provider_name
from scheduler.outbox import enqueue, message, retract_family_copies, retract_keys

Rows = list[list[tuple[str, str]]]


class CareNotices:
    """Mixed into OutboxNotifier, which provides i18n, catalog, tz, clock, the duty and
    staff chats and wake()."""

    i18n: Any
    catalog: Any
    tz: Any
    clock: Any
    duty_chat_id: int | None
    staff_chat_ids: list[int]
    offsets: list[int]
    emergency_number: str = "120"

    @property
    def care(self) -> CareConfig:
        return load_care_config()

    async def _queue(
        self, session: AsyncSession, *, kind: str, chat_id: int, recipient_kind: str, text: str,
        buttons: Rows | None = None, dedupe_key: str | None = None, resident_id: int | None = None,
        due_at: datetime | None = None, booking_id: int | None = None, **extra: Any,
    ) -> bool:  # fmt: skip
        now = self.clock()
        row = await enqueue(
            session, kind=kind, chat_id=chat_id, recipient_kind=recipient_kind, payload=message(text, buttons, **extra),
            due_at=due_at or now, now=now, dedupe_key=dedupe_key[:96] if dedupe_key else None,
            resident_id=resident_id, booking_id=booking_id,
        )  # fmt: skip
        return row is not None

    async def _family(self, session: AsyncSession, elder: Resident) -> list[FamilyLink]:
        """The links of family members who receive the elder's reminders and alerts
        (each with its member loaded: the relation says what the elder is to them)."""
        return [link for link in await members_of(session, elder.id, alerts_only=True) if link.member is not None]

    def _relative_buttons(self, lang: str, booking_id: int) -> Rows:
        """What a linked family member may do with the elder's booking from a copy:
        move or cancel it (through the same checks as from their list). Confirming
        attendance stays the resident's own."""
        t = self.i18n.translator(lang)
        return [[(t("btn-resched-booking"), BookingAction(action="resched", booking_id=booking_id).pack()),
                 (t("btn-cancel-booking"), BookingAction(action="cancel", booking_id=booking_id).pack())]]  # fmt: skip

    async def _chart_extra(self, session: AsyncSession, resident: Resident, kind: str, lang: str) -> dict[str, Any]:
        chart = await trend_chart(
            session, self.i18n, resident=resident, kind=kind, lang=lang, thresholds=self.care.thresholds,
            tz=self.tz, now=self.clock(),
        )  # fmt: skip
        if chart is None:
            return {}
        png, caption = chart
        return {"photo_b64": base64.b64encode(png).decode(), "photo_caption": caption}

    # ------------------------------------------------------------------ care plans

    async def care_plan_due(self, session: AsyncSession, item: Any, offers: list[Any]) -> bool:
        """Ahead of the due date: the resident is offered slots with their family doctor
        (and linked family members get the same offer, saying whom it is for)."""
        resident: Resident = item.resident
        plan = self.care.plan(item.plan_code)
        if plan is None or resident.unreachable:
            return False
        doctor = await contracted_doctor(session, resident.id)
        today = self.clock().astimezone(self.tz).date()
        days = (item.due_on - today).days
        queued = False
        readers: list[tuple[Resident, str | None]] = [
            (resident, None), *[(link.member, link.relation) for link in await self._family(session, resident)]
        ]
        for reader, relation in readers:
            lang = reader.language
            t = self.i18n.translator(lang)
            date = format_date(self.i18n, lang, item.due_on)
            name = plan.name(lang)
            if days <= 0:
                head = t("care-plan-due-now", plan=name, date=date)
            elif days >= 7:
                head = t("care-plan-due-week", plan=name, date=date)
            else:
                head = t("care-plan-due-days", plan=name, date=date, days=str(days))
            lines = [about(self.i18n, lang, resident, relation), head] if relation else [head]
            rows: Rows = [
                [(f"{format_when(self.i18n, lang, o.starts_at, self.tz)} · {o.provider_name_zh if lang == 'zh' else o.provider_name_en}",
                  PlanPick(item_id=item.id, slot_id=o.slot_id).pack())]
                for o in offers
            ]  # fmt: skip
            if offers:
                who = provider_name(doctor, lang) if doctor is not None else (offers[0].provider_name_zh if lang == "zh" else offers[0].provider_name_en)
                lines.append(t("care-plan-offers", doctor=who))
            else:
                lines.append(t("care-plan-offers-none"))
            rows.append([(t("btn-plan-other"), PlanPick(item_id=item.id, slot_id=0).pack())])
            queued |= await self._queue(
                session, kind="care_plan_offer", chat_id=reader.chat_id, recipient_kind="family" if relation else "resident",
                text="\n".join(lines), buttons=rows, dedupe_key=f"plan:{item.id}:{reader.id}", resident_id=resident.id,
            )  # fmt: skip
        return queued

    # ------------------------------------------------------------------ readings

    async def _review_recipients(self, session: AsyncSession, review: ReadingReview) -> list[tuple[int, str, str]]:
        """The family doctor, else the doctor's team, else the duty chat (chat, lang, who)."""
        doctor = await session.get(Provider, review.provider_id) if review.provider_id else None
        if doctor is not None and doctor.active and doctor.chat_id is not None:
            return [(doctor.chat_id, doctor.language, "provider")]
        if doctor is not None:
            team = [p for p in await doctor_team(session, doctor.id) if p.active and p.chat_id is not None]
            if team:
                return [(p.chat_id, p.language, "provider") for p in team]  # type: ignore[misc]
        if self.duty_chat_id is not None:
            return [(self.duty_chat_id, "zh", "staff")]
        return []

    async def reading_review(self, session: AsyncSession, review_id: int) -> bool:
        review = await session.get(ReadingReview, review_id)
        if review is None:
            return False
        resident = await session.get(Resident, review.resident_id)
        reading = await session.get(Reading, review.reading_id) if review.reading_id else None
        if resident is None or reading is None:
            return False
        now = self.clock()
        recent = await readings_since(session, resident_id=resident.id, kind=reading.kind, since=now - timedelta(days=7))
        reporter = await session.get(Resident, reading.reported_by_id) if reading.reported_by_id else None
        queued = False
        for chat_id, lang, who in await self._review_recipients(session, review):
            t = self.i18n.translator(lang)
            age = now.astimezone(self.tz).year - resident.birth_year if resident.birth_year else None
            line = render.resident_line(self.i18n, lang, resident, age)
            lines = [
                t(f"review-head-{review.kind}"),
                t("review-who", name=line["name"], age=line["age"], phone=line["phone"] or "—"),
                t("review-reading", reading=reading_text(self.i18n, lang, reading), level=level_text(self.i18n, lang, reading.level),
                  when=format_when(self.i18n, lang, reading.measured_at, self.tz)),
                t("review-recent", count=str(len(recent)), high=str(sum(1 for r in recent if r.level in ("high", "very_high")))),
            ]  # fmt: skip
            if reporter is not None:
                lines.append(t("review-reporter", reporter=reporter.name or ""))
            extra = await self._chart_extra(session, resident, reading.kind, lang)
            queued |= await self._queue(
                session, kind="reading_review", chat_id=chat_id, recipient_kind=who, text="\n".join(lines),
                buttons=[[(t("btn-guidance"), GuidanceStart(review_id=review.id).pack())]],
                dedupe_key=f"review:{review.id}:{chat_id}", resident_id=resident.id, **extra,
            )  # fmt: skip
        return queued

    async def reading_family_alert(self, session: AsyncSession, reading: Any) -> int:
        resident = await session.get(Resident, reading.resident_id)
        if resident is None:
            return 0
        count = 0
        for link in await self._family(session, resident):
            member = link.member
            if member.id == reading.reported_by_id:
                continue  # they reported it and were answered in the chat
            lang = member.language
            text = "\n".join([
                about(self.i18n, lang, resident, link.relation),
                self.i18n.t(lang, "family-alert-reading", name=resident.name or "", reading=reading_text(self.i18n, lang, reading),
                            level=level_text(self.i18n, lang, reading.level)),
            ])  # fmt: skip
            count += await self._queue(
                session, kind="family_alert", chat_id=member.chat_id, recipient_kind="family", text=text,
                dedupe_key=f"reading:{reading.id}:{member.id}", resident_id=resident.id,
            )  # fmt: skip
        return count

    async def guidance_given(self, session: AsyncSession, review: Any, provider_id: int) -> None:
        resident = await session.get(Resident, review.resident_id)
        doctor = await session.get(Provider, provider_id)
        if resident is None or doctor is None:
            return
        lang = resident.language
        await self._queue(
            session, kind="guidance", chat_id=resident.chat_id, recipient_kind="resident",
            text=self.i18n.t(lang, "guidance-to-resident", doctor=provider_name(doctor, lang), guidance=review.guidance or ""),
            dedupe_key=f"guidance:{review.id}", resident_id=resident.id,
        )  # fmt: skip
        for link in await self._family(session, resident):
            member = link.member
            mlang = member.language
            text = "\n".join([
                about(self.i18n, mlang, resident, link.relation),
                self.i18n.t(mlang, "guidance-to-family", doctor=provider_name(doctor, mlang), name=resident.name or "",
                            guidance=review.guidance or ""),
            ])  # fmt: skip
            await self._queue(
                session, kind="guidance", chat_id=member.chat_id, recipient_kind="family", text=text,
                dedupe_key=f"guidance:{review.id}:{member.id}", resident_id=resident.id,
            )  # fmt: skip

    async def weekly_chart(self, session: AsyncSession, resident: Any, week: str) -> bool:
        now = self.clock()
        lang = resident.language
        queued = False
        for kind in ("bp", "glucose"):
            recent = await readings_since(session, resident_id=resident.id, kind=kind, since=now - timedelta(days=7))
            if not recent:
                continue
            extra = await self._chart_extra(session, resident, kind, lang)
            text = self.i18n.t(lang, "weekly-chart", what=self.i18n.t(lang, f"weekly-what-{kind}"),
                               summary=summary_text(self.i18n, lang, kind, recent))  # fmt: skip
            queued |= await self._queue(
                session, kind="reading_chart", chat_id=resident.chat_id, recipient_kind="resident", text=text,
                dedupe_key=f"chart:{resident.id}:{kind}:{week}", resident_id=resident.id, **extra,
            )  # fmt: skip
        return queued

    # ------------------------------------------------------------------ after a service

    async def follow_up_call_due(self, session: AsyncSession, call: Any) -> bool:
        provider = await session.get(Provider, call.provider_id) if call.provider_id else None
        booking = await get_booking(session, call.booking_id)
        if provider is None or provider.chat_id is None or not provider.active or booking is None:
            return False
        lang = provider.language
        resident = booking.resident
        now = self.clock()
        age = now.astimezone(self.tz).year - resident.birth_year if resident.birth_year else None
        line = render.resident_line(self.i18n, lang, resident, age)
        text = self.i18n.t(
            lang, "followup-call-due", name=line["name"], age=line["age"], phone=line["phone"] or "—",
            service=self.catalog.get(booking.service_code).name(lang),
            when=format_when(self.i18n, lang, booking.starts_at, self.tz), due=format_when(self.i18n, lang, call.due_at, self.tz),
        )  # fmt: skip
        return await self._queue(
            session, kind="followup_call", chat_id=provider.chat_id, recipient_kind="provider", text=text,
            buttons=[[(self.i18n.t(lang, "btn-followup-done"), FollowUpDone(call_id=call.id).pack())]],
            dedupe_key=f"followup_call:{call.id}", resident_id=resident.id,
        )  # fmt: skip

    # ------------------------------------------------------------------ family

    def _booking_names(self, booking: Any, lang: str) -> dict[str, str]:
        return {
            "service": self.catalog.get(booking.service_code).name(lang),
            "when": format_when(self.i18n, lang, booking.starts_at, self.tz),
            "provider": provider_name(booking.provider, lang),
        }

    def _reminder_plan(self, booking: Any) -> list[tuple[int, datetime]]:
        """The reminders still ahead for a booking: (hours before, when due)."""
        offsets = self.catalog.get(booking.service_code).reminder_offsets_hours or self.offsets
        now = self.clock()
        return [(hours, due) for hours in offsets if (due := booking.starts_at - timedelta(hours=hours)) > now]

    async def _member_as(self, session: AsyncSession, elder: Resident, member: Any, lang: str) -> str:
        """What a family member is to the resident, for the resident's notices ("您的子女
        王小明"), as the consent read-back named them; "家人" when no link is found."""
        link = await active_link(session, elder_id=elder.id, member_id=member.id)
        return self.i18n.t(lang, f"relation-{member_as(link)}" if link is not None else "relation-family")

    async def proxy_booked(self, session: AsyncSession, booking_id: int, member: Any) -> None:
        booking = await get_booking(session, booking_id)
        if booking is None:
            return
        elder = booking.resident
        lang = elder.language
        text = self.i18n.t(lang, "family-proxy-booked", member=member.name or "",
                           relation=await self._member_as(session, elder, member, lang),
                           **self._booking_names(booking, lang))  # fmt: skip
        await self._queue(
            session, kind="booking_update", chat_id=elder.chat_id, recipient_kind="resident", text=text,
            dedupe_key=f"proxy:{booking_id}", resident_id=elder.id, booking_id=booking_id,
        )  # fmt: skip
        await self._tell_other_relatives(session, booking, member, "family-other-booked", dedupe=f"proxy:{booking_id}")

    async def proxy_changed(
        self, session: AsyncSession, booking_id: int, member: Any, *, old_booking_id: int | None = None
    ) -> None:
        """A family member cancelled the resident's booking (or, with `old_booking_id`,
        moved it to `booking_id`): the resident is told in their language who did it
        and which booking, and so are the other family members who get the resident's
        copies."""
        booking = await get_booking(session, booking_id)
        old = await get_booking(session, old_booking_id) if old_booking_id is not None else None
        if booking is None:
            return
        elder = booking.resident
        lang = elder.language
        names = {"member": member.name or "", "relation": await self._member_as(session, elder, member, lang),
                 **self._booking_names(booking, lang)}  # fmt: skip
        if old is None:
            key, text = f"proxy_cancelled:{booking_id}", self.i18n.t(lang, "family-proxy-cancelled", **names)
        else:
            old_when = format_when(self.i18n, lang, old.starts_at, self.tz)
            key, text = f"proxy_moved:{booking_id}", self.i18n.t(lang, "family-proxy-rescheduled", old_when=old_when, **names)
        await self._queue(
            session, kind="booking_update", chat_id=elder.chat_id, recipient_kind="resident", text=text,
            dedupe_key=key, resident_id=elder.id, booking_id=booking_id,
        )  # fmt: skip
        what = "family-other-cancelled" if old is None else "family-other-rescheduled"
        await self._tell_other_relatives(session, booking, member, what, dedupe=key, old=old)

    async def _tell_other_relatives(
        self, session: AsyncSession, booking: Any, actor: Any, key: str, *, dedupe: str, old: Any = None
    ) -> None:
        """What one family member did with the elder's booking, for every other one who
        gets the elder's copies (not the one who did it: they saw it in the chat)."""
        elder = booking.resident
        for link in await self._family(session, elder):
            member = link.member
            if member.id == actor.id:
                continue
            lang = member.language
            names = self._booking_names(booking, lang)
            if old is not None:
                names["old_when"] = format_when(self.i18n, lang, old.starts_at, self.tz)
            text = "\n".join([
                about(self.i18n, lang, elder, link.relation),
                self.i18n.t(lang, key, member=actor.name or "", name=elder.name or "", **names),
            ])  # fmt: skip
            active = booking.status in ACTIVE
            await self._queue(
                session, kind="booking_update", chat_id=member.chat_id, recipient_kind="family", text=text,
                buttons=self._relative_buttons(lang, booking.id) if active else None,
                dedupe_key=f"{dedupe}:fam:{member.id}", resident_id=elder.id, booking_id=booking.id,
            )  # fmt: skip

    async def family_linked(self, session: AsyncSession, link: Any) -> None:
        """The member is told the resident agreed, and gets copies of the reminders of
        the resident's bookings made before."""
        member, elder = link.member, link.elder
        lang = member.language
        text = "\n".join([
            about(self.i18n, lang, elder, link.relation), self.i18n.t(lang, "family-linked-member", name=elder.name or ""),
        ])  # fmt: skip
        await self._queue(
            session, kind="family_notice", chat_id=member.chat_id, recipient_kind="family", text=text,
            dedupe_key=f"family_linked:{link.id}", resident_id=elder.id,
        )  # fmt: skip
        await self.family_copies_started(session, link)

    async def family_unlinked(self, session: AsyncSession, link: Any, *, by_elder: bool = True) -> None:
        """A link ended: nothing still waiting about the resident goes to the member
        any more, and the side that did not end it is told in their own language: the
        member (whom it is about first), or the resident (who, as what to them)."""
        member, elder = link.member, link.elder
        if member is None or elder is None:
            return
        await retract_family_copies(session, chat_id=member.chat_id, resident_id=elder.id)
        if not by_elder:
            lang = elder.language
            text = self.i18n.t(lang, "family-unlinked-by-member", member=member.name or "",
                               relation=self.i18n.t(lang, f"relation-{member_as(link)}"))  # fmt: skip
            await self._queue(
                session, kind="family_notice", chat_id=elder.chat_id, recipient_kind="resident", text=text,
                dedupe_key=f"family_unlinked:{link.id}:resident", resident_id=elder.id,
            )  # fmt: skip
            return
        lang = member.language
        text = "\n".join([
            about(self.i18n, lang, elder, link.relation), self.i18n.t(lang, "family-revoked-member", name=elder.name or ""),
        ])  # fmt: skip
        await self._queue(
            session, kind="family_notice", chat_id=member.chat_id, recipient_kind="family", text=text,
            dedupe_key=f"family_unlinked:{link.id}",
        )  # fmt: skip

    async def family_copies_stopped(self, session: AsyncSession, link: Any) -> None:
        """The member turned the resident's reminders off: what still waits is withdrawn."""
        if link.member is not None and link.elder_id is not None:
            await retract_family_copies(session, chat_id=link.member.chat_id, resident_id=link.elder_id)

    async def family_copies_started(self, session: AsyncSession, link: Any) -> None:
        """Copies of the reminders still ahead for the resident's upcoming bookings,
        for a member who now gets them (a new link, or reminders turned back on)."""
        if link.status != "active" or not link.receives_alerts or link.elder_id is None:
            return
        for booking in await upcoming_bookings(session, resident_id=link.elder_id, clock=self.clock):
            await self.family_reminders(session, booking, self._reminder_plan(booking), links=[link])

    async def family_reminders(
        self, session: AsyncSession, booking: Any, hours_due: list[tuple[int, datetime]], *,
        links: list[FamilyLink] | None = None,
    ) -> None:  # fmt: skip
        """Copies of a booking's reminders for linked family members (whom it is about
        first), with the buttons a family member may use: move or cancel."""
        elder = await session.get(Resident, booking.resident_id)
        if elder is None:
            return
        for link in links if links is not None else await self._family(session, elder):
            member = link.member
            lang = member.language
            service = self.catalog.get(booking.service_code)
            for hours, due in hours_due:
                label_key = {24: "reminder-24", 2: "reminder-2"}.get(hours, "reminder-other")
                text = "\n".join([
                    about(self.i18n, lang, elder, link.relation),
                    self.i18n.t(lang, "family-reminder", name=elder.name or "",
                                when_label=self.i18n.t(lang, label_key, hours=str(hours)), service=service.name(lang),
                                when=format_when(self.i18n, lang, booking.starts_at, self.tz),
                                provider=provider_name(booking.provider, lang),
                                modality=self.i18n.t(lang, f"modality-{booking.modality}")),
                ])  # fmt: skip
                await self._queue(
                    session, kind="reminder", chat_id=member.chat_id, recipient_kind="family", text=text, due_at=due,
                    buttons=self._relative_buttons(lang, booking.id),
                    dedupe_key=f"reminder:{booking.id}:{hours}:fam:{member.id}", resident_id=elder.id, booking_id=booking.id,
                )  # fmt: skip

    async def family_emergency(self, session: AsyncSession, resident: Resident, category: str, event_id: int, skip_chat: int | None) -> list[Resident]:
        """An emergency alert for each linked family member who receives alerts."""
        told = []
        for link in await self._family(session, resident):
            member = link.member
            if member.chat_id == skip_chat:
                told.append(member)
                continue
            lang = member.language
            text = "\n".join([
                about(self.i18n, lang, resident, link.relation),
                self.i18n.t(lang, "family-emergency", name=resident.name or "", category=self.i18n.t(lang, f"category-{category}"),
                            address=resident.address or "—", emergency=self.emergency_number),
            ])  # fmt: skip
            if await self._queue(
                session, kind="emergency_alert", chat_id=member.chat_id, recipient_kind="family", text=text,
                dedupe_key=f"emergency:{event_id}:family:{member.id}", resident_id=resident.id,
            ):  # fmt: skip
                told.append(member)
        return told

    # ------------------------------------------------------------------ waitlist and sessions

    async def waitlist_offered(self, session: AsyncSession, entry: Any) -> None:
        resident: Resident = entry.resident
        lang = resident.language
        t = self.i18n.translator(lang)
        until = format_when(self.i18n, lang, entry.hold_until, self.tz)
        if entry.target_kind == "slot":
            slot = await session.get(Slot, entry.target_id)
            provider = await session.get(Provider, slot.provider_id) if slot is not None else None
            if slot is None or provider is None:
                return
            text = t("waitlist-offer-slot", service=self.catalog.get(entry.service_code).name(lang),
                     when=format_when(self.i18n, lang, slot.starts_at, self.tz), provider=provider_name(provider, lang),
                     until=until)  # fmt: skip
        else:
            group = await session.get(GroupSession, entry.target_id)
            if group is None:
                return
            text = t("waitlist-offer-session", title=group.title_zh if lang == "zh" else group.title_en,
                     when=format_when(self.i18n, lang, group.starts_at, self.tz),
                     place=group.place_zh if lang == "zh" else group.place_en, until=until)  # fmt: skip
        buttons = [[(t("btn-waitlist-take"), WaitlistAnswer(entry_id=entry.id, take=True).pack()),
                    (t("btn-waitlist-decline"), WaitlistAnswer(entry_id=entry.id, take=False).pack())]]  # fmt: skip
        await self._queue(
            session, kind="waitlist_offer", chat_id=resident.chat_id, recipient_kind="resident", text=text,
            buttons=buttons, dedupe_key=f"waitlist:{entry.id}", resident_id=resident.id,
        )  # fmt: skip

    def _session_names(self, group: GroupSession, lang: str) -> dict[str, str]:
        return {
            "title": group.title_zh if lang == "zh" else group.title_en,
            "when": format_when(self.i18n, lang, group.starts_at, self.tz),
            "place": group.place_zh if lang == "zh" else group.place_en,
        }

    async def session_signed(self, session: AsyncSession, signup: Any) -> None:
        """Reminders before the session for the resident and linked family members."""
        group = await session.get(GroupSession, signup.session_id)
        resident = await session.get(Resident, signup.resident_id)
        if group is None or resident is None:
            return
        now = self.clock()
        readers: list[tuple[Resident, str | None]] = [
            (resident, None), *[(link.member, link.relation) for link in await self._family(session, resident)]
        ]
        for hours in self.care.session_reminder_hours:
            due = group.starts_at - timedelta(hours=hours)
            if due <= now:
                continue
            for reader, relation in readers:
                lang = reader.language
                label = self.i18n.t(lang, {24: "reminder-24", 2: "reminder-2"}.get(hours, "reminder-other"), hours=str(hours))
                names = self._session_names(group, lang)
                if relation:
                    text = "\n".join([about(self.i18n, lang, resident, relation),
                                      self.i18n.t(lang, "class-reminder-family", name=resident.name or "", when_label=label, **names)])  # fmt: skip
                else:
                    text = self.i18n.t(lang, "class-reminder", when_label=label, **names)
                await self._queue(
                    session, kind="session_reminder", chat_id=reader.chat_id, recipient_kind="family" if relation else "resident",
                    text=text, due_at=due, dedupe_key=f"session_reminder:{signup.id}:{hours}:{reader.id}", resident_id=resident.id,
                )  # fmt: skip

    async def session_cancelled(self, session: AsyncSession, signup: Any) -> None:
        await retract_keys(session, prefix=f"session_reminder:{signup.id}:")

    async def session_roster(self, session: AsyncSession, group_session: Any) -> bool:
        """At the start, the host gets the names with one button each to mark who came."""
        host = await session.scalar(select(Provider).where(Provider.code == group_session.host_code))
        if host is None or host.chat_id is None or not host.active:
            return False
        signups = (
            await session.scalars(
                select(SessionSignup).where(SessionSignup.session_id == group_session.id, SessionSignup.status == "signed")
            )
        ).all()
        lang = host.language
        names = self._session_names(group_session, lang)
        rows: Rows = []
        for s in signups:
            person = await session.get(Resident, s.resident_id)
            rows.append([(self.i18n.t(lang, "btn-attended", name=person.name if person else "—"), AttendMark(signup_id=s.id).pack())])
        text = self.i18n.t(lang, "roster-head", title=names["title"], when=names["when"], count=str(len(signups)))
        return await self._queue(
            session, kind="session_roster", chat_id=host.chat_id, recipient_kind="provider", text=text, buttons=rows,
            dedupe_key=f"roster:{group_session.id}",
        )  # fmt: skip
