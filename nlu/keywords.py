"""Text no classifier should read: empty, emoji or symbols only, mostly another script,
or far longer than any request. Triage still reads all of it."""

from __future__ import annotations

import re

MAX_REQUEST_CHARS = 2000
_LETTERS = re.compile(r"[a-zA-Z\u3400-\u9fff]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_FOREIGN = re.compile(r"[\u3040-\u30ff\uac00-\ud7af\u0400-\u04ff\u0600-\u06ff]")
# A monitor's numbers sent alone ("143/91", "123 79 63") are a reading, not noise.
_NUMBERS = re.compile(r"^\d{2,3}(?:\s*[/／\\,，、;；\s]\s*\d{2,3}){1,2}$")


def junk(text: str) -> bool:
    stripped = text.strip()
    if len(stripped) > MAX_REQUEST_CHARS:
        return True
    if not _LETTERS.search(stripped):
        return not _NUMBERS.match(stripped)
    foreign = len(_FOREIGN.findall(stripped))
    return foreign > 0 and foreign >= len(_CJK.findall(stripped)) + len(re.findall(r"[a-zA-Z]", stripped)) / 4
