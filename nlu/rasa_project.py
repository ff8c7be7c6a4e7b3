"""The Rasa project in nlu/rasa: its vocabulary files are generated from the service
catalog and nlu/vocabulary.yml, so one list of words serves every interpreter."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.catalog import load_catalog
from nlu.vocabulary import VOCABULARY_PATH

RASA_DIR = Path(__file__).resolve().parent / "rasa"
VOCABULARY_FILE = RASA_DIR / "data" / "vocabulary.yml"
DEVELOPMENT_FILE = RASA_DIR / "data" / "nlu_development_sets.yml"
# Sets written blind, then used for error analysis: development material now, so they
# also train (their scores are no longer reported). The blind sets never do.
DEVELOPMENT_SETS = ("dev_a", "dev_b", "dev_e", "dev_g", "dev_i", "dev_j", "dev_k", "dev_l", "dev_m", "dev_n", "dev_o", "dev_p", "dev_q", "dev_t", "dev_r", "dev_s", "dev_v", "dev_y", "dev_z")


def _block(items: list[str]) -> str:
    return "".join(f"    - {item}\n" for item in items)


def vocabulary_yaml() -> str:
    raw = yaml.safe_load(VOCABULARY_PATH.read_text(encoding="utf-8"))
    catalog = load_catalog()
    lines = [
        "# Generated from data/catalog.yaml and nlu/vocabulary.yml by `jiayi nlu export-vocabulary`.",
        "# Edit those files, not this one.",
        'version: "3.1"',
        "nlu:",
    ]
    for service in catalog:
        words = [service.name_zh, service.name_en, *service.synonyms_zh, *service.synonyms_en]
        words += raw.get("service_slips", {}).get(service.code, [])
        lines.append(f"- synonym: {service.code}\n  examples: |\n" + _block(sorted({str(w) for w in words})).rstrip("\n"))
    # A word is the synonym of one value only (Rasa merges all synonyms into one table):
    # where a modality word also names a service ("门诊"), the service keeps it.
    service_words = {str(w) for s in catalog for w in (s.name_zh, s.name_en, *s.synonyms_zh, *s.synonyms_en)}
    for entity in ("modality", "provider_gender"):
        for value, words in raw[entity].items():
            own = sorted({str(w) for w in words} - service_words)
            lines.append(f"- synonym: {value}\n  examples: |\n" + _block(own).rstrip("\n"))
    for entity in ("service", "modality", "provider_gender"):
        if entity == "service":
            words = sorted({str(w) for s in catalog for w in (s.name_zh, s.name_en, *s.synonyms_zh, *s.synonyms_en)})
            words += sorted({str(w) for slips in raw.get("service_slips", {}).values() for w in slips})
        else:
            words = sorted({str(w) for ws in raw[entity].values() for w in ws})
        lines.append(f"- lookup: {entity}\n  examples: |\n" + _block(words).rstrip("\n"))
    return "\n".join(lines) + "\n"


def export_vocabulary() -> Path:
    VOCABULARY_FILE.write_text(vocabulary_yaml(), encoding="utf-8")
    return VOCABULARY_FILE


def development_yaml() -> str:
    """The development sets' lines as Rasa training examples (intents only: their
    entities are labelled as values, not as spans)."""
    import json

    from nlu.evaluate import all_eval_texts

    # A short line a development set shares with a set that never trains ("对头",
    # "good morning") stays out.
    never = all_eval_texts()
    by_intent: dict[str, list[str]] = {}
    for path in development_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            text = _exported_text(str(item["text"]))
            if item["text"].strip().lower() in never or text.strip().lower() in never:
                continue
            by_intent.setdefault(item["intent"], []).append(text)
    lines = [
        "# Generated from the development sets in nlu/eval/ by `jiayi nlu export-development`.",
        "# Edit those files, not this one.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(by_intent):
        unique = list(dict.fromkeys(by_intent[intent]))
        lines.append(f"- intent: {intent}\n  examples: |\n" + _block(unique).rstrip("\n"))
    return "\n".join(lines) + "\n"


def development_files() -> list[Path]:
    eval_dir = Path(__file__).resolve().parent / "eval"
    return [eval_dir / f"{name}.jsonl" for name in DEVELOPMENT_SETS]


def development_services() -> dict[str, str]:
    """The service each development line is labelled with, by its text as exported.
    Rasa's files carry intents only (an implied service has no span to annotate), so
    the embedded service model takes the labels from here: without them it would learn
    that "my dad can't lift his arm to bathe, can someone help" names no service."""
    import json

    labels: dict[str, str] = {}
    for path in development_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item.get("service"):
                labels.setdefault(_exported_text(str(item["text"])), str(item["service"]))
    return labels


def _exported_text(text: str) -> str:
    # Brackets would read as entity annotations.
    return " ".join(text.split()).replace("[", "(").replace("]", ")")


def export_development() -> Path:
    DEVELOPMENT_FILE.write_text(development_yaml(), encoding="utf-8")
    return DEVELOPMENT_FILE
