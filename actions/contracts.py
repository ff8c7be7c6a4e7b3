"""Family-doctor contracts (家庭医生签约): one active contract per household."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.clock import Clock
from actions.models import Contract, Household, Provider, Resident


class NotAFamilyDoctor(Exception):
    """Only a family doctor can be signed with."""


async def active_contract(session: AsyncSession, resident_id: int) -> Contract | None:
    household_id = await session.scalar(
        select(Resident.household_id).where(Resident.id == resident_id)
    )
    if household_id is None:
        return None
    return await session.scalar(
        select(Contract)
        .where(Contract.household_id == household_id, Contract.status == "active")
        .options(selectinload(Contract.provider).selectinload(Provider.team))
    )


async def contracted_doctor(session: AsyncSession, resident_id: int) -> Provider | None:
    contract = await active_contract(session, resident_id)
    return contract.provider if contract else None


async def sign_contract(
    session: AsyncSession, *, resident_id: int, provider_id: int, clock: Clock
) -> Contract:
    """Signs the household with a family doctor; a different doctor replaces the old
    contract (a change of family doctor). The partial unique index keeps one active
    contract per household even when two members sign at once."""
    provider = await session.get(Provider, provider_id)
    if provider is None or provider.role != "family_doctor":
        raise NotAFamilyDoctor(provider_id)
    resident = await session.get(Resident, resident_id, populate_existing=True)
    if resident is None:
        raise LookupError(resident_id)
    if resident.household_id is None:
        household = Household(community=resident.community or "", created_at=clock())
        session.add(household)
        await session.flush()
        resident.household_id = household.id
    current = await active_contract(session, resident_id)
    if current is not None and current.provider_id == provider_id:
        await session.commit()
        return current
    if current is not None:
        await session.execute(
            update(Contract)
            .where(Contract.id == current.id)
            .values(status="ended", ended_at=clock())
        )
    contract = Contract(
        household_id=resident.household_id,
        provider_id=provider_id,
        signed_by_resident_id=resident_id,
        status="active",
        signed_at=clock(),
    )
    session.add(contract)
    try:
        await session.commit()
    except IntegrityError:
        # Another member of the household signed in the same moment: theirs stands.
        await session.rollback()
        existing = await active_contract(session, resident_id)
        if existing is None:
            raise
        return existing
    signed = await active_contract(session, resident_id)
    assert signed is not None
    return signed


async def join_household(
    session: AsyncSession, *, resident_id: int, other_resident_id: int
) -> None:
    """Family members share a household, and so the family doctor."""
    other = await session.get(Resident, other_resident_id)
    resident = await session.get(Resident, resident_id)
    if other is None or resident is None or other.household_id is None:
        raise LookupError(other_resident_id)
    resident.household_id = other.household_id
    await session.commit()


async def doctor_team(session: AsyncSession, provider_id: int) -> list[Provider]:
    doctor = await session.get(Provider, provider_id)
    if doctor is None or doctor.team_id is None:
        return []
    return list(
        (
            await session.scalars(
                select(Provider).where(
                    Provider.team_id == doctor.team_id, Provider.id != provider_id
                )
            )
        ).all()
    )
