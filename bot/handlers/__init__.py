"""All routers, assembled in one place in an explicit order: commands that work in every
state first, then safety (triage), then the features, free text and the catch-all last."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    assistant,
    booking,
    care,
    care_plans,
    classes,
    common,
    contract,
    fallback,
    family,
    manage,
    privacy,
    readings,
    safety,
    start,
    voice,
    web,
)


def build_routers() -> list[Router]:
    return [
        common.build_router(),
        safety.build_router(),
        start.build_router(),
        contract.build_router(),
        booking.build_router(),
        manage.build_router(),
        privacy.build_router(),
        care.build_router(),
        web.build_router(),
        # Chronic care (医防融合): readings and guidance, care plans, family accounts,
        # lectures and waitlists; before free text, which hands readings to them.
        readings.build_router(),
        care_plans.build_router(),
        family.build_router(),
        classes.build_router(),
        voice.build_router(),
        assistant.build_router(),
        fallback.build_router(),
    ]
