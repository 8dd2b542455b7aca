"""FastAPI helpers: an `UploadFile` into the store without holding it in memory, and a verified download.

Starlette has already spooled a multipart file part to its own temporary file (in memory up to 1 MiB)
by the time a route runs; `receive_upload` copies it into the store a chunk at a time, each chunk's read,
hash and write on a worker thread, so neither memory nor the event loop carries the file. A cancelled
request stops between chunks and keeps nothing."""

from __future__ import annotations

import base64
from collections.abc import Collection
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import StreamingResponse

from hifazat.platform.evidence.errors import FileRefused
from hifazat.platform.evidence.store import CHUNK, ContentStore, Stored, Writer


def _pump(source: UploadFile, writer: Writer) -> bool:
    chunk = source.file.read(CHUNK)
    if chunk:
        writer.write(chunk)
    return bool(chunk)


async def receive_upload(
    upload: UploadFile,
    store: ContentStore,
    *,
    max_bytes: int | None = None,
    allowed_types: Collection[str] | None = None,
) -> Stored:
    """Store an uploaded file part; `FileRefused` (413/415/422 naming `file`) and nothing kept when it is
    empty, too large or of a type not allowed."""
    limit = max_bytes or store.max_bytes
    if upload.size is not None and upload.size > limit:
        raise FileRefused.too_large(limit)  # known from the part's length: refuse before copying
    with store.writer(max_bytes=limit, allowed_types=allowed_types) as writer:
        await run_in_threadpool(upload.file.seek, 0)
        while await run_in_threadpool(_pump, upload, writer):
            pass
        return await run_in_threadpool(writer.finish)


def _disposition(filename: str) -> str:
    # An ASCII fallback for old clients and the exact name in RFC 5987 form; quotes and controls dropped.
    fallback = "".join(c for c in filename if 32 <= ord(c) < 127 and c not in '"\\') or "evidence"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def verified_response(
    store: ContentStore,
    sha256: str,
    *,
    media_type: str,
    filename: str | None = None,
    size: int | None = None,
) -> StreamingResponse:
    """The content of `sha256`, verified in full before the first byte is sent; `IntegrityError` (409
    problem+json of type `evidence-integrity`) instead when the stored bytes changed or are gone."""
    verified = await run_in_threadpool(store.open_verified, sha256, size=size)
    digest = base64.b64encode(bytes.fromhex(sha256)).decode()
    headers = {
        "Content-Length": str(verified.size),
        "ETag": f'"{sha256}"',
        "Repr-Digest": f"sha-256=:{digest}:",  # RFC 9530: the client can check what it received
        "X-Content-Type-Options": "nosniff",  # the browser must not reinterpret evidence as a page
        "Cache-Control": "private, no-store",
        "Content-Disposition": _disposition(filename or sha256),
    }
    return StreamingResponse(
        verified, media_type=media_type, headers=headers, background=BackgroundTask(verified.close)
    )
