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
from actions.models import Booking, Contract, Outbox, Provider, ProviderInvite, Resident

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
    if not provider.active:
        await session.rollback()
        return None
    provider.telegram_id = telegram_id
    provider.chat_id = chat_id
    await session.commit()
    return provider


async def provider_by_telegram(session: AsyncSession, telegram_id: int) -> Provider | None:
    """The active provider linked to this account; a deactivated one is nobody."""
    return await session.scalar(
        select(Provider).where(Provider.telegram_id == telegram_id, Provider.active.is_(True))
    )


async def _retract_to(session: AsyncSession, chat_id: int | None) -> int:
    """Nothing still waiting goes to the provider's chat any more."""
    if chat_id is None:
        return 0
    result = await session.execute(
        update(Outbox)
        .where(Outbox.chat_id == chat_id, Outbox.recipient_kind == "provider", Outbox.status == "pending")
        .values(status="retracted", payload={})
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def unlink_provider(session: AsyncSession, *, provider_code: str) -> int:
    """Unlinks the provider's Telegram account at once (unused invites are spent too);
    returns how many waiting messages to them were withdrawn."""
    provider = await session.scalar(select(Provider).where(Provider.code == provider_code))
    if provider is None:
        raise LookupError(provider_code)
    withdrawn = await _retract_to(session, provider.chat_id)
    provider.telegram_id = None
    provider.chat_id = None
    await _spend_invites(session, provider.id)
    await session.commit()
    return withdrawn


async def set_provider_active(session: AsyncSession, *, provider_code: str, active: bool) -> int:
    """Deactivating takes effect on the provider's next tap: they can do nothing, are
    offered to nobody, and nothing more is sent to them."""
    provider = await session.scalar(select(Provider).where(Provider.code == provider_code))
    if provider is None:
        raise LookupError(provider_code)
    withdrawn = 0
    if not active:
        withdrawn = await _retract_to(session, provider.chat_id)
        await _spend_invites(session, provider.id)
    provider.active = active
    await session.commit()
    return withdrawn


async def _spend_invites(session: AsyncSession, provider_id: int) -> None:
    from actions.clock import system_clock

    await session.execute(
        update(ProviderInvite)
        .where(ProviderInvite.provider_id == provider_id, ProviderInvite.used_at.is_(None))
        .values(used_at=system_clock())
    )


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
