"""The custody table as a rule engine, checked against the rules written out independently here: any
sequence of steps is accepted exactly where the rules allow it, refused (409, nothing written) elsewhere,
and the accepted ones form a gap-free chain with one audit entry each."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hifazat.auth.policy import SYSTEM
from hifazat.core.errors import Problem
from hifazat.incidents import evidence
from hifazat.incidents.case_models import Case
from hifazat.incidents.evidence_schemas import CustodyIn
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from hifazat.platform.evidence.api import Stored
from tests.alerts.conftest import Scene
from tests.incidents.test_evidence import case_id, user_id  # noqa: F401

STEPS = ["received", "handed_over", "examined", "sealed", "returned"]


def permitted(previous: str, step: str) -> bool:
    """The rules of docs/incidents.md, "Custody rules", stated without the table."""
    if previous == "returned":
        return False
    if previous == "sealed":
        return step in ("handed_over", "examined")
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), max_size=8))
def test_any_sequence_follows_the_rules(scene: Scene, case_id: str, steps: list[str]) -> None:  # noqa: F811
    holder = user_id(scene, "psc-admin")
    with unit_of_work() as s:
        case = s.get(Case, case_id)
        assert case is not None
        stored = Stored("0" * 64, 1, "image/png", Path("/nonexistent"), created=False)
        ev = evidence.record_upload(s, case, stored, filename="x.png", description="d", principal=SYSTEM)
        expected, state = ["collected"], "collected"
        for step in steps:
            body = CustodyIn(action=step, to_user_id=holder if step == "handed_over" else None)  # type: ignore[arg-type]
            if permitted(state, step):
                evidence.add_custody(s, ev.id, body, SYSTEM)
                expected.append(step)
                state = step
            else:
                with pytest.raises(Problem) as refused:
                    evidence.add_custody(s, ev.id, body, SYSTEM)
                assert refused.value.status == 409, (state, step)
        chain = evidence.custody(s, ev.id)
        assert [c.action for c in chain] == expected
        assert [c.position for c in chain] == list(range(1, len(expected) + 1))
        assert ev.state == state
        entries = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.like("custody.%"), AuditEntry.entity_id == ev.id)
        )
        assert entries == len(expected)
        s.rollback()
