"""Request models of cases and their work: what each must hold, with the reason in words when it does not."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, field_validator, model_validator

from hifazat.incidents.case_work_models import ActionKind, MilestoneKind
from hifazat.incidents.schemas import Strict, not_in_future

Id = str
MAX_INCIDENTS = 100
MAX_INVESTIGATORS = 50


def distinct_ids(v: list[str] | None) -> list[str] | None:
    """Each id once, each 1 to 36 characters (None passes: a patch that leaves the list alone)."""
    if v is None:
        return v
    if len(set(v)) != len(v):
        raise ValueError("lists an id twice")
    if any(not i or len(i) > 36 for i in v):
        raise ValueError("ids are 1 to 36 characters")
    return v


class CaseIn(Strict):
    """The lead agency is the caller's; the case lies where its first incident lies."""

    title: str = Field(min_length=1, max_length=300)
    incident_ids: list[Id] = Field(min_length=1, max_length=MAX_INCIDENTS)
    investigator_ids: list[Id] = Field(default_factory=list, max_length=MAX_INVESTIGATORS)
    findings: str = Field(default="", max_length=20_000)
    root_cause: str = Field(default="", max_length=20_000)

    _distinct = field_validator("incident_ids", "investigator_ids")(distinct_ids)


class CasePatch(Strict):
    """`investigator_ids`, when given, replaces the list."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    findings: str | None = Field(default=None, max_length=20_000)
    root_cause: str | None = Field(default=None, max_length=20_000)
    investigator_ids: list[Id] | None = Field(default=None, max_length=MAX_INVESTIGATORS)

    _distinct = field_validator("investigator_ids")(distinct_ids)


class CloseIn(Strict):
    findings: str | None = Field(default=None, max_length=20_000, description="Required to close")
    root_cause: str | None = Field(default=None, max_length=20_000)
    note: str = Field(default="", max_length=2000)


class TaskIn(Strict):
    title: str = Field(min_length=1, max_length=300)
    assignee_id: Id | None = Field(default=None, max_length=36)
    due_at: AwareDatetime | None = None
    done: bool = False


class TaskPatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    assignee_id: Id | None = Field(default=None, max_length=36)
    due_at: AwareDatetime | None = None
    done: bool | None = None


class MilestoneIn(Strict):
    kind: MilestoneKind
    title: str = Field(default="", max_length=300, description="Default: the kind in words")
    due_at: AwareDatetime | None = None
    done_at: AwareDatetime | None = Field(default=None, description="Not in the future")

    _future = field_validator("done_at")(not_in_future)


class MilestonePatch(Strict):
    kind: MilestoneKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    due_at: AwareDatetime | None = None
    done_at: AwareDatetime | None = None

    _future = field_validator("done_at")(not_in_future)


class CorrectiveIn(Strict):
    """Owned by a user or an agency (exactly one)."""

    kind: ActionKind
    description: str = Field(min_length=1, max_length=20_000)
    owner_user_id: Id | None = Field(default=None, max_length=36)
    owner_agency_id: Id | None = Field(default=None, max_length=36)
    deadline: AwareDatetime | None = None
    done_at: AwareDatetime | None = None

    _future = field_validator("done_at")(not_in_future)

    @model_validator(mode="after")
    def _one_owner(self) -> CorrectiveIn:
        if (self.owner_user_id is None) == (self.owner_agency_id is None):
            raise ValueError("give exactly one owner: owner_user_id or owner_agency_id")
        return self


class CorrectivePatch(Strict):
    kind: ActionKind | None = None
    description: str | None = Field(default=None, min_length=1, max_length=20_000)
    owner_user_id: Id | None = Field(default=None, max_length=36)
    owner_agency_id: Id | None = Field(default=None, max_length=36)
    deadline: AwareDatetime | None = None
    done_at: AwareDatetime | None = None

    _future = field_validator("done_at")(not_in_future)


CaseMove = Literal["close", "reopen"]
