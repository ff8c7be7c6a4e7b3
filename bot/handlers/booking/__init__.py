"""Booking: the flow's steps (flow.py), the button flow (steps.py) and the slot choice
with its confirmation (confirm.py). Free text enters the same flow from the assistant
router."""

from __future__ import annotations

from aiogram import Router

from bot.handlers.booking import confirm, steps


def build_router() -> Router:
    router = Router(name=__name__)
    router.include_routers(steps.build_router(), confirm.build_router())
    return router
