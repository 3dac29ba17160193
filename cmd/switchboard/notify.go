package main

import (
	"context"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/hashicorp/go-hclog"
)

// notifier tells systemd (Type=notify) what the server is doing: ready,
// reloading, stopping, and alive for the watchdog. Outside systemd
// (no NOTIFY_SOCKET) every call does nothing.
type notifier struct{ log hclog.Logger }

func (n notifier) send(state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		n.log.Warn("telling systemd the server's state", "state", state, "error", err)
	}
}

func (n notifier) ready()     { n.send(daemon.SdNotifyReady) }
func (n notifier) reloading() { n.send(daemon.SdNotifyReloading) }
func (n notifier) stopping()  { n.send(daemon.SdNotifyStopping) }

// watchdog pings systemd's watchdog (WatchdogSec=) at half its interval
// while alive answers, until ctx ends. alive is what a hung server would
// fail to do: it must not just return true.
func (n notifier) watchdog(ctx context.Context, alive func() bool) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval <= 0 {
		return
	}
	t := time.NewTicker(interval / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if alive() {
				n.send(daemon.SdNotifyWatchdog)
			} else {
				n.log.Warn("not answering systemd's watchdog: the server is not accepting connections")
			}
		}
	}
}
