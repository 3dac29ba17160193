#!/usr/bin/env bash
# bench/compare.sh: Switchboard, ejabberd and Prosody side by side (issue 5).
#
# Installs Debian's prosody and ejabberd when they are missing, starts each
# server as a private instance (loopback ports, configuration, data and logs
# under one temporary directory; the system services and /etc are left
# alone), starts Switchboard with its default plugins and the bare relay
# (bench/relay), and runs the same `switchboard bench` scenarios against
# them, interleaved (Switchboard, ejabberd, Prosody, then again), REPS
# times. The medians and the ratios go into docs/PERFORMANCE.md between
# the markers "compare.sh: begin" and "compare.sh: end".
#
# Run it as root from anywhere in a clone (it installs packages and runs
# the servers as their own system users):
#
#   bench/compare.sh            # the full run, about 15 minutes
#   QUICK=1 bench/compare.sh    # a smoke run of a few minutes; prints the
#                               # section instead of writing the docs
#
# Sizes and settings (environment):
#   REPS=3              repetitions of every scenario on every server
#   LOGIN_USERS=500     login: users, each logging in ROUNDS times,
#   ROUNDS=3              CONCURRENCY at a time
#   COLD_USERS=500      cold: users logging in once each, their first login
#                         since the server started (accounts of their own)
#   CONCURRENCY=50
#   PAIRS=200 COUNT=500 messages: pairs × messages each way, SIZE bytes,
#   SIZE=128 WINDOW=10    at most WINDOW in flight per sender
#   PACED_RATE=10000    paced: the same pairs sending PACED_RATE messages/s
#   PACED_SECONDS=10      in all, evenly, for PACED_SECONDS: every server's
#                         latency at one rate, below Switchboard's and
#                         ejabberd's closed-loop limits (not Prosody's)
#   IDLE=2000           idle: sessions held; SETTLE before measuring RSS
#   SETTLE=5s
#   PRESENCE=500        presence: users with CONTACTS contacts each
#   CONTACTS=20
#   IQ_COUNT=3000       iq ping: round trips of one session
#   IQ50_COUNT=200      iq ping: round trips of each of 50 sessions
#   ROOMS=10            rooms: group chat rooms (XEP-0045) of OCCUPANTS
#   OCCUPANTS=20          each, every occupant sending ROOM_COUNT messages
#   ROOM_COUNT=20         of SIZE bytes, at most WINDOW in flight
#   SERVER_CPU=0        core the servers (and the relay) are pinned to
#   TOOL_CPU=1          core the load tool is pinned to
#   BASE_PORT=25200     ports BASE+22/23 Switchboard, +32/33 ejabberd (+39 its
#                       Erlang distribution), +42/43 Prosody, +99 the relay
#   NICE=               e.g. -5: run servers and tool at this niceness, above
#                       other work on a shared machine (off by default)
#   SCENARIOS="cold login"  run only these (of idle cold login messages paced
#                       presence ping1 ping50 rooms); the section is then
#                       printed (OUT=-) unless OUT names a file
#   EJABBERD_MAM=1      ejabberd with mod_mam (default: always, Mnesia), the
#                       archive Switchboard has on: for the login scenarios
#                       (it fails the message runs, see issue 23)
#   OUT=docs/PERFORMANCE.md   where the section goes; OUT=- prints it
#   RESULTS=FILE        keep the raw results (one JSON object per run)
#   SETUP_GRACE=600s    presence set-up: how long to wait for approvals to move
#   TMPDIR=/tmp         where the temporary directory goes (all three servers
#                       keep their data there: a tmpfs takes the disk out)
#   KEEP=1              keep the temporary directory (configs, logs, data)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/bench

if [[ -n ${QUICK:-} ]]; then
	: "${REPS:=1}" "${LOGIN_USERS:=100}" "${COLD_USERS:=100}" "${ROUNDS:=1}" "${PAIRS:=20}" "${COUNT:=200}"
	: "${PACED_RATE:=2000}" "${PACED_SECONDS:=3}"
	: "${IDLE:=200}" "${SETTLE:=2s}" "${PRESENCE:=100}" "${CONTACTS:=10}"
	: "${IQ_COUNT:=500}" "${IQ50_COUNT:=50}" "${ROOMS:=4}" "${OCCUPANTS:=10}" "${ROOM_COUNT:=30}" "${OUT:=-}"
fi
: "${REPS:=3}" "${LOGIN_USERS:=500}" "${COLD_USERS:=500}" "${ROUNDS:=3}" "${CONCURRENCY:=50}"
: "${PAIRS:=200}" "${COUNT:=500}" "${SIZE:=128}" "${WINDOW:=10}" "${PACED_RATE:=10000}" "${PACED_SECONDS:=10}"
: "${IDLE:=2000}" "${SETTLE:=5s}" "${PRESENCE:=500}" "${CONTACTS:=20}"
: "${IQ_COUNT:=3000}" "${IQ50_COUNT:=200}" "${ROOMS:=10}" "${OCCUPANTS:=20}" "${ROOM_COUNT:=20}"
: "${SERVER_CPU:=0}" "${TOOL_CPU:=1}" "${BASE_PORT:=25200}" "${NICE:=}" "${SETUP_GRACE:=600s}"
if [[ -n ${SCENARIOS:-} ]]; then : "${OUT:=-}"; fi
: "${OUT:=$ROOT/docs/PERFORMANCE.md}" "${RESULTS:=}" "${KEEP:=}" "${EJABBERD_MAM:=}"

SERVERS=(switchboard ejabberd prosody)
declare -A NAME=([switchboard]=Switchboard [ejabberd]=ejabberd [prosody]=Prosody [relay]="bare relay")
declare -A PORT=([switchboard]=$((BASE_PORT + 22)) [ejabberd]=$((BASE_PORT + 32)) [prosody]=$((BASE_PORT + 42)))
declare -A TLS_PORT=([switchboard]=$((BASE_PORT + 23)) [ejabberd]=$((BASE_PORT + 33)) [prosody]=$((BASE_PORT + 43)))
EJ_DIST_PORT=$((BASE_PORT + 39))
RELAY_PORT=$((BASE_PORT + 99))
declare -A PID=()    # the process whose RSS and CPU the tool reads (children included)
declare -A WRAP=()   # a wrapper process to reap after stopping, where there is one

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- setup

[[ $(id -u) == 0 ]] || die "run as root: it installs packages and runs ejabberd and Prosody as their system users"

install_missing() {
	local missing=()
	command -v prosodyctl >/dev/null || missing+=(prosody)
	command -v ejabberdctl >/dev/null || missing+=(ejabberd)
	command -v jq >/dev/null || missing+=(jq)
	command -v openssl >/dev/null || missing+=(openssl)
	command -v taskset >/dev/null || missing+=(util-linux)
	if ((${#missing[@]})); then
		log "installing ${missing[*]}"
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
	fi
	command -v go >/dev/null || die "go is needed to build switchboard and the relay"
}
install_missing

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sbcompare.XXXXXX")
chmod 755 "$TMP" # the servers run as their own users and read their parts of it
RES=$TMP/results
mkdir -p "$RES" "$TMP/bin"
RESULTS_JSONL=$RES/results.jsonl
: >"$RESULTS_JSONL"

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	set +e # stop everything even when one of them fails to
	for s in "${SERVERS[@]}" relay; do
		if [[ -n ${PID[$s]:-} ]]; then stop_server "$s"; fi
	done
	if [[ -n $RESULTS && -s $RESULTS_JSONL ]]; then cp "$RESULTS_JSONL" "$RESULTS"; fi
	if [[ -n $KEEP ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Thousands of sessions per server: raise the soft limit on open files to
# the hard one for everything started from here.
ulimit -n "$(ulimit -Hn)"

renice_cmd=()
if [[ -n $NICE ]]; then renice_cmd=(nice -n "$NICE"); fi

log "building switchboard and the relay"
# The revision is the one built, read now: commits made while the runs go
# on must not relabel the binary measured.
sw_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
[[ -n $(git -C "$ROOT" status --porcelain -- . ':!docs' 2>/dev/null | grep -v '^??' || true) ]] && sw_rev="$sw_rev (with uncommitted changes)"
(cd "$ROOT" && go build -o "$TMP/bin/switchboard" ./cmd/switchboard && go build -o "$TMP/bin/relay" ./bench/relay)
SB=$TMP/bin/switchboard

# One self-signed ECDSA P-256 certificate for localhost, used by every
# server (the relay makes its own of the same kind).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null

# fill TEMPLATE DEST DIR SERVER: a config file from bench/*.tmpl.
fill() {
	sed -e "s|@DIR@|$3|g" -e "s|@C2S_PORT@|${PORT[$4]}|g" -e "s|@C2S_TLS_PORT@|${TLS_PORT[$4]}|g" "$HERE/$1" >"$2"
}

wait_port() { # PORT SECONDS
	local deadline=$((SECONDS + $2))
	until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

wait_gone() { # PID SECONDS
	local deadline=$((SECONDS + $2))
	while alive "$1"; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# --- Switchboard
SW=$TMP/switchboard
mkdir -p "$SW/data"
cp "$TMP/cert.pem" "$TMP/key.pem" "$SW/"
fill switchboard.yaml.tmpl "$SW/switchboard.yaml" "$SW" switchboard
"$SB" config check --config "$SW/switchboard.yaml" >/dev/null

start_switchboard() {
	# exec in the subshell: $! is the server itself, which stop_server signals.
	(exec "${renice_cmd[@]}" taskset -c "$SERVER_CPU" "$SB" serve --config "$SW/switchboard.yaml") >>"$SW/switchboard.log" 2>&1 &
	PID[switchboard]=$!
	wait_port "${TLS_PORT[switchboard]}" 60 || die "switchboard did not start; see $SW/switchboard.log"
}

# --- ejabberd: ejabberdctl with its own config dir, spool, logs and node
# name, run as the ejabberd user with setpriv. (Run as root, ejabberdctl
# would switch with su, whose PAM session cuts the open-files limit to
# 1024: ejabberd then fails to accept and loses Mnesia.) ERL_DIST_PORT
# keeps the node off epmd (no shared daemon), and a cookie of its own
# keeps other nodes out.
EJ=$TMP/ejabberd
mkdir -p "$EJ/etc" "$EJ/spool" "$EJ/logs"
cat "$TMP/cert.pem" "$TMP/key.pem" >"$EJ/etc/ejabberd.pem"
[[ -f /etc/ejabberd/inetrc ]] && cp /etc/ejabberd/inetrc "$EJ/etc/"
fill ejabberd.yml.tmpl "$EJ/etc/ejabberd.yml" "$EJ" ejabberd
if [[ -n $EJABBERD_MAM ]]; then
	# modules: is the template's last key
	printf '  mod_mam:\n    default: always\n' >>"$EJ/etc/ejabberd.yml"
fi
EJ_NODE=sbcompare$$@localhost
cat >"$EJ/etc/ejabberdctl.cfg" <<EOF
ERLANG_NODE=$EJ_NODE
ERL_DIST_PORT=$EJ_DIST_PORT
ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0 -setcookie $(od -An -N12 -tx1 /dev/urandom | tr -d ' \n') -kernel inet_dist_use_interface {127,0,0,1}"
EJABBERD_PID_PATH=$EJ/ejabberd.pid
EJABBERD_BYPASS_WARNINGS=true
CONTRIB_MODULES_CONF_DIR=$EJ/etc/modules.d
CONTRIB_MODULES_PATH=$EJ/contrib
EOF
chown -R ejabberd:ejabberd "$EJ"
chmod 600 "$EJ/etc/ejabberd.pem"
as_ejabberd=(env HOME="$EJ" setpriv --reuid=ejabberd --regid=ejabberd --init-groups)
ej_args=(--config-dir "$EJ/etc" --ctl-config "$EJ/etc/ejabberdctl.cfg" --spool "$EJ/spool" --logs "$EJ/logs")
ejctl() { (cd "$EJ" && "${as_ejabberd[@]}" ejabberdctl "${ej_args[@]}" "$@"); }

start_ejabberd() {
	rm -f "$EJ/ejabberd.pid"
	(cd "$EJ" && exec "${renice_cmd[@]}" taskset -c "$SERVER_CPU" "${as_ejabberd[@]}" ejabberdctl "${ej_args[@]}" \
		foreground) >>"$EJ/stdout.log" 2>&1 &
	WRAP[ejabberd]=$!
	wait_port "${TLS_PORT[ejabberd]}" 120 || die "ejabberd did not start; see $EJ/stdout.log and $EJ/logs"
	local deadline=$((SECONDS + 30))
	until [[ -s $EJ/ejabberd.pid ]]; do
		((SECONDS < deadline)) || die "ejabberd wrote no pid file"
		sleep 0.2
	done
	PID[ejabberd]=$(<"$EJ/ejabberd.pid") # beam.smp
}

# --- Prosody: `prosody -F --config`, as the prosody user (it refuses root).
PR=$TMP/prosody
mkdir -p "$PR/data" "$PR/certs"
cp "$TMP/cert.pem" "$TMP/key.pem" "$PR/"
fill prosody.cfg.lua.tmpl "$PR/prosody.cfg.lua" "$PR" prosody
chown -R prosody:prosody "$PR"
chmod 600 "$PR/key.pem"

start_prosody() {
	# taskset, setpriv and the script's interpreter all exec: $! is Prosody.
	(cd "$PR" && exec "${renice_cmd[@]}" taskset -c "$SERVER_CPU" setpriv --reuid=prosody --regid=prosody \
		--init-groups prosody -F --config "$PR/prosody.cfg.lua") >>"$PR/stdout.log" 2>&1 &
	PID[prosody]=$!
	wait_port "${TLS_PORT[prosody]}" 60 || die "prosody did not start; see $PR/prosody.log"
	local deadline=$((SECONDS + 30))
	until [[ -S $PR/data/prosody.sock ]]; do
		((SECONDS < deadline)) || die "prosody opened no admin socket"
		sleep 0.2
	done
}

start_relay() {
	(exec "${renice_cmd[@]}" taskset -c "$SERVER_CPU" "$TMP/bin/relay" --listen "127.0.0.1:$RELAY_PORT") >>"$TMP/relay.log" 2>&1 &
	PID[relay]=$!
	wait_port "$RELAY_PORT" 30 || die "the relay did not start"
}

stop_server() {
	local s=$1 pid=${PID[$1]:-} children
	case $s in
	ejabberd)
		ejctl stop >/dev/null 2>&1 || true
		wait_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null || true
		;;
	switchboard)
		# The plugin processes are its children; note them in case it
		# has to be killed and leaves them behind.
		children=$(pgrep -P "$pid" || true)
		kill -TERM "$pid" 2>/dev/null || true
		wait_gone "$pid" 20 || kill -KILL "$pid" 2>/dev/null || true
		for c in $children; do
			wait_gone "$c" 5 || kill -KILL "$c" 2>/dev/null || true
		done
		;;
	*)
		kill -TERM "$pid" 2>/dev/null || true
		wait_gone "$pid" 20 || kill -KILL "$pid" 2>/dev/null || true
		;;
	esac
	wait "$pid" 2>/dev/null || true
	if [[ -n ${WRAP[$s]:-} ]]; then wait "${WRAP[$s]}" 2>/dev/null || true; fi
	PID[$s]=
	WRAP[$s]=
	return 0
}

start_server() { "start_$1"; }
restart_server() { stop_server "$1"; start_server "$1"; }

# ---------------------------------------------------------------- the tool

# The scenarios, with ADDR and TLSADDR standing for the server's STARTTLS
# and direct TLS addresses. These strings are also what the docs print.
# Accounts: user1..user$BASE_ACC serve every scenario but cold, whose
# COLD_USERS come after them: nobody has used those since the server's
# (re)start when cold runs.
BASE_ACC=$((IDLE > 2 * PAIRS ? IDLE : 2 * PAIRS))
BASE_ACC=$((BASE_ACC > LOGIN_USERS ? BASE_ACC : LOGIN_USERS))
BASE_ACC=$((BASE_ACC > 50 ? BASE_ACC : 50))
BASE_ACC=$((BASE_ACC > ROOMS * OCCUPANTS ? BASE_ACC : ROOMS * OCCUPANTS))
COLD_FIRST=$((BASE_ACC + 1))
NACC=$((BASE_ACC + COLD_USERS))

declare -A SCEN=(
	[idle]="idle --users $IDLE --settle $SETTLE --tls --addr TLSADDR"
	[cold]="login --users $COLD_USERS --first-user $COLD_FIRST --rounds 1 --concurrency $CONCURRENCY --mech SCRAM-SHA-256 --addr ADDR"
	[login]="login --users $LOGIN_USERS --rounds $ROUNDS --concurrency $CONCURRENCY --mech SCRAM-SHA-256 --addr ADDR"
	[messages]="messages --users $((2 * PAIRS)) --pairs $PAIRS --count $COUNT --size $SIZE --window $WINDOW --tls --addr TLSADDR"
	[paced]="messages --users $((2 * PAIRS)) --pairs $PAIRS --count $((PACED_RATE * PACED_SECONDS / (2 * PAIRS))) --rate $PACED_RATE --size $SIZE --window 100 --grace 60s --tls --addr TLSADDR"
	[presence]="presence --users $PRESENCE --contacts $CONTACTS --user-prefix puser --password-prefix ppw --tls --addr TLSADDR"
	[ping1]="iq --iq ping --users 50 --concurrency 1 --count $IQ_COUNT --tls --addr TLSADDR"
	[ping50]="iq --iq ping --users 50 --concurrency 50 --count $IQ50_COUNT --tls --addr TLSADDR"
	[rooms]="rooms --users $((ROOMS * OCCUPANTS)) --rooms $ROOMS --occupants $OCCUPANTS --count $ROOM_COUNT --size $SIZE --window $WINDOW --grace 60s --tls --addr TLSADDR"
)
ORDER=(idle cold login messages paced presence ping1 ping50 rooms)
if [[ -n ${SCENARIOS:-} ]]; then
	for want in $SCENARIOS; do
		[[ -n ${SCEN[$want]:-} ]] || die "SCENARIOS: no scenario $want (${ORDER[*]})"
	done
	keep=()
	for tag in "${ORDER[@]}"; do
		[[ " $SCENARIOS " == *" $tag "* ]] && keep+=("$tag")
	done
	ORDER=("${keep[@]}")
fi
TOOL=(taskset -c "$TOOL_CPU" "$SB" bench --workers 1 --timeout 10m)

addr_args() { # SERVER SCENARIO-STRING
	local a=${2//TLSADDR/127.0.0.1:${TLS_PORT[$1]:-}}
	echo "${a//ADDR/127.0.0.1:${PORT[$1]:-}}"
}

# tool ARGS...: the load tool pinned to its core, one scheduler thread.
tool() { "${renice_cmd[@]}" "${TOOL[@]}" "$@"; }

# measure SERVER TAG REP: one run, its JSON result appended to the results
# with the server, scenario tag and repetition.
measure() {
	local srv=$1 tag=$2 rep=$3 target=$1 scen=${SCEN[$2]} out err
	if [[ $srv == relay ]]; then
		target=relay
		scen="${scen//--tls --addr TLSADDR/--relay --tls --addr 127.0.0.1:$RELAY_PORT}"
	fi
	out=$RES/$tag.$srv.$rep.json
	err=$RES/$tag.$srv.$rep.err
	# shellcheck disable=SC2046 # the scenario string is split on purpose
	tool $(addr_args "$target" "$scen") --json --pid "${PID[$srv]}" >"$out" 2>"$err" || true
	if [[ -s $out ]]; then
		jq -c --arg server "$srv" --arg tag "$tag" --argjson rep "$rep" \
			'. + {server: $server, tag: $tag, rep: $rep}' "$out" >>"$RESULTS_JSONL"
		jq -r --arg s "$srv" --arg t "$tag" 'def r2: . * 100 | round / 100;
			"\($t) \($s): \(.ops) \(.unit) in \(.elapsed_s | r2)s, \(.rate_per_s | round)/s" +
			(if .latency_ms then ", p50 \(.latency_ms.p50 | r2)ms p99 \(.latency_ms.p99 | r2)ms" else "" end) +
			(if .memory then ", \(.memory.per_session_kib | round) KiB/session" else "" end) +
			(if .pass then "" else " FAIL: \(.error_reasons // [] | join("; "))" end)' "$out" | while read -r line; do log "  $line"; done
	else
		log "  $tag $srv: no result: $(tail -c 300 "$err")"
		jq -nc --arg server "$srv" --arg tag "$tag" --argjson rep "$rep" --arg why "$(tail -c 300 "$err")" \
			'{server: $server, tag: $tag, rep: $rep, pass: false, errors: 1, error_reasons: [$why]}' >>"$RESULTS_JSONL"
	fi
}

# ---------------------------------------------------------------- accounts

log "starting the servers (pinned to core $SERVER_CPU) and the relay"
for s in "${SERVERS[@]}"; do start_server "$s"; done
start_relay

declare -A CREATED_IN=()
log "accounts: user1..user$NACC (pw1..) and puser1..puser$PRESENCE (ppw1..) on each server"
t0=$SECONDS
# Switchboard: `switchboard user add` for each missing account, through the
# tool's --create (with a first login of every account as the warm-up).
tool login --users "$NACC" --concurrency "$CONCURRENCY" --create --config "$SW/switchboard.yaml" \
	--addr "127.0.0.1:${PORT[switchboard]}" >"$RES/create.switchboard.log" 2>&1 ||
	die "creating Switchboard accounts: $(tail -5 "$RES/create.switchboard.log")"
tool login --users "$PRESENCE" --user-prefix puser --password-prefix ppw --concurrency "$CONCURRENCY" --create \
	--config "$SW/switchboard.yaml" --addr "127.0.0.1:${PORT[switchboard]}" >>"$RES/create.switchboard.log" 2>&1 ||
	die "creating Switchboard accounts: $(tail -5 "$RES/create.switchboard.log")"
CREATED_IN[switchboard]=$((SECONDS - t0))

# ejabberd: one `ejabberdctl register` is a new Erlang VM (about 3 s here),
# so the accounts are made in one `ejabberdctl debug` session that calls
# ejabberd_admin:register/3, the function behind `ejabberdctl register`,
# once per account on the running node.
ej_register() { # PREFIX PWPREFIX N
	local expr out
	expr="length([ok || N <- lists:seq(1, $3), element(1, rpc:call('$EJ_NODE', ejabberd_admin, register, [<<\"$1\", (integer_to_binary(N))/binary>>, <<\"localhost\">>, <<\"$2\", (integer_to_binary(N))/binary>>])) =:= ok])."
	out=$(printf '%s\n' "$expr" | ejctl debug 2>&1)
	grep -Eq '\)1> '"$3"'$' <<<"$out" || die "ejabberd registered fewer than $3 $1 accounts: $(tail -5 <<<"$out")"
}
t0=$SECONDS
ej_register user pw "$NACC"
ej_register puser ppw "$PRESENCE"
CREATED_IN[ejabberd]=$((SECONDS - t0))

# Prosody: `prosodyctl shell` (the admin console of the running server),
# one user:create per account, all on one connection.
pr_register() { # PREFIX PWPREFIX N
	local ok
	ok=$(for ((i = 1; i <= $3; i++)); do echo "user:create('$1$i@localhost', '$2$i')"; done |
		(cd "$PR" && prosodyctl --config "$PR/prosody.cfg.lua" shell 2>&1) | grep -c 'OK: User created' || true)
	[[ $ok == "$3" ]] || die "prosody created $ok of $3 $1 accounts"
}
t0=$SECONDS
pr_register user pw "$NACC"
pr_register puser ppw "$PRESENCE"
CREATED_IN[prosody]=$((SECONDS - t0))

# Warm-up, not measured: every account logs in once on ejabberd and Prosody
# (Switchboard's did during creation), and the presence users' mutual
# subscriptions are set up by protocol on every server.
for s in ejabberd prosody; do
	tool login --users "$NACC" --concurrency "$CONCURRENCY" --addr "127.0.0.1:${PORT[$s]}" >"$RES/warmup.$s.log" 2>&1 ||
		die "warm-up logins on $s failed: $(tail -5 "$RES/warmup.$s.log")"
done
# The set-up is one presence run per server, all three at once (they
# share the server core anyway). --grace is long: every subscription
# change rewrites two roster files in Prosody's default storage, and with
# all 10 000 requests sent at once the first approval comes back only
# after a minute or two.
log "setting up $PRESENCE users × $CONTACTS contacts of mutual subscriptions"
SETUP_PRESENCE=0
if [[ " ${ORDER[*]} " == *" presence "* ]]; then
	t0=$SECONDS
	declare -A SETUP=()
	for s in "${SERVERS[@]}"; do
		# shellcheck disable=SC2046
		tool $(addr_args "$s" "${SCEN[presence]}") --grace "$SETUP_GRACE" >"$RES/setup.presence.$s.log" 2>&1 &
		SETUP[$s]=$!
	done
	for s in "${SERVERS[@]}"; do
		wait "${SETUP[$s]}" || log "  presence set-up on $s failed: $(tail -3 "$RES/setup.presence.$s.log")"
	done
	SETUP_PRESENCE=$((SECONDS - t0))
fi

# ---------------------------------------------------------------- the runs

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
for ((rep = 1; rep <= REPS; rep++)); do
	# idle first, on freshly started servers: RSS growth on a server that
	# already grew its heap for earlier runs would understate a session.
	log "repetition $rep of $REPS: restarting the servers"
	for s in "${SERVERS[@]}"; do restart_server "$s"; done
	for tag in "${ORDER[@]}"; do
		for s in "${SERVERS[@]}"; do
			measure "$s" "$tag" "$rep"
			sleep 1 # let the server finish closing the last run's sessions
		done
		if [[ $tag == messages ]]; then measure relay messages "$rep"; fi
	done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- the table

# jq computing, for one scenario tag and metric, the median of each server
# over the repetitions and the median over the repetitions of the
# per-repetition ratios Switchboard ÷ ejabberd and Switchboard ÷ Prosody.
# Prints: switchboard ejabberd prosody relay ratio_ej ratio_pr (TSV).
read -r -d '' AGG <<'JQ' || true
def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def metric($m):
	if .ops == null then null
	elif $m == "rate" then .rate_per_s
	elif $m == "p50" then .latency_ms.p50
	elif $m == "p99" then .latency_ms.p99
	elif $m == "p50us" then (if .latency_ms then .latency_ms.p50 * 1000 else null end)
	elif $m == "cpu_us" then (if (.server_cpu_s // 0) > 0 and .ops > 0 then .server_cpu_s / .ops * 1e6 else null end)
	elif $m == "kib" then .memory.per_session_kib
	elif $m == "elapsed" then .elapsed_s
	elif $m == "srvcpu" then (if (.server_cpu_s // 0) > 0 and .elapsed_s > 0 then .server_cpu_s / .elapsed_s * 100 else null end)
	elif $m == "toolcpu" then (if .elapsed_s > 0 then .tool_cpu_s / .elapsed_s * 100 else null end)
	else error("unknown metric " + $m) end;
def val($s): [.[] | select(.server == $s and .tag == $tag) | metric($m) | select(. != null)] | median;
def one($s; $r): [.[] | select(.server == $s and .tag == $tag and .rep == $r) | metric($m) | select(. != null)][0];
def ratio($o): [range(1; $reps + 1) as $r | [one("switchboard"; $r), one($o; $r)]
	| select(.[0] != null and .[1] != null and .[1] != 0) | .[0] / .[1]] | median;
[val("switchboard"), val("ejabberd"), val("prosody"), val("relay"), ratio("ejabberd"), ratio("prosody")]
| map(if . == null then "-" else tostring end) | @tsv
JQ
agg() { jq -rs --arg tag "$1" --arg m "$2" --argjson reps "$REPS" "$AGG" "$RESULTS_JSONL"; }

# fmt KIND VALUE: numbers for people. Three significant figures, digits
# grouped by three, "—" for nothing.
fmt() {
	awk -v k="$1" -v x="$2" 'function group(n,   s) {
			s = sprintf("%d", n)
			while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($| )/, " &", s)
			return s
		}
		BEGIN {
			if (x == "-" || x == "") { print "—"; exit }
			if (k == "ratio") { printf "%.2f\n", x; exit }
			if (k == "pct") { printf "%d%%\n", x + 0.5; exit }
			if (x >= 1000) { e = 10 ^ (int(log(x) / log(10)) - 2); print group(int(x / e + 0.5) * e); exit }
			if (x >= 100) { printf "%d\n", x + 0.5; exit }
			if (x >= 10) { printf "%.1f\n", x; exit }
			if (x >= 1) { printf "%.2f\n", x; exit }
			printf "%.3f\n", x
		}'
}

# ge A B / le A B: numeric comparisons that are false when a side is missing.
ge() { [[ $1 != - && $2 != - ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
le() { [[ $1 != - && $2 != - ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
verdict() { if "$@"; then echo met; else echo "not met"; fi; }

# row TAG METRIC LABEL: one line of the table, with the issue's target.
row() {
	local tag=$1 m=$2 label=$3 sw ej pr relay rej rpr target="" r
	IFS=$'\t' read -r sw ej pr relay rej rpr < <(agg "$tag" "$m")
	case $tag/$m in
	login/rate) target="≥ 1.5 × ejabberd: $(verdict ge "$rej" 1.5)" ;;
	cold/rate) target="issue 23: ≥ 1.5 × ejabberd: $(verdict ge "$rej" 1.5)" ;;
	messages/rate)
		r=$(awk -v a="$sw" -v b="$relay" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else print a / b }')
		target="≥ 2 × ejabberd: $(verdict ge "$rej" 2); ≥ ½ relay ($(fmt ratio "$r")): $(verdict ge "$r" 0.5)"
		;;
	messages/p99) target="below ejabberd's: $(verdict le "$rej" 0.999)" ;;
	paced/p99) target="issue 23: below ejabberd's: $(verdict le "$rej" 0.999)" ;;
	idle/kib) target="≤ 24 KiB: $(verdict le "$sw" 24)" ;;
	presence/elapsed) target="≤ ½ ejabberd's time: $(verdict le "$rej" 0.5)" ;;
	ping1/p50us) target="< 150 µs: $(verdict le "$sw" 149.999)" ;;
	esac
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$(fmt n "$sw")" "$(fmt n "$ej")" \
		"$(fmt n "$pr")" "$(fmt n "$relay")" "$(fmt ratio "$rej")" "$(fmt ratio "$rpr")" "$target"
}

cpu_row() { # TAG LABEL: median server and tool CPU shares per server
	local s sw ej pr relay tsw tej tpr trelay
	IFS=$'\t' read -r sw ej pr relay _ _ < <(agg "$1" srvcpu)
	IFS=$'\t' read -r tsw tej tpr trelay _ _ < <(agg "$1" toolcpu)
	cell() { if [[ $1 == - ]]; then echo "—"; else echo "$(fmt pct "$1") / $(fmt pct "$2")"; fi; }
	printf '| %s | %s | %s | %s | %s |\n' "$2" "$(cell "$sw" "$tsw")" "$(cell "$ej" "$tej")" "$(cell "$pr" "$tpr")" "$(cell "$relay" "$trelay")"
}

failures() {
	jq -rs '.[] | select(.pass == false) | "- \(.tag) on \(.server), repetition \(.rep): \(.errors // 0) errors" +
		(if .messages then ", \(.messages.lost) lost, \(.messages.duplicated) duplicated" else "" end) +
		(if (.error_reasons // []) | length > 0 then ": " + (.error_reasons[:3] | join("; ")) else "" end)' "$RESULTS_JSONL"
}

mam_dropped() { # the sum of dropped=N in Switchboard's archive warnings
	grep -o 'fell behind.*dropped=[0-9]*' "$SW/switchboard.log" 2>/dev/null | awk -F'dropped=' '{ n += $2 } END { print n + 0 }'
}

count_in() { # FILE PATTERN
	if [[ -f $1 ]]; then grep -c -- "$2" "$1" || true; else echo 0; fi
}

erl_otp=$(erl -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().' 2>/dev/null || echo "?")
pkg() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
lua_version=$(cd "$PR" && prosodyctl --config "$PR/prosody.cfg.lua" about 2>/dev/null | awk -F'\t' '/^Lua version:/ {gsub(/^ +| +$/, "", $2); print $2}')
doc_args() { # SCENARIO-STRING: with the addresses spelled for the docs
	local a=${1//TLSADDR/127.0.0.1:TLS_PORT}
	echo "${a//--addr ADDR/--addr 127.0.0.1:PORT}"
}

section() {
	local q='`'
	cat <<EOF
## Side by side: Switchboard, ejabberd and Prosody (\`bench/compare.sh\`)

Written by \`bench/compare.sh\` (do not edit by hand: rerun it). Measured $STARTED on
$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), Linux $(uname -r); load
average $LOAD_BEFORE before the runs and $LOAD_AFTER after (other work shares this machine).

| server | version |
| --- | --- |
| Switchboard | $sw_rev, $(go version | awk '{print $3}'), with its default plugins (one process each) |
| ejabberd | $(pkg ejabberd) (Debian), Erlang/OTP $erl_otp (erlang-base $(pkg erlang-base)) |
| Prosody | $(pkg prosody) (Debian), ${lua_version:-Lua ?} |
| bare relay | \`bench/relay\`: pairs connections and copies bytes without parsing XML |

Every server runs on core $SERVER_CPU (\`taskset -c $SERVER_CPU\`) and the load tool on core $TOOL_CPU
(\`taskset -c $TOOL_CPU switchboard bench --workers 1 --pid PID …\`, PID being the server's
process: Switchboard's plugin processes, ejabberd's \`beam.smp\` children and so on are
counted with it). The scenarios ran interleaved, Switchboard, ejabberd, Prosody (and the
relay for messages) one after another, $REPS time(s); each figure is the median of the
runs, and each ratio the median of the per-repetition ratios Switchboard ÷ other (so it
need not equal the ratio of the medians; it is the figure to trust on a noisy machine).
↑: more is better, ↓: less is better.

| scenario | Switchboard | ejabberd | Prosody | bare relay | Switchboard ÷ ejabberd | Switchboard ÷ Prosody | issue 5 target |
| --- | --- | --- | --- | --- | --- | --- | --- |
$(row cold rate "cold login: logins/s ↑ (each of $COLD_USERS accounts' first login since the server started; $CONCURRENCY at a time)")
$(row cold p99 "cold login: latency p99, ms ↓")
$(row cold cpu_us "cold login: server CPU per login, µs ↓")
$(row login rate "login: logins/s ↑ (STARTTLS, SCRAM-SHA-256, bind, roster, presence; $CONCURRENCY at a time; warm: every account logged in earlier since the start)")
$(row login p99 "login: latency p99, ms ↓")
$(row login cpu_us "login: server CPU per login, µs ↓")
$(row messages rate "messages: delivered/s ↑ ($PAIRS pairs × $COUNT each way, $SIZE bytes, window $WINDOW, direct TLS)")
$(row messages p50 "messages: latency p50, ms ↓")
$(row messages p99 "messages: latency p99, ms ↓")
$(row messages cpu_us "messages: server CPU per message, µs ↓")
$(row paced rate "paced messages: delivered/s (the same pairs sending $PACED_RATE messages/s in all, evenly, for $PACED_SECONDS s; window 100)")
$(row paced p50 "paced messages: latency p50, ms ↓ (from when each was due)")
$(row paced p99 "paced messages: latency p99, ms ↓")
$(row idle kib "idle: RSS per authenticated TLS session, KiB ↓ ($IDLE sessions)")
$(row presence elapsed "presence: s until every presence arrived ↓ ($PRESENCE users × $CONTACTS contacts)")
$(row ping1 p50us "iq ping, one session: p50, µs ↓ (Switchboard: through its ping plugin process)")
$(row ping1 p99 "iq ping, one session: p99, ms ↓")
$(row ping50 rate "iq ping, 50 sessions: round trips/s ↑")
$(row ping50 cpu_us "iq ping, 50 sessions: server CPU per round trip, µs ↓")
$(row rooms rate "rooms: deliveries to occupants/s ↑ ($ROOMS rooms × $OCCUPANTS occupants, each sending $ROOM_COUNT messages of $SIZE bytes, window $WINDOW)")
$(row rooms p50 "rooms: latency p50, ms ↓")
$(row rooms p99 "rooms: latency p99, ms ↓")
$(row rooms cpu_us "rooms: server CPU per delivery, µs ↓")

Lost or duplicated messages and failed runs: $(f=$(failures); if [[ -z $f ]]; then echo "none (every run passed: 0 lost, 0 duplicated, 0 errors)."; else printf '\n\n%s\n' "$f"; fi)

CPU during the measured phase, server / tool (medians; 100% is one core kept busy). A
server well below 100% was waiting (or, on a shared machine, starved); a tool near 100%
(it has one core) was the limit.

| scenario | Switchboard | ejabberd | Prosody | bare relay |
| --- | --- | --- | --- | --- |
$(cpu_row idle idle)
$(cpu_row cold "cold login")
$(cpu_row login login)
$(cpu_row messages messages)
$(cpu_row paced "paced messages")
$(cpu_row presence presence)
$(cpu_row ping1 "iq ping, one session")
$(cpu_row ping50 "iq ping, 50 sessions")
$(cpu_row rooms rooms)

### How the servers were set up

All three listen on 127.0.0.1 only, STARTTLS and direct TLS (XEP-0368), with one
self-signed ECDSA P-256 certificate for \`localhost\` made with openssl, and store SCRAM
keys (SHA-256, 4096 iterations) for accounts \`user1..user$NACC\` (passwords \`pw1..\`) and
\`puser1..puser$PRESENCE\` (\`ppw1..\`, the presence scenario's, with $CONTACTS mutual
subscriptions each set up by protocol before the runs, ${SETUP_PRESENCE} s for the three
servers at once). Every account logged in once before
the measurements. Each server is restarted at the start of every repetition, so that
\`idle\`, which runs first, measures a freshly started server, and \`cold\`, which runs
next with accounts \`user$COLD_FIRST..user$NACC\` that \`idle\` does not use, logs each of
them in for the first time since the restart (the client derives each SCRAM key afresh
too, on the tool's core). Configurations: \`bench/*.tmpl\`.

- **Switchboard**: \`switchboard serve --config\` with the built-in defaults: every built-in
  plugin, SQLite storage (WAL), message archive (mam) on, which stores every message;
  WebSocket off; \`limits.rate_bytes_per_second: 0\` (no per-stream shaping) and loopback in
  \`limits.trusted_networks\` (no per-address connection limits or bans); group chat (muc)
  with its rate limit per occupant raised out of the way and its room archive on. Accounts:
  \`switchboard bench login --create --config\`, which runs \`switchboard user add\` per account
  (${CREATED_IN[switchboard]} s for all).
- **ejabberd**: \`ejabberdctl --config-dir DIR --ctl-config DIR/ejabberdctl.cfg --spool DIR
  --logs DIR foreground\` as the \`ejabberd\` user (with setpriv: as root, ejabberdctl
  switches with su, whose PAM session cuts the open-files limit to 1024); its own node
  name and cookie, Erlang distribution on a fixed loopback port without epmd
  (\`ERL_DIST_PORT\`). Debian's default configuration and module set (Mnesia storage, no
  message archive)$([[ -n $EJABBERD_MAM ]] && echo ", and for this run **mod_mam** (\`default: always\`, Mnesia)") with: only the two c2s listeners, without their \`shaper\` option and
  with \`c2s_shaper: none\` (Debian limits clients to 3000 B/s), and \`backlog: 1024\` (the
  default listen backlog, 5, drops SYNs when 50 clients connect at once, which costs them
  a one-second retransmit); \`auth_password_format:
  scram\`, \`auth_scram_hash: sha256\`; \`mod_pres_counter\` (at most 5 subscription changes
  a minute) and \`mod_fail2ban\` off; \`mod_muc\` as Debian configures it (rooms archived,
  \`mam: true\`). Accounts: \`ejabberdctl register\` starts an Erlang VM
  per call (about 3 s), so one \`ejabberdctl debug\` session calls
  \`ejabberd_admin:register/3\`, the function behind it, per account (${CREATED_IN[ejabberd]} s).
- **Prosody**: \`prosody -F --config FILE\` as the \`prosody\` user (it refuses to run as
  root). Debian's default module list without \`limits\` (Debian shapes clients to 10 kB/s),
  internal file storage, no message archive but the rooms' (\`Component
  "conference.localhost" "muc"\` with \`muc_mam\`), \`authentication = "internal_hashed"\`,
  \`password_hash = "SHA-256"\` (the default is SHA-1), \`default_iteration_count = 4096\`
  (the default is 10 000; 4096 is what the others use). Its network backend (epoll)
  keeps Nagle's algorithm on by default (\`network_settings\` \`nagle\`); left as shipped. Accounts: \`prosodyctl shell\`, one
  \`user:create\` per account on one console connection (${CREATED_IN[prosody]} s; one
  \`prosodyctl register\` takes about 3 s).
- The open-files limit of every process is raised to the hard limit ($(ulimit -n)).
$( [[ -n $NICE ]] && echo "- Servers and tool ran at niceness $NICE, above other work on the machine." )

### Commands

Ports: Switchboard ${PORT[switchboard]}/${TLS_PORT[switchboard]}, ejabberd ${PORT[ejabberd]}/${TLS_PORT[ejabberd]}, Prosody ${PORT[prosody]}/${TLS_PORT[prosody]} (STARTTLS/direct TLS), relay $RELAY_PORT.
Each run is \`taskset -c $TOOL_CPU switchboard bench --workers 1 --timeout 10m --json --pid PID\` and:

| scenario | arguments |
| --- | --- |
$(for tag in "${ORDER[@]}"; do printf '| %s | %s%s%s |\n' "$tag" "$q" "$(doc_args "${SCEN[$tag]}")" "$q"; done)
| messages through the relay | $q${SCEN[messages]//--tls --addr TLSADDR/--relay --tls --addr 127.0.0.1:$RELAY_PORT}$q |

Reproduce: \`sudo bench/compare.sh\` (sizes: see the top of the script; \`QUICK=1\` for a
smoke run). Server-side warnings and errors during the whole run, set-up included:
Switchboard's log $(count_in "$SW/switchboard.log" '') lines, of which $(count_in "$SW/switchboard.log" 'event dropped') "event dropped" (plugin events lost)
and $(count_in "$SW/switchboard.log" 'fell behind') "archive observer fell behind", which together dropped $(mam_dropped) messages from the archive$(
	[[ $(mam_dropped) == 0 ]] || printf '\n(delivered, not archived: under this load the message rate above is not paying for the archive in full)'
); ejabberd's error log $(count_in "$EJ/logs/error.log" '') lines; Prosody's log $(count_in "$PR/prosody.log" '') lines.
EOF
}

SECTION=$RES/section.md
section | sed -e '/^$/N;/^\n$/D' >"$SECTION"

if [[ $OUT == - ]]; then
	cat "$SECTION"
else
	# Replace the section between the markers, or append it with them.
	begin='<!-- compare.sh: begin -->'
	end='<!-- compare.sh: end -->'
	if grep -qF "$begin" "$OUT"; then
		awk -v b="$begin" -v e="$end" -v f="$SECTION" '
			$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
			$0 == e { skip = 0 }
			!skip' "$OUT" >"$OUT.new"
	else
		{ cat "$OUT"; printf '\n%s\n' "$begin"; cat "$SECTION"; printf '%s\n' "$end"; } >"$OUT.new"
	fi
	mv "$OUT.new" "$OUT"
	log "wrote the side-by-side section to $OUT"
	cat "$SECTION"
fi
