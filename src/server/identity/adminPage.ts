/**
 * The admin page at /admin/: spend by editor and by project, failed steps with redrive buttons,
 * tokens with revoke buttons, budgets.
 * Plain HTML and JavaScript against /v1/admin/* (no build step, no framework). The admin pastes
 * their own token; it stays in this tab's sessionStorage and goes out only as a Bearer header to
 * this same service. Every value from the service is written with textContent, never as HTML.
 */
export const ADMIN_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Retake — admin</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ddd; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  #error { color: #b00020; white-space: pre-wrap; } .muted { color: #777; }
  form { display: flex; gap: .5rem; flex-wrap: wrap; align-items: end; margin: .5rem 0; }
  label { display: flex; flex-direction: column; font-size: 12px; color: #555; }
</style>
</head>
<body>
<h1>Retake — admin</h1>
<form id="signin">
  <label>Your admin token <input id="token" type="password" size="50" autocomplete="off" placeholder="rtk_…"></label>
  <button type="submit">Show</button>
  <span class="muted">Kept in this tab only.</span>
</form>
<p id="error" role="alert"></p>

<h2>Spend</h2>
<form id="range">
  <label>From (UTC day) <input id="from" type="date"></label>
  <label>To <input id="to" type="date"></label>
  <button type="submit">Update</button>
  <span id="total" class="muted"></span>
</form>
<h3>By editor</h3>
<table><thead><tr><th>Editor</th><th class="num">Jobs</th><th class="num">USD</th></tr></thead><tbody id="byEditor"></tbody></table>
<h3>By project</h3>
<table><thead><tr><th>Project</th><th class="num">Jobs</th><th class="num">USD</th></tr></thead><tbody id="byProject"></tbody></table>

<h2>Failed steps</h2>
<p class="muted">Steps the studio service gave up on after their retries. Redrive runs one again: its take goes on from where it was (a generation already sent is not paid again).</p>
<p id="noFailed" class="muted" hidden>Nothing has failed: no step is waiting for you.</p>
<table id="failedTable"><thead><tr><th>Failed</th><th>Editor</th><th>Project</th><th>Prompt</th><th>Step</th><th class="num">Attempts</th><th>Error</th><th></th></tr></thead><tbody id="failed"></tbody></table>

<h2>Tokens</h2>
<p class="muted" id="linking">A user you make by email (ana@studio.com) is linked to the first studio account that signs in
with that email in the browser, but only when the identity provider vouches for the email: <code>email_verified</code> in its
ID token (Google, Okta), Entra ID's optional <code>xms_edov</code> claim, or a domain you listed in
RETAKE_OIDC_TRUSTED_EMAIL_DOMAINS. Anyone else is refused and told to ask you (docs/team.md, "Which emails Retake trusts").</p>
<table><thead><tr><th>Editor</th><th>Label</th><th>Created</th><th>Last used</th><th>State</th><th></th></tr></thead><tbody id="tokens"></tbody></table>

<h2>Budgets</h2>
<table><thead><tr><th>Scope</th><th>For</th><th>Period</th><th class="num">Limit USD</th><th></th></tr></thead><tbody id="budgets"></tbody></table>
<form id="budget">
  <label>Scope <select id="bScope"><option value="studio">studio</option><option value="project">project</option><option value="user">editor</option></select></label>
  <label>Project or editor <input id="bKey" list="people" placeholder="(studio: leave empty)"></label>
  <datalist id="people"></datalist>
  <label>Period <select id="bPeriod"><option value="day">day</option><option value="month">month</option></select></label>
  <label>Limit USD <input id="bLimit" type="number" min="0" step="0.01" required></label>
  <button type="submit">Set budget</button>
</form>

<script>
"use strict";
var users = [];
var $ = function (id) { return document.getElementById(id); };
$("token").value = sessionStorage.getItem("retakeAdminToken") || "";

function api(method, path, body) {
  var init = { method: method, headers: { Authorization: "Bearer " + $("token").value.trim() } };
  if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  return fetch(path, init).then(function (res) {
    if (res.status === 204) return null;
    return res.json().then(function (data) {
      if (!res.ok) throw new Error((data && data.error && data.error.message) || ("HTTP " + res.status));
      return data;
    });
  });
}
function cell(row, text, cls) { var td = document.createElement("td"); td.textContent = text == null ? "" : String(text); if (cls) td.className = cls; row.appendChild(td); return td; }
function fill(id, items, render) { var body = $(id); body.textContent = ""; items.forEach(function (item) { var tr = document.createElement("tr"); render(tr, item); body.appendChild(tr); }); }
function usd(n) { return n.toFixed(n < 1 ? 3 : 2); }
function when(iso) { return iso ? iso.replace("T", " ").slice(0, 16) + " UTC" : "never"; }
function userName(id) { for (var i = 0; i < users.length; i++) if (users[i].id === id) return users[i].name; return id; }
function fail(err) { $("error").textContent = err.message; }

function loadSpend() {
  var q = [];
  if ($("from").value) q.push("from=" + $("from").value);
  if ($("to").value) q.push("to=" + $("to").value);
  return api("GET", "/v1/admin/spend" + (q.length ? "?" + q.join("&") : "")).then(function (s) {
    $("from").value = s.from; $("to").value = s.to;
    $("total").textContent = "Total " + usd(s.totalUsd) + " USD";
    fill("byEditor", s.byEditor, function (tr, e) { cell(tr, e.name); cell(tr, e.jobs, "num"); cell(tr, usd(e.usd), "num"); });
    fill("byProject", s.byProject, function (tr, p) { cell(tr, p.project); cell(tr, p.jobs, "num"); cell(tr, usd(p.usd), "num"); });
  });
}
function loadTokens() {
  return api("GET", "/v1/admin/tokens").then(function (t) {
    fill("tokens", t.tokens, function (tr, k) {
      cell(tr, k.userName); cell(tr, k.label); cell(tr, when(k.createdAt)); cell(tr, when(k.lastUsedAt));
      cell(tr, k.revokedAt ? "revoked " + when(k.revokedAt) : "live");
      var td = cell(tr, "");
      if (!k.revokedAt) {
        var b = document.createElement("button"); b.textContent = "Revoke";
        b.onclick = function () {
          if (!confirm("Revoke " + k.userName + "'s token \\"" + k.label + "\\"? Whatever uses it stops working at once.")) return;
          api("POST", "/v1/admin/tokens/" + encodeURIComponent(k.id) + "/revoke").then(loadTokens).catch(fail);
        };
        td.appendChild(b);
      }
    });
  });
}
function loadFailed() {
  return api("GET", "/v1/admin/dead-letters").then(function (d) {
    var none = d.deadLetters.length === 0;
    $("noFailed").hidden = !none; $("failedTable").hidden = none;
    fill("failed", d.deadLetters, function (tr, f) {
      cell(tr, when(f.failedAt)); cell(tr, f.editor ? f.editor.name : "(not signed in)"); cell(tr, f.project); cell(tr, f.prompt);
      cell(tr, f.kind === "take" ? "take " + f.takeId + (f.takeState ? " (" + f.takeState + ")" : "") : f.kind + " of " + f.jobId);
      cell(tr, f.attempts, "num"); cell(tr, f.error);
      var b = document.createElement("button"); b.textContent = "Redrive";
      b.onclick = function () {
        b.disabled = true;
        api("POST", "/v1/admin/dead-letters/" + encodeURIComponent(f.id) + "/redrive").then(loadFailed).catch(function (err) { b.disabled = false; fail(err); });
      };
      cell(tr, "").appendChild(b);
    });
  });
}
function loadBudgets() {
  return api("GET", "/v1/admin/budgets").then(function (b) {
    fill("budgets", b.budgets, function (tr, x) {
      cell(tr, x.scope === "user" ? "editor" : x.scope); cell(tr, x.scope === "user" ? userName(x.key) : x.key); cell(tr, x.period); cell(tr, usd(x.limitUsd), "num");
      var b2 = document.createElement("button"); b2.textContent = "Remove";
      b2.onclick = function () {
        api("DELETE", "/v1/admin/budgets?scope=" + x.scope + "&key=" + encodeURIComponent(x.key) + "&period=" + x.period).then(loadBudgets).catch(fail);
      };
      cell(tr, "").appendChild(b2);
    });
  });
}
function loadAll() {
  $("error").textContent = "";
  sessionStorage.setItem("retakeAdminToken", $("token").value.trim());
  return api("GET", "/v1/admin/users").then(function (u) {
    users = u.users;
    var list = $("people"); list.textContent = "";
    users.forEach(function (x) { var o = document.createElement("option"); o.value = x.name; list.appendChild(o); });
    return Promise.all([loadSpend(), loadFailed(), loadTokens(), loadBudgets()]);
  }).catch(fail);
}
$("signin").onsubmit = function (e) { e.preventDefault(); loadAll(); };
$("range").onsubmit = function (e) { e.preventDefault(); loadSpend().catch(fail); };
$("budget").onsubmit = function (e) {
  e.preventDefault();
  var scope = $("bScope").value, key = $("bKey").value.trim();
  if (scope === "studio") key = "";
  if (scope === "user") { var match = users.filter(function (x) { return x.name === key || x.id === key; })[0]; if (!match) { fail(new Error("No editor named " + key)); return; } key = match.id; }
  api("PUT", "/v1/admin/budgets", { scope: scope, key: key, period: $("bPeriod").value, limitUsd: Number($("bLimit").value) }).then(loadBudgets).catch(fail);
};
if ($("token").value) loadAll();
</script>
</body>
</html>
`;
