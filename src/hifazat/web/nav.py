"""Dashboard navigation: each domain contributes its links (path, label, roles that see it or empty = all)."""

from __future__ import annotations

from dataclasses import dataclass

from hifazat.platform.composition import ExtensionPoint, current


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    roles: frozenset[str] = frozenset()
    order: int = 100


NAV: ExtensionPoint[NavItem] = ExtensionPoint("web.nav")


def visible_nav(roles: frozenset[str]) -> list[NavItem]:
    return sorted((n for n in current().get(NAV) if not n.roles or n.roles & roles), key=lambda n: n.order)
