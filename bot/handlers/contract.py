"""The family-doctor contract (家庭医生签约): shown and signed in chat."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.community import family_doctors
from actions.contracts import active_contract, sign_contract
from actions.models import Provider, Resident
from actions.providers import get_provider
from bot.callbacks import Answer, DoctorPick, OfferNav, ServicePick
from bot.deps import Deps
from bot.filters import MenuButton
from bot.format import provider_name
from bot.i18n import Translate
from bot.keyboards import inline, main_menu, one_per_row, yes_no
from bot.states import Contract


def _team_name(provider: Provider, lang: str) -> str:
    if provider.team is None:
        return ""
    return provider.team.name_zh if lang == "zh" else provider.team.name_en


async def offer_doctors(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident,
    deps: Deps,
    t: Translate,
) -> None:
    lang = resident.language
    doctors = await family_doctors(session, resident.community or None)
    if not doctors:
        doctors = await family_doctors(session, None)
    if not doctors:
        await message.answer(t("contract-no-doctors", phone=deps.settings.centre_phone))
        return
    await state.set_state(Contract.choosing_doctor)
    buttons = [
        (
            t(
                "contract-doctor-line",
                name=provider_name(d, lang),
                team=_team_name(d, lang),
                gender=t(f"gender-{d.gender}"),
            ),
            DoctorPick(provider_id=d.id).pack(),
        )
        for d in doctors
    ]
    await message.answer(t("contract-intro"), reply_markup=one_per_row(buttons))


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("doctor"))
    @router.message(MenuButton("menu-doctor"))
    async def my_doctor(
        message: Message, session: AsyncSession, resident: Resident | None, t: Translate
    ) -> None:
        if resident is None or not resident.onboarded:
            await message.answer(t("need-start"))
            return
        contract = await active_contract(session, resident.id)
        if contract is None:
            await message.answer(
                t("contract-none"),
                reply_markup=inline(
                    [[(t("btn-sign-doctor"), Answer(topic="sign", yes=True).pack())]]
                ),
            )
            return
        doctor = contract.provider
        await message.answer(
            t(
                "contract-current",
                name=provider_name(doctor, resident.language),
                team=_team_name(doctor, resident.language),
            ),
            reply_markup=inline(
                [
                    [(t("btn-book-now"), ServicePick(code="menu").pack())],
                    [(t("menu-callback"), OfferNav(action="call_me").pack())],
                    [(t("btn-change-doctor"), Answer(topic="sign", yes=True).pack())],
                ]
            ),
        )

    @router.callback_query(Answer.filter(F.topic == "sign"))
    async def start_signing(
        query: CallbackQuery,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        if resident is None or not resident.onboarded:
            await query.message.answer(t("need-start"))  # type: ignore[union-attr]
            return
        await offer_doctors(query.message, state, session, resident, deps, t)  # type: ignore[arg-type]

    @router.callback_query(Contract.choosing_doctor, DoctorPick.filter())
    async def doctor_picked(
        query: CallbackQuery,
        callback_data: DoctorPick,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        t: Translate,
    ) -> None:
        await query.answer()
        if resident is None:
            return
        doctor = await get_provider(session, callback_data.provider_id)
        if doctor is None or doctor.role != "family_doctor":
            await query.message.answer(t("stale-button"))  # type: ignore[union-attr]
            return
        await state.update_data(doctor_id=doctor.id)
        await state.set_state(Contract.confirming)
        await query.message.answer(  # type: ignore[union-attr]
            t(
                "contract-readback",
                name=provider_name(doctor, resident.language),
                team=_team_name(doctor, resident.language),
            ),
            reply_markup=yes_no(t, "contract", yes_key="btn-sign", no_key="btn-back"),
        )

    @router.callback_query(Contract.confirming, Answer.filter(F.topic == "contract"))
    async def contract_answer(
        query: CallbackQuery,
        callback_data: Answer,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        if resident is None:
            return
        if not callback_data.yes:
            await offer_doctors(query.message, state, session, resident, deps, t)  # type: ignore[arg-type]
            return
        doctor_id = (await state.get_data()).get("doctor_id")
        if doctor_id is None:
            await query.message.answer(t("stale-button"))  # type: ignore[union-attr]
            return
        contract = await sign_contract(
            session, resident_id=resident.id, provider_id=doctor_id, clock=deps.clock
        )
        await state.clear()
        doctor = contract.provider
        await query.message.answer(  # type: ignore[union-attr]
            t(
                "contract-signed",
                name=provider_name(doctor, resident.language),
                team=_team_name(doctor, resident.language),
            ),
            reply_markup=main_menu(t),
        )

    return router
