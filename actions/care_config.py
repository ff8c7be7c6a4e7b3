"""Chronic care settings from data/care.yaml: care plans by priority group, reading
thresholds, group sessions, the waitlist hold and the follow-up call window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CARE_PATH = Path(__file__).resolve().parent.parent / "data" / "care.yaml"


@dataclass(frozen=True)
class CarePlan:
    code: str
    group: str
    service: str
    every_days: int
    first_due_days: int
    offer_days_before: int
    overdue_days: int
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Thresholds:
    bp_target_systolic: int
    bp_target_diastolic: int
    bp_very_high_systolic: int
    bp_very_high_diastolic: int
    bp_low_systolic: int
    glucose_target: dict[str, float]
    glucose_very_high: float
    glucose_low: float
    repeat_high_count: int
    repeat_high_days: int

    def glucose_target_for(self, context: str | None) -> float:
        return self.glucose_target.get(context or "random", self.glucose_target["random"])


@dataclass(frozen=True)
class SessionTemplate:
    code: str
    kind: str
    weekday: int
    start: time
    minutes: int
    capacity: int
    host: str | None
    title_zh: str
    title_en: str
    place_zh: str
    place_en: str


@dataclass(frozen=True)
class CareConfig:
    plans: tuple[CarePlan, ...]
    thresholds: Thresholds
    sessions: tuple[SessionTemplate, ...]
    weekly_chart_weekday: int
    weekly_chart_time: time
    follow_up_call_hours: int
    waitlist_hold_minutes: int
    session_reminder_hours: tuple[int, ...]
    sessions_weeks_ahead: int

    def plan(self, code: str) -> CarePlan | None:
        return next((p for p in self.plans if p.code == code), None)

    def plans_for(self, groups: list[str]) -> list[CarePlan]:
        return [p for p in self.plans if p.group in groups]


def _time(value: str) -> time:
    hour, minute = str(value).split(":")
    return time(int(hour), int(minute))


def parse_care_config(raw: dict[str, Any]) -> CareConfig:
    plans = tuple(
        CarePlan(
            code=p["code"],
            group=p["group"],
            service=p["service"],
            every_days=int(p["every_days"]),
            first_due_days=int(p.get("first_due_days", 14)),
            offer_days_before=int(p.get("offer_days_before", 7)),
            overdue_days=int(p.get("overdue_days", 0)),
            name_zh=p["name"]["zh"],
            name_en=p["name"]["en"],
        )
        for p in raw.get("care_plans", [])
    )
    th = raw["thresholds"]
    thresholds = Thresholds(
        bp_target_systolic=int(th["bp"]["target"]["systolic"]),
        bp_target_diastolic=int(th["bp"]["target"]["diastolic"]),
        bp_very_high_systolic=int(th["bp"]["very_high"]["systolic"]),
        bp_very_high_diastolic=int(th["bp"]["very_high"]["diastolic"]),
        bp_low_systolic=int(th["bp"]["low"]["systolic"]),
        glucose_target={k: float(v) for k, v in th["glucose"]["target"].items()},
        glucose_very_high=float(th["glucose"]["very_high"]),
        glucose_low=float(th["glucose"]["low"]),
        repeat_high_count=int(th["repeat_high"]["count"]),
        repeat_high_days=int(th["repeat_high"]["days"]),
    )
    sessions = tuple(
        SessionTemplate(
            code=s["code"],
            kind=s.get("kind", "lecture"),
            weekday=int(s["weekday"]),
            start=_time(s["start"]),
            minutes=int(s["minutes"]),
            capacity=int(s["capacity"]),
            host=s.get("host"),
            title_zh=s["title"]["zh"],
            title_en=s["title"]["en"],
            place_zh=s.get("place", {}).get("zh", ""),
            place_en=s.get("place", {}).get("en", ""),
        )
        for s in raw.get("group_sessions", [])
    )
    weekly = raw.get("weekly_chart", {"weekday": 0, "time": "09:00"})
    return CareConfig(
        plans=plans,
        thresholds=thresholds,
        sessions=sessions,
        weekly_chart_weekday=int(weekly["weekday"]),
        weekly_chart_time=_time(weekly["time"]),
        follow_up_call_hours=int(raw.get("follow_up_call_hours", 24)),
        waitlist_hold_minutes=int(raw.get("waitlist_hold_minutes", 15)),
        session_reminder_hours=tuple(int(h) for h in raw.get("session_reminder_hours", [24, 2])),
        sessions_weeks_ahead=int(raw.get("sessions_weeks_ahead", 3)),
    )


@lru_cache(maxsize=4)
def load_care_config(path: Path = CARE_PATH) -> CareConfig:
    with path.open(encoding="utf-8") as fh:
        return parse_care_config(yaml.safe_load(fh))
