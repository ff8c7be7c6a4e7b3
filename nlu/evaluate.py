"""Evaluation of understanding on frozen sets, each reported on its own.

The sets live in nlu/eval/; the blind sets and the team's set never enter training
(a test checks):
- team: written by the team beside the training data; a regression check only;
- dev_a, dev_b, dev_e, dev_g, dev_i, dev_j, dev_k, dev_l, dev_m, dev_n, dev_o, dev_p, dev_q, dev_t, dev_r,
  dev_s, dev_v, dev_y, dev_z: written blind (by writers who saw
  only the product contract), then used for error analysis, so they are development
  sets now, and training data too (nlu/rasa/data/nlu_development_sets.yml): their
  scores are training scores. E, G, I, J, K, L, M, N, O, P, Q, R, S and V were scored once as blind sets first;
  README gives those numbers; T, Y (times) and Z (readings) were written for error analysis;
- blind_c, blind_d, blind_f, blind_h, blind_u, blind_w,
  blind_x: written blind the same way and never looked
  into: only their aggregate numbers are printed, never their lines.

Scores: intent accuracy and per-intent F1 (scikit-learn), service, modality, provider
gender, the time window (exact, and its date), readings, beneficiary, and triage:
emergency recall (strict: "emergency"; safe: "emergency" or "possible_emergency"),
hard false alarms (an emergency raised on a line that is none) and the share of
non-emergencies asked the "is this an emergency?" question."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sklearn.metrics import accuracy_score, precision_recall_fscore_support

EVAL_DIR = Path(__file__).resolve().parent / "eval"
SETS = {
    "team": EVAL_DIR / "heldout.jsonl",
    "dev_a": EVAL_DIR / "dev_a.jsonl",
    "dev_b": EVAL_DIR / "dev_b.jsonl",
    "dev_e": EVAL_DIR / "dev_e.jsonl",
    "dev_g": EVAL_DIR / "dev_g.jsonl",
    "dev_i": EVAL_DIR / "dev_i.jsonl",
    "dev_j": EVAL_DIR / "dev_j.jsonl",
    "dev_k": EVAL_DIR / "dev_k.jsonl",
    "dev_l": EVAL_DIR / "dev_l.jsonl",
    "dev_m": EVAL_DIR / "dev_m.jsonl",
    "dev_n": EVAL_DIR / "dev_n.jsonl",
    "dev_o": EVAL_DIR / "dev_o.jsonl",
    "dev_p": EVAL_DIR / "dev_p.jsonl",
    "dev_q": EVAL_DIR / "dev_q.jsonl",
    "dev_t": EVAL_DIR / "dev_t.jsonl",
    "dev_r": EVAL_DIR / "dev_r.jsonl",
    "dev_s": EVAL_DIR / "dev_s.jsonl",
    "dev_v": EVAL_DIR / "dev_v.jsonl",
    "dev_y": EVAL_DIR / "dev_y.jsonl",
    "dev_z": EVAL_DIR / "dev_z.jsonl",
    "blind_c": EVAL_DIR / "blind_c.jsonl",
    "blind_d": EVAL_DIR / "blind_d.jsonl",
    "blind_f": EVAL_DIR / "blind_f.jsonl",
    "blind_h": EVAL_DIR / "blind_h.jsonl",
    "blind_u": EVAL_DIR / "blind_u.jsonl",
    "blind_w": EVAL_DIR / "blind_w.jsonl",
    "blind_x": EVAL_DIR / "blind_x.jsonl",
}
BLIND = frozenset({"blind_c", "blind_d", "blind_f", "blind_h", "blind_u", "blind_w", "blind_x"})
HELDOUT = SETS["team"]


def load_set(name_or_path: str | Path) -> list[dict[str, Any]]:
    path = SETS.get(str(name_or_path), Path(name_or_path))
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def load_heldout(path: Path = HELDOUT) -> list[dict[str, Any]]:
    return load_set(path)


def all_eval_texts() -> set[str]:
    """Every line that must never train (the blind sets and the team's set), normalised
    for the leak check against training data."""
    from nlu.rasa_project import DEVELOPMENT_SETS

    return {item["text"].strip().lower() for name in SETS if name not in DEVELOPMENT_SETS for item in load_set(name)}


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _same_when(expected: dict[str, str] | None, got: dict[str, str] | None) -> bool:
    if expected is None or got is None:
        return expected is got
    return all(_moment(expected[k]) == _moment(got[k]) for k in ("start", "end"))


def _same_day(expected: dict[str, str] | None, got: dict[str, str] | None) -> bool:
    if expected is None or got is None:
        return expected is got
    return _moment(expected["start"]).date() == _moment(got["start"]).date()


def _same_reading(expected: dict[str, Any] | None, got: dict[str, Any] | None) -> bool:
    if expected is None or got is None:
        return expected is got
    if expected.get("kind") != got.get("kind"):
        return False
    if expected["kind"] == "bp":
        return all(expected.get(k) == got.get(k) for k in ("systolic", "diastolic", "pulse"))
    return abs(float(expected["value"]) - float(got["value"])) <= 0.11 and expected.get("context") == got.get("context")


def _is_emergency(item: dict[str, Any]) -> bool:
    return item.get("urgency") == "emergency"


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def score(items: list[dict[str, Any]], parses: list[dict[str, Any]]) -> dict[str, Any]:
    expected_intents = [i["intent"] for i in items]
    got_intents = [p["intent"] for p in parses]
    labels = sorted(set(expected_intents) | set(got_intents))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected_intents, got_intents, labels=labels, zero_division=0
    )
    per_intent = {
        label: {"precision": round(float(p), 3), "recall": round(float(r), 3), "f1": round(float(f), 3), "n": int(n)}
        for label, p, r, f, n in zip(labels, precision, recall, f1, support, strict=True)
    }
    counts: Counter[str] = Counter()
    misses: list[dict[str, Any]] = []
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item, parse in zip(items, parses, strict=True):
        for field in ("service", "modality", "provider_gender"):
            counts[field] += item.get(field) == parse.get(field)
        if item.get("when") is not None or parse.get("when") is not None:
            counts["when_total"] += 1
            counts["when_ok"] += _same_when(item.get("when"), parse.get("when"))
            counts["day_ok"] += _same_day(item.get("when"), parse.get("when"))
        if "reading" in item and (item.get("reading") is not None or parse.get("reading") is not None):
            counts["reading_total"] += 1
            counts["reading_ok"] += _same_reading(item.get("reading"), parse.get("reading"))
            # A number read as a reading where the resident reported none (an address, a weight).
            counts["reading_false"] += item.get("reading") is None
        if item.get("beneficiary") is not None:
            counts["beneficiary_total"] += 1
            counts["beneficiary_ok"] += item["beneficiary"] == parse.get("beneficiary")
        urgency = parse.get("urgency")
        if _is_emergency(item):
            counts["emergencies"] += 1
            counts["strict_hits"] += urgency == "emergency"
            counts["safe_hits"] += urgency in ("emergency", "possible_emergency")
            row = by_category[item.get("category") or "unlabelled"]
            row[0] += urgency in ("emergency", "possible_emergency")
            row[1] += 1
        else:
            counts["non_emergencies"] += 1
            counts["hard_false_alarms"] += urgency == "emergency"
            counts["possible"] += urgency == "possible_emergency"
            if item.get("urgency") == "urgent":
                counts["urgent"] += 1
                counts["urgent_hits"] += urgency == "urgent"
        for tag in item.get("tags") or []:
            by_tag[tag][0] += item["intent"] == parse["intent"]
            by_tag[tag][1] += 1
        wrong = [
            field
            for field in ("intent", "service", "modality", "provider_gender")
            if item.get(field) != parse.get(field)
        ]
        if (item.get("urgency") == "emergency") != (urgency == "emergency") or (
            not _is_emergency(item) and urgency == "possible_emergency"
        ):
            wrong.append("urgency")
        if not _same_when(item.get("when"), parse.get("when")):
            wrong.append("when")
        if "reading" in item and not _same_reading(item.get("reading"), parse.get("reading")):
            wrong.append("reading")
        if item.get("beneficiary") is not None and item["beneficiary"] != parse.get("beneficiary"):
            wrong.append("beneficiary")
        if wrong:
            misses.append({"wrong": wrong, "expected": item, "got": parse})
    n = len(items)
    return {
        "n": n,
        "intent_accuracy": round(float(accuracy_score(expected_intents, got_intents)), 4),
        "service_accuracy": _ratio(counts["service"], n),
        "modality_accuracy": _ratio(counts["modality"], n),
        "provider_gender_accuracy": _ratio(counts["provider_gender"], n),
        "time_accuracy": _ratio(counts["when_ok"], counts["when_total"]),
        "date_accuracy": _ratio(counts["day_ok"], counts["when_total"]),
        "reading_accuracy": _ratio(counts["reading_ok"], counts["reading_total"]),
        "false_readings": counts["reading_false"],
        "beneficiary_accuracy": _ratio(counts["beneficiary_ok"], counts["beneficiary_total"]),
        "emergencies": counts["emergencies"],
        "emergency_recall": _ratio(counts["strict_hits"], counts["emergencies"]),
        "emergency_recall_safe": _ratio(counts["safe_hits"], counts["emergencies"]),
        "hard_false_alarms": counts["hard_false_alarms"],
        "hard_false_alarm_rate": _ratio(counts["hard_false_alarms"], counts["non_emergencies"]),
        "possible_emergency_rate": _ratio(counts["possible"], counts["non_emergencies"]),
        "urgent_recall": _ratio(counts["urgent_hits"], counts["urgent"]),
        # Kept for the older threshold flags and tests.
        "emergency_false_alarms": counts["hard_false_alarms"],
        "per_intent": per_intent,
        "by_category": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_category.items())},
        "intent_by_tag": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_tag.items())},
        "misses": misses,
    }


async def parse_all(interpreter: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        now = datetime.fromisoformat(item["now"])
        out.append((await interpreter.parse(item["text"], now=now)).to_contract())
    return out


def render(name: str, result: dict[str, Any], *, blind: bool) -> str:
    lines = [
        f"== {name} ({result['n']} lines{', blind: aggregates only' if blind else ''})",
        f"intent accuracy        {result['intent_accuracy']:.3f}",
        f"service accuracy       {result['service_accuracy']:.3f}",
        f"modality accuracy      {result['modality_accuracy']:.3f}",
        f"gender accuracy        {result['provider_gender_accuracy']:.3f}",
        f"time window / date     {result['time_accuracy']} / {result['date_accuracy']}",
        f"reading accuracy       {result['reading_accuracy']}  ({result['false_readings']} read where there was none)",
        f"beneficiary accuracy   {result['beneficiary_accuracy']}",
        f"emergency recall       {result['emergency_recall']} strict, {result['emergency_recall_safe']} with possible  (n={result['emergencies']})",
        f"hard false alarms      {result['hard_false_alarms']} ({result['hard_false_alarm_rate']})",
        f"possible_emergency     {result['possible_emergency_rate']} of non-emergencies",
        f"urgent recall          {result['urgent_recall']}",
        "emergencies caught by category: " + ", ".join(f"{k} {v}" for k, v in result["by_category"].items()),
        "per intent (precision / recall / f1 / n):",
    ]
    for intent, row in result["per_intent"].items():
        lines.append(f"  {intent:20} {row['precision']:.2f} {row['recall']:.2f} {row['f1']:.2f} {row['n']}")
    return "\n".join(lines)


def summary(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("misses", "per_intent", "intent_by_tag")}


THRESHOLDS = (
    ("min_intent_accuracy", "intent_accuracy", 1),
    ("min_service_accuracy", "service_accuracy", 1),
    ("min_emergency_recall", "emergency_recall_safe", 1),
    ("max_hard_false_alarm_rate", "hard_false_alarm_rate", -1),
)


def failures(result: dict[str, Any], args: argparse.Namespace) -> list[str]:
    failed = []
    for flag, key, sign in THRESHOLDS:
        limit = getattr(args, flag, None)
        value = result.get(key)
        if limit is None or value is None:
            continue
        if (sign > 0 and value < limit) or (sign < 0 and value > limit):
            failed.append(f"{key} {value} ({flag.replace('_', '-')} {limit})")
    return failed


def main(args: argparse.Namespace) -> int:
    from actions.config import load_settings
    from nlu.embedded import EmbeddedInterpreter
    from nlu.rasa_http import RasaInterpreter

    settings = load_settings()
    names: list[str] = [args.file] if args.file else (args.set or list(SETS))
    backends: list[tuple[str, Any]] = [("embedded", EmbeddedInterpreter(settings.effective_nlu_cache_dir))]
    if args.rasa_url:
        backends.append(("rasa", RasaInterpreter(args.rasa_url, timeout=10)))

    async def run(interpreter: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return await parse_all(interpreter, items)

    async def close(interpreter: Any) -> None:
        if hasattr(interpreter, "close"):
            await interpreter.close()

    results: dict[str, dict[str, Any]] = {}
    failed: list[str] = []
    loop = asyncio.new_event_loop()
    try:
        for backend, interpreter in backends:
            for name in names:
                items = load_set(name)
                result = score(items, loop.run_until_complete(run(interpreter, items)))
                key = f"{backend}:{Path(name).stem if args.file else name}"
                results[key] = result
                failed += [f"{key}: {f}" for f in failures(result, args)]
                if args.misses and name not in BLIND:
                    path = Path(args.misses) / f"{key.replace(':', '_')}.jsonl"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(
                        "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in result["misses"]), encoding="utf-8"
                    )
            loop.run_until_complete(close(interpreter))
    finally:
        loop.close()
    if args.json:
        print(json.dumps({k: summary(v) for k, v in results.items()}, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(render(k, v, blind=k.split(":")[1] in BLIND) for k, v in results.items()))
    if failed:
        print("below the thresholds:\n  " + "\n  ".join(failed))
        return 1
    return 0
