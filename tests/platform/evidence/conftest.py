"""A store on an empty directory per test, allowing every type the store can recognise."""

from __future__ import annotations

from pathlib import Path

import pytest

from hifazat.platform.evidence.api import KNOWN_TYPES, ContentStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8


def files_under(root: Path) -> list[Path]:
    """Every file the store's directory holds (the content and any temporary file)."""
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> ContentStore:
    return ContentStore(tmp_path / "evidence", max_bytes=8 * 1024 * 1024, allowed_types=KNOWN_TYPES)


@pytest.fixture(params=["anonymous", "named"])
def either_store(request: pytest.FixtureRequest, store: ContentStore) -> ContentStore:
    """The store with anonymous temporary files (Linux) and with the named fallback."""
    if request.param == "named":
        store._anonymous = False
    else:
        assert store._anonymous, "O_TMPFILE + link should work on this machine's filesystem"
    return store
