"""Test fixtures. The backend is SQLite by default; HIFAZAT_TEST_DATABASE_URL switches every test to
PostgreSQL (the second pass in .ci/run). Each test gets an empty, migrated database."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import text

from hifazat import bootstrap
from hifazat.config import Settings, get_settings, reset_settings
from hifazat.domains import DOMAINS, compose
from hifazat.platform.bus import set_bus
from hifazat.platform.composition import Composition, Domain, contribute, install
from hifazat.platform.db import dispose_engines, get_engine
from hifazat.platform.stream import STREAM_ROUTES, StreamRoute
from hifazat.security import crypto
from hifazat.security.ratelimit import SlidingWindowLimiter

ADMIN_PASSWORD = "correct-horse-battery"
PG_URL = os.environ.get("HIFAZAT_TEST_DATABASE_URL")
FIELD_KEY = Fernet.generate_key().decode()
_pg_migrated = False


def pytest_report_header(config: Any) -> str:
    return f"hifazat backend: {'postgresql ' + PG_URL.split('@')[-1] if PG_URL else 'sqlite'}"


def _reset_pg(url: str) -> None:
    global _pg_migrated
    from hifazat.platform import migrate

    engine = get_engine()
    if not _pg_migrated:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        migrate.upgrade()
        _pg_migrated = True
        return
    with engine.begin() as conn:
        query = "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
        tables = [r[0] for r in conn.execute(text(query))]
        if tables:
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )


@pytest.fixture(autouse=True, scope="session")
def composition() -> Iterator[Composition]:
    """Every test runs with the application's domains installed, as the app and the CLI do."""
    whole = compose()
    previous = install(whole)
    yield whole
    install(previous)


@pytest.fixture
def extra_domain() -> Iterator[Callable[[Domain], None]]:
    """Add a test's own domain (a probe stream route, a tracking hook) beside the application's."""

    def add(domain: Domain) -> None:
        install(compose((*DOMAINS, domain)))

    yield add
    install(compose())


def probe_domain(pattern: str) -> Domain:
    """A test domain sending bus subjects matching `pattern` to the stream as `probe`, judged as persons."""
    return Domain(
        "probe", contributions=(contribute(STREAM_ROUTES, StreamRoute(pattern, "probe", "persons")),)
    )


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2id parameters (the same algorithm) so hashing passwords does not dominate the run."""
    from argon2 import PasswordHasher

    from hifazat.security import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """On SQLite, one migrated database per session; each test starts from a copy of it."""
    import sqlite3

    from hifazat.platform import migrate
    from hifazat.platform.db import make_engine

    if PG_URL:
        return None
    path = tmp_path_factory.mktemp("template") / "hifazat.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    con = sqlite3.connect(path)
    try:  # leaving WAL mode checkpoints everything into the file: a self-contained copy source
        assert con.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    finally:
        con.close()
    return path


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    yield configure_settings(tmp_path, monkeypatch)
    dispose_engines()
    reset_settings()


def configure_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test settings on an empty data directory under `tmp_path` (the caller undoes `monkeypatch`):
    shared by `settings` and the module-scoped worlds of tests/security."""
    monkeypatch.setenv("HIFAZAT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HIFAZAT_FIELD_KEY", FIELD_KEY)
    monkeypatch.setenv("HIFAZAT_LOG_JSON", "true")
    monkeypatch.setenv("HIFAZAT_LOGIN_MAX_FAILURES", "5")
    if PG_URL:
        monkeypatch.setenv("HIFAZAT_DATABASE_URL", PG_URL)
    else:
        monkeypatch.delenv("HIFAZAT_DATABASE_URL", raising=False)
    reset_settings()
    dispose_engines()
    crypto.reset_cache()
    set_bus(None)
    from hifazat.auth import service as auth_service

    auth_service.login_ip_limiter = SlidingWindowLimiter(limit=10_000, window_seconds=60)
    from hifazat.tracking import accept  # every test client reports from one address
    from hifazat.tracking.cache import get_cache

    accept.failures.reset()
    accept.unknown.reset()
    get_cache().clear()  # the per-process device map of the previous test's database
    s = get_settings()
    if PG_URL:
        _reset_pg(PG_URL)
    return s


@pytest.fixture
def initialised(settings: Settings, migrated_template: Path | None) -> bootstrap.InitResult:
    return initialise(settings, migrated_template)


def initialise(settings: Settings, migrated_template: Path | None) -> bootstrap.InitResult:
    target = settings.data_dir / "hifazat.db"
    if migrated_template is not None and not target.exists():
        import shutil

        # Start from the session's migrated copy; tests that use `settings` alone still see an empty dir.
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_template, target)
    return bootstrap.init(settings, ADMIN_PASSWORD)


@pytest.fixture
def client(initialised: bootstrap.InitResult) -> Iterator[TestClient]:
    from hifazat.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def login(client: TestClient, username: str, password: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    return login(client, "admin", ADMIN_PASSWORD)


class World:
    """Two sibling agencies under the ministry, each with an admin and an operator."""

    def __init__(self, client: TestClient, admin: dict[str, str], root_id: str) -> None:
        self.client, self.root_admin, self.root_id = client, admin, root_id
        self.agency: dict[str, str] = {}
        self.headers: dict[str, dict[str, str]] = {}
        for key, kind, juris in (
            ("police", "provincial_police", ["PK-SD"]),
            ("psc", "private_security_company", []),
        ):
            r = client.post(
                "/api/v1/agencies",
                headers=admin,
                json={"name": f"Agency {key}", "kind": kind, "parent_id": root_id, "jurisdiction": juris},
            )
            assert r.status_code == 201, r.text
            self.agency[key] = r.json()["id"]
            for role in ("admin", "operator"):
                uname = f"{key}-{role}"
                r = client.post(
                    "/api/v1/users",
                    headers=admin,
                    json={
                        "username": uname,
                        "password": ADMIN_PASSWORD,
                        "full_name": uname.title(),
                        "agency_id": self.agency[key],
                        "roles": [role],
                    },
                )
                assert r.status_code == 201, r.text
                self.headers[uname] = login(client, uname, ADMIN_PASSWORD)
        r = client.post(
            "/api/v1/agencies",
            headers=admin,
            json={"name": "Embassy", "kind": "foreign_embassy", "country": "CN"},
        )
        assert r.status_code == 201, r.text
        self.agency["embassy"] = r.json()["id"]
        r = client.post(
            "/api/v1/users",
            headers=admin,
            json={
                "username": "liaison",
                "password": ADMIN_PASSWORD,
                "full_name": "Liaison",
                "agency_id": self.agency["embassy"],
                "roles": ["liaison"],
            },
        )
        assert r.status_code == 201, r.text
        self.headers["liaison"] = login(client, "liaison", ADMIN_PASSWORD)


@pytest.fixture
def world(client: TestClient, admin: dict[str, str], initialised: bootstrap.InitResult) -> World:
    return World(client, admin, initialised.agency_id)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(initialised: bootstrap.InitResult) -> Iterator[str]:
    """A real uvicorn server in a thread on a free 127.0.0.1 port; yields its base URL."""
    import threading
    import time

    import uvicorn

    from hifazat.app import create_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(),
            host="127.0.0.1",
            port=free_port(),
            log_config=None,
            lifespan="on",
            access_log=False,
            proxy_headers=False,  # as `hifazat serve`: platform/forwarded.py alone judges forwarded headers
            timeout_graceful_shutdown=2,  # a test's stream left open does not hold the teardown
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=15)
