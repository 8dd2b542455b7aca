"""Benchmark: SOS POST -> `alert` event on an SSE client, under a background load of positions.

  1. one worker (the embedded default: SQLite + in-process bus, or --pg-url): p50/p99 of SOS -> stream over
     --sos alerts, one at a time, while a loader posts --rate positions/s through POST /api/v1/positions
     (the rate reported: positions of the batches sent while the measured SOS ran, answered 200, per s);
     the SSE client and the loader run in processes of their own, as a dashboard and devices would;
  2. two workers sharing PostgreSQL + NATS JetStream: SOS posted to A, event read from B's stream;
  3. baseline: GET /healthz round trip on the same server in the same run.

Prints its figures, then as the LAST line one JSON object. `--quick` is a smoke run for the test suite.
Everything runs on 127.0.0.1 with bounded loops.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from reference import cpu_reference_ms, describe  # bench/ is on the path: run as a script

PASSWORD = "bench-password-123"
LOADER_IN_FLIGHT = 4  # batches the loader keeps in flight at most
WARM_UP = 50  # SOS per scenario before the measured ones (pools, caches, a freshly started pair)
NATS_URL = os.environ.get("HIFAZAT_TEST_NATS_URL", "nats://127.0.0.1:4222")
PG_URL = os.environ.get("HIFAZAT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hifazat_bench")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return xs[k]


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "hifazat.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.log = log
        with log.open("wb") as fh:
            self.proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)

    def wait_ready(self, limit_s: float = 120) -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"worker exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise SystemExit("worker did not become ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def base_env(data_dir: Path, db_url: str | None, nats: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "HIFAZAT_DATA_DIR": str(data_dir),
        "HIFAZAT_ADMIN_PASSWORD": PASSWORD,
        "HIFAZAT_LOG_LEVEL": "WARNING",
        "HIFAZAT_LOG_JSON": "true",
    }
    env.pop("HIFAZAT_DATABASE_URL", None)
    env.pop("HIFAZAT_NATS_URL", None)
    if db_url:
        env["HIFAZAT_DATABASE_URL"] = db_url
    if nats:
        env["HIFAZAT_NATS_URL"] = NATS_URL
    return env


RESET_PG = """
import sqlalchemy as sa, sys
url = sys.argv[1]
root, name = url.rsplit("/", 1)
e = sa.create_engine(root + "/postgres", isolation_level="AUTOCOMMIT")
with e.connect() as c:
    if not c.execute(sa.text("SELECT 1 FROM pg_database WHERE datname=:n"), {"n": name}).first():
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
e = sa.create_engine(url)
with e.begin() as c:
    c.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
    c.execute(sa.text("CREATE SCHEMA public"))
"""


def init_db(env: dict[str, str], db_url: str | None) -> subprocess.Popen[bytes]:
    """Start preparing a database (fresh PostgreSQL schema, migrated, admin user); returns the process."""
    script = ""
    if db_url:
        script = "import subprocess, sys\n"
        script += f"subprocess.run([sys.executable, '-c', {RESET_PG!r}, {db_url!r}], check=True)\n"
    script += "from hifazat.cli import app\napp(['init'])\n"
    return subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.DEVNULL)


def finish(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.wait(300) != 0:
            raise SystemExit("database initialisation failed")


def _read_stream(base: str, token: str, out: Any, ready: Any) -> None:
    """The stream reader process: every `alert` event of a new alert, as (id, perf_counter at arrival).

    Its own process, as a dashboard is: a reader sharing the measuring client's interpreter would wait for
    that client's thread (parsing the POST's answer at the same moment) before it could timestamp the event.
    perf_counter is the system's monotonic clock, so its readings compare across processes."""
    import orjson

    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream(
        "GET", f"{base}/api/v1/stream?events=alert", headers=headers, timeout=httpx.Timeout(5, read=None)
    ) as r:
        for line in r.iter_lines():
            if line.startswith(": connected"):
                ready.set()
            elif line.startswith("data: "):
                now = time.perf_counter()
                data = orjson.loads(line[6:])
                if data.get("change") == "created":
                    out.send((data["id"], now))


class Stream:
    """An SSE reader in a process of its own; `wait_for` gives the arrival time of an alert's `created`
    event (first arrival)."""

    def __init__(self, base: str, token: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        receiver, sender = ctx.Pipe(duplex=False)
        ready = ctx.Event()
        self.proc = ctx.Process(target=_read_stream, args=(base, token, sender, ready), daemon=True)
        self.proc.start()
        sender.close()
        self.arrived: dict[str, float] = {}
        self.cond = threading.Condition()
        threading.Thread(target=self._collect, args=(receiver,), daemon=True).start()
        if not ready.wait(20):
            raise SystemExit("stream did not connect")

    def _collect(self, receiver: Any) -> None:
        while True:
            try:
                ident, at = receiver.recv()
            except (EOFError, OSError):
                return
            with self.cond:
                self.arrived.setdefault(ident, at)
                self.cond.notify_all()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.join(10)

    def wait_for(self, alert_id: str, timeout: float = 10.0) -> float | None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while alert_id not in self.arrived:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return self.arrived[alert_id]


def _load(
    base: str,
    token: str,
    devices: list[str],
    rate: int,
    every: float,
    errors: Any,
    stop: Any,
    window: Any,
) -> None:
    """The loader process: one batch of positions every `every` s through POST /api/v1/positions.

    Its own process, so building and sending batches never competes with the measuring client for the GIL.
    Batches are encoded with orjson from a prepared template. Every position is new: each device's fixes in
    a batch are spread evenly over the batch's interval, and batch n covers [start + n * every, start +
    (n + 1) * every), so no fix repeats an earlier one (a repeat is dropped, not stored) and, while the
    loader keeps pace, each `at` lies within the `every` s before its batch leaves, as a device reporting
    in real time sends it (never ahead of the clock: a batch leaves at most once per `every`).
    """
    import orjson

    per_batch = max(1, int(rate * every))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    batch = [
        {
            "device": devices[k % len(devices)],
            "lat": 24.80 + (k % 500) * 1e-4,
            "lon": 67.00 + (k % 700) * 1e-4,
            "at": 0,
        }
        for k in range(per_batch)
    ]
    from concurrent.futures import ThreadPoolExecutor

    def post(client: httpx.Client, body: bytes) -> None:
        left = time.monotonic()  # CLOCK_MONOTONIC: the same clock as the parent's window
        try:
            r = client.post(f"{base}/api/v1/positions", headers=headers, content=body)
            if r.status_code == 200:
                if window[0] <= left < window[1]:
                    with window.get_lock():
                        window[2] += per_batch
                return
        except httpx.HTTPError:
            pass
        with errors.get_lock():
            errors.value += 1

    # Open loop: a batch leaves every `every` s whatever the answer time of the one before (up to
    # LOADER_IN_FLIGHT at once), as devices keep reporting while the server is busy.
    every_ms = max(1, round(every * 1000))
    per_device = -(-per_batch // len(devices))  # fixes per device per batch
    step_ms = max(1, every_ms // per_device)
    start_ms = time.time_ns() // 1_000_000 - every_ms
    sent_batches = 0
    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(LOADER_IN_FLIGHT) as pool:
        tick = time.monotonic()
        in_flight: list[Any] = []
        while not stop.is_set():
            first_ms = start_ms + sent_batches * every_ms
            for k, item in enumerate(batch):
                # the device's j-th fix of the batch at first + j * step, devices a millisecond apart
                item["at"] = first_ms + (k // len(devices)) * step_ms + k % len(devices) % step_ms
            sent_batches += 1
            in_flight = [f for f in in_flight if not f.done()]
            if len(in_flight) < LOADER_IN_FLIGHT:
                in_flight.append(pool.submit(post, client, orjson.dumps(batch)))
            else:
                with errors.get_lock():
                    errors.value += 1  # the server is LOADER_IN_FLIGHT batches behind: count it, skip
            tick += every
            delay = tick - time.monotonic()
            if delay > 0:
                stop.wait(delay)
            else:
                tick = time.monotonic()


class Loader:
    """Posts positions in batches at a target rate through POST /api/v1/positions, from its own process."""

    def __init__(
        self, base: str, token: str, devices: list[str], rate: int, batch_every_s: float = 0.1
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._errors = ctx.Value("q", 0)
        self._stop = ctx.Event()
        # measured window: start, end (monotonic s), positions of batches sent inside it and answered 200
        self._window = ctx.Array("d", [float("inf"), float("inf"), 0.0])
        self.proc = ctx.Process(
            target=_load,
            args=(
                base,
                token,
                devices,
                rate,
                batch_every_s,
                self._errors,
                self._stop,
                self._window,
            ),
            daemon=True,
        )
        self.proc.start()

    @property
    def errors(self) -> int:
        return int(self._errors.value)

    def open_window(self) -> None:
        """Start counting the batches that leave from now on (the measured SOS begin)."""
        self._window[0] = time.monotonic()

    def close_window(self) -> None:
        self._window[1] = time.monotonic()

    def achieved(self) -> float:
        """Positions/s of the batches sent inside the window that were answered 200 (those still in flight
        when it closed included: call after `stop`, which waits for them)."""
        start, end, positions = self._window[:]
        if end == float("inf"):
            raise RuntimeError("close_window first")
        return positions / max(end - start, 1e-6)

    def stop(self) -> None:
        self._stop.set()
        self.proc.join(30)
        if self.proc.is_alive():
            self.proc.kill()


def token_of(base: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
    r.raise_for_status()
    return str(r.json()["access_token"])


def make_devices(base: str, token: str, n: int) -> list[str]:
    h = {"Authorization": f"Bearer {token}"}
    tag = secrets.token_hex(3)
    out = []
    with httpx.Client(timeout=30) as c:
        for i in range(n):
            ident = f"bench-{tag}-{i}"
            r = c.post(f"{base}/api/v1/devices", headers=h, json={"identifier": ident, "kind": "tracker"})
            if r.status_code != 201:
                raise SystemExit(f"cannot create devices (tracking): {r.status_code} {r.text[:300]}")
            out.append(ident)
    return out


class Client:
    """A keep-alive HTTP/1.1 client on the standard library's http.client, for the measured requests.

    The figures are the server's: the client's own work (building a request, parsing an answer) is counted
    in every round trip, so it is kept to what a lean device or dashboard client does. httpx, used for the
    set-up, spends several times as long per request on this CPU, and on two cores shared with the server
    that time is taken from the server too."""

    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.auth = {"Authorization": f"Bearer {token}"}
        self.json = {**self.auth, "Content-Type": "application/json"}

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.conn.request("POST", path, body=body, headers=self.json)
        r = self.conn.getresponse()
        return r.status, r.read()

    def get(self, path: str) -> tuple[int, bytes]:
        self.conn.request("GET", path, headers=self.auth)
        r = self.conn.getresponse()
        return r.status, r.read()

    def close(self) -> None:
        self.conn.close()


def measure(
    post_base: str, stream: Stream, token: str, n: int, health_base: str | None
) -> tuple[list[float], list[float], int]:
    lat: list[float] = []
    empty: list[float] = []
    lost = 0
    body = json.dumps({"kind": "sos", "lat": 24.86, "lon": 67.0, "for_self": True}).encode()
    post = Client(post_base, token)
    health = None if health_base is None else post if health_base == post_base else Client(health_base, token)
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            status, answer = post.post("/api/v1/alerts", body)
            if status != 201:
                lost += 1
                continue
            arrived = stream.wait_for(json.loads(answer)["id"])
            if arrived is None:
                lost += 1
                continue
            lat.append((arrived - t0) * 1000)
            if health is not None:
                t1 = time.perf_counter()
                health.get("/healthz")
                empty.append((time.perf_counter() - t1) * 1000)
    finally:
        post.close()
        if health is not None and health is not post:
            health.close()
    return lat, empty, lost


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smoke run: few alerts, light load")
    ap.add_argument("--sos", type=int, default=1000, help="SOS alerts per scenario")
    ap.add_argument("--rate", type=int, default=5000, help="background positions per second")
    ap.add_argument("--pg-url", default=None, help="run the single worker on PostgreSQL too")
    ap.add_argument("--no-cross", action="store_true", help="skip the two-worker scenario")
    ap.add_argument("--cross", action="store_true", help="with --quick: run the two-worker scenario too")
    args = ap.parse_args()
    if args.quick and not args.cross:
        args.no_cross = True  # the smoke run stays fast; tests/integration/test_two_workers.py covers it
    n = 30 if args.quick else args.sos
    warm = 0 if args.quick else WARM_UP
    rate = 500 if args.quick else args.rate
    reference = cpu_reference_ms()
    print(describe(reference))
    tmp = Path(tempfile.mkdtemp(prefix="hifazat-bench-"))
    workers: list[Worker] = []
    result: dict[str, Any] = {"cpu_reference_ms": round(reference, 2)}
    try:
        # Prepare both databases at once. A quick run starts all three workers together (start-up dominates
        # it); a full run starts the pair only after the single worker is measured, so that no idle
        # deployment shares the two cores with the one being measured.
        env = base_env(tmp / "single", args.pg_url, nats=False)
        env2 = base_env(tmp / "pair", PG_URL, nats=True)
        finish([init_db(env, args.pg_url)] + ([] if args.no_cross else [init_db(env2, PG_URL)]))
        w = Worker(env, tmp / "single.log")
        workers.append(w)

        def start_pair() -> tuple[Worker, Worker]:
            pair = Worker(env2, tmp / "a.log"), Worker(env2, tmp / "b.log")
            workers.extend(pair)
            return pair

        if not args.no_cross and args.quick:
            a, b = start_pair()
        for worker in workers:
            worker.wait_ready()
        # 1 + 3: one worker, background load, SOS -> stream, and the empty round trip.
        token = token_of(w.base)
        devices = make_devices(w.base, token, 20 if args.quick else 100)
        stream = Stream(w.base, token)
        loader = Loader(w.base, token, devices, rate)
        time.sleep(0.5)
        measure(w.base, stream, token, warm, w.base)  # warm-up under the same load, not counted
        loader.open_window()  # the background rate reported is the one the measured SOS ran under
        lat, empty, lost = measure(w.base, stream, token, n, w.base)
        loader.close_window()
        loader.stop()
        achieved = loader.achieved()
        stream.close()
        backend = "postgresql" if args.pg_url else "sqlite"
        print(
            f"one worker ({backend}, in-process bus): {len(lat)} SOS, lost {lost}, "
            f"background {achieved:.0f} positions/s (target {rate}, {loader.errors} failed batches)"
        )
        print(
            f"  SOS -> stream  p50 {pct(lat, 50):7.2f} ms   p99 {pct(lat, 99):7.2f} ms"
            f"   max {max(lat, default=0):7.2f} ms"
        )
        print(f"  GET /healthz   p50 {pct(empty, 50):7.2f} ms   p99 {pct(empty, 99):7.2f} ms")
        w.stop()
        workers.remove(w)
        result.update(
            sos_to_stream_p50_ms=round(pct(lat, 50), 3),
            sos_to_stream_p99_ms=round(pct(lat, 99), 3),
            empty_roundtrip_p50_ms=round(pct(empty, 50), 3),
            empty_roundtrip_p99_ms=round(pct(empty, 99), 3),
            sos_count=len(lat),
            sos_lost=lost,
            background_positions_per_s=round(achieved),
            background_target_per_s=rate,
            single_backend=backend,
        )
        # 2: two workers on PostgreSQL + NATS JetStream.
        if not args.no_cross:
            if not args.quick:
                a, b = start_pair()
                a.wait_ready()
                b.wait_ready()
            token = token_of(a.base)
            devices = make_devices(a.base, token, 20 if args.quick else 100)
            stream_b = Stream(b.base, token)
            loader = Loader(a.base, token, devices, rate)
            time.sleep(0.5)
            measure(a.base, stream_b, token, warm, None)
            loader.open_window()
            xlat, _, xlost = measure(a.base, stream_b, token, n, None)
            loader.close_window()
            loader.stop()
            achieved = loader.achieved()
            stream_b.close()
            print(
                f"two workers (postgresql + NATS): {len(xlat)} SOS, lost {xlost}, "
                f"background {achieved:.0f} positions/s"
            )
            print(f"  SOS on A -> stream of B  p50 {pct(xlat, 50):7.2f} ms   p99 {pct(xlat, 99):7.2f} ms")
            result.update(
                cross_worker_p50_ms=round(pct(xlat, 50), 3),
                cross_worker_p99_ms=round(pct(xlat, 99), 3),
                cross_worker_lost=xlost,
                cross_background_positions_per_s=round(achieved),
            )
        else:
            result.update(cross_worker_p50_ms=None, cross_worker_p99_ms=None, cross_worker_skipped=True)
    finally:
        for w in workers:
            w.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
