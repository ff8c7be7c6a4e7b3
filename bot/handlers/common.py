"""/cancel, /help, /menu and /language: they work in every state, so they come first."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Resident
from actions.residents import set_language
from bot.callbacks import LanguagePick
from bot.deps import Deps
from bot.filters import MenuButton
from bot.i18n import Translate
from bot.keyboards import inline, main_menu
from bot.states import Onboarding


def language_keyboard(t: Translate):  # type: ignore[no-untyped-def]
    return inline(
        [
            [
                (t("lang-zh"), LanguagePick(code="zh").pack()),
                (t("lang-en"), LanguagePick(code="en").pack()),
            ]
        ]
    )


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("cancel"))
    async def cancel(
        message: Message, state: FSMContext, t: Translate, resident: Resident | None
    ) -> None:
        had_state = await state.get_state() is not None
        await state.clear()
        markup = main_menu(t) if resident is not None and resident.onboarded else None
        await message.answer(
            t("cancelled" if had_state else "nothing-to-cancel"), reply_markup=markup
        )

    @router.message(Command("help"))
    @router.message(MenuButton("menu-help"))
    async def help_(message: Message, state: FSMContext, t: Translate, deps: Deps) -> None:
        await message.answer(t("help", phone=deps.settings.centre_phone))
        if await state.get_state() is not None:
            await message.answer(t("help-resume"))

    @router.message(Command("menu"))
    async def menu(message: Message, t: Translate, resident: Resident | None) -> None:
        if resident is None or not resident.onboarded:
            await message.answer(t("need-start"))
            return
        await message.answer(t("main-menu"), reply_markup=main_menu(t))

    @router.message(Command("language"))
    async def language(message: Message, t: Translate) -> None:
        await message.answer(t("language-choose"), reply_markup=language_keyboard(t))

    # Outside onboarding a language tap switches the resident's language. During
    # onboarding the start router handles it (no resident row exists yet).
    @router.callback_query(LanguagePick.filter(), ~StateFilter(Onboarding.choosing_language))
    async def language_picked(
        query: CallbackQuery,
        callback_data: LanguagePick,
        resident: Resident | None,
        session: AsyncSession,
        deps: Deps,
    ) -> None:
        await query.answer()
        if resident is None:
            await query.message.answer(deps.i18n.t(callback_data.code, "need-start"))  # type: ignore[union-attr]
            return
        await set_language(session, resident, callback_data.code)
        t = deps.i18n.translator(callback_data.code)
        await query.message.answer(t("language-set"), reply_markup=main_menu(t))  # type: ignore[union-attr]

    router.message.filter(F.chat.type == "private")
    return router
