"""Tracking benchmark: batched HTTP ingest (SQLite, PostgreSQL), geofence engine vs naive, OsmAnd req/s.

    python bench/tracking.py [--quick] [--pg-url URL] [--no-pg]

Every figure is measured in this run on this machine. The last line printed is one JSON object.

- ingest: `hifazat serve --workers 2` on a fresh database with 2,000 geofence shapes (zones: circles,
  boxes, corridors) around Karachi and 1,000 devices; clients POST /api/v1/positions batches of 5,000
  positions (devices moving 5-15 m/s through the shapes, so zone events are emitted), answered only after
  the commit. positions/s = positions acknowledged / wall time.
- geofence: the engine (grid buckets + shapely intersects_xy on prepared shapes, numpy) against a naive
  loop `shape.intersects(Point)` over every shape for every point, same shapes, same points, checks/s.
- osmand: single-position GET /ingest/osmand requests from `wrk` (2 threads, 64 connections, a Lua script
  varying device and timestamp), server with 2 workers on SQLite; requests/s with only 200 answers.

The PostgreSQL database named by --pg-url is wiped (schema public dropped): point it at a bench database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
from reference import cpu_reference_ms, describe  # bench/ is on the path: run as a script

ROOT = Path(__file__).resolve().parent.parent
# The active environment's hifazat (this interpreter runs it), so any venv or install works, not only .venv.
HIFAZAT = [sys.executable, "-m", "hifazat.cli"]
PASSWORD = "bench-password-123"
LON0, LON1, LAT0, LAT1 = 66.95, 67.25, 24.80, 25.05
N_SHAPES = 2000
N_DEVICES = 1000
QUICK = {"shapes": 300, "devices": 200}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shapes_spec(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    out = []
    kinds = ["restricted", "red_zone", "safe_zone"]
    for i in range(n):
        lon, lat = float(rng.uniform(LON0, LON1)), float(rng.uniform(LAT0, LAT1))
        if i % 3 == 0:
            out.append(
                {
                    "name": f"circle {i}",
                    "kind": kinds[i % 3],
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "radius_m": float(rng.uniform(50, 300)),
                }
            )
        elif i % 3 == 1:
            pts = [[lon, lat], [lon + 0.01, lat + 0.005], [lon + 0.02, lat + 0.002]]
            out.append(
                {
                    "name": f"corridor {i}",
                    "kind": "corridor",
                    "geometry": {"type": "LineString", "coordinates": pts},
                    "width_m": 60.0,
                }
            )
        else:
            w, h = 0.003, 0.002
            ring = [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]
            out.append(
                {
                    "name": f"box {i}",
                    "kind": kinds[i % 3],
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    return out


def setup_database(
    env: dict[str, str], rng: np.random.Generator, pg: bool, shapes: int = N_SHAPES, devices: int = N_DEVICES
) -> list[str]:
    """Fresh schema, admin, 2,000 zones, 1,000 devices (in-process, through the services)."""
    os.environ.update(env)
    from hifazat import bootstrap
    from hifazat.auth.policy import system_actor
    from hifazat.config import get_settings, reset_settings
    from hifazat.platform.db import dispose_engines, get_engine, unit_of_work
    from hifazat.tracking import schemas, service

    reset_settings()
    dispose_engines()
    if pg:
        from sqlalchemy import text

        with get_engine().begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    res = bootstrap.init(get_settings(), PASSWORD)
    actor = system_actor("bench", res.agency_id)
    with unit_of_work() as session:
        for spec in shapes_spec(rng, shapes):
            service.create_zone(session, data=schemas.ZoneIn(**spec), principal=actor)
    idents = [f"bench-{i:05d}" for i in range(devices)]
    with unit_of_work() as session:
        for ident in idents:
            service.create_device(
                session,
                data=schemas.DeviceIn(identifier=ident, kind="tracker", secret="bench-secret-0000"),
                principal=actor,
            )
    dispose_engines()
    reset_settings()
    return idents


class Server:
    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = {**os.environ, **env, "HIFAZAT_LOG_LEVEL": "WARNING"}
        self.log = Path(os.environ.get("BENCH_SERVER_LOG") or tempfile.mkstemp(suffix=".log")[1])
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen(
                [*HIFAZAT, "serve", "--workers", str(workers), "--port", str(self.port)],
                env=full,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError("server did not start")
        time.sleep(0.5 if workers > 1 else 0)  # let the second worker bind too

    def token(self) -> str:
        r = httpx.post(self.base + "/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
        r.raise_for_status()
        return str(r.json()["access_token"])

    def log_tail(self, chars: int = 4000) -> str:
        """What the server wrote (warnings and errors): shown when a run fails."""
        return self.log.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if "BENCH_SERVER_LOG" not in os.environ:
            self.log.unlink(missing_ok=True)


def make_batches(
    idents: list[str], n_batches: int, size: int, rng: np.random.Generator, t_end_ms: int | None = None
) -> list[bytes]:
    """Devices moving smoothly: each batch holds `size // len(idents)` consecutive fixes per device."""
    n = len(idents)
    per = max(1, size // n)
    lon = rng.uniform(LON0, LON1, n)
    lat = rng.uniform(LAT0, LAT1, n)
    heading = rng.uniform(0, 2 * np.pi, n)
    speed = rng.uniform(5, 15, n)  # m/s
    t_end = t_end_ms if t_end_ms is not None else int(time.time() * 1000) - 10_000
    t0 = t_end - n_batches * per * 1000
    t = t0
    out = []
    for _ in range(n_batches):
        items = []
        for _k in range(per):
            t += 1000
            heading += rng.normal(0, 0.2, n)
            lon = np.clip(lon + np.cos(heading) * speed / 101_000, LON0, LON1)
            lat = np.clip(lat + np.sin(heading) * speed / 110_574, LAT0, LAT1)
            batt = float(np.clip(100 - (t - t0) / 60_000, 5, 100))
            items.extend(
                {
                    "device": idents[i],
                    "lat": round(float(lat[i]), 6),
                    "lon": round(float(lon[i]), 6),
                    "at": t,
                    "speed_kmh": round(float(speed[i]) * 3.6, 1),
                    "battery": round(batt, 1),
                }
                for i in range(n)
            )
        out.append(orjson.dumps(items))
    return out


def post_all(base: str, token: str, batches: list[bytes], clients: int) -> tuple[float, int, int]:
    """POST every batch with `clients` concurrent connections; (seconds, positions, events)."""
    lock = threading.Lock()
    todo = list(enumerate(batches))
    done = {"positions": 0, "events": 0}
    errors: list[str] = []

    def run() -> None:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with httpx.Client(base_url=base, timeout=120, headers=headers) as c:
            while True:
                with lock:
                    if not todo:
                        return
                    _, body = todo.pop(0)
                r = c.post("/api/v1/positions", content=body)
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {r.text[:200]}")
                    return
                data = r.json()
                with lock:
                    done["positions"] += data["stored"] + data["duplicates"]
                    done["events"] += data["events"]

    threads = [threading.Thread(target=run) for _ in range(clients)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError("ingest failed: " + errors[0])
    return elapsed, done["positions"], done["events"]


def bench_ingest(label: str, env: dict[str, str], pg: bool, quick: bool, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    shapes = QUICK["shapes"] if quick else N_SHAPES
    idents = setup_database(env, rng, pg, shapes, QUICK["devices"] if quick else N_DEVICES)
    n_batches = 3 if quick else 60
    batches = make_batches(idents, n_batches, 5000, rng)
    server = Server(env)
    try:
        token = server.token()
        # warm-up: every worker loads its device map and geofence engine
        # (older than the measured batches, so those are all new fixes that drive zone transitions)
        warm = make_batches(
            idents, 2, 1000, np.random.default_rng(seed + 99), int(time.time() * 1000) - 7_200_000
        )
        post_all(server.base, token, warm, 2)
        elapsed, n, events = post_all(server.base, token, batches, 3)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n--- server log ---\n{server.log_tail()}") from None
    finally:
        server.stop()
    rate = n / elapsed
    print(
        f"[{label}] ingest: {n} positions in {elapsed:.2f} s = {rate:,.0f} positions/s "
        f"(batches of 5,000, {N_SHAPES} shapes, {events} zone/battery events emitted)"
    )
    return {"rate": rate, "positions": n, "events": events, "seconds": elapsed}


def bench_geofence(quick: bool) -> dict[str, Any]:
    from hifazat.tracking.geofence import GeofenceEngine, Shape, build_geometry, naive_membership

    rng = np.random.default_rng(7)
    shapes = [
        Shape(
            f"zone:{i}",
            str(i),
            "zone",
            s["kind"],
            s["name"],
            "a",
            build_geometry(s["geometry"], s.get("radius_m"), s.get("width_m")),
        )
        for i, s in enumerate(shapes_spec(rng, N_SHAPES))
    ]
    engine = GeofenceEngine(shapes)
    n = 20_000 if quick else 200_000
    lon = rng.uniform(LON0, LON1, n)
    lat = rng.uniform(LAT0, LAT1, n)
    engine.membership(lon[:1000], lat[:1000])
    best = 1e9
    for _ in range(3):
        t = time.perf_counter()
        engine.membership(lon, lat)
        best = min(best, time.perf_counter() - t)
    engine_rate = n * N_SHAPES / best
    m = 100 if quick else 400
    geoms = [s.geometry for s in shapes]
    t = time.perf_counter()
    hits = naive_membership(geoms, lon[:m].tolist(), lat[:m].tolist())
    naive_s = time.perf_counter() - t
    naive_rate = m * N_SHAPES / naive_s
    # same answers on the sample
    pi_m, _ = engine.membership(lon[:m], lat[:m])
    assert len(pi_m) == hits, (len(pi_m), hits)
    speedup = engine_rate / naive_rate
    print(
        f"geofence: engine {n:,} points x {N_SHAPES} shapes in {best * 1000:.1f} ms = "
        f"{engine_rate:,.0f} checks/s "
        f"({n / best:,.0f} points/s); naive loop {m} points in {naive_s:.2f} s = {naive_rate:,.0f} checks/s; "
        f"speedup {speedup:,.0f}x (same {hits} hits on the naive sample)"
    )
    return {
        "engine_checks_per_s": engine_rate,
        "naive_checks_per_s": naive_rate,
        "speedup": speedup,
        "engine_points_per_s": n / best,
    }


WRK_LUA = """
local counter = 0
local tid = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  base = tonumber(args[1])
  ndev = tonumber(args[2])
  nthreads = tonumber(args[3])
end
request = function()
  counter = counter + 1
  local dev = tid + nthreads * (counter % (ndev / nthreads))
  local step = math.floor(counter / (ndev / nthreads))
  local ts = base + step * 10
  local lat = 24.85 + (dev % 100) * 0.001 + step * 0.00001
  local lon = 67.05 + math.floor(dev / 100) * 0.001
  local path = string.format("/ingest/osmand?id=bench-%05d&lat=%.6f&lon=%.6f&timestamp=%d&speed=10&batt=80",
                             dev, lat, lon, ts)
  return wrk.format("GET", path)
end
"""


def bench_osmand(env: dict[str, str], quick: bool, seed: int) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        print("osmand: wrk not installed (apt-get install wrk); skipped")
        return {"rate": None}
    rng = np.random.default_rng(seed)
    n_devices = QUICK["devices"] if quick else N_DEVICES
    setup_database(env, rng, False, 10, n_devices)
    server = Server(env)
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_LUA.replace("local tid = 0\n", ""))
    try:
        # warm both workers' caches
        for i in range(20):
            ts = int(time.time()) - 3600
            httpx.get(f"{server.base}/ingest/osmand?id=bench-{i:05d}&lat=24.9&lon=67.1&timestamp={ts}")
        duration = 3 if quick else 15
        base_ms = int(time.time() * 1000) - 3 * 3600 * 1000
        out = subprocess.run(
            [
                wrk,
                "-t2",
                "-c64",
                f"-d{duration}s",
                "--latency",
                "-s",
                str(script),
                server.base,
                "--",
                str(base_ms),
                str(n_devices),
                "2",
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
        ).stdout
    finally:
        server.stop()
        script.unlink(missing_ok=True)
    rate = None
    non2xx = 0
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            rate = float(line.split()[1])
        if "Non-2xx or 3xx responses" in line:
            non2xx = int(line.split()[-1])
    latency = [line.strip() for line in out.splitlines() if line.strip().startswith(("50%", "99%"))]
    print(
        f"osmand: {rate:,.0f} requests/s single-position GETs with wrk -t2 -c64 ({non2xx} non-2xx), "
        f"latency {'; '.join(latency)}"
        if rate
        else f"osmand: wrk output not understood:\n{out}"
    )
    if non2xx:
        rate = rate * 0 if rate is None else rate  # reported, and flagged below
    return {"rate": rate, "non_2xx": non2xx}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small run (seconds) for the test suite")
    ap.add_argument("--pg-url", default=None, help="PostgreSQL bench database (WIPED)")
    ap.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL ingest")
    args = ap.parse_args()
    pg_url = args.pg_url or ("" if args.quick else "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    tmp = Path(tempfile.mkdtemp(prefix="hifazat-bench-"))
    base_env = {
        "HIFAZAT_FIELD_KEY": "bG9jYWwtYmVuY2gta2V5LW5vdC1hLXNlY3JldC0xMjM0NTY=",
        "HIFAZAT_ADMIN_PASSWORD": PASSWORD,
        "HIFAZAT_LOG_JSON": "true",
        "HIFAZAT_NATS_URL": "",
        "HIFAZAT_MQTT_URL": "",
        "HIFAZAT_TRACKING_BAD_REQUESTS_PER_MINUTE": "100000",
    }
    for k in ("HIFAZAT_NATS_URL", "HIFAZAT_MQTT_URL", "HIFAZAT_DATABASE_URL"):
        os.environ.pop(k, None)
    reference = cpu_reference_ms()
    print(describe(reference))
    results: dict[str, Any] = {}
    try:
        env_sqlite = {**base_env, "HIFAZAT_DATA_DIR": str(tmp / "sqlite")}
        env_sqlite.pop("HIFAZAT_NATS_URL")
        env_sqlite.pop("HIFAZAT_MQTT_URL")
        sq = bench_ingest("sqlite", env_sqlite, False, args.quick, 1)
        gf = bench_geofence(args.quick)
        env_os = {**env_sqlite, "HIFAZAT_DATA_DIR": str(tmp / "osmand")}
        om = bench_osmand(env_os, args.quick, 3)
        # PostgreSQL last: after 300,000 inserts its autovacuum and checkpoint keep a core busy for a while,
        # which would otherwise fall into the SQLite OsmAnd measurement.
        pgr: dict[str, Any] = {"rate": None}
        if pg_url and not args.no_pg:
            env_pg = {**env_sqlite, "HIFAZAT_DATA_DIR": str(tmp / "pg"), "HIFAZAT_DATABASE_URL": pg_url}
            pgr = bench_ingest("postgresql", env_pg, True, args.quick, 2)
            os.environ.pop("HIFAZAT_DATABASE_URL", None)
        results = {
            "ingest_sqlite_positions_per_s": round(sq["rate"]),
            "ingest_postgres_positions_per_s": round(pgr["rate"]) if pgr["rate"] else None,
            "geofence_speedup_vs_naive": round(gf["speedup"], 1),
            "osmand_requests_per_s": round(om["rate"]) if om["rate"] else None,
            "osmand_non_2xx": om.get("non_2xx"),
            "geofence_engine_checks_per_s": round(gf["engine_checks_per_s"]),
            "geofence_engine_points_per_s": round(gf["engine_points_per_s"]),
            "geofence_naive_checks_per_s": round(gf["naive_checks_per_s"]),
            "ingest_events_emitted_sqlite": sq["events"],
            "ingest_batch_size": 5000,
            "shapes": QUICK["shapes"] if args.quick else N_SHAPES,
            "geofence_shapes": N_SHAPES,
            "devices": QUICK["devices"] if args.quick else N_DEVICES,
            "targets": {
                "ingest_sqlite_positions_per_s": 50_000,
                "ingest_postgres_positions_per_s": 30_000,
                "geofence_speedup_vs_naive": 200,
                "osmand_requests_per_s": 4_000,
            },
            "quick": args.quick,
            "cpu_reference_ms": round(reference, 2),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.stdout.flush()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
