"""The foundation's shared test fixtures (see tests/auth/conftest.py)."""

from __future__ import annotations

from tests.auth.conftest import fast_argon2, login_as, migrated_template, settings

__all__ = ["fast_argon2", "login_as", "migrated_template", "settings"]
