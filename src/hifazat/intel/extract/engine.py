"""One report's text -> one event (the CLI's JSON object); pure Python, no database, no network."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hifazat.intel.extract import casualties, classify, dates, places

MAX_CHARS = 2_000_000  # a report longer than this is not a report (a dump, a book): refused, not read
FIELDS = (
    "event_date",
    "location",
    "admin1",
    "lat",
    "lon",
    "killed",
    "injured",
    "victim_nationalities",
    "attack_type",
    "perpetrator",
)
DATELINE = re.compile(
    r"\A\s*(?P<place>[A-Z][A-Za-z'\u2019]*(?: [A-Z][A-Za-z'\u2019]*)*)[A-Za-z .,'\u2019]{0,40}?"
    r"(?:,?\s*[A-Z][a-z]{2,8}\.?\s\d{1,2})?\s*(?:\([^)\n]{1,80}\)\s*[-—\u2013:]?|[-—\u2013]|:)\s"
)
SENTENCE = re.compile(r"(?<=[.!?])[\"”\u2019]?\s+(?=[\"“A-Z0-9])|\n+")
EVENT = re.compile(
    rf"{casualties.KILL}|{casualties.HURT}|attack|bomb|blast|explo|kidnap|abduct|gunm|opened fire|stormed|"
    r"protest|blocked|warned|threat|incident|gunfire|shot",
    re.I,
)
# A sentence about an earlier incident: a year before the report's, "weeks after", "recalled".
BACKGROUND = re.compile(
    r"\b(?:weeks|months|days) (?:after|before)\b|\brecall|\bprevious\b|\blast year\b|\bearlier attack", re.I
)
YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
NEAR = re.compile(r"(?:\b(?:in|near|at|outside)\s+(?:the\s+)?(?:city of\s+)?)$", re.I)
FROM = re.compile(r"\bfrom\s+(?:the\s+)?$", re.I)
TO = re.compile(r"\bto\s+(?:the\s+)?$", re.I)


class ExtractError(ValueError):
    """The input is not a report: empty, binary, not UTF-8 or too large (the message says which)."""


LONGEST = 2_000  # a "sentence" longer than this (no stops: a dump) is read in pieces, keeping time linear


def _sentences(body: str) -> list[str]:
    out: list[str] = []
    for s in SENTENCE.split(body):
        s = s.strip() if s else ""
        out.extend(s[i : i + LONGEST] for i in range(0, len(s), LONGEST))
    return out


def _is_background(s: str, pub: date | None) -> bool:
    if BACKGROUND.search(s):
        return True
    return pub is not None and any(int(y) < pub.year for y in YEAR.findall(s))


def _score(s: str, hits: list[int], off: int, p: places.Place) -> tuple[bool, float, int]:
    """Lower is likelier: not a district, near an event word, after "in"/"near", a project locality."""
    dist = min((abs(off - h) for h in hits), default=1000)
    pre = s[:off]
    bonus = (25 if NEAR.search(pre) else 0) + (10 if p.project else 0)
    malus = 20 if TO.search(pre) else 0
    return (p.name in places.DISTRICTS, dist - bonus + malus, off)


def _location(
    event: list[str], dateline: str | None, threat: bool = False
) -> tuple[places.Place | None, float]:
    """The place nearest an event word in the event's sentences, not one travelled from; one travelled
    to, or a district, only when nothing nearer; the dateline's city when the sentences name none. A
    threat is a statement: its place only when "in"/"at" one (not "after the Karachi bombing")."""
    for s in event:
        cands = [(off, p) for off, p in places.find(s) if not FROM.search(s[:off])]
        if threat:
            cands = [(off, p) for off, p in cands if NEAR.search(s[:off])]
        if not cands:
            continue
        hits = [m.start() for m in EVENT.finditer(s)]
        return min(cands, key=lambda c: _score(s, hits, *c))[1], 0.85
    if dateline:
        found = places.find(dateline.title() if dateline.isupper() else dateline)
        if found:
            return found[0][1], 0.55
    return None, 0.0


def extract_text(text: str) -> dict[str, Any]:
    """The event one report describes; unknown values are None, `confidence` has one figure per field."""
    if len(text) > MAX_CHARS:
        raise ExtractError(f"too large: {len(text)} characters, at most {MAX_CHARS}")
    pub, body = dates.publication_date(text)
    dl = DATELINE.match(body)
    dateline = dl.group("place") if dl else None
    if dl:
        body = body[dl.end() :]
    sentences = _sentences(body)
    main = [s for s in sentences if not _is_background(s, pub)]
    event = [s for s in main if EVENT.search(s)]
    joined = " ".join(event)
    kind, c_kind = classify.attack_type(joined)
    when, c_when = dates.event_date(event, pub)
    place, c_place = _location(event, dateline, threat=kind == "threat")
    admin1 = place.admin1 if place else places.province(" ".join(main))
    killed, injured, c_k, c_i = casualties.count(event)
    if kind is not None:  # an event with no count of victims reported: none (ACLED's convention)
        killed = 0 if killed is None else killed
        injured = 0 if injured is None else injured
    nats, c_nat = classify.nationalities(event)
    group, c_group = classify.perpetrator(main, kind)
    out: dict[str, Any] = {
        "event_date": when.isoformat() if when else None,
        "location": place.name if place else None,
        "admin1": admin1,
        "lat": round(place.lat, 4) if place else None,
        "lon": round(place.lon, 4) if place else None,
        "killed": killed,
        "injured": injured,
        "victim_nationalities": nats,
        "attack_type": kind,
        "perpetrator": group,
    }
    conf = {
        "event_date": c_when,
        "location": c_place,
        "admin1": c_place if place else (0.5 if admin1 else 0.0),
        "lat": c_place,
        "lon": c_place,
        "killed": c_k if kind else 0.0,
        "injured": c_i if kind else 0.0,
        "victim_nationalities": c_nat,
        "attack_type": c_kind,
        "perpetrator": c_group,
    }
    out["confidence"] = {k: round(v, 2) for k, v in conf.items()}
    return out


def decode(data: bytes) -> str:
    """A file's bytes as text, or a clear ExtractError."""
    if not data.strip():
        raise ExtractError("empty: no text to read")
    if len(data) > MAX_CHARS * 4:
        raise ExtractError(f"too large: {len(data)} bytes")
    if b"\x00" in data:
        raise ExtractError("binary: the file holds NUL bytes, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractError(f"not UTF-8 text (byte {exc.start})") from exc


def empty_result() -> dict[str, Any]:
    return {**dict.fromkeys(FIELDS), "confidence": dict.fromkeys(FIELDS, 0.0)}
