"""The evidence store's public surface: the only module of `hifazat.platform.evidence` a domain imports.

    stored = api.store(chunks)                     # Stored(sha256, size, media_type, path, created)
    with api.open_verified(stored.sha256) as body:  # IntegrityError before any byte when changed
        for chunk in body: ...
    stored = await api.receive_upload(file)        # a route's UploadFile
    return await api.verified_response(sha256, media_type=..., filename=...)

Limits and the root come from the settings (`HIFAZAT_EVIDENCE_*`); a call may narrow them."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.responses import StreamingResponse

from hifazat.config import get_settings
from hifazat.platform.evidence import http
from hifazat.platform.evidence.errors import INTEGRITY_TYPE, FileRefused, IntegrityError
from hifazat.platform.evidence.sniff import KNOWN_TYPES
from hifazat.platform.evidence.store import ContentStore, Stored, Verified

__all__ = [
    "INTEGRITY_TYPE",
    "KNOWN_TYPES",
    "ContentStore",
    "FileRefused",
    "IntegrityError",
    "Stored",
    "Verified",
    "default_store",
    "open_verified",
    "receive_upload",
    "store",
    "verified_response",
]

_stores: dict[tuple[Path, int, tuple[str, ...]], ContentStore] = {}


def default_store() -> ContentStore:
    """The store the settings describe (one per distinct root and limits: tests change them)."""
    settings = get_settings()
    key = (settings.evidence_root, settings.evidence_max_bytes, tuple(settings.evidence_allowed_types))
    found = _stores.get(key)
    if found is None:
        found = _stores[key] = ContentStore(
            key[0], max_bytes=key[1], allowed_types=settings.evidence_allowed_types
        )
    return found


def store(
    chunks: Iterable[bytes], *, max_bytes: int | None = None, allowed_types: Collection[str] | None = None
) -> Stored:
    return default_store().store(chunks, max_bytes=max_bytes, allowed_types=allowed_types)


def open_verified(sha256: str, *, size: int | None = None) -> Verified:
    return default_store().open_verified(sha256, size=size)


async def receive_upload(
    upload: UploadFile, *, max_bytes: int | None = None, allowed_types: Collection[str] | None = None
) -> Stored:
    return await http.receive_upload(
        upload, default_store(), max_bytes=max_bytes, allowed_types=allowed_types
    )


async def verified_response(
    sha256: str, *, media_type: str, filename: str | None = None, size: int | None = None
) -> StreamingResponse:
    return await http.verified_response(
        default_store(), sha256, media_type=media_type, filename=filename, size=size
    )
