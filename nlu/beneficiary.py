"""Whom a request is for (PRODUCT.md's `beneficiary`): the resident themself, a parent,
a spouse, a child, or someone else (a grandparent, a neighbour, an employer). The first
person named as the one who needs the service decides; a request naming nobody is for
the resident."""

from __future__ import annotations

import re

from nlu.normalise import normalise

# Order matters where words overlap: 外公 before 公公, 老婆婆 before 婆婆.
_PEOPLE: tuple[tuple[str, str], ...] = (
    ("other", r"爷爷|奶奶|外公|外婆|姥姥|姥爷|阿公|阿嬷|阿婆|祖父|祖母|孙子|孙女|外孙|外孙女|重孙|邻居|朋友|同事|室友|工友|雇主|东家|老板|病人|患者|大爷|大妈|大娘|叔叔|阿姨|舅舅|姨妈|姑姑|伯伯|老乡|亲戚|哥|姐|弟|妹|"
              r"\b(grandma|grandpa|grandmother|grandfather|granny|gran|nana|grandson|granddaughter|grandchild|grandkid|neighbou?r|friend|colleague|roommate|flatmate|employer|boss|patient|uncle|aunt|aunty|auntie|cousin|brother|sister|in-law)\b"),
    ("parent", r"我妈|我爸|俺妈|俺爸|俺娘|俺爹|咱妈|咱爸|妈妈|爸爸|老妈|老爸|母亲|父亲|老母亲|老父亲|爹|娘|婆婆|公公|岳父|岳母|丈母娘|老丈人|家父|家母|老人家|父母|爸妈|老爷子|"
               r"\b(mum|mom|mummy|mommy|mother|mama|dad|daddy|father|papa|parents?|mother-in-law|father-in-law)\b|\bma\b|\bpa\b"),
    ("spouse", r"老伴|老公|老婆|爱人|丈夫|妻子|媳妇|太太|先生|老头子|老头儿|老头|老太婆|老婆子|孩子他爸|孩子他妈|那口子|对象|"
               r"\b(husband|wife|hubby|spouse|partner|missus|the mrs)\b"),
    ("child", r"孩子|儿子|女儿|闺女|宝宝|宝贝|娃|小孩|婴儿|新生儿|小朋友|崽|"
              r"\b(son|daughter|kid|kids|child|children|baby|toddler|infant|newborn|little one|boy|girl)\b"),
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


def beneficiary(text: str, intent: str) -> str | None:
    if intent not in _REQUESTING:
        return None
    normal = normalise(text[:600])
    if _CHILD_WRITING.search(normal):
        return "parent"
    best: tuple[int, str] | None = None
    for kind, pattern in _COMPILED:
        match = pattern.search(normal)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), kind)
    return best[1] if best else "self"
