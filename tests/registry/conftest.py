"""Shared foundation fixtures (see tests/auth/conftest.py)."""

from __future__ import annotations

from tests.auth.conftest import login_as
from tests.web.conftest import admin_web, make

__all__ = ["admin_web", "login_as", "make"]
