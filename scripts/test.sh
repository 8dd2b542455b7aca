#!/usr/bin/env bash
# The whole test suite: lint, types, then every test on SQLite and again on PostgreSQL. No pass is optional.
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
echo "== pytest (SQLite)"
$BIN/pytest -q -p no:cacheprovider --durations=15
echo "== pytest (PostgreSQL 127.0.0.1:5432/test)"
HIFAZAT_TEST_DATABASE_URL=${HIFAZAT_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
  $BIN/pytest -q -p no:cacheprovider --durations=15 -m "not browser"
