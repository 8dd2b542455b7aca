"""Run Alembic migrations from code (no alembic.ini needed in a deployment)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from hifazat.platform.db import get_engine

SCRIPTS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.attributes["engine"] = engine or get_engine()
    return cfg


def upgrade(engine: Engine | None = None) -> None:
    cfg = alembic_config(engine)
    with cfg.attributes["engine"].begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def revision(message: str) -> None:
    cfg = alembic_config()
    command.revision(cfg, message=message, autogenerate=True)
