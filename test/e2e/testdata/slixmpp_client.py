"""One slixmpp client, driven by a Go test: commands in, events out.

Logs in with slixmpp's defaults (its own SASL mechanism choice included),
then reads one JSON command a line on stdin and writes one JSON event a line
on stdout. The test sends commands once the session has started. Every
command is answered by exactly one event naming it ("done" or "error");
what the server sends on its own (messages, carbons, roster pushes) comes
as events of its own.

Run with Debian's python3 and python3-slixmpp:
    python3 slixmpp_client.py JID PASSWORD HOST PORT CA_FILE [sm]

With "sm", the client uses slixmpp's stream management (XEP-0198, with
resumption), and the commands drop and resume lose the connection and
take the session back as a phone on a flaky network does.
"""

import asyncio
import io
import json
import sys

import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout, PresenceError
from slixmpp.xmlstream import ET

BOOKMARKS2 = "urn:xmpp:bookmarks:1"


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password, ca_file, sm):
        super().__init__(jid, password)
        self.ca_certs = ca_file
        for plugin in ("xep_0030", "xep_0045", "xep_0048", "xep_0054", "xep_0060", "xep_0115", "xep_0163",
                       "xep_0199", "xep_0203", "xep_0280", "xep_0313", "xep_0363"):
            self.register_plugin(plugin)
        self.sm_enabled = asyncio.Event()
        self.sm_resumed = asyncio.Event()
        if sm:
            self.register_plugin("xep_0198")
            self.add_event_handler("sm_enabled", lambda _: self.sm_enabled.set())
            self.add_event_handler("session_resumed", lambda _: self.sm_resumed.set())
        self.mam_on_message = False
        self.add_event_handler("failed_auth", self.on_failed_auth)
        self.add_event_handler("failed_all_auth", lambda _: emit("failed_all_auth"))
        self.add_event_handler("auth_success", self.on_auth_success)
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("carbon_received", lambda m: self.on_carbon("received", m))
        self.add_event_handler("carbon_sent", lambda m: self.on_carbon("sent", m))
        self.add_event_handler("roster_update", self.on_roster_update)
        self.add_event_handler("disconnected", lambda _: emit("disconnected"))
        self.add_event_handler("groupchat_message", self.on_groupchat)
        self.add_event_handler("groupchat_presence", self.on_muc_presence)
        self.add_event_handler("pubsub_publish", self.on_pubsub_publish)
        self.add_event_handler("pubsub_retract", self.on_pubsub_retract)

    def on_failed_auth(self, failure):
        emit("failed_auth", mechanism=self["feature_mechanisms"].mech.name,
             condition=failure["condition"], text=failure["text"])

    def on_auth_success(self, _):
        emit("auth_success", mechanism=self["feature_mechanisms"].mech.name)

    async def on_session_start(self, _):
        self.send_presence()
        await self.get_roster()
        emit("session_start", jid=self.boundjid.full)

    async def on_message(self, msg):
        if msg["type"] not in ("chat", "normal") or not msg["body"]:
            return
        emit("message", **{"from": msg["from"].full, "body": msg["body"],
                           "delayed": msg["delay"]["stamp"] is not None})
        if self.mam_on_message:
            # At once, as a client fetching history on a new message does.
            self.mam_on_message = False
            await self.query_archive(msg["from"].bare, "mam_on_message")

    def on_groupchat(self, msg):
        if not msg["body"]:
            return
        emit("groupchat", **{"from": msg["from"].full, "body": msg["body"],
                             "delayed": msg["delay"]["stamp"] is not None})

    def on_muc_presence(self, pres):
        codes = sorted(str(c) for c in pres["muc"]["status_codes"])
        emit("muc_presence", **{"from": pres["from"].full, "type": pres["type"],
                                "codes": codes, "role": pres["muc"]["role"]})

    def on_pubsub_publish(self, msg):
        items = msg["pubsub_event"]["items"]
        # Not "for item in items": slixmpp is iterating over that very
        # element while it calls this handler, and iterating resets it.
        for item in list(items.iterables):
            payload = item["payload"]
            name = payload.get("name", "") if payload is not None else ""
            emit("pep_publish", node=items["node"], id=item["id"], name=name,
                 bookmarks=legacy_bookmarks(payload))

    def on_pubsub_retract(self, msg):
        items = msg["pubsub_event"]["items"]
        emit("pep_retract", node=items["node"], id=items["retract"]["id"])

    def on_carbon(self, direction, msg):
        fwd = msg["carbon_" + direction]
        emit("carbon_" + direction, **{"from": fwd["from"].full, "to": fwd["to"].full, "body": fwd["body"]})

    def on_roster_update(self, iq):
        items = {str(jid): item["subscription"] for jid, item in iq["roster"]["items"].items()}
        emit("roster", items=items)

    async def fill_domain_infos(self):
        """Fills the cache of disco#info of the domain and its items that
        the upload plugin reads to find the service.

        slixmpp 1.8.3's get_info_from_domain hands coroutines to
        asyncio.wait, which Python 3.11 refuses ("Passing coroutines is
        forbidden"); this asks for the same infos one after the other.
        """
        disco = self["xep_0030"]
        domain = self.boundjid.domain
        infos = [await disco.get_info(domain, timeout=10)]
        items = await disco.get_items(domain, timeout=10)
        for item in items["disco_items"]["items"]:
            infos.append(await disco.get_info(item[0], timeout=10))
        disco.domain_infos[domain] = infos

    async def query_archive(self, with_jid, cmd):
        try:
            iq = await self["xep_0313"].retrieve(with_jid=slixmpp.JID(with_jid), timeout=10)
        except (IqError, IqTimeout) as e:
            return failed(cmd, e)
        bodies = [r["mam_result"]["forwarded"]["stanza"]["body"] for r in iq["mam"]["results"]]
        emit("done", cmd=cmd, bodies=bodies)


def legacy_bookmarks(el):
    """The rooms of an XEP-0048 <storage/> element, or [] for another."""
    if el is None or el.tag != "{storage:bookmarks}storage":
        return []
    return [{"jid": c.get("jid", ""), "name": c.get("name", ""),
             "nick": c.findtext("{storage:bookmarks}nick", ""),
             "autojoin": c.get("autojoin", "") in ("1", "true")}
            for c in el.findall("{storage:bookmarks}conference")]


def bookmark2(cmd):
    """An XEP-0402 <conference/> payload."""
    conf = ET.Element("{%s}conference" % BOOKMARKS2, name=cmd["name"])
    if cmd.get("autojoin"):
        conf.set("autojoin", "true")
    if cmd.get("nick"):
        ET.SubElement(conf, "{%s}nick" % BOOKMARKS2).text = cmd["nick"]
    return conf


def bookmark2_options(xmpp):
    """XEP-0402 §3's publish options."""
    form = xmpp["xep_0004"].make_form(ftype="submit")
    form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options")
    form.add_field(var="pubsub#persist_items", value="true")
    form.add_field(var="pubsub#max_items", value="max")
    form.add_field(var="pubsub#send_last_published_item", value="never")
    form.add_field(var="pubsub#access_model", value="whitelist")
    return form


def failed(cmd, e):
    if isinstance(e, IqTimeout):
        emit("error", cmd=cmd, condition="timeout")
    else:
        emit("error", cmd=cmd, condition=e.condition, type=e.etype)


async def run(xmpp, cmd):
    name = cmd["cmd"]
    if name == "send":
        xmpp.send_message(mto=cmd["to"], mbody=cmd["body"], mtype="chat")
        emit("done", cmd=name)
    elif name == "subscribe":
        xmpp.send_presence_subscription(pto=cmd["to"])
        emit("done", cmd=name)
    elif name == "roster":
        # With roster versioning the answer may carry no items (nothing
        # changed): report the roster slixmpp keeps from answers and pushes.
        await xmpp.get_roster()
        roster = xmpp.client_roster
        emit("done", cmd=name, items={jid: roster[jid]["subscription"] for jid in roster})
    elif name == "carbons":
        await xmpp["xep_0280"].enable(timeout=10)
        emit("done", cmd=name)
    elif name == "mam":
        await xmpp.query_archive(cmd["with"], name)
    elif name == "mam_on_message":
        xmpp.mam_on_message = True
        emit("done", cmd=name)
    elif name == "set_vcard":
        vcard = xmpp["xep_0054"].make_vcard()
        vcard["FN"] = cmd["fn"]
        await xmpp["xep_0054"].publish_vcard(vcard, timeout=10)
        emit("done", cmd=name)
    elif name == "get_vcard":
        iq = await xmpp["xep_0054"].get_vcard(slixmpp.JID(cmd["jid"]), timeout=10)
        emit("done", cmd=name, fn=iq["vcard_temp"]["FN"])
    elif name == "muc_join":
        pres, _, occupants, history = await xmpp["xep_0045"].join_muc_wait(
            slixmpp.JID(cmd["room"]), cmd["nick"], password=cmd.get("password"), timeout=10)
        codes = sorted(str(c) for c in pres["muc"]["status_codes"])
        if "201" in codes:
            # A new room: configure it from the form the room offers.
            form = await xmpp["xep_0045"].get_room_config(slixmpp.JID(cmd["room"]), timeout=10)
            if cmd.get("persistent"):
                form.field["muc#roomconfig_persistentroom"]["value"] = True
            await xmpp["xep_0045"].set_room_config(slixmpp.JID(cmd["room"]), form, timeout=10)
        emit("done", cmd=name, codes=codes, bodies=[m["body"] for m in history],
             items={p["from"].resource: p["muc"]["role"] for p in occupants})
    elif name == "muc_mam":
        iq = await xmpp["xep_0313"].retrieve(jid=slixmpp.JID(cmd["room"]), timeout=10)
        emit("done", cmd=name, bodies=[r["mam_result"]["forwarded"]["stanza"]["body"] for r in iq["mam"]["results"]])
    elif name == "muc_send":
        xmpp.send_message(mto=cmd["room"], mbody=cmd["body"], mtype="groupchat")
        emit("done", cmd=name)
    elif name == "muc_nick":
        xmpp.send_presence(pto=cmd["room"] + "/" + cmd["nick"])
        emit("done", cmd=name)
    elif name == "muc_kick":
        await xmpp["xep_0045"].set_role(slixmpp.JID(cmd["room"]), cmd["nick"], "none",
                                        reason=cmd.get("reason", ""), timeout=10)
        emit("done", cmd=name)
    elif name == "upload":
        # Finds the service through disco, asks for a slot and PUTs the
        # bytes with aiohttp, which trusts the CAs of SSL_CERT_FILE.
        data = cmd["body"].encode()
        await xmpp.fill_domain_infos()
        try:
            url = await xmpp["xep_0363"].upload_file(
                cmd["name"], size=len(data), content_type=cmd["type"],
                input_file=io.BytesIO(data), timeout=10)
        except (IqError, IqTimeout):
            raise
        except Exception as e:  # the HTTP side, or no service found
            emit("error", cmd=name, condition=type(e).__name__, text=str(e))
            return
        emit("done", cmd=name, url=url)
    elif name == "interest":
        # "+notify" for each node, announced in a new caps hash (XEP-0115).
        for node in cmd["nodes"]:
            xmpp["xep_0030"].add_feature(node + "+notify")
        await xmpp["xep_0115"].update_caps(broadcast=True)
        emit("done", cmd=name)
    elif name == "bm2_publish":
        await xmpp["xep_0060"].publish(None, BOOKMARKS2, id=cmd["room"], payload=bookmark2(cmd),
                                       options=bookmark2_options(xmpp), timeout=10)
        emit("done", cmd=name)
    elif name == "bm2_retract":
        await xmpp["xep_0060"].retract(None, BOOKMARKS2, cmd["room"], notify=True, timeout=10)
        emit("done", cmd=name)
    elif name == "bm2_items":
        iq = await xmpp["xep_0060"].get_items(None, BOOKMARKS2, timeout=10)
        emit("done", cmd=name, items={it["id"]: it["payload"].get("name", "") for it in iq["pubsub"]["items"]})
    elif name == "bm_set":
        # XEP-0048 through private XML storage (xep_0049) or PEP (xep_0223).
        storage = xmpp["xep_0048"].stanza.Bookmarks()
        for b in cmd["bookmarks"]:
            storage.add_conference(b["jid"], b.get("nick", ""), name=b.get("name"), autojoin=b.get("autojoin"))
        await xmpp["xep_0048"].set_bookmarks(storage, method=cmd["method"], timeout=10)
        emit("done", cmd=name)
    elif name == "bm_get":
        iq = await xmpp["xep_0048"].get_bookmarks(method=cmd["method"], timeout=10)
        if cmd["method"] == "xep_0223":
            storage = iq["pubsub"]["items"]["item"]["payload"]
        else:
            storage = iq["private"]["bookmarks"].xml
        emit("done", cmd=name, bookmarks=legacy_bookmarks(storage))
    elif name == "disco_info":
        info = await xmpp["xep_0030"].get_info(jid=slixmpp.JID(cmd["jid"]), timeout=10)
        emit("done", cmd=name, features=sorted(info["disco_info"]["features"]))
    elif name == "push_enable":
        # slixmpp has no XEP-0357 plugin: the <enable/> of its §5, as is.
        iq = xmpp.make_iq_set()
        iq.append(ET.fromstring("<enable xmlns='urn:xmpp:push:0' jid='%s' node='%s'/>" % (cmd["jid"], cmd["node"])))
        await iq.send(timeout=10)
        emit("done", cmd=name)
    elif name == "wait_sm":
        await asyncio.wait_for(xmpp.sm_enabled.wait(), 10)
        emit("done", cmd=name)
    elif name == "ack":
        # Acknowledges what was handled; the ping's answer says the server
        # has read the acknowledgement.
        xmpp["xep_0198"].send_ack()
        await xmpp["xep_0199"].ping(jid=xmpp.boundjid.domain, timeout=10)
        emit("done", cmd=name)
    elif name == "drop":
        # The network goes away: no </stream:stream>.
        xmpp.abort()
        emit("done", cmd=name)
    elif name == "resume":
        xmpp.sm_resumed.clear()
        xmpp.connect((cmd["host"], int(cmd["port"])))
        await asyncio.wait_for(xmpp.sm_resumed.wait(), 20)
        emit("done", cmd=name)
    elif name == "quit":
        await xmpp.disconnect()
        emit("done", cmd=name)
    else:
        emit("error", cmd=name, condition="unknown command")


async def commands(xmpp):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        cmd = json.loads(line)
        try:
            await run(xmpp, cmd)
        except (IqError, IqTimeout) as e:
            failed(cmd["cmd"], e)
        except PresenceError as e:
            emit("error", cmd=cmd["cmd"], condition=e.condition)
        except asyncio.TimeoutError:
            emit("error", cmd=cmd["cmd"], condition="timeout")
        if cmd["cmd"] == "quit":
            return


def main():
    jid, password, host, port, ca_file = sys.argv[1:6]
    emit("version", slixmpp=slixmpp.__version__)
    xmpp = Client(jid, password, ca_file, sys.argv[6:] == ["sm"])
    xmpp.connect((host, int(port)))
    xmpp.loop.run_until_complete(commands(xmpp))


if __name__ == "__main__":
    main()
