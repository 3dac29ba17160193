#!/usr/bin/env bash
# bench/cluster.sh: switchboard bench messages against a cluster of two
# nodes on one PostgreSQL and NATS (issue 22), against the same two nodes
# with every pair on one node: what the hop between nodes costs.
#
#   pg_virtualenv -t -- bench/cluster.sh   # a throwaway PostgreSQL (fsync off)
#   bench/cluster.sh                       # the server the PG* variables name
#
# Node 1 runs NATS embedded (JetStream in memory). Both nodes and their
# plugins run on core SERVER_CPU, the tool on TOOL_CPU, PostgreSQL where
# its cluster was started. The runs alternate REPS times between:
#   one-node   every user on node 1 (node 2 idle, in the cluster)
#   two-node   users spread over both, half the pairs with a user on each
# One JSON line per run on stdout, tagged with "run".
#
# Sizes (environment): USERS=200 (USERS/2 pairs) COUNT=500 SIZE=128
# WINDOW=10 REPS=3.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${USERS:=200}" "${COUNT:=500}" "${SIZE:=128}" "${WINDOW:=10}" "${REPS:=3}"
: "${SERVER_CPU:=0}" "${TOOL_CPU:=1}" "${ADDR:=127.0.0.62}"
[[ -n ${PGHOST:-}${PGPORT:-}${PGSERVICE:-} ]] || {
	echo "bench/cluster.sh needs PostgreSQL: run it under pg_virtualenv -t -- (apt-get install -y postgresql) or set PG*" >&2
	exit 1
}

work=$(mktemp -d)
sb=$work/switchboard
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$sb" ./cmd/switchboard
nats=$ADDR:14222
for n in 1 2; do
	if [[ $n == 1 ]]; then join="embedded_nats: $nats"; else join="nats_url: nats://$nats"; fi
	cat > "$work/n$n.yaml" <<YAML
domain: localhost
data_dir: $work/n$n
listen: {c2s: $ADDR:1${n}222, c2s_tls: "", websocket: ""}
log: {level: warn}
limits: {rate_bytes_per_second: 0, trusted_networks: [127.0.0.0/8]}
storage: {driver: postgres}
cluster: {node: n$n, $join}
YAML
done
"$sb" storage migrate --config "$work/n1.yaml" >/dev/null
for n in 1 2; do
	taskset -c "$SERVER_CPU" "$sb" serve --config "$work/n$n.yaml" 2>"$work/n$n.log" &
	pids+=($!)
	for _ in $(seq 150); do
		(exec 3<>"/dev/tcp/$ADDR/1${n}222") 2>/dev/null && break
		sleep 0.2
	done
done
"$sb" bench login --users "$USERS" --create --config "$work/n1.yaml" --addr "$ADDR:11222" >/dev/null
bench() { taskset -c "$TOOL_CPU" "$sb" bench --workers 1 --json --pid "${pids[0]}" --node-pids "${pids[1]}" --addr "$ADDR:11222" "$@"; }
# A first run warms both nodes (plugin caches, PostgreSQL's buffers).
bench messages --users "$USERS" --count 50 --size "$SIZE" --window "$WINDOW" --node-addrs "$ADDR:12222" >/dev/null
for rep in $(seq "$REPS"); do
	for run in one-node two-node; do
		extra=()
		[[ $run == two-node ]] && extra=(--node-addrs "$ADDR:12222")
		echo "[$(date +%T)] rep $rep: $run" >&2
		bench messages --users "$USERS" --count "$COUNT" --size "$SIZE" --window "$WINDOW" "${extra[@]}" |
			sed "s/^{/{\"run\":\"$run\",\"rep\":$rep,/"
	done
done
grep -hi '"@level":"\(warn\|error\)"' "$work"/n*.log | head -5 >&2 || true
