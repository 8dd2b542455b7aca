"""The audit chain's key ring, kept outside the database (a file, like the field-encryption key), so that
someone who can only write the database cannot recompute the chain after changing it.

The file holds JSON lines, one per key: `{"id": 1, "from_seq": 1, "key": "<base64>", "created": "..."}`.
A key hashes the entries from its `from_seq` up to the next key's; entries before the first key's
`from_seq` were written before keyed hashing existed and keep the public SHA-256 formula (the legacy
boundary, recorded here and not in the database, so it cannot be moved by a database writer). Keys are
only ever appended (rotation); checkpoints name the key that signed them by its `id`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("hifazat.audit")


class KeyringError(RuntimeError):
    """The key ring file cannot be read or is malformed."""


@dataclass(frozen=True)
class AuditKey:
    id: int
    from_seq: int
    secret: bytes = field(repr=False)
    created: str = ""

    # Separate keys derived per use, so a checkpoint signature can never pass for an entry hash.
    @property
    def entry_key(self) -> bytes:
        return _derive(self.secret, b"hifazat-audit-entry")

    @property
    def checkpoint_key(self) -> bytes:
        return _derive(self.secret, b"hifazat-audit-checkpoint")


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return hmac.digest(secret, purpose, hashlib.sha256)


@dataclass(frozen=True)
class Keyring:
    keys: tuple[AuditKey, ...]  # in file order: ids and from_seq never decrease
    _starts: tuple[int, ...] = field(init=False, repr=False)
    _entry_keys: tuple[bytes, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError("the key ring holds no key")
        object.__setattr__(self, "_starts", tuple(k.from_seq for k in self.keys))
        object.__setattr__(self, "_entry_keys", tuple(k.entry_key for k in self.keys))

    @property
    def keyed_from(self) -> int:
        """Entries before this sequence number use the legacy, public formula."""
        return self.keys[0].from_seq

    @property
    def newest(self) -> AuditKey:
        return self.keys[-1]

    def entry_key(self, seq: int) -> bytes | None:
        """The HMAC key of entry `seq` (the last key starting at or before it), None for a legacy entry."""
        i = bisect_right(self._starts, seq)
        return self._entry_keys[i - 1] if i else None

    def by_id(self, key_id: int) -> AuditKey | None:
        return next((k for k in self.keys if k.id == key_id), None)


def parse(text: str, path: Path) -> Keyring:
    keys: list[AuditKey] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            key = AuditKey(
                id=int(raw["id"]),
                from_seq=int(raw["from_seq"]),
                secret=base64.urlsafe_b64decode(raw["key"]),
                created=str(raw.get("created", "")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringError(f"{path} line {n} is not an audit key: {exc}") from exc
        if len(key.secret) < 32 or key.from_seq < 1:
            raise KeyringError(f"{path} line {n}: a key needs 32 bytes and a from_seq of at least 1")
        if keys and (key.id <= keys[-1].id or key.from_seq < keys[-1].from_seq):
            raise KeyringError(f"{path} line {n}: ids must grow and from_seq must not go back")
        keys.append(key)
    return Keyring(tuple(keys))


def load(path: Path) -> Keyring | None:
    """The key ring at `path`, or None if there is no file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeyringError(f"{path} cannot be read: {exc}") from exc
    return parse(text, path)


_cache: dict[Path, tuple[tuple[int, int, int], Keyring]] = {}


def current(path: Path) -> Keyring | None:
    """`load`, read again only when the file changed (a rotation appends a line): one stat per audited
    write, taken under the chain's lock, so a rotation (which appends under the same lock) is seen by the
    very next entry of every process."""
    hit = _cache.get(path)
    try:
        st = os.stat(path)
        sig = (st.st_ino, st.st_size, st.st_mtime_ns)
        if hit is not None and hit[0] == sig:
            return hit[1]
        ring = load(path)
    except FileNotFoundError:
        return None
    except (OSError, KeyringError) as exc:
        # A ring this process already holds keeps the chain (and every SOS) going: keys are only ever
        # appended, so what it holds verifies what it writes. Without one the write fails closed.
        if hit is None:
            raise KeyringError(str(exc)) from exc
        log.error("audit key ring unreadable, using the copy read earlier", extra={"reason": str(exc)})
        return hit[1]
    if ring is not None:
        _cache[path] = (sig, ring)
    return ring


def health(path: Path) -> str:
    """For /readyz: "ok"; "missing" (the first audited write creates it); "unreadable" (writes fail);
    "unreadable, held" (this process writes with the ring it read before)."""
    try:
        if load(path) is None:
            return "missing"
    except KeyringError:
        return "unreadable, held" if path in _cache else "unreadable"
    return "ok"


def _must_load(path: Path) -> Keyring:
    ring = load(path)
    if ring is None:
        raise KeyringError(f"{path} vanished while it was being used")
    return ring


def _line(key_id: int, from_seq: int) -> bytes:
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    created = datetime.now(UTC).isoformat(timespec="seconds")
    row = {"id": key_id, "from_seq": from_seq, "key": secret, "created": created}
    return (json.dumps(row) + "\n").encode()


def create(path: Path, from_seq: int) -> Keyring:
    """Make the key ring (mode 0600) with one key for entries from `from_seq` on. Call it holding the
    chain's lock with `from_seq` = head + 1. If another process made it first, that one is returned."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _must_load(path)
    try:
        os.write(fd, _line(1, from_seq))
        os.fsync(fd)
    finally:
        os.close(fd)
    return _must_load(path)


def add_key(path: Path, from_seq: int) -> Keyring:
    """Rotation: append a new key for entries from `from_seq` on (call it holding the chain's lock with
    `from_seq` = head + 1). Older keys stay, since the entries and checkpoints they made are verified
    with them."""
    ring = load(path)
    if ring is None:
        return create(path, from_seq)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, _line(ring.newest.id + 1, max(from_seq, ring.newest.from_seq)))
        os.fsync(fd)
    finally:
        os.close(fd)
    return _must_load(path)
