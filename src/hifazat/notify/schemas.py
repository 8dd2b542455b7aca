"""Recipients, preferences, webhooks and delivery views: validation with clear messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
USER_CHANNELS = ("stream", "email", "mqtt")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_TOPIC = re.compile(r"^[a-z][a-z0-9_.-]{0,59}$")


def severity_rank(value: Any) -> int:
    """Rank of a severity; anything unknown counts as medium."""
    return SEVERITY_RANK.get(str(value).lower(), SEVERITY_RANK["medium"])


@dataclass(frozen=True)
class Recipient:
    """Who should be told. Exactly one of these is set (`role` comes with `agency_id`)."""

    user_id: str | None = None
    role: str | None = None
    agency_id: str | None = None
    unit_id: str | None = None
    webhook_id: str | None = None
    device_id: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        set_ = [f.name for f in fields(self) if getattr(self, f.name)]
        if self.role:
            if set_ != ["role", "agency_id"]:
                raise ValueError("a role recipient needs exactly role and agency_id")
        elif len(set_) != 1:
            raise ValueError(f"a recipient has exactly one of user_id, role, agency_id, ...; got {set_}")

    @property
    def label(self) -> str:
        if self.role:
            return f"role:{self.agency_id}:{self.role}"
        for f in fields(self):
            value = getattr(self, f.name)
            if value:
                return f"{f.name.removesuffix('_id')}:{value}"
        raise ValueError("empty recipient")  # pragma: no cover - __post_init__ forbids it


class ChannelPref(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    min_severity: str = Field(default="info", description="Lowest severity sent on this channel")

    @field_validator("min_severity")
    @classmethod
    def _severity(cls, v: str) -> str:
        if v not in SEVERITY_RANK:
            raise ValueError(f"must be one of {', '.join(SEVERITIES)}")
        return v


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(description="HH:MM local time when quiet hours begin")
    end: str = Field(description="HH:MM local time when they end")
    timezone: str = Field(default="Asia/Karachi", description="IANA time zone")

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError("must be a time as HH:MM (24 hours)")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not a known IANA time zone") from exc
        return v


DEFAULT_CHANNELS: dict[str, ChannelPref] = {
    "stream": ChannelPref(enabled=True, min_severity="info"),
    "email": ChannelPref(enabled=True, min_severity="medium"),
    "mqtt": ChannelPref(enabled=True, min_severity="high"),
}


class PreferencesIn(BaseModel):
    """Channels per severity and topic, the email address to use, quiet hours (critical ignores them)."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = Field(default=None, description="Overrides the account's email address")
    channels: dict[str, ChannelPref] = Field(default_factory=lambda: dict(DEFAULT_CHANNELS))
    topics: dict[str, list[str]] = Field(
        default_factory=dict, description="Topic -> the only channels used for it, e.g. {'poll': ['stream']}"
    )
    quiet_hours: QuietHours | None = None
    alarm_sound: bool = Field(
        default=True, description="Sound in the dashboard's inbox while a critical alert is unacknowledged"
    )

    @field_validator("channels")
    @classmethod
    def _channels(cls, v: dict[str, ChannelPref]) -> dict[str, ChannelPref]:
        for name in v:
            if name not in USER_CHANNELS:
                raise ValueError(f"unknown channel {name!r}; channels are {', '.join(USER_CHANNELS)}")
        return v

    @field_validator("topics")
    @classmethod
    def _topics(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        if len(v) > 50:
            raise ValueError("at most 50 topics")
        for topic, chans in v.items():
            if not _TOPIC.match(topic):
                raise ValueError(f"topic {topic!r} must be lower-case letters, digits, '_', '.', '-'")
            for c in chans:
                if c not in USER_CHANNELS:
                    raise ValueError(f"topic {topic!r}: unknown channel {c!r}")
        return v


class PreferencesOut(PreferencesIn):
    user_id: str
    effective_email: str | None = Field(default=None, description="Where email goes (preference or account)")


def _check_url(v: str) -> str:
    parts = urlsplit(v)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; the request is signed with the secret instead")
    return v


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    url: str = Field(max_length=500, description="Where notifications are POSTed as JSON")
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        description="HMAC-SHA256 signing secret; generated and returned once when omitted",
    )
    topics: list[str] = Field(default_factory=list, max_length=50, description="Topics wanted; empty = all")
    agency_id: str | None = Field(default=None, description="Owning agency; default your own")
    active: bool = True

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _check_url(v)

    @field_validator("topics")
    @classmethod
    def _topics(cls, v: list[str]) -> list[str]:
        for t in v:
            if not _TOPIC.match(t):
                raise ValueError(f"topic {t!r} must be lower-case letters, digits, '_', '.', '-'")
        return v


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    url: str | None = Field(default=None, max_length=500)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    topics: list[str] | None = Field(default=None, max_length=50)
    active: bool | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return None if v is None else _check_url(v)

    @field_validator("topics")
    @classmethod
    def _topics(cls, v: list[str] | None) -> list[str] | None:
        for t in v or []:
            if not _TOPIC.match(t):
                raise ValueError(f"topic {t!r} must be lower-case letters, digits, '_', '.', '-'")
        return v


class WebhookOut(BaseModel):
    id: str
    agency_id: str
    name: str
    url: str
    topics: list[str]
    active: bool
    created_at: datetime
    secret: str | None = Field(default=None, description="Only in the answer that created or rotated it")


class DeliveryOut(BaseModel):
    id: str
    idempotency_key: str
    ref_kind: str
    ref_id: str
    topic: str
    reason: str
    severity: str
    channel: str
    recipient_kind: str
    recipient_id: str
    user_id: str | None
    agency_id: str | None
    address: str | None = Field(description="Where it went; null outside the recipient's agency tree")
    status: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    last_error: str | None = Field(description="Why the last try failed; null outside the recipient's tree")
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    redacted: list[str] = Field(default_factory=list, description="Fields hidden from you (see address)")
    recipient_label: str | None = Field(
        None, description='The recipient by name ("a user of <agency>" where its name is not yours to read)'
    )
    recipient_agency_label: str | None = Field(None, description="The recipient's agency by name")
