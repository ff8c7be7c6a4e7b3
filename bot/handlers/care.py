"""After the booking: the provider's buttons (accept, propose another time, decline,
done, no-show), /agenda, call-backs marked done, a resident confirming attendance,
and ratings with an optional comment. A provider acts only on their own bookings."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions import care
from actions.booking import SlotUnavailable, get_booking, reschedule
from actions.callbacks import mark_callback_done
from actions.matching import MatchRequest, match
from actions.models import Booking, Provider, Resident
from bot.callbacks import (
    BookingAction,
    CallbackDone,
    ProposalPick,
    ProviderAction,
    RatingPick,
    ServicePick,
)
from bot.deps import Deps
from bot.format import format_when, provider_name
from bot.i18n import Translate
from bot.keyboards import inline, one_per_row
from bot.notifier import agenda_text
from bot.states import Rating

log = logging.getLogger(__name__)


def _names(deps: Deps, booking: Booking, lang: str) -> dict[str, str]:
    return {
        "provider": provider_name(booking.provider, lang),
        "service": deps.catalog.get(booking.service_code).name(lang),
        "when": format_when(deps.i18n, lang, booking.starts_at, deps.tz),
    }


def build_router() -> Router:
    router = Router(name=__name__)

    # ------------------------------------------------------------------ providers

    @router.callback_query(ProviderAction.filter())
    async def provider_action(
        query: CallbackQuery,
        callback_data: ProviderAction,
        session: AsyncSession,
        provider: Provider | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        msg = query.message
        if msg is None:
            return
        if provider is None:
            log.warning("provider action from a non-provider: user=%s", query.from_user.id)
            await msg.answer(t("provider-not-yours"))
            return
        booking_id = callback_data.booking_id
        try:
            if callback_data.action == "accept":
                booking = await care.accept(session, booking_id=booking_id, provider_id=provider.id, clock=deps.clock)
                await msg.answer(t("provider-accepted", id=str(booking_id)))
                lang = booking.resident.language
                await deps.notifier.booking_update(session, booking, "resident-accepted", **_names(deps, booking, lang))
            elif callback_data.action == "decline":
                booking = await care.decline(session, booking_id=booking_id, provider_id=provider.id, clock=deps.clock)
                await deps.notifier.booking_cancelled(session, booking_id)
                await msg.answer(t("provider-declined", id=str(booking_id)))
                lang = booking.resident.language
                rebook = [[(deps.i18n.t(lang, "btn-rebook"), ServicePick(code=booking.service_code).pack())]]
                await deps.notifier.booking_update(session, booking, "resident-declined", rebook, **_names(deps, booking, lang))
            elif callback_data.action in ("done", "noshow"):
                outcome = "done" if callback_data.action == "done" else "no_show"
                booking = await care.mark_outcome(
                    session, booking_id=booking_id, provider_id=provider.id, outcome=outcome, clock=deps.clock
                )
                key = "provider-marked-done" if outcome == "done" else "provider-marked-noshow"
                await msg.answer(t(key, id=str(booking_id)))
                if outcome == "done":
                    fresh = await get_booking(session, booking_id)
                    if fresh is not None and await deps.notifier.rating_due(session, fresh):
                        await session.commit()
                        deps.notifier.wake()
            elif callback_data.action == "propose":
                await propose_times(msg, session, provider, booking_id, deps, t)
        except care.NotProvidersBooking:
            log.warning("provider %s refused on booking %s", provider.id, booking_id)
            await msg.answer(t("provider-not-yours"))
        except care.BookingClosed:
            await msg.answer(t("booking-not-changeable"))

    async def propose_times(
        msg, session: AsyncSession, provider: Provider, booking_id: int, deps: Deps, t: Translate  # type: ignore[no-untyped-def]
    ) -> None:
        booking = await get_booking(session, booking_id)
        if booking is None or booking.provider_id != provider.id:
            raise care.NotProvidersBooking(booking_id)
        result = await match(
            session,
            resident_id=booking.resident_id,
            request=MatchRequest(service_code=booking.service_code, modality=booking.modality),
            catalog=deps.catalog,
            clock=deps.clock,
            tz=deps.tz,
            limit=20,
        )
        own = [o for o in result.offers if o.provider_id == provider.id and o.slot_id != booking.slot_id][:5]
        if not own:
            await msg.answer(t("provider-propose-none"))
            return
        lang = provider.language
        buttons = [
            (format_when(deps.i18n, lang, o.starts_at, deps.tz), ProposalPick(booking_id=booking_id, slot_id=o.slot_id, by="provider").pack())
            for o in own
        ]
        await msg.answer(t("provider-propose-pick"), reply_markup=one_per_row(buttons))

    @router.callback_query(ProposalPick.filter(F.by == "provider"))
    async def proposal_sent(
        query: CallbackQuery, callback_data: ProposalPick, session: AsyncSession, provider: Provider | None, deps: Deps, t: Translate
    ) -> None:
        await query.answer()
        booking = await get_booking(session, callback_data.booking_id)
        if provider is None or booking is None or booking.provider_id != provider.id:
            await query.message.answer(t("provider-not-yours"))  # type: ignore[union-attr]
            return
        from actions.models import Slot

        slot = await session.get(Slot, callback_data.slot_id)
        if slot is None:
            await query.message.answer(t("stale-button"))  # type: ignore[union-attr]
            return
        await care.record_event(session, booking_id=booking.id, kind="proposed", actor="provider", clock=deps.clock)
        lang = booking.resident.language
        names = _names(deps, booking, lang)
        buttons = [
            [(deps.i18n.t(lang, "btn-take-proposal"), ProposalPick(booking_id=booking.id, slot_id=slot.id, by="resident").pack())],
            [(deps.i18n.t(lang, "btn-keep-looking"), BookingAction(action="resched", booking_id=booking.id).pack())],
        ]
        await deps.notifier.booking_update(
            session, booking, "resident-proposal", buttons,
            provider=names["provider"], service=names["service"], old_when=names["when"],
            when=format_when(deps.i18n, lang, slot.starts_at, deps.tz),
        )  # fmt: skip
        await query.message.answer(  # type: ignore[union-attr]
            t("provider-proposed", when=format_when(deps.i18n, provider.language, slot.starts_at, deps.tz))
        )

    @router.callback_query(ProposalPick.filter(F.by == "resident"))
    async def proposal_taken(
        query: CallbackQuery, callback_data: ProposalPick, session: AsyncSession, resident: Resident | None, deps: Deps, t: Translate
    ) -> None:
        await query.answer()
        if resident is None:
            return
        try:
            new = await reschedule(
                session, resident_id=resident.id, booking_id=callback_data.booking_id, new_slot_id=callback_data.slot_id, clock=deps.clock
            )
        except SlotUnavailable:
            await query.message.answer(t("booking-failed"))  # type: ignore[union-attr]
            return
        except Exception:  # not theirs, or no longer changeable
            log.warning("proposal refused: user=%s booking=%s", query.from_user.id, callback_data.booking_id)
            await query.message.answer(t("booking-not-changeable"))  # type: ignore[union-attr]
            return
        await deps.notifier.booking_rescheduled(session, callback_data.booking_id, new.id)
        fresh = await get_booking(session, new.id)
        assert fresh is not None
        names = _names(deps, fresh, resident.language)
        await query.message.answer(t("proposal-taken", service=names["service"], when=names["when"]))  # type: ignore[union-attr]

    @router.message(Command("agenda"))
    async def agenda(message: Message, session: AsyncSession, provider: Provider | None, deps: Deps, t: Translate) -> None:
        if provider is None:
            await message.answer(t("agenda-not-provider"))
            return
        today = deps.clock().astimezone(deps.tz).date()
        for day in (today, today + timedelta(days=1)):
            text, buttons = await agenda_text(session, deps.i18n, deps.catalog, deps.tz, provider, day)
            await message.answer(text, reply_markup=inline(buttons) if buttons else None)

    @router.message(Command("stats"))
    async def stats(message: Message, session: AsyncSession, deps: Deps, t: Translate) -> None:
        if message.from_user is None or message.from_user.id not in deps.settings.staff_telegram_ids:
            await message.answer(t("stats-not-staff"))
            return
        from actions.stats import format_report, quality_report

        report = await quality_report(session, since=deps.clock() - timedelta(days=30))
        await message.answer(format_report(report.as_dict()))

    @router.callback_query(CallbackDone.filter())
    async def callback_done(
        query: CallbackQuery, callback_data: CallbackDone, session: AsyncSession, provider: Provider | None, deps: Deps, t: Translate
    ) -> None:
        await query.answer()
        done = provider is not None and await mark_callback_done(
            session, callback_id=callback_data.callback_id, provider_id=provider.id, clock=deps.clock
        )
        await query.message.answer(t("callback-marked-done" if done else "stale-button"))  # type: ignore[union-attr]

    # ------------------------------------------------------------------ residents

    @router.callback_query(BookingAction.filter(F.action == "confirm"))
    async def attendance(
        query: CallbackQuery, callback_data: BookingAction, session: AsyncSession, resident: Resident | None, deps: Deps, t: Translate
    ) -> None:
        await query.answer()
        booking = await get_booking(session, callback_data.booking_id)
        if resident is None or booking is None or booking.resident_id != resident.id:
            await query.message.answer(t("not-yours"))  # type: ignore[union-attr]
            return
        await care.record_event(session, booking_id=booking.id, kind="attendance_confirmed", actor="resident", clock=deps.clock)
        await query.message.answer(t("attend-confirmed"))  # type: ignore[union-attr]

    @router.callback_query(RatingPick.filter())
    async def rated(
        query: CallbackQuery,
        callback_data: RatingPick,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        msg = query.message
        if resident is None or msg is None:
            return
        if callback_data.score == 0:  # "skip the comment"
            await state.clear()
            await msg.answer(t("rating-thanks"))
            return
        try:
            outcome = await care.rate(
                session, booking_id=callback_data.booking_id, resident_id=resident.id,
                score=callback_data.score, channel="buttons", clock=deps.clock,
            )  # fmt: skip
        except care.NotProvidersBooking:
            await msg.answer(t("not-yours"))
            return
        if not outcome.created:
            await msg.answer(t("rating-already"))
            return
        await msg.answer(t("rating-thanks"))
        if outcome.follow_up is not None:
            await deps.notifier.low_rating(session, outcome)
            await msg.answer(t("rating-low-followup"))
        await state.set_state(Rating.giving_comment)
        await state.update_data(rating_booking_id=callback_data.booking_id)
        await msg.answer(
            t("rating-ask-comment"),
            reply_markup=inline([[(t("btn-skip-comment"), RatingPick(booking_id=callback_data.booking_id, score=0).pack())]]),
        )

    @router.message(Rating.giving_comment, F.text)
    async def comment(message: Message, state: FSMContext, session: AsyncSession, resident: Resident | None, t: Translate) -> None:
        await save_comment(message, message.text or "", state, session, resident, t)

    return router


async def save_comment(
    message: Message, text: str, state: FSMContext, session: AsyncSession, resident: Resident | None, t: Translate
) -> None:
    """A typed or spoken comment on the rating just given."""
    booking_id = (await state.get_data()).get("rating_booking_id")
    await state.clear()
    if resident is None or booking_id is None:
        return
    await care.add_comment(session, booking_id=booking_id, resident_id=resident.id, comment=text.strip())
    await message.answer(t("rating-comment-saved"))
