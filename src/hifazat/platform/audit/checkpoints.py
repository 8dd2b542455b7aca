"""Signed checkpoints of the audit chain's head, written outside the database (JSON lines in the data
directory), so that cutting entries off the end of the chain, or rewriting it, shows against them.

Each line: `{"seq", "hash", "at", "key", "signature"}`: the head entry's sequence number and hash, when the
checkpoint was written, the id of the key ring's key that signed it, and HMAC-SHA256 of the other four
under that key's checkpoint key (`keys.AuditKey.checkpoint_key`, never the entry key)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from hifazat.platform.audit.chain import canonical
from hifazat.platform.audit.keys import Keyring


class CheckpointError(RuntimeError):
    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key: int
    signature: str


@dataclass(frozen=True)
class Mark:
    """What a verified checkpoint says: entry `seq` had `hash` (line `line` of the file)."""

    seq: int
    hash: str
    line: int


def _signature(secret: bytes, seq: int, entry_hash: str, at: str, key_id: int) -> str:
    body = canonical({"seq": seq, "hash": entry_hash, "at": at, "key": key_id}).encode()
    return hmac.digest(secret, body, hashlib.sha256).hex()


def sign(ring: Keyring, seq: int, entry_hash: str, at: str) -> Checkpoint:
    """A checkpoint of entry `seq`, signed with the ring's newest key."""
    key = ring.newest
    signature = _signature(key.checkpoint_key, seq, entry_hash, at, key.id)
    return Checkpoint(seq, entry_hash, at, key.id, signature)


def append(path: Path, checkpoint: Checkpoint) -> None:
    """One line, one write, flushed to disk: appends from several workers never interleave within a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(asdict(checkpoint), sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def _parse(line: str, n: int) -> Checkpoint:
    try:
        raw = json.loads(line)
        return Checkpoint(
            seq=int(raw["seq"]),
            hash=str(raw["hash"]),
            at=str(raw["at"]),
            key=int(raw["key"]),
            signature=str(raw["signature"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(n, f"checkpoint line {n} is not a checkpoint ({exc})") from exc


def newest(path: Path) -> Checkpoint | None:
    """The file's last checkpoint, unverified (to skip writing the same head twice), or None."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 4096))
            tail = fh.read().decode(errors="replace").splitlines()
    except FileNotFoundError:
        return None
    try:
        return _parse(tail[-1], 0) if tail else None
    except CheckpointError:
        return None  # a damaged last line: write a fresh one; verify reports the damage


def read_verified(path: Path, ring: Keyring | None) -> list[Mark]:
    """Every checkpoint in the file, each signature checked; raises CheckpointError naming the first line
    that was edited, forged, or signed by a key the ring does not hold."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise CheckpointError(None, f"{path} cannot be read: {exc}") from exc
    marks: list[Mark] = []
    seen: dict[int, Mark] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        cp = _parse(line, n)
        key = ring.by_id(cp.key) if ring is not None else None
        if key is None:
            reason = f"checkpoint line {n} is signed by key {cp.key}, which the key ring does not hold"
            raise CheckpointError(n, reason)
        expected = _signature(key.checkpoint_key, cp.seq, cp.hash, cp.at, cp.key)
        if not hmac.compare_digest(expected, cp.signature):
            reason = f"checkpoint line {n} does not match its signature (the file was edited)"
            raise CheckpointError(n, reason)
        earlier = seen.get(cp.seq)
        if earlier is not None and earlier.hash != cp.hash:
            raise CheckpointError(
                n, f"checkpoint line {n} names another hash for entry {cp.seq} than line {earlier.line}"
            )
        mark = seen[cp.seq] = Mark(cp.seq, cp.hash, n)
        marks.append(mark)
    return marks
