"""After the booking: the provider's buttons (accept, propose another time, decline,
done, no-show), /agenda, call-backs marked done, a resident confirming attendance,
and ratings with an optional comment. A provider acts only on their own bookings.

A decision's buttons change in place: decline asks for a reason and then for a
confirmation, done and no-show for a confirmation, and once a decision is made its
buttons are gone. Every tap is checked again by the domain, so an old or crafted
button changes nothing it should not."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions import care
from actions.booking import BookingNotChangeable, SlotUnavailable, get_booking
from actions.callbacks import mark_callback_done
from actions.models import Booking, Provider, Resident
from bot.callbacks import (
    BookingAction,
    CallbackDone,
    DecisionConfirm,
    DeclineReason,
    ProposalPick,
    ProviderAction,
    RatingPick,
)
from bot.deps import Deps
from bot.format import format_when, provider_name
from bot.i18n import Translate
from bot.keyboards import inline
from bot.notifier import agenda_text, decision_buttons, outcome_buttons
from bot.states import Rating

log = logging.getLogger(__name__)

Rows = list[list[tuple[str, str]]]
BOOKING_BUTTONS = (ProviderAction, DeclineReason, DecisionConfirm)


def _names(deps: Deps, booking: Booking, lang: str) -> dict[str, str]:
    return {
        "provider": provider_name(booking.provider, lang),
        "service": deps.catalog.get(booking.service_code).name(lang),
        "when": format_when(deps.i18n, lang, booking.starts_at, deps.tz),
    }


def _rows(msg: Message) -> Rows:
    markup = msg.reply_markup
    if markup is None:
        return []
    return [[(b.text, b.callback_data or "") for b in row] for row in markup.inline_keyboard]


def _booking_of(data: str) -> int | None:
    for kind in BOOKING_BUTTONS:
        with contextlib.suppress(Exception):
            return kind.unpack(data).booking_id
    return None


async def _set_rows(msg: Message, rows: Rows) -> None:
    with contextlib.suppress(TelegramBadRequest):
        await msg.edit_reply_markup(reply_markup=inline(rows) if rows else None)


async def _replace_booking_rows(msg: Message, booking_id: int, new_rows: Rows) -> None:
    """The rows about `booking_id` (its decision buttons, or its agenda row) give way
    to `new_rows`; the message's other rows stay."""
    out: Rows = []
    placed = False
    for row in _rows(msg):
        if any(_booking_of(data) == booking_id or data.startswith("pp:") for _, data in row):
            if not placed:
                out.extend(new_rows)
                placed = True
            continue
        out.append(row)
    if not placed:
        out.extend(new_rows)
    await _set_rows(msg, out)


def _stamp(deps: Deps, booking: Booking) -> str:
    return booking.starts_at.astimezone(deps.tz).strftime("%H:%M")


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
        if not isinstance(msg, Message):
            return
        if provider is None:
            log.warning("provider action from a non-provider: user=%s", query.from_user.id)
            await msg.answer(t("provider-not-yours"))
            return
        booking_id = callback_data.booking_id
        booking = await get_booking(session, booking_id)
        if booking is None or booking.provider_id != provider.id:
            log.warning("provider %s refused on booking %s", provider.id, booking_id)
            await msg.answer(t("provider-not-yours"))
            return
        action = callback_data.action
        if action in ("back", "back_row"):
            rows = (
                decision_buttons(deps.i18n, provider.language, booking_id)
                if action == "back"
                else [outcome_buttons(deps.i18n, provider.language, booking_id, _stamp(deps, booking))]
            )
            if booking.status not in care.ACTIVE:
                rows = []
            await _replace_booking_rows(msg, booking_id, rows)
            return
        if booking.status not in care.ACTIVE:
            await _replace_booking_rows(msg, booking_id, [])
            await msg.answer(t("booking-not-changeable"))
            return
        back = [(t("btn-back-decision"), ProviderAction(action="back", booking_id=booking_id).pack())]
        try:
            if action == "accept":
                await care.accept(session, booking_id=booking_id, provider_id=provider.id, clock=deps.clock, notifier=deps.notifier)
                await _replace_booking_rows(msg, booking_id, [])
                await msg.answer(t("provider-accepted", id=str(booking_id)))
            elif action == "decline":
                reasons = [
                    [(t(f"decline-reason-{r}"), DeclineReason(booking_id=booking_id, reason=r).pack())]
                    for r in care.DECLINE_REASONS
                ]
                await _replace_booking_rows(msg, booking_id, [*reasons, back])
                await msg.answer(t("decline-ask-reason", id=str(booking_id)))
            elif action in ("done", "noshow"):
                if booking.starts_at > deps.clock():
                    await msg.answer(t("provider-not-started"))
                    return
                label = t("btn-confirm-done" if action == "done" else "btn-confirm-noshow", time=_stamp(deps, booking))
                await _replace_booking_rows(msg, booking_id, [[
                    (label, DecisionConfirm(booking_id=booking_id, action=action).pack()),
                    (t("btn-back-decision"), ProviderAction(action="back_row", booking_id=booking_id).pack()),
                ]])  # fmt: skip
            elif action == "propose":
                await propose_times(msg, session, provider, booking, deps, t, back)
        except care.NotProvidersBooking:
            log.warning("provider %s refused on booking %s", provider.id, booking_id)
            await msg.answer(t("provider-not-yours"))
        except care.BookingClosed:
            await _replace_booking_rows(msg, booking_id, [])
            await msg.answer(t("booking-not-changeable"))

    async def propose_times(
        msg: Message, session: AsyncSession, provider: Provider, booking: Booking, deps: Deps, t: Translate,
        back: list[tuple[str, str]],
    ) -> None:  # fmt: skip
        proposals = await care.propose_times(
            session, booking_id=booking.id, provider_id=provider.id, catalog=deps.catalog, clock=deps.clock, tz=deps.tz
        )
        if not proposals:
            await msg.answer(t("provider-propose-none"))
            return
        from actions.models import Slot

        rows: Rows = []
        for p in proposals:
            slot = await session.get(Slot, p.slot_id)
            assert slot is not None
            label = format_when(deps.i18n, provider.language, slot.starts_at, deps.tz)
            rows.append([(label, ProposalPick(proposal_id=p.id, by="provider").pack())])
        await _replace_booking_rows(msg, booking.id, [*rows, back])
        await msg.answer(t("provider-propose-pick"))

    @router.callback_query(DeclineReason.filter())
    async def decline_reason(
        query: CallbackQuery, callback_data: DeclineReason, session: AsyncSession, provider: Provider | None, deps: Deps, t: Translate
    ) -> None:
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        booking = await get_booking(session, callback_data.booking_id)
        if provider is None or booking is None or booking.provider_id != provider.id:
            await msg.answer(t("provider-not-yours"))
            return
        reason = callback_data.reason if callback_data.reason in care.DECLINE_REASONS else "other"
        await _replace_booking_rows(msg, booking.id, [[
            (t("btn-confirm-decline"), DecisionConfirm(booking_id=booking.id, action="decline", reason=reason).pack()),
            (t("btn-back-decision"), ProviderAction(action="back", booking_id=booking.id).pack()),
        ]])  # fmt: skip
        await msg.answer(t("decline-confirm", id=str(booking.id), reason=t(f"decline-reason-{reason}")))

    @router.callback_query(DecisionConfirm.filter())
    async def decision_confirmed(
        query: CallbackQuery, callback_data: DecisionConfirm, session: AsyncSession, provider: Provider | None, deps: Deps, t: Translate
    ) -> None:
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        if provider is None:
            await msg.answer(t("provider-not-yours"))
            return
        booking_id = callback_data.booking_id
        try:
            if callback_data.action == "decline":
                await care.decline(
                    session, booking_id=booking_id, provider_id=provider.id, clock=deps.clock,
                    reason=callback_data.reason, notifier=deps.notifier,
                )  # fmt: skip
                await _replace_booking_rows(msg, booking_id, [])
                await msg.answer(t("provider-declined", id=str(booking_id)))
            elif callback_data.action in ("done", "noshow"):
                outcome = "done" if callback_data.action == "done" else "no_show"
                await care.mark_outcome(
                    session, booking_id=booking_id, provider_id=provider.id, outcome=outcome, clock=deps.clock,
                    notifier=deps.notifier,
                )  # fmt: skip
                await _replace_booking_rows(msg, booking_id, [])
                await msg.answer(t("provider-marked-done" if outcome == "done" else "provider-marked-noshow", id=str(booking_id)))
            else:
                await msg.answer(t("stale-button"))
        except care.NotProvidersBooking:
            log.warning("provider %s refused on booking %s", provider.id, booking_id)
            await msg.answer(t("provider-not-yours"))
        except care.VisitNotStarted:
            await msg.answer(t("provider-not-started"))
        except care.BookingClosed:
            await _replace_booking_rows(msg, booking_id, [])
            await msg.answer(t("booking-not-changeable"))

    @router.callback_query(ProposalPick.filter(F.by == "provider"))
    async def proposal_sent(
        query: CallbackQuery, callback_data: ProposalPick, session: AsyncSession, provider: Provider | None, deps: Deps, t: Translate
    ) -> None:
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        if provider is None:
            await msg.answer(t("provider-not-yours"))
            return
        try:
            proposal = await care.offer_proposal(
                session, proposal_id=callback_data.proposal_id, provider_id=provider.id, clock=deps.clock,
                notifier=deps.notifier,
            )  # fmt: skip
        except care.NotProvidersBooking:
            log.warning("provider %s refused on proposal %s", provider.id, callback_data.proposal_id)
            await msg.answer(t("provider-not-yours"))
            return
        except care.BookingClosed:
            await msg.answer(t("stale-button"))
            return
        await _replace_booking_rows(msg, proposal.booking_id, [])
        from actions.models import Slot

        slot = await session.get(Slot, proposal.slot_id)
        assert slot is not None
        await msg.answer(t("provider-proposed", when=format_when(deps.i18n, provider.language, slot.starts_at, deps.tz)))

    @router.callback_query(ProposalPick.filter(F.by == "resident"))
    async def proposal_taken(
        query: CallbackQuery, callback_data: ProposalPick, session: AsyncSession, resident: Resident | None, deps: Deps, t: Translate
    ) -> None:
        await query.answer()
        msg = query.message
        if resident is None or not isinstance(msg, Message):
            return
        try:
            new = await care.take_proposal(
                session, proposal_id=callback_data.proposal_id, resident_id=resident.id, clock=deps.clock,
                notifier=deps.notifier,
            )  # fmt: skip
        except SlotUnavailable:
            await msg.answer(t("booking-failed"))
            return
        except care.NotProvidersBooking:
            log.warning("proposal refused: user=%s proposal=%s", query.from_user.id, callback_data.proposal_id)
            await msg.answer(t("not-yours"))
            return
        except (care.BookingClosed, BookingNotChangeable):
            await _set_rows(msg, [])
            await msg.answer(t("booking-not-changeable"))
            return
        await _set_rows(msg, [])
        fresh = await get_booking(session, new.id)
        assert fresh is not None
        names = _names(deps, fresh, resident.language)
        await msg.answer(t("proposal-taken", service=names["service"], when=names["when"]))

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
    async def stats(message: Message, session: AsyncSession, deps: Deps, t: Translate, lang: str) -> None:
        if message.from_user is None or message.from_user.id not in deps.settings.staff_telegram_ids:
            await message.answer(t("stats-not-staff"))
            return
        from actions.providers import list_providers
        from actions.stats import quality_report
        from bot.stats_text import render_report

        now = deps.clock()
        report = await quality_report(session, since=now - timedelta(days=30), until=now)
        names = {p.code: provider_name(p, lang) for p in await list_providers(session)}
        from actions.chronic_stats import chronic_care_report, format_chronic_report

        chronic = await chronic_care_report(
            session, since=now - timedelta(days=30), now=now, today=now.astimezone(deps.tz).date()
        )
        await message.answer(
            render_report(report, deps.i18n, lang, days=30, provider_names=names)
            + "\n\n" + format_chronic_report(chronic.as_dict())
        )

    @router.callback_query(CallbackDone.filter())
    async def callback_done(
        query: CallbackQuery, callback_data: CallbackDone, session: AsyncSession, provider: Provider | None, deps: Deps, t: Translate
    ) -> None:
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        duty = deps.settings.duty_chat_id is not None and msg.chat.id == deps.settings.duty_chat_id
        done = (provider is not None or duty) and await mark_callback_done(
            session, callback_id=callback_data.callback_id, provider_id=provider.id if provider else None,
            clock=deps.clock, from_duty_chat=duty,
        )  # fmt: skip
        if done:
            mine = CallbackDone(callback_id=callback_data.callback_id).pack()
            await _set_rows(msg, [row for row in _rows(msg) if all(d != mine for _, d in row)])
        await msg.answer(t("callback-marked-done" if done else "stale-button"))

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
        if resident is None or not isinstance(msg, Message):
            return
        if callback_data.score == 0:  # "skip the comment"
            await state.clear()
            await msg.answer(t("rating-thanks"))
            return
        if not 1 <= callback_data.score <= 5:
            await msg.answer(t("rating-bad-score"))
            return
        try:
            outcome = await care.rate(
                session, request_id=callback_data.request_id, resident_id=resident.id,
                score=callback_data.score, channel="buttons", clock=deps.clock, notifier=deps.notifier,
            )  # fmt: skip
        except care.NotRatable:
            log.warning("rating refused: user=%s request=%s", query.from_user.id, callback_data.request_id)
            await msg.answer(t("rating-not-ratable"))
            return
        if not outcome.created:
            await msg.answer(t("rating-already"))
            return
        await _set_rows(msg, [])
        await msg.answer(t("rating-thanks"))
        if outcome.follow_up is not None:
            await msg.answer(t("rating-low-followup"))
        await state.set_state(Rating.giving_comment)
        await state.update_data(rating_booking_id=outcome.rating.booking_id)
        await msg.answer(
            t("rating-ask-comment"),
            reply_markup=inline([[(t("btn-skip-comment"), RatingPick(request_id=callback_data.request_id, score=0).pack())]]),
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
