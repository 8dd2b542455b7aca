"""Attack type from the fixed set, the claiming group, and the victims' nationalities."""

from __future__ import annotations

import re

from hifazat.intel.extract.lexicon import CLAIM, DEMONYMS, GROUPS, NO_CLAIM, PLURAL_DEMONYMS, VICTIM_NOUNS

ATTACK_TYPES = (
    "shooting",
    "bombing",
    "suicide_bombing",
    "complex_attack",
    "insider_attack",
    "kidnapping",
    "threat",
    "protest",
    "other",
)


def _rx(p: str) -> re.Pattern[str]:
    return re.compile(p, re.I)


INSIDER = _rx(
    r"\b(?:body)?guard (?:opened fire|shot|fired)|\binsider attack"
    r"|gunfire from (?:a|his|their) (?:security )?(?:body)?guard"
)
KIDNAP = _rx(r"\bkidnap|\babduct|\btaken hostage|\bheld hostage")
PROTEST = _rx(r"\bprotest|\bdemonstrat|\bblocked (?:the )?(?:\w+ )?(?:road|highway)|\bsit-in\b|\brally\b")
COMPLEX = _rx(
    r"\bstorm(?:ed|ing)\b|\bbesieg|\bguns and explosives\b|\bgunfire and grenades\b|\bguns? and grenades?\b"
)
SUICIDE = _rx(r"\bsuicide\b")
GUNS = _rx(r"\bgunm[ae]n\b|\bopened fire\b|\bsecond attacker\b")
BOMB = _rx(r"\bbomb|\bblast|\bexplo(?:sion|ded|sive device)|\bIED\b")
SHOOT = _rx(r"\bshot\b|\bopened fire\b|\bgunfire\b|\bshooting\b|\bgunned down\b|\bfiring\b")
THREAT = _rx(r"\bwarn(?:ed|ing)\b|\bthreat(?:en|ened|s)?\b")
HARM = _rx(r"\bkill|\binjur|\bwound|\bexplod|\bstorm|\bopened fire|\bshot\b|\battacked\b")
WORD = re.compile(r"[A-Za-z]+")


def attack_type(text: str) -> tuple[str | None, float]:
    """The first rule that fires, most specific first; a text with none of the words: other or None."""
    if INSIDER.search(text):
        return "insider_attack", 0.85
    if KIDNAP.search(text):
        return "kidnapping", 0.9
    if PROTEST.search(text) and not HARM.search(text):
        return "protest", 0.8
    if THREAT.search(text) and not HARM.search(text):
        return "threat", 0.7
    if COMPLEX.search(text) or (SUICIDE.search(text) and GUNS.search(text)):
        return "complex_attack", 0.75
    if SUICIDE.search(text):
        return "suicide_bombing", 0.9
    if BOMB.search(text):
        return "bombing", 0.85
    if SHOOT.search(text):
        return "shooting", 0.8
    if HARM.search(text):
        return "other", 0.4
    return None, 0.0


def perpetrator(sentences: list[str], kind: str | None = None) -> tuple[str | None, float]:
    """The group a sentence says claimed the act (for a threat: the group that made it); a group named
    without a claim, or denying, is not one."""
    for s in sentences:
        said = CLAIM.search(s) or (kind == "threat" and THREAT.search(s))
        if not said or NO_CLAIM.search(s):
            continue
        for rx, code in GROUPS:
            if rx.search(s):
                return code, 0.9
    return None, 0.6


def nationalities(sentences: list[str]) -> tuple[list[str] | None, float]:
    """ISO 3166-1 alpha-2 of the demonyms naming victims or targets ("Chinese engineers", "four
    Pakistanis"); sorted; None when the report names none."""
    found: set[str] = set()
    for s in sentences:
        toks = WORD.findall(s)
        for i, tok in enumerate(toks):
            low = tok.lower()
            code = DEMONYMS.get(low)
            if code is None or not tok[0].isupper():
                continue
            j = i + 1  # past a list of demonyms: "Ukrainian, Chinese and Nepali climbers"
            while (
                j < len(toks)
                and j < i + 8
                and (toks[j].lower() in DEMONYMS or toks[j].lower() in {"and", "or"})
            ):
                j += 1
            follow = [t.lower() for t in toks[j : j + 3]]
            prev = toks[i - 1].lower() if i else ""
            names_victim = any(f in VICTIM_NOUNS for f in follow[:3])
            plural_noun = low in PLURAL_DEMONYMS and (
                not follow
                or follow[0] in {"and", "were", "was", "a"}
                or prev.isdigit()
                or prev in {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
            )
            if names_victim or plural_noun or (low.endswith("s") and low in PLURAL_DEMONYMS):
                found.add(code)
    return (sorted(found), 0.75) if found else (None, 0.6)
