"""Reading from the store: every read re-hashes, and changed bytes are never handed out."""

from __future__ import annotations

import hashlib
import os

import pytest

from hifazat.platform.evidence.api import ContentStore, IntegrityError, Stored
from hifazat.platform.evidence.store import CHUNK, SPOOL_MEMORY
from tests.platform.evidence.conftest import PNG


def alter_one_byte(stored: Stored, at: int) -> None:
    os.chmod(stored.path, 0o640)  # the store keeps content read-only; an insider can still change that
    with stored.path.open("r+b") as fh:
        fh.seek(at)
        old = fh.read(1)
        fh.seek(at)
        fh.write(bytes([old[0] ^ 0x01]))


@pytest.mark.parametrize("size", [100, SPOOL_MEMORY + 1, 3 * CHUNK + 17])
def test_a_verified_read_gives_back_the_stored_bytes(store: ContentStore, size: int) -> None:
    data = PNG + os.urandom(size)
    stored = store.store([data])
    with store.open_verified(stored.sha256, size=stored.size) as body:
        assert body.size == len(data)
        chunks = list(body)
    assert b"".join(chunks) == data
    assert all(len(c) <= CHUNK for c in chunks)


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_one_byte_altered_on_disk_is_refused_before_any_byte(store: ContentStore, where: str) -> None:
    data = PNG + os.urandom(3 * CHUNK)
    stored = store.store([data])
    alter_one_byte(stored, {"first": 0, "middle": len(data) // 2, "last": len(data) - 1}[where])
    delivered: list[bytes] = []
    with pytest.raises(IntegrityError) as caught:
        delivered.extend(store.open_verified(stored.sha256))
    assert delivered == []
    err = caught.value
    assert err.status == 409
    assert err.type.endswith("/evidence-integrity")
    assert err.sha256 == stored.sha256
    assert not err.missing
    assert err.actual == hashlib.sha256(stored.path.read_bytes()).hexdigest() != stored.sha256
    assert list(store.tmp.iterdir()) == []  # the private copy went with the refusal


def test_missing_content_is_an_integrity_failure(store: ContentStore) -> None:
    stored = store.store([PNG + b"gone"])
    stored.path.unlink()
    with pytest.raises(IntegrityError) as caught:
        store.open_verified(stored.sha256)
    assert caught.value.missing
    assert caught.value.status == 409


def test_a_file_of_the_wrong_length_is_refused_without_hashing(store: ContentStore) -> None:
    stored = store.store([PNG + b"x" * 100])
    with pytest.raises(IntegrityError):
        store.open_verified(stored.sha256, size=stored.size + 1)


def test_bytes_changed_after_verification_are_not_what_is_streamed(store: ContentStore) -> None:
    data = PNG + os.urandom(2 * CHUNK)
    stored = store.store([data])
    body = store.open_verified(stored.sha256)
    first = next(body)
    alter_one_byte(stored, len(data) - 1)  # while the download is under way
    assert first + b"".join(body) == data  # what streams is the copy that was hashed


def test_a_name_that_is_not_a_sha256_is_refused(store: ContentStore) -> None:
    with pytest.raises(ValueError, match="not a SHA-256"):
        store.open_verified("../../etc/passwd")
    with pytest.raises(ValueError, match="not a SHA-256"):
        store.open_verified("A" * 64)
