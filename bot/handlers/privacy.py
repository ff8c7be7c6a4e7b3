"""Settings, and the resident's own data: export it, delete it (after a read-back)."""

from __future__ import annotations

import json

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message, ReplyKeyboardRemove
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Resident
from actions.privacy import delete_resident_data, export_resident_data
from actions.residents import update_profile
from bot.callbacks import Answer, SettingsAction
from bot.deps import Deps
from bot.filters import MenuButton
from bot.handlers.common import language_keyboard
from bot.i18n import Translate
from bot.keyboards import main_menu, one_per_row, yes_no
from bot.states import Privacy


async def send_export(
    message: Message, session: AsyncSession, resident: Resident, t: Translate
) -> None:
    data = await export_resident_data(session, resident.id)
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    await message.answer_document(
        BufferedInputFile(payload, filename="jiayi-my-data.json"), caption=t("export-caption")
    )


async def ask_delete(message: Message, state: FSMContext, t: Translate) -> None:
    await state.set_state(Privacy.confirming_delete)
    await message.answer(
        t("delete-readback"),
        reply_markup=yes_no(t, "delete", "btn-confirm-delete", "btn-keep-data"),
    )


def settings_keyboard(resident: Resident, t: Translate):  # type: ignore[no-untyped-def]
    voice_key = "btn-voice-replies-on" if resident.voice_replies else "btn-voice-replies-off"
    return one_per_row(
        [
            (t("btn-language"), SettingsAction(action="language").pack()),
            (t(voice_key), SettingsAction(action="voice").pack()),
            (t("btn-export"), SettingsAction(action="export").pack()),
            (t("btn-delete"), SettingsAction(action="delete").pack()),
        ]
    )


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("settings"))
    @router.message(MenuButton("menu-settings"))
    async def settings(message: Message, resident: Resident | None, t: Translate) -> None:
        if resident is None:
            await message.answer(t("need-start"))
            return
        await message.answer(t("settings-header"), reply_markup=settings_keyboard(resident, t))

    @router.callback_query(SettingsAction.filter())
    async def settings_action(
        query: CallbackQuery,
        callback_data: SettingsAction,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        t: Translate,
    ) -> None:
        await query.answer()
        message = query.message
        if resident is None or message is None:
            return
        action = callback_data.action
        if action == "language":
            await message.answer(t("language-choose"), reply_markup=language_keyboard(t))
        elif action == "voice":
            await update_profile(session, resident, voice_replies=not resident.voice_replies)
            await message.answer(
                t("voice-replies-now-on" if resident.voice_replies else "voice-replies-now-off")
            )
        elif action == "export":
            await send_export(message, session, resident, t)  # type: ignore[arg-type]
        elif action == "delete":
            await ask_delete(message, state, t)  # type: ignore[arg-type]

    @router.message(Command("mydata"))
    async def my_data(
        message: Message, session: AsyncSession, resident: Resident | None, t: Translate
    ) -> None:
        if resident is None:
            await message.answer(t("need-start"))
            return
        await send_export(message, session, resident, t)

    @router.message(Command("deletedata"))
    async def delete_data(
        message: Message, state: FSMContext, resident: Resident | None, t: Translate
    ) -> None:
        if resident is None:
            await message.answer(t("need-start"))
            return
        await ask_delete(message, state, t)

    @router.callback_query(Privacy.confirming_delete, Answer.filter(F.topic == "delete"))
    async def delete_answer(
        query: CallbackQuery,
        callback_data: Answer,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        await state.clear()
        if resident is None or query.message is None:
            return
        if not callback_data.yes:
            await query.message.answer(t("delete-kept"), reply_markup=main_menu(t))
            return
        # One transaction: future visits cancelled (the providers are told which,
        # without the resident's name), every message to or about them deleted, then
        # the resident and all that hangs on them.
        await delete_resident_data(session, resident.id, clock=deps.clock, notifier=deps.notifier)
        await state.clear()
        await query.message.answer(t("deleted"), reply_markup=ReplyKeyboardRemove())

    return router
