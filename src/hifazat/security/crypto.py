"""Field encryption for passport and CNIC numbers, with a keyed blind index for exact lookups."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from hifazat.config import Settings, get_settings


class KeyMissingError(RuntimeError):
    pass


def ensure_key_file(path: Path) -> bytes:
    """Create the key file (mode 0600) if absent; return the key. Used by `hifazat init`."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


def _load_key(settings: Settings) -> bytes:
    if settings.field_key is not None:
        return settings.field_key.get_secret_value().encode()
    path = settings.key_file
    if not path.exists():
        # The embedded default creates its own key; production passes HIFAZAT_FIELD_KEY.
        return ensure_key_file(path)
    return path.read_bytes().strip()


@lru_cache(maxsize=4)
def _cipher(key: bytes) -> tuple[Fernet, bytes]:
    index_key = hashlib.sha256(b"hifazat-blind-index:" + base64.urlsafe_b64decode(key)).digest()
    return Fernet(key), index_key


def _current(settings: Settings | None = None) -> tuple[Fernet, bytes]:
    return _cipher(_load_key(settings or get_settings()))


def encrypt(plain: str) -> str:
    return _current()[0].encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current()[0].decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key or tampered value
        raise KeyMissingError("field cannot be decrypted with the configured key") from exc


def blind_index(plain: str) -> str:
    """Deterministic keyed digest of a normalised identifier, for equality search without the plain text."""
    norm = "".join(plain.split()).upper()
    return hmac.new(_current()[1], norm.encode(), hashlib.sha256).hexdigest()


def mask(plain: str, visible: int = 3) -> str:
    if len(plain) <= visible:
        return "*" * len(plain)
    return "*" * (len(plain) - visible) + plain[-visible:]


def reset_cache() -> None:
    _cipher.cache_clear()
