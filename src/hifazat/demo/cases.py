"""The demo's investigation case: the Sindh SPU's case on the seed's Port Qasim shooting (see
`incidents.py`), opened, worked and told through the real, audited services. The FIR is registered; the
charge sheet (due within fourteen days of the FIR under the CrPC, s. 173) is overdue; two tasks, one done.
Idempotent: the case is found again by its lead agency and title, and a rerun writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.models import User
from hifazat.auth.policy import system_actor
from hifazat.incidents import case_work, cases
from hifazat.incidents.case_models import Case
from hifazat.incidents.case_schemas import CaseIn, MilestoneIn, TaskIn
from hifazat.incidents.case_work_models import CaseMilestone, CaseTask
from hifazat.incidents.models import Incident

LEAD = "sindh"
TITLE = "Port Qasim colony shooting"
SEED = "Guard fired on two Chinese workers, Port Qasim colony"  # the seed incident's summary
INVESTIGATOR = "police.investigator"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def load(session: Session, agencies: dict[str, str]) -> None:
    lead = agencies[LEAD]
    if session.scalar(select(Case.id).where(Case.agency_id == lead, Case.title == TITLE)) is not None:
        return
    incident = session.scalar(select(Incident.id).where(Incident.summary == SEED))
    if incident is None:
        return  # the incidents were not loaded: nothing to investigate
    actor = system_actor("demo", agency_id=lead)
    investigator = session.scalar(select(User.id).where(User.username == INVESTIGATOR))
    case = cases.create(
        session,
        CaseIn(
            title=TITLE,
            incident_ids=[incident],
            investigator_ids=[investigator] if investigator else [],
            findings="",
            root_cause="",
        ),
        actor,
    )
    for milestone in (
        MilestoneIn(
            kind="fir_registered",
            title="FIR registered at Bin Qasim police station",
            done_at=_at("2024-11-07T08:00:00"),
        ),
        MilestoneIn(kind="charge_sheet_filed", title="Charge sheet filed", due_at=_at("2024-11-21T17:00:00")),
    ):
        case_work.add(session, case.id, CaseMilestone, milestone, actor)
    for task in (
        TaskIn(
            title="Take the guard's statement",
            assignee_id=investigator,
            due_at=_at("2024-11-08T17:00:00"),
            done=True,
        ),
        TaskIn(
            title="Check the guard's vetting and weapons licence with Shield Guard Services",
            assignee_id=investigator,
            due_at=_at("2024-11-15T17:00:00"),
        ),
    ):
        case_work.add(session, case.id, CaseTask, task, actor)
