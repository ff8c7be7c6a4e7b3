"""Family accounts (亲情账户): a family member links to an elderly resident with the
resident's consent, then books and reports readings for them and may receive their
reminders and alerts. Either side can end a link at any time; ending it cannot be
undone (linking again needs a new code).

The member asks for a code; the resident sends it to Jiayi and confirms a read-back
naming the member: only then is the link active. Only a hash of the code is kept, it
expires, and it works once (a conditional UPDATE from pending)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.clock import Clock
from actions.models import FamilyLink, ProxyBooking, Resident

CODE_TTL = timedelta(hours=24)
# What the elder is to the member ("parent": the member looks after a parent); links
# made before the member could choose are "parent".
RELATIONS = ("parent", "spouse", "child", "other")
# What the member is to the elder, for messages to the elder ("您的子女 王小明").
MEMBER_AS = {"parent": "child", "child": "parent", "spouse": "spouse", "other": "other"}
MAX_PENDING = 3


class CodeInvalid(Exception):
    """No such code, expired, already used, or the resident's own."""


class NotLinked(Exception):
    """No active link between these two people."""


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def normalise_code(text: str) -> str | None:
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits if len(digits) == 6 else None


async def issue_code(session: AsyncSession, *, member_id: int, relation: str, clock: Clock) -> str:
    """A six-digit code the member gives the elderly resident (by phone, in person).
    Older pending codes of the member beyond a few are withdrawn."""
    relation = relation if relation in RELATIONS else "parent"
    pending = (
        await session.scalars(
            select(FamilyLink)
            .where(FamilyLink.member_id == member_id, FamilyLink.status == "pending")
            .order_by(FamilyLink.id.desc())
        )
    ).all()
    for old in pending[MAX_PENDING - 1 :]:
        old.status, old.code_hash = "expired", None
    while True:
        code = f"{secrets.randbelow(900000) + 100000}"
        link = FamilyLink(
            member_id=member_id, relation=relation, status="pending", code_hash=_hash(code),
            code_expires_at=clock() + CODE_TTL, receives_alerts=True, created_at=clock(),
        )  # fmt: skip
        try:
            async with session.begin_nested():
                session.add(link)
        except IntegrityError:
            continue  # the same code is pending for someone else: draw again
        await session.commit()
        return code


async def pending_link(session: AsyncSession, *, code: str, elder_id: int, clock: Clock) -> FamilyLink:
    """The pending link a code names, for the read-back before the resident confirms."""
    link = await session.scalar(
        select(FamilyLink)
        .where(FamilyLink.code_hash == _hash(code), FamilyLink.status == "pending")
        .options(selectinload(FamilyLink.member))
    )
    if link is None or link.code_expires_at is None or link.code_expires_at <= clock() or link.member_id == elder_id:
        raise CodeInvalid(code)
    return link


async def confirm_link(
    session: AsyncSession, *, link_id: int, elder_id: int, clock: Clock, notifier: object | None = None
) -> FamilyLink:
    """The resident consents: pending -> active, once, before the code expires. A pair
    already linked keeps its link (the new one is closed)."""
    now = clock()
    result = await session.execute(
        update(FamilyLink)
        .where(
            FamilyLink.id == link_id, FamilyLink.status == "pending",
            FamilyLink.code_expires_at > now, FamilyLink.member_id != elder_id,
        )
        .values(status="active", elder_id=elder_id, confirmed_at=now, code_hash=None)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise CodeInvalid(str(link_id))
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        existing = await active_link(session, elder_id=elder_id, member_id=await _member_of(session, link_id))
        if existing is None:
            raise
        return existing
    link = await _load(session, link_id)
    await _commit_telling(session, notifier, lambda n: n.family_linked(session, link))
    return link


async def _member_of(session: AsyncSession, link_id: int) -> int:
    return int(await session.scalar(select(FamilyLink.member_id).where(FamilyLink.id == link_id)) or 0)


async def _load(session: AsyncSession, link_id: int) -> FamilyLink:
    link = await session.scalar(
        select(FamilyLink)
        .where(FamilyLink.id == link_id)
        .options(selectinload(FamilyLink.member), selectinload(FamilyLink.elder))
        .execution_options(populate_existing=True)
    )
    assert link is not None
    return link


async def _commit_telling(
    session: AsyncSession, notifier: object | None, tell: Callable[[Any], Awaitable[None]]
) -> None:
    """Commits the change with what `tell` queues through the notifier (in the same
    transaction, or neither), then wakes the sender; without a notifier, only commits."""
    try:
        if notifier is not None:
            await tell(notifier)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    if notifier is not None:
        notifier.wake()  # type: ignore[attr-defined]


def member_as(link: FamilyLink) -> str:
    """What the member is to the elder (one of RELATIONS)."""
    return MEMBER_AS.get(link.relation, "other")


async def link_for(session: AsyncSession, *, link_id: int, person_id: int) -> FamilyLink | None:
    """A link this person is one side of (the resident or the member), in whatever
    state, with both people loaded: for the read-back before ending it, and to tell a
    link already ended from a button that was never theirs (None)."""
    return await session.scalar(
        select(FamilyLink)
        .where(FamilyLink.id == link_id, (FamilyLink.elder_id == person_id) | (FamilyLink.member_id == person_id))
        .options(selectinload(FamilyLink.member), selectinload(FamilyLink.elder))
        .execution_options(populate_existing=True)
    )


async def revoke_link(
    session: AsyncSession, *, link_id: int, by_resident_id: int, clock: Clock, notifier: object | None = None
) -> FamilyLink:
    """Either side may end a link (the chat asks first: it cannot be undone, linking
    again needs a new code). With a notifier, the copies still waiting for the member
    are withdrawn and the other side is told, in the same transaction as the
    revocation."""
    result = await session.execute(
        update(FamilyLink)
        .where(
            FamilyLink.id == link_id, FamilyLink.status == "active",
            (FamilyLink.elder_id == by_resident_id) | (FamilyLink.member_id == by_resident_id),
        )
        .values(status="revoked", revoked_at=clock())
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise NotLinked(link_id)
    link = await _load(session, link_id)
    await _commit_telling(session, notifier, lambda n: n.family_unlinked(session, link, by_elder=link.elder_id == by_resident_id))
    return link


async def set_alerts(
    session: AsyncSession, *, link_id: int, member_id: int, on: bool, notifier: object | None = None
) -> bool:
    """The member's own choice to get the elder's reminders and alerts or not. Turned
    off, the copies still waiting for them are withdrawn with it; turned on, the copies
    of the elder's upcoming reminders are queued."""
    result = await session.execute(
        update(FamilyLink)
        .where(FamilyLink.id == link_id, FamilyLink.member_id == member_id, FamilyLink.status == "active")
        .values(receives_alerts=on)
        .execution_options(synchronize_session=False)
    )
    changed = result.rowcount == 1  # type: ignore[attr-defined]

    async def tell(n: Any) -> None:
        link = await _load(session, link_id)
        await (n.family_copies_started if on else n.family_copies_stopped)(session, link)

    await _commit_telling(session, notifier if changed else None, tell)
    return changed


async def active_link(session: AsyncSession, *, elder_id: int, member_id: int) -> FamilyLink | None:
    return await session.scalar(
        select(FamilyLink)
        .where(FamilyLink.elder_id == elder_id, FamilyLink.member_id == member_id, FamilyLink.status == "active")
        .options(selectinload(FamilyLink.member), selectinload(FamilyLink.elder))
    )


async def hold_link(session: AsyncSession, *, elder_id: int, member_id: int) -> FamilyLink:
    """In the caller's transaction: the active link a family member acts through,
    locked on PostgreSQL so that a revocation arriving at the same moment waits for
    this change and then ends the link (SQLite already runs one writer at a time).
    NotLinked when there is none."""
    query = select(FamilyLink).where(
        FamilyLink.elder_id == elder_id, FamilyLink.member_id == member_id, FamilyLink.status == "active"
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    link = await session.scalar(query)
    if link is None:
        raise NotLinked(elder_id)
    return link


async def receives_copies(session: AsyncSession, *, chat_id: int, elder_id: int) -> bool:
    """Whether the person in this chat still gets this elder's reminders and alerts
    (an active link with copies on), checked right before a copy goes out."""
    found = await session.scalar(
        select(FamilyLink.id)
        .join(Resident, Resident.id == FamilyLink.member_id)
        .where(
            Resident.chat_id == chat_id, FamilyLink.elder_id == elder_id, FamilyLink.status == "active",
            FamilyLink.receives_alerts.is_(True),
        )
        .limit(1)
    )  # fmt: skip
    return found is not None


async def was_linked(session: AsyncSession, *, elder_id: int, member_id: int) -> bool:
    """Whether these two were ever linked (a link since ended), to tell a revoked link
    from someone who never had one."""
    found = await session.scalar(
        select(FamilyLink.id)
        .where(FamilyLink.elder_id == elder_id, FamilyLink.member_id == member_id, FamilyLink.status == "revoked")
        .limit(1)
    )
    return found is not None


async def elders_of(session: AsyncSession, member_id: int) -> list[FamilyLink]:
    """The active links where this person is the family member, oldest first."""
    return list(
        (
            await session.scalars(
                select(FamilyLink)
                .where(FamilyLink.member_id == member_id, FamilyLink.status == "active")
                .options(selectinload(FamilyLink.elder))
                .order_by(FamilyLink.id)
            )
        ).all()
    )


async def members_of(session: AsyncSession, elder_id: int, *, alerts_only: bool = False) -> list[FamilyLink]:
    """The active links where this person is the elderly resident."""
    query = (
        select(FamilyLink)
        .where(FamilyLink.elder_id == elder_id, FamilyLink.status == "active")
        .options(selectinload(FamilyLink.member))
        .order_by(FamilyLink.id)
    )
    if alerts_only:
        query = query.where(FamilyLink.receives_alerts.is_(True))
    return list((await session.scalars(query)).all())


async def acting_for(session: AsyncSession, *, member: Resident, elder_id: int) -> Resident:
    """The resident a family member acts for, checked against an active link at the
    moment of acting (a revoked link stops at once)."""
    link = await active_link(session, elder_id=elder_id, member_id=member.id)
    if link is None or link.elder is None:
        raise NotLinked(elder_id)
    return link.elder


async def subject_for(session: AsyncSession, *, member: Resident, beneficiary: str | None) -> Resident | None:
    """Whom a request is for when the speaker names a family member ("给我妈约",
    "我爸血压160"): the one linked elder of that relation (or the only linked elder);
    None when it is the speaker's own, or when it cannot be told."""
    if beneficiary in (None, "self"):
        return None
    links = await elders_of(session, member.id)
    same = [link for link in links if link.relation == beneficiary]
    chosen = same if same else links
    if len(chosen) == 1 and chosen[0].elder is not None:
        return chosen[0].elder
    return None


async def record_proxy_booking(session: AsyncSession, *, booking_id: int, member_id: int, clock: Clock) -> None:
    """In the caller's transaction."""
    existing = await session.get(ProxyBooking, booking_id)
    if existing is None:
        session.add(ProxyBooking(booking_id=booking_id, member_id=member_id, created_at=clock()))
        await session.flush()


async def proxy_member(session: AsyncSession, booking_id: int) -> Resident | None:
    member_id = await session.scalar(select(ProxyBooking.member_id).where(ProxyBooking.booking_id == booking_id))
    return await session.get(Resident, member_id) if member_id is not None else None
