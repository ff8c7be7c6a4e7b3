"""Understanding: triage before any model, time expressions against "now", the
embedded interpreter on the held-out set, and the `jiayi nlu parse` contract."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nlu.beneficiary import beneficiary
from nlu.decide import when_asked
from nlu.embedded import EmbeddedInterpreter
from nlu.evaluate import SETS, load_heldout, load_set, parse_all, score
from nlu.rasa_http import FallbackInterpreter, RasaInterpreter
from nlu.rasa_project import (
    DEVELOPMENT_FILE,
    DEVELOPMENT_SETS,
    RASA_DIR,
    VOCABULARY_FILE,
    development_yaml,
    vocabulary_yaml,
)
from nlu.readings import parse_reading
from nlu.timeparse import resolve_when
from nlu.training_data import read_examples, training_files
from nlu.triage import triage
from tests.harness import SHARED_NLU_CACHE

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def embedded() -> EmbeddedInterpreter:
    interpreter = EmbeddedInterpreter(SHARED_NLU_CACHE)
    interpreter.load_or_train()
    return interpreter


@pytest.mark.parametrize(
    ("text", "urgency", "category"),
    [
        ("我想约量血压但是现在胸口疼得厉害出冷汗", "emergency", "chest_pain"),
        ("I want to book a BP check but my chest hurts badly now", "emergency", "chest_pain"),
        ("我 爸 嘴 歪 了 说话不清楚", "emergency", "stroke"),
        ("she collapsed and won't wake up", "emergency", "collapse"),
        ("孩子抽风了口吐白沫", "emergency", "infant"),
        ("不想活了", "emergency", "suicide"),
        ("孩子发高烧39度", "urgent", "high_fever"),
        ("摔了一跤脚肿了", "urgent", "fall_injury"),
        ("我爸以前中风过，想约康复", "routine", None),
        ("my chest X-ray results", "routine", None),
        ("没有胸痛，就是想体检", "routine", None),
        ("孩子有点低烧37.5", "routine", None),
        ("阿婆讲嘢唔清楚 半边面歪咗", "emergency", "stroke"),
        ("tight band across my chest and I'm drenched in sweat", "emergency", "chest_pain"),
        ("My wife bleeding from nose very much, one hour cannot stop", "emergency", "bleeding"),
        ("爸爸癫痫又发作了 这次连着抽了两回 中间一直没醒过来", "emergency", "seizure"),
        ("后事我都交代好了 今晚就解脱了", "emergency", "suicide"),
        ("想死你们了 好久没来中心了 明天上午来量血糖", "routine", None),
        ("我妈餐后血糖十二点五", "routine", None),
        ("glucose test this Thu 2:30pm pls", "routine", None),
        ("My dad died of a heart attack at 60, can I book a full check-up?", "routine", None),
        ("吓死我了 刚看见有人在小区晕倒 还好救护车来了 顺便约个量血压", "routine", None),
        ("我刚吃完饭一个钟头 测的血糖10.1", "routine", None),
        ("我妈刚才还好好的 突然说看东西都是重影 走路老往一边倒", "emergency", "stroke"),
        ("我爸早上刷牙的时候牙刷掉了，捡了好几次都捡不起来，说话也怪怪的", "emergency", "stroke"),
        ("my husband vomited blood twice, dark like coffee grounds", "emergency", "bleeding"),
        ("爸爸哮喘犯了 喷雾喷了三次都不管用 说话一个字一个字往外蹦", "emergency", "breathing"),
        ("my grandson locked himself in the bathroom and keeps saying he's going to hurt himself", "emergency", "suicide"),
        ("thanks, I won't be needing the appointment next week since I'm travelling", "routine", None),
        ("你们以后别管我了 我自己去医院排队", "routine", None),
        ("我去年被车撞了 现在想约康复", "routine", None),
    ],
)
def test_triage_catches_red_flags_and_not_their_look_alikes(text: str, urgency: str, category: str | None) -> None:
    result = triage(text)
    assert (result.urgency, result.category) == (urgency, category)


@pytest.mark.parametrize(
    ("text", "start", "end", "ambiguous"),
    [
        ("明天上午能来家里给我量个血压吗", "2026-11-24T08:00", "2026-11-24T12:00", False),
        ("俺想明儿个去量血压", "2026-11-24T00:00", "2026-11-25T00:00", False),
        ("后天下午吧", "2026-11-25T13:00", "2026-11-25T18:00", False),
        ("下周三下午3点", "2026-12-02T15:00", "2026-12-02T15:30", True),
        ("next Wednesday at 3pm", "2026-12-02T15:00", "2026-12-02T15:30", True),
        ("this weekend", "2026-11-28T00:00", "2026-11-30T00:00", False),
        ("12月1号", "2026-12-01T00:00", "2026-12-02T00:00", False),
        ("on Friday afternoon", "2026-11-27T13:00", "2026-11-27T18:00", False),
        ("今天中午", "2026-11-23T11:00", "2026-11-23T14:00", False),
        # Ranges of hours, a day of the month, the week after next, "first thing".
        ("between 2 and 4 tomorrow", "2026-11-24T14:00", "2026-11-24T16:00", False),
        ("Thursday between 9 and 11", "2026-11-26T09:00", "2026-11-26T11:00", False),
        ("明天8到9点", "2026-11-24T08:00", "2026-11-24T09:00", False),
        ("明天早上八点到九点之间", "2026-11-24T08:00", "2026-11-24T09:00", False),
        ("12号上午给我奶奶约个上门护理", "2026-12-12T08:00", "2026-12-12T12:00", False),
        ("3号楼的老李 明天上午", "2026-11-24T08:00", "2026-11-24T12:00", False),
        ("the 28th", "2026-11-28T00:00", "2026-11-29T00:00", False),
        ("下下周", "2026-12-07T00:00", "2026-12-14T00:00", False),
        ("下下周三下午", "2026-12-09T13:00", "2026-12-09T18:00", False),
        ("first thing Friday", "2026-11-27T08:00", "2026-11-27T12:00", False),
        ("Sat morning", "2026-11-28T08:00", "2026-11-28T12:00", False),
        ("any afternoon this week", "2026-11-23T09:00", "2026-11-30T00:00", False),
        ("晚饭后能不能视频问诊", "2026-11-23T18:00", "2026-11-23T21:00", False),
        ("心梗术后一年了 约个慢病随访 大后天", "2026-11-26T00:00", "2026-11-27T00:00", False),
        # Texting, dialect, a day and an hour told apart, what happened kept out.
        ("can i book a GP slot tmrw arvo", "2026-11-24T13:00", "2026-11-24T18:00", False),
        ("physio for my frozen shoulder, any time Sat", "2026-11-28T00:00", "2026-11-29T00:00", False),
        ("cupping for my husband on coming Friday evening", "2026-11-27T18:00", "2026-11-27T21:00", False),
        ("查一下下周三的针灸约上没有", "2026-12-02T00:00", "2026-12-03T00:00", True),
        ("Blk 120 #08-80, the 3pm bathing slot on Sat for my dad", "2026-11-28T15:00", "2026-11-28T15:30", False),
        ("我爸今天早上摔了 手腕肿了 约个今天的门诊", "2026-11-23T00:00", "2026-11-24T00:00", False),
        ("帮她约三月的慢病随访 下周二上午", "2026-12-01T08:00", "2026-12-01T12:00", True),
        ("帮我爸约个量血压 下周一上午十点", "2026-11-30T10:00", "2026-11-30T10:30", True),
        ("想同我阿爸约个上门量血压 听日下昼", "2026-11-24T13:00", "2026-11-24T18:00", False),
        ("孩子低烧 三十七度五 想约个门诊 明天", "2026-11-24T00:00", "2026-11-25T00:00", False),
        ("产后42天复查 帮我约一下 周四上午", "2026-11-26T08:00", "2026-11-26T12:00", False),
        ("referral next week please, any day except Wednesday", "2026-11-30T00:00", "2026-12-07T00:00", False),
        ("online consultation tonight if possible, around 8", "2026-11-23T20:00", "2026-11-23T20:30", False),
        ("a BP check for Grandma? Anytime Friday afternoon, she naps in the morning", "2026-11-27T13:00", "2026-11-27T18:00", False),
        ("崴脚了 脚脖子肿得老高 一点都不敢着地 下午能看不", "2026-11-23T13:00", "2026-11-23T18:00", False),
        ("Physio for my knee, twice a week if possible, starting next week", "2026-11-30T00:00", "2026-12-07T00:00", False),
        ("I want to cancle my appointmnet tomorow", "2026-11-24T00:00", "2026-11-25T00:00", False),
        ("孩子最近晚上老咳嗽，白天还好，能不能约个明天下午的，我下班早", "2026-11-24T13:00", "2026-11-24T18:00", False),
        ("元旦前一天 31号 想来做个理疗", "2026-12-31T00:00", "2027-01-01T00:00", False),
        ("bp check on the 28th in the afternoon", "2026-11-28T13:00", "2026-11-28T18:00", False),
        ("我想预约一个physio，下周一morning可以吗", "2026-11-30T08:00", "2026-11-30T12:00", True),
        ("刚才差点噎着 咳出来就没事了 顺便问下 礼拜五能约体检不", "2026-11-27T00:00", "2026-11-28T00:00", False),
        ("3pm", "2026-11-23T15:00", "2026-11-23T15:30", False),
        ("那个 嗯 礼拜四 礼拜四 下午", "2026-11-26T13:00", "2026-11-26T18:00", False),
        ("good morning, can dad get a BP check tomorrow", "2026-11-24T00:00", "2026-11-25T00:00", False),
        ("I'd like my fasting bloods done next week", "2026-11-30T00:00", "2026-12-07T00:00", False),
        ("bathing help Tuesday afternoon next week", "2026-12-01T13:00", "2026-12-01T18:00", False),
        # Two days joined are every day from the first to the last; clock words; dates.
        ("下周一到周三 哪天都行", "2026-11-30T00:00", "2026-12-03T00:00", True),
        ("礼拜二三都行 上门护理", "2026-11-24T00:00", "2026-11-26T00:00", False),
        ("明后天都行", "2026-11-24T00:00", "2026-11-26T00:00", False),
        ("Thursday or Friday is fine", "2026-11-26T00:00", "2026-11-28T00:00", False),
        ("a check-up between the 1st and the 3rd of December", "2026-12-01T00:00", "2026-12-04T00:00", False),
        ("tomorrow at a quarter to ten", "2026-11-24T09:45", "2026-11-24T10:15", False),
        ("ten to four on Friday", "2026-11-27T15:50", "2026-11-27T16:20", False),
        ("eye check Wed 10.30?", "2026-11-25T10:30", "2026-11-25T11:00", False),
        ("can someone come on 12/3", "2026-12-03T00:00", "2026-12-04T00:00", False),
        ("the week after next", "2026-12-07T00:00", "2026-12-14T00:00", False),
        ("下午 3 点可以", "2026-11-23T15:00", "2026-11-23T15:30", False),
        ("明儿一早能去中心看不", "2026-11-24T08:00", "2026-11-24T12:00", False),
        # Open ends, choices and ranges of the clock; a part of the day over two days.
        ("今天下午四点半以后", "2026-11-23T16:30", "2026-11-23T18:00", False),
        ("any slots before 9 tomorrow", "2026-11-24T08:00", "2026-11-24T09:00", False),
        ("明天九点或者十点都行", "2026-11-24T09:00", "2026-11-24T10:30", False),
        ("下午三点到四点半", "2026-11-23T15:00", "2026-11-23T16:30", False),
        ("明天八点差一刻", "2026-11-24T07:45", "2026-11-24T08:15", False),
        ("between half 9 and 11 tomorrow", "2026-11-24T09:30", "2026-11-24T11:00", False),
        ("周六或者周日上午都行", "2026-11-28T08:00", "2026-11-29T12:00", False),
        # Parts of a month, holidays, and "before" a day.
        ("下个月初 帮我约个孕检", "2026-12-01T00:00", "2026-12-08T00:00", False),
        ("月底之前给我爸送一次药", "2026-11-23T09:00", "2026-12-01T00:00", False),
        ("圣诞节那天上午想打疫苗", "2026-12-25T08:00", "2026-12-25T12:00", False),
        ("除夕上午能来换个药吗", "2027-02-05T08:00", "2027-02-05T12:00", False),
        ("need to see a doctor before Friday", "2026-11-23T09:00", "2026-11-27T00:00", False),
        ("春节前 约个上门体检 过年前图个放心", "2026-11-23T09:00", "2027-02-06T00:00", False),
        ("Boxing Day morning ok?", "2026-12-26T08:00", "2026-12-26T12:00", False),
        # Twelve at noon, minutes before the hour said first, an hour said "like" or "around".
        ("明天中午十二点 量血压", "2026-11-24T12:00", "2026-11-24T12:30", False),
        ("周三差一刻十点", "2026-11-25T09:45", "2026-11-25T10:15", False),
        ("Friday afternoon around 3:30?", "2026-11-27T15:30", "2026-11-27T16:00", False),
        ("can we do Jan 5th after school, like 4.30?", "2027-01-05T16:30", "2027-01-05T17:00", False),
        ("下下周三上午10点 约个专家号", "2026-12-09T10:00", "2026-12-09T10:30", False),
        # After lunch is the afternoon; a week today; days from now; any morning of a week.
        ("tomorrow after lunch, bathing help for mum", "2026-11-24T13:00", "2026-11-24T18:00", False),
        ("a week today at 10am, cupping please", "2026-11-30T10:00", "2026-11-30T10:30", False),
        ("三天后想去做个艾灸", "2026-11-26T00:00", "2026-11-27T00:00", False),
        ("next week, any morning, flu shots for me", "2026-11-30T00:00", "2026-12-07T00:00", False),
        ("下周哪天下午都行 约个心理咨询", "2026-11-30T13:00", "2026-12-06T18:00", False),
        ("any time before the 20th", "2026-11-23T09:00", "2026-12-20T00:00", False),
        ("refill delivered to home by friday", "2026-11-23T09:00", "2026-11-28T00:00", False),
        ("after the 15th", "2026-12-16T00:00", "2027-01-01T00:00", False),
        ("二十号以后吧", "2026-12-20T00:00", "2027-01-01T00:00", False),
        ("the Tuesday after next at 3pm", "2026-12-08T15:00", "2026-12-08T15:30", False),
        ("今天能扎针吗 中午以后都行", "2026-11-23T13:00", "2026-11-23T18:00", False),
        ("想约个线上心理咨询 明天下班后", "2026-11-24T18:00", "2026-11-24T21:00", False),
        ("腰间盘突出 想约康复理疗 今天7点以后", "2026-11-23T19:00", "2026-11-23T21:00", False),
        ("Tuesday or Wednesday next week", "2026-12-01T00:00", "2026-12-03T00:00", True),
        ("周六上午或周日上午", "2026-11-28T08:00", "2026-11-29T12:00", False),
        ("下周三 or 下周四 都 OK", "2026-12-02T00:00", "2026-12-04T00:00", True),
        ("a week from Monday, morning, for the GP", "2026-12-07T08:00", "2026-12-07T12:00", False),
        ("Can I come in no earlier than 10 tomorrow?", "2026-11-24T10:00", "2026-11-24T18:00", False),
        ("tmrw anytime before 3", "2026-11-24T08:00", "2026-11-24T15:00", False),
        ("half 3 on Friday?", "2026-11-27T15:30", "2026-11-27T16:00", False),
        ("Thursday week for the nurse to dress my leg ulcer", "2026-12-03T00:00", "2026-12-04T00:00", False),
        ("after work tomorrow for a quick BP check, like 6ish", "2026-11-24T18:00", "2026-11-24T18:30", False),
        ("下个月中 想约个专家号", "2026-12-11T00:00", "2026-12-21T00:00", False),
        # A day before or after a holiday; a holiday asked for, not gone home for.
        ("平安夜前一天 下午", "2026-12-23T13:00", "2026-12-23T18:00", False),
        ("a BP check the day after Boxing Day", "2026-12-27T00:00", "2026-12-28T00:00", False),
        ("Can I book a sugar test for New Year's Eve?", "2026-12-31T00:00", "2027-01-01T00:00", False),
        ("between Christmas and New Year for the flu shot", "2026-12-26T00:00", "2027-01-01T00:00", False),
        ("情人节那天 带老婆去孕检", "2027-02-14T00:00", "2027-02-15T00:00", False),
        # A day counted inside a month or after a holiday; the weekend after next.
        ("Is the 3rd of next month okay for my pregnancy scan?", "2026-12-03T00:00", "2026-12-04T00:00", False),
        ("12月第一个礼拜六 给老伴儿约个康复", "2026-12-05T00:00", "2026-12-06T00:00", False),
        ("元旦后第一个工作日 上午 约全科", "2027-01-04T08:00", "2027-01-04T12:00", False),
        ("元旦过后 约个体检", "2027-01-02T00:00", "2027-01-09T00:00", False),
        ("I'm free the weekend after next", "2026-12-12T00:00", "2026-12-14T00:00", False),
        # 下个星期 (it was never read), the current month by its number, the rest of the month.
        ("下个星期 帮我约个体检", "2026-11-30T00:00", "2026-12-07T00:00", False),
        ("下星期三上午", "2026-12-02T08:00", "2026-12-02T12:00", True),
        ("查一下我11月份的预约", "2026-11-23T09:00", "2026-12-01T00:00", False),
        ("what appointments do I have for the rest of the month", "2026-11-23T09:00", "2026-12-01T00:00", False),
    ],
)
def test_time_expressions_follow_the_product_conventions(text: str, start: str, end: str, ambiguous: bool) -> None:
    window = resolve_when(text, NOW)
    assert window is not None
    assert window.start == datetime.fromisoformat(start).replace(tzinfo=TZ)
    assert window.end == datetime.fromisoformat(end).replace(tzinfo=TZ)
    assert window.ambiguous is ambiguous


def test_a_door_number_is_not_a_day() -> None:
    for text in ("住在幸福路8号 想约上门护理", "我家在胡同12号 要上门量血压", "我家门牌是120号 约个上门打针",
                 "我住一百二十六号 想约上门护理", "那个 我家是 三号楼 五号房间 想约助浴"):
        assert resolve_when(text, NOW) is None, text


def test_what_happened_or_how_to_dose_is_not_when_to_come() -> None:
    for text in (
        "胰岛素一天打两次 早上12个单位 晚上8个单位 快用完了 帮我续方",
        "医生 我这降压药早上吃还是晚上吃好",
        "肚子突然疼得厉害 从中午疼到现在 想找医生看看",
        "My husband passed away in September and I'm not coping well. Could I talk to a counsellor?",
        "早上起来右手有点麻 甩一甩就好了 想约个针灸",
        "老伴走了 心里难受 晚上老睡不着 能不能找个人聊聊",
        "想约个慢病随访 今早血压150/95 药吃着呢",
        "Lost my dad to cancer in January. I'm ok, just sad. Would like to talk to someone",
        "lost 5 kg doing 16:8 fasting, want a check-up",
        "早上量体温38度5 有点咳 想视频问问医生",
        "阿莫西林 每晚一片 快吃完了 帮我续方",
        "给我妈约个上门测血糖 她今天空腹测的九点二",
        "insulin 10 units morning 6 units night, need a refill",
        "Grandpa died on Saturday, please cancel his visits",
        "woman doctor 好一点",
        "just off a night shift, can I see a GP",
        "the evenings are the hardest since he passed, is there a grief counsellor",
        "血压今早又是150/95，想让家庭医生打个电话给我调下药",
        "过年吃多了 今早空腹血糖八点五 比年前高了不少",
        "我爷爷年轻时候割过腕，早好了几十年了，想给他约个体检",
        "insulin 12 units before breakfast and 8 at night, need more pens",
        "降压药 一天两次 早上8点晚上8点 这样吃对吗",
        "sugar 7.2 fasting this morning - please refill my metformin",
        "宝宝体温36.8 不发烧 就是想约个6月龄的常规体检",
        "春节回老家了 帮我把预约都取消",
        "每个月15号我都要去医院拿药 这次能不能在社区开",
        "I take 2 puffs of my inhaler morning and night, need a refill",
        "降压药是早上7点吃好还是晚上吃好",
        "想转诊到市一医院心内科 挂3号专家",
        "我爸上个月中风了 现在出院在家 想请康复师来",
        "she's been coughing since 5am, can a doctor call me",
        "我老伴瘫在床上 想约助浴 一个礼拜一次",
        "我妈的降压药明天就吃完了 能送药上门吗",
        "can a nurse do his dressing at home? he's on the 6th floor",
        "每周二四都行 约康复",
        "I take 1/2 tablet of amlodipine, can I get a refill",
        "I need a flu shot before I fly home for Christmas",
        "pls cancel all my bookings, I'm going back to my hometown for Spring Festival",
        "孩子初三了压力大 想约心理咨询",
    ):
        assert resolve_when(text, NOW) is None, text


def test_junk_never_raises() -> None:
    for text in ("", "🙂" * 50, "\x00\x01\x02", "嗯" * 5000, "こんにちは"):
        resolve_when(text, NOW)
        triage(text)


def test_no_evaluation_line_ever_enters_training() -> None:
    """The blind sets and the team's set never train; the development sets do (they
    were used for error analysis, and their scores are not reported)."""
    training = {e.text.strip().lower() for e in read_examples(training_files(RASA_DIR))}
    for name in SETS:
        items = load_set(name)
        assert len(items) >= 300, name
        leaked = [i["text"] for i in items if i["text"].strip().lower() in training]
        if name in DEVELOPMENT_SETS:
            # (less the short lines a blind set also has, which stay out)
            assert len(leaked) >= 0.85 * len(items), name
        else:
            assert leaked == [], name


def test_the_development_sets_file_is_generated_from_them() -> None:
    assert DEVELOPMENT_FILE.read_text(encoding="utf-8") == development_yaml(), "run `jiayi nlu export-development`"


@pytest.mark.parametrize(
    ("text", "urgency", "category"),
    [
        # Traditional characters, as relatives abroad and speech recognisers write.
        ("老人沒有呼吸了", "emergency", "breathing"),
        ("快叫救護車", "emergency", "other"),
        ("他中風了", "emergency", "stroke"),
        # Speech-recognition slips read through toneless pinyin.
        ("我老伴兄口疼 一身冷汗", "emergency", "chest_pain"),
        ("我妈吐学了 好多 止不住", "emergency", "bleeding"),
        # Third person, symptoms only, stories, inside a request.
        ("刚才吃着饭 筷子掉了 嘴角往一边耷拉", "emergency", "stroke"),
        ("想约个量血压，但是现在胸口很痛，出冷汗", "emergency", "chest_pain"),
        ("I can't breathe", "emergency", "breathing"),
        ("thinking about jumping off the bridge", "emergency", "suicide"),
        ("我刚割了手腕", "emergency", "suicide"),
        ("站在楼顶上不想下去了", "emergency", "suicide"),
        ("my 3 month old baby is turning blue", "emergency", "infant"),
        # Context takes it back: past, negation, a course, a joke, routine care.
        ("去年中风过，现在想约康复", "routine", None),
        ("没有胸痛，就是想量个血压", "routine", None),
        ("上周急救课讲了心梗的症状", "routine", None),
        ("笑死我了 我孙子说我量血压的样子像个老干部", "routine", None),
        ("助浴 我爸中风后遗症 右边身子不能动", "routine", None),
        ("this queue is killing me", "routine", None),
        # Cantonese, farewells, a child struggling to breathe.
        ("我真系唔想活啦", "emergency", "suicide"),
        ("mum messaged 'sorry for everything' and her phone is off now", "emergency", "suicide"),
        ("thank you for everything doctor, I won't need the visits any more", "emergency", "suicide"),
        ("BB仔喘得好犀利，鼻翼一直扇", "emergency", "infant"),
        ("心口痛 右手也麻", "emergency", "chest_pain"),
        ("打咗疫苗之后嘴唇肿咗 呼吸好困难", "emergency", "anaphylaxis"),
        # Questions, detectors and the resident's own "no need for 120".
        ("脑梗有什么先兆，想了解一下", "routine", None),
        ("what are the warning signs of a stroke?", "routine", None),
        ("燃气报警器响了一下又好了，物业说是电池没电", "routine", None),
        ("不是急事，不用打120，想问一下药怎么吃", "routine", None),
        ("thanks for everything, I'm done with my questions", "routine", None),
        # Words inside other words, ankles, past events, a course at the senior university.
        ("Mum 147/85 pulse 71 this morning, she asked me to send it in", "routine", None),
        ("医生 我吃了降压药以后脚脖子肿 正常吗", "routine", None),
        ("那次煤气中毒之后 我爸记性一直不好 想转个神经内科专家看看", "routine", None),
        ("mum overdosed on her pills by accident last year so now we'd like her refills delivered", "routine", None),
        ("老年大学讲了心梗急救 胸痛出冷汗要打120 我都记下了 顺便帮我约个体检", "routine", None),
        # Red flags told in ways the rules did not know.
        ("我妈血糖低 测了2.3 一身汗 现在推她也不醒", "emergency", "collapse"),
        ("我弟弟有癫痫 今天已经连着发作三次了 中间一直没醒过来", "emergency", "seizure"),
        ("my son 25 epileptic, seizure going on 6 minutes now", "emergency", "seizure"),
        ("my grandson is 10 months, had a fever all day and now he's gone stiff and is twitching", "emergency", "infant"),
        ("book a GP visit for tmrw. also been having this crushing pain in my chest for like 20 min and my left arm is kinda numb, prob nothing lol", "emergency", "chest_pain"),
        ("BP 220/130, worst headache of my life, throwing up and my vision has gone blurry", "emergency", "stroke"),
        ("吃了山上采的蘑菇 我和老公都上吐下泻 手脚发麻 眼睛看东西都花了", "emergency", "poisoning"),
        ("心理咨询还能约吗 算了 不用了 反正过了今晚也用不着了", "emergency", "suicide"),
        ("帮我取消明天的体检吧，以后也用不着了。我已经想好了，这辈子就到这儿了", "emergency", "suicide"),
        ("想一觉睡过去就再也不要醒了 天天疼 真的熬不下去了", "emergency", "suicide"),
        # Years of illness are a background, not a taking-back.
        ("病了这么多年 太痛苦了 真不如死了算了", "emergency", "suicide"),
        ("我爸卧床好几年了，今天痰卡着，嘴唇发紫", "emergency", "breathing"),
        ("昨晚开始胸口闷 今早更厉害 出冷汗", "emergency", "chest_pain"),
        ("刚才差点从阳台跳下去", "emergency", "suicide"),
        ("he doesn't want to live anymore", "emergency", "suicide"),
        # Told as someone writes it, not as the lexicon first said it.
        ("外孙发烧四十度 现在在抽", "emergency", "infant"),
        ("I wish to tell the doctor I no longer intend to go on living", "emergency", "suicide"),
        ("tell Dr Chen I won't need the appointment, I've given my dog to my sister", "emergency", "suicide"),
        ("心里太苦了，想跟这个世界道个别，绳子已经备好了", "emergency", "suicide"),
        ("my aunt's speech suddenly came out as nonsense and she has weakness of the left arm", "emergency", "stroke"),
        ("grandpa bumped his head on the door this morning, now he's drowsy and vomiting", "emergency", "other"),
        ("老头子一直揉胸口，脸白得吓人，汗都湿透了", "emergency", "chest_pain"),
        ("鼻子出血一个多钟头了 堵都堵不住", "emergency", "bleeding"),
        # Look-alikes: a slot is not "lots" of blood, a question about what to do is not
        # an alarm, a word cut in two is no speech slip (腿脚不行 is not 叫不醒).
        ("any slots tomorrow for a blood test?", "routine", None),
        ("问一下：万一我爸半夜胸口疼，是先打120还是先找你们？", "routine", None),
        ("帮我妈约个慢病随访，让医生上门，她腿脚不行", "routine", None),
        ("切菜时手指划了个小口子 想换个药", "routine", None),
        # Same-day signs, also when they began yesterday.
        ("my mum fell yesterday and still can't bear weight on her left leg", "urgent", "fall_injury"),
        ("老爷子胃疼得满床打滚", "urgent", "abdominal_pain"),
        ("孩子上吐下泻一整天了 尿也少了", "urgent", "vomiting"),
        ("the ulcer on his heel smells bad and there's green stuff on the dressing", "urgent", "wound"),
        ("心理咨询能约吗 我刚才在胳膊上割了几道口子", "emergency", "suicide"),
        ("had a bad reaction to penicillin as a kid (face swelled up), booking a flu jab", "routine", None),
        ("想请社区医生来我们单位讲讲心梗急救", "routine", None),
        ("I don't want to live like this anymore", "emergency", "suicide"),
        ("my friend said goodbye forever yesterday and now she won't open the door", "emergency", "suicide"),
        ("外公从楼梯上滚下来 头破了 人迷迷糊糊的", "emergency", "other"),
        # A device, an instruction, a class, a denial, a wish about where to live.
        ("小程序点了没反应 怎么办", "routine", None),
        ("急救课老师说胸痛出冷汗要马上打120，我记住了", "routine", None),
        ("is the stroke prevention class on this Saturday?", "routine", None),
        ("he choked on a fish bone last year and since then he eats slowly, can we see the GP", "routine", None),
        ("feeling low since the baby came, not thinking of hurting myself, can I see a counsellor", "routine", None),
        ("mum doesn't want to live in a care home, can a nurse visit her at home", "routine", None),
        ("帮我爸约个助浴，他中风后一直偏瘫，下周二上门", "routine", None),
        # Seizures that go on, a child called 囡囡, the ways a farewell is written.
        ("我弟弟癫痫又发作了 抽了五分钟还没停", "emergency", "seizure"),
        ("My flatmate just had a convulsion, it stopped, and now he's started again without waking up", "emergency", "seizure"),
        ("囡囡抽筋了 烧得滚烫", "emergency", "infant"),
        ("活着太累了，想睡过去就别再醒了", "emergency", "suicide"),
        ("反正我走了也没人在意 今天就是最后一天", "emergency", "suicide"),
        ("Don't think I'll need the follow-up next week. Won't be around. Thanks for everything, doc.", "emergency", "suicide"),
        ("I won't be needing the appointments. I've sorted out my affairs and left the key with the neighbour.", "emergency", "suicide"),
        ("Cut my leg on broken glass, it's spurting and won't stop even with pressure", "emergency", "bleeding"),
        ("My mother can't lift her left arm and her mouth is crooked since she woke up", "emergency", "stroke"),
        # Look-alikes: a lasting trace of an old stroke, a queue, a bottle's size, a
        # question about what the bot can do, a counsellor for the bereaved, 2 hours.
        ("After my stroke two years ago my speech is still a bit slurred - booking physio for Thursday", "routine", None),
        ("排队排得我都要晕倒了 能不能网上开药啊", "routine", None),
        ("I need a referral to cardiology, I had a heart attack in 2022 and haven't seen a specialist since", "routine", None),
        ("降压药一天一片 早上吃 100片一瓶的那种 给我续两瓶", "routine", None),
        ("万一我爸半夜胸口痛，这个机器人能帮我叫救护车吗？", "routine", None),
        ("Just in case: if I can't breathe at night with my asthma, do I message you or call 120?", "routine", None),
        ("Looking for a counsellor who works with suicide-loss survivors", "routine", None),
        ("glucose 2h after breakfast: 162 mg/dL", "routine", None),
        # Not certain: ask.
        ("胸口有点疼", "possible_emergency", "chest_pain"),
        ("What's the most of my sleeping tablets a person could take? asking for me", "possible_emergency", "suicide"),
        # 救命 alone is how some complain about a queue: ask; with a sign beside it, 120.
        ("救命 排队排到怀疑人生 下周还能约上体检吗", "possible_emergency", "other"),
        ("吃饭哽到了 喘不过气 救命", "emergency", "breathing"),
        ("救命 我老伴没气了", "emergency", "breathing"),
    ],
)
def test_triage_reads_context(text: str, urgency: str, category: str | None) -> None:
    result = triage(text)
    assert (result.urgency, result.category) == (urgency, category)


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("血压145/95", {"kind": "bp", "systolic": 145, "diastolic": 95, "pulse": None}),
        ("高压150低压90 心跳72", {"kind": "bp", "systolic": 150, "diastolic": 90, "pulse": 72}),
        ("BP 150 over 95 pulse 80", {"kind": "bp", "systolic": 150, "diastolic": 95, "pulse": 80}),
        ("血压一百四十五，九十五", {"kind": "bp", "systolic": 145, "diastolic": 95, "pulse": None}),
        ("空腹血糖7.8", {"kind": "glucose", "value": 7.8, "unit": "mmol/L", "context": "fasting"}),
        ("饭后两小时 十点八", {"kind": "glucose", "value": 10.8, "unit": "mmol/L", "context": "after_meal"}),
        ("sugar 140 mg/dl before breakfast", {"kind": "glucose", "value": 7.8, "unit": "mmol/L", "context": "fasting"}),
        ("血压计上面 147 中间 93 下面 81", {"kind": "bp", "systolic": 147, "diastolic": 93, "pulse": 81}),
        ("他血压一百五十二九十四", {"kind": "bp", "systolic": 152, "diastolic": 94, "pulse": None}),
        ("bp 150/92 pluse 70", {"kind": "bp", "systolic": 150, "diastolic": 92, "pulse": 70}),
        ("post-dinner sugar 180", {"kind": "glucose", "value": 10.0, "unit": "mmol/L", "context": "after_meal"}),
        ("fasting glucose around 7 to 8 lately, 7.4 today", {"kind": "glucose", "value": 7.4, "unit": "mmol/L", "context": "fasting"}),
        ("测了血压是一四零九零", {"kind": "bp", "systolic": 140, "diastolic": 90, "pulse": None}),
        ("high number 165 low number 102", {"kind": "bp", "systolic": 165, "diastolic": 102, "pulse": None}),
        ("reading: 142/91, 79", {"kind": "bp", "systolic": 142, "diastolic": 91, "pulse": 79}),
        ("嗯 量了 143 87", {"kind": "bp", "systolic": 143, "diastolic": 87, "pulse": None}),
        ("checked my wife's blood pressure: one-forty over ninety", {"kind": "bp", "systolic": 140, "diastolic": 90, "pulse": None}),
        # Two readings: the first one said.
        ("报告一下 今天空腹血糖6.7 血压132/84", {"kind": "glucose", "value": 6.7, "unit": "mmol/L", "context": "fasting"}),
        ("血糖测出来是16.8 不是空腹 刚吃完饭一个钟头", {"kind": "glucose", "value": 16.8, "unit": "mmol/L", "context": "after_meal"}),
        ("lost 5 kg doing 16:8 fasting, want a check-up", None),
        # Numbers that are not readings.
        ("blood sugar usually 6 to 7", None),
        ("我住12栋3单元1502 要上门量血压", None),
        ("我今年78岁 体重60公斤", None),
        ("glucose test next thursday 9am", None),
        ("Book Dad a glucose check on the 16th please", None),
        ("mum's seizure meds (levetiracetam 500mg) are running low, refill pls", None),
        ("二甲双胍500mg 一天两次 帮我续方", None),
        ("高压一百五十二 低压九十 新率七十六", {"kind": "bp", "systolic": 152, "diastolic": 90, "pulse": 76}),
        ("血糖 126 mg/dL", {"kind": "glucose", "value": 7.0, "unit": "mmol/L", "context": "random"}),
        # Only the monitor's numbers, typed or read out.
        ("123 79 63", {"kind": "bp", "systolic": 123, "diastolic": 79, "pulse": 63}),
        ("一百四十八 九十二", {"kind": "bp", "systolic": 148, "diastolic": 92, "pulse": None}),
        ("302 305", None),
        ("血糖仪试纸 50条装 哪里买", None),
        # Said aloud: decimals in words, spaced numerals, the label after the number.
        ("sugar seven point two", {"kind": "glucose", "value": 7.2, "unit": "mmol/L", "context": "random"}),
        ("blood sugar eleven point five after dinner", {"kind": "glucose", "value": 11.5, "unit": "mmol/L", "context": "after_meal"}),
        ("空腹 血糖 是 五 点 六", {"kind": "glucose", "value": 5.6, "unit": "mmol/L", "context": "fasting"}),
        ("血糖6点8", {"kind": "glucose", "value": 6.8, "unit": "mmol/L", "context": "random"}),
        ("一百五十二的高压 九十的低压", {"kind": "bp", "systolic": 152, "diastolic": 90, "pulse": None}),
        ("the top number was one fifty and the bottom was ninety five", {"kind": "bp", "systolic": 150, "diastolic": 95, "pulse": None}),
        ("BP is 160 by 100", {"kind": "bp", "systolic": 160, "diastolic": 100, "pulse": None}),
        ("血糖 明天6点半去测", None),
        ("pre-breakfast sugar 6.1", {"kind": "glucose", "value": 6.1, "unit": "mmol/L", "context": "fasting"}),
        # The pulse said after the pair; the monitor's words; a meal said before the value.
        ("dad's reading 139 86 71 on the machine", {"kind": "bp", "systolic": 139, "diastolic": 86, "pulse": 71}),
        ("the monitor says 150 and 95 and 80", {"kind": "bp", "systolic": 150, "diastolic": 95, "pulse": 80}),
        ("135 85 70 刚测的 有点高", {"kind": "bp", "systolic": 135, "diastolic": 85, "pulse": 70}),
        ("吃了包子两个小时 血糖9.9", {"kind": "glucose", "value": 9.9, "unit": "mmol/L", "context": "after_meal"}),
        ("吃完午饭两个钟头 测了 九点一", {"kind": "glucose", "value": 9.1, "unit": "mmol/L", "context": "after_meal"}),
        ("bp one-fifty over a hundred", {"kind": "bp", "systolic": 150, "diastolic": 100, "pulse": None}),
        ("one hundred and eighty mg after dinner", {"kind": "glucose", "value": 10.0, "unit": "mmol/L", "context": "after_meal"}),
        # Not readings: a test's name, a date, an address, a time, a dose.
        ("HbA1c and fasting glucose next month please", None),
        ("glucose check on Feb 14 please", None),
        ("we live at 120/80 Garden Road, can the nurse take mum's blood pressure", None),
        ("blood sugar test Friday at 9, fasting", None),
        ("he takes 850 mg after meals, refill please", None),
        ("the doctor said a sugar test every 3 months, can I book one", None),
        # A random reading said so, a value before its meal, a pair joined by "and".
        ("随机 9.2 晚饭前", {"kind": "glucose", "value": 9.2, "unit": "mmol/L", "context": "random"}),
        ("3.5 早上空腹 有点低吧", {"kind": "glucose", "value": 3.5, "unit": "mmol/L", "context": "fasting"}),
        ("my father's blood pressure is 165 and 98 this morning", {"kind": "bp", "systolic": 165, "diastolic": 98, "pulse": None}),
        # A pulse per minute, 糖 and 空肚子, a meter's words; an age, a time, hours after a meal.
        ("血压150/100 心率一分钟76次", {"kind": "bp", "systolic": 150, "diastolic": 100, "pulse": 76}),
        ("俺的糖 早上空肚子 7.5", {"kind": "glucose", "value": 7.5, "unit": "mmol/L", "context": "fasting"}),
        ("his meter says 1.9 and he's not making sense", {"kind": "glucose", "value": 1.9, "unit": "mmol/L", "context": "random"}),
        ("post-meal sugar (2 hrs) 7.6", {"kind": "glucose", "value": 7.6, "unit": "mmol/L", "context": "after_meal"}),
        ("我想约个老年人体检 要空腹是吧 我七十三了", None),
        ("Could I get a blood glucose test tomorrow between 8 and 9 in the morning? I'll come in fasting.", None),
    ],
)
def test_readings_are_read_and_other_numbers_are_not(text: str, reading: dict | None) -> None:  # type: ignore[type-arg]
    found = parse_reading(text)
    assert (found.to_contract() if found else None) == reading


@pytest.mark.parametrize(
    ("text", "intent", "who"),
    [
        ("帮我妈约个体检", "book_service", "parent"),
        ("老伴血压高 能上门量吗", "book_service", "spouse"),
        ("my son needs his vaccine", "book_service", "child"),
        ("邻居大爷想约助浴", "book_service", "other"),
        ("我想约个全科", "book_service", "self"),
        ("你好", "greet", None),
        # Mixed text, in-laws (parents too, as most writers label them), a helper's words, a baby's age, and the dead: a late
        # husband is not whom counselling is for, though his visits to cancel are his.
        ("Dr王可以call我一下吗 about my dad的药", "contact_doctor", "parent"),
        ("my father-in-law needs a bathing aide", "book_service", "parent"),
        ("my sister-in-law needs a flu jab", "book_service", "other"),
        ("Ma'am, Nenek needs her sugar test tomorrow", "book_service", "other"),
        ("jabs for my 6-month-old on Tuesday", "book_service", "child"),
        ("since my husband died I can't sleep, can I talk to a counsellor", "book_service", "self"),
        ("老伴走了半年了 心里空落落的 想找人说说话", "book_service", "self"),
        ("我老伴上个月走了 他的随访都取消吧", "cancel_booking", "spouse"),
        ("my husband passed out and won't wake up", "emergency", "spouse"),
        # Someone unnamed in an emergency, a helper, an old lady; a carer speaking for a baby.
        ("he's choking on a piece of steak, can't cough or talk", "emergency", "other"),
        ("Our helper cut her hand badly, blood everywhere", "emergency", "other"),
        ("老太太坐着坐着就歪过去了 怎么拍都没反应", "emergency", "other"),
        ("我家老太太八十八了 想给她约个免费体检", "book_service", "parent"),
        ("ayi 说宝宝该打 vaccine 了 约个周六", "book_service", "child"),
    ],
)
def test_whom_a_request_is_for(text: str, intent: str, who: str | None) -> None:
    assert beneficiary(text, intent) == who


def test_long_odd_input_is_parsed_quickly(embedded: EmbeddedInterpreter) -> None:
    """Recognizers-Text is super-linear on long input (150 numerals once took minutes):
    it only sees bounded windows. The bound here is loose on purpose (a busy machine
    must not fail it); `jiayi nlu bench` measures the real latency."""
    numerals = "，".join(["一百二十三万四千五百六十七"] * 150) + " 明天上午量血压"
    started = time.perf_counter()
    parse = embedded.parse_sync(numerals[:2000], NOW)
    assert time.perf_counter() - started < 10.0
    assert parse.intent is not None


def test_the_rasa_vocabulary_file_is_generated_from_the_catalog() -> None:
    assert VOCABULARY_FILE.read_text(encoding="utf-8") == vocabulary_yaml(), "run `jiayi nlu export-vocabulary`"


@pytest.mark.parametrize("text", ["143/91", "123 79 63", "138，88，72"])
def test_a_monitors_numbers_sent_alone_are_a_reading(embedded: EmbeddedInterpreter, text: str) -> None:
    parse = embedded.parse_sync(text, NOW)
    assert parse.intent == "report_reading"
    assert parse.reading is not None and parse.reading.kind == "bp"


def test_embedded_interpreter_meets_the_thresholds_on_the_heldout_set(embedded: EmbeddedInterpreter) -> None:
    items = load_heldout()
    result = score(items, asyncio.run(parse_all(embedded, items)))
    assert result["emergency_recall"] == 1.0
    assert result["emergency_false_alarms"] == 0
    assert result["intent_accuracy"] >= 0.95, result["misses"]
    assert result["service_accuracy"] >= 0.9 and result["time_accuracy"] >= 0.9


def test_bad_input_gets_a_defined_intent(embedded: EmbeddedInterpreter) -> None:
    for text in ("", "😀😀", "#$%^&", "Привет", "\x00\xff", "嗯" * 5000):
        parse = embedded.parse_sync(text, NOW)
        assert parse.intent in ("out_of_scope", "ask_help"), (text[:10], parse.intent)


async def test_rasa_down_falls_back_to_the_embedded_interpreter(embedded: EmbeddedInterpreter) -> None:
    interpreter = FallbackInterpreter(RasaInterpreter("http://127.0.0.1:9", timeout=0.5), embedded)
    parse = await interpreter.parse("明天上午量血压", now=NOW)
    await interpreter.primary.close()
    assert parse.backend == "embedded" and parse.service == "bp_check"
    assert interpreter.fallback_count == 1


def test_the_parse_command_keeps_its_contract(embedded: EmbeddedInterpreter) -> None:
    lines = "\n".join(
        [
            json.dumps({"text": "明天上午能来家里给我量个血压吗"}, ensure_ascii=False),
            json.dumps({"text": "next Wednesday at 3pm with a female doctor", "now": "2026-11-24T10:00:00+08:00"}),
            "not json",
        ]
    )
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "nlu", "parse", "--now", "2026-11-23T09:00:00+08:00"],
        input=lines, capture_output=True, text=True, timeout=180, check=False,
        env={"NLU_CACHE_DIR": str(SHARED_NLU_CACHE), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    first, second, third = (json.loads(line) for line in run.stdout.splitlines())
    assert list(first) == [
        "text", "intent", "confidence", "service", "modality", "provider_gender", "when", "urgency", "reading", "beneficiary",
    ]  # fmt: skip
    assert (first["intent"], first["service"], first["modality"]) == ("book_service", "bp_check", "home_visit")
    assert first["when"] == {"start": "2026-11-24T08:00:00+08:00", "end": "2026-11-24T12:00:00+08:00"}
    assert second["provider_gender"] == "female" and second["when"]["start"] == "2026-12-02T15:00:00+08:00"
    assert "error" in third


async def _fake_rasa(answer: dict | None, status: int = 200):  # type: ignore[no-untyped-def, type-arg]
    from aiohttp import web

    async def parse(request: web.Request) -> web.Response:
        if answer is None:
            return web.Response(status=status, text="not json")
        return web.json_response(answer, status=status)

    app = web.Application()
    app.router.add_post("/model/parse", parse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def test_rasa_s_emergency_intent_is_a_signal_and_never_breaks_the_parse() -> None:
    """Rasa says "emergency" where no rule fires: the shared decisions take its
    confidence as a detector's signal (no KeyError, no generic apology)."""
    answer = {
        "intent": {"name": "emergency", "confidence": 0.97},
        "intent_ranking": [{"name": "emergency", "confidence": 0.97}, {"name": "book_service", "confidence": 0.02}],
        "entities": [],
    }
    runner, url = await _fake_rasa(answer)
    rasa = RasaInterpreter(url, timeout=2)
    try:
        parse = await rasa.parse("他一下子就不对劲了 你们快点", now=NOW)
    finally:
        await rasa.close()
        await runner.cleanup()
    # Alone, Rasa's confidence asks first (120 guidance, one question); it never books.
    assert parse.backend == "rasa" and parse.urgency == "possible_emergency" and parse.intent == "emergency"
    assert parse.to_contract()["when"] is None


async def test_a_rasa_answering_nonsense_falls_back(embedded: EmbeddedInterpreter) -> None:
    runner, url = await _fake_rasa(None, status=200)
    interpreter = FallbackInterpreter(RasaInterpreter(url, timeout=2), embedded)
    try:
        parse = await interpreter.parse("我想约明天上午量血压", now=NOW)
    finally:
        await interpreter.primary.close()
        await runner.cleanup()
    assert parse.backend == "embedded" and parse.service == "bp_check" and interpreter.fallback_count == 1


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # The time after "to"/"改到" in its own clause; what follows is the reason or the old time.
        ("reschedule my flu jab to next wednesday please, can't make tomorrow", "2026-12-02T00:00", "2026-12-03T00:00"),
        ("I booked the GP for 10am tomorrow but can we do 2pm instead", "2026-11-24T14:00", "2026-11-24T14:30"),
        ("心理咨询 改到周四晚上七点 原来是周三的", "2026-11-26T19:00", "2026-11-26T19:30"),
        ("把週二的推拿改到週五下午", "2026-11-27T13:00", "2026-11-27T18:00"),
        ("move dad's BP visit from wed to thurs, same time 10am", "2026-11-26T10:00", "2026-11-26T10:30"),
        ("送药 本来说今天 改明天吧 今天家里没人", "2026-11-24T00:00", "2026-11-25T00:00"),
        ("could we change mum's bathing from Friday morning to Monday morning next week", "2026-11-30T08:00", "2026-11-30T12:00"),
        # A day said not to suit is not the new one.
        ("上门洗澡能不能改到周三下午她说周一不方便", "2026-11-25T13:00", "2026-11-25T18:00"),
        ("俺明儿去不了 换成后儿个中不中", "2026-11-25T00:00", "2026-11-26T00:00"),
        # The old hours kept, or the booking a week on.
        ("move my Thursday 9am physio to Friday, same time", "2026-11-27T09:00", "2026-11-27T09:30"),
        ("我那个30号的专家号 能不能往后推一个礼拜", "2026-12-07T00:00", "2026-12-08T00:00"),
        ("孩子打疫苗 原定今天下午 往后推一周吧 还是下午", "2026-11-30T13:00", "2026-11-30T18:00"),
        # An arrow, 调到, and the new day in a clause of its own.
        ("reschedule glucose test: tomorrow 8am -> Friday 8am", "2026-11-27T08:00", "2026-11-27T08:30"),
        ("老伴儿的助浴 从周五调到周日上午吧 周五闺女回来", "2026-11-29T08:00", "2026-11-29T12:00"),
        ("24号的血压预约改到25号吧 24号家里来客", "2026-11-25T00:00", "2026-11-26T00:00"),
        ("can I switch my GP appointment to quarter to ten tomorrow?", "2026-11-24T09:45", "2026-11-24T10:15"),
        ("can we do the prenatal check on Dec 3 at 9 instead of the 1st", "2026-12-03T09:00", "2026-12-03T09:30"),
        ("我之前约的是周四 能不能往后推两天", "2026-11-28T00:00", "2026-11-29T00:00"),
        ("I'd like to move my Friday acupuncture to the Friday after", "2026-12-04T00:00", "2026-12-05T00:00"),
        ("my GP appt is 9.45 today, I'm running late, can we push to 10.30?", "2026-11-23T10:30", "2026-11-23T11:00"),
    ],
)
def test_the_new_time_of_a_reschedule(text: str, start: str, end: str) -> None:
    when = when_asked(text, "reschedule_booking", NOW)
    assert when is not None
    assert (when.start, when.end) == (datetime.fromisoformat(start).replace(tzinfo=TZ), datetime.fromisoformat(end).replace(tzinfo=TZ))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # The new time keeps the old booking's day when it names none.
        ("明天上午的量血压改到下午行不", "2026-11-24T13:00", "2026-11-24T18:00"),
        ("Could the nurse come at 3 instead of 10 tomorrow?", "2026-11-24T15:00", "2026-11-24T15:30"),
        ("Can I move Grandpa's acupuncture from Monday to Wednesday at 9:30?", "2026-11-25T09:30", "2026-11-25T10:00"),
    ],
)
def test_a_reschedule_reads_the_new_time(embedded: EmbeddedInterpreter, text: str, start: str, end: str) -> None:
    parse = embedded.parse_sync(text, NOW)
    assert parse.intent == "reschedule_booking"
    assert parse.when is not None
    assert (parse.when.start, parse.when.end) == (
        datetime.fromisoformat(start).replace(tzinfo=TZ), datetime.fromisoformat(end).replace(tzinfo=TZ)
    )


@pytest.mark.parametrize(
    ("text", "said", "intent"),
    [
        # Only asking to book is a request to book, whatever the classifier took it for.
        ("我想预约", "list_bookings", "book_service"),
        ("I need an appointment", "list_bookings", "book_service"),
        ("约", "affirm", "book_service"),
        # Cancelling words, typos and a recogniser's 去消 included, are a cancellation.
        ("cancle my glucose apointment tmrw", "book_service", "cancel_booking"),
        ("去消 明天的 体检", "book_service", "cancel_booking"),
        ("下周二的疫苗不打了 孩子发烧了", "book_service", "cancel_booking"),
        # What the classifier said stands otherwise.
        ("我的预约有哪些", "list_bookings", "list_bookings"),
        ("上次取消了 想重新约个体检", "book_service", "book_service"),
        ("取消明天的 改到后天上午", "reschedule_booking", "reschedule_booking"),
        ("明天上午十点半 测个血糖", "report_reading", "book_service"),
        ("after 4 today ok?", "report_reading", "inform"),
        # A service and a time, with nothing to change: a request to book.
        ("今天中午十二点 全科", "inform", "book_service"),
        ("今天下午四点 续方 能行不", "reschedule_booking", "book_service"),
        ("周四下午 推拿 改到周五", "reschedule_booking", "reschedule_booking"),
    ],
)
def test_a_few_words_settle_the_intent(text: str, said: str, intent: str) -> None:
    from nlu.decide import Signals, decide
    from nlu.vocabulary import load_vocabulary

    assert decide(text, NOW, Signals(intent=said, confidence=0.6), load_vocabulary()).intent == intent


@pytest.mark.parametrize(
    ("text", "service"),
    [
        # A refill or a follow-up names its condition too; the refill or follow-up is asked for.
        ("我血压药 一天一片 氨氯地平 快吃完了", "medication_refill"),
        ("老头子高血压十几年了 每个月能不能把药给送过来", "medication_refill"),
        ("my blood pressure tablets are running low", "medication_refill"),
        ("高血压的随访该做了 能不能约下周四", "chronic_followup"),
        ("想约个量血压", "bp_check"),
        # Feeling unwell beside a named service: the service; a new mother: maternal care.
        ("颈椎不舒服 想约个推拿", "tcm_therapy"),
        ("孩子有点感冒 明天的疫苗先不打了", "vaccination"),
        ("我女儿刚生完孩子 想请护士上门看看", "maternal_care"),
        ("生完孩子以后老想哭 想约心理咨询", "mental_health"),
        ("帮我妈续开降压药", "medication_refill"),
    ],
)
def test_the_service_asked_for_wins_over_the_condition_named(text: str, service: str) -> None:
    from nlu.vocabulary import load_vocabulary

    assert load_vocabulary().service(text) == service


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("血压今早又是150/95，想让家庭医生打个电话给我调下药", None),
        ("有个问题想问医生 我妈吃着华法林还能吃感冒药吗", None),
        ("可以 call 我的 family doctor 吗？想问问 vaccine 的事", "vaccination"),
    ],
)
def test_a_question_for_the_doctor_names_a_service_only_when_it_says_one(text: str, service: str | None) -> None:
    from nlu.decide import Signals, decide
    from nlu.vocabulary import load_vocabulary

    signals = Signals(intent="contact_doctor", confidence=0.9, service_guess="general_consult", service_confidence=0.9)
    assert decide(text, NOW, signals, load_vocabulary()).service == service


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        # A reading the centre's thresholds (data/care.yaml) call very high or low is
        # urgent, as the readings flow treats it; an ordinary one is routine.
        ("高压190低压115 头不疼", "urgent"),
        ("sugar 23.5, really thirsty", "urgent"),
        ("血糖二点九 吃了块糖好点了", "urgent"),
        ("血压135/85", "routine"),
        ("空腹血糖6.1", "routine"),
    ],
)
def test_a_very_high_or_low_reading_is_urgent(text: str, urgency: str) -> None:
    from nlu.decide import Signals, decide
    from nlu.vocabulary import load_vocabulary

    parse = decide(text, NOW, Signals(intent="report_reading", confidence=0.9), load_vocabulary())
    assert parse.reading is not None
    assert parse.urgency == urgency
