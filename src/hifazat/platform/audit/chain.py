"""Hash-chain arithmetic, kept apart from storage so the verifier and the writer share one definition.

An entry's hash is HMAC-SHA256 under the key ring's key for its sequence number (`keys.py`), over the
previous hash and the entry's canonical JSON. Entries written before keyed hashing existed (below the key
ring's `keyed_from`) keep the original public formula, SHA-256 over the same text: anyone could recompute
those, which is why the first keyed entry, whose input includes the last legacy hash, pins them."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def stamp(at: datetime) -> str:
    """UTC, microseconds, a Z: the chain hashes this text, so it never changes for a given instant."""
    utc = at if at.tzinfo is UTC else at.astimezone(UTC)
    if utc.year >= 1000:  # isoformat is the same text, made without strftime's format parsing
        return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor_id: str | None,
    actor: str,
    agency_id: str | None,
    owner_agency_id: str | None,
    action: str,
    entity: str,
    entity_id: str | None,
    before: Any,
    after: Any,
    key: bytes | None,
) -> str:
    """`key` None: the legacy public formula (entries below the key ring's boundary only)."""
    body = canonical(
        {
            "seq": seq,
            "at": stamp(at),
            "actor_id": actor_id,
            "actor": actor,
            "agency_id": agency_id,
            "owner_agency_id": owner_agency_id,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": before,
            "after": after,
        }
    )
    data = (prev_hash + body).encode()
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.digest(key, data, hashlib.sha256).hex()
