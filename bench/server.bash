# bench/server.bash: sourced by the bench scripts that run one Switchboard of
# their own: build it, start it pinned to a core, wait until it listens.
#
#   source bench/server.bash
#   build_switchboard "$work/switchboard"
#   start_switchboard "$work/switchboard" "$work/sb.yaml" "$work/server.log" "$SERVER_CPU" "$ADDR" 15222
#   ... "$server" is its process id
#   stop_switchboard

build_switchboard() { # OUT
	go build -o "$1" ./cmd/switchboard
}

# start_switchboard BINARY CONFIG LOG CPU HOST PORT: the server on core CPU,
# its stderr appended to LOG; returns once HOST:PORT takes connections, and
# exits the script with the log's last lines if it never does.
start_switchboard() {
	taskset -c "$4" "$1" serve --config "$2" 2>>"$3" &
	server=$!
	for _ in $(seq 150); do
		(exec 3<>"/dev/tcp/$5/$6") 2>/dev/null && return
		sleep 0.2
	done
	echo "the server did not start: $(tail -3 "$3")" >&2
	exit 1
}

stop_switchboard() {
	if [[ -n ${server:-} ]]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
		server=
	fi
}
