// Turnpike dashboard: plain JS, no build step. Every data call carries the admin token entered once
// (kept in sessionStorage); the current page is refreshed every 2 s.
(function () {
  "use strict";
  const TOKEN_KEY = "turnpike.adminToken";
  const POLL_MS = 2000;
  const PAGES = ["overview", "services", "routes", "consumers", "alerts", "config"];
  const charts = {};
  let timer = null;
  let busy = false;

  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const fmt = (n, digits) => (n == null || isNaN(n)) ? "–" : Number(n).toLocaleString("en-US",
    { maximumFractionDigits: digits == null ? 1 : digits });
  const pct = (r) => (r == null || isNaN(r)) ? "–" : fmt(r * 100, 2) + "%";
  const ms = (v) => (v == null || isNaN(v)) ? "–" : fmt(v, v < 10 ? 2 : 0) + " ms";

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers = Object.assign({ "Authorization": "Bearer " + token() }, opts.headers);
    const res = await fetch(path, opts);
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin("The token was refused (401). Enter the token of admin.token.");
      throw new Error("unauthorized");
    }
    const type = res.headers.get("content-type") || "";
    const body = type.includes("json") ? await res.json() : await res.text();
    if (!res.ok) throw new Error((body && body.detail) || ("HTTP " + res.status));
    return body;
  }

  // ---- login

  function showLogin(message) {
    $("app").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("token-error").textContent = message || "";
    if (timer) { clearInterval(timer); timer = null; }
  }

  async function tryToken(t) {
    const res = await fetch("/admin/alerts", { headers: { "Authorization": "Bearer " + t } });
    return res.status !== 401;
  }

  $("token-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const t = $("token-input").value.trim();
    if (!(await tryToken(t))) {
      $("token-error").textContent = "That token was refused.";
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, t);
    $("token-input").value = "";
    start();
  });

  $("logout").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin("");
  });

  function start() {
    $("login").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = false;
    route();
    if (!timer) timer = setInterval(refresh, POLL_MS);
  }

  // ---- pages

  function page() {
    const p = (location.hash || "#overview").slice(1);
    return PAGES.includes(p) ? p : "overview";
  }

  function route() {
    const p = page();
    PAGES.forEach((name) => {
      $("page-" + name).classList.toggle("active", name === p);
      $("nav-" + name).classList.toggle("active", name === p);
    });
    refresh();
  }
  window.addEventListener("hashchange", route);

  async function refresh() {
    if (token() === null || busy) return;
    busy = true;
    try {
      await ({ overview, services, routes, consumers, alerts, config })[page()]();
      await alertBadge();
      $("status").textContent = "updated " + new Date().toLocaleTimeString();
    } catch (e) {
      if (e.message !== "unauthorized") $("status").textContent = "error: " + e.message;
    } finally {
      busy = false;
    }
  }

  function table(el, head, rows, empty) {
    const h = "<thead><tr>" + head.map((c) => c.startsWith("#")
      ? '<th class="num">' + esc(c.slice(1)) + "</th>" : "<th>" + esc(c) + "</th>").join("") + "</tr></thead>";
    const b = rows.length ? rows.map((r) => "<tr>" + r.map((cell, i) => head[i].startsWith("#")
      ? '<td class="num">' + cell + "</td>" : "<td>" + cell + "</td>").join("") + "</tr>").join("")
      : '<tr><td class="empty" colspan="' + head.length + '">' + esc(empty || "nothing yet") + "</td></tr>";
    el.innerHTML = h + "<tbody>" + b + "</tbody>";
  }

  function chart(id, label, xs, ys, color) {
    const el = $(id);
    const data = [xs, ys];
    const width = Math.max(240, el.clientWidth || 360);
    if (!charts[id] || charts[id].width !== width) {
      if (charts[id]) charts[id].plot.destroy();
      const plot = new uPlot({
        width: width, height: 200,
        scales: { x: { time: true } },
        legend: { show: false },
        series: [{}, { label: label, stroke: color, width: 2, fill: color + "22", spanGaps: true,
          points: { show: true, size: 4 } }],
        axes: [{}, { size: 50 }]
      }, data, el);
      charts[id] = { plot: plot, width: width };
    } else {
      charts[id].plot.setData(data);
    }
  }

  async function overview() {
    const [r, c] = await Promise.all([
      api("/admin/analytics?by=route&window=15m&top=8"),
      api("/admin/analytics?by=consumer&window=15m&top=8")]);
    const xs = r.series.map((p) => p.t / 1000);
    chart("chart-rps", "req/s", xs, r.series.map((p) => p.rps), "#2563eb");
    chart("chart-errors", "error %", xs, r.series.map((p) => p.calls ? p.errorRate * 100 : null), "#c2410c");
    chart("chart-p99", "p99 ms", xs, r.series.map((p) => p.calls ? p.p99Ms : null), "#7c3aed");
    const last = r.series.length > 1 ? r.series[r.series.length - 2] : r.series[0];
    $("stat-rps").textContent = last ? fmt(last.rps, 1) : "–";
    $("stat-calls").textContent = fmt(r.totals.calls, 0);
    $("stat-errors").textContent = r.totals.calls ? pct(r.totals.errorRate) : "–";
    $("stat-p99").textContent = r.totals.calls ? ms(r.totals.p99Ms) : "–";
    const keyRows = (rep) => rep.keys.map((k) => [esc(k.key), fmt(k.totals.calls, 0), fmt(k.totals.rps, 2),
      pct(k.totals.errorRate), ms(k.totals.p99Ms)]);
    table($("top-routes"), ["Route", "#Calls", "#Req/s", "#Errors", "#p99"], keyRows(r), "no traffic in the last 15 minutes");
    table($("top-consumers"), ["Consumer", "#Calls", "#Req/s", "#Errors", "#p99"], keyRows(c), "no authenticated traffic in the last 15 minutes");
  }

  function breakerLabel(state) {
    if (state === "open" || state === "forced-open") return '<span class="pill bad">' + esc(state) + " (traffic stopped)</span>";
    if (state === "half-open") return '<span class="pill warn">half-open (probe calls only)</span>';
    return '<span class="pill good">' + esc(state) + " (traffic flows)</span>";
  }

  function healthLabel(h) {
    return '<span class="pill ' + (h === "healthy" ? "good" : "bad") + '">' + esc(h) + "</span>";
  }

  async function services() {
    const list = await api("/admin/services");
    const ids = Object.keys(list);
    const details = await Promise.all(ids.map((id) => Promise.all([
      api("/admin/services/" + encodeURIComponent(id) + "/nodes"),
      api("/admin/services/" + encodeURIComponent(id) + "/circuit")])));
    const root = $("services");
    ids.forEach((id, i) => {
      const [nodes, circuit] = details[i];
      let card = document.querySelector('[data-service-card="' + CSS.escape(id) + '"]');
      if (!card) {
        card = document.createElement("div");
        card.className = "card";
        card.setAttribute("data-service-card", id);
        card.innerHTML = "<h3>Service " + esc(id) + "</h3>"
          + '<div class="breaker">Breaker: <span data-breaker="' + esc(id) + '"></span>'
          + '<input data-reason="' + esc(id) + '" placeholder="reason (shown in the breaker history)">'
          + '<button class="danger" data-action="open" data-service="' + esc(id) + '">Open (stop traffic)</button>'
          + '<button data-action="closed" data-service="' + esc(id) + '">Close (let traffic flow)</button>'
          + '<button data-action="auto" data-service="' + esc(id) + '">Auto</button></div>'
          + '<table data-nodes="' + esc(id) + '"></table>';
        root.appendChild(card);
      }
      card.querySelector("[data-breaker]").innerHTML = breakerLabel(circuit.state);
      table(card.querySelector("[data-nodes]"), ["Node", "Health", "Breaker", "#In flight", "#Requests", "#Failures",
        "#EWMA latency", "#Success rate"], nodes.map((n) => [esc(n.url), healthLabel(n.health), breakerLabel(n.breaker),
        fmt(n.inFlight, 0), fmt(n.requests, 0), fmt(n.failures, 0), ms(n.ewmaTotalMs),
        n.successRate == null ? "–" : pct(n.successRate)]), "no nodes");
    });
    root.querySelectorAll("[data-service-card]").forEach((card) => {
      if (!ids.includes(card.getAttribute("data-service-card"))) card.remove();
    });
  }

  document.addEventListener("click", async (e) => {
    const b = e.target.closest("button[data-action]");
    if (!b) return;
    const id = b.getAttribute("data-service");
    const reasonEl = document.querySelector('[data-reason="' + CSS.escape(id) + '"]');
    const reason = (reasonEl && reasonEl.value.trim()) || "from the dashboard";
    try {
      await api("/admin/services/" + encodeURIComponent(id) + "/circuit", {
        method: "PUT", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ state: b.getAttribute("data-action"), reason: reason })
      });
      await services();
    } catch (err) {
      $("status").textContent = "error: " + err.message;
    }
  });

  async function routes() {
    const [r, configured] = await Promise.all([api("/admin/analytics?by=route&window=1h"), api("/admin/routes")]);
    const seen = new Set(r.keys.map((k) => k.key));
    const rows = r.keys.map((k) => [esc(k.key), fmt(k.totals.calls, 0), fmt(k.totals.rps, 3), fmt(k.totals.errors, 0),
      pct(k.totals.errorRate), fmt(k.totals.limited, 0), ms(k.totals.p50Ms), ms(k.totals.p99Ms), ms(k.totals.maxMs)]);
    configured.forEach((route) => {
      if (!seen.has(route.id)) rows.push([esc(route.id), "0", "0", "0", "–", "0", "–", "–", "–"]);
    });
    table($("routes"), ["Route", "#Calls", "#Req/s", "#Errors", "#Error rate", "#429s", "#p50", "#p99", "#max"], rows,
      "no routes");
  }

  async function consumers() {
    const c = await api("/admin/analytics/consumers?window=1h");
    $("metering-note").hidden = c.metering;
    table($("consumers"), ["Consumer", "#Calls", "#Errors", "#p99", "Plan", "#Used", "#Quota", "#Quota used", "#Bill"],
      c.consumers.map((row) => {
        const t = row.traffic || {};
        const u = row.usage;
        return [esc(row.consumer), fmt(t.calls, 0), fmt(t.errors, 0), ms(t.p99Ms),
          u ? esc(u.plan) : "–", u ? fmt(u.used, 0) : "–", u && u.quota ? fmt(u.quota, 0) : "–",
          u && u.quotaUsed != null ? pct(u.quotaUsed) : "–",
          u && u.currency ? fmt(u.bill, 2) + " " + esc(u.currency) : "–"];
      }), "no consumer traffic in the last hour");
  }

  async function alertBadge() {
    if (page() === "alerts") return;
    const a = await api("/admin/alerts");
    showAlertCount(a.firing.length);
  }

  function showAlertCount(n) {
    $("alert-count").hidden = n === 0;
    $("alert-count").textContent = n;
    $("stat-alerts").textContent = n;
  }

  async function alerts() {
    const a = await api("/admin/alerts");
    showAlertCount(a.firing.length);
    const labels = (l) => Object.entries(l || {}).map(([k, v]) => esc(k) + "=" + esc(v)).join(" ");
    table($("alerts-firing"), ["Rule", "Labels", "Value", "Threshold", "Since", "Silence"], a.firing.map((f) => [
      esc(f.rule), labels(f.labels), esc(f.valueText), esc(f.threshold), esc(f.since),
      f.silenced ? '<span class="pill warn">silenced</span>'
        : '<button data-silence="' + esc(f.rule) + '">Silence 30 min</button>']), "nothing firing");
    table($("alerts-pending"), ["Rule", "Labels", "Value", "Threshold", "Fires at"], a.pending.map((p) => [
      esc(p.rule), labels(p.labels), esc(p.valueText), esc(p.threshold), esc(p.firesAt)]), "nothing pending");
    table($("alerts-recent"), ["At", "Rule", "State", "Labels", "Value", "Sent"], a.recent.map((r) => [
      esc(r.at), esc(r.rule), '<span class="pill ' + (r.state === "firing" ? "bad" : "good") + '">' + esc(r.state) + "</span>",
      labels(r.labels), esc(r.valueText), r.silenced ? "silenced" : "yes"]), "no alerts yet");
    table($("alerts-rules"), ["Rule", "When", "For", "Notify", "Silenced until"], a.rules.map((r) => [
      esc(r.name), "<code>" + esc(r.when) + "</code>", esc(r.for), esc(r.notify.join(", ")),
      esc(a.silences[r.name] || "")]), "no rules: add alerts.rules to the config");
  }

  document.addEventListener("click", async (e) => {
    const b = e.target.closest("button[data-silence]");
    if (!b) return;
    try {
      await api("/admin/alerts/" + encodeURIComponent(b.getAttribute("data-silence")) + "/silence", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ for: "30m" })
      });
      await alerts();
    } catch (err) {
      $("status").textContent = "error: " + err.message;
    }
  });

  async function config() {
    const c = await api("/admin/config");
    $("config").textContent = JSON.stringify(c, null, 2);
  }

  if (token() !== null) start(); else showLogin(""); // "" is a token: a tokenless gateway takes any
})();
