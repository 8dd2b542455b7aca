"""Settings from HIFAZAT_* environment variables, optionally a TOML file named by HIFAZAT_CONFIG_FILE."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from hifazat.security.targets import entries as allow_entries


class _TomlFileSource(PydanticBaseSettingsSource):
    """Reads the optional config file; environment variables still win over it."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("HIFAZAT_CONFIG_FILE")
        if not path:
            return {}
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"HIFAZAT_CONFIG_FILE={path} cannot be read: {exc}") from exc
        section = data.get("hifazat", data)
        if not isinstance(section, dict):
            raise ValueError(f"HIFAZAT_CONFIG_FILE={path}: [hifazat] must be a table")
        return {str(k).lower(): v for k, v in section.items()}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HIFAZAT_", extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="Where the SQLite file and key file live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite (WAL) at <data_dir>/hifazat.db."
    )
    secret_key_file: Path | None = Field(
        default=None, description="Field-encryption key file; default <data_dir>/field.key (created on init)."
    )
    field_key: SecretStr | None = Field(
        default=None, description="Field-encryption key (urlsafe base64, 32 bytes); wins over the key file."
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="Audit chain key ring (JSON lines); default <data_dir>/audit.key (made on first write).",
    )
    audit_checkpoint_file: Path | None = Field(
        default=None,
        description="Signed checkpoints of the audit chain head; default <data_dir>/audit-checkpoints.jsonl.",
    )
    audit_checkpoint_interval_seconds: float = Field(
        default=300.0, ge=0, description="How often serve writes a checkpoint (0 = only at shutdown)."
    )
    admin_user: str = Field(default="admin", description="User name of the first admin created by init.")
    admin_password: SecretStr | None = Field(default=None, description="Password of that admin; else prompt.")
    admin_agency: str = Field(default="Ministry of Interior", description="Name of the first agency.")
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60, description="Lifetime of an access token.")
    login_max_failures: int = Field(default=5, ge=1, description="Failed logins before the account locks.")
    login_window_seconds: int = Field(default=300, ge=1, description="Window in which failures are counted.")
    login_lockout_seconds: int = Field(default=900, ge=1, description="How long an account stays locked.")
    host: str = Field(default="127.0.0.1", description="Address `hifazat serve` binds.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `hifazat serve` binds.")
    workers: int = Field(default=1, ge=1, description="Worker processes for `hifazat serve`.")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or CIDR networks of the reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty = none, the peer's own address is the client.",
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins (scheme://host[:port]) besides the server's own from which a cookie login "
        "is accepted.",
    )
    bulk_lane: bool = Field(
        default=True,
        description="Each serve worker runs bulk position ingest and background jobs in a helper process, "
        "so an SOS never shares an interpreter with them.",
    )
    # Off by default: a control room may have no internet, and a public tile server sees every place an
    # operator looks at. The shipped base map (provinces, districts, roads, cities) always draws.
    tile_url: str = Field(
        default="",
        description="Map tile template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty = no "
        "tiles, only the shipped base map.",
    )
    tile_attribution: str = Field(
        default="", description="Attribution shown under the map tiles (HTML), e.g. for OpenStreetMap."
    )
    log_level: str = Field(default="INFO", description="Root log level.")
    log_json: bool = Field(default=True, description="Structured JSON logs (one object per line).")
    nats_url: str | None = Field(default=None, description="NATS JetStream URL; unset = in-process bus.")
    mqtt_url: str | None = Field(
        default=None, description="MQTT broker URL for devices, e.g. mqtt://host:1883."
    )
    page_size_max: int = Field(default=500, ge=1, description="Largest page a list endpoint returns.")
    alerts_default_ack_timeout_s: int = Field(
        default=120, ge=5, description="Ack timeout per level of the built-in escalation (no policy matches)."
    )
    alerts_reopen_window_s: int = Field(
        default=86400, ge=0, description="How long after resolution an alert may still be reopened."
    )
    alerts_escalation_poll_s: float = Field(
        default=0.2, gt=0, le=1.0, description="Longest sleep of the escalation timer loop between checks."
    )
    # --- personnel (docs/personnel.md) ---
    personnel_armed_age_limit: int = Field(
        default=60, ge=18, le=100, description="Age at which a person may no longer take armed duty."
    )
    personnel_check_validity_days: dict[str, int] = Field(
        default_factory=lambda: {
            "police_verification": 365,
            "background_check": 730,
            "biometric_verification": 1825,
            "physical_fitness": 180,
            "psychological_evaluation": 365,
            "weapons_training": 365,
            "refresher_training": 180,
        },
        description="Days a passed check stays valid, per kind (a check's expires_on defaults from it).",
    )
    personnel_armed_checks: tuple[str, ...] = Field(
        default=(
            "police_verification",
            "background_check",
            "biometric_verification",
            "physical_fitness",
            "psychological_evaluation",
            "weapons_training",
        ),
        description="Checks that must be passed and valid for the whole shift of an armed duty.",
    )
    personnel_duty_checks: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Checks an armed duty of a kind requires, per duty kind; a kind not named uses "
        "personnel_armed_checks.",
    )
    personnel_rest_hours: float = Field(
        default=8.0, ge=0, le=48, description="Least rest, in hours, between two duties of one person."
    )
    personnel_compliance_job_interval_s: float = Field(
        default=86400.0, gt=0, description="How often the duty compliance job re-checks future duties."
    )
    personnel_expiry_warning_days: int = Field(
        default=30, ge=0, le=365, description="Days before a check expires that its warning goes out."
    )
    personnel_expiry_job_interval_s: float = Field(
        default=3600.0, gt=0, description="How often the check-expiry warning job looks."
    )
    sms_webhook_token: SecretStr | None = Field(
        default=None,
        description="Shared secret the SMS gateway sends (X-Hifazat-Token or ?token=); unset = off.",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for email notifications; unset = no email."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP server port.")
    smtp_user: str | None = Field(default=None, description="SMTP login user (optional).")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP login password (optional).")
    smtp_from: str = Field(default="hifazat@localhost", description="Sender address of notification email.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS.")
    notify_mqtt_prefix: str = Field(
        default="hifazat/notify",
        description="MQTT topic prefix for device notifications (<prefix>/<device>).",
    )
    notify_max_attempts: int = Field(default=8, ge=1, le=100, description="Delivery attempts before failed.")
    notify_backoff_base_seconds: float = Field(
        default=2.0, gt=0, description="First retry delay; doubles per attempt (with jitter)."
    )
    notify_backoff_max_seconds: float = Field(default=600.0, gt=0, description="Longest retry delay.")
    notify_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a worker holds a claimed delivery before others may retry it.",
    )
    notify_send_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of one send (SMTP, webhook, MQTT)."
    )
    notify_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the delivery worker looks for due deliveries."
    )
    notify_worker: bool = Field(default=True, description="Run the notification delivery worker in serve.")
    webhook_allow: list[str] = Field(
        default_factory=list,
        description="Hosts, addresses or CIDR networks webhooks may reach although internal (loopback, "
        "private, link-local); empty = only public addresses.",
    )

    # --- tracking ---
    tracking_retention_days: int = Field(
        default=365, ge=0, description="Positions older than this are purged (0 = keep forever)."
    )
    tracking_stale_after_seconds: int = Field(
        default=900, ge=30, description="A device silent this long raises device_stale."
    )
    tracking_low_battery_percent: float = Field(
        default=20.0, ge=0, le=100, description="Battery level (percent) below which low_battery fires."
    )
    tracking_escort_max_distance_m: float = Field(
        default=500.0,
        gt=0,
        description="Default distance from every escort device that counts as unaccompanied.",
    )
    tracking_future_tolerance_seconds: int = Field(
        default=300, ge=0, description="Fix times further ahead of the server clock are rejected."
    )
    tracking_coarse_roles: list[str] = Field(
        default_factory=lambda: ["liaison"],
        description="Roles that see positions coarsened (a user with only these roles).",
    )
    tracking_coarse_decimals: int = Field(
        default=2, ge=0, le=6, description="Decimal places coarsened positions keep (2 = about 1 km)."
    )
    tracking_stream_interval_seconds: float = Field(
        default=1.0, ge=0, description="At most one live position event per device per this interval."
    )
    tracking_max_batch: int = Field(
        default=10_000, ge=1, le=100_000, description="Largest native batch POST /api/v1/positions accepts."
    )
    tracking_bad_requests_per_minute: int = Field(
        default=60, ge=1, description="Failed device requests per client address per minute before 429."
    )
    tracking_unknown_devices_per_minute: int = Field(
        default=20,
        ge=1,
        description="Reports for unknown or inactive device identifiers (and failed device logins) per"
        " client address per minute; past it every device request from that address is 429.",
    )
    tracking_mqtt_topics: list[str] = Field(
        default_factory=lambda: ["owntracks/+/+", "owntracks/+/+/event"],
        description="MQTT topic filters subscribed for OwnTracks (when HIFAZAT_MQTT_URL is set).",
    )
    tracking_mqtt_share_group: str | None = Field(
        default="hifazat",
        description="MQTT shared-subscription group so each message reaches one worker (empty = none).",
    )
    evidence_dir: Path | None = Field(
        default=None,
        description="Root of the content-addressed evidence store; default <data_dir>/evidence.",
    )
    evidence_max_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1, description="Largest evidence file accepted, in bytes (50 MiB)."
    )
    evidence_allowed_types: list[str] = Field(
        default_factory=lambda: [
            "image/jpeg",
            "image/png",
            "application/pdf",
            "video/mp4",
            "text/plain",
            "audio/wav",
            "audio/mpeg",
        ],
        description="Media types evidence may be, judged from the bytes (the store knows a dozen; "
        "hifazat.platform.evidence.sniff).",
    )
    demo_simulate: bool = Field(
        default=False, description="Simulate device movement (set by `hifazat demo`)."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or CIDR network") from None
        return [item.strip() for item in value]

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        origins = []
        for item in value:
            origin = item.strip().rstrip("/").lower()
            scheme, sep, host = origin.partition("://")
            if scheme not in ("http", "https") or not sep or not host or "/" in host:
                raise ValueError(f"{item!r} is not an origin such as https://hifazat.example")
            origins.append(origin)
        return origins

    @field_validator("evidence_allowed_types")
    @classmethod
    def _media_types(cls, value: list[str]) -> list[str]:
        # The store checks each against the types it can recognise (it refuses to start otherwise);
        # config sits below it, so here only the spelling.
        types = [item.strip().lower() for item in value]
        for item in types:
            kind, sep, sub = item.partition("/")
            if not kind or not sep or not sub or "/" in sub:
                raise ValueError(f"{item!r} is not a media type such as image/png")
        return types

    @field_validator("webhook_allow")
    @classmethod
    def _webhook_allow(cls, v: list[str]) -> list[str]:
        return list(allow_entries(v))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFileSource(settings_cls), file_secret_settings)

    @cached_property  # read on every session; resolve() is a filesystem walk
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_file.resolve()}"

    @property
    def sqlite_file(self) -> Path:
        """The embedded database's file when no database URL is set."""
        return self.data_dir / "hifazat.db"

    @property
    def database_file(self) -> Path | None:
        """The SQLite file the settings name (the embedded default, or a `sqlite:///path` URL); None for a
        database server or an in-memory database."""
        if self.database_url is None:
            return self.sqlite_file
        if not self.database_url.startswith("sqlite"):
            return None
        path = self.database_url.split("///", 1)[-1].split("?", 1)[0] if "///" in self.database_url else ""
        return Path(path) if path and path != ":memory:" else None

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def evidence_root(self) -> Path:
        return self.evidence_dir or (self.data_dir / "evidence")

    @property
    def key_file(self) -> Path:
        return self.secret_key_file or (self.data_dir / "field.key")

    @cached_property  # read by every audited write
    def audit_key_path(self) -> Path:
        return (self.audit_key_file or (self.data_dir / "audit.key")).resolve()

    @property
    def audit_checkpoint_path(self) -> Path:
        return self.audit_checkpoint_file or (self.data_dir / "audit-checkpoints.jsonl")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
