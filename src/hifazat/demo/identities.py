"""The demo persons' derived details: passport numbers, phones and emergency contacts come from the
person's name, so reruns (and reordered rows) find the same record."""

from __future__ import annotations

import hashlib

from hifazat.demo.specs import PersonSpec

_RELATIONS = ("spouse", "father", "mother", "brother", "sister")
_HOME_GIVEN = ("Li", "Ping", "Hua", "Fang", "Jun", "Yan", "Qing", "Hong")
_CN_MOBILE = (130, 131, 135, 136, 137, 138, 139, 150, 151, 158, 159, 186, 187, 188)


def seed(spec: PersonSpec) -> int:
    """A stable number per person (from the name), so rows may be added or reordered without renumbering."""
    digest = hashlib.sha256(f"{spec.given}|{spec.family}|{spec.nationality}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def passport_of(spec: PersonSpec) -> str:
    """The person's (fictional) passport number, in the style of the issuing country."""
    prefix = {"CN": "E", "DE": "C", "KR": "M", "TR": "U", "JP": "TK"}.get(spec.nationality, "P")
    digits = 9 - len(prefix)
    return f"{prefix}{seed(spec) % 10**digits:0{digits}d}"


def pk_mobile(i: int) -> str:
    network = (300, 301, 302, 303, 311, 312, 321, 333, 334, 345)[i % 10]
    return f"+92 {network} {i // 10 % 10_000_000:07d}"


def home_contact(i: int, spec: PersonSpec) -> tuple[str, str]:
    if spec.nationality == "CN":
        name = f"{spec.family} {_HOME_GIVEN[i % len(_HOME_GIVEN)]} ({_RELATIONS[i % len(_RELATIONS)]})"
        prefix = _CN_MOBILE[i % len(_CN_MOBILE)]
        return name, f"+86 {prefix} {(1000 + i * 37) % 10000:04d} {(5000 + i * 113) % 10000:04d}"
    codes = {"DE": "+49 151", "KR": "+82 10", "TR": "+90 532", "JP": "+81 90"}
    number = f"{(2000 + i * 53) % 10000:04d} {(3000 + i * 71) % 10000:04d}"
    relation = _RELATIONS[i % len(_RELATIONS)]
    return f"{spec.family} family ({relation})", f"{codes.get(spec.nationality, '+44 7700')} {number}"
