"""Reusable field validators: ISO codes, phone numbers, identifiers."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

PROVINCES = {
    "PK-SD": "Sindh",
    "PK-BA": "Balochistan",
    "PK-KP": "Khyber Pakhtunkhwa",
    "PK-PB": "Punjab",
    "PK-IS": "Islamabad Capital Territory",
    "PK-GB": "Gilgit-Baltistan",
    "PK-JK": "Azad Jammu and Kashmir",
}
_ISO2 = re.compile(r"^[A-Z]{2}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
_DISTRICT = re.compile(r"^[^:]{1,80}$")


def _country(v: str) -> str:
    v = v.strip().upper()
    if not _ISO2.match(v):
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as PK or CN")
    return v


def _province(v: str) -> str:
    v = v.strip().upper()
    if v not in PROVINCES:
        raise ValueError(f"must be an ISO 3166-2 code of Pakistan: one of {', '.join(sorted(PROVINCES))}")
    return v


def _jurisdiction_code(v: str) -> str:
    v = v.strip()
    if v.upper() == "PK":
        return "PK"
    prov, _, district = v.partition(":")
    prov = _province(prov)
    if district and not _DISTRICT.match(district):
        raise ValueError("district must be 1-80 characters")
    return f"{prov}:{district.strip()}" if district else prov


def _phone(v: str) -> str:
    v = v.strip()
    if not _PHONE.match(v):
        raise ValueError("must be a phone number: digits, spaces or dashes, optional leading +, 6-20 long")
    return v


CountryCode = Annotated[str, AfterValidator(_country)]
ProvinceCode = Annotated[str, AfterValidator(_province)]
JurisdictionCode = Annotated[str, AfterValidator(_jurisdiction_code)]
Phone = Annotated[str, AfterValidator(_phone)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
