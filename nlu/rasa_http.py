"""Rasa as a service: POST {url}/model/parse with a timeout, mapped into a Parse.
Triage and time expressions still run here; a Rasa that is down or slow is replaced
by the embedded interpreter for that message (logged and counted)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiohttp

from nlu.interface import INTENTS, Parse
from nlu.keywords import KeywordInterpreter, junk, refine_intent
from nlu.timeparse import resolve_when
from nlu.triage import triage
from nlu.vocabulary import load_vocabulary

log = logging.getLogger(__name__)
ENTITY_VALUES = {
    "modality": {"home_visit", "clinic", "online"},
    "provider_gender": {"female", "male"},
}


class RasaInterpreter:
    name = "rasa"

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.vocabulary = load_vocabulary()
        self.keywords = KeywordInterpreter(self.vocabulary)
        self._session: aiohttp.ClientSession | None = None

    async def _post(self, text: str) -> dict[str, Any]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        async with self._session.post(f"{self.url}/model/parse", json={"text": text}) as response:
            response.raise_for_status()
            return await response.json()

    async def parse(self, text: str, *, now: datetime) -> Parse:
        flag = triage(text)
        if junk(text):
            return Parse(text=text, intent="out_of_scope", confidence=0.9, urgency=flag.urgency, backend=self.name)
        result = await self._post(text[:2000])
        intent_block = result.get("intent") or {}
        intent = intent_block.get("name") or "out_of_scope"
        if intent not in INTENTS:  # nlu_fallback and anything unknown
            intent = "out_of_scope"
        confidence = float(intent_block.get("confidence") or 0.0)
        found: dict[str, str | None] = {"service": None, "modality": None, "provider_gender": None}
        for entity in result.get("entities") or []:
            name, value = entity.get("entity"), entity.get("value")
            if name == "service" and isinstance(value, str):
                found["service"] = value if value in {c for _, c in self.vocabulary.services} else self.vocabulary.service(value)
            elif name in ENTITY_VALUES and value in ENTITY_VALUES[name]:
                found[name] = value
        found["service"] = found["service"] or self.vocabulary.service(text)
        found["modality"] = found["modality"] or self.vocabulary.modality(text)
        found["provider_gender"] = found["provider_gender"] or self.vocabulary.gender(text)
        intent, confidence = refine_intent(intent, confidence, found, flag.urgency, self.keywords, text[:2000])
        return Parse(
            text=text, intent=intent, confidence=confidence, service=found["service"], modality=found["modality"],
            provider_gender=found["provider_gender"], when=resolve_when(text[:500], now), urgency=flag.urgency,
            red_flag=flag.category, backend=self.name,
        )  # fmt: skip

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class FallbackInterpreter:
    """The primary interpreter, or the fallback when the primary fails."""

    def __init__(self, primary: Any, fallback: Any) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = f"{primary.name}+{fallback.name}"
        self.fallback_count = 0

    async def parse(self, text: str, *, now: datetime) -> Parse:
        try:
            return await self.primary.parse(text, now=now)
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            self.fallback_count += 1
            log.warning("%s unavailable (%s); the %s interpreter answered (%s times so far)",
                        self.primary.name, type(exc).__name__, self.fallback.name, self.fallback_count)  # fmt: skip
            return await self.fallback.parse(text, now=now)
