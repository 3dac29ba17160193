package adhoc

import (
	"context"
	"time"
)

// userCommands are the commands every account of the domain may run, as
// Prosody and ejabberd offer them. Without one, a user who is no admin
// would see the server advertise commands and then list none.
func userCommands() []command {
	return []command{
		{node: "ping", name: "Ping", everyone: true, run: pong},
	}
}

// pong completes the Ping command: the server answers, and says its time,
// so that a user sees that commands work and how far the clocks agree.
func pong(context.Context, env, submission) (outcome, error) {
	return outcome{notes: []note{{typ: "info", text: "Pong, " + time.Now().UTC().Format(time.RFC3339)}}}, nil
}
