"""Alembic environment: the URL comes from Hifazat's settings unless the caller passed a connection."""

from __future__ import annotations

from alembic import context

import hifazat.models  # noqa: F401  (fills the metadata)
from hifazat.core.db import Base
from hifazat.platform.db import get_engine

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    with get_engine().connect() as conn:
        _run_with(conn)


def _run_with(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
