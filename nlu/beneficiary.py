"""Whom a request is for (PRODUCT.md's `beneficiary`): the resident themself, a parent,
a spouse, a child, or someone else (a grandparent, a neighbour, an employer). The first
person named as the one who needs the service decides; a request naming nobody is for
the resident."""

from __future__ import annotations

import re

from nlu.normalise import normalise

# Order matters where words overlap: 外公 before 公公, 老婆婆 before 婆婆.
_PEOPLE: tuple[tuple[str, str], ...] = (
    ("other", r"老太太|老爷爷|老奶奶|老大爷|大伯|阿伯|(?<![家我])楼上|(?<![家我])楼下|隔壁|保姆|(?<![女男])护工|爷爷|奶奶|外公|外婆|姥姥|姥爷|阿公|阿嬷|阿婆|祖父|祖母|孙子|孙女|外孙|外孙女|重孙|邻居|朋友|同事|室友|工友|雇主|东家|老板|病人|患者|大爷|大妈|大娘|叔叔|叔|阿姨|舅舅|姨妈|姑姑|伯伯|老乡|亲戚|哥|姐|弟|妹|儿媳|女婿|"
              r"(?<![a-z])(grandma|grandpa|grandad|granddad|grandmother|grandfather|granny|gran|nana|nan|nanna|grandson|granddaughter|grandchild|grandkid|"
              r"neighbou?r|next door|(?<!bath )helper|maid|nanny|carer|caregiver|ayi|coworker|co-worker|stranger|passer-?by|sir'?s|ma'?am'?s|(?:the|an|this) old (?:man|lady|woman|gentleman)|(?:a|the) (?:man|woman|lady|kid|child|boy|girl|worker) (?:just|has|is|fell|collapsed|fainted|passed)|lady (?:passed|collapsed|fainted|fell)|friend|colleague|roommate|flatmate|employer|boss|patient|uncle|aunt|aunty|auntie|cousin|brother|sister|"
              r"(?:brother|sister|son|daughter)s?-in-law|bf|gf|boyfriend|girlfriend|nenek|kakek|lola|lolo|opa|oma|ah ?ma|ah ?gong|amah|popo|my madam|my sir)(?![a-z])"),
    ("parent", r"公公|(?<![a-z])(?:mother|father|mum|mom|dad|parents?)-in-law|(?<![a-z])in-laws|我家老太太|我们家老太太|我家老爷子|我妈|我爸|俺妈|俺爸|俺娘|俺爹|咱妈|咱爸|妈妈|爸爸|老妈|老爸|母亲|父亲|老母亲|老父亲|爹|娘|婆婆|岳父|岳母|丈母娘|老丈人|家父|家母|老人家|父母|爸妈|老爷子|老汉儿|阿妈|姆妈|阿爸|老豆|^(?:爸|妈)(?!妈|爸)|"
               r"(?<![a-z])(mum|mom|mums|moms|dads|mummy|mommy|mother|mama|dad|daddy|father|papa|parents?|ma|pa)(?![a-z]|-in-law|'am|’am)"),
    ("spouse", r"老伴|老公|老婆|爱人|丈夫|妻子|媳妇|太太|先生|老头子|老头儿|老头|老太婆|老婆子|孩子他爸|孩子他妈|那口子|对象|"
               r"(?<![a-z])(husband|wife|hubby|spouse|partner|missus|the mrs)(?![a-z])"),
    ("child", r"孩子|儿子|女儿|闺女|宝宝|宝贝|娃|小孩|婴儿|新生儿|小朋友|崽|"
              r"(?<![a-z])(son|daughter|kid|kids|child|children|baby|toddler|infant|newborn|little one|boy|girl)(?![a-z]|-in-law)"
              r"|(?<![a-z])my (?:1[0-7]|[1-9]|one|two|three|four|five|six|seven|eight|nine|ten|eleven)[ -]?(?:yr|year|month|week|day)s?[ -]old"
              r"|(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven)[ -](?:month|week|day)s?[ -]old"),
)
_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern in _PEOPLE)
# A son or daughter introducing themselves writes about a parent ("我是3号楼张大爷的女儿").
_CHILD_WRITING = re.compile(r"我是.{0,14}的(女儿|儿子|闺女|孩子)|this is .{0,30}'s (daughter|son)|i'm .{0,30}'s (daughter|son)")
_REQUESTING = frozenset(
    {
        "book_service", "cancel_booking", "reschedule_booking", "list_bookings", "rate_service", "emergency",
        "contact_doctor", "sign_family_doctor", "report_reading",
    }
)  # fmt: skip


# Someone who has died is not whom a request is for ("老伴走了 想找人说说话",
# "since my husband died I cry every evening").
_GONE_AFTER = re.compile(r"^.{0,3}?(走了|去世|过世|没了|没保住|不在了|过身)|^\W{0,2}(?:has |had )?(died|passed(?! out)|is gone|'s death|death)")
_GONE_BEFORE = re.compile(r"(lost (my|our)|death of (my|our))\s*$")


# Cancelling a late parent's visits or ending their contract is still about them.
_FOR_THE_GONE = frozenset({"cancel_booking", "sign_family_doctor", "list_bookings", "reschedule_booking", "rate_service"})


# A carer who brings or speaks for someone else is not whom the request is for ("ayi 说宝宝
# 该打 vaccine 了", "our helper will bring our son in").
_CARER = re.compile(r"保姆|阿姨|护工|helper|maid|nanny|carer|caregiver|ayi")
_CARER_VERB = re.compile(r"^\W{0,2}(?:says|said|will|can|could|bring|brings|说|带|会)")


def _named(pattern: re.Pattern[str], normal: str, intent: str) -> int | None:
    for match in pattern.finditer(normal):
        if _CARER.fullmatch(match.group(0)) and _CARER_VERB.search(normal[match.end() : match.end() + 12]):
            continue
        if intent in _FOR_THE_GONE:
            return match.start()
        if _GONE_AFTER.search(normal[match.end() : match.end() + 20]) or _GONE_BEFORE.search(normal[max(0, match.start() - 16) : match.start()]):
            continue
        return match.start()
    return None


def beneficiary(text: str, intent: str) -> str | None:
    if intent not in _REQUESTING:
        return None
    normal = normalise(text[:600])
    if _CHILD_WRITING.search(normal):
        return "parent"
    best: tuple[int, str] | None = None
    for kind, pattern in _COMPILED:
        start = _named(pattern, normal, intent)
        if start is not None and (best is None or start < best[0]):
            best = (start, kind)
    if best is None and intent == "emergency" and _SOMEONE_ELSE.search(normal) and not _MYSELF.search(normal):
        return "other"  # "he fainted and still not waking up", "人倒了 叫不应"
    return best[1] if best else "self"


# Someone unnamed, in an emergency told by another: "he's choking", "人倒了".
_SOMEONE_ELSE = re.compile(r"(?<![a-z])(he|she|he's|she's|his|him|her)(?![a-z])|他|她|^人|有人|一个人倒")
_MYSELF = re.compile(r"(?<![a-z])(i|i'm|i've|me|my|myself)(?![a-z])|我|俺")
