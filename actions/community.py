"""The demo community in data/community.yaml: loading it (idempotent, by codes) and
reading the centre's details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.clock import Clock
from actions.models import Provider, ScheduleException, ScheduleRule, Team
from actions.slots import ensure_slots

COMMUNITY_PATH = Path(__file__).resolve().parent.parent / "data" / "community.yaml"


@dataclass(frozen=True)
class Community:
    code: str
    name_zh: str
    name_en: str
    team_code: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class CentreInfo:
    name_zh: str
    name_en: str
    phone: str
    address_zh: str
    address_en: str
    communities: tuple[Community, ...]


@dataclass(frozen=True)
class SeedReport:
    teams: int
    providers: int
    rules: int
    exceptions: int
    slots_created: int

    def __str__(self) -> str:
        return (
            f"demo community loaded: {self.teams} teams, {self.providers} providers, "
            f"{self.rules} weekly rules, {self.exceptions} exceptions, {self.slots_created} new slots"
        )


@lru_cache(maxsize=4)
def load_community(path: Path = COMMUNITY_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def centre_info(path: Path = COMMUNITY_PATH) -> CentreInfo:
    raw = load_community(path)
    centre = raw["centre"]
    return CentreInfo(
        name_zh=centre["name"]["zh"],
        name_en=centre["name"]["en"],
        phone=str(centre["phone"]),
        address_zh=centre["address"]["zh"],
        address_en=centre["address"]["en"],
        communities=tuple(
            Community(code=c["code"], name_zh=c["zh"], name_en=c["en"], team_code=c["team"])
            for c in raw.get("communities", [])
        ),
    )


def _time(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


async def seed_demo(
    session: AsyncSession,
    *,
    clock: Clock,
    tz: ZoneInfo,
    horizon_days: int = 14,
    path: Path = COMMUNITY_PATH,
) -> SeedReport:
    raw = load_community(path)
    teams: dict[str, Team] = {t.code: t for t in (await session.scalars(select(Team))).all()}
    for item in raw["teams"]:
        team = teams.get(item["code"]) or Team(code=item["code"])
        team.name_zh, team.name_en, team.community = item["zh"], item["en"], item["community"]
        session.add(team)
        teams[team.code] = team
    await session.flush()

    providers: dict[str, Provider] = {
        p.code: p for p in (await session.scalars(select(Provider))).all()
    }
    rules = 0
    for item in raw["providers"]:
        provider = providers.get(item["code"]) or Provider(code=item["code"])
        provider.name_zh, provider.name_en = item["zh"], item["en"]
        provider.role, provider.gender = item["role"], item["gender"]
        provider.team_id = teams[item["team"]].id if item.get("team") else None
        site = item.get("site") or {}
        provider.site_zh, provider.site_en = site.get("zh", ""), site.get("en", "")
        provider.services = list(item["services"])
        provider.active = True
        session.add(provider)
        providers[provider.code] = provider
        await session.flush()
        # Weekly hours are replaced as a whole; slots already generated stay (bookings
        # may hang on them) and new ones follow the new hours.
        await session.execute(delete(ScheduleRule).where(ScheduleRule.provider_id == provider.id))
        for block in item.get("hours", []):
            for weekday in block["days"]:
                session.add(
                    ScheduleRule(
                        provider_id=provider.id,
                        weekday=weekday,
                        start_time=_time(block["start"]),
                        end_time=_time(block["end"]),
                        slot_minutes=int(block["slot"]),
                        modality=block["modality"],
                        capacity=int(block.get("capacity", 1)),
                        services=list(block["services"]) if block.get("services") else None,
                    )
                )
                rules += 1

    await session.execute(delete(ScheduleException))
    exceptions = 0
    for item in raw.get("exceptions", []):
        day = item["day"] if isinstance(item["day"], date) else date.fromisoformat(str(item["day"]))
        session.add(
            ScheduleException(
                provider_id=providers[item["provider"]].id if item.get("provider") else None,
                day=day,
                start_time=_time(item["start"]) if item.get("start") else None,
                end_time=_time(item["end"]) if item.get("end") else None,
                reason=item.get("reason", ""),
            )
        )
        exceptions += 1
    await session.flush()
    today = clock().astimezone(tz).date()
    created = await ensure_slots(session, start_day=today, days=horizon_days, tz=tz)
    await session.commit()
    return SeedReport(len(teams), len(providers), rules, exceptions, created)


async def ensure_seeded(
    session: AsyncSession, *, clock: Clock, tz: ZoneInfo, horizon_days: int = 14
) -> bool:
    """Loads the demo community when the database has no providers at all."""
    count = await session.scalar(select(func.count()).select_from(Provider))
    if count:
        return False
    await seed_demo(session, clock=clock, tz=tz, horizon_days=horizon_days)
    return True


async def family_doctors(session: AsyncSession, community: str | None = None) -> list[Provider]:
    """Family doctors, those of the resident's community first (or only)."""
    query = (
        select(Provider)
        .where(Provider.role == "family_doctor", Provider.active.is_(True))
        .options(selectinload(Provider.team))
        .order_by(Provider.id)
    )
    doctors = list((await session.scalars(query)).all())
    if community:
        own = [d for d in doctors if d.team is not None and d.team.community == community]
        if own:
            return own
    return doctors
