"""The service catalog, loaded from data/catalog.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CATALOG_PATH = Path(__file__).resolve().parent.parent / "data" / "catalog.yaml"
MODALITIES = ("clinic", "home_visit", "online")


@dataclass(frozen=True)
class Service:
    code: str
    name_zh: str
    name_en: str
    synonyms_zh: tuple[str, ...]
    synonyms_en: tuple[str, ...]
    duration_minutes: int
    modalities: tuple[str, ...]
    roles: tuple[str, ...]
    capacity: str  # single | session
    preparation_zh: str
    preparation_en: str
    reminder_offsets_hours: tuple[int, ...] | None = None

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def preparation(self, lang: str) -> str:
        return self.preparation_zh if lang == "zh" else self.preparation_en


class Catalog:
    def __init__(self, services: list[Service]) -> None:
        self._by_code = {s.code: s for s in services}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Service:
        return self._by_code[code]

    def codes(self) -> list[str]:
        return list(self._by_code)


def parse_catalog(raw: dict) -> Catalog:
    services = []
    for item in raw["services"]:
        offsets = item.get("reminder_offsets_hours")
        services.append(
            Service(
                code=item["code"],
                name_zh=item["name"]["zh"],
                name_en=item["name"]["en"],
                synonyms_zh=tuple(item["synonyms"]["zh"]),
                synonyms_en=tuple(item["synonyms"]["en"]),
                duration_minutes=int(item["duration_minutes"]),
                modalities=tuple(item["modalities"]),
                roles=tuple(item["roles"]),
                capacity=item["capacity"],
                preparation_zh=item["preparation"]["zh"],
                preparation_en=item["preparation"]["en"],
                reminder_offsets_hours=tuple(offsets) if offsets else None,
            )
        )
    return Catalog(services)


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    with path.open(encoding="utf-8") as fh:
        return parse_catalog(yaml.safe_load(fh))
