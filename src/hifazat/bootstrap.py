"""First start: migrate, make the field key, create the first agency and its admin, key the audit chain and
checkpoint its head. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from hifazat.auth.models import Agency, AgencyKind, User
from hifazat.auth.policy import system_actor
from hifazat.config import Settings
from hifazat.platform import migrate
from hifazat.platform.audit.keeper import checkpoint_now
from hifazat.platform.audit.writes import NO_EVENT, audited_create
from hifazat.platform.db import unit_of_work
from hifazat.security import crypto
from hifazat.security.passwords import hash_password, password_problem


@dataclass
class InitResult:
    agency_id: str
    admin_id: str
    created_agency: bool
    created_admin: bool


def init(settings: Settings, password: str | None) -> InitResult:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.field_key is None:
        crypto.ensure_key_file(settings.key_file)
    migrate.upgrade()
    with unit_of_work(settings) as session:
        actor = system_actor("init")
        agency = session.scalar(
            select(Agency).where(
                Agency.parent_id.is_(None), Agency.deleted_at.is_(None), Agency.name == settings.admin_agency
            )
        )
        created_agency = agency is None
        if agency is None:
            agency = Agency(
                name=settings.admin_agency,
                short_name="MoI",
                kind=AgencyKind.federal_ministry.value,
                jurisdiction=["PK"],
                country="PK",
            )
            audited_create(session, agency, kind="agencies", principal=actor, subject=NO_EVENT)
        admin = session.scalar(select(User).where(func.lower(User.username) == settings.admin_user.lower()))
        created_admin = admin is None
        if admin is None:
            if not password:
                raise ValueError(
                    "an admin password is needed: set HIFAZAT_ADMIN_PASSWORD or answer the prompt"
                )
            problem = password_problem(password)
            if problem:
                raise ValueError(f"admin password {problem}")
            admin = User(
                username=settings.admin_user.lower(),
                full_name="Administrator",
                agency_id=agency.id,
                roles=["admin", "auditor", "operator"],
                password_hash=hash_password(password),
            )
            audited_create(session, admin, kind="users", principal=actor, subject=NO_EVENT)
        result = InitResult(agency.id, admin.id, created_agency, created_admin)
    # By now the key ring exists (made by the first keyed write, or here for an upgraded installation
    # with nothing new to write: its old entries stay on the legacy formula); the checkpoint pins them.
    checkpoint_now(settings)
    return result


def admin_exists(settings: Settings) -> bool:
    migrate.upgrade()
    with unit_of_work(settings, readonly=True) as session:
        return (
            session.scalar(select(User.id).where(func.lower(User.username) == settings.admin_user.lower()))
            is not None
        )
