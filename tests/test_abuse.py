"""Abuse: crafted updates and crafted button data driven at the real routers. Every
one of them must leave the database exactly as it was, and nothing about the victim
may reach anyone else's chat."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from actions.booking import book
from actions.contracts import sign_contract
from actions.matching import MatchRequest, match
from actions.models import Base, Booking, Provider, Slot
from tests.conftest import make_resident
from tests.harness import Jiayi, running_jiayi
from tests.test_care_loop import link

VICTIM = 8101
ATTACKER = 8102
DOCTOR = 8901
OTHER_DOCTOR = 8902
GROUP = -100555


async def snapshot(j: Jiayi) -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with j.app.deps.sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table).order_by(*table.primary_key.columns))).all()
            tables[table.name] = [tuple(r) for r in rows]
    return tables


async def forge(j: Jiayi, update: dict[str, Any]) -> None:
    await j.api._push(update)
    await j.api.wait_idle()


def message(chat: int, sender: int, text: str, chat_type: str = "private") -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": int(time.time() * 1000) % 1_000_000, "date": int(time.time()), "text": text,
        "chat": {"id": chat, "type": chat_type, "first_name": "x", "title": "t"},
        "from": {"id": sender, "is_bot": False, "first_name": "x", "language_code": "zh"},
    }  # fmt: skip
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": body}


def tap(chat: int, sender: int, data: str, chat_type: str = "private") -> dict[str, Any]:
    return {
        "callback_query": {
            "id": f"q{time.monotonic_ns()}", "chat_instance": "1", "data": data,
            "from": {"id": sender, "is_bot": False, "first_name": "x", "language_code": "zh"},
            "message": {"message_id": 1, "date": int(time.time()), "text": "…",
                        "chat": {"id": chat, "type": chat_type, "first_name": "x", "title": "t"}},
        }
    }  # fmt: skip


async def test_crafted_updates_and_button_data_change_nothing(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock, duty_chat_id=GROUP) as j:
        deps = j.app.deps
        await link(j, DOCTOR, "dr_wang")
        await link(j, OTHER_DOCTOR, "dr_chen")
        async with deps.sessionmaker() as session:
            victim = await make_resident(session, VICTIM, clock, name="受害人", phone="13911112222")
            await make_resident(session, ATTACKER, clock, name="攻击者", phone="13700000000")
            wang = (await session.scalars(select(Provider).where(Provider.code == "dr_wang"))).one()
            await sign_contract(session, resident_id=victim.id, provider_id=wang.id, clock=clock)
            start = clock() + timedelta(days=2)
            offers = (
                await match(session, resident_id=victim.id, request=MatchRequest("bp_check", start, start + timedelta(days=1), "clinic"),
                            catalog=deps.catalog, clock=clock, tz=deps.tz)  # fmt: skip
            ).offers
            booking = await book(session, resident_id=victim.id, slot_id=offers[0].slot_id, service_code="bp_check",
                                 clock=clock, notifier=deps.notifier)  # fmt: skip
            # Somewhere else entirely: another provider's home-visit slot.
            elsewhere = (
                await session.scalars(select(Slot).where(Slot.provider_id != wang.id, Slot.modality == "home_visit"))
            ).first()
            assert elsewhere is not None
        await j.dispatch()
        before = await snapshot(j)
        mark = j.api.mark()

        crafted = [
            # Someone else's chat, a group, a channel-like chat: never acted on.
            message(ATTACKER, VICTIM, "/mydata"),
            message(ATTACKER, VICTIM, "/deletedata"),
            tap(ATTACKER, VICTIM, "ans:delete:1"),
            tap(ATTACKER, VICTIM, f"bk:cancel:{booking.id}"),
            message(GROUP, VICTIM, "/bookings", "group"),
            message(GROUP, VICTIM, "/mydata", "supergroup"),
            tap(GROUP, VICTIM, "set:export", "supergroup"),
            tap(GROUP, VICTIM, f"bk:cancel:{booking.id}", "supergroup"),
            # The attacker in their own chat, with crafted buttons about the victim.
            tap(ATTACKER, ATTACKER, f"bk:cancel:{booking.id}"),
            tap(ATTACKER, ATTACKER, f"bk:resched:{booking.id}"),
            tap(ATTACKER, ATTACKER, f"pv:accept:{booking.id}"),
            tap(ATTACKER, ATTACKER, f"pv:decline:{booking.id}"),
            tap(ATTACKER, ATTACKER, f"dc:{booking.id}:decline:other"),
            tap(ATTACKER, ATTACKER, f"dc:{booking.id}:done:"),
            tap(ATTACKER, ATTACKER, f"pp:{booking.id}:{elsewhere.id}:resident"),
            tap(ATTACKER, ATTACKER, "pp:1:resident"),
            tap(ATTACKER, ATTACKER, f"rate:{booking.id}:5"),
            tap(ATTACKER, ATTACKER, "rate:1:1"),
            tap(ATTACKER, ATTACKER, "cbd:1"),
            tap(ATTACKER, ATTACKER, f"slot:{elsewhere.id}"),
            tap(ATTACKER, ATTACKER, "ans:booking:1"),
            tap(ATTACKER, ATTACKER, "mod:teleport"),
            tap(ATTACKER, ATTACKER, "day:9999-99-99"),
            tap(ATTACKER, ATTACKER, "grp:admin"),
            tap(ATTACKER, ATTACKER, "doc:999999"),
            tap(ATTACKER, ATTACKER, "x" * 64),
            # The victim's own buttons, crafted: no move to a slot never proposed, no
            # rating of a visit that has not happened.
            tap(VICTIM, VICTIM, f"pp:{booking.id}:{elsewhere.id}:resident"),
            tap(VICTIM, VICTIM, f"pp:{booking.id}:{elsewhere.id}"),
            tap(VICTIM, VICTIM, f"rate:{booking.id}:5"),
            tap(VICTIM, VICTIM, f"rate:{booking.id}:9"),
            # Another doctor on Dr Wang's booking.
            tap(OTHER_DOCTOR, OTHER_DOCTOR, f"pv:accept:{booking.id}"),
            tap(OTHER_DOCTOR, OTHER_DOCTOR, f"dr:{booking.id}:other"),
            tap(OTHER_DOCTOR, OTHER_DOCTOR, f"dc:{booking.id}:decline:other"),
            tap(OTHER_DOCTOR, OTHER_DOCTOR, f"dc:{booking.id}:noshow:"),
            # Dr Wang himself: done before the visit has started.
            tap(DOCTOR, DOCTOR, f"dc:{booking.id}:done:"),
            tap(DOCTOR, DOCTOR, f"pv:noshow:{booking.id}"),
        ]
        for update in crafted:
            await forge(j, update)
        await j.dispatch()

        assert await snapshot(j) == before
        leaked = [s for s in j.api.since(mark) if s.chat_id != VICTIM and ("受害人" in (s.text or "") or "13911112222" in (s.text or ""))]
        assert leaked == []
        assert not [s for s in j.api.since(mark) if s.method == "sendDocument"]
        # Nothing at all went to the forger's chat on the victim's behalf, nor to the group.
        assert [s for s in j.api.since(mark) if s.chat_id == GROUP] == []
        async with deps.sessionmaker() as session:
            assert (await session.get(Booking, booking.id)).slot_id == offers[0].slot_id
