"""audit: one PostgreSQL function that takes the chain's lock and then reads its head

An audited write took the chain's advisory lock in one statement and read the newest entry in a second:
two round trips to the server while every other audited writer waits for that lock. In one plain
statement the head would be read with a snapshot taken before the lock was granted (READ COMMITTED), so
it could miss the entry of the writer that held the lock; a VOLATILE function's queries each take a fresh
snapshot, so its SELECT, run after the lock is granted, sees every entry committed before it.
SQLite needs nothing: a writing transaction holds the file's only write lock from its BEGIN.

Revision ID: 0006_audit_chain_head
Revises: 0001_foundation
Create Date: 2026-12-02 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_audit_chain_head"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_chain_head(lock_key bigint)
RETURNS TABLE (seq bigint, hash varchar) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY SELECT a.seq, a.hash FROM audit_log AS a ORDER BY a.seq DESC LIMIT 1;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head(bigint)")
