"""/web: a one-time login link to the web pages, for the centre's staff (the
dashboard) and linked providers (their workbench). Anyone else is told it is not for
them."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Provider
from actions.web_access import PROVIDER, STAFF, create_login
from bot.deps import Deps
from bot.i18n import Translate

log = logging.getLogger(__name__)


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("web"))
    async def web_link(message: Message, session: AsyncSession, provider: Provider | None, deps: Deps, t: Translate) -> None:
        settings = deps.settings
        user_id = message.from_user.id if message.from_user else None
        staff = user_id is not None and user_id in settings.staff_telegram_ids
        if not staff and provider is None:
            await message.answer(t("web-link-not-allowed"))
            return
        if not settings.web_enabled:
            await message.answer(t("web-link-off"))
            return
        role = STAFF if staff else PROVIDER
        token = await create_login(
            session, role=role, provider_id=provider.id if role == PROVIDER and provider else None,
            telegram_id=user_id, clock=deps.clock, minutes=settings.web_login_minutes,
        )  # fmt: skip
        url = f"{settings.effective_web_base_url}/login/{token}"
        log.info("web login link made for %s %s", role, user_id)
        await message.answer(t("web-link-staff" if role == STAFF else "web-link-provider", url=url))

    return router
