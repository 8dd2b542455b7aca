"""Webhook registrations of an agency: its signing secret is shown once and never logged."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, can_administer
from hifazat.config import get_settings
from hifazat.core.db import new_id
from hifazat.core.errors import forbidden, invalid, not_found
from hifazat.notify.models import Webhook
from hifazat.notify.schemas import (
    WebhookIn,
    WebhookPatch,
)
from hifazat.platform.audit.writes import (
    NO_EVENT,
    audited_create,
    audited_delete,
    audited_update,
)
from hifazat.security import crypto, targets

WEBHOOK_READ = ("admin", "operator")
WEBHOOK_WRITE = ("admin",)


def _hook_visible(principal: Principal, hook: Webhook) -> bool:
    return principal.system or (hook.agency_id in principal.tree and principal.has(*WEBHOOK_READ))


def webhook_secret(hook: Webhook) -> str:
    return crypto.decrypt(hook.secret_enc)


def list_webhooks(session: Session, principal: Principal) -> list[Webhook]:
    if not principal.has(*WEBHOOK_READ):
        raise forbidden("your roles do not allow reading webhooks")
    q = select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id)
    if not principal.system:
        q = q.where(Webhook.agency_id.in_(principal.tree))
    return list(session.scalars(q))


def get_webhook(session: Session, principal: Principal, hook_id: str) -> Webhook:
    hook = session.get(Webhook, hook_id)
    if hook is None or hook.deleted_at is not None or not _hook_visible(principal, hook):
        raise not_found("webhook")
    return hook


HOOK_SECRET = ("secret_enc",)  # never in the log, not even encrypted


def webhook_allow() -> targets.Allow:
    return targets.allow_list(tuple(get_settings().webhook_allow))


def _check_target(url: str) -> None:
    """Refuse a URL inside the network (422 naming `url`); the worker checks again before each send."""
    try:
        targets.checked(url, webhook_allow())
    except targets.TargetRefused as exc:
        raise invalid("url", str(exc)) from None


def create_webhook(session: Session, principal: Principal, data: WebhookIn) -> tuple[Webhook, str]:
    if not principal.has(*WEBHOOK_WRITE):
        raise forbidden("your roles do not allow registering webhooks")
    agency_id = data.agency_id or principal.agency_id
    if agency_id is None or not can_administer(principal, agency_id):
        raise invalid("agency_id", "is not an agency you administer")
    _check_target(data.url)
    secret = data.secret or secrets.token_urlsafe(32)
    hook = Webhook(
        id=new_id(),
        agency_id=agency_id,
        name=data.name,
        url=data.url,
        secret_enc=crypto.encrypt(secret),
        topics=list(data.topics),
        active=data.active,
    )
    audited_create(session, hook, kind="webhooks", principal=principal, exclude=HOOK_SECRET, subject=NO_EVENT)
    return hook, secret


def update_webhook(
    session: Session, principal: Principal, hook_id: str, data: WebhookPatch
) -> tuple[Webhook, str | None]:
    hook = get_webhook(session, principal, hook_id)
    if not principal.has(*WEBHOOK_WRITE):
        raise forbidden("your roles do not allow changing webhooks")
    changes = data.model_dump(exclude_unset=True)
    secret = changes.pop("secret", None)
    for k, v in changes.items():
        if v is None:
            raise invalid(k, "must not be null")
    if "url" in changes:
        _check_target(changes["url"])
    if secret:
        changes["secret_enc"] = crypto.encrypt(secret)
    also = {"secret_rotated": True} if secret else None
    audited_update(
        session,
        hook,
        changes,
        kind="webhooks",
        principal=principal,
        exclude=HOOK_SECRET,
        subject=NO_EVENT,
        also=also,
    )
    return hook, secret


def delete_webhook(session: Session, principal: Principal, hook_id: str) -> None:
    hook = get_webhook(session, principal, hook_id)
    if not principal.has(*WEBHOOK_WRITE):
        raise forbidden("your roles do not allow removing webhooks")
    hook.active = False
    audited_delete(session, hook, kind="webhooks", principal=principal, subject=NO_EVENT)
