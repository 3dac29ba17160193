// Command motd is a Switchboard plugin that sends every user a message of
// the day when they log in. It is the example of a third-party plugin: it
// is built against the sdk alone, and runs wherever the operator puts the
// binary (see docs/plugins.md and this directory's README.md).
package main

import "github.com/switchboard-xmpp/switchboard/sdk"

func main() { sdk.Serve(New()) }
