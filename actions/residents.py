"""Residents and their profiles. Only what the service needs is stored."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.clock import Clock
from actions.models import Provider, Resident

PRIORITY_GROUPS = ("elderly_65", "hypertension", "diabetes", "pregnancy", "child", "disability")
PROFILE_FIELDS = {
    "name",
    "phone",
    "birth_year",
    "address",
    "community",
    "priority_groups",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_chat_id",
    "voice_replies",
    "language",
}


async def get_resident(session: AsyncSession, telegram_id: int) -> Resident | None:
    return await session.scalar(select(Resident).where(Resident.telegram_id == telegram_id))


# Built once: every update asks, and building the statement (joins, the cache key)
# cost more than running it. The resident and the active provider of one account.
_ANCHOR = select(literal(1).label("one")).subquery()
_PEOPLE_BY_TELEGRAM = (
    select(Resident, Provider)
    .select_from(_ANCHOR)
    .outerjoin(Resident, Resident.telegram_id == bindparam("telegram_id"))
    .outerjoin(Provider, and_(Provider.telegram_id == bindparam("telegram_id"), Provider.active.is_(True)))
)


async def people_by_telegram(session: AsyncSession, telegram_id: int) -> tuple[Resident | None, Provider | None]:
    """The resident and the active provider behind a Telegram account, in one query
    (every update asks; a deactivated provider is nobody)."""
    row = (await session.execute(_PEOPLE_BY_TELEGRAM, {"telegram_id": telegram_id})).first()
    if row is None:
        return None, None
    return row[0], row[1]


async def get_or_create_resident(
    session: AsyncSession, *, telegram_id: int, chat_id: int, language: str, clock: Clock
) -> Resident:
    resident = await get_resident(session, telegram_id)
    if resident is not None:
        return resident
    resident = Resident(
        telegram_id=telegram_id,
        chat_id=chat_id,
        language=language,
        priority_groups=[],
        created_at=clock(),
    )
    session.add(resident)
    await session.commit()
    return resident


async def set_language(session: AsyncSession, resident: Resident, lang: str) -> None:
    resident.language = lang if lang in ("zh", "en") else "zh"
    await session.commit()


async def record_consent(session: AsyncSession, resident: Resident, clock: Clock) -> None:
    resident.consent_at = clock()
    await session.commit()


async def update_profile(session: AsyncSession, resident: Resident, **fields: Any) -> Resident:
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(resident, name, value)
    await session.commit()
    return resident


async def mark_unreachable(session: AsyncSession, chat_id: int) -> None:
    """The resident blocked the bot: stop sending until they write again."""
    await session.execute(
        update(Resident).where(Resident.chat_id == chat_id).values(unreachable=True)
    )
    await session.commit()


# Phone numbers are read, stored and shown with `phonenumbers` (Google's libphonenumber):
# stored in E.164 (+8613800138000), shown in the local format (138 0013 8000, and a
# number abroad in its international form). A number without a country code is Chinese.
PHONE_REGION = "CN"


def _parse_phone(text: str) -> Any:
    import phonenumbers

    raw = unicodedata.normalize("NFKC", text or "").strip()
    if not raw or len(raw) > 40:
        return None
    candidates = [raw]
    digits = re.sub(r"[\s\-().]", "", raw)
    if digits.isdigit() and digits.startswith("86") and len(digits) == 13:
        # Telegram shares a contact's number with its country code and no plus.
        candidates.insert(0, "+" + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, PHONE_REGION)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None


def normalise_phone(text: str) -> str | None:
    """The number in E.164, or None when it is not a valid number: full-width digits,
    spaces, dashes, brackets, +86 / 0086 are all accepted; a number of a country that
    does not exist (+999…) or a landline without its area code is not."""
    import phonenumbers

    number = _parse_phone(text)
    if number is None:
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def phone_problem(text: str) -> str:
    """Why a typed number was refused, for a kind reply: `area_code` (a 7- or 8-digit
    local landline: the area code is missing) or `invalid`."""
    digits = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", text or ""))
    if digits.isdigit() and len(digits) in (7, 8) and not digits.startswith(("0", "1")):
        return "area_code"
    return "invalid"


def display_phone(stored: str | None) -> str:
    """A stored number as people here read it: the national format for Chinese numbers
    (138 0013 8000, 010 6422 1234), the international one for others. Anything that
    does not parse (an old row) is shown as stored."""
    if not stored:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(stored, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return stored
    if not phonenumbers.is_valid_number(number):
        return stored
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == PHONE_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))


def parse_birth_year(text: str, today: date) -> int | None:
    """A birth year from what residents say: 1948, 48年, 一九四八, 我是四八年的, or an
    age (七十八岁, 八十, 我今年七十, "I am 78", "78 years old"). Chinese numerals are read
    whole by cn2an ("七十八" is 78, never 7 and 8)."""
    import cn2an

    raw = unicodedata.normalize("NFKC", text or "").strip()
    try:
        converted = str(cn2an.transform(raw, "cn2an"))
    except (ValueError, KeyError, TypeError, IndexError):
        converted = raw
    year: int | None = None
    if m := re.search(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)", converted):
        year = int(m.group(1))
    elif m := re.search(r"(?<!\d)(\d{2})\s*年(?!纪)", converted):
        year = 1900 + int(m.group(1))
    elif m := re.search(r"(?<!\d)(\d{1,3})\s*(岁|周岁|years?|yrs?)", converted, re.IGNORECASE) or re.search(
        r"(?:i am|i'm|今年|年纪|年龄)\s*(\d{1,3})(?!\d)", converted, re.IGNORECASE
    ):
        year = today.year - int(m.group(1))
    elif m := re.fullmatch(r"(\d{2,3})", converted):
        number = int(m.group(1))
        # A bare "78" is an age; "48" from someone born in 1948 is ambiguous and asked again.
        year = today.year - number if 50 <= number <= 120 else None
    if year is None or not today.year - 120 <= year <= today.year:
        return None
    return year


def age(resident: Resident, today: date) -> int | None:
    return today.year - resident.birth_year if resident.birth_year else None


def effective_priority_groups(resident: Resident, today: date) -> list[str]:
    groups = list(resident.priority_groups or [])
    years = age(resident, today)
    if years is not None and years >= 65 and "elderly_65" not in groups:
        groups.insert(0, "elderly_65")
    return groups
