"""Shared foundation fixtures (see tests/auth/conftest.py)."""

from __future__ import annotations

from tests.auth.conftest import login_as

__all__ = ["login_as"]
