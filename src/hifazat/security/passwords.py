"""Argon2id password hashing."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


@lru_cache(maxsize=4)
def _dummy(hasher: PasswordHasher) -> str:
    """A real hash to verify against when the user does not exist, so timing does not reveal user names.

    Made on first use (not at import: every CLI start would pay for it)."""
    return hasher.hash("hifazat-dummy-password")


MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy(_hasher), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is unacceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if password.strip() != password:
        return "must not start or end with whitespace"
    return None
