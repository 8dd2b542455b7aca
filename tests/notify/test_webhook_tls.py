"""A pinned HTTPS send: the connection goes to the checked address, yet TLS names the original host (SNI) and
the certificate is verified against that name, not against the address."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hifazat.core.db import utcnow
from hifazat.notify.channels import Job, SendError
from hifazat.notify.channels import webhook as channel
from hifazat.security import targets
from tests.conftest import free_port
from tests.notify.conftest import _Server

NAME = "hooks.ops.test"


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / "cert.pem", tmp / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


class TlsReceiver:
    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self.port = free_port()
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_file, key_file)
        ctx.sni_callback = self._sni
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.hosts.append(self.headers.get("Host", ""))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = _Server(("127.0.0.1", self.port), H)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)

    def _sni(self, sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        self.server_names.append(name)


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[TlsReceiver, Path]]:
    cert_file, key_file = _certificate(tmp_path)
    rec = TlsReceiver(cert_file, key_file)
    threading.Thread(target=rec.server.serve_forever, daemon=True).start()
    yield rec, cert_file
    rec.server.shutdown()
    rec.server.server_close()


def _job(address: str) -> Job:
    return Job(
        id="d-tls",
        idempotency_key="drill:tls:raised:webhook:h:webhook",
        channel="webhook",
        address=address,
        recipient_kind="webhook",
        recipient_id="h",
        ref_kind="drill",
        ref_id="tls",
        topic="alert",
        reason="raised",
        severity="high",
        payload={"id": "tls"},
        attempt=1,
        created_at=utcnow(),
        secret="tls-secret-0123456789",
    )


def _send(address: str, cert_file: Path) -> None:
    async def go() -> None:
        ctx = ssl.create_default_context(cafile=str(cert_file))
        async with httpx.AsyncClient(verify=ctx, limits=httpx.Limits(max_keepalive_connections=0)) as client:
            await channel.send(client, _job(address), 5.0, targets.allow_list((NAME, "other.test")))

    asyncio.run(go())


def test_pinned_https_send_names_the_host_in_tls(
    tls: tuple[TlsReceiver, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, cert_file = tls
    loopback = [ipaddress.ip_address("127.0.0.1")]
    monkeypatch.setattr(targets, "resolve", lambda host, port: loopback)
    _send(f"https://{NAME}:{rec.port}/hook", cert_file)
    assert rec.server_names == [NAME]  # SNI is the name, though the socket went to 127.0.0.1
    assert rec.hosts == [f"{NAME}:{rec.port}"]
    # Another name at the same address is not covered by the certificate: verification fails the send.
    with pytest.raises(SendError) as err:
        _send(f"https://other.test:{rec.port}/hook", cert_file)
    assert str(err.value) == channel.UNREACHABLE
    assert rec.hosts == [f"{NAME}:{rec.port}"]
