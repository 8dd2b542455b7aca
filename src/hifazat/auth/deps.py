"""`CurrentUser`: the caller's Principal, from the bearer token or the web session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hifazat.auth.policy import Principal
from hifazat.auth.service import principal_from_request
from hifazat.platform.deps import DbSession


def _current(request: Request, session: DbSession) -> Principal:
    return principal_from_request(session, request)


CurrentUser = Annotated[Principal, Depends(_current)]
