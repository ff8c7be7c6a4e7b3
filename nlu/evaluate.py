"""Evaluation on the held-out set (nlu/eval/heldout.jsonl, never used in training):
intent accuracy, per-intent F1, entity and time accuracy, emergency recall and false
alarms, for the embedded interpreter and, given a Rasa URL, Rasa side by side."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

HELDOUT = Path(__file__).resolve().parent / "eval" / "heldout.jsonl"


def load_heldout(path: Path = HELDOUT) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _same_when(expected: dict[str, str] | None, got: dict[str, str] | None) -> bool:
    if expected is None or got is None:
        return expected is got
    return all(datetime.fromisoformat(expected[k]) == datetime.fromisoformat(got[k]) for k in ("start", "end"))


def score(items: list[dict[str, Any]], parses: list[dict[str, Any]]) -> dict[str, Any]:
    intents = sorted({i["intent"] for i in items} | {p["intent"] for p in parses})
    correct = Counter[str]()
    predicted = Counter[str]()
    actual = Counter[str]()
    fields = {"service": 0, "modality": 0, "provider_gender": 0}
    when_ok = when_total = 0
    recall_hits = recall_total = false_alarms = 0
    misses: list[dict[str, Any]] = []
    for item, parse in zip(items, parses, strict=True):
        actual[item["intent"]] += 1
        predicted[parse["intent"]] += 1
        if item["intent"] == parse["intent"]:
            correct[item["intent"]] += 1
        else:
            misses.append({"text": item["text"][:80], "expected": item["intent"], "got": parse["intent"]})
        for field in fields:
            fields[field] += item.get(field) == parse.get(field)
        if item.get("when") is not None or parse.get("when") is not None:
            when_total += 1
            when_ok += _same_when(item.get("when"), parse.get("when"))
        expected_emergency = item.get("urgency") == "emergency"
        got_emergency = parse.get("urgency") == "emergency" or parse["intent"] == "emergency"
        if expected_emergency:
            recall_total += 1
            recall_hits += got_emergency
        elif got_emergency:
            false_alarms += 1
    per_intent = {}
    for intent in intents:
        p = correct[intent] / predicted[intent] if predicted[intent] else 0.0
        r = correct[intent] / actual[intent] if actual[intent] else 0.0
        per_intent[intent] = {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0, "n": actual[intent]}
    n = len(items)
    return {
        "n": n,
        "intent_accuracy": round(sum(correct.values()) / n, 4),
        "service_accuracy": round(fields["service"] / n, 4),
        "modality_accuracy": round(fields["modality"] / n, 4),
        "provider_gender_accuracy": round(fields["provider_gender"] / n, 4),
        "time_accuracy": round(when_ok / when_total, 4) if when_total else None,
        "emergency_recall": round(recall_hits / recall_total, 4) if recall_total else None,
        "emergency_false_alarms": false_alarms,
        "per_intent": per_intent,
        "misses": misses[:40],
    }


async def parse_all(interpreter: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        now = datetime.fromisoformat(item["now"])
        out.append((await interpreter.parse(item["text"], now=now)).to_contract())
    return out


def render(name: str, result: dict[str, Any]) -> str:
    lines = [
        f"== {name} ({result['n']} held-out utterances)",
        f"intent accuracy     {result['intent_accuracy']:.3f}",
        f"service accuracy    {result['service_accuracy']:.3f}",
        f"modality accuracy   {result['modality_accuracy']:.3f}",
        f"gender accuracy     {result['provider_gender_accuracy']:.3f}",
        f"time accuracy       {result['time_accuracy']}",
        f"emergency recall    {result['emergency_recall']}   false alarms {result['emergency_false_alarms']}",
        "per intent (precision / recall / f1 / n):",
    ]
    for intent, row in result["per_intent"].items():
        lines.append(f"  {intent:20} {row['precision']:.2f} {row['recall']:.2f} {row['f1']:.2f} {row['n']}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    from actions.config import load_settings
    from nlu.embedded import EmbeddedInterpreter
    from nlu.rasa_http import RasaInterpreter

    settings = load_settings()
    items = load_heldout(Path(args.file) if args.file else HELDOUT)
    backends: list[tuple[str, Any]] = [("embedded", EmbeddedInterpreter(settings.effective_nlu_cache_dir))]
    if args.rasa_url:
        backends.append(("rasa", RasaInterpreter(args.rasa_url, timeout=10)))
    async def run(interpreter: Any) -> list[dict[str, Any]]:
        try:
            return await parse_all(interpreter, items)
        finally:
            if hasattr(interpreter, "close"):
                await interpreter.close()

    results = {}
    for name, interpreter in backends:
        results[name] = score(items, asyncio.run(run(interpreter)))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(render(name, result) for name, result in results.items()))
    failed = [
        name
        for name, r in results.items()
        if r["intent_accuracy"] < args.min_intent_accuracy or (r["emergency_recall"] or 0) < args.min_emergency_recall
    ]
    if failed:
        print(f"below the thresholds: {', '.join(failed)}")
        return 1
    return 0
