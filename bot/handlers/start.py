"""/start and onboarding: language, privacy consent, then the profile, one short
question at a time. Each answer is saved at once, so nothing is lost if the resident
stops half-way."""

from __future__ import annotations

import re
import unicodedata

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from sqlalchemy.ext.asyncio import AsyncSession

from actions.contracts import active_contract
from actions.models import Provider, Resident
from actions.providers import redeem_invite
from actions.residents import (
    PRIORITY_GROUPS,
    get_or_create_resident,
    normalise_phone,
    parse_birth_year,
    phone_problem,
    record_consent,
    update_profile,
)
from bot.callbacks import ConsentAnswer, GroupToggle, LanguagePick, SkipStep
from bot.deps import Deps
from bot.handlers.common import language_keyboard
from bot.handlers.contract import offer_doctors
from bot.i18n import Translate
from bot.keyboards import inline, main_menu, share_phone, two_per_row
from bot.states import Onboarding

INVITE_CODE = re.compile(r"^JY-[A-Z0-9]{4}-[A-Z0-9]{4}$", re.IGNORECASE)
MAX_NAME = 30


def _skip(t: Translate, step: str):  # type: ignore[no-untyped-def]
    return inline([[(t("btn-skip"), SkipStep(step=step).pack())]])


def groups_keyboard(t: Translate, chosen: list[str]):  # type: ignore[no-untyped-def]
    buttons = [
        (("✅ " if code in chosen else "") + t(f"group-{code}"), GroupToggle(code=code).pack())
        for code in PRIORITY_GROUPS
    ]
    buttons.append((t("btn-groups-done"), GroupToggle(code="done").pack()))
    return two_per_row(buttons)


async def link_provider(message: Message, code: str, session: AsyncSession, deps: Deps) -> None:
    assert message.from_user is not None
    provider = await redeem_invite(
        session,
        code=code.upper(),
        telegram_id=message.from_user.id,
        chat_id=message.chat.id,
        clock=deps.clock,
    )
    lang = provider.language if provider else "zh"
    t = deps.i18n.translator(lang)
    if provider is None:
        await message.answer(t("provider-invite-bad"))
        return
    await message.answer(
        t("provider-linked", name=provider.name_zh if lang == "zh" else provider.name_en)
    )


async def finish_onboarding(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident,
    deps: Deps,
    t: Translate,
) -> None:
    await state.clear()
    await message.answer(t("profile-done", name=resident.name or ""), reply_markup=main_menu(t))
    if await active_contract(session, resident.id) is None:
        await offer_doctors(message, state, session, resident, deps, t)


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(CommandStart())
    async def start(
        message: Message,
        command: CommandObject,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        provider: Provider | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        if command.args and INVITE_CODE.match(command.args.strip()):
            await link_provider(message, command.args.strip(), session, deps)
            return
        if provider is not None and resident is None:
            await message.answer(
                t(
                    "provider-hello",
                    name=provider.name_zh if provider.language == "zh" else provider.name_en,
                )
            )
            return
        await state.clear()
        if resident is not None and resident.onboarded:
            await message.answer(t("greet-reply"))
            await message.answer(t("main-menu"), reply_markup=main_menu(t))
            return
        await state.set_state(Onboarding.choosing_language)
        await message.answer(t("welcome"), reply_markup=ReplyKeyboardRemove())
        await message.answer(t("language-choose"), reply_markup=language_keyboard(t))

    @router.message(Command("provider"))
    async def provider_command(
        message: Message, command: CommandObject, session: AsyncSession, deps: Deps, t: Translate
    ) -> None:
        code = (command.args or "").strip()
        if not code:
            await message.answer(t("provider-invite-how"))
            return
        await link_provider(message, code, session, deps)

    @router.callback_query(Onboarding.choosing_language, LanguagePick.filter())
    async def language_chosen(
        query: CallbackQuery, callback_data: LanguagePick, state: FSMContext, deps: Deps
    ) -> None:
        await query.answer()
        lang = callback_data.code if callback_data.code in ("zh", "en") else "zh"
        t = deps.i18n.translator(lang)
        # Nothing is stored before consent: the language waits in the conversation state.
        await state.update_data(lang=lang)
        await state.set_state(Onboarding.reading_privacy)
        await query.message.answer(  # type: ignore[union-attr]
            t("privacy-notice"),
            reply_markup=inline(
                [
                    [
                        (t("btn-consent"), ConsentAnswer(agreed=True).pack()),
                        (t("btn-decline"), ConsentAnswer(agreed=False).pack()),
                    ]
                ]
            ),
        )

    @router.callback_query(Onboarding.reading_privacy, ConsentAnswer.filter())
    async def consent(
        query: CallbackQuery,
        callback_data: ConsentAnswer,
        state: FSMContext,
        session: AsyncSession,
        deps: Deps,
    ) -> None:
        await query.answer()
        lang = (await state.get_data()).get("lang", "zh")
        t = deps.i18n.translator(lang)
        if not callback_data.agreed:
            await state.clear()
            await query.message.answer(t("consent-declined", phone=deps.settings.centre_phone))  # type: ignore[union-attr]
            return
        if query.message is None:
            return
        resident = await get_or_create_resident(
            session,
            telegram_id=query.from_user.id,
            chat_id=query.message.chat.id,
            language=lang,
            clock=deps.clock,
        )
        await record_consent(session, resident, deps.clock)
        await state.set_state(Onboarding.giving_name)
        await query.message.answer(t("ask-name"))  # type: ignore[union-attr]

    @router.message(Onboarding.giving_name, F.text)
    async def name_given(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        t: Translate,
    ) -> None:
        name = " ".join((message.text or "").split())
        if resident is None:
            await message.answer(t("need-start"))
            return
        if not 1 <= len(name) <= MAX_NAME or name.startswith("/"):
            await message.answer(t("bad-name"))
            return
        await update_profile(session, resident, name=name)
        await state.set_state(Onboarding.sharing_phone)
        await message.answer(t("ask-phone"), reply_markup=share_phone(t))

    @router.message(Onboarding.sharing_phone, F.contact)
    @router.message(Onboarding.sharing_phone, F.text)
    async def phone_given(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        t: Translate,
    ) -> None:
        if resident is None:
            await message.answer(t("need-start"))
            return
        if message.contact is not None:
            own = message.contact.user_id in (
                None,
                message.from_user.id if message.from_user else None,
            )
            phone = normalise_phone(message.contact.phone_number) if own else None
        else:
            phone = normalise_phone(message.text or "")
        if phone is None:
            typed = message.text if message.contact is None else None
            key = "bad-phone-area-code" if typed and phone_problem(typed) == "area_code" else "bad-phone"
            await message.answer(t(key), reply_markup=share_phone(t))
            return
        await update_profile(session, resident, phone=phone)
        await state.set_state(Onboarding.giving_birth_year)
        await message.answer(t("ask-birth-year"), reply_markup=ReplyKeyboardRemove())

    @router.message(Onboarding.giving_birth_year, F.text)
    async def birth_year_given(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        if resident is None:
            await message.answer(t("need-start"))
            return
        year = parse_birth_year(message.text or "", deps.clock().astimezone(deps.tz).date())
        if year is None:
            await message.answer(t("bad-birth-year"))
            return
        await update_profile(session, resident, birth_year=year)
        await state.set_state(Onboarding.giving_address)
        await message.answer(t("ask-address"), reply_markup=_skip(t, "address"))

    @router.message(Onboarding.giving_address, F.text)
    async def address_given(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        if resident is None:
            await message.answer(t("need-start"))
            return
        address = " ".join((message.text or "").split())
        if not 2 <= len(address) <= 200:
            await message.answer(t("bad-address"), reply_markup=_skip(t, "address"))
            return
        await update_profile(session, resident, address=address)
        await ask_groups(message, state, resident, deps, t)

    @router.callback_query(Onboarding.giving_address, SkipStep.filter(F.step == "address"))
    async def address_skipped(
        query: CallbackQuery, state: FSMContext, resident: Resident | None, deps: Deps, t: Translate
    ) -> None:
        await query.answer()
        if resident is not None:
            await ask_groups(query.message, state, resident, deps, t)  # type: ignore[arg-type]

    async def ask_groups(
        message: Message, state: FSMContext, resident: Resident, deps: Deps, t: Translate
    ) -> None:
        chosen = list(resident.priority_groups or [])
        today = deps.clock().astimezone(deps.tz).date()
        if (
            resident.birth_year
            and today.year - resident.birth_year >= 65
            and "elderly_65" not in chosen
        ):
            chosen.append("elderly_65")
        await state.update_data(groups=chosen)
        await state.set_state(Onboarding.choosing_groups)
        await message.answer(t("ask-groups"), reply_markup=groups_keyboard(t, chosen))

    @router.callback_query(Onboarding.choosing_groups, GroupToggle.filter())
    async def group_toggled(
        query: CallbackQuery,
        callback_data: GroupToggle,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        t: Translate,
    ) -> None:
        await query.answer()
        if resident is None:
            return
        chosen: list[str] = list((await state.get_data()).get("groups", []))
        if callback_data.code == "done":
            await update_profile(session, resident, priority_groups=chosen)
            await state.set_state(Onboarding.giving_emergency_contact)
            await query.message.answer(t("ask-emergency-contact"), reply_markup=_skip(t, "contact"))  # type: ignore[union-attr]
            return
        if callback_data.code in PRIORITY_GROUPS:
            if callback_data.code in chosen:
                chosen.remove(callback_data.code)
            else:
                chosen.append(callback_data.code)
        await state.update_data(groups=chosen)
        await query.message.edit_reply_markup(reply_markup=groups_keyboard(t, chosen))  # type: ignore[union-attr]

    @router.message(Onboarding.giving_emergency_contact, F.text)
    async def contact_given(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        if resident is None:
            await message.answer(t("need-start"))
            return
        # Full-width digits, spaces and punctuation read as their plain forms.
        text = " ".join(unicodedata.normalize("NFKC", message.text or "").split())
        match = re.match(r"^(.{1,30}?)[\s,:]*([+\d(][\d\s()-]{6,})$", text)
        phone = normalise_phone(match.group(2)) if match else None
        if match is None or phone is None:
            key = "bad-emergency-contact"
            if match is not None and phone_problem(match.group(2)) == "area_code":
                key = "bad-phone-area-code"
            await message.answer(t(key), reply_markup=_skip(t, "contact"))
            return
        await update_profile(
            session,
            resident,
            emergency_contact_name=match.group(1).strip(),
            emergency_contact_phone=phone,
        )
        await finish_onboarding(message, state, session, resident, deps, t)

    @router.callback_query(
        Onboarding.giving_emergency_contact, SkipStep.filter(F.step == "contact")
    )
    async def contact_skipped(
        query: CallbackQuery,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        if resident is not None:
            await finish_onboarding(query.message, state, session, resident, deps, t)  # type: ignore[arg-type]

    return router
