"""Escalation: who is told when an alert is not acknowledged, and when.

* `policies.py`: the levels per agency, site and severity (the API's escalation policies);
* `timers.py`: a persisted timer per level due, fired once across workers; the climb of levels 1 and up;
* `first.py`: level 0 of a new alert, right after its SOS committed (one path on both backends);
* `loop.py`: every worker's loop, which runs both.
"""

from hifazat.alerts.escalation.first import FirstPlan, apply_first, fire_first, plan_first
from hifazat.alerts.escalation.loop import escalation_loop, next_due, tick, worker_name
from hifazat.alerts.escalation.policies import (
    ancestors,
    create_policy,
    delete_policy,
    get_policy,
    levels_for,
    list_policies,
    policy_id_for,
    select_policy,
    update_policy,
)
from hifazat.alerts.escalation.timers import cancel, climb, notify_level, pending_timers, start

__all__ = [
    "FirstPlan",
    "ancestors",
    "apply_first",
    "cancel",
    "climb",
    "create_policy",
    "delete_policy",
    "escalation_loop",
    "fire_first",
    "get_policy",
    "levels_for",
    "list_policies",
    "next_due",
    "notify_level",
    "pending_timers",
    "plan_first",
    "policy_id_for",
    "select_policy",
    "start",
    "tick",
    "update_policy",
    "worker_name",
]
