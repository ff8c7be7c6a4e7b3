"""Domain vocabulary: which words name which service, modality, gender or intent.
Built from the catalog's synonyms and nlu/vocabulary.yml; shared by every interpreter
for entity extraction, and by the speech grammar."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from actions.catalog import Catalog, load_catalog
from nlu.triage import normalise

VOCABULARY_PATH = Path(__file__).resolve().parent / "vocabulary.yml"
_ASCII_WORD = re.compile(r"^[a-z0-9' +\-]+$")
_REFERRAL = re.compile(r"转诊|专家号|看专家|referral|refer (me|him|her)|specialist")


_REFILL = re.compile(r"续方|续药|续开|续个方|快吃完|快用完|吃完了|没药了|药没了|送药|药[^，。,.!?]{0,6}送过来|拿药|开药|配药|refill|run(?:ning)? (?:out|low)|ran out")
_FOLLOWUP = re.compile(r"随访|岁访|随方|复诊|follow[- ]?up")
# Words that only say someone is unwell or wants a doctor: a service named beside them
# is what is asked for ("想约个针灸，颈椎不舒服", "中医门诊").
_GENERAL_ONLY = frozenset(
    {"不舒服", "门诊", "看病", "看看病", "瞧瞧", "瞧病", "问诊", "看医生", "咳嗽", "感冒", "头疼", "头晕", "发烧", "低烧", "嗓子疼", "拉肚子",
     "cough", "fever", "cold", "feel unwell", "consultation"}
)  # fmt: skip


@dataclass(frozen=True)
class Vocabulary:
    services: tuple[tuple[str, str], ...]  # (phrase, code), longest phrase first
    modalities: tuple[tuple[str, str], ...]
    genders: tuple[tuple[str, str], ...]
    service_fallbacks: tuple[tuple[str, str], ...] = ()

    def find(self, table: tuple[tuple[str, str], ...], text: str) -> str | None:
        normal = normalise(text)
        for phrase, value in table:
            if _contains(normal, phrase):
                return value
        return None

    def service(self, text: str) -> str | None:
        normal = normalise(text)
        named = [(phrase, code) for phrase, code in self.services if _contains(normal, phrase)]
        if not named:
            return None
        if named[0][1] == "general_consult" and named[0][0] in _GENERAL_ONLY:
            named.sort(key=lambda pair: pair[1] == "general_consult")
        found = [code for _, code in named]
        # A mother just home with her baby is seen by the maternal care team.
        if "maternal_care" in found and found[0] in ("home_nursing", "general_consult"):
            return "maternal_care"
        if found[0] == "maternal_care" and "mental_health" in found:
            return "mental_health"  # low after the birth: the counsellor is asked for
        # A referral names the specialty too ("转诊 内分泌 血糖"): the referral is asked for.
        if "specialist_referral" in found and _REFERRAL.search(normal):
            return "specialist_referral"
        # Medicine for a condition, or its follow-up, names the condition too ("血压药快吃完了",
        # "高血压的随访"): the refill or the follow-up is asked for.
        if ("medication_refill" in found or found[0] in ("bp_check", "glucose_check")) and _REFILL.search(normal):
            return "medication_refill"
        if "chronic_followup" in found and _FOLLOWUP.search(normal):
            return "chronic_followup"
        return found[0]

    def service_fallback(self, text: str) -> str | None:
        """The service a request most likely means when no word names one."""
        return self.find(self.service_fallbacks, text)

    def modality(self, text: str) -> str | None:
        return self.find(self.modalities, text)

    def gender(self, text: str) -> str | None:
        return self.find(self.genders, text)


def _contains(normal: str, phrase: str) -> bool:
    if _ASCII_WORD.match(phrase):
        return re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", normal) is not None
    return phrase in normal


def _table(pairs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    unique = {normalise(p): v for p, v in pairs if p}
    return tuple(sorted(unique.items(), key=lambda item: -len(item[0])))


@lru_cache(maxsize=2)
def load_vocabulary(path: Path = VOCABULARY_PATH, catalog: Catalog | None = None) -> Vocabulary:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalog = catalog or load_catalog()
    services: list[tuple[str, str]] = []
    for service in catalog:
        for phrase in (service.name_zh, service.name_en, *service.synonyms_zh, *service.synonyms_en):
            services.append((phrase, service.code))
    for code, slips in (raw.get("service_slips") or {}).items():
        services.extend((slip, code) for slip in slips)
    return Vocabulary(
        services=_table(services),
        modalities=_table([(p, v) for v, ps in raw["modality"].items() for p in ps]),
        genders=_table([(p, v) for v, ps in raw["provider_gender"].items() for p in ps]),
        service_fallbacks=_table([(p, v) for v, ps in (raw.get("service_fallbacks") or {}).items() for p in ps]),
    )
