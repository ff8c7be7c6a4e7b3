"""Who may open the web pages: one-time login links for the centre's staff (the whole
centre) and for providers (their own residents and bookings).

A link carries a random token; only its hash is stored. It is valid for a few minutes
and opens one session: it is spent by one conditional UPDATE, so a link opened twice
(or by two browsers at once) logs in once. A provider who was deactivated or unlinked
since the link was made is refused."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.clock import Clock
from actions.models import Provider, WebLogin

STAFF, PROVIDER = "staff", "provider"


class LoginRefused(Exception):
    """Why a link does not open a session: unknown, expired, used or revoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Grant:
    """What a spent link grants."""

    login_id: int
    role: str
    provider_id: int | None
    telegram_id: int | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


async def create_login(
    session: AsyncSession,
    *,
    role: str,
    clock: Clock,
    provider_id: int | None = None,
    telegram_id: int | None = None,
    minutes: int = 10,
) -> str:
    """A fresh one-time token for `role` (a provider's token names the provider)."""
    if role not in (STAFF, PROVIDER):
        raise ValueError(role)
    if role == PROVIDER:
        provider = await session.get(Provider, provider_id) if provider_id is not None else None
        if provider is None or not provider.active:
            raise LookupError(provider_id)
    token = secrets.token_urlsafe(32)
    session.add(
        WebLogin(
            token_hash=_hash(token),
            role=role,
            provider_id=provider_id if role == PROVIDER else None,
            telegram_id=telegram_id,
            created_at=clock(),
            expires_at=clock() + timedelta(minutes=minutes),
        )
    )
    await session.commit()
    return token


async def create_provider_login(session: AsyncSession, *, provider_code: str, clock: Clock, minutes: int = 10) -> str:
    provider = await session.scalar(select(Provider).where(Provider.code == provider_code))
    if provider is None:
        raise LookupError(provider_code)
    return await create_login(session, role=PROVIDER, provider_id=provider.id, clock=clock, minutes=minutes)


async def check_login(session: AsyncSession, *, token: str, clock: Clock) -> WebLogin:
    """The stored link, if it may still be used (nothing is spent)."""
    login = await session.scalar(
        select(WebLogin).where(WebLogin.token_hash == _hash(token)).execution_options(populate_existing=True)
    )
    if login is None:
        raise LoginRefused("unknown")
    if login.used_at is not None:
        raise LoginRefused("used")
    if login.expires_at <= clock():
        raise LoginRefused("expired")
    if login.role == PROVIDER:
        provider = await session.get(Provider, login.provider_id, populate_existing=True)
        if provider is None or not provider.active:
            raise LoginRefused("revoked")
    return login


async def redeem_login(session: AsyncSession, *, token: str, clock: Clock) -> Grant:
    """Spends the link and says what it grants; LoginRefused says why not."""
    login = await check_login(session, token=token, clock=clock)
    spent = await session.execute(
        update(WebLogin)
        .where(WebLogin.id == login.id, WebLogin.used_at.is_(None), WebLogin.expires_at > clock())
        .values(used_at=clock())
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise LoginRefused("used")
    grant = Grant(login.id, login.role, login.provider_id, login.telegram_id)
    await session.commit()
    return grant

