"""Dependency aliases shared by every router: DbSession (one transaction per request) and Page parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from hifazat.config import get_settings
from hifazat.core.errors import invalid
from hifazat.platform.db import read_only, session_factory

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response leaves (scope="function")."""
    session = session_factory()()
    if request.method in READ_METHODS:
        read_only(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]


class PageParams:
    def __init__(
        self,
        limit: Annotated[
            int, Query(ge=1, description="Items per page (1 to HIFAZAT_PAGE_SIZE_MAX, default 500)")
        ] = 50,
        cursor: Annotated[
            str | None, Query(max_length=200, description="next_cursor of the previous page")
        ] = None,
    ) -> None:
        largest = get_settings().page_size_max
        if limit > largest:
            raise invalid("limit", f"must be at most {largest}")
        self.limit = limit
        self.cursor = cursor


Page = Annotated[PageParams, Depends()]
