"""Webhooks: POST the notification as JSON, signed with HMAC-SHA256 over "<timestamp>.<body>".

Headers: `X-Hifazat-Timestamp` (Unix seconds), `X-Hifazat-Signature: sha256=<hex>`, `Idempotency-Key`.
A receiver recomputes the HMAC with its secret, compares in constant time, rejects timestamps more
than five minutes from its clock (replays), and processes each Idempotency-Key once.

Before each send the URL's host is resolved once and judged (`security.targets.pinned`); the request goes
to that very address, with the original Host header and TLS server name, and a redirect is never followed.
What a delivery records of a failure is one of two generic texts: the detail (status code, exception)
would let whoever reads the delivery probe which ports and hosts answer; operators find it in the log.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from datetime import datetime

import httpx
import orjson

from hifazat.notify.channels import Job, SendError
from hifazat.security import targets

log = logging.getLogger("hifazat.notify.webhook")
TOLERANCE_S = 300
RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
UNREACHABLE = "receiver unreachable or refused"
ANSWERED_ERROR = "receiver answered an error"


def sign(secret: str, timestamp: str, body: bytes | str) -> str:
    """The X-Hifazat-Signature header value for this timestamp and body."""
    raw = body.encode() if isinstance(body, str) else body
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes | str,
    signature: str,
    now: float | datetime | None = None,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """True when `signature` is ours for (timestamp, body) and the timestamp is within `tolerance_s` of now.

    Receivers call this on every request and answer 401 when it is False: a wrong secret, a changed body,
    or a replay of an old request (its timestamp cannot be changed without breaking the signature).
    """
    if not timestamp or not timestamp.isdigit() or not signature:
        return False
    if now is None:
        now_s = time.time()
    elif isinstance(now, datetime):
        now_s = now.timestamp()
    else:
        now_s = float(now)
    if abs(now_s - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def request_parts(job: Job, now: float | None = None) -> tuple[bytes, dict[str, str]]:
    if not job.secret:
        raise SendError("webhook has no signing secret", permanent=True)
    body = orjson.dumps(job.message())
    ts = str(int(now if now is not None else time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Hifazat-Webhook/1",
        "X-Hifazat-Timestamp": ts,
        "X-Hifazat-Signature": sign(job.secret, ts, body),
        "Idempotency-Key": job.idempotency_key,
        "X-Hifazat-Delivery": job.id,
    }
    return body, headers


def pinned_request(address: str, target: targets.Target) -> tuple[httpx.URL, str, dict[str, str]]:
    """The URL with the checked address in place of the host, the Host header, and the TLS extensions."""
    url = httpx.URL(address)
    assert target.address is not None  # pinned targets always carry their address
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return url.copy_with(host=str(target.address)), url.netloc.decode("ascii"), extensions


async def send(client: httpx.AsyncClient, job: Job, timeout_s: float, allow: targets.Allow) -> None:
    body, headers = request_parts(job)
    try:
        target = await asyncio.to_thread(targets.pinned, job.address, allow)
        url, headers["Host"], extensions = pinned_request(job.address, target)
    except (targets.TargetRefused, httpx.InvalidURL) as exc:
        # The same text and the same retries as an unreachable receiver: the record tells nothing apart.
        log.info("webhook target refused", extra={"delivery": job.id, "reason": str(exc)})
        raise SendError(UNREACHABLE) from None
    try:
        r = await client.post(
            url,
            content=body,
            headers=headers,
            timeout=timeout_s,
            follow_redirects=False,
            extensions=extensions,
        )
    except (httpx.HTTPError, OSError) as exc:
        log.info("webhook send failed", extra={"delivery": job.id, "error": type(exc).__name__})
        raise SendError(UNREACHABLE) from None
    if 200 <= r.status_code < 300:
        return
    log.info("webhook receiver answered", extra={"delivery": job.id, "status": r.status_code})
    # A redirect is never followed, so retrying one cannot succeed; nor can most 4xx answers.
    permanent = 300 <= r.status_code < 500 and r.status_code not in RETRYABLE_STATUS
    raise SendError(ANSWERED_ERROR, permanent=permanent)
