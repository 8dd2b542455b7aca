"""Writing to the store: hashes, types from the bytes, limits, failures that leave nothing, dedupe."""

from __future__ import annotations

import hashlib
import itertools
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hifazat.platform.evidence.api import ContentStore, FileRefused
from tests.platform.evidence.conftest import ELF, GIF, PDF, PNG, files_under


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(min_size=0, max_size=4096),
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=12),
)
def test_any_chunking_hashes_as_the_whole(store: ContentStore, body: bytes, cuts: list[int]) -> None:
    data = PNG + body
    stored = store.store(split(data, cuts))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert stored.media_type == "image/png"
    assert stored.path.read_bytes() == data
    assert stored.path == store.root / "sha256" / stored.sha256[:2] / stored.sha256[2:4] / stored.sha256


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=300),
    cuts=st.lists(st.integers(min_value=0, max_value=1500), max_size=12),
)
def test_text_split_inside_a_character_is_still_text(store: ContentStore, text: str, cuts: list[int]) -> None:
    data = ("\t" + text + "\r\n").encode()  # multi-byte characters, cut anywhere, even mid-sequence
    stored = store.store(split(data, cuts))
    assert stored.media_type == "text/plain"
    assert stored.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xdb\x00\x43\x00", "image/jpeg"),
        (PDF, "application/pdf"),
        (GIF, "image/gif"),
        (b"RIFF\x24\x08\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00\x00\x00\x00", "audio/mpeg"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video/mp4"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video/quicktime"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        ("Statement of the witness, 7 Nov — Karachi\n".encode(), "text/plain"),
        (b"\xef\xbb\xbfwith a byte order mark", "text/plain"),
        (b"ok", "text/plain"),
    ],
)
def test_the_type_comes_from_the_bytes(store: ContentStore, head: bytes, media_type: str) -> None:
    assert store.store([head + b"\x00" * 64 if media_type != "text/plain" else head]).media_type == media_type


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (ELF, "not of a recognised type"),
        (GIF, "is image/gif, which is not allowed"),
        (b"plain at first" * 1000 + b"\x00binary later", "not of a recognised type"),
        (b"caf\xe9 is Latin-1, not UTF-8", "not of a recognised type"),
    ],
)
def test_a_type_not_allowed_is_refused_and_nothing_kept(
    either_store: ContentStore, data: bytes, reason: str
) -> None:
    with pytest.raises(FileRefused) as caught:
        either_store.store(split(data, [5, 100, 7000]), allowed_types={"image/png", "text/plain"})
    assert caught.value.status == 415
    assert caught.value.errors == [{"field": "file", "reason": caught.value.reason}]
    assert reason in caught.value.reason
    assert files_under(either_store.root) == []


def test_oversize_is_refused_without_reading_on_and_nothing_kept(either_store: ContentStore) -> None:
    read: list[int] = []

    def chunks() -> Iterator[bytes]:
        for i in range(100):
            read.append(i)
            yield (PNG if i == 0 else b"") + os.urandom(4096)

    with pytest.raises(FileRefused) as caught:
        either_store.store(chunks(), max_bytes=10_000)
    assert caught.value.status == 413
    assert caught.value.errors == [{"field": "file", "reason": caught.value.reason}]
    assert "10000 bytes" in caught.value.reason
    assert len(read) == 3  # the third chunk crossed the limit; the rest was never asked for
    assert files_under(either_store.root) == []


def test_exactly_the_limit_is_accepted(store: ContentStore) -> None:
    data = PNG + b"\x00" * (1000 - len(PNG))
    assert store.store([data], max_bytes=1000).size == 1000


def test_an_empty_file_is_refused(store: ContentStore) -> None:
    with pytest.raises(FileRefused) as caught:
        store.store([b"", b""])
    assert caught.value.status == 422
    assert caught.value.reason == "is empty"
    assert files_under(store.root) == []


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("failure", [Interrupted, KeyboardInterrupt, GeneratorExit])
def test_an_interrupted_stream_leaves_no_partial_file(
    either_store: ContentStore, failure: type[BaseException]
) -> None:
    def chunks() -> Iterator[bytes]:
        yield PNG
        yield os.urandom(200_000)
        raise failure("the connection dropped")

    with pytest.raises(failure):
        either_store.store(chunks())
    assert files_under(either_store.root) == []


def test_a_writer_left_unfinished_keeps_nothing(either_store: ContentStore) -> None:
    with either_store.writer() as writer:
        writer.write(PNG + os.urandom(50_000))
    assert files_under(either_store.root) == []
    with pytest.raises(ValueError, match="already finished"):
        writer.write(b"more")


def test_same_content_twice_is_stored_once(either_store: ContentStore) -> None:
    data = PDF + os.urandom(30_000)
    first = either_store.store([data])
    second = either_store.store(split(data, [10, 999]))
    assert first.created
    assert not second.created
    assert (first.sha256, first.path) == (second.sha256, second.path)
    assert files_under(either_store.root) == [first.path]


def test_concurrent_stores_of_the_same_content_keep_one_file(either_store: ContentStore) -> None:
    data = PNG + os.urandom(300_000)
    start = threading.Barrier(8)
    results: list[bool] = []
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            with either_store.writer() as writer:
                for part in split(data, [1000, 50_000, 200_000]):
                    writer.write(part)
                start.wait()  # all eight finish at once: the links race
                results.append(writer.finish().created)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]
    [kept] = files_under(either_store.root)
    assert kept.read_bytes() == data


def test_stored_content_is_read_only(store: ContentStore) -> None:
    stored = store.store([PNG])
    assert stored.path.stat().st_mode & 0o222 == 0


def test_a_named_temporary_file_left_by_a_killed_process_is_swept(store: ContentStore) -> None:
    left = store.tmp / "killed-upload.part"
    left.write_bytes(b"half an upload")
    os.utime(left, (1, 1))
    fresh = store.tmp / "running-upload.part"
    fresh.write_bytes(b"still arriving")
    again = ContentStore(store.root, max_bytes=store.max_bytes, allowed_types=store.allowed_types)
    assert not left.exists()
    assert fresh.exists()
    assert again.root == store.root


def test_a_type_the_store_cannot_recognise_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="image/tiff"):
        ContentStore(tmp_path, max_bytes=10, allowed_types={"image/png", "image/tiff"})


KILLED_MID_UPLOAD = """
import os, signal, sys
from pathlib import Path
from hifazat.platform.evidence.api import KNOWN_TYPES, ContentStore
store = ContentStore(Path(sys.argv[1]), max_bytes=10 * 2**20, allowed_types=KNOWN_TYPES)
store._anonymous = sys.argv[2] == "anonymous"
writer = store.writer()
writer.write(b"\\x89PNG\\r\\n\\x1a\\n" + os.urandom(2**20))
os.kill(os.getpid(), signal.SIGKILL)  # no finally, no atexit: as a crash or the OOM killer would
"""


@pytest.mark.parametrize("mode", ["anonymous", "named"])
def test_a_process_killed_mid_upload_leaves_nothing_once_swept(tmp_path: Path, mode: str) -> None:
    root = tmp_path / "evidence"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3] / "src")}
    done = subprocess.run([sys.executable, "-c", KILLED_MID_UPLOAD, str(root), mode], env=env, timeout=60)
    assert done.returncode == -signal.SIGKILL
    left = files_under(root)
    if mode == "anonymous":
        assert left == []  # the file never had a name
        return
    [part] = left  # the named fallback leaves its .part, which the next start past an hour removes
    assert part.parent == root / "tmp"
    os.utime(part, (1, 1))
    ContentStore(root, max_bytes=10, allowed_types={"text/plain"})
    assert files_under(root) == []
