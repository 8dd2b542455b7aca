"""Victims killed and injured in the event's sentences; attackers are never counted (docs/intel.md)."""

from __future__ import annotations

import re

from hifazat.intel.extract.lexicon import ATTACKER_NOUNS
from hifazat.intel.extract.numbers import parse_count, words

KILL = r"killed|killing|shot dead|dead|died|gunned down|lost (?:their|his|her) lives"
HURT = r"injured|injuring|wounded|wounding|hurt"
VERB = re.compile(rf"\b(?P<k>{KILL})\b|\b(?P<h>{HURT})\b", re.I)
PASSIVE = re.compile(r"\b(?:was|were|been|are|is)\s+(?:\w+\s+)?$", re.I)
# Where the phrase of a count ends, before or after the verb.
BOUNDARY = re.compile(
    rf"[.;:]|\b(?:when|while|after|as|but|before|where|said|{KILL}|{HURT})\b|,\s*(?:police|officials)", re.I
)
APPOSITION = re.compile(r",[^,]{1,80},")  # "Two people, a guard and a passer-by, were injured"
INCLUDING = re.compile(r",?\s*\(?including[^,()]*[,)]?", re.I)
NONE_HURT = re.compile(
    r"\bno (?:one|injuries|casualties)\b|\bno \w+ (?:\w+ )?(?:were|was) (?:hurt|injured|harmed)", re.I
)
SINGULAR_AFTER = re.compile(r"^[a-z-]+$")
SKIP_AFTER = frozenset(
    {"year", "years", "km", "kilometres", "hours", "minutes", "days", "percent", "am", "pm"}
)


def _count(phrase: str) -> int | None:
    """The victims a phrase counts: the numbers it names ("three Chinese teachers and their Pakistani
    driver" is 4); None when it names none or names attackers."""
    phrase = INCLUDING.sub(" ", APPOSITION.sub(" ", phrase))
    if ATTACKER_NOUNS.search(phrase):
        return None
    toks = words(phrase)
    total, found = 0, False
    for i, tok in enumerate(toks):
        low = tok.lower()
        nxt = toks[i + 1].lower() if i + 1 < len(toks) else ""
        if low in {"his", "her", "their"} and (i == 0 or toks[i - 1].lower() == "and"):
            total, found = total + 1, True  # "and their Pakistani driver": one more
            continue
        if low in {"a", "an", "one"} and i > 0 and toks[i - 1].lower() not in {"and", ""}:
            continue  # "a" inside a phrase ("at a factory") counts only at its start or after "and"
        n = parse_count(tok)
        if n is None or nxt in SKIP_AFTER or (tok.isdigit() and len(tok) == 4 and n >= 1900):
            continue
        if low in {"a", "an"} and not nxt:
            continue
        total, found = total + n, True
    return total if found else None


WINDOW = 300  # a count phrase is short: looking no further keeps a huge sentence linear


def _before(s: str, end: int) -> str:
    begin = max(0, end - WINDOW)
    starts = [m.end() for m in BOUNDARY.finditer(s, begin, end)]
    return s[(starts[-1] if starts else begin) : end]


def _after(s: str, start: int) -> str:
    s = s[: start + WINDOW]
    m = BOUNDARY.search(s, start)
    stop = m.start() if m else len(s)
    comma = s.find(",", start)
    stop = min(stop, comma) if comma != -1 else stop
    return s[start:stop]


def count(sentences: list[str]) -> tuple[int | None, int | None, float, float]:
    """(killed, injured, confidence of each): the first count found for each in document order."""
    killed: int | None = None
    injured: int | None = None
    for s in sentences:
        for m in VERB.finditer(s):
            is_kill = m.group("k") is not None
            if (killed if is_kill else injured) is not None:
                continue
            verb = m.group(0).lower()
            pre = s[: m.start()]
            if verb.endswith("ing"):
                n = _count(_after(s, m.end()))
            elif PASSIVE.search(pre):
                n = _count(_before(s, m.start()))
            else:
                n = _count(_after(s, m.end()))
                if n is None:
                    n = _count(_before(s, m.start()))
            if n is None:
                continue
            if is_kill:
                killed = n
            else:
                injured = n
        if injured is None and NONE_HURT.search(s):
            injured = 0
    return killed, injured, 0.8 if killed is not None else 0.5, 0.8 if injured is not None else 0.5
