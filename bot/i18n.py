"""Every text a person reads comes from the Fluent files in bot/locales/<lang>/*.ftl.

Each feature keeps its own .ftl file; all of a language's files form one bundle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from fluent.runtime import FluentLocalization, FluentResourceLoader
from fluent.syntax import FluentParser, ast

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

log = logging.getLogger(__name__)

Translate = Callable[..., str]


class I18n:
    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        loader = FluentResourceLoader(str(locales_dir / "{locale}"))
        self._bundles: dict[str, FluentLocalization] = {}
        self._keys: dict[str, set[str]] = {}
        self._all: dict[str, list[str]] = {}
        for lang in LANGUAGES:
            files = sorted(p.name for p in (locales_dir / lang).glob("*.ftl"))
            # No fallback language: a key missing in one language is a defect that the
            # locale test catches, not something to paper over with the other language.
            self._bundles[lang] = FluentLocalization([lang], files, loader, use_isolating=False)
            self._keys[lang] = _message_ids(locales_dir / lang)
            # Fluent parses a language's files on its first message: now, not while a
            # resident waits.
            for key in sorted(self._keys[lang])[:1]:
                self._bundles[lang].format_value(key, {})

    def t(self, lang: str, key: str, **args: object) -> str:
        lang = lang if lang in self._bundles else DEFAULT_LANGUAGE
        if key not in self._keys[lang]:
            log.error("missing translation %s for %s", key, lang)
        return self._bundles[lang].format_value(key, args)

    def translator(self, lang: str) -> Translate:
        def translate(key: str, **args: object) -> str:
            return self.t(lang, key, **args)

        return translate

    def keys(self, lang: str) -> set[str]:
        return set(self._keys[lang])

    def all_languages(self, key: str, **args: object) -> list[str]:
        """The same message in every language (to recognise a reply-keyboard tap). The
        menu filters ask for the same plain texts on every message: those are kept."""
        if args:
            return [self.t(lang, key, **args) for lang in LANGUAGES]
        texts = self._all.get(key)
        if texts is None:
            texts = self._all[key] = [self.t(lang, key) for lang in LANGUAGES]
        return list(texts)


class LocaleError(ValueError):
    """A locale file that does not parse as Fluent, or defines a message twice."""


def parse_messages(path: Path) -> list[str]:
    """The message ids a .ftl file defines, in order, read by Fluent's own parser.
    Anything it cannot read (Junk) is an error, with the file and line."""
    text = path.read_text(encoding="utf-8")
    resource = FluentParser(with_spans=True).parse(text)
    ids: list[str] = []
    for entry in resource.body:
        if isinstance(entry, ast.Junk):
            line = text.count("\n", 0, entry.span.start) + 1 if entry.span else 0
            notes = "; ".join(str(a.message) for a in entry.annotations)
            raise LocaleError(f"{path.parent.name}/{path.name}:{line}: not Fluent ({notes})")
        if isinstance(entry, ast.Message):
            ids.append(entry.id.name)
    return ids


def _message_ids(directory: Path) -> set[str]:
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.ftl")):
        for message_id in parse_messages(path):
            if message_id in seen:
                raise LocaleError(
                    f"{directory.name}: {message_id} is defined in {seen[message_id]} and in {path.name}"
                )
            seen[message_id] = path.name
    return set(seen)


@lru_cache(maxsize=1)
def default_i18n() -> I18n:
    return I18n()
