"""`%`, `_` and the escape character in a search term match themselves (core/like.py), on SQLite and PG."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, insert, select

from hifazat.core.like import contains_ci, escape_like

ALPHABET = st.sampled_from(list("aB%_\\x9 +"))
VALUES = ["50%_off", "50x off", "a_b", "axb", "back\\slash", "backslash", "+92 300", "AB%", "ab"]


@pytest.fixture(scope="module")
def table() -> Iterator[tuple[Engine, Table]]:
    url = os.environ.get("HIFAZAT_TEST_DATABASE_URL") or "sqlite://"
    engine = create_engine(url)
    meta = MetaData()
    tbl = Table(
        f"like_probe_{uuid.uuid4().hex[:8]}",
        meta,
        Column("id", Integer, primary_key=True),
        Column("v", String),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(tbl), [{"id": i, "v": v} for i, v in enumerate(VALUES)])
    yield engine, tbl
    meta.drop_all(engine)
    engine.dispose()


def _matches(engine: Engine, tbl: Table, term: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(tbl.c.v).where(contains_ci(tbl.c.v, term))))


def test_wildcards_are_literal(table: tuple[Engine, Table]) -> None:
    engine, tbl = table
    assert _matches(engine, tbl, "%") == {"50%_off", "AB%"}
    assert _matches(engine, tbl, "_") == {"50%_off", "a_b"}
    assert _matches(engine, tbl, "a_b") == {"a_b"}
    assert _matches(engine, tbl, "\\") == {"back\\slash"}
    assert _matches(engine, tbl, "ab") == {"AB%", "ab"}  # still case-insensitive substring search


def test_escape_like_shape() -> None:
    assert escape_like("a%b_c\\d") == "a\\%b\\_c\\\\d"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=st.text(ALPHABET, min_size=1, max_size=4))
def test_like_matches_python_substring(table: tuple[Engine, Table], term: str) -> None:
    engine, tbl = table
    expected = {v for v in VALUES if term.lower() in v.lower()}
    assert _matches(engine, tbl, term) == expected
