"""Last: whatever no feature took. Media we cannot read, unknown commands and stale
buttons get a kind answer; the conversation state is kept, so nothing is lost.
Errors in any handler end here too: logged with the update id, a kind reply sent,
and the bot goes on with the next update."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message

from actions.models import Resident
from bot.deps import Deps
from bot.i18n import Translate
from bot.keyboards import main_menu

log = logging.getLogger(__name__)


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message()
    async def anything_else(
        message: Message, state: FSMContext, resident: Resident | None, t: Translate
    ) -> None:
        if message.text is not None:
            # An unknown /command.
            await message.answer(t("not-understood"))
            return
        await message.answer(t("bad-input-media"))
        if await state.get_state() is not None:
            await message.answer(t("help-resume"))
        elif resident is not None and resident.onboarded:
            await message.answer(t("main-menu"), reply_markup=main_menu(t))

    @router.callback_query()
    async def stale_button(query: CallbackQuery, t: Translate) -> None:
        await query.answer(t("stale-button"), show_alert=False)
        if query.message is not None:
            await query.message.answer(t("stale-button"))

    @router.errors()
    async def on_error(event: ErrorEvent, bot: Bot, deps: Deps) -> bool:
        log.exception("update %s failed", event.update.update_id, exc_info=event.exception)
        deps.count("errors")
        chat_id = None
        lang = "zh"
        if event.update.message is not None:
            chat_id = event.update.message.chat.id
            user = event.update.message.from_user
            lang = "en" if user and (user.language_code or "").startswith("en") else "zh"
        elif (
            event.update.callback_query is not None
            and event.update.callback_query.message is not None
        ):
            chat_id = event.update.callback_query.message.chat.id
        if chat_id is not None:
            try:
                await bot.send_message(chat_id, deps.i18n.t(lang, "error-generic"))
            except Exception:  # the apology must never raise in its turn
                log.warning(
                    "could not tell chat about the failed update %s", event.update.update_id
                )
        return True

    return router
