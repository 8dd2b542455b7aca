"""The publication date (header line `date YYYY-MM-DD` / `Date: YYYY-MM-DD`) and the event's date,
resolved against it: "on Tuesday", "late on Sunday", "yesterday", "March 20", "20 March 2024"."""

from __future__ import annotations

import re
from datetime import date, timedelta

HEADER = re.compile(r"\A\s*date:?\s*(\d{4}-\d{2}-\d{2})\b[^\n]*(?:\n|\Z)", re.I)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_MON = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
EXPR = re.compile(
    r"\b(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b"
    r"|\b(?P<rel>yesterday|today|last week|last night)\b"
    rf"|\b{_MON}\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?P<y1>\d{{4}}))?"
    rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}\b(?:,?\s*(?P<y2>\d{{4}}))?",
    re.I,
)


def publication_date(text: str) -> tuple[date | None, str]:
    """The header's date and the text after the header line (the whole text when there is none)."""
    m = HEADER.match(text)
    if not m:
        return None, text
    try:
        return date.fromisoformat(m.group(1)), text[m.end() :]
    except ValueError:  # 2024-13-45: no date, but the header line is still not body text
        return None, text[m.end() :]


def _on_or_before(anchor: date, month: int, day: int) -> date | None:
    for year in (anchor.year, anchor.year - 1):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if d <= anchor:
            return d
    return None


def resolve(m: re.Match[str], anchor: date | None) -> tuple[date | None, float]:
    """One matched expression as a date, with its confidence; relative ones need the anchor."""
    g = m.groupdict()
    if g["wd"]:
        if anchor is None:
            return None, 0.0
        back = (anchor.weekday() - DAYS.index(g["wd"].lower())) % 7  # the most recent such day, on or before
        return anchor - timedelta(days=back), 0.9
    if g["rel"]:
        if anchor is None:
            return None, 0.0
        rel = g["rel"].lower()
        back = {"yesterday": 1, "last night": 1, "today": 0, "last week": 7}[rel]
        return anchor - timedelta(days=back), 0.4 if rel == "last week" else 0.8
    mon = m.group(3) or m.group(7)  # the month, before or after the day
    day = int(g["d1"] or g["d2"])
    month = MONTHS[mon[:3].lower()]
    year = g["y1"] or g["y2"]
    if year:
        try:
            return date(int(year), month, day), 0.95
        except ValueError:
            return None, 0.0
    if anchor is None:
        return None, 0.0
    return _on_or_before(anchor, month, day), 0.85


def event_date(sentences: list[str], anchor: date | None) -> tuple[date | None, float]:
    """The first date expression of the event's sentences, resolved; none found: (None, 0)."""
    for s in sentences:
        for m in EXPR.finditer(s):
            d, conf = resolve(m, anchor)
            if d is not None and (anchor is None or d <= anchor + timedelta(days=1)):
                return d, conf
    return None, 0.0
