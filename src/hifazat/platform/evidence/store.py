"""Content-addressed storage: `<root>/sha256/ab/cd/<hash>`, written once, never overwritten, re-hashed on
every read.

Writing: the bytes stream into an anonymous temporary file (`O_TMPFILE`) in the store's own directory,
hashed and type-checked as they pass; on success the file is fsynced, made read-only and linked under its
hash, and the directory fsynced. An anonymous file has no name until that link, so an upload that fails,
is refused, cancelled or killed leaves nothing behind. Linking (unlike renaming) never replaces an
existing file: two uploads of the same bytes race harmlessly, the first link wins, the second finds the
content stored. Where `O_TMPFILE` is unavailable a named `<root>/tmp/*.part` file is used instead and
removed on every failure; one left by a killed process is swept at the next start.

Reading: `open_verified` hashes the whole file into a private copy (memory up to SPOOL_MEMORY, past it
an unlinked temporary file) and compares before returning; the caller then streams that copy. The bytes
delivered are exactly the bytes that were hashed, even if the stored file changes while they stream."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from hifazat.platform.evidence.errors import FileRefused, IntegrityError
from hifazat.platform.evidence.sniff import KNOWN_TYPES, SNIFF_BYTES, TEXT, TextCheck, sniff

CHUNK = 1024 * 1024  # read and stream in 1 MiB pieces: few thread hops, little memory per download
SPOOL_MEMORY = 1024 * 1024  # a verified copy up to this size stays in memory
STALE_PART_S = 3600.0  # a named temporary file older than this belongs to no live upload
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Stored:
    sha256: str
    size: int
    media_type: str
    path: Path
    created: bool  # False: the same bytes were already stored (nothing was written)


class ContentStore:
    def __init__(self, root: Path, *, max_bytes: int, allowed_types: Collection[str]) -> None:
        unknown = set(allowed_types) - KNOWN_TYPES
        if unknown:
            raise ValueError(
                f"evidence types {sorted(unknown)} cannot be recognised from the bytes; "
                f"known: {', '.join(sorted(KNOWN_TYPES))}"
            )
        if max_bytes < 1:
            raise ValueError("the evidence size limit must be at least one byte")
        self.root = root.resolve()
        self.max_bytes = max_bytes
        self.allowed_types = frozenset(allowed_types)
        self.objects = self.root / "sha256"
        self.tmp = self.root / "tmp"
        self.objects.mkdir(mode=0o750, parents=True, exist_ok=True)
        self.tmp.mkdir(mode=0o750, parents=True, exist_ok=True)
        self._anonymous = _anonymous_files_work(self.tmp)
        self.sweep()

    def path_of(self, sha256: str) -> Path:
        if not _HEX64.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 in lower-case hex: {sha256!r}")
        return self.objects / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def writer(self, *, max_bytes: int | None = None, allowed_types: Collection[str] | None = None) -> Writer:
        allowed = self.allowed_types if allowed_types is None else frozenset(allowed_types)
        return Writer(self, max_bytes or self.max_bytes, allowed)

    def store(
        self,
        chunks: Iterable[bytes],
        *,
        max_bytes: int | None = None,
        allowed_types: Collection[str] | None = None,
    ) -> Stored:
        """Stream `chunks` into the store; `FileRefused` (and nothing kept) when too large or not allowed."""
        with self.writer(max_bytes=max_bytes, allowed_types=allowed_types) as writer:
            for chunk in chunks:
                writer.write(chunk)
            return writer.finish()

    def open_verified(self, sha256: str, *, size: int | None = None) -> Verified:
        """The content of `sha256`, verified in full before this returns; `IntegrityError` when the bytes
        are gone or changed (or are not `size` long), and then no byte of them is handed out."""
        path = self.path_of(sha256)
        try:
            source = path.open("rb", buffering=0)
        except FileNotFoundError:
            raise IntegrityError(sha256, missing=True) from None
        # Not a `with`: on success the copy is handed to the caller's `Verified`, which closes it.
        copy: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY, dir=str(self.tmp))  # noqa: SIM115
        try:
            with source:
                if size is not None and os.fstat(source.fileno()).st_size != size:
                    raise IntegrityError(sha256)
                digest, length = hashlib.sha256(), 0
                buf = bytearray(CHUNK)
                view = memoryview(buf)
                while n := source.readinto(buf):
                    digest.update(view[:n])
                    copy.write(view[:n])
                    length += n
            actual = digest.hexdigest()
            if actual != sha256:
                raise IntegrityError(sha256, actual=actual)
            copy.seek(0)
        except BaseException:
            copy.close()
            raise
        return Verified(copy, sha256, length)

    def sweep(self, older_than_s: float = STALE_PART_S) -> int:
        """Remove named temporary files that no upload can still be writing (a killed process's)."""
        removed, cutoff = 0, time.time() - older_than_s
        for part in self.tmp.glob("*.part"):
            try:
                if part.stat().st_mtime < cutoff:
                    part.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # another worker swept it first
        return removed

    def _temporary(self) -> tuple[IO[bytes], Path | None]:
        if self._anonymous:
            try:
                fd = os.open(self.objects, os.O_TMPFILE | os.O_WRONLY, 0o600)
                return os.fdopen(fd, "wb"), None
            except OSError:
                self._anonymous = False  # this filesystem cannot: named files from now on
        fd, name = tempfile.mkstemp(dir=self.tmp, suffix=".part")
        return os.fdopen(fd, "wb"), Path(name)


class Writer:
    """One upload in progress: `write` chunks, then `finish`; leaving the `with` block without finishing
    (an exception, a cancellation) discards everything written."""

    def __init__(self, store: ContentStore, max_bytes: int, allowed: frozenset[str]) -> None:
        self._store, self._max, self._allowed = store, max_bytes, allowed
        self._file, self._name = store._temporary()
        self._digest = hashlib.sha256()
        self._size = 0
        self._head = b""
        self._media: str | None = None
        self._text: TextCheck | None = None
        self._open = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.abort()

    def write(self, chunk: bytes | bytearray | memoryview) -> None:
        if not self._open:
            raise ValueError("this upload is already finished or discarded")
        if not chunk:
            return
        try:
            self._size += len(chunk)
            if self._size > self._max:
                raise FileRefused.too_large(self._max)
            rest = chunk
            if self._media is None:
                take = SNIFF_BYTES - len(self._head)
                self._head += bytes(chunk[:take])
                rest = chunk[take:]
                if len(self._head) == SNIFF_BYTES:
                    self._decide()
            if self._text is not None and rest and not self._text.feed(rest):
                raise FileRefused.wrong_type(None, self._allowed)
            self._digest.update(chunk)
            self._file.write(chunk)
        except BaseException:
            self.abort()
            raise

    def _decide(self) -> None:
        """The type, once the head is read: a binary signature, else text to be confirmed to the end."""
        found = sniff(self._head)
        media = found or TEXT
        if media not in self._allowed:
            raise FileRefused.wrong_type(found, self._allowed)
        self._media = media
        if media == TEXT:
            self._text = TextCheck()
            if not self._text.feed(self._head):  # the head itself; `write` feeds what follows it
                raise FileRefused.wrong_type(None, self._allowed)

    def finish(self) -> Stored:
        """Keep the content under its hash (or find it kept already) and say what it is."""
        if not self._open:
            raise ValueError("this upload is already finished or discarded")
        try:
            return self._finish()
        finally:
            self.abort()  # the temporary file: linked by now, or to be forgotten

    def _finish(self) -> Stored:
        if self._size == 0:
            raise FileRefused.empty()
        if self._media is None:
            self._decide()  # shorter than the head
        if self._text is not None and not self._text.feed(b"", final=True):
            raise FileRefused.wrong_type(None, self._allowed)
        assert self._media is not None
        sha256 = self._digest.hexdigest()
        path = self._store.path_of(sha256)
        stored = Stored(sha256, self._size, self._media, path, created=False)
        if path.exists():
            return stored  # the same bytes are stored: nothing to write
        self._file.flush()
        fd = self._file.fileno()
        os.fchmod(fd, 0o440)  # content-addressed content never changes: read-only from the start
        os.fsync(fd)
        new_dirs = _make_dirs(path.parent, self._store.objects)
        try:
            _link(fd, self._name, path)  # never replaces: a concurrent upload of the same bytes may win
        except FileExistsError:
            return stored
        for directory in new_dirs:
            _fsync_dir(directory)  # a new directory's own entry survives a power cut too
        return Stored(sha256, self._size, self._media, path, created=True)

    def abort(self) -> None:
        """Discard this upload's temporary file (a no-op once finished or discarded)."""
        if not self._open:
            return
        self._open = False
        try:
            self._file.close()  # an anonymous file vanishes here
        finally:
            if self._name is not None:
                self._name.unlink(missing_ok=True)


def _link(fd: int, name: Path | None, path: Path) -> None:
    """Give the temporary file `path` as its name (fails if taken), then fsync the directory."""
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        # An anonymous file is linked through its /proc entry, which must be followed (linkat with
        # AT_SYMLINK_FOLLOW: os.link passes it only when given a directory fd).
        source = f"/proc/self/fd/{fd}" if name is None else str(name)
        os.link(source, path.name, dst_dir_fd=directory, follow_symlinks=True)
        os.fsync(directory)
    finally:
        os.close(directory)


def _anonymous_files_work(directory: Path) -> bool:
    """Can this filesystem make an O_TMPFILE file and then link it (Linux, /proc mounted)?"""
    if not hasattr(os, "O_TMPFILE"):
        return False
    probe = directory / f"probe-{os.getpid()}-{time.monotonic_ns()}.part"  # swept if left
    try:
        fd = os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
        try:
            _link(fd, None, probe)
        finally:
            os.close(fd)
        probe.unlink()
        return True
    except OSError:
        return False


def _make_dirs(leaf: Path, top: Path) -> list[Path]:
    """Create `leaf` and any missing parents below `top`; the parents whose entries changed, to fsync."""
    missing = []
    directory = leaf
    while directory != top and not directory.is_dir():
        missing.append(directory)
        directory = directory.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o750, exist_ok=True)
    return [d.parent for d in missing]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Verified(Iterator[bytes]):
    """A verified content's bytes, in CHUNK pieces; closes its private copy once read to the end."""

    def __init__(self, copy: IO[bytes], sha256: str, size: int) -> None:
        self._copy = copy
        self.sha256 = sha256
        self.size = size

    def __next__(self) -> bytes:
        chunk = b"" if self._copy.closed else self._copy.read(CHUNK)
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def read_all(self) -> bytes:
        return b"".join(self)

    def close(self) -> None:
        self._copy.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
