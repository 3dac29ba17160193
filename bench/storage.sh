#!/usr/bin/env bash
# bench/storage.sh: switchboard bench on each storage driver, side by side
# (issue 16): logins/s, roster load (bench presence sets up the contacts,
# then roster gets), and messages/s with the archive on (mam is among the
# default plugins, so every message is archived twice, sender and
# recipient).
#
#   bench/storage.sh sqlite
#   pg_virtualenv -t -- bench/storage.sh postgres   # a throwaway cluster (fsync off)
#   bench/storage.sh postgres                       # the server the PG* variables name
#
# The server (and its plugins) run on core SERVER_CPU, the tool on
# TOOL_CPU; PostgreSQL where its cluster was started. One JSON line per
# scenario on stdout.
#
# Sizes (environment): USERS=200 ROUNDS=5 CONCURRENCY=20 (login);
# CONTACTS=20 IQ_COUNT=500 (roster gets per session, CONCURRENCY
# sessions); COUNT=500 (messages each user of USERS/2 pairs sends).
set -euo pipefail
cd "$(dirname "$0")/.."
driver=${1:?usage: bench/storage.sh sqlite|postgres}
: "${USERS:=200}" "${ROUNDS:=5}" "${CONCURRENCY:=20}" "${CONTACTS:=20}" "${IQ_COUNT:=500}"
: "${COUNT:=500}" "${SERVER_CPU:=0}" "${TOOL_CPU:=1}" "${ADDR:=127.0.0.61}"

work=$(mktemp -d)
sb=$work/switchboard
source bench/server.bash
trap 'stop_switchboard; rm -rf "$work"' EXIT
build_switchboard "$sb"
cat > "$work/sb.yaml" <<YAML
domain: localhost
data_dir: $work/data
listen: {c2s: $ADDR:15222, c2s_tls: $ADDR:15223, websocket: ""}
log: {level: warn}
limits: {rate_bytes_per_second: 0}
storage: {driver: $driver}
YAML
start_switchboard "$sb" "$work/sb.yaml" "$work/server.log" "$SERVER_CPU" "$ADDR" 15222
bench() { taskset -c "$TOOL_CPU" "$sb" bench --workers 1 --json --pid "$server" --addr "$ADDR:15222" "$@"; }
"$sb" bench login --users "$USERS" --create --config "$work/sb.yaml" --addr "$ADDR:15222" >/dev/null
bench login --users "$USERS" --rounds "$ROUNDS" --concurrency "$CONCURRENCY"
bench presence --users "$USERS" --contacts "$CONTACTS" --grace 300s
bench iq --iq roster --users "$USERS" --concurrency "$CONCURRENCY" --count "$IQ_COUNT"
bench messages --users "$USERS" --pairs "$((USERS / 2))" --count "$COUNT"
# The archive keeps up or slows the senders down; past limits.archive_wait
# (1s) it drops copies, and says so in the log: their sum is part of the
# figure.
dropped=$({ grep -o 'messages dropped: dropped=[0-9]*' "$work/server.log" || true; } | awk -F= '{s += $2} END {print s + 0}')
echo "{\"scenario\":\"archive\",\"driver\":\"$driver\",\"copies_dropped\":$dropped}"
grep -i 'error' "$work/server.log" | head -5 >&2 || true
