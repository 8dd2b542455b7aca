"""The FastAPI application: routers, error handling, middleware, background relay."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Literal

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from hifazat import __version__
from hifazat.auth import cache as agency_cache
from hifazat.config import Settings, get_settings
from hifazat.core import errors
from hifazat.core.inputs import reject_nul
from hifazat.platform import ops
from hifazat.platform.bus import get_bus
from hifazat.platform.db import local_writes, unit_of_work
from hifazat.platform.logs import configure
from hifazat.platform.outbox import mark_in_chunks, relay_once

log = logging.getLogger("hifazat.app")
WEB = Path(__file__).parent / "web"


Starter = Callable[[asyncio.Event], Awaitable[None]]
# Where a background job runs when `hifazat serve` splits a worker into front and back (hifazat.bulk):
# "front" beside the API, "back" in the bulk lane, "both" in each. One process ("all") runs every job.
Where = Literal["front", "back", "both"]


def add_background(app: FastAPI, starter: Starter, where: Where = "back") -> None:
    """Run `starter(stop)` for the app's lifetime, in the process(es) `where` names."""
    app.state.background.append((starter, where))


async def _relay_loop(stop: asyncio.Event, interval: float = 1.0) -> None:
    while not stop.is_set():
        try:
            await asyncio.to_thread(_relay_tick)
        except Exception:
            log.exception("outbox relay failed")
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


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    previous_switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    bus = get_bus()
    await bus.start()
    unsubscribe = agency_cache.subscribe(bus)  # another worker changed an agency or agreement
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_relay_loop(stop))]  # each process marks what it published itself
    role = app.state.role
    for starter, where in app.state.background:
        if role == "all" or where in (role, "both"):
            tasks.append(asyncio.create_task(starter(stop)))
    # Everything made at start-up (modules, the app, caches) lives as long as the process: out of the cycle
    # collector's way, so that its full passes (100+ ms on this heap) walk only what came after.
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # a test's app, started and stopped many times in one process, stays collectable
        stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        unsubscribe()
        await bus.stop()
        sys.setswitchinterval(previous_switch)


def create_app(settings: Settings | None = None, *, role: Literal["all", "front", "back"] = "all") -> FastAPI:
    """`role`: "all" runs every background job here; "front"/"back" are the two processes of a serving
    worker with its bulk lane (hifazat.bulk), each running its share of them."""
    settings = settings or get_settings()
    configure(settings.log_level, settings.log_json)
    app = FastAPI(
        dependencies=[Depends(reject_nul)],
        title="Hifazat",
        version=__version__,
        lifespan=lifespan,
        description="Joint security coordination for protected persons and strategic project sites.",
    )
    app.state.settings = settings
    app.state.role = role
    app.state.background = []
    errors.install(app)
    app.add_middleware(ops.RequestContext)

    from hifazat.alerts.api import urgent_router
    from hifazat.audit.api import router as audit_router
    from hifazat.auth.api import router as auth_router
    from hifazat.auth.live_stream import router as stream_router
    from hifazat.registry.api import router as registry_router

    app.include_router(urgent_router)  # first: the SOS route is matched before any other (see its note)
    app.include_router(ops.router)
    app.include_router(auth_router)
    app.include_router(registry_router)
    app.include_router(audit_router)
    app.include_router(stream_router)
    from hifazat.alerts.api import root_router as alerts_root_router
    from hifazat.alerts.api import router as alerts_router
    from hifazat.alerts.escalation import escalation_loop
    from hifazat.alerts.sms import router as sms_router

    app.include_router(alerts_router)
    app.include_router(alerts_root_router)
    app.include_router(sms_router)
    add_background(app, escalation_loop)
    from hifazat.alerts.pages import router as alerts_pages_router

    app.include_router(alerts_pages_router)
    _install_tracking(app)
    from hifazat.notify.api import router as notify_router
    from hifazat.notify.pages import router as notify_pages
    from hifazat.notify.worker import starter as notify_worker

    app.include_router(notify_router)
    app.include_router(notify_pages)
    add_background(app, notify_worker)
    _mount_web(app)
    return app


def _install_tracking(app: FastAPI) -> None:
    """Tracking: API routes, pages, the device endpoints (outermost), background jobs."""
    from hifazat.tracking import jobs, live
    from hifazat.tracking.api import router as tracking_router
    from hifazat.tracking.endpoints import DeviceIngress
    from hifazat.tracking.pages import router as tracking_pages

    app.include_router(tracking_router)
    app.include_router(tracking_pages)
    app.add_middleware(DeviceIngress)
    add_background(app, live.flusher, "both")  # each process holds back its own live updates
    add_background(app, jobs.stale_job)
    add_background(app, jobs.retention_job)
    settings = app.state.settings
    if settings.mqtt_url:
        from hifazat.tracking.mqtt import mqtt_listener

        add_background(app, mqtt_listener, "front")  # panic buttons raise SOS: on the urgent side
    if settings.demo_simulate:
        from hifazat.demo.simulator import simulator

        add_background(app, simulator)


def _mount_web(app: FastAPI) -> None:
    import xstatic.pkg.leaflet as xleaflet

    app.mount("/static/leaflet", StaticFiles(directory=xleaflet.BASE_DIR), name="leaflet")
    static = WEB / "static"
    if static.is_dir():
        app.mount("/static", StaticFiles(directory=static), name="static")
    # Imported as the app is built, like the API routers: the pages import their whole domain.
    from hifazat.audit.pages import router as audit_pages
    from hifazat.auth.pages import router as auth_pages
    from hifazat.registry.pages import router as registry_pages

    for pages in (auth_pages, registry_pages, audit_pages):
        app.include_router(pages)
