#!/usr/bin/env bash
# bench/loginprofile.sh: what a cold login asks of the plugins and the store
# (issue 23). USERS accounts are created and the server restarted; each
# then logs in once (STARTTLS, SCRAM-SHA-256, bind, roster get, initial
# presence), its first login since the start; the server's metrics then
# say, per login, how many stanzas and events each plugin was handed (by
# route, by kind) and how many store operations ran (by kind), and /proc
# the CPU of the core and of each plugin process. Calls between plugins
# are not counted by any metric yet.
#
#   bench/loginprofile.sh          # USERS=500, the built-in defaults, SQLite
#   USERS=2000 PROFILE_SECONDS=4 PROFILE=core.pprof bench/loginprofile.sh
#                                  # and keep the core's CPU profile of the run
#                                  # (go tool pprof -top switchboard core.pprof)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${USERS:=500}" "${ADDR:=127.0.0.63}" "${SERVER_CPU:=0}" "${TOOL_CPU:=1}"
work=$(mktemp -d)
sb=$work/switchboard
source bench/server.bash
trap 'stop_switchboard; rm -rf "$work"' EXIT
build_switchboard "$sb"
cat > "$work/sb.yaml" <<YAML
domain: localhost
data_dir: $work/data
listen: {c2s: $ADDR:15222, c2s_tls: "", websocket: "", metrics: $ADDR:19090}
log: {level: warn}
limits: {rate_bytes_per_second: 0, trusted_networks: [127.0.0.0/8]}
debug: {pprof: "$ADDR:16060"}
YAML
start() { start_switchboard "$sb" "$work/sb.yaml" "$work/server.log" "$SERVER_CPU" "$ADDR" 15222; }
start
"$sb" bench login --users "$USERS" --create --config "$work/sb.yaml" --addr "$ADDR:15222" >/dev/null
stop_switchboard
start
# cpu: "NAME TICKS" for the server process (core) and each plugin process.
cpu() {
	local pid name
	for pid in "$server" $(pgrep -P "$server"); do
		name=core
		[[ $pid != "$server" ]] && name=$(tr '\0' ' ' <"/proc/$pid/cmdline" | awk '{print $NF}')
		awk -v n="$name" '{ sub(/^.*\) /, ""); split($0, f, " "); print n, f[12] + f[13] }' "/proc/$pid/stat"
	done
}
sleep 2 # past the start-up's work
cpu >"$work/cpu.before"
# The core's CPU profile over the run (PROFILE=FILE keeps it).
curl -fsS -o "$work/core.pprof" "http://$ADDR:16060/debug/pprof/profile?seconds=${PROFILE_SECONDS:-3}" &
profiler=$!
taskset -c "$TOOL_CPU" "$sb" bench --workers 1 --pid "$server" login --users "$USERS" --rounds 1 --addr "$ADDR:15222"
cpu >"$work/cpu.after"
wait "$profiler" || echo "no profile of the core" >&2
[[ -n ${PROFILE:-} ]] && cp "$work/core.pprof" "$PROFILE"
curl -fsS "http://$ADDR:19090/metrics" >"$work/metrics.txt"
echo
echo "per cold login ($USERS logins):"
awk -v n="$USERS" '
	/^switchboard_plugin_call_seconds_count/ {
		match($0, /plugin="[^"]*"/); p = substr($0, RSTART + 8, RLENGTH - 9)
		match($0, /route="[^"]*"/); r = substr($0, RSTART + 7, RLENGTH - 8)
		calls[p " " r] += $NF; total += $NF
	}
	/^switchboard_plugin_events_total/ {
		match($0, /plugin="[^"]*"/); p = substr($0, RSTART + 8, RLENGTH - 9)
		match($0, /kind="[^"]*"/); k = substr($0, RSTART + 6, RLENGTH - 7)
		events[p " " k] += $NF; etotal += $NF
	}
	/^switchboard_store_operation_seconds_count/ {
		match($0, /operation="[^"]*"/); o = substr($0, RSTART + 11, RLENGTH - 12)
		store[o] += $NF; stotal += $NF
	}
	END {
		printf "  stanzas handed to plugins: %.2f\n", total / n
		for (k in calls) if (calls[k] / n >= 0.01) printf "    %-40s %.2f\n", k, calls[k] / n
		printf "  events queued for plugins: %.2f\n", etotal / n
		for (k in events) if (events[k] / n >= 0.01) printf "    %-40s %.2f\n", k, events[k] / n
		printf "  store operations: %.2f\n", stotal / n
		for (k in store) if (store[k] / n >= 0.01) printf "    %-40s %.2f\n", k, store[k] / n
	}' "$work/metrics.txt"
hz=$(getconf CLK_TCK)
echo "  CPU per login, µs, by process (the login and the logout):"
awk -v n="$USERS" -v hz="$hz" 'NR == FNR { before[$1] = $2; next }
	{ d = ($2 - before[$1]) / hz * 1e6 / n; total += d; if (d >= 1) printf "    %-40s %.0f\n", $1, d }
	END { printf "    %-40s %.0f\n", "all", total }' "$work/cpu.before" "$work/cpu.after"
