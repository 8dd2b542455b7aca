"""Webhook targets (18.3, 18.4): internal addresses refused in every spelling, on create, on PATCH, and
again at send time on the resolved address (connecting to that address, never following a redirect); the
operator's allow-list; generic delivery errors; a recipient's target and error text only within its tree.

Only loopback and made-up names: names resolve through a fake resolver (`dns`), never the network."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from sqlalchemy import select

from hifazat.auth.policy import Principal
from hifazat.config import Settings, get_settings, reset_settings
from hifazat.notify import service
from hifazat.notify.channels.webhook import ANSWERED_ERROR, UNREACHABLE
from hifazat.notify.presentation import delivery_event_for
from hifazat.notify.schemas import Recipient
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from hifazat.security import targets
from tests.conftest import World, free_port
from tests.notify.conftest import Org, Receiver, _Server
from tests.notify.helpers import add_webhook, deliveries, run_worker_until_settled

PUBLIC = "93.184.215.14"  # a globally routable address; nothing connects to it in these tests
HOOKS = "/api/v1/webhooks"
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "2130706433",
    "0x7f.1",
    "0x7f000001",
    "0177.0.0.1",
    "017700000001",
    "127.0.0.1.",
    "0X7F.0.0.1",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::127.0.0.1]",
    "[64:ff9b::127.0.0.1]",
    "[2002:7f00:1::]",
    "localhost",
    "LOCALHOST.",
    "api.localhost",
]
INTERNAL_SPELLINGS = [
    "10.0.0.1",
    "10.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "0xa9.0xfe.0xa9.0xfe",
    "2852039166",
    "100.64.0.1",
    "0.0.0.0",
    "0",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "[fe80::1]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[fec0::1]",
    "[ff02::1]",
    "[::]",
    "[::ffff:10.0.0.1]",
    "[::ffff:169.254.169.254]",
]


@dataclass
class FakeDns:
    names: dict[str, list[str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def resolve(self, host: str, port: int) -> list[targets.IPAddress]:
        self.calls.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in self.names[host]]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    fake = FakeDns({"localhost": ["127.0.0.1"]})
    monkeypatch.setattr(targets, "resolve", fake.resolve)
    return fake


def _allow(monkeypatch: pytest.MonkeyPatch, *entries: str) -> Settings:
    monkeypatch.setenv("HIFAZAT_WEBHOOK_ALLOW", json.dumps(list(entries)))
    reset_settings()
    return get_settings()


@pytest.fixture
def strict(notify_env: Settings, monkeypatch: pytest.MonkeyPatch, dns: FakeDns) -> Settings:
    """The notify settings without the loopback allowance; one attempt per delivery."""
    monkeypatch.setenv("HIFAZAT_NOTIFY_MAX_ATTEMPTS", "1")
    return _allow(monkeypatch)


def _problem_on_url(r: Any) -> str:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e["reason"] for e in r.json()["errors"]}
    assert "url" in errors, errors
    return str(errors["url"])


def _enqueue(ref_id: str, hook_id: str, agency_id: str, province: str | None = None) -> None:
    with unit_of_work() as s:
        service.enqueue(
            s,
            ref_kind="drill",
            ref_id=ref_id,
            topic="alert",
            payload={"id": ref_id, "agency_id": agency_id, "province": province, "severity": "high"},
            recipients=[Recipient(webhook_id=hook_id)],
            reason="raised",
        )


# --- the address check itself -------------------------------------------------------------------------


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS + INTERNAL_SPELLINGS)
def test_internal_addresses_refused_in_every_spelling(dns: FakeDns, host: str) -> None:
    dns.names.update({h: [PUBLIC] for h in ("2130706433", "0x7f.1", "127.1")})  # a resolver must not matter
    with pytest.raises(targets.TargetRefused):
        targets.checked(f"http://{host}:8499/internal-admin", targets.Allow())
    with pytest.raises(targets.TargetRefused):
        targets.pinned(f"https://{host}/", targets.Allow())


def test_names_judged_by_every_address_they_resolve_to(dns: FakeDns) -> None:
    dns.names.update(
        {
            "inside.test": ["127.0.0.1"],
            "metadata.test": ["169.254.169.254"],
            "mixed.test": [PUBLIC, "10.0.0.7"],
            "v6.test": ["::1"],
            "public.test": [PUBLIC, "2606:4700::1111"],
        }
    )
    for name in ("inside.test", "metadata.test", "mixed.test", "v6.test"):
        with pytest.raises(targets.TargetRefused):
            targets.checked(f"https://{name}/hook", targets.Allow())
    ok = targets.pinned("https://Public.Test./hook", targets.Allow())
    assert (ok.host, ok.port, str(ok.address)) == ("public.test", 443, PUBLIC)
    # Not resolvable yet: let through at registration, refused at send time.
    assert targets.checked("https://later.test/hook", targets.Allow()).address is None
    with pytest.raises(targets.TargetRefused, match="does not resolve"):
        targets.pinned("https://later.test/hook", targets.Allow())


def test_malformed_hosts_and_ports_refused(dns: FakeDns) -> None:
    for url in (
        "http://1.2.3.256/",
        "http://1.2.3.4.5/",
        "http://08.0.0.1/",
        "http://[fe80::1%25eth0]/",
        "http://127.0.0.1:99999/",
        "http://ex%61mple.test/",
        "http://bücher.test/",
        "ftp://a.test/",
    ):
        with pytest.raises(targets.TargetRefused):
            targets.checked(url, targets.Allow())


def test_allow_list_admits_hosts_and_networks(dns: FakeDns) -> None:
    dns.names["hooks.ops.test"] = ["10.20.0.5"]
    allow = targets.allow_list(("hooks.ops.test", "127.0.0.0/8", "fd00::/8"))
    assert str(targets.pinned("http://hooks.ops.test/", allow).address) == "10.20.0.5"
    assert str(targets.pinned("http://2130706433/", allow).address) == "127.0.0.1"
    assert str(targets.pinned("http://[::ffff:127.0.0.2]/", allow).address) == "::ffff:7f00:2"
    assert str(targets.pinned("http://[fd00::5]/", allow).address) == "fd00::5"
    with pytest.raises(targets.TargetRefused):
        targets.pinned("http://10.20.0.5/", allow)  # the name is allowed, not the address behind it
    with pytest.raises(ValueError, match="neither a host name"):
        targets.allow_list(("not a host",))


def test_webhook_allow_setting_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIFAZAT_WEBHOOK_ALLOW", '["10.0.0.0/8", "hooks.ops.test"]')
    assert Settings().webhook_allow == ["10.0.0.0/8", "hooks.ops.test"]
    monkeypatch.setenv("HIFAZAT_WEBHOOK_ALLOW", '["10.0.0.0/33"]')
    with pytest.raises(ValueError, match="webhook_allow"):
        Settings()


# --- create and PATCH ---------------------------------------------------------------------------------


def test_create_and_patch_refuse_internal_urls(
    strict: Settings, world: World, dns: FakeDns, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, h = world.client, world.headers["police-admin"]
    dns.names.update({"partner.test": [PUBLIC], "rebound.test": ["192.168.0.10"]})
    for host in (
        "127.0.0.1",
        "2130706433",
        "0x7f.1",
        "127.1",
        "[::ffff:127.0.0.1]",
        "localhost",
        "rebound.test",
    ):
        reason = _problem_on_url(c.post(HOOKS, headers=h, json={"name": "x", "url": f"http://{host}:8499/a"}))
        assert "inside the network" in reason
    r = c.post(HOOKS, headers=h, json={"name": "partner", "url": "https://partner.test/hook"})
    assert r.status_code == 201, r.text
    hook = r.json()
    for host in ("127.0.0.1:8499", "[::1]", "10.1", "169.254.169.254", "rebound.test"):
        _problem_on_url(
            c.patch(f"{HOOKS}/{hook['id']}", headers=h, json={"url": f"http://{host}/internal-admin"})
        )
    assert c.get(f"{HOOKS}/{hook['id']}", headers=h).json()["url"] == "https://partner.test/hook"
    # The operator allows an internal receiver: now it may be registered.
    _allow(monkeypatch, "127.0.0.1")
    r = c.patch(f"{HOOKS}/{hook['id']}", headers=h, json={"url": "http://127.0.0.1:8499/internal"})
    assert r.status_code == 200, r.text


# --- at send time -------------------------------------------------------------------------------------


def test_send_time_recheck_refuses_a_name_that_now_resolves_inside(
    strict: Settings, world: World, dns: FakeDns, receiver: Receiver
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    dns.names["partner.test"] = [PUBLIC]
    r = world.client.post(
        HOOKS,
        headers=world.headers["police-admin"],
        json={"name": "p", "url": f"http://partner.test:{port}/hook"},
    )
    assert r.status_code == 201, r.text
    dns.names["partner.test"] = ["127.0.0.1"]  # DNS rebinding: public when registered, loopback now
    _enqueue("rb-1", r.json()["id"], world.agency["police"])
    run_worker_until_settled(strict)
    (d,) = deliveries(ref_id="rb-1")
    assert (d.status, d.last_error) == ("failed", UNREACHABLE)
    assert receiver.requests == []


def test_send_connects_to_the_checked_address_with_the_original_host(
    notify_env: Settings, org: Org, dns: FakeDns, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _allow(monkeypatch, "hooks.ops.test")
    port = receiver.url.split(":")[2].split("/")[0]
    dns.names["hooks.ops.test"] = ["127.0.0.1"]
    hook = add_webhook(org.agency["police"], f"http://hooks.ops.test:{port}/hook", receiver.secret)
    _enqueue("pin-1", hook, org.agency["police"])
    dns.calls.clear()
    run_worker_until_settled(settings)
    (d,) = deliveries(ref_id="pin-1")
    assert d.status == "delivered", d.last_error
    assert dns.calls == ["hooks.ops.test"]  # resolved once, by us: httpx never looked the name up
    assert [q["host"] for q in receiver.requests] == [f"hooks.ops.test:{port}"]


class _Redirect(BaseHTTPRequestHandler):
    target = ""
    hits: list[str] = []

    def log_message(self, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self.hits.append(self.path)
        self.send_response(307)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def redirector(receiver: Receiver) -> Iterator[tuple[str, list[str]]]:
    handler = type("H", (_Redirect,), {"target": receiver.url, "hits": []})
    port = free_port()
    server = _Server(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}/moved", handler.hits
    server.shutdown()
    server.server_close()


def test_redirect_not_followed(
    notify_env: Settings, org: Org, receiver: Receiver, redirector: tuple[str, list[str]]
) -> None:
    url, hits = redirector
    hook = add_webhook(org.agency["police"], url, receiver.secret)
    _enqueue("redir-1", hook, org.agency["police"])
    run_worker_until_settled(notify_env)
    (d,) = deliveries(ref_id="redir-1")
    assert (d.status, d.attempts, d.last_error) == ("failed", 1, ANSWERED_ERROR)  # a redirect is final
    assert hits == ["/moved"]
    assert receiver.requests == []  # the Location was never visited


def test_errors_do_not_tell_open_ports_from_closed_ones(
    notify_env: Settings, org: Org, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIFAZAT_NOTIFY_MAX_ATTEMPTS", "1")
    reset_settings()
    settings = get_settings()
    receiver.status_always = 404
    closed = add_webhook(org.agency["police"], f"http://127.0.0.1:{free_port()}/x", receiver.secret)
    open_ = add_webhook(org.agency["police"], receiver.url, receiver.secret)
    _enqueue("port-1", closed, org.agency["police"])
    _enqueue("port-2", open_, org.agency["police"])
    run_worker_until_settled(settings)
    (c,) = deliveries(ref_id="port-1")
    (o,) = deliveries(ref_id="port-2")
    assert (c.status, c.last_error) == ("failed", UNREACHABLE)
    assert (o.status, o.last_error) == ("failed", ANSWERED_ERROR)
    with unit_of_work(readonly=True) as s:
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "delivery_failed")).all()
        texts = {str((e.after or {}).get("last_error")) for e in audited}
    assert texts == {UNREACHABLE, ANSWERED_ERROR}
    for text in (c.last_error or "", o.last_error or "", *texts):
        assert not any(ch.isdigit() for ch in text)  # no status code, port or exception detail


# --- deliveries within their tree (18.4) ----------------------------------------------------------------


def test_foreign_agency_sees_that_a_webhook_was_notified_but_not_where_or_why_it_failed(
    notify_env: Settings, world: World
) -> None:
    psc, url = world.agency["psc"], f"http://127.0.0.1:{free_port()}/company-hook"
    hook = add_webhook(psc, url, "company-secret-0123456789")
    # A record of the company in Sindh: the police see it through their jurisdiction (read only).
    _enqueue("own-1", hook, psc, province="PK-SD")
    run_worker_until_settled(notify_env)
    query = "/api/v1/deliveries?ref_kind=drill&ref_id=own-1"
    (mine,) = world.client.get(query, headers=world.headers["psc-admin"]).json()["items"]
    assert (mine["address"], mine["last_error"], mine["redacted"]) == (url, UNREACHABLE, [])
    (theirs,) = world.client.get(query, headers=world.headers["police-operator"]).json()["items"]
    assert (theirs["channel"], theirs["recipient_kind"], theirs["agency_id"]) == ("webhook", "webhook", psc)
    assert (theirs["status"], theirs["attempts"]) == (mine["status"], mine["attempts"])
    assert (theirs["address"], theirs["last_error"]) == (None, None)
    assert sorted(theirs["redacted"]) == ["address", "last_error"]


def test_live_delivery_event_hides_the_error_outside_the_tree(world: World) -> None:
    def who(agency: str) -> Principal:
        return Principal(
            user_id="u",
            username="u",
            agency_id=world.agency[agency],
            roles=frozenset({"operator"}),
            tree=frozenset({world.agency[agency]}),
        )

    event = {
        "id": "d",
        "status": "retrying",
        "last_error": UNREACHABLE,
        "recipient_agency_id": world.agency["psc"],
    }
    assert delivery_event_for(event, who("psc"))["last_error"] == UNREACHABLE
    assert delivery_event_for(event, who("police")) == {**event, "last_error": None}
