"""An external component (XEP-0114) written with slixmpp's ComponentXMPP,
driven by a Go test: it connects, authenticates with the shared secret,
answers disco#info on its domain and echoes every message sent to a JID in
its domain, then reports events as JSON lines until stdin closes.

Run with Debian's python3 and python3-slixmpp:
    python3 slixmpp_component.py DOMAIN SECRET HOST PORT
"""

import asyncio
import json
import sys

import slixmpp


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


class Component(slixmpp.ComponentXMPP):
    def __init__(self, domain, secret, host, port):
        super().__init__(domain, secret, host, int(port))
        self.register_plugin("xep_0030")
        self["xep_0030"].add_identity(category="gateway", itype="test", name="Test gateway")
        self.add_event_handler("session_start", lambda _: emit("session_start", jid=self.boundjid.full))
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("disconnected", lambda _: emit("disconnected"))

    def on_message(self, msg):
        if msg["type"] not in ("chat", "normal") or not msg["body"]:
            return
        emit("message", **{"from": msg["from"].full, "to": msg["to"].full, "body": msg["body"]})
        msg.reply("echo: " + msg["body"]).send()


async def wait_for_stdin_to_close():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.readline():
        pass


def main():
    domain, secret, host, port = sys.argv[1:]
    emit("version", slixmpp=slixmpp.__version__)
    xmpp = Component(domain, secret, host, port)
    xmpp.connect()
    xmpp.loop.run_until_complete(wait_for_stdin_to_close())


if __name__ == "__main__":
    main()
