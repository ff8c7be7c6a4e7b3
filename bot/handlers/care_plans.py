"""Care plan offers (the resident, or a linked family member, taps one of the offered
times and confirms the read-back: the booking fulfils the plan item), and the family
doctor's follow-up calls marked done."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.care_plans import get_item
from actions.family import NotLinked, acting_for
from actions.followups import mark_call_done
from actions.models import Provider, Resident, Slot
from actions.slots import seats_left
from bot.callbacks import FollowUpDone, PlanPick
from bot.deps import Deps
from bot.handlers.booking.flow import read_back, start_booking
from bot.i18n import Translate
from bot.keyboards import inline
from nlu.interface import Parse

log = logging.getLogger(__name__)


def build_router() -> Router:
    router = Router(name=__name__)

    @router.callback_query(PlanPick.filter())
    async def plan_pick(query: CallbackQuery, callback_data: PlanPick, state: FSMContext, session: AsyncSession,
                        resident: Resident | None, deps: Deps, t: Translate) -> None:  # fmt: skip
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message) or resident is None or not resident.onboarded:
            return
        item = await get_item(session, callback_data.item_id)
        if item is None:
            await msg.answer(t("stale-button"))
            return
        subject = resident
        if item.resident_id != resident.id:
            try:
                subject = await acting_for(session, member=resident, elder_id=item.resident_id)
            except NotLinked:
                log.warning("plan offer refused: user=%s item=%s", query.from_user.id, item.id)
                await msg.answer(t("not-yours"))
                return
        if item.status not in ("open", "offered"):
            await msg.answer(t("stale-button"))
            return
        for_resident = subject if subject.id != resident.id else None
        if callback_data.slot_id == 0:
            parse = Parse(text="", intent="book_service", confidence=1.0, service=item.service_code)
            await start_booking(msg, state, session, resident, deps, t, parse=parse, channel="plan",
                                for_resident=for_resident, plan_item_id=item.id)  # fmt: skip
            return
        slot = await session.get(Slot, callback_data.slot_id)
        provider = await session.get(Provider, slot.provider_id) if slot is not None else None
        seats = await seats_left(session, callback_data.slot_id) if slot is not None else 0
        if slot is None or provider is None or slot.starts_at <= deps.clock() or not seats or not await deps.holds.hold(
            slot.id, resident.id, deps.settings.slot_hold_seconds, seats=seats
        ):
            await msg.answer(t("slot-taken"))
            parse = Parse(text="", intent="book_service", confidence=1.0, service=item.service_code)
            await start_booking(msg, state, session, resident, deps, t, parse=parse, channel="plan",
                                for_resident=for_resident, plan_item_id=item.id)  # fmt: skip
            return
        offer = {
            "slot_id": slot.id, "starts_at": slot.starts_at.isoformat(), "provider_zh": provider.name_zh,
            "provider_en": provider.name_en, "modality": slot.modality, "seats": seats,
        }  # fmt: skip
        data = {"mode": "new", "urgency": "routine", "channel": "plan", "service": item.service_code,
                "plan_item_id": item.id, "chosen": offer, "offers": [offer]}  # fmt: skip
        if for_resident is not None:
            data["for_id"] = for_resident.id
        await state.clear()
        await state.set_data(data)
        await read_back(msg, state, session, resident, deps, t, offer, subject)

    @router.callback_query(FollowUpDone.filter())
    async def follow_up_done(query: CallbackQuery, callback_data: FollowUpDone, session: AsyncSession,
                             provider: Provider | None, deps: Deps, t: Translate) -> None:  # fmt: skip
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        done = provider is not None and await mark_call_done(
            session, call_id=callback_data.call_id, provider_id=provider.id, clock=deps.clock
        )
        if done and msg.reply_markup is not None:
            mine = FollowUpDone(call_id=callback_data.call_id).pack()
            rows = [[(b.text, b.callback_data or "") for b in row] for row in msg.reply_markup.inline_keyboard
                    if all(b.callback_data != mine for b in row)]  # fmt: skip
            with contextlib.suppress(TelegramBadRequest):
                await msg.edit_reply_markup(reply_markup=inline(rows) if rows else None)
        await msg.answer(t("followup-marked-done" if done else "stale-button"))

    return router
