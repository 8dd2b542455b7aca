"""Who may act on an alert, on the demo scenario: for every demo login and every state an alert can be
acted on in, each action the alert lists for that caller succeeds and each one it does not list is refused.

The alert is a Karachi SOS of a Chinese national living at the Clifton guest house: owned by the project
company, in Sindh Police's jurisdiction, guarded by Shield (its team is based there), and covered for the
embassy by the ministry's agreement on alerts involving Chinese nationals.
"""

from __future__ import annotations

from collections.abc import Callable

from hifazat.auth.acting import ALERT_ACTIONS
from hifazat.demo import scenario
from tests.alerts.demo_world import OWNER, STATES, Demo

USERS = sorted([u.username for u in scenario.USERS] + ["admin"])


def listed(demo: Demo, user: str, alert_id: str) -> list[str] | None:
    r = demo.call(user, "GET", f"/api/v1/alerts/{alert_id}")
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return list(r.json()["actions"])


def test_every_listed_action_succeeds_and_every_other_is_refused(demo: Demo) -> None:
    seen: dict[tuple[str, str], list[str] | None] = {}
    for state in STATES:
        for user in USERS:
            probe = demo.alert_in(state)
            actions = listed(demo, user, probe)
            demo.close(probe)
            seen[(user, state)] = actions
            for action in ALERT_ACTIONS:
                alert_id = demo.alert_in(state)
                before = listed(demo, user, alert_id)
                assert before == actions, (user, state, "the same alert in the same state lists the same")
                r = demo.attempt(user, alert_id, action)
                if actions is not None and action in actions:
                    assert r.status_code in (200, 201), (user, state, action, r.text)
                else:
                    assert r.status_code in (403, 404, 409, 422), (user, state, action, r.status_code, r.text)
                demo.close(alert_id)
    _check_what_each_agency_may_do(seen)


def _check_what_each_agency_may_do(seen: dict[tuple[str, str], list[str] | None]) -> None:
    """The findings of issue 17, as the table now answers them."""
    new: Callable[[str], list[str] | None] = lambda user: seen[(user, "new")]  # noqa: E731
    assert new(OWNER) == ["acknowledge", "false_alarm", "note"]  # the owner has no unit of its own to see
    assert new("sindh.spu") == ["acknowledge", "dispatch", "note"]  # jurisdiction: its own units
    assert new("noc.operator") == ["acknowledge", "false_alarm", "dispatch", "note"]  # the national centre
    assert new("shield.guard") == ["acknowledge", "note"]  # it guards the residence
    assert new("embassy.liaison") == []  # its national: a summary, no actions
    for stranger in ("isb.police", "punjab.spu", "army.ssd", "sentinel.manager"):
        assert new(stranger) is None, stranger
    assert "update_assignment" in (seen[("sindh.responder", "responding")] or [])  # its unit is on it
    assert "update_assignment" not in (seen[("shield.guard", "responding")] or [])
    assert "resolve" in (seen[(OWNER, "responding")] or [])
    assert "resolve" not in (seen[("sindh.spu", "responding")] or [])
