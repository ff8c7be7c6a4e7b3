"""Rasa as a service: POST {url}/model/parse with a timeout, its answer taken as signals
by the same decisions as the embedded interpreter (triage, entities, readings, time).
A Rasa that is down, slow or answers nonsense is replaced by the embedded interpreter
for that message (logged and counted)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiohttp

from nlu.decide import Signals, decide
from nlu.interface import INTENTS, Parse
from nlu.keywords import junk
from nlu.triage import triage
from nlu.vocabulary import load_vocabulary

log = logging.getLogger(__name__)


class RasaInterpreter:
    name = "rasa"

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.vocabulary = load_vocabulary()
        self._codes = {code for _, code in self.vocabulary.services}
        self._session: aiohttp.ClientSession | None = None

    async def _post(self, text: str) -> dict[str, Any]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        async with self._session.post(f"{self.url}/model/parse", json={"text": text}) as response:
            response.raise_for_status()
            return await response.json()

    async def parse(self, text: str, *, now: datetime) -> Parse:
        text = text or ""
        if junk(text):
            flag = triage(text)
            intent = "emergency" if flag.urgency == "emergency" else "out_of_scope"
            return Parse(text=text, intent=intent, confidence=0.9, urgency=flag.urgency, red_flag=flag.category, backend=self.name)
        clipped = text[:2000]
        return decide(clipped, now, self.signals(await self._post(clipped)), self.vocabulary)

    def signals(self, result: dict[str, Any]) -> Signals:
        """Rasa's answer as the signals the shared decisions take: its intent, the
        runner-up, its confidence in "emergency" standing in for the detector (DIET's
        confidences are not calibrated, so on its own it may only ask), and a service
        it extracted."""
        intent_block = result.get("intent") or {}
        intent = intent_block.get("name") or "out_of_scope"
        if intent not in INTENTS:  # nlu_fallback and anything unknown
            intent = "out_of_scope"
        ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") in INTENTS]
        runner_up = next((r["name"] for r in ranking if r["name"] not in (intent, "emergency")), None)
        emergency = next((float(r.get("confidence") or 0.0) for r in ranking if r["name"] == "emergency"), 0.0)
        service = None
        for entity in result.get("entities") or []:
            value = entity.get("value")
            if entity.get("entity") == "service" and isinstance(value, str):
                service = value if value in self._codes else self.vocabulary.service(value)
                break
        return Signals(
            intent=intent,
            confidence=float(intent_block.get("confidence") or 0.0),
            runner_up=runner_up,
            emergency_probability=emergency,
            service_guess=service,
            service_confidence=1.0 if service else 0.0,
            backend=self.name,
            calibrated=False,
        )

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
        except Exception as exc:  # any failure of the server or its answer, never the resident's
            self.fallback_count += 1
            log.warning("%s unavailable (%s); the %s interpreter answered (%s times so far)",
                        self.primary.name, type(exc).__name__, self.fallback.name, self.fallback_count)  # fmt: skip
            return await self.fallback.parse(text, now=now)
