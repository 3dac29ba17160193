// Drives xmpp.js (@xmpp/client) against the server for test/e2e
// (xmppjs_test.go): a password login through SASL2 with Bind2, stream
// management and a FAST token request; a dropped connection that
// xmpp.js brings back with the token and resumes inline; then a new
// client that logs in with the token alone. Each step is one JSON line
// on stdout.
//
// Usage: node fast.mjs SERVICE DOMAIN USER PASSWORD
import { client, xml } from "@xmpp/client";

const [service, domain, username, password] = process.argv.slice(2);
const out = (event, fields = {}) => console.log(JSON.stringify({ event, ...fields }));
const userAgent = xml("user-agent", { id: "9a2b5a2e-3c44-4e0b-9c5d-6f1f0c1e7a11" }, xml("software", {}, "xmpp.js test"));

let token = null;

function make(credentials) {
  const xmpp = client({ service, domain, resource: "xmppjs", userAgent, ...credentials });
  xmpp.fast.saveToken = async (t) => {
    token = t;
    out("token", { mechanism: t.mechanism, expiry: t.expiry });
  };
  xmpp.fast.fetchToken = async () => token;
  xmpp.on("error", (err) => out("error", { text: String(err) }));
  xmpp.on("send", (el) => {
    if (el.is("authenticate", "urn:xmpp:sasl:2")) {
      out("authenticate", { mechanism: el.attrs.mechanism, inline: el.getChildElements().map((c) => c.name) });
    }
  });
  xmpp.on("element", (el) => {
    if (el.is("success", "urn:xmpp:sasl:2")) {
      out("success", { children: el.getChildElements().map((c) => c.name), jid: el.getChildText("authorization-identifier") });
    }
  });
  return xmpp;
}

async function ping(xmpp) {
  await xmpp.iqCaller.request(xml("iq", { type: "get", to: domain }, xml("ping", { xmlns: "urn:xmpp:ping" })), 10_000);
}

const once = (emitter, name) => new Promise((resolve) => emitter.once(name, resolve));
const timeout = setTimeout(() => {
  out("error", { text: "timed out" });
  process.exit(1);
}, 60_000);

const first = make({ username, password });
const online = once(first, "online");
await first.start();
const jid = await online;
out("online", { jid: jid.toString(), sm: first.streamManagement.enabled, smID: first.streamManagement.id });
await ping(first);

// A network failure: xmpp.js reconnects by itself, with the token, and
// resumes the session inline.
const resumed = once(first.streamManagement, "resumed");
first.socket.socket.destroy(); // the TLS socket under xmpp.js's
await resumed;
out("resumed", { jid: first.jid.toString() });
await ping(first);
await first.stop();

// A new start of the app: only the token is kept.
const second = make({ username });
const online2 = once(second, "online");
await second.start();
out("online", { jid: (await online2).toString(), sm: second.streamManagement.enabled });
await ping(second);
await second.stop();
clearTimeout(timeout);
out("done");
