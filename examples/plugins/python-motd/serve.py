"""The go-plugin side of a Switchboard plugin process.

What the core expects of every plugin process, whatever its language
(docs/plugins-other-languages.md): the cookie in the environment, mutual
TLS with a certificate of its own, the handshake line on stdout, the
health service, the broker on which the core offers the Host service, the
controller that stops the process and the stream that carries its stdout.
"""

import base64
import datetime
import io
import json
import logging
import os
import queue
import signal
import sys
import tempfile
import threading
from concurrent import futures

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from goplugin import grpc_broker_pb2_grpc
from goplugin import grpc_controller_pb2, grpc_controller_pb2_grpc
from goplugin import grpc_stdio_pb2, grpc_stdio_pb2_grpc
from health.v1 import health_pb2, health_pb2_grpc
import plugin_pb2_grpc

CORE_PROTOCOL_VERSION = 1  # go-plugin's own protocol
APP_PROTOCOL_VERSION = 1  # the contract's: Manifest.protocol_version
MAGIC_COOKIE_KEY = "SWITCHBOARD_PLUGIN"
MAGIC_COOKIE_VALUE = "b1e6f1f8-switchboard-xmpp-plugin"
MAX_MESSAGE_BYTES = 32 << 20
GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
]

log = logging.getLogger("python-motd")


class HclogFormatter(logging.Formatter):
    """Writes records as hclog's JSON lines, which the core logs under the
    plugin's name at their own level; other lines it logs at debug."""

    LEVELS = {"WARNING": "warn", "CRITICAL": "error"}

    def format(self, record):
        entry = {
            "@level": self.LEVELS.get(record.levelname, record.levelname.lower()),
            "@message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class Credentials:
    """AutoMTLS: the core sends its certificate in PLUGIN_CLIENT_CERT; the
    process makes one of its own, for "localhost", which the core learns
    from the handshake line. Each side trusts only the other's."""

    def __init__(self, core_cert):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), False)
            .sign(key, hashes.SHA256())
        )
        self.core_cert = core_cert
        self.cert = cert.public_bytes(serialization.Encoding.PEM)
        self.key = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # The handshake line carries the DER certificate in unpadded base64.
        der = cert.public_bytes(serialization.Encoding.DER)
        self.handshake = base64.b64encode(der).decode().rstrip("=")

    def server(self):
        return grpc.ssl_server_credentials(
            [(self.key, self.cert)], root_certificates=self.core_cert, require_client_auth=True
        )

    def channel(self):
        return grpc.ssl_channel_credentials(
            root_certificates=self.core_cert, private_key=self.key, certificate_chain=self.cert
        )


class Broker(grpc_broker_pb2_grpc.GRPCBrokerServicer):
    """go-plugin's broker. The core opens one stream to it and announces
    on it, by id, where it serves what it lends the plugin: the Host
    service's id comes in ConfigureRequest.host_broker_id."""

    def __init__(self, credentials):
        self._credentials = credentials
        self._offers = {}
        self._offered = threading.Condition()

    def StartStream(self, request_iterator, context):
        # The plugin dials only, it offers nothing: the answer stream stays
        # empty and open as long as the core's.
        try:
            for info in request_iterator:
                with self._offered:
                    self._offers[info.service_id] = info
                    self._offered.notify_all()
        except grpc.RpcError:
            pass  # the core closed the connection: nothing more to offer
        return iter(())

    def dial(self, service_id, timeout):
        """Returns a channel to what the core serves on service_id."""
        with self._offered:
            if not self._offered.wait_for(lambda: service_id in self._offers, timeout):
                raise TimeoutError(f"the core offered nothing on broker id {service_id}")
            info = self._offers.pop(service_id)
        target = f"unix:{info.address}" if info.network == "unix" else info.address
        if self._credentials is None:
            return grpc.insecure_channel(target, options=GRPC_OPTIONS)
        # The core's certificate names "localhost", whatever the address.
        options = GRPC_OPTIONS + [("grpc.ssl_target_name_override", "localhost")]
        return grpc.secure_channel(target, self._credentials.channel(), options=options)


class Controller(grpc_controller_pb2_grpc.GRPCControllerServicer):
    """Stops the process gracefully when the core asks."""

    def __init__(self, stopping):
        self._stopping = stopping

    def Shutdown(self, request, context):
        self._stopping.set()
        return grpc_controller_pb2.Empty()


class Stdio(io.TextIOBase, grpc_stdio_pb2_grpc.GRPCStdioServicer):
    """Stands in for stdout after the handshake: what the plugin prints
    reaches the core's log through this stream, as a Go plugin's does."""

    def __init__(self):
        super().__init__()
        self._chunks = queue.Queue()

    def writable(self):
        return True

    def write(self, text):
        self._chunks.put(text.encode())
        return len(text)

    def StreamStdio(self, request, context):
        context.add_callback(lambda: self._chunks.put(None))
        while (data := self._chunks.get()) is not None:
            yield grpc_stdio_pb2.StdioData(channel=grpc_stdio_pb2.StdioData.STDOUT, data=data)


class Health(health_pb2_grpc.HealthServicer):
    """gRPC health checking: go-plugin asks about the service "plugin"."""

    def Check(self, request, context):
        if request.service not in ("", "plugin"):
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


def watch_parent(stopping):
    """Stops the plugin when the server that started it is gone (killed
    before it could stop its plugins): the process is re-parented."""
    parent = os.getppid()
    while not stopping.wait(1):
        if os.getppid() != parent:
            log.warning("the server that started this plugin is gone; exiting")
            stopping.set()


def serve(make_plugin):
    """Serves the Plugin servicer that make_plugin(broker) returns until
    the core stops the process; returns the exit status."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        print("This is a Switchboard plugin: the server runs it (plugins.NAME.path "
              "in its configuration); it is not run by hand.", file=sys.stderr)
        return 1
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(HclogFormatter())
    logging.basicConfig(level=logging.DEBUG, handlers=[handler])
    offered = os.environ.get("PLUGIN_PROTOCOL_VERSIONS", str(APP_PROTOCOL_VERSION)).split(",")
    if str(APP_PROTOCOL_VERSION) not in offered:
        log.error("the server speaks none of this plugin's protocol versions",
                  extra={"fields": {"server": offered, "plugin": APP_PROTOCOL_VERSION}})
        return 1
    # The core's Ctrl-C reaches the whole process group; it stops its
    # plugins itself, in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    core_cert = os.environ.get("PLUGIN_CLIENT_CERT")
    credentials = Credentials(core_cert.encode()) if core_cert else None
    stopping = threading.Event()
    broker = Broker(credentials)
    stdio = Stdio()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32), options=GRPC_OPTIONS)
    plugin_pb2_grpc.add_PluginServicer_to_server(make_plugin(broker), server)
    grpc_broker_pb2_grpc.add_GRPCBrokerServicer_to_server(broker, server)
    grpc_controller_pb2_grpc.add_GRPCControllerServicer_to_server(Controller(stopping), server)
    grpc_stdio_pb2_grpc.add_GRPCStdioServicer_to_server(stdio, server)
    health_pb2_grpc.add_HealthServicer_to_server(Health(), server)

    socket_dir = tempfile.mkdtemp(prefix="plugin", dir=os.environ.get("PLUGIN_UNIX_SOCKET_DIR"))
    address = os.path.join(socket_dir, "plugin.sock")
    if credentials:
        server.add_secure_port(f"unix:{address}", credentials.server())
    else:
        server.add_insecure_port(f"unix:{address}")
    server.start()
    line = [CORE_PROTOCOL_VERSION, APP_PROTOCOL_VERSION, "unix", address, "grpc"]
    if credentials:
        line.append(credentials.handshake)
    print("|".join(map(str, line)), flush=True)
    sys.stdout = stdio

    threading.Thread(target=watch_parent, args=(stopping,), daemon=True).start()
    stopping.wait()
    # In-flight calls, the Shutdown call among them, get a second to end.
    server.stop(grace=1).wait()
    try:
        os.remove(address)
        os.rmdir(socket_dir)
    except OSError:
        pass
    return 0
