"""The app is built from an explicit list of domains; a subset holds only what those domains declare, and no
module registers anything when it is imported."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hifazat import bootstrap
from hifazat.audit.jobs import checkpoint_job
from hifazat.auth.cache import CACHE_WATCHES
from hifazat.auth.policy import permitted_roles
from hifazat.domains import DOMAINS, compose
from hifazat.notify.service import REF_VISIBILITY
from hifazat.platform.composition import Composition, Domain, current, install
from hifazat.platform.stream import route_for
from hifazat.tracking.endpoints import DeviceIngress
from hifazat.tracking.hooks import TRACKING_HOOKS
from hifazat.web.nav import visible_nav
from tests.conftest import ADMIN_PASSWORD

SRC = Path(__file__).resolve().parents[1] / "src" / "hifazat"
FOUNDATION = tuple(d for d in DOMAINS if d.name in {"auth", "audit", "registry"})
EVERY_ROLE = frozenset({"admin", "operator", "responder", "auditor", "liaison", "viewer", "investigator"})


@pytest.fixture
def restore() -> Iterator[None]:
    previous = current()
    yield
    install(previous)


def _routers(app: Any) -> list[Any]:
    """The routers included in `app`, in the order requests are matched against them."""
    return [r.original_router for r in app.routes if hasattr(r, "original_router")]


def _paths(app: Any) -> set[str]:
    return {route.path for router in _routers(app) for route in router.routes}


def test_a_subset_of_domains_holds_only_what_they_declare(
    initialised: bootstrap.InitResult, restore: None
) -> None:
    from hifazat.app import create_app

    app = create_app(domains=FOUNDATION)
    assert current().names == ("auth", "audit", "registry")
    with TestClient(app, raise_server_exceptions=False) as client:
        token = client.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert client.get("/api/v1/persons", headers=headers).status_code == 200
        assert client.get("/api/v1/audit", headers=headers).status_code == 200
        for absent in ("/api/v1/alerts", "/api/v1/devices", "/api/v1/notifications", "/alerts", "/live"):
            assert client.get(absent, headers=headers).status_code == 404, absent
        assert client.post("/api/v1/positions", json=[]).status_code == 404  # no device endpoints either
    paths = _paths(app)
    assert "/api/v1/persons" in paths
    assert not any(p.startswith("/api/v1/alerts") for p in paths)
    # The audit domain's checkpoint job alone: no escalation, notify worker, tracking jobs.
    assert app.state.background == [(checkpoint_job, "back")]
    assert not any(m.cls is DeviceIngress for m in app.user_middleware)
    assert permitted_roles("persons", "read")
    assert not permitted_roles("alerts", "read")
    assert not permitted_roles("devices", "write")
    assert route_for("alerts.changed") is None
    assert route_for("tracking.sos") is None
    assert route_for("notify.notification") is None
    assert current().get(TRACKING_HOOKS) == ()
    assert current().get(REF_VISIBILITY) == ()
    assert current().get(CACHE_WATCHES) == ()
    labels = {n.label for n in visible_nav(EVERY_ROLE)}
    assert {"Persons", "Agencies", "Audit"} <= labels
    assert not labels & {"Alerts", "Live", "Notifications"}


def test_the_whole_list_holds_every_domain(initialised: bootstrap.InitResult, restore: None) -> None:
    from hifazat.app import create_app

    app = create_app()
    names = (
        "auth",
        "audit",
        "registry",
        "tracking",
        "notify",
        "alerts",
        "personnel",
        "incidents",
        "threat",
        "intel",
        "movements",
        "demo",
    )
    assert current().names == names
    assert route_for("personnel.check.changed") is not None
    assert route_for("alerts.changed") is not None
    assert route_for("incidents.changed") is not None
    assert route_for("tracking.sos") is not None
    assert permitted_roles("devices", "write") == frozenset({"admin", "operator"})
    assert len(current().get(TRACKING_HOOKS)) == 1
    assert any(m.cls is DeviceIngress for m in app.user_middleware)
    assert len(app.state.background) >= 5
    labels = {n.label for n in visible_nav(EVERY_ROLE)}
    assert {"Alerts", "Live", "Notifications", "Escalation"} <= labels


def test_the_sos_route_is_matched_first(initialised: bootstrap.InitResult, restore: None) -> None:
    from hifazat.alerts.api import urgent_router
    from hifazat.app import create_app

    assert _routers(create_app())[0] is urgent_router


def test_a_domain_is_listed_once() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        Composition((*DOMAINS, DOMAINS[0]))


def test_an_empty_composition_allows_nothing(restore: None) -> None:
    install(compose(()))
    assert permitted_roles("persons", "read") == frozenset()
    assert route_for("alerts.changed") is None
    install(compose((Domain("probe"),)))
    assert current().names == ("probe",)


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _builds_own(call: ast.Call, own: set[str]) -> bool:
    """`add_record_routes(router, ...)`: a helper adding to the module's own object (its first argument)."""
    return bool(call.args) and _root(call.args[0]) in own


def _statement_effects(node: ast.stmt, own: set[str]) -> list[str]:
    """A statement's call or item assignment on something the module does not own (loops: their body)."""
    if isinstance(node, ast.For | ast.While | ast.With):
        return [f for child in node.body for f in _statement_effects(child, own)]
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        call = node.value
        foreign = (
            _root(call.func) not in own
            if isinstance(call.func, ast.Attribute)
            else not _builds_own(call, own)
        )
        return [f"line {node.lineno}: {ast.unparse(call)[:70]}"] if foreign else []
    if isinstance(node, ast.Assign):
        return [
            f"line {node.lineno}: {ast.unparse(t)} = ..."
            for t in node.targets
            if isinstance(t, ast.Subscript) and _root(t) not in own
        ]
    return []


def _registrations(tree: ast.Module) -> list[str]:
    """Module-level statements that change something the module does not own: a call on, or an item
    assigned into, an object made elsewhere (another module's table), and functions hooked to an event by
    decorator. Building the module's own objects (its router's routes, its CLI, its template environment)
    is declaring, not registering."""
    own = {
        t.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name)
    }
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [
                f"line {node.lineno}: @{ast.unparse(d)}"
                for d in node.decorator_list
                if "listens" in ast.unparse(d)
            ]
        else:
            found += _statement_effects(node, own)
    return found


# Machinery of the platform itself (the session's audit and outbox hooks), not a domain's wiring.
PLATFORM_LISTENERS = {"platform/audit/log.py", "platform/outbox.py"}


def test_no_module_registers_anything_when_imported() -> None:
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("platform/migrations/") or rel in PLATFORM_LISTENERS:
            continue
        found = _registrations(ast.parse(path.read_text(), rel))
        if found:
            offenders[rel] = found
    assert offenders == {}


def test_the_import_check_sees_each_kind_of_registration() -> None:
    source = """
from hifazat.platform import stream
from hifazat.auth.policy import PERMISSIONS
from sqlalchemy import event
router = object()
stream.register("x.*", "x", "persons")
PERMISSIONS[("x", "read")] = frozenset()
register()
for k in ("a", "b"):
    stream.register(k, k, k)
router.add_api_route("/x")
@event.listens_for(object, "after_commit")
def hook() -> None: ...
"""
    found = _registrations(ast.parse(source))
    assert sorted(int(f.split(":")[0][5:]) for f in found) == [6, 7, 8, 10, 13]
