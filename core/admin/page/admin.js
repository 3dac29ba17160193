// The admin page: every action is a call to the JSON API beside it. The
// credentials stay in this page's memory; reloading the page logs out.
"use strict";

let auth = null;

const $ = (id) => document.getElementById(id);

function showError(msg) {
  $("error").textContent = msg;
  $("error").hidden = !msg;
}

async function api(method, path, body) {
  const opts = { method, headers: { Authorization: auth } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  const data = await resp.json().catch(() => ({ error: resp.statusText }));
  if (!resp.ok) {
    throw new Error(data.error || resp.statusText);
  }
  return data;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", () => run(onClick));
  return b;
}

async function run(fn) {
  try {
    showError("");
    await fn();
  } catch (e) {
    showError(e.message);
  }
}

async function refresh() {
  const [status, sessions, users, plugins] = await Promise.all([
    api("GET", "/api/status"), api("GET", "/api/sessions"),
    api("GET", "/api/users"), api("GET", "/api/plugins"),
  ]);
  const dl = $("status");
  dl.replaceChildren();
  for (const [k, v] of Object.entries(status)) {
    const dt = document.createElement("dt");
    dt.textContent = k.replaceAll("_", " ");
    const dd = document.createElement("dd");
    dd.textContent = k === "uptime_seconds" ? Math.round(v) : v;
    dl.append(dt, dd);
  }
  const sbody = $("sessions").tBodies[0];
  sbody.replaceChildren();
  for (const s of sessions.sessions) {
    const tr = sbody.insertRow();
    tr.dataset.jid = s.jid;
    cell(tr, s.jid);
    cell(tr, s.address);
    cell(tr, new Date(s.since).toLocaleString());
    cell(tr, s.secure ? "yes" : "no");
    cell(tr, "").appendChild(button("Kick", async () => {
      await api("POST", "/api/sessions/kick", { jid: s.jid });
      await refresh();
    })).className = "kick";
  }
  const ul = $("users");
  ul.replaceChildren();
  for (const u of users.users) {
    const li = document.createElement("li");
    li.textContent = u + " ";
    li.appendChild(button("Delete", async () => {
      if (!confirm("Delete " + u + " and all the account's data?")) return;
      await api("DELETE", "/api/users/" + encodeURIComponent(u));
      await refresh();
    }));
    ul.appendChild(li);
  }
  const pbody = $("plugins").tBodies[0];
  pbody.replaceChildren();
  for (const p of plugins.plugins) {
    const tr = pbody.insertRow();
    cell(tr, p.name);
    cell(tr, p.state);
    cell(tr, p.restarts);
    const action = p.enabled ? "disable" : "enable";
    cell(tr, "").appendChild(button(action[0].toUpperCase() + action.slice(1), async () => {
      await api("POST", "/api/plugins/" + encodeURIComponent(p.name) + "/" + action);
      await refresh();
    }));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", (ev) => {
    ev.preventDefault();
    run(async () => {
      const token = $("login-token").value;
      const user = $("login-user").value;
      auth = token ? "Bearer " + token
        : "Basic " + btoa(String.fromCharCode(...new TextEncoder().encode(user + ":" + $("login-password").value)));
      try {
        await refresh();
      } catch (e) {
        auth = null;
        throw e;
      }
      $("who").textContent = token ? "the token's bearer" : user;
      $("login").hidden = true;
      $("admin").hidden = false;
    });
  });
  $("logout").addEventListener("click", () => location.reload());
  $("refresh").addEventListener("click", () => run(refresh));
  $("create").addEventListener("submit", (ev) => {
    ev.preventDefault();
    run(async () => {
      const r = await api("POST", "/api/users", { username: $("new-user").value, password: $("new-password").value });
      $("created").textContent = "Created " + r.jid + ".";
      $("new-user").value = "";
      $("new-password").value = "";
      await refresh();
    });
  });
  $("announce").addEventListener("submit", (ev) => {
    ev.preventDefault();
    run(async () => {
      const r = await api("POST", "/api/broadcast", { message: $("message").value });
      $("announced").textContent = "Sent to " + r.delivered + " sessions.";
      $("message").value = "";
    });
  });
});
