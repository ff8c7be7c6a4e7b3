"""Every emergency path through the real routers: sure, possible then confirmed, possible
then denied, inside a booking, during onboarding, suicidal words, an unregistered
person, the database or Redis down; and who received what (the family doctor, else the
team, else the duty chat, never an unrelated provider; a linked emergency contact)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from actions.models import Booking, EmergencyEvent, Provider, Resident
from actions.providers import create_invite
from tests.harness import Jiayi, running_jiayi
from tests.test_e2e_booking import DOCTOR, RESIDENT, link_doctor, onboard, sign_with_wang

NURSE = 902
OTHER_DOCTOR = 903
DUTY = -100500
CONTACT = 808
STRANGER = 4242


async def link(j: Jiayi, code: str, user: int, name: str) -> None:
    async with j.app.deps.sessionmaker() as session:
        invite = await create_invite(session, provider_code=code, clock=j.app.deps.clock)
    j.api.user(user, first_name=name, language_code="zh")
    sent = await j.say(user, f"/start {invite}")
    assert "已绑定" in sent[-1].text


async def everyone_told(j: Jiayi) -> None:
    await j.dispatch()


def texts(j: Jiayi, chat: int) -> str:
    return "\n".join(j.api.texts(chat))


async def test_a_sure_red_flag_is_answered_with_120_and_only_the_own_doctor_is_alerted(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock, duty_chat_id=DUTY) as j:
        await link_doctor(j)
        await link(j, "dr_chen", OTHER_DOCTOR, "陈明")
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        sent = await j.say(RESIDENT, "我妈突然嘴歪了，说话也不清楚，右手拿不住筷子")
        assert "120" in sent[0].text and "010-64221234" in sent[0].text
        assert "王芳" in sent[-1].text and "紧急联系人 王小明：139 0013 9000" in sent[-1].text
        await everyone_told(j)
        alert = j.api.last(DOCTOR).text
        assert "急症提醒" in alert and "嘴歪" in alert and "张桂兰" in alert and "138 0013 8000" in alert
        assert "和平里一区3号楼2单元501" in alert and "父母" in alert
        assert "急症" not in texts(j, OTHER_DOCTOR) and j.api.texts(DUTY) == []
        async with j.app.deps.sessionmaker() as session:
            event = (await session.scalars(select(EmergencyEvent))).one()
            assert (event.category, event.doctor_alerted) == ("stroke", True)


async def test_without_a_linked_doctor_the_team_is_alerted_and_then_the_duty_chat(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock, duty_chat_id=DUTY) as j:
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        await link(j, "dr_chen", OTHER_DOCTOR, "陈明")
        # Dr Wang has no Telegram account linked; nobody of her team either: duty chat.
        sent = await j.say(RESIDENT, "老伴晕倒了 叫不醒")
        assert "值班医生" in sent[-1].text
        await everyone_told(j)
        assert "叫不醒" in j.api.last(DUTY).text and "张桂兰" in j.api.last(DUTY).text
        assert "急症" not in texts(j, OTHER_DOCTOR)
        # Once nurse Li of Dr Wang's team is linked, she is told instead of the duty chat.
        await link(j, "nurse_li", NURSE, "李娜")
        duty_before = len(j.api.texts(DUTY))
        sent = await j.say(RESIDENT, "老伴又晕倒了 叫不醒")
        assert "团队" in sent[-1].text
        await everyone_told(j)
        assert "急症提醒" in j.api.last(NURSE).text and len(j.api.texts(DUTY)) == duty_before


async def test_a_linked_emergency_contact_is_told_for_real(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        async with j.app.deps.sessionmaker() as session:
            await session.execute(update(Resident).values(emergency_contact_chat_id=CONTACT))
            await session.commit()
        sent = await j.say(RESIDENT, "胸口疼得厉害 一身冷汗")
        assert "也已经通知了您的紧急联系人 王小明" in sent[-1].text
        await everyone_told(j)
        assert "张桂兰" in j.api.last(CONTACT).text and "120" in j.api.last(CONTACT).text


async def test_suicidal_words_get_the_crisis_line(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await onboard(j, RESIDENT, "zh")
        sent = await j.say(RESIDENT, "活着没意思了 药我都攒好了")
        assert "12356" in sent[0].text and "120" in sent[0].text
        j.api.user(STRANGER, language_code="en")
        sent = await j.say(STRANGER, "I've written letters to my kids. I won't be a burden after tonight.")
        assert "12356" in sent[0].text and "crisis line" in sent[0].text


async def test_a_red_flag_inside_a_booking_flow_is_never_booked(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        await j.say(RESIDENT, "明天上午到社区量血压")
        assert any("·" in b for b in j.buttons(RESIDENT))  # slots on offer
        sent = await j.say(RESIDENT, "等等 我现在喘不上气 嘴唇都紫了")
        assert "120" in sent[0].text
        async with j.app.deps.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Booking)) == 0


async def test_a_red_flag_during_onboarding_is_answered_and_the_duty_chat_told(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock, duty_chat_id=DUTY) as j:
        j.api.user(RESIDENT, first_name="张阿姨", language_code="zh")
        await j.say(RESIDENT, "/start")
        await j.tap(RESIDENT, "中文")
        await j.tap(RESIDENT, "✅ 同意")
        sent = await j.say(RESIDENT, "我老伴刚才抽起来了 口吐白沫")
        assert "120" in sent[0].text and "值班医生" in sent[-1].text
        await everyone_told(j)
        assert "口吐白沫" in j.api.last(DUTY).text


async def test_someone_not_registered_still_gets_120_and_the_duty_chat_is_told(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock, duty_chat_id=DUTY) as j:
        j.api.user(STRANGER, first_name="Lily", language_code="en")
        sent = await j.say(STRANGER, "my dad collapsed and won't wake up")
        assert "Call 120 now" in sent[0].text and "doctor on duty" in sent[-1].text
        await everyone_told(j)
        alert = j.api.last(DUTY).text
        assert "Lily" in alert and str(STRANGER) in alert and "won't wake up" in alert


async def test_a_possible_emergency_asks_first_and_a_yes_raises_it(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        sent = await j.say(RESIDENT, "胸口有点疼")
        assert "120" in sent[-1].text and "紧急情况吗" in sent[-1].text
        assert j.api.texts(DOCTOR)[-1:] == [j.api.texts(DOCTOR)[-1]]  # nothing new yet
        before = len(j.api.texts(DOCTOR))
        sent = await j.tap(RESIDENT, "🚨 是，很紧急")
        assert "120" in sent[0].text and "王芳" in sent[-1].text
        await everyone_told(j)
        assert len(j.api.texts(DOCTOR)) == before + 1 and "胸口有点疼" in j.api.last(DOCTOR).text


async def test_a_possible_emergency_denied_goes_on_to_the_booking(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        sent = await j.say(RESIDENT, "明天上午想到社区量个血压 最近胸口有点闷")
        assert "紧急情况吗" in sent[-1].text
        sent = await j.tap(RESIDENT, "不是，继续")
        joined = "\n".join(s.text or "" for s in sent)
        assert "继续" in joined and any("·" in b for b in j.buttons(RESIDENT))  # slots offered
        async with j.app.deps.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(EmergencyEvent)) == 0


async def test_with_the_database_down_a_red_flag_still_gets_the_whole_120_reply(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await onboard(j, RESIDENT, "zh")
        from actions.db import create_engine, create_sessionmaker

        broken = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        j.app.deps.sessionmaker = create_sessionmaker(broken)
        try:
            sent = await j.say(RESIDENT, "我爸胸口疼得厉害 出冷汗")
        finally:
            await broken.dispose()
        assert "120" in sent[0].text and "010-64221234" in sent[0].text
        assert "暂时无法通知医生" in sent[-1].text


async def test_with_redis_down_a_red_flag_still_gets_the_whole_120_reply(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock, redis_url="redis://127.0.0.1:1/0") as j:
        j.api.user(STRANGER, language_code="zh")
        sent = await j.say(STRANGER, "救命 我老伴没气了")
        assert "120" in sent[0].text
        async with j.app.deps.sessionmaker() as session:
            assert (await session.scalars(select(EmergencyEvent.category))).one() in ("collapse", "breathing", "other")


async def test_a_doctor_never_receives_another_doctors_resident(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link(j, "dr_chen", OTHER_DOCTOR, "陈明")
        await onboard(j, RESIDENT, "zh")
        await sign_with_wang(j, RESIDENT, "zh")
        sent = await j.say(RESIDENT, "我喝了农药")
        # Nobody of Dr Wang's team is linked and no duty chat is set: the resident is
        # told so, with the numbers to call, and Dr Chen hears nothing.
        assert "没能通知到医生" in sent[-1].text and "120" in sent[-1].text
        await everyone_told(j)
        assert "农药" not in texts(j, OTHER_DOCTOR)
        async with j.app.deps.sessionmaker() as session:
            chen = (await session.scalars(select(Provider).where(Provider.code == "dr_chen"))).one()
            assert chen.chat_id == OTHER_DOCTOR
