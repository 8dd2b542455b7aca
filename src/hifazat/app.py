"""The FastAPI application: routers, error handling, middleware, background relay."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Literal

import xstatic.pkg.leaflet as xleaflet
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from hifazat import __version__, geodata
from hifazat.config import Settings, get_settings
from hifazat.core import errors
from hifazat.core.inputs import reject_nul
from hifazat.domains import DOMAINS, compose
from hifazat.platform import ops
from hifazat.platform.bus import get_bus
from hifazat.platform.composition import Domain, Starter, Where, install
from hifazat.platform.db import local_writes, unit_of_work
from hifazat.platform.forwarded import ForwardedClient
from hifazat.platform.logs import configure
from hifazat.platform.outbox import mark_in_chunks, relay_once
from hifazat.web import api_docs
from hifazat.web.templating import add_template_dir, env

log = logging.getLogger("hifazat.app")
WEB = Path(__file__).parent / "web"


def add_background(app: FastAPI, starter: Starter, where: Where = "back") -> None:
    """Run `starter(stop)` for the app's lifetime, in the process(es) `where` names."""
    app.state.background.append((starter, where))


async def _relay_loop(stop: asyncio.Event, interval: float = 1.0) -> None:
    while not stop.is_set():
        try:
            await asyncio.to_thread(_relay_tick)
        except Exception as exc:
            errors.log_failure(log, "outbox relay failed", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def _relay_tick() -> None:
    mark_in_chunks()
    # On SQLite a reader: the sweep only reads and publishes, and a write transaction would hold the one
    # write lock (an SOS waits for it) while it hands up to 500 leftover rows to the bus. On PostgreSQL
    # its FOR UPDATE SKIP LOCKED keeps two workers off the same rows, which needs a writer.
    with unit_of_work(readonly=local_writes()) as session:
        relay_once(session)


# How long a thread may hold the interpreter before another runnable thread gets it (CPython's default is
# 5 ms). A bulk batch parsed in a worker thread would otherwise hold up the event loop that answers an SOS
# and writes its stream event for that long at every switch.
SWITCH_INTERVAL_S = 0.0005
# Whether this process has had its one full collection before freezing the start-up heap (below).
_collected_once = False


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    previous_switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    bus = get_bus()
    await bus.start()
    unsubscribes = [subscribe(bus) for d in app.state.composition.domains for subscribe in d.handlers]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_relay_loop(stop))]  # each process marks what it published itself
    role = app.state.role
    for starter, where in app.state.background:
        if role == "all" or where in (role, "both"):
            tasks.append(asyncio.create_task(starter(stop)))
    # Everything made at start-up (modules, the app, caches) lives as long as the process: out of the cycle
    # collector's way, so that its full passes (100+ ms on this heap) walk only what came after. One full
    # pass per process is enough: a server starts once, and a test process starting hundreds of apps would
    # otherwise pay a full pass for each (what it freezes uncollected is thawed again on shutdown).
    global _collected_once
    if not _collected_once:
        gc.collect()
        _collected_once = True
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # a test's app, started and stopped many times in one process, stays collectable
        stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for unsubscribe in unsubscribes:
            unsubscribe()
        await bus.stop()
        sys.setswitchinterval(previous_switch)


def create_app(
    settings: Settings | None = None,
    *,
    role: Literal["all", "front", "back"] = "all",
    domains: Sequence[Domain] | None = None,
) -> FastAPI:
    """The app made of `domains` (all of `hifazat.domains.DOMAINS` by default), which becomes this
    process's composition. `role`: "all" runs every background job here; "front"/"back" are the two
    processes of a serving worker with its bulk lane (platform/sqlite/bulk), each running its share."""
    settings = settings or get_settings()
    configure(settings.log_level, settings.log_json)
    composition = compose(DOMAINS if domains is None else domains)
    install(composition)
    app = FastAPI(
        dependencies=[Depends(reject_nul)],
        title="Hifazat",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc come from web/api_docs.py, served without a CDN
        redoc_url=None,
        description="Joint security coordination for protected persons and strategic project sites.",
    )
    app.state.settings = settings
    app.state.role = role
    app.state.composition = composition
    app.state.background = []
    errors.install(app)
    app.add_middleware(ops.RequestContext)
    chosen = composition.domains
    for router in (*(r for d in chosen for r in d.early_routers), ops.router):
        app.include_router(router)  # first: the SOS route is matched before any other (see its note)
    for d in chosen:
        for router in d.routers:
            app.include_router(router)
    app.include_router(api_docs.router)
    for d in chosen:
        for router in d.pages:
            app.include_router(router)
        for folder in d.templates:
            add_template_dir(folder)
        env.globals.update(d.template_globals)
        for middleware in d.middleware:
            app.add_middleware(middleware)  # type: ignore[arg-type]  # an ASGI class, as Starlette takes
        for job in d.jobs:
            if job.enabled is None or job.enabled(settings):
                add_background(app, job.starter, job.where)
    if role != "back":  # the back answers only its front, which forwards the client it resolved
        app.add_middleware(ForwardedClient, trusted_proxies=settings.trusted_proxies)  # added last: outermost
    _mount_web(app)
    return app


def _mount_web(app: FastAPI) -> None:
    # The boundary and base-map data live in hifazat.geodata (core reads them too); the maps fetch them here.
    app.mount("/static/geo", StaticFiles(directory=geodata.DIR), name="geo")
    app.mount(api_docs.ASSETS_URL, StaticFiles(directory=api_docs.ASSETS_DIR), name="api-docs")
    app.mount("/static/leaflet", StaticFiles(directory=xleaflet.BASE_DIR), name="leaflet")
    static = WEB / "static"
    if static.is_dir():
        app.mount("/static", StaticFiles(directory=static), name="static")
