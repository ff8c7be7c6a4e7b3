"""Alerts to providers and emergency contacts carry the resident's own words, who is
affected and how to reach them (shown in the local format)."""

from __future__ import annotations

from sqlalchemy import update

from actions.models import Resident
from tests.harness import running_jiayi
from tests.test_e2e_booking import DOCTOR, RESIDENT, link_doctor, onboard, sign_with_wang

CONTACT = 7707


async def test_the_emergency_contact_hears_the_words_and_who_is_affected(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        async with j.app.deps.sessionmaker() as session:
            await session.execute(update(Resident).values(emergency_contact_chat_id=CONTACT))
            await session.commit()
        await j.say(RESIDENT, "我老伴突然胸口疼得厉害，一直出冷汗")
        await j.dispatch()
        contact = "\n".join(s.text or "" for s in j.api.sent(CONTACT))
        assert "🚨" in contact and "138 0013 8000" in contact
        assert "原话：“我老伴突然胸口疼得厉害，一直出冷汗”" in contact
        assert "情况涉及：配偶" in contact
        doctor = "\n".join(s.text or "" for s in j.api.sent(DOCTOR))
        assert "情况涉及：配偶" in doctor and "电话：138 0013 8000" in doctor


async def test_a_call_back_request_carries_the_words_and_for_whom(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        await j.say(RESIDENT, "请王医生给我回个电话，我妈最近血压老是不稳")
        await j.dispatch()
        alert = next(s.text for s in j.api.sent(DOCTOR) if "回电请求" in (s.text or ""))
        assert "电话：138 0013 8000" in alert
        assert "原话：“请王医生给我回个电话，我妈最近血压老是不稳”" in alert
        assert "情况涉及：父母" in alert
