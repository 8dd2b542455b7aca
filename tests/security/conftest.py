"""Shared foundation fixtures (see tests/auth/conftest.py)."""

from __future__ import annotations

from tests.auth.conftest import login_as
from tests.demo.conftest import load_demo

__all__ = ["load_demo", "login_as"]
