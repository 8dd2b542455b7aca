"""Counts written in words or digits ("three", "twenty-five", "at least 10", "a Pakistani driver")."""

from __future__ import annotations

import re

UNITS = {
    "zero": 0,
    "no": 0,
    "none": 0,
    "one": 1,
    "a": 1,
    "an": 1,
    "single": 1,
    "two": 2,
    "both": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "dozen": 12,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
MAX_COUNT = 100_000  # no report counts more victims; a larger figure is a year, an amount, a typo
WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?|[0-9][0-9,]*")
ASCII_DIGITS = re.compile(r"[0-9]+")


def parse_count(token: str) -> int | None:
    """One token as a count, or None: "13", "1,200", "three", "twenty-five"; never raises."""
    t = token.strip().lower()
    if not t or len(t) > 40:
        return None
    if t[0] in "0123456789":
        digits = t.replace(",", "")
        if not ASCII_DIGITS.fullmatch(digits):  # "²".isdigit() is true, int("²") fails
            return None
        n = int(digits)
        return n if n <= MAX_COUNT else None
    if t in UNITS:
        return UNITS[t]
    if t in TENS:
        return TENS[t]
    if "-" in t:
        tens, _, unit = t.partition("-")
        if tens in TENS and unit in UNITS and 0 < UNITS[unit] < 10:
            return TENS[tens] + UNITS[unit]
    return None


def words(text: str) -> list[str]:
    return WORD.findall(text)
