"""Every message exists in both languages, and every key the code asks for exists."""

from __future__ import annotations

import re
from pathlib import Path

from bot.i18n import LANGUAGES, I18n

ROOT = Path(__file__).resolve().parent.parent
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z0-9-]+)["']""")
KEY_ARG = re.compile(r"""(?:_key|key)\s*=\s*["']([a-z0-9-]+)["']""")


def test_both_languages_have_the_same_messages() -> None:
    i18n = I18n()
    zh, en = i18n.keys("zh"), i18n.keys("en")
    assert zh, "no messages loaded"
    assert zh - en == set(), f"only in Chinese: {sorted(zh - en)}"
    assert en - zh == set(), f"only in English: {sorted(en - zh)}"


def test_every_key_used_in_code_exists() -> None:
    i18n = I18n()
    known = i18n.keys("zh") & i18n.keys("en")
    used: set[str] = set()
    for path in list((ROOT / "bot").rglob("*.py")) + list((ROOT / "scheduler").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        used |= set(KEY_CALL.findall(text)) | set(KEY_ARG.findall(text))
    missing = sorted(k for k in used if k not in known)
    assert missing == [], f"keys used in code but missing in a locale: {missing}"


def test_messages_render_in_both_languages_with_arguments() -> None:
    i18n = I18n()
    for lang in LANGUAGES:
        text = i18n.t(lang, "help", phone="010-1")
        assert "010-1" in text and "120" in text
        assert "{" not in i18n.t(
            lang, "booked", service="s", when="w", provider="p", modality="m", preparation="x"
        )


def test_no_message_is_defined_twice_across_files() -> None:
    from collections import Counter

    for lang in LANGUAGES:
        ids: Counter[str] = Counter()
        for path in (ROOT / "bot" / "locales" / lang).glob("*.ftl"):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line and not line[0].isspace() and not line.startswith(("#", "-")) and "=" in line:
                    ids[line.split("=", 1)[0].strip()] += 1
        assert [k for k, n in ids.items() if n > 1] == [], lang
