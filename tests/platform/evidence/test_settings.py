"""The evidence settings: defaults, the environment, and types the store cannot recognise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from hifazat.config import Settings, get_settings, reset_settings
from hifazat.platform.evidence import api


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("HIFAZAT_DATA_DIR", str(tmp_path / "var"))
    reset_settings()
    yield monkeypatch
    reset_settings()


def test_defaults(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    s = get_settings()
    assert s.evidence_root == tmp_path / "var" / "evidence"
    assert s.evidence_max_bytes == 50 * 1024 * 1024
    assert set(s.evidence_allowed_types) == {
        "image/jpeg", "image/png", "application/pdf", "video/mp4", "text/plain", "audio/wav", "audio/mpeg",
    }  # fmt: skip
    assert api.default_store().allowed_types == set(s.evidence_allowed_types)


def test_the_environment_sets_root_limit_and_types(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("HIFAZAT_EVIDENCE_DIR", str(tmp_path / "elsewhere"))
    env.setenv("HIFAZAT_EVIDENCE_MAX_BYTES", "1000")
    env.setenv("HIFAZAT_EVIDENCE_ALLOWED_TYPES", '["Image/PNG ", "text/plain"]')
    reset_settings()
    store = api.default_store()
    assert store.root == (tmp_path / "elsewhere").resolve()
    assert store.max_bytes == 1000
    assert store.allowed_types == {"image/png", "text/plain"}
    with pytest.raises(api.FileRefused):
        api.store([b"%PDF-1.7 not allowed here"])


def test_a_misspelt_type_stops_the_settings() -> None:
    with pytest.raises(ValidationError, match="not a media type"):
        Settings(evidence_allowed_types=["png"])


def test_a_type_the_store_cannot_recognise_stops_the_store(env: pytest.MonkeyPatch) -> None:
    env.setenv("HIFAZAT_EVIDENCE_ALLOWED_TYPES", '["image/tiff"]')
    reset_settings()
    with pytest.raises(ValueError, match="image/tiff"):
        api.default_store()
