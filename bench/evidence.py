"""Benchmark: evidence upload and verified download of a 20 MiB file (issue 19, target >= 100 MB/s).

  1. the library: `ContentStore.store` from 1 MiB chunks, then `open_verified` read to the end;
  2. over HTTP: a `hifazat` process of its own serving a two-route app built from the helpers
     (`receive_upload` for a multipart POST, `verified_response` for the GET), driven by httpx over
     127.0.0.1: the path an evidence endpoint will take, less its database row;
  3. baseline, same process, same files: a plain copy with hashlib (read, hash, write, fsync) for the
     upload, a plain read with hashlib for the download.

Every round uses fresh random bytes (the store would otherwise find them stored). MB here is 2^20 bytes.
`evidence_mb_per_s` is the slower of the HTTP upload and the HTTP download, median of the rounds.
Prints its figures, then as the LAST line one JSON object. `--quick` is a smoke run for the test suite."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, UploadFile
from reference import cpu_reference_ms, describe  # bench/ is on the path: run as a script
from starlette.responses import StreamingResponse

from hifazat.core import errors
from hifazat.platform.evidence import api

MIB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n"


def payload(size: int) -> bytes:
    return PNG + os.urandom(size - len(PNG))


def chunks(data: bytes) -> list[bytes]:
    return [data[i : i + MIB] for i in range(0, len(data), MIB)]


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def rate(size: int, seconds: list[float]) -> float:
    return size / MIB / statistics.median(seconds)


def baseline(root: Path, size: int, rounds: int) -> dict[str, float]:
    up, down = [], []
    for i in range(rounds):
        src = root / f"in-{i}"
        src.write_bytes(payload(size))

        def copy(src: Path = src, i: int = i) -> None:
            digest = hashlib.sha256()
            with src.open("rb") as a, (root / f"out-{i}").open("wb") as b:
                while block := a.read(MIB):
                    digest.update(block)
                    b.write(block)
                b.flush()
                os.fsync(b.fileno())
            digest.hexdigest()

        def read(i: int = i) -> None:
            digest = hashlib.sha256()
            with (root / f"out-{i}").open("rb") as f:
                while block := f.read(MIB):
                    digest.update(block)
            digest.hexdigest()

        up.append(timed(copy))
        down.append(timed(read))
    return {"upload": rate(size, up), "download": rate(size, down)}


def library(root: Path, size: int, rounds: int) -> dict[str, float]:
    store = api.ContentStore(root, max_bytes=size, allowed_types=api.KNOWN_TYPES)
    up, down = [], []
    for _ in range(rounds):
        parts = chunks(payload(size))
        t0 = time.perf_counter()
        sha = store.store(parts).sha256
        t1 = time.perf_counter()
        assert sum(len(c) for c in store.open_verified(sha)) == size
        up.append(t1 - t0)
        down.append(time.perf_counter() - t1)
    return {"upload": rate(size, up), "download": rate(size, down)}


def serve(port: int) -> None:
    """The HTTP side: the helpers behind two routes, under uvicorn (the settings name the store)."""
    app = FastAPI()
    errors.install(app)

    @app.post("/evidence", status_code=201)
    async def upload(file: UploadFile) -> dict[str, Any]:
        stored = await api.receive_upload(file)
        return {"sha256": stored.sha256, "size": stored.size}

    @app.get("/evidence/{sha256}")
    async def download(sha256: str) -> StreamingResponse:
        return await api.verified_response(sha256, media_type="image/png")

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def over_http(root: Path, size: int, rounds: int) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "HIFAZAT_DATA_DIR": str(root), "HIFAZAT_EVIDENCE_MAX_BYTES": str(size)}
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/evidence/" + "0" * 64)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit("the benchmark server did not start") from None
                    time.sleep(0.1)
            up, down = [], []
            for _ in range(rounds + 1):  # the first round warms the connection and the imports
                data = payload(size)
                t0 = time.perf_counter()
                r = client.post("/evidence", files={"file": ("scene.png", data, "image/png")})
                t1 = time.perf_counter()
                assert r.status_code == 201, r.text
                got = client.get(f"/evidence/{r.json()['sha256']}")
                t2 = time.perf_counter()
                assert got.status_code == 200, got.text
                assert got.content == data
                up.append(t1 - t0)
                down.append(t2 - t1)
    finally:
        proc.terminate()
        proc.wait(20)
    return {"upload": rate(size, up[1:]), "download": rate(size, down[1:])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 MiB, one round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    reference = cpu_reference_ms()
    print(describe(reference))
    size, rounds = (2 * MIB, 1) if args.quick else (20 * MIB, args.rounds)
    tmp = Path(tempfile.mkdtemp(prefix="hifazat-bench-evidence-"))
    try:
        (tmp / "baseline").mkdir()
        base = baseline(tmp / "baseline", size, rounds)
        lib = library(tmp / "library", size, rounds)
        http = over_http(tmp / "http", size, rounds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"file: {size / MIB:.0f} MiB, {rounds} rounds, median MB/s (MB = 2^20 bytes)")
    print(f"{'':28}{'upload':>10}{'download':>10}")
    for name, figures in (
        ("baseline (copy + hashlib)", base),
        ("library", lib),
        ("HTTP (helpers, uvicorn)", http),
    ):
        print(f"{name:28}{figures['upload']:>10.0f}{figures['download']:>10.0f}")
    results = {
        "evidence_mb_per_s": round(min(http["upload"], http["download"]), 1),
        "evidence_upload_mb_per_s": round(http["upload"], 1),
        "evidence_download_mb_per_s": round(http["download"], 1),
        "library_upload_mb_per_s": round(lib["upload"], 1),
        "library_download_mb_per_s": round(lib["download"], 1),
        "baseline_copy_hash_mb_per_s": round(base["upload"], 1),
        "baseline_read_hash_mb_per_s": round(base["download"], 1),
        "file_mib": size // MIB,
        "rounds": rounds,
        "targets": {"evidence_mb_per_s": 100},
        "quick": args.quick,
        "cpu_reference_ms": round(reference, 2),
    }
    sys.stdout.flush()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
