// Command echoservice is a Switchboard plugin that owns a domain of its own
// (echo.DOMAIN by default) and sends back every message sent to any JID in
// it. It is the example of a service plugin, built against the sdk alone:
// group chat, upload and gateways are services of the same kind.
package main

import "github.com/switchboard-xmpp/switchboard/sdk"

func main() { sdk.Serve(New()) }
