"""Providers: linking a Telegram account with a one-time invite code, and what a
provider may see (only their own residents)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.clock import Clock
from actions.models import Booking, Contract, Provider, ProviderInvite, Resident

# No 0/O or 1/I: codes are read aloud and typed by hand.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def new_code() -> str:
    part = lambda: "".join(secrets.choice(ALPHABET) for _ in range(4))  # noqa: E731
    return f"JY-{part()}-{part()}"


async def create_invite(
    session: AsyncSession, *, provider_code: str, clock: Clock, ttl_hours: int = 72
) -> str:
    provider = await session.scalar(select(Provider).where(Provider.code == provider_code))
    if provider is None:
        raise LookupError(provider_code)
    code = new_code()
    session.add(
        ProviderInvite(
            provider_id=provider.id,
            code_hash=_hash(code),
            created_at=clock(),
            expires_at=clock() + timedelta(hours=ttl_hours),
        )
    )
    await session.commit()
    return code


async def redeem_invite(
    session: AsyncSession, *, code: str, telegram_id: int, chat_id: int, clock: Clock
) -> Provider | None:
    """Links the account; None for an unknown, expired or used code. The invite is
    spent by a conditional update, so a code works once even when sent twice."""
    invite = await session.scalar(
        select(ProviderInvite).where(ProviderInvite.code_hash == _hash(code))
    )
    if invite is None or invite.used_at is not None or invite.expires_at <= clock():
        return None
    spent = await session.execute(
        update(ProviderInvite)
        .where(ProviderInvite.id == invite.id, ProviderInvite.used_at.is_(None))
        .values(used_at=clock())
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        return None
    # One Telegram account per provider: unlink whoever had this account before.
    await session.execute(
        update(Provider)
        .where(Provider.telegram_id == telegram_id, Provider.id != invite.provider_id)
        .values(telegram_id=None, chat_id=None)
    )
    provider = await session.get(Provider, invite.provider_id)
    assert provider is not None
    provider.telegram_id = telegram_id
    provider.chat_id = chat_id
    await session.commit()
    return provider


async def provider_by_telegram(session: AsyncSession, telegram_id: int) -> Provider | None:
    return await session.scalar(select(Provider).where(Provider.telegram_id == telegram_id))


async def get_provider(session: AsyncSession, provider_id: int) -> Provider | None:
    return await session.scalar(
        select(Provider).where(Provider.id == provider_id).options(selectinload(Provider.team))
    )


async def list_providers(session: AsyncSession) -> list[Provider]:
    return list((await session.scalars(select(Provider).order_by(Provider.code))).all())


async def residents_of_provider(session: AsyncSession, provider_id: int) -> list[Resident]:
    """Only residents with a booking with, or a contract to, this provider."""
    booked = select(Booking.resident_id).where(Booking.provider_id == provider_id)
    contracted = (
        select(Resident.id)
        .join(
            Contract,
            (Contract.household_id == Resident.household_id) & (Contract.status == "active"),
        )
        .where(Contract.provider_id == provider_id)
    )
    return list(
        (
            await session.scalars(
                select(Resident)
                .where(or_(Resident.id.in_(booked), Resident.id.in_(contracted)))
                .order_by(Resident.id)
            )
        ).all()
    )
