#!/bin/sh
# lab.sh: the test bench docs/CLIENTS.md describes. Run as root from the
# repository root.
#
#   docs/clients/lab.sh start   builds the server, makes a certificate for
#                               "localhost", creates the accounts and starts,
#                               in a private network namespace, a tmux server
#                               with windows "server" (switchboard serve,
#                               log level LOG_LEVEL, default trace: every
#                               element in and out), "xvfb" (display :DISPLAY_NUM, 99) and
#                               "dbus" (a session bus for the GUI clients)
#   docs/clients/lab.sh run CMD...   runs CMD inside the namespace as the
#                               unprivileged user (xdotool, import, node...)
#   docs/clients/lab.sh stop    ends the tmux server and everything in it
#
# Why a namespace: the clients look for the server at "localhost" on the
# standard ports (5222, 5223, 5443), which on a shared machine may be taken;
# a private network namespace has a loopback of its own, and nothing but it,
# so the server listens on every address there: "localhost" is ::1 as well
# as 127.0.0.1, and clients that try ::1 first (poezio) connect at once
# instead of logging a failure before they fall back. The same namespace
# gets a mount of /etc/ssl/certs that also trusts the lab's certificate, so
# every client that uses the system's trust store (libstrophe, Python,
# GLib, Qt, Go) accepts the server the way it would accept a real
# certificate, and nothing outside the namespace is changed.
#
# The clients run as an ordinary user (poezio refuses to run as root): LAB_USER,
# created if missing. Everything lives under LAB (default /tmp/sbclients).
set -eu

LAB=${LAB:-/tmp/sbclients}
LAB_USER=${LAB_USER:-sbclient}
ACCOUNTS=${ACCOUNTS:-"alice bob carol dave erin frank gina hank ivy jack kate lena mike"}
TMUX_SOCK=$LAB/tmux.sock
DISPLAY_NUM=${DISPLAY_NUM:-99}
LOG_LEVEL=${LOG_LEVEL:-trace}

as_user() { setpriv --reuid "$LAB_USER" --regid "$LAB_USER" --init-groups "$@"; }
holder_pid() { tmux -S "$TMUX_SOCK" display -p '#{pid}'; }

start() {
	[ "$(id -u)" = 0 ] || { echo "lab.sh: run as root (it creates a network namespace)" >&2; exit 1; }
	if tmux -S "$TMUX_SOCK" has-session 2>/dev/null; then
		echo "lab.sh: already running (lab.sh stop first)" >&2
		exit 1
	fi
	id "$LAB_USER" >/dev/null 2>&1 || useradd -m -s /bin/sh "$LAB_USER"
	mkdir -p "$LAB/homes" "$LAB/out" "$LAB/xdg"
	go build -o "$LAB/switchboard" ./cmd/switchboard

	# A certificate for the domain, and a copy of the system's trust store
	# that also trusts it.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj /CN=localhost -addext subjectAltName=DNS:localhost \
		-keyout "$LAB/key.pem" -out "$LAB/cert.pem" 2>/dev/null
	rm -rf "$LAB/certs"
	cp -a /etc/ssl/certs "$LAB/certs"
	cp "$LAB/cert.pem" "$LAB/certs/switchboard-localhost.pem"
	cat "$LAB/cert.pem" >>"$LAB/certs/ca-certificates.crt"
	openssl rehash "$LAB/certs" 2>/dev/null || true

	cat >"$LAB/config.yaml" <<-EOF
	domain: localhost
	data_dir: $LAB/data
	listen:
	  c2s: :5222
	  c2s_tls: :5223
	  websocket: :5443
	tls:
	  cert_file: $LAB/cert.pem
	  key_file: $LAB/key.pem
	log:
	  level: $LOG_LEVEL
	EOF
	chown -R "$LAB_USER:" "$LAB"
	chmod 700 "$LAB/xdg"
	for u in $ACCOUNTS; do
		as_user "$LAB/switchboard" user add "$u@localhost" --password "pw-$u" --config "$LAB/config.yaml" 2>&1 | grep -v INFO || true
	done

	unshare -n -m --propagation private sh -c "
		ip link set lo up
		mount --bind '$LAB/certs' /etc/ssl/certs
		exec setpriv --reuid '$LAB_USER' --regid '$LAB_USER' --init-groups \
			env -i HOME=/home/$LAB_USER PATH=/usr/local/bin:/usr/bin:/bin TERM=xterm-256color LANG=C.UTF-8 \
			tmux -S '$TMUX_SOCK' new-session -d -s lab -n shell -x 200 -y 50"
	t() { tmux -S "$TMUX_SOCK" "$@"; }
	t new-window -d -n server "cd $LAB && ./switchboard serve --config config.yaml 2>&1 | tee -a server.log"
	t new-window -d -n xvfb "Xvfb :$DISPLAY_NUM -screen 0 1280x800x24 -nolisten tcp"
	t new-window -d -n dbus "dbus-daemon --session --address=unix:path=$LAB/dbus.sock --nofork --nopidfile"
	for _ in $(seq 50); do
		grep -q "server started" "$LAB/server.log" 2>/dev/null && break
		sleep 0.2
	done
	grep "server started" "$LAB/server.log" | tail -1
	echo "lab.sh: tmux -S $TMUX_SOCK attach   (windows: server, xvfb, dbus)"
}

run() {
	nsenter -t "$(holder_pid)" -n -m setpriv --reuid "$LAB_USER" --regid "$LAB_USER" --init-groups \
		env HOME="${HOME_DIR:-$LAB/homes}" DISPLAY=:$DISPLAY_NUM XDG_RUNTIME_DIR="$LAB/xdg" \
		DBUS_SESSION_BUS_ADDRESS="unix:path=$LAB/dbus.sock" "$@"
}

stop() {
	# Each pane is a process group of its own; Xvfb and dbus-daemon take
	# the SIGHUP that kill-server sends as "reload", so end them first.
	for p in $(tmux -S "$TMUX_SOCK" list-panes -a -F '#{pane_pid}' 2>/dev/null); do
		kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
	done
	sleep 1
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
}

case "${1:-}" in
start) start ;;
run) shift; run "$@" ;;
stop) stop ;;
*) echo "usage: lab.sh start|run CMD...|stop" >&2; exit 2 ;;
esac
