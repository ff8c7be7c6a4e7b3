"""Every message exists in both languages, and every key the code asks for exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, I18n, LocaleError, parse_messages

ROOT = Path(__file__).resolve().parent.parent
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z0-9-]+)["']""")
KEY_ARG = re.compile(r"""(?:_key|key)\s*=\s*["']([a-z0-9-]+)["']""")
# A string in the code that looks like a message id ("btn-accept", "reason-other").
MESSAGE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9_]+)+$")
# Strings of that shape that are not messages: key prefixes of rate limits, an
# encoding, the sandbox's file ids, HTTP header values of the web pages.
NOT_MESSAGES = {
    "jiayi-in-message", "jiayi-in-notice", "jiayi-in-tap", "jiayi-send", "jiayi-send-chat", "utf-8",
    "no-referrer", "no-store",
}  # fmt: skip


def family_values() -> dict[str, set[str]]:
    """Every value each family of ids built at run time (f"category-{c}") can take,
    from where those values come from."""
    import yaml

    from actions.care import DECLINE_REASONS
    from actions.care_plans import OPEN as PLAN_OPEN
    from actions.catalog import load_catalog
    from actions.community import COMMUNITY_PATH
    from actions.family import RELATIONS
    from actions.matching import REASONS
    from actions.readings import CONTEXTS, KINDS, LEVELS, REVIEW_KINDS
    from actions.residents import PRIORITY_GROUPS
    from actions.stats import TARGETS
    from bot.chronic_texts import PROGRESS
    from nlu.beneficiary import _PEOPLE
    from nlu.triage import load_lexicon

    catalog = load_catalog()
    community = yaml.safe_load(COMMUNITY_PATH.read_text(encoding="utf-8"))
    return {
        # A red flag's category: any rule's (an urgent sign the resident then says is
        # an emergency keeps its category), the detector's, or none.
        "category-": {rule.category for rule in load_lexicon().rules} | {"detector", "unspecified"},
        "weekday-": {str(d) for d in range(7)},
        "modality-": {m for code in catalog.codes() for m in catalog.get(code).modalities},
        "reason-": set(REASONS),
        "decline-reason-": set(DECLINE_REASONS),
        "gender-": {p["gender"] for p in community["providers"]},
        "group-": set(PRIORITY_GROUPS),
        "callback-reason-": {"urgent", "voice", "help", "contact", "other"},
        "recipient-": {"resident", "provider", "contact", "staff", "family"},
        "beneficiary-": {kind for kind, _ in _PEOPLE} | {"self"},
        "web-ind-": {target.key for target in TARGETS},
        "web-login-": {"unknown", "used", "expired", "revoked"},
        # Chronic care: readings, reviews, care plan items, family links, progress.
        "context-": set(CONTEXTS),
        "level-": set(LEVELS),
        "reading-chart-title-": set(KINDS),
        "weekly-what-": set(KINDS),
        "review-head-": set(REVIEW_KINDS),
        "plan-status-": set(PLAN_OPEN),
        "relation-": set(RELATIONS),
        "btn-relation-": set(RELATIONS),
        "progress-": set(PROGRESS),
    }


def used_in_code() -> tuple[dict[str, str], dict[str, str]]:
    """Message ids written out in bot/ and scheduler/, and the prefixes of ids built
    with an f-string; each with where it was seen."""
    literals: dict[str, str] = {}
    families: dict[str, str] = {}
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "scheduler").rglob("*.py")]):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and len(node.values) > 1:
                head = node.values[0]
                if isinstance(head, ast.Constant) and isinstance(head.value, str) and re.fullmatch(r"[a-z][a-z0-9-]*-", head.value):
                    families.setdefault(head.value, f"{where}:{node.lineno}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and MESSAGE_ID.match(node.value):
                literals.setdefault(node.value, f"{where}:{node.lineno}")
    return literals, families


def test_both_languages_have_the_same_messages() -> None:
    i18n = I18n()
    zh, en = i18n.keys("zh"), i18n.keys("en")
    assert zh, "no messages loaded"
    assert zh - en == set(), f"only in Chinese: {sorted(zh - en)}"
    assert en - zh == set(), f"only in English: {sorted(en - zh)}"


def test_every_message_id_in_the_code_exists_in_both_languages() -> None:
    i18n = I18n()
    known = i18n.keys("zh") & i18n.keys("en")
    literals, families = used_in_code()
    missing = sorted(f"{key} ({where})" for key, where in literals.items() if key not in known and key not in NOT_MESSAGES)
    assert missing == [], f"used in code, missing in a locale: {missing}"
    values = family_values()
    # The sandbox names its files "file-<hex>"; that is not a message.
    unknown = sorted(f"{prefix}… ({where})" for prefix, where in families.items() if prefix not in values and prefix != "file-")
    assert unknown == [], f"ids built at run time from values this test does not know: {unknown}"
    built = sorted(prefix + value for prefix, options in values.items() for value in options if prefix + value not in known)
    assert built == [], f"ids built at run time, missing in a locale: {built}"


def test_locale_files_are_read_by_fluents_parser(tmp_path) -> None:
    for lang in LANGUAGES:
        for path in (ROOT / "bot" / "locales" / lang).glob("*.ftl"):
            assert parse_messages(path), path
    for lang in LANGUAGES:
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "a.ftl").write_text(
            "hello = 你好\nmulti =\n    one\n    two = still the value\n-term = a term, not a message\n", encoding="utf-8"
        )
    i18n = I18n(tmp_path)
    assert i18n.keys("zh") == {"hello", "multi"}
    assert i18n.t("zh", "multi") == "one\ntwo = still the value"
    # Text Fluent cannot read is an error at start, with the file and the line.
    (tmp_path / "en" / "b.ftl").write_text("ok = fine\nbad key = broken\n", encoding="utf-8")
    with pytest.raises(LocaleError, match=r"en/b.ftl:2"):
        I18n(tmp_path)
    (tmp_path / "en" / "b.ftl").write_text("hello = twice\n", encoding="utf-8")
    with pytest.raises(LocaleError, match="hello"):
        I18n(tmp_path)


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
