"""Texts for notifications, rendered in the recipient's language when a row is written."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from actions.booking import BookingSummary
from actions.catalog import Catalog
from actions.models import Provider, Resident
from actions.residents import display_phone
from bot.format import format_when, provider_name
from bot.i18n import I18n


def _groups(i18n: I18n, lang: str, groups: list[str]) -> str:
    if not groups:
        return i18n.t(lang, "summary-none")
    return ("、" if lang == "zh" else ", ").join(i18n.t(lang, f"group-{g}") for g in groups)


def _age(i18n: I18n, lang: str, age: int | None) -> str:
    return i18n.t(lang, "summary-age", age=str(age)) if age is not None else ""


def booking_summary_text(
    i18n: I18n, catalog: Catalog, tz: ZoneInfo, lang: str, summary: BookingSummary, headline: str
) -> str:
    lines = [
        headline,
        i18n.t(
            lang,
            "summary-body",
            name=summary.resident_name,
            age=_age(i18n, lang, summary.age),
            groups=_groups(i18n, lang, summary.priority_groups),
            service=catalog.get(summary.service_code).name(lang),
            when=format_when(i18n, lang, summary.starts_at, tz),
            modality=i18n.t(lang, f"modality-{summary.modality}"),
        ),
    ]
    if summary.address:
        lines.append(i18n.t(lang, "summary-address", address=summary.address))
    if summary.phone:
        lines.append(i18n.t(lang, "summary-phone", phone=display_phone(summary.phone)))
    if summary.request_text:
        lines.append(i18n.t(lang, "summary-request", text=summary.request_text[:500]))
    if summary.urgency == "urgent":
        lines.append(i18n.t(lang, "summary-urgent"))
    return "\n".join(lines)


def reminder_text(
    i18n: I18n, catalog: Catalog, tz: ZoneInfo, resident: Resident, summary: BookingSummary, provider: Provider, hours: int
) -> str:
    lang = resident.language
    service = catalog.get(summary.service_code)
    label_key = {24: "reminder-24", 2: "reminder-2"}.get(hours, "reminder-other")
    return i18n.t(
        lang,
        "reminder",
        when_label=i18n.t(lang, label_key, hours=str(hours)),
        service=service.name(lang),
        when=format_when(i18n, lang, summary.starts_at, tz),
        provider=provider_name(provider, lang),
        modality=i18n.t(lang, f"modality-{summary.modality}"),
        preparation=service.preparation(lang),
    )


def resident_line(i18n: I18n, lang: str, resident: Resident, age: int | None) -> dict[str, str]:
    return {
        "name": resident.name or "",
        "age": _age(i18n, lang, age),
        "phone": display_phone(resident.phone),
        "groups": _groups(i18n, lang, list(resident.priority_groups or [])),
    }


# Telegram takes up to 4096 characters in a message; a digest stays below that.
DIGEST_LIMIT = 3800


def digest_texts(notices: list[str], limit: int = DIGEST_LIMIT) -> list[list[int]]:
    """Splits notices into digests that each fit one message; returns the notices'
    indexes per digest, in order."""
    parts: list[list[int]] = []
    size = limit + 1
    for index, notice in enumerate(notices):
        length = len(notice) + 16
        if not parts or size + length > limit:
            parts.append([])
            size = 400  # the head and the foot
        parts[-1].append(index)
        size += length
    return parts


def digest_text(i18n: I18n, lang: str, notices: list[str], *, total: int, first: int) -> str:
    """Several notices for one provider as one message: a head that says how many,
    each notice whole and numbered, and how to act on them (a digest has no buttons)."""
    t = i18n.translator(lang)
    lines = [t("digest-head", count=str(total))]
    for offset, notice in enumerate(notices):
        lines.append("")
        lines.append(t("digest-item", n=str(first + offset), total=str(total)))
        lines.append(notice)
    lines.append("")
    lines.append(t("digest-foot"))
    return "\n".join(lines)
