#!/usr/bin/env bash
# The whole test suite: lint, types, then every test on SQLite and again on PostgreSQL. No pass is optional.
# The two pytest passes share nothing (own databases, own temporary directories, unique NATS streams and
# MQTT topics per test), so by default they run side by side, one per core; HIFAZAT_TEST_SERIAL=1 runs
# them one after the other, streaming their output. Browser tests and tests that are the same on either
# backend (marker `one_pass`: the benches, the two-worker test, which is PostgreSQL + NATS on both) run in
# the SQLite pass only. Arguments go to both pytest runs (`bash scripts/test.sh tests/web` runs one area).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

bash scripts/services.sh
echo "== ruff"
$BIN/ruff check src tests bench
$BIN/ruff format --check src tests bench
echo "== mypy"
$BIN/mypy
echo "== import layers"
$BIN/lint-imports --no-cache
export HIFAZAT_TEST_NATS_URL=${HIFAZAT_TEST_NATS_URL:-nats://127.0.0.1:4222}
export HIFAZAT_TEST_MQTT_URL=${HIFAZAT_TEST_MQTT_URL:-mqtt://127.0.0.1:1883}
PG_URL=${HIFAZAT_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
unset HIFAZAT_TEST_DATABASE_URL
# The SQLite pass takes over a PostgreSQL database of its own for the two-worker test (tests/integration):
# side by side it must not be the PostgreSQL pass's database.
TWO_WORKERS=${HIFAZAT_TEST_PG_URL_TWO_WORKERS:-postgresql+psycopg://postgres@127.0.0.1:5432/test_two_workers}

sqlite_pass() {
  HIFAZAT_TEST_PG_URL_TWO_WORKERS=$TWO_WORKERS \
    $BIN/pytest -q -p no:cacheprovider --durations=15 --basetemp="$TMP/sqlite" "$@"
}
pg_pass() {
  HIFAZAT_TEST_DATABASE_URL=$PG_URL \
    $BIN/pytest -q -p no:cacheprovider --durations=15 --basetemp="$TMP/pg" -m "not browser and not one_pass" "$@"
}

TMP=$(mktemp -d -t hifazat-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
start=$SECONDS
if [ "${HIFAZAT_TEST_SERIAL:-0}" = 1 ]; then
  echo "== pytest (SQLite)"
  sqlite_pass "$@"
  echo "== pytest (PostgreSQL ${PG_URL##*@})"
  pg_pass "$@"
else
  echo "== pytest (SQLite) and pytest (PostgreSQL ${PG_URL##*@}), side by side"
  sqlite_pass "$@" >"$TMP/sqlite.log" 2>&1 &
  sqlite_pid=$!
  pg_pass "$@" >"$TMP/pg.log" 2>&1 &
  pg_pid=$!
  sqlite_rc=0 pg_rc=0
  wait $sqlite_pid || sqlite_rc=$?
  wait $pg_pid || pg_rc=$?
  echo "== pytest (SQLite): exit $sqlite_rc"
  cat "$TMP/sqlite.log"
  echo "== pytest (PostgreSQL ${PG_URL##*@}): exit $pg_rc"
  cat "$TMP/pg.log"
  [ $sqlite_rc = 0 ] && [ $pg_rc = 0 ] || exit 1
fi
echo "== pytest: $((SECONDS - start)) s"
