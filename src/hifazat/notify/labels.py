"""Webhooks by name on other pages (deliveries, audit entries): the name within the registering agency's
tree, as its URL is (`policy.sees_target_of`); elsewhere only whose webhook it was."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.labels import Labeler, agency_name
from hifazat.auth.models import Agency
from hifazat.auth.policy import Principal, sees_target_of
from hifazat.notify.models import Webhook


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


LABELERS = (Labeler("webhooks", _webhooks),)
