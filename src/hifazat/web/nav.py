"""Dashboard navigation. Each domain adds its pages here:
(path, label, roles that see the link or empty=all)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    roles: frozenset[str] = frozenset()
    order: int = 100


NAV: list[NavItem] = [
    NavItem("/", "Map", order=10),
    NavItem("/persons", "Persons", order=30),
    NavItem("/sites", "Sites", order=31),
    NavItem("/projects", "Projects", order=32),
    NavItem("/units", "Units", order=33),
    NavItem("/vehicles", "Vehicles", order=34),
    NavItem("/agencies", "Agencies", order=40),
    NavItem("/users", "Users", frozenset({"admin", "auditor"}), order=41),
    NavItem("/audit", "Audit", frozenset({"admin", "auditor"}), order=50),
    NavItem("/notifications", "Notifications", order=60),
    NavItem("/alerts", "Alerts", order=20),
    NavItem("/polls", "Safety polls", order=21),
    NavItem("/alerts/policies", "Escalation", frozenset({"admin", "operator", "auditor"}), order=22),
]


def visible_nav(roles: frozenset[str]) -> list[NavItem]:
    return sorted((n for n in NAV if not n.roles or n.roles & roles), key=lambda n: n.order)
