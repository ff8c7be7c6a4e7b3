"""The booking flow's steps: service -> day -> part of day -> modality -> up to five
concrete slots -> read-back. Free text may fill any of these at any step; `advance`
asks only for what is still missing. Rescheduling reuses the slot and read-back steps."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.booking import open_booking_count, record_request
from actions.family import NotLinked, acting_for, active_link
from actions.matching import MatchRequest, match
from actions.models import Resident
from bot.callbacks import (
    DayPick,
    ModalityPick,
    OfferNav,
    PartOfDayPick,
    ServicePick,
    SlotPick,
)
from bot.deps import Deps
from bot.format import format_date, format_when
from bot.i18n import Translate
from bot.keyboards import inline, main_menu, one_per_row, two_per_row, yes_no
from bot.states import Booking
from nlu.interface import Parse

log = logging.getLogger(__name__)

COMMON_SERVICES = (
    "bp_check",
    "glucose_check",
    "general_consult",
    "medication_refill",
    "home_nursing",
    "chronic_followup",
    "health_checkup",
    "vaccination",
)
PART_OF_DAY = {"morning": (time(8), time(12)), "afternoon": (time(13), time(18))}
MAX_TEXT = 2000


# ---------------------------------------------------------------------------- helpers


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def day_start(deps: Deps, moment: datetime) -> datetime:
    local = moment.astimezone(deps.tz)
    return datetime.combine(local.date(), time(0), tzinfo=deps.tz)


def service_keyboard(deps: Deps, lang: str, page: int = 0):  # type: ignore[no-untyped-def]
    t = deps.i18n.translator(lang)
    if page == 0:
        codes = [c for c in COMMON_SERVICES if c in deps.catalog]
        extra = (t("btn-more-services"), ServicePick(code="more").pack())
    else:
        codes = [s.code for s in deps.catalog if s.code not in COMMON_SERVICES]
        extra = (t("btn-fewer-services"), ServicePick(code="less").pack())
    buttons = [(deps.catalog.get(c).name(lang), ServicePick(code=c).pack()) for c in codes]
    buttons.append(extra)
    return two_per_row(buttons)


async def booking_subject(session: AsyncSession, resident: Resident, data: dict[str, Any]) -> Resident:
    """Whom the booking is for: the resident, or the linked family member named by
    `for_id`, checked against an active link every time (NotLinked when revoked)."""
    elder_id = data.get("for_id")
    if not elder_id:
        return resident
    return await acting_for(session, member=resident, elder_id=int(elder_id))


async def relation_to(session: AsyncSession, member: Resident, elder: Resident, t: Translate) -> str:
    """What the resident a family member books for is to them ("父母"), as the
    relative's other messages say it; "家人" when no active link is found."""
    link = await active_link(session, elder_id=elder.id, member_id=member.id)
    return t(f"relation-{link.relation}" if link is not None else "relation-family")


async def for_line(session: AsyncSession, resident: Resident, subject: Resident, t: Translate) -> str | None:
    """"为：张桂兰（父母）" over a reply about a booking for a linked family member;
    None when the booking is the resident's own."""
    if subject.id == resident.id:
        return None
    return t("family-readback-for", name=subject.name or "", relation=await relation_to(session, resident, subject, t))


def merge_parse(data: dict[str, Any], parse: Parse, deps: Deps) -> dict[str, Any]:
    """Fold what the resident said into the booking being built."""
    updates: dict[str, Any] = {}
    if parse.service and parse.service in deps.catalog and not data.get("service"):
        updates["service"] = parse.service
    if parse.modality:
        updates["modality"] = parse.modality
    if parse.provider_gender:
        updates["gender"] = parse.provider_gender
    if parse.when is not None:
        updates.update(
            win_start=iso(parse.when.start),
            win_end=iso(parse.when.end),
            day_set=True,
            pod_set=True,
            when_ambiguous=parse.when.ambiguous,
            after=None,
        )
    if parse.urgency == "urgent":
        updates["urgency"] = "urgent"
    return updates


async def start_booking(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident,
    deps: Deps,
    t: Translate,
    *,
    parse: Parse | None = None,
    channel: str = "buttons",
    request_text: str | None = None,
    for_resident: Resident | None = None,
    plan_item_id: int | None = None,
) -> None:
    """`for_resident`: a linked family member the resident books for (亲情账户);
    `plan_item_id`: the care plan item this booking fulfils."""
    await state.clear()
    subject = for_resident or resident
    open_now = await open_booking_count(session, subject.id, deps.clock())
    if open_now >= deps.settings.max_open_bookings:
        # Said before any question, so the resident does not choose a time in vain.
        await message.answer(
            t("booking-too-many", count=str(open_now), max=str(deps.settings.max_open_bookings)),
            reply_markup=main_menu(t),
        )
        return
    data: dict[str, Any] = {"mode": "new", "urgency": "routine", "channel": channel}
    if for_resident is not None and for_resident.id != resident.id:
        data["for_id"] = for_resident.id
        relation = await relation_to(session, resident, for_resident, t)
        await message.answer(t("family-booking-for", name=for_resident.name or "", relation=relation))
    if plan_item_id is not None:
        data["plan_item_id"] = plan_item_id
    if request_text:
        data["request_text"] = request_text[:MAX_TEXT]
    if parse is not None:
        data.update(merge_parse(data, parse, deps))
        if parse.beneficiary:
            # For whom: a call-back asked from the offers tells the caller.
            data["beneficiary"] = parse.beneficiary
    if channel != "buttons":
        # Needs identification: the service understood from the words, not picked.
        data["understood"] = bool(data.get("service"))
    if data.get("urgency") == "urgent":
        now = deps.clock()
        data.update(
            win_start=iso(now),
            win_end=iso(day_start(deps, now) + timedelta(days=1)),
            day_set=True,
            pod_set=True,
        )
        await message.answer(t("urgent-notice"))
    await state.set_data(data)
    await advance(message, state, session, resident, deps, t)


async def advance(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident,
    deps: Deps,
    t: Translate,
) -> None:
    """Ask for the first missing piece, or offer slots when nothing is missing."""
    data = await state.get_data()
    lang = resident.language
    if not data.get("service"):
        await state.set_state(Booking.choosing_service)
        await message.answer(t("ask-service"), reply_markup=service_keyboard(deps, lang))
        return
    service = deps.catalog.get(data["service"])
    if not data.get("day_set"):
        await state.set_state(Booking.choosing_day)
        await message.answer(
            t("ask-day", service=service.name(lang)),
            reply_markup=two_per_row(
                [
                    (t("day-today"), DayPick(value="today").pack()),
                    (t("day-tomorrow"), DayPick(value="tomorrow").pack()),
                    (t("day-this-week"), DayPick(value="week").pack()),
                    (t("day-pick"), DayPick(value="pick").pack()),
                ]
            ),
        )
        return
    if not data.get("pod_set"):
        await state.set_state(Booking.choosing_part_of_day)
        await message.answer(
            t("ask-part-of-day"),
            reply_markup=two_per_row(
                [
                    (t("pod-morning"), PartOfDayPick(value="morning").pack()),
                    (t("pod-afternoon"), PartOfDayPick(value="afternoon").pack()),
                    (t("pod-any"), PartOfDayPick(value="any").pack()),
                ]
            ),
        )
        return
    modality = data.get("modality")
    if modality is not None and modality not in service.modalities:
        modality = None
    if modality is None:
        if len(service.modalities) == 1:
            modality = service.modalities[0]
            await state.update_data(modality=modality)
        else:
            await state.set_state(Booking.choosing_modality)
            await message.answer(
                t("ask-modality"),
                reply_markup=one_per_row(
                    [(t(f"modality-{m}"), ModalityPick(value=m).pack()) for m in service.modalities]
                ),
            )
            return
    try:
        subject = await booking_subject(session, resident, data)
    except NotLinked:
        await state.clear()
        await message.answer(t("family-not-linked"), reply_markup=main_menu(t))
        return
    if modality == "home_visit" and not subject.address:
        await state.set_state(Booking.giving_address)
        await message.answer(t("ask-home-address"))
        return
    await offer_slots(message, state, session, resident, deps, t)


async def offer_slots(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident,
    deps: Deps,
    t: Translate,
) -> None:
    data = await state.get_data()
    lang = resident.language
    try:
        subject = await booking_subject(session, resident, data)
    except NotLinked:
        await state.clear()
        await message.answer(t("family-not-linked"), reply_markup=main_menu(t))
        return
    start = from_iso(data.get("win_start"))
    after = from_iso(data.get("after"))
    if after is not None:
        start = max(start or after, after)
    request = MatchRequest(
        service_code=data["service"],
        window_start=start,
        window_end=from_iso(data.get("win_end")) if after is None else None,
        modality=data.get("modality"),
        provider_gender=data.get("gender"),
        urgency=data.get("urgency", "routine"),
    )
    result = await match(
        session,
        resident_id=subject.id,
        request=request,
        catalog=deps.catalog,
        clock=deps.clock,
        tz=deps.tz,
        limit=deps.settings.max_slots_offered,
    )
    if data.get("mode") == "resched":
        result.offers = [o for o in result.offers if o.slot_id != data.get("old_slot_id")]
    if data.get("request_id") is None and data.get("mode") == "new":
        request_row = await record_request(
            session,
            resident_id=subject.id,
            service_code=data["service"],
            channel=data.get("channel", "buttons"),
            urgency=data.get("urgency", "routine"),
            offered=len(result.offers),
            clock=deps.clock,
            understood=data.get("understood"),
        )
        await state.update_data(request_id=request_row.id)
    call_me = (t("btn-call-me"), OfferNav(action="call_me").pack())
    if not result.offers:
        await state.set_state(Booking.choosing_slot)
        await message.answer(
            t("no-offers", phone=deps.settings.centre_phone), reply_markup=one_per_row([call_me])
        )
        return
    offers: list[dict[str, Any]] = [
        {
            "slot_id": o.slot_id,
            "starts_at": o.starts_at.isoformat(),
            "provider_zh": o.provider_name_zh,
            "provider_en": o.provider_name_en,
            "modality": o.modality,
            "seats": o.seats_left,
        }
        for o in result.offers
    ]
    await state.update_data(offers=offers)
    await state.set_state(Booking.choosing_slot)
    if result.exact:
        header = t("offers-exact")
    else:
        reasons = [r for r in result.reasons if f"reason-{r}" in deps.i18n.keys(lang)] or ["other"]
        header = t(
            "offers-alternative",
            why=("；" if lang == "zh" else "; ").join(t(f"reason-{r}") for r in reasons),
        )
    lines = [header]
    if data.get("when_ambiguous") and data.get("win_start"):
        understood = format_date(deps.i18n, lang, from_iso(data["win_start"]).astimezone(deps.tz).date())  # type: ignore[union-attr]
        lines.insert(0, t("when-understood", when=understood))
    buttons = [
        (offer_label(o, lang, deps, t), SlotPick(slot_id=o["slot_id"]).pack()) for o in offers
    ]
    rows = [[b] for b in buttons] + [
        [(t("btn-other-times"), OfferNav(action="other_times").pack()), call_me]
    ]
    await message.answer("\n".join(lines), reply_markup=inline(rows))


def offer_label(offer: dict[str, Any], lang: str, deps: Deps, t: Translate) -> str:
    label = t(
        "offer-line",
        when=format_when(deps.i18n, lang, datetime.fromisoformat(offer["starts_at"]), deps.tz),
        provider=offer["provider_zh"] if lang == "zh" else offer["provider_en"],
        modality=t(f"modality-{offer['modality']}"),
    )
    if offer.get("seats", 1) > 1:
        label += " " + t("offer-seats", seats=str(offer["seats"]))
    return label


async def read_back(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident,
    deps: Deps,
    t: Translate,
    offer: dict[str, Any],
    subject: Resident | None = None,
) -> None:
    data = await state.get_data()
    lang = resident.language
    subject = subject or resident
    service = deps.catalog.get(data["service"])
    text = t(
        "readback",
        service=service.name(lang),
        when=format_when(deps.i18n, lang, datetime.fromisoformat(offer["starts_at"]), deps.tz),
        provider=offer["provider_zh"] if lang == "zh" else offer["provider_en"],
        modality=t(f"modality-{offer['modality']}"),
    )
    head = await for_line(session, resident, subject, t)
    if head is not None:
        text = head + "\n" + text
    if offer["modality"] == "home_visit" and subject.address:
        text += "\n" + t("readback-address", address=subject.address)
    text += "\n" + t("readback-question")
    await state.set_state(Booking.confirming)
    await message.answer(
        text, reply_markup=yes_no(t, "booking", yes_key="btn-confirm-booking", no_key="btn-change")
    )


def is_onboarded(resident: Resident | None) -> bool:
    return resident is not None and resident.onboarded


