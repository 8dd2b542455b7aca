#!/usr/bin/env bash
# Make sure PostgreSQL, NATS JetStream and Mosquitto answer on 127.0.0.1, and Debian's chromium exists.
# Starts what is installed but stopped; installs (apt) what is missing when run as root. Fails loudly otherwise.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- ; }
wait_port() { for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done; return 1; }
apt_ready=0
apt_install() {
  [ "$(id -u)" = 0 ] || { echo "services: need root to apt-get install $*" >&2; return 1; }
  if [ $apt_ready = 0 ]; then apt-get update -qq >/dev/null 2>&1; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  ver=$(ls /etc/postgresql 2>/dev/null | head -n1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || true
  wait_port 5432 || { echo "services: PostgreSQL not reachable on 127.0.0.1:5432" >&2; exit 1; }
fi
# `test`: the PostgreSQL pass; `test_two_workers`: the SQLite pass's two-worker test (scripts/test.sh).
for db in test test_two_workers; do
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" 2>/dev/null | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" >/dev/null 2>&1 || true
done

if ! port_open 4222; then
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || apt_install nats-server
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_port 4222 || { echo "services: NATS not reachable on 127.0.0.1:4222" >&2; exit 1; }
fi

if ! port_open 1883; then
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || apt_install mosquitto
  mosquitto -d -c /etc/mosquitto/mosquitto.conf
  wait_port 1883 || { echo "services: Mosquitto not reachable on 127.0.0.1:1883" >&2; exit 1; }
fi

if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium || { echo "services: Debian chromium missing and could not be installed" >&2; exit 1; }
fi
echo "services: postgresql, nats, mosquitto up; chromium present"
