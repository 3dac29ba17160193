"""python-motd's Plugin service: a message of the day on login, and a
note per user kept through the Host's store, which the user reads and
writes with an IQ of the plugin's own namespace."""

import json
import logging
import queue
import threading
import time
import xml.etree.ElementTree as ET
from concurrent import futures

import grpc

import plugin_pb2 as pb
import plugin_pb2_grpc
from serve import APP_PROTOCOL_VERSION

NS = "urn:example:python-motd"
NOTE_KEY = "note"
MAX_NOTE_CHARS = 1000
BROKER_TIMEOUT = 10  # seconds for the core to offer the Host service

log = logging.getLogger("python-motd")


class StanzaError(Exception):
    """An error the sender of a request gets (RFC 6120 §8.3)."""

    def __init__(self, condition, text="", kind="modify"):
        super().__init__(text or condition)
        self.proto = pb.StanzaError(type=kind, condition=condition, text=text)


def bare(jid):
    """The bare JID of a full one (RFC 7622)."""
    return jid.split("/", 1)[0]


def element(tag, text=None):
    """A child element in the plugin's namespace, declared as the default
    one rather than with a prefix, as XMPP clients expect it."""
    el = ET.Element(tag, xmlns=NS)
    el.text = text
    return el


def stanza(tag, child=None, **attrs):
    """A serialized stanza in the implied jabber:client namespace; from_
    stands for the attribute 'from', a Python keyword."""
    el = ET.Element(tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if child is not None:
        el.append(child)
    return ET.tostring(el)


class Motd(plugin_pb2_grpc.PluginServicer):
    """The Plugin service. The Host service is reached through broker once
    Configure names its id."""

    def __init__(self, broker):
        self._broker = broker
        self._lock = threading.Lock()
        self._host = None
        self._channel = None
        self._domain = ""
        self._message = ""
        self._greeted = set()  # session ids, forgotten when the session closes
        self._cancelled = set()  # HandleRequest ids the core gave up on
        self._pool = futures.ThreadPoolExecutor(max_workers=8)

    def Describe(self, request, context):
        return pb.Manifest(
            name="python-motd",
            version="0.1.0",
            protocol_version=APP_PROTOCOL_VERSION,
            routes=[pb.Route(kind=pb.KIND_IQ, namespace=NS, types=["get", "set"],
                             addressing=pb.ADDRESSING_SERVER)],
            events=[pb.EVENT_KIND_SESSION_AVAILABLE, pb.EVENT_KIND_SESSION_CLOSED],
            features=[NS],
            # Nothing beyond its own routes and data: "share" sends as the
            # user, which the core refuses without send_as_users.
            capabilities=[],
        )

    def Configure(self, request, context):
        try:
            message = parse_config(request.config_json)
        except ValueError as e:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
        try:
            channel = self._broker.dial(request.host_broker_id, BROKER_TIMEOUT)
        except TimeoutError as e:
            context.abort(grpc.StatusCode.UNAVAILABLE, str(e))
        with self._lock:
            old, self._channel = self._channel, channel
            self._host = plugin_pb2_grpc.HostStub(channel)
            self._domain, self._message = request.domain, message
        if old is not None:
            old.close()
        return pb.ConfigureResponse()

    def Events(self, request, context):
        for ev in request.events:
            if ev.kind == pb.EVENT_KIND_SESSION_AVAILABLE:
                self._greet(ev)
            elif ev.kind == pb.EVENT_KIND_SESSION_CLOSED:
                with self._lock:
                    self._greeted.discard(ev.session_id)
        return pb.EventResponse()

    def HandleStream(self, request_iterator, context):
        """Answers each request on the stream as soon as it is done, in any
        order, so that a slow one holds up no other."""
        results = queue.Queue()
        # However the stream ends, the loop below ends with it: a handler
        # thread left waiting would keep the process from exiting.
        context.add_callback(lambda: results.put(None))

        def read():
            try:
                for req in request_iterator:
                    if req.cancel:
                        self._cancelled.add(req.id)
                    else:
                        self._pool.submit(lambda r=req: results.put(self._handle(r)))
            except grpc.RpcError:
                pass  # the core went away: the callback ends the stream
            finally:
                results.put(None)

        threading.Thread(target=read, daemon=True).start()
        while (result := results.get()) is not None:
            if result.id in self._cancelled:
                self._cancelled.discard(result.id)
                continue
            yield result

    def _handle(self, req):
        env = req.envelope
        timeout = None
        if req.deadline_unix_nano:
            timeout = max(req.deadline_unix_nano - time.time_ns(), 0) / 1e9
        try:
            iq = ET.fromstring(env.stanza)
            replies = self._answer(iq, env, timeout)
            return pb.HandleResult(id=req.id, response=pb.HandleResponse(replies=replies))
        except StanzaError as e:
            return pb.HandleResult(id=req.id, error=e.proto)
        except ET.ParseError as e:
            return pb.HandleResult(id=req.id, error=StanzaError("bad-request", str(e)).proto)
        except grpc.RpcError as e:
            fields = {"from": getattr(env, "from"), "error": e.details()}
            log.error("calling the host", extra={"fields": fields})
        except Exception:  # a bug: the sender still gets an answer
            log.exception("handling a request", extra={"fields": {"from": getattr(env, "from")}})
        error = StanzaError("internal-server-error", kind="wait")
        return pb.HandleResult(id=req.id, error=error.proto)

    def _answer(self, iq, env, timeout):
        sender = getattr(env, "from")  # "from" is a Python keyword
        owner = bare(sender)
        note = iq.find(f"{{{NS}}}note")
        share = iq.find(f"{{{NS}}}share")
        kind = iq.get("type")
        host = self._host_stub()
        if kind == "get" and note is not None:
            text = self._note(host, owner, timeout)
            return [self._result(iq, env, element("note", text or None))]
        if kind == "set" and note is not None:
            text = (note.text or "").strip()
            if len(text) > MAX_NOTE_CHARS:
                raise StanzaError("not-acceptable",
                                  f"a note has at most {MAX_NOTE_CHARS} characters")
            if text:
                put = pb.StorePutRequest(owner=owner, key=NOTE_KEY, value=text.encode())
                host.StorePut(put, timeout=timeout)
            else:
                host.StoreDelete(pb.StoreKey(owner=owner, key=NOTE_KEY), timeout=timeout)
            return [self._result(iq, env)]
        if kind == "set" and share is not None and share.get("to"):
            self._share(host, sender, share.get("to"), self._note(host, owner, timeout), timeout)
            return [self._result(iq, env)]
        raise StanzaError("bad-request", f"expected <note/> or <share to=''/> in {NS}")

    def _share(self, host, sender, to, text, timeout):
        """Sends the note to a contact as the user: the core refuses it to a
        plugin without the send_as_users capability, as this one is."""
        if not text:
            raise StanzaError("item-not-found", "no note to share", kind="cancel")
        body = ET.Element("body")
        body.text = text
        msg = stanza("message", body, from_=sender, to=to, type="chat")
        try:
            host.Send(pb.SendRequest(stanza=msg), timeout=timeout)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.PERMISSION_DENIED:
                raise
            raise StanzaError("forbidden", e.details(), kind="auth") from e

    def _result(self, iq, env, child=None):
        return stanza("iq", child, type="result", id=iq.get("id", ""),
                      to=getattr(env, "from"), from_=env.to or self._domain)

    def _note(self, host, owner, timeout):
        value = host.StoreGet(pb.StoreKey(owner=owner, key=NOTE_KEY), timeout=timeout)
        return value.value.decode() if value.found else ""

    def _host_stub(self):
        with self._lock:
            if self._host is None:
                raise StanzaError("internal-server-error", "not configured yet", kind="wait")
            return self._host

    def _greet(self, ev):
        """Sends the message of the day, and the user's note if there is
        one, once per session."""
        with self._lock:
            if ev.session_id in self._greeted:
                return
            self._greeted.add(ev.session_id)
            host, domain, text = self._host, self._domain, self._message
        if host is None:
            return  # events follow Configure; nothing to send with before
        try:
            note = self._note(host, bare(ev.jid), None)
            if note:
                text = f"{text}\nYour note: {note}"
            body = ET.Element("body")
            body.text = text
            msg = stanza("message", body, from_=domain, to=ev.jid, type="headline")
            host.Send(pb.SendRequest(stanza=msg))
        except grpc.RpcError as e:
            with self._lock:
                self._greeted.discard(ev.session_id)  # a later presence may try again
            log.warning("sending the message of the day",
                        extra={"fields": {"jid": ev.jid, "error": e.details()}})


def parse_config(raw):
    """Returns the message from the plugin's config section (JSON)."""
    try:
        config = json.loads(raw or b"null") or {}
    except json.JSONDecodeError as e:
        raise ValueError(f"config is not JSON: {e}") from e
    if not isinstance(config, dict):
        raise ValueError("config must be a mapping")
    unknown = sorted(set(config) - {"message"})
    if unknown:
        raise ValueError(f"unknown config keys {unknown}")
    message = config.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ValueError("message is required and must not be blank")
    return message
