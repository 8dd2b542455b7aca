"""How domains plug into the application: what each one declares, and the table that holds it while it runs.

A domain describes itself in one `Domain` value (its `domain.py`); `hifazat.domains` lists them in order and
`hifazat.app.create_app` builds the app from that list. Nothing is registered at import time: a module that
offers an extension point declares an `ExtensionPoint`, other domains `contribute` to it in their `Domain`,
and the code that consumes it reads `current().get(point)`. `install` makes one composition current for the
process (the app, the CLI and each test install theirs), so an app built from a subset of the domains holds
exactly their routes, permissions, stream routes, hooks and jobs, and nothing of the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from fastapi import APIRouter

T = TypeVar("T")

Starter = Callable[[asyncio.Event], Awaitable[None]]
# Where a background job runs when `hifazat serve` splits a worker into front and back (platform/sqlite/bulk):
# "front" beside the API, "back" in the bulk lane, "both" in each. One process ("all") runs every job.
Where = Literal["front", "back", "both"]


@dataclass(frozen=True)
class ExtensionPoint(Generic[T]):
    """A named place other domains add items of type T to (declared by the module that reads them)."""

    name: str


@dataclass(frozen=True)
class Contribution(Generic[T]):
    point: ExtensionPoint[T]
    items: tuple[T, ...]


def contribute(point: ExtensionPoint[T], *items: T) -> Contribution[T]:
    return Contribution(point, items)


@dataclass(frozen=True)
class Job:
    """A background job: `starter(stop)` runs for the app's lifetime in the process(es) `where` names, if
    `enabled(settings)` (for example only when an MQTT broker is configured)."""

    starter: Starter
    where: Where = "back"
    enabled: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Domain:
    """Everything one domain adds to the application."""

    name: str
    # Matched before every other route: the SOS path, so an emergency never waits behind route matching.
    early_routers: Sequence[APIRouter] = ()
    routers: Sequence[APIRouter] = ()
    pages: Sequence[APIRouter] = ()
    templates: Sequence[Path] = ()  # template folders, searched after the shell's
    template_globals: Mapping[str, Any] = field(default_factory=dict)
    middleware: Sequence[type] = ()  # ASGI middleware classes, added outside the platform's
    jobs: Sequence[Job] = ()
    # Bus subscribers for the app's lifetime: subscribe(bus) -> unsubscribe.
    handlers: Sequence[Callable[[Any], Callable[[], None]]] = ()
    # Run when the composition is installed, before anything is served (idempotent: session listeners).
    on_install: Sequence[Callable[[], None]] = ()
    contributions: Sequence[Contribution[Any]] = ()


class Composition:
    """The domains the process runs and everything they contributed, by extension point, in domain order."""

    def __init__(self, domains: Iterable[Domain] = ()) -> None:
        self.domains: tuple[Domain, ...] = tuple(domains)
        names = [d.name for d in self.domains]
        if len(set(names)) != len(names):
            raise ValueError(f"a domain is listed twice: {names}")
        items: dict[ExtensionPoint[Any], list[Any]] = {}
        for d in self.domains:
            for c in d.contributions:
                items.setdefault(c.point, []).extend(c.items)
        self._items = {point: tuple(values) for point, values in items.items()}
        self._derived: dict[ExtensionPoint[Any], Any] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.domains)

    def get(self, point: ExtensionPoint[T]) -> tuple[T, ...]:
        return self._items.get(point, ())

    def derived(self, point: ExtensionPoint[T], build: Callable[[tuple[T, ...]], Any]) -> Any:
        """`build(items)` once per composition (a lookup table made from a point's items)."""
        try:
            return self._derived[point]
        except KeyError:
            value = self._derived[point] = build(self.get(point))
            return value


_current = Composition()


def install(composition: Composition) -> Composition:
    """Make `composition` the one this process consults; returns the one it replaces."""
    global _current
    previous, _current = _current, composition
    for d in composition.domains:
        for fn in d.on_install:
            fn()
    return previous


def current() -> Composition:
    return _current
