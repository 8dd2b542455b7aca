"""Settings: every one documented, environment over file over defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hifazat.config import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text()
    missing = [
        f"HIFAZAT_{name.upper()}" for name in Settings.model_fields if f"`HIFAZAT_{name.upper()}`" not in text
    ]
    assert not missing, f"add these to docs/configuration.md: {missing}"
    assert "HIFAZAT_CONFIG_FILE" in text
    assert "[hifazat]" in text


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith("HIFAZAT_"):
            monkeypatch.delenv(key)
    return monkeypatch


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert s.data_dir == Path("./var")
    assert s.port == 8000
    assert s.log_json is True
    assert s.is_sqlite
    assert s.effective_database_url.endswith("/var/hifazat.db")
    assert s.key_file == Path("./var/field.key")
    assert s.field_key is None
    assert s.admin_password is None


def test_file_then_environment(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "hifazat.toml"
    cfg.write_text(
        '[hifazat]\nport = 9001\nworkers = 3\nlog_level = "DEBUG"\n'
        'database_url = "postgresql://db/h"\n'
        'tracking_coarse_roles = ["liaison", "analyst"]\nunknown_key = 1\n'
    )
    clean_env.setenv("HIFAZAT_CONFIG_FILE", str(cfg))
    s = Settings()
    assert (s.port, s.workers, s.log_level) == (9001, 3, "DEBUG")
    assert not s.is_sqlite
    assert s.tracking_coarse_roles == ["liaison", "analyst"]
    clean_env.setenv("HIFAZAT_PORT", "9002")
    clean_env.setenv("HIFAZAT_TRACKING_COARSE_ROLES", '["auditor"]')
    s = Settings()
    assert s.port == 9002
    assert s.workers == 3
    assert s.tracking_coarse_roles == ["auditor"]


def test_flat_file_and_derived_paths(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "flat.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "data"}"\nSECRET_KEY_FILE = "{tmp_path / "k.key"}"\n')
    clean_env.setenv("HIFAZAT_CONFIG_FILE", str(cfg))
    s = Settings()
    assert s.data_dir == tmp_path / "data"
    assert s.effective_database_url == f"sqlite:///{(tmp_path / 'data' / 'hifazat.db').resolve()}"
    assert s.key_file == tmp_path / "k.key"


def test_bad_file_and_bad_values_fail_clearly(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("HIFAZAT_CONFIG_FILE", str(tmp_path / "absent.toml"))
    with pytest.raises(ValueError, match=r"absent\.toml"):
        Settings()
    broken = tmp_path / "broken.toml"
    broken.write_text("[hifazat\nport = ")
    clean_env.setenv("HIFAZAT_CONFIG_FILE", str(broken))
    with pytest.raises(ValueError, match=r"broken\.toml"):
        Settings()
    clean_env.delenv("HIFAZAT_CONFIG_FILE")
    for key, value in (
        ("HIFAZAT_PORT", "70000"),
        ("HIFAZAT_TOKEN_TTL_SECONDS", "5"),
        ("HIFAZAT_WORKERS", "x"),
    ):
        clean_env.setenv(key, value)
        with pytest.raises(ValidationError) as info:
            Settings()
        assert key.removeprefix("HIFAZAT_").lower() in str(info.value)
        clean_env.delenv(key)


def test_secrets_do_not_print(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HIFAZAT_ADMIN_PASSWORD", "super-secret-pass")
    clean_env.setenv("HIFAZAT_FIELD_KEY", "a" * 43 + "=")
    s = Settings()
    assert "super-secret-pass" not in repr(s)
    assert "aaaaaaaa" not in repr(s)
    assert s.admin_password is not None
    assert s.admin_password.get_secret_value() == "super-secret-pass"
