"""The FastAPI helpers in a small app of their own: a multipart upload in, a verified download out, and
the refusals as problem+json naming `file`."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import threading
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Form, UploadFile
from fastapi.testclient import TestClient
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.responses import StreamingResponse

from hifazat.config import reset_settings
from hifazat.core import errors
from hifazat.platform.evidence import api
from hifazat.platform.evidence.store import CHUNK
from tests.platform.evidence.conftest import ELF, PNG, files_under

calls: list[str] = []


def make_app() -> FastAPI:
    app = FastAPI()
    errors.install(app)

    @app.post("/evidence", status_code=201)
    async def upload(file: UploadFile, description: str = Form()) -> dict[str, Any]:
        calls.append(description)
        stored = await api.receive_upload(file)
        return {"sha256": stored.sha256, "size": stored.size, "media_type": stored.media_type}

    @app.get("/evidence/{sha256}")
    async def download(sha256: str, media_type: str) -> StreamingResponse:
        return await api.verified_response(sha256, media_type=media_type, filename="scène 1.png")

    return app


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HIFAZAT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HIFAZAT_EVIDENCE_MAX_BYTES", str(4 * CHUNK))
    reset_settings()
    calls.clear()
    yield tmp_path / "var" / "evidence"
    reset_settings()


@pytest.fixture
def client(root: Path) -> TestClient:
    return TestClient(make_app())


def test_upload_then_verified_download(client: TestClient, root: Path) -> None:
    data = PNG + os.urandom(2 * CHUNK + 5)
    r = client.post("/evidence", files={"file": ("scene.png", data, "image/png")}, data={"description": "d"})
    assert r.status_code == 201, r.text
    sha = hashlib.sha256(data).hexdigest()
    assert r.json() == {"sha256": sha, "size": len(data), "media_type": "image/png"}
    assert api.default_store().root == root.resolve()

    got = client.get(f"/evidence/{sha}", params={"media_type": "image/png"})
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-length"] == str(len(data))
    assert got.headers["etag"] == f'"{sha}"'
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"] == (
        "attachment; filename=\"scne 1.png\"; filename*=UTF-8''sc%C3%A8ne%201.png"
    )
    assert got.headers["repr-digest"].startswith("sha-256=:")


def test_wrong_type_by_bytes_with_a_right_name_is_refused(client: TestClient, root: Path) -> None:
    r = client.post(
        "/evidence",
        files={"file": ("scene.png", ELF + b"\x00" * 500, "image/png")},
        data={"description": "d"},
    )
    assert r.status_code == 415
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["errors"][0]["field"] == "file"
    assert "not of a recognised type" in body["errors"][0]["reason"]
    assert files_under(root) == []


def test_oversize_is_refused_and_nothing_kept(client: TestClient, root: Path) -> None:
    data = PNG + b"\x00" * (4 * CHUNK)
    r = client.post("/evidence", files={"file": ("big.png", data, "image/png")}, data={"description": "d"})
    assert r.status_code == 413
    assert r.json()["errors"] == [
        {"field": "file", "reason": f"larger than the limit of {4 * CHUNK} bytes (4.0 MiB)"}
    ]
    assert files_under(root) == []


def test_altered_content_answers_409_evidence_integrity_without_its_bytes(client: TestClient) -> None:
    data = PNG + b"witness statement " * 1000
    sha = client.post(
        "/evidence", files={"file": ("s.png", data, "image/png")}, data={"description": "d"}
    ).json()["sha256"]
    path = api.default_store().path_of(sha)
    os.chmod(path, 0o640)
    path.write_bytes(data.replace(b"witness", b"w1tness", 1))

    r = client.get(f"/evidence/{sha}", params={"media_type": "image/png"})
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == api.INTEGRITY_TYPE
    assert body["type"].endswith("/evidence-integrity")
    assert body["sha256"] == sha
    assert b"tness" not in r.content


def test_an_upload_cut_off_midway_stores_nothing(root: Path) -> None:
    """The client goes away in the middle of the multipart body: the route never runs, nothing is kept."""
    app = make_app()
    boundary = "xyzzy"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": head + PNG + os.urandom(CHUNK), "more_body": True},
        {"type": "http.request", "body": os.urandom(CHUNK), "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []  # whatever the app answers: not the route's 201

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/evidence", "raw_path": b"/evidence", "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        "headers": [(b"content-type", f"multipart/form-data; boundary={boundary}".encode())],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert calls == []
    assert all(m.get("status") != 201 for m in sent)
    assert not root.exists() or files_under(root) == []


def test_a_cancelled_upload_stops_between_chunks_and_keeps_nothing(root: Path) -> None:
    second_read = threading.Event()

    class Slow(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 0:
                second_read.set()
            return super().read(size)

    async def run() -> None:
        upload = StarletteUpload(Slow(PNG + os.urandom(3 * CHUNK)), filename="a.png")
        task = asyncio.create_task(api.receive_upload(upload))
        while not second_read.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert files_under(root) == []
