#!/usr/bin/env bash
# bench/archive.sh: the message archive as it grows (issue 23). Messages/s
# and MAM query latency on a fresh archive, then after the archive has been
# filled to FILL messages by the messages scenario itself, in steps of STEP
# (each step's rate is printed, so the curve shows), then the same figures
# again.
#
#   bench/archive.sh sqlite
#   pg_virtualenv -t -- bench/archive.sh postgres   # a throwaway cluster (fsync off)
#
# The server (and its plugins) run on core SERVER_CPU, the tool on TOOL_CPU.
# One JSON line per run on stdout, and the archive's size on disk
# ({"scenario":"size",...}) at each stage. Every message is archived twice
# (sender's and recipient's archive): FILL messages are 2 × FILL copies.
#
# Sizes (environment): PAIRS=200 COUNT=500 (each user's messages in a
# measured run, as in bench/compare.sh); FILL=10000000 STEP=1000000;
# QUERIES=1000 (each query kind, one session, one at a time); PAGE=20.
# WORK=dir keeps the server's data there (it is large) instead of a
# temporary directory under TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
driver=${1:?usage: bench/archive.sh sqlite|postgres}
: "${PAIRS:=200}" "${COUNT:=500}" "${FILL:=10000000}" "${STEP:=1000000}" "${QUERIES:=1000}" "${PAGE:=20}"
: "${SERVER_CPU:=0}" "${TOOL_CPU:=1}" "${ADDR:=127.0.0.62}"
users=$((2 * PAIRS))

if [[ -n ${WORK:-} ]]; then
	work=$WORK
	mkdir -p "$work"
else
	work=$(mktemp -d)
fi
sb=$work/switchboard
source bench/server.bash
trap 'stop_switchboard; [[ -n ${WORK:-} ]] || rm -rf "$work"' EXIT
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
bench() { taskset -c "$TOOL_CPU" "$sb" bench --workers 1 --json --pid "$server" --addr "$ADDR:15223" --tls "$@"; }
size() {
	local bytes
	if [[ $driver == sqlite ]]; then
		bytes=$(du -sb "$work/data" | cut -f1)
	else
		bytes=$(psql -Atc 'select pg_database_size(current_database())')
	fi
	echo "{\"scenario\":\"size\",\"stage\":\"$1\",\"archived_messages\":$2,\"bytes\":$bytes}"
}
measure() { # stage, messages archived before it
	size "$1" "$2"
	bench messages --users "$users" --pairs "$PAIRS" --count "$COUNT" --window 10 --size 128
	for q in mam-peer mam-range mam-page; do
		bench iq --iq "$q" --users "$users" --concurrency 1 --count "$QUERIES" --page "$PAGE" --since 1h
	done
}
"$sb" bench login --users "$users" --create --config "$work/sb.yaml" --addr "$ADDR:15222" >/dev/null
per_run=$((2 * PAIRS * COUNT))
measure fresh 0
archived=$per_run
while ((archived < FILL)); do
	bench messages --users "$users" --pairs "$PAIRS" --count "$((STEP / (2 * PAIRS)))" --window 10 --size 128
	archived=$((archived + STEP))
	echo "{\"scenario\":\"fill\",\"archived_messages\":$archived}"
done
measure filled "$archived"
size end "$((archived + per_run))"
# The archive keeps up or slows the senders down; past limits.archive_wait
# it drops copies and says so in the log: their sum belongs to the figures.
dropped=$({ grep -o 'messages dropped: dropped=[0-9]*' "$work/server.log" || true; } | awk -F= '{s += $2} END {print s + 0}')
echo "{\"scenario\":\"archive\",\"driver\":\"$driver\",\"copies_dropped\":$dropped}"
grep -i 'error' "$work/server.log" | head -5 >&2 || true
