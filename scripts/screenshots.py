"""Screenshots of the dashboard for the README, written to docs/img/ (see SHOTS for the names).

Loads the demo scenario into a throw-away data directory, serves it on a free 127.0.0.1 port, and drives
Debian chromium through Playwright with every request outside 127.0.0.1 blocked (no tiles: the shipped
outline is what you see). Run: .venv/bin/python scripts/screenshots.py [--user noc.operator]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ADMIN_PASSWORD = "screenshot-admin-pass"  # noqa: S105  (throw-away database)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(data_dir: Path) -> str:
    os.environ["HIFAZAT_DATA_DIR"] = str(data_dir)
    os.environ["HIFAZAT_LOG_LEVEL"] = "WARNING"
    os.environ["HIFAZAT_DEMO_SIMULATE"] = "true"  # devices move, as under `hifazat demo`
    os.environ.pop("HIFAZAT_DATABASE_URL", None)
    from hifazat import bootstrap
    from hifazat.cli import DEMO_PASSWORD
    from hifazat.config import get_settings, reset_settings
    from hifazat.demo.scenario import load
    from hifazat.platform.db import unit_of_work

    reset_settings()
    bootstrap.init(get_settings(), ADMIN_PASSWORD)
    with unit_of_work() as session:
        load(session, password=DEMO_PASSWORD)
    return DEMO_PASSWORD


def _serve() -> tuple[str, object, threading.Thread]:
    import uvicorn

    from hifazat.app import create_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(),
            host="127.0.0.1",
            port=_free_port(),
            log_config=None,
            access_log=False,
            proxy_headers=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("server did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{server.config.port}", server, thread


SHOTS = (
    "login",
    "map",
    "persons",
    "person",
    "person-shared",
    "site",
    "live",
    "alerts",
    "alert",
    "alert-police",
    "alert-partner",
    "policies",
    "zones",
    "incidents",
    "incident",
    "personnel",
    "api-docs",
)


def _raise_sos(base: str, password: str) -> None:
    """A worker's SOS near the Port Qasim residence, through the API like a phone would send it."""
    import httpx

    tok = httpx.post(f"{base}/api/v1/auth/token", data={"username": "company.security", "password": password})
    headers = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    # A Chinese national in Sindh: the embassy's agreement covers the alert, Sindh Police has jurisdiction.
    persons = httpx.get(f"{base}/api/v1/persons?province=PK-SD&limit=100", headers=headers).json()["items"]
    person = next(p for p in persons if p.get("nationality") == "CN")
    r = httpx.post(
        f"{base}/api/v1/alerts",
        headers=headers,
        json={"kind": "sos", "person_id": person["id"], "lat": 24.7836, "lon": 67.3503},
    )
    if r.status_code != 201:
        raise SystemExit(f"SOS refused: {r.status_code} {r.text}")


def shoot(user: str, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        password = _prepare(Path(tmp) / "var")
        base, server, thread = _serve()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=ARGS)

                def signed_in(username: str, path: str = "/") -> Any:
                    context = browser.new_context(viewport={"width": 1440, "height": 900})
                    context.route(lambda url: not url.startswith(base), lambda route: route.abort())
                    page = context.new_page()
                    page.set_default_timeout(20_000)
                    page.goto(base + "/login?next=" + path)
                    page.fill("#username", username)
                    page.fill("#password", ADMIN_PASSWORD if username == "admin" else password)
                    page.click("button[type=submit]")
                    page.wait_for_url(base + path)
                    return page

                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.goto(base + "/login")
                page.screenshot(path=str(OUT / "login.png"))

                # The control room: the whole country, read-only on other agencies' records.
                page = signed_in(user)
                page.wait_for_selector("#map[data-ready=true]")
                page.wait_for_timeout(400)  # let Leaflet finish its zoom animation
                page.screenshot(path=str(OUT / "map.png"))
                page.goto(base + "/persons")
                page.screenshot(path=str(OUT / "persons.png"))
                page.goto(base + "/sites?province=PK-SD&kind=project_site")
                href = page.get_attribute("table.data tbody tr a[href^='/sites/']", "href")
                page.goto(base + str(href))
                page.wait_for_selector(".site-map .leaflet-overlay-pane svg path")
                page.wait_for_timeout(400)
                page.screenshot(path=str(OUT / "site.png"))

                # Devices moving live, then an SOS as the control room sees it.
                page.goto(base + "/live")
                page.wait_for_timeout(6000)  # a few simulator ticks over the stream
                page.screenshot(path=str(OUT / "live.png"))
                _raise_sos(base, password)
                page.goto(base + "/alerts")
                page.wait_for_selector("#alert-inbox tbody a[href^='/alerts/']")
                page.screenshot(path=str(OUT / "alerts.png"))
                href = page.get_attribute("#alert-inbox tbody a[href^='/alerts/']", "href")
                page.goto(base + str(href))
                page.wait_for_timeout(800)
                page.screenshot(path=str(OUT / "alert.png"))

                # The same SOS as Sindh Police's control room sees it: acknowledge, dispatch its own units.
                page = signed_in("sindh.spu", str(href))
                page.wait_for_timeout(800)
                page.screenshot(path=str(OUT / "alert-police.png"))
                # ... and as the partner embassy's liaison: its national's SOS, a summary, no actions.
                page = signed_in("embassy.liaison", str(href))
                page.wait_for_timeout(500)
                page.screenshot(path=str(OUT / "alert-partner.png"))

                # Escalation edited by names; zones drawn on the map; incidents; personnel and clearance.
                page = signed_in("admin", "/alerts/policies")
                page.screenshot(path=str(OUT / "policies.png"))
                page = signed_in("company.security", "/zones")
                href = page.get_attribute("table.data tbody tr a[href^='/zones/']", "href")
                page.goto(base + str(href))  # the corridor drawn on its map, with the edit form
                page.wait_for_timeout(800)
                page.screenshot(path=str(OUT / "zones.png"))
                page = signed_in(user, "/incidents")
                page.wait_for_timeout(600)
                page.screenshot(path=str(OUT / "incidents.png"))
                href = page.get_attribute("a[href^='/incidents/0']", "href")
                page.goto(base + str(href))
                page.wait_for_timeout(600)
                page.screenshot(path=str(OUT / "incident.png"))
                page = signed_in("admin", "/personnel")
                href = page.get_attribute("table.data tbody tr a[href^='/personnel/']", "href")
                page.goto(base + str(href))
                page.screenshot(path=str(OUT / "personnel.png"))
                page.goto(base + "/docs")
                page.wait_for_selector(".swagger-ui .opblock")
                page.screenshot(path=str(OUT / "api-docs.png"))

                # The owning agency edits its own people.
                page = signed_in("company.security", "/persons")
                href = page.get_attribute("table.data tbody tr a[href^='/persons/']", "href")
                page.goto(base + str(href))
                page.wait_for_selector("form[data-ready=true]")
                page.screenshot(path=str(OUT / "person.png"))

                # A partner embassy sees a summary, with fields withheld.
                page = signed_in("embassy.liaison", "/persons")
                href = page.get_attribute("table.data tbody tr a[href^='/persons/']", "href")
                page.goto(base + str(href))
                page.screenshot(path=str(OUT / "person-shared.png"))
                browser.close()
        finally:
            server.should_exit = True  # type: ignore[attr-defined]
            thread.join(timeout=15)
    for name in SHOTS:
        print(f"wrote {OUT / name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--user", default="noc.operator", help="demo login to take the screenshots as")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="chromium executable")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z0-9._-]+", args.user):
        raise SystemExit("--user must be a demo user name")
    shoot(args.user, args.chromium)


if __name__ == "__main__":
    main()
