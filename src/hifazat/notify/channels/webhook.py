"""Webhooks: POST the notification as JSON, signed with HMAC-SHA256 over "<timestamp>.<body>".

Headers: `X-Hifazat-Timestamp` (Unix seconds), `X-Hifazat-Signature: sha256=<hex>`, `Idempotency-Key`.
A receiver recomputes the HMAC with its secret, compares in constant time, rejects timestamps more
than five minutes from its clock (replays), and processes each Idempotency-Key once.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

import httpx
import orjson

from hifazat.notify.channels import Job, SendError

TOLERANCE_S = 300
RETRYABLE_STATUS = frozenset({408, 409, 425, 429})


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


async def send(client: httpx.AsyncClient, job: Job, timeout_s: float) -> None:
    body, headers = request_parts(job)
    try:
        r = await client.post(job.address, content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise SendError(f"{type(exc).__name__}: {exc}"[:500]) from exc
    if 200 <= r.status_code < 300:
        return
    permanent = 400 <= r.status_code < 500 and r.status_code not in RETRYABLE_STATUS
    raise SendError(f"HTTP {r.status_code} from receiver", permanent=permanent)
