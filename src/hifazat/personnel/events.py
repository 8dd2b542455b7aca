"""The personnel domain's events: a licence, a person or a check changed. Each carries its `Scope`, and no
CNIC ever (the live stream and the bus see only ids, names of fields and states)."""

from __future__ import annotations

from dataclasses import dataclass

from hifazat.core.scope import Scope

LICENCE_SUBJECT = "personnel.licence.changed"
PERSONNEL_SUBJECT = "personnel.person.changed"
CHECK_SUBJECT = "personnel.check.changed"


@dataclass(frozen=True, slots=True)
class LicenceChanged:
    """`personnel.licence.changed` (SSE `licence`): created, updated, or moved (suspend, revoke...)."""

    scope: Scope
    id: str
    status: str
    change: str

    def payload(self) -> dict[str, object]:
        return self.scope.on_wire({"id": self.id, "status": self.status, "change": self.change})


@dataclass(frozen=True, slots=True)
class PersonnelChanged:
    """`personnel.person.changed` (SSE `personnel`): which fields changed (never their values)."""

    scope: Scope
    id: str
    status: str
    change: str
    fields: tuple[str, ...] = ()

    def payload(self) -> dict[str, object]:
        body = {"id": self.id, "status": self.status, "change": self.change, "fields": list(self.fields)}
        return self.scope.on_wire(body)


@dataclass(frozen=True, slots=True)
class CheckRecorded:
    """`personnel.check.changed` (SSE `personnel_check`): a check recorded for a person."""

    scope: Scope
    id: str
    personnel_id: str
    kind: str
    result: str
    expires_on: str

    def payload(self) -> dict[str, object]:
        body = {
            "id": self.id,
            "personnel_id": self.personnel_id,
            "kind": self.kind,
            "result": self.result,
            "expires_on": self.expires_on,
        }
        return self.scope.on_wire(body)
