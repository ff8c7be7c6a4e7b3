"""Home readings (血压, 血糖) typed or spoken, by the resident or a linked family member:
stored, answered with the target, and — when very high or low — turned into a
same-day slot or a call-back with the family doctor alerted with the trend chart.
/health shows the trend on request. Providers answer a reading with guidance, which
goes back to the resident."""

from __future__ import annotations

import dataclasses
import logging

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.care_config import load_care_config
from actions.care_plans import resident_items
from actions.contracts import contracted_doctor
from actions.family import NotLinked, acting_for, elders_of, subject_for
from actions.models import Provider, Resident
from actions.readings import (
    URGENT_LEVELS,
    ReviewClosed,
    _may_answer,
    answer_review,
    get_review,
    kinds_reported,
    readings_since,
    record_reading,
)
from bot.callbacks import ClassAction, FamilyAction, GuidanceStart, HealthAction
from bot.chronic_texts import level_text, reading_text, summary_text, trend_chart
from bot.deps import Deps
from bot.filters import MenuButton
from bot.format import format_date, provider_name
from bot.handlers.booking.flow import start_booking
from bot.i18n import Translate
from bot.keyboards import inline, main_menu
from bot.states import Guidance
from nlu.interface import Parse

log = logging.getLogger(__name__)
URGENT_SERVICE = "general_consult"


async def report_reading(
    message: Message,
    text: str,
    parse: Parse,
    *,
    channel: str,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident,
    deps: Deps,
    t: Translate,
) -> None:
    """A reading (or a request to see the readings) from the resident or for a linked
    elderly family member ("我妈血压160/100")."""
    subject, reporter_id = resident, None
    elder = await subject_for(session, member=resident, beneficiary=parse.beneficiary)
    if elder is not None:
        subject, reporter_id = elder, resident.id
    elif parse.reading is not None and parse.beneficiary not in (None, "self"):
        # Someone else's reading, with nobody linked to keep it for: not stored as the
        # speaker's own.
        await message.answer(
            t("reading-family-unlinked"),
            reply_markup=inline([[(t("btn-family-link"), FamilyAction(action="link").pack())]]),
        )
        return
    if parse.reading is None:
        await send_health(message, session, subject, resident, deps, t)
        return
    config = load_care_config()
    recorded = await record_reading(
        session, resident_id=subject.id, reading=parse.reading, thresholds=config.thresholds, clock=deps.clock,
        channel=channel, reported_by_id=reporter_id,
    )  # fmt: skip
    reading, review = recorded.reading, recorded.review
    notifier = deps.notifier
    if review is not None:
        await notifier.reading_review(session, review.id)  # type: ignore[attr-defined]
    if reading.level in URGENT_LEVELS:
        await notifier.reading_family_alert(session, reading)  # type: ignore[attr-defined]
    await session.commit()
    notifier.wake()
    deps.count(f"reading:{reading.level}")
    log.info("reading recorded: kind=%s level=%s review=%s", reading.kind, reading.level, review.kind if review else None)

    lang = resident.language
    th = config.thresholds
    whose = t("reading-saved-for", name=subject.name or "") if subject.id != resident.id else t("reading-saved-self")
    lines = [t("reading-saved", whose=whose, reading=reading_text(deps.i18n, lang, reading), level=level_text(deps.i18n, lang, reading.level))]
    if reading.kind == "bp":
        lines.append(t("reading-target-bp", systolic=str(th.bp_target_systolic), diastolic=str(th.bp_target_diastolic)))
    else:
        lines.append(t("reading-target-glucose", fasting=f"{th.glucose_target_for('fasting'):.1f}",
                       after_meal=f"{th.glucose_target_for('after_meal'):.1f}"))  # fmt: skip
    doctor = await contracted_doctor(session, subject.id)
    doctor_name = provider_name(doctor, lang) if doctor is not None else None
    if reading.level in URGENT_LEVELS:
        urgent_key = "reading-urgent-low" if reading.level == "low" and reading.kind == "glucose" else "reading-urgent-bp"
        lines.append(t(urgent_key, emergency=deps.settings.emergency_number))
        lines.append(t("reading-urgent-next", doctor=doctor_name) if doctor_name else t("reading-urgent-next-nodoctor"))
        await message.answer("\n".join(lines))
        # Urgent: a same-day slot (the offers carry "ask my doctor to call me").
        urgent = dataclasses.replace(parse, service=URGENT_SERVICE, urgency="urgent", when=None, modality=None, intent="book_service")
        await start_booking(
            message, state, session, resident, deps, t, parse=urgent, channel=channel, request_text=text,
            for_resident=elder,
        )  # fmt: skip
        return
    if review is not None:
        lines.append(t("reading-repeated", doctor=doctor_name) if doctor_name else t("reading-repeated-nodoctor"))
    await message.answer("\n".join(lines), reply_markup=main_menu(t))


async def send_health(
    message: Message, session: AsyncSession, subject: Resident, reader: Resident, deps: Deps, t: Translate
) -> None:
    """The trend charts (last 30 days), a short summary and the care plan."""
    from datetime import timedelta

    lang = reader.language
    config = load_care_config()
    now = deps.clock()
    kinds = await kinds_reported(session, resident_id=subject.id, since=now - timedelta(days=30))
    if not kinds:
        await message.answer(t("health-none"))
    for kind in kinds:
        chart = await trend_chart(
            session, deps.i18n, resident=subject, kind=kind, lang=lang, thresholds=config.thresholds, tz=deps.tz, now=now
        )
        recent = await readings_since(session, resident_id=subject.id, kind=kind, since=now - timedelta(days=30))
        if chart is not None:
            png, caption = chart
            await message.answer_photo(BufferedInputFile(png, filename="trend.png"), caption=caption)
        await message.answer(summary_text(deps.i18n, lang, kind, recent))
    items = await resident_items(session, resident_id=subject.id)
    if items:
        lines = [t("health-plan-header")]
        for item in items:
            plan = config.plan(item.plan_code)
            lines.append(t("health-plan-line", plan=plan.name(lang) if plan else item.plan_code,
                           date=format_date(deps.i18n, lang, item.due_on), status=t(f"plan-status-{item.status}")))  # fmt: skip
        await message.answer("\n".join(lines))
    await message.answer(
        t("reading-how"),
        reply_markup=inline([[(t("btn-classes"), ClassAction(action="list", target_id=0).pack())]]),
    )


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("health"))
    @router.message(MenuButton("menu-health"))
    async def health(message: Message, state: FSMContext, session: AsyncSession, resident: Resident | None,
                     deps: Deps, t: Translate) -> None:  # fmt: skip
        if resident is None or not resident.onboarded:
            await message.answer(t("reading-need-profile"))
            return
        await state.clear()
        await send_health(message, session, resident, resident, deps, t)
        links = await elders_of(session, resident.id)
        if links:
            await message.answer(
                t("family-who"),
                reply_markup=inline([
                    [(t("btn-family-health", name=link.elder.name or ""), HealthAction(action="show", elder_id=link.elder_id or 0).pack())]
                    for link in links if link.elder is not None
                ]),
            )  # fmt: skip

    @router.callback_query(HealthAction.filter())
    async def health_of(query: CallbackQuery, callback_data: HealthAction, session: AsyncSession,
                        resident: Resident | None, deps: Deps, t: Translate) -> None:  # fmt: skip
        await query.answer()
        if resident is None or not isinstance(query.message, Message):
            return
        subject = resident
        if callback_data.elder_id:
            try:
                subject = await acting_for(session, member=resident, elder_id=callback_data.elder_id)
            except NotLinked:
                await query.message.answer(t("family-not-linked"))
                return
        await send_health(query.message, session, subject, resident, deps, t)

    # ------------------------------------------------------------------ providers

    @router.callback_query(GuidanceStart.filter())
    async def guidance_start(query: CallbackQuery, callback_data: GuidanceStart, state: FSMContext,
                             session: AsyncSession, provider: Provider | None, t: Translate) -> None:  # fmt: skip
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        review = await get_review(session, callback_data.review_id)
        if provider is None or review is None or not await _may_answer(session, review, provider.id):
            log.warning("guidance refused: user=%s review=%s", query.from_user.id, callback_data.review_id)
            await msg.answer(t("guidance-not-yours"))
            return
        if review.status != "open":
            await msg.answer(t("guidance-closed"))
            return
        resident = await session.get(Resident, review.resident_id)
        await state.set_state(Guidance.writing)
        await state.set_data({"review_id": review.id})
        await msg.answer(t("guidance-ask", name=resident.name if resident else ""))

    @router.message(Guidance.writing, F.text)
    async def guidance_written(message: Message, state: FSMContext, session: AsyncSession,
                               provider: Provider | None, deps: Deps, t: Translate) -> None:  # fmt: skip
        review_id = (await state.get_data()).get("review_id")
        text = (message.text or "").strip()
        if provider is None or review_id is None:
            await state.clear()
            await message.answer(t("guidance-not-yours"))
            return
        if len(text) < 2:
            await message.answer(t("guidance-empty"))
            return
        await state.clear()
        try:
            review = await answer_review(
                session, review_id=review_id, provider_id=provider.id, guidance=text, clock=deps.clock, notifier=deps.notifier
            )
        except ReviewClosed:
            await message.answer(t("guidance-closed"))
            return
        resident = await session.get(Resident, review.resident_id)
        await message.answer(t("guidance-sent", name=resident.name if resident else ""))

    return router
