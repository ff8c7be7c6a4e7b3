"""The English speech grammar, built from the service catalog and the NLU vocabulary:
what a resident may say to Jiayi, as phrases in any order. Decoding against it is far
more accurate than free dictation for elderly speakers and phone microphones."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from actions.catalog import load_catalog
from nlu.vocabulary import VOCABULARY_PATH


def service_phrases() -> list[str]:
    """The English names and synonyms of every service, as spoken words."""
    phrases: set[str] = set()
    for service in load_catalog():
        phrases.add(service.name_en)
        phrases.update(service.synonyms_en)
    raw = yaml.safe_load(Path(VOCABULARY_PATH).read_text(encoding="utf-8"))
    phrases.update(["blood pressure check", "blood sugar test", "check up", "health check", "home visit"])
    del raw
    cleaned = set()
    for phrase in phrases:
        phrase = re.sub(r"[^a-z' ]", " ", phrase.lower())
        phrase = " ".join(phrase.split())
        if phrase and phrase.isascii():
            cleaned.add(phrase)
    return sorted(cleaned)


def load_dictionary_words(path: Path) -> set[str]:
    words = set()
    with path.open(encoding="utf-8", errors="ignore") as fh:
        for line in fh:
            word = line.split(" ", 1)[0]
            words.add(re.sub(r"\(\d+\)$", "", word))
    return words


def jsgf(services: Iterable[str], known: set[str]) -> str:
    """A structured grammar of what residents ask for; words outside the dictionary
    are left out."""

    def alt(items: Iterable[str]) -> str:
        usable = sorted({i for i in items if i and all(w in known for w in i.split())})
        return " | ".join(usable)

    return f"""#JSGF V1.0;
grammar jiayi;
<want> = {alt(["i want to", "i want", "i would like to", "i would like", "i'd like to", "i need", "i need to", "can i", "could i", "can you", "could you", "please", "can i have", "i want to have"])};
<action> = {alt(["book", "get", "have", "make an appointment for", "see", "do", "arrange"])};
<article> = {alt(["a", "an", "my", "the", "some"])};
<service> = {alt(services)};
<part> = {alt(["morning", "afternoon", "evening"])};
<weekday> = {alt(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])};
<hour> = {alt(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"])};
<time> = today | tomorrow [<part>] | [on] [next] <weekday> [<part>] | this week | next week | this weekend | in the <part> | this <part> | at <hour> [o'clock] [in the <part>];
<place> = {alt(["at home", "at my home", "to my home", "to my house", "at my house", "at the clinic", "to the clinic", "at the centre", "by phone", "by video", "online", "over the phone"])};
<someone> = {alt(["a nurse", "a doctor", "someone", "a female doctor", "a woman doctor", "a male doctor", "the doctor", "my doctor", "my family doctor"])};
<request> = [<want>] [<action>] [<article>] <service> [<time>] [<place>] | [<want>] <someone> [to] come [<place>] [<time>] [to <service>];
<manage> = {alt(["cancel my booking", "cancel my appointment", "change my booking", "change my appointment", "reschedule my booking", "reschedule my appointment", "show my bookings", "my bookings", "call me back", "talk to my doctor", "help", "help me"])};
<emergency> = {alt(["my chest hurts", "chest pain", "my chest hurts and i am sweating", "i have chest pain", "i can't breathe", "he is not breathing", "she is not breathing", "he collapsed", "she collapsed", "he passed out", "she passed out", "he is unconscious", "she is unconscious", "call an ambulance", "help me", "his face is drooping", "her face is drooping", "slurred speech", "he is having a seizure", "she is having a seizure", "bleeding heavily", "i want to die", "i want to kill myself"])};
<answer> = {alt(["yes", "no", "yes please", "no thanks", "no thank you", "that's right", "that is right", "correct", "okay", "thank you", "thanks", "hello", "goodbye"])};
public <utterance> = [<answer>] (<request> | <manage> | <answer> | <emergency>+) [please] [thank you];
"""
