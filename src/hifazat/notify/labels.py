"""Webhooks by name on other pages (deliveries, audit entries): the name within the registering agency's
tree, as its URL is (`policy.sees_target_of`); elsewhere only whose webhook it was."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.labels import Labeler, agency_name, user_labels
from hifazat.auth.models import Agency
from hifazat.auth.policy import Principal, sees_target_of
from hifazat.notify.models import Delivery, Webhook
from hifazat.notify.presentation import recipient_names
from hifazat.notify.service import may_see_ref


def _webhooks(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    rows = list(session.scalars(select(Webhook).where(Webhook.id.in_(list(ids)))))
    agencies = {
        a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_({w.agency_id for w in rows})))
    }
    return {
        w.id: w.name
        if sees_target_of(principal, w.agency_id)
        else f"a webhook of {agency_name(agencies.get(w.agency_id))}"
        for w in rows
    }


def _deliveries(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    """A delivery the caller may see (its record's, or its own) as "<channel> to <recipient>"."""
    rows = [
        d
        for d in session.scalars(select(Delivery).where(Delivery.id.in_(list(ids))))
        if (d.user_id is not None and d.user_id == principal.user_id) or may_see_ref(session, principal, d)
    ]
    names = recipient_names(session, principal, rows)
    return {d.id: f"{d.channel} to {names[d.id][0]}" for d in rows}


def _preferences(session: Session, principal: Principal, ids: Collection[str]) -> dict[str, str]:
    return {k: f"preferences of {v}" for k, v in user_labels(session, principal, ids).items()}


LABELERS = (
    Labeler("webhooks", _webhooks),
    Labeler("deliveries", _deliveries),
    Labeler("notification_preferences", _preferences),  # an entry names the user whose they are
)
