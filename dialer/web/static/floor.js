// The live wallboard: a snapshot, then each change pushed by the server (dialer/floor).
// The feed reconnects by itself (console.js liveFeed) and the server sends a fresh
// snapshot each time.
"use strict";
const IN_FLIGHT = new Set(["ringing", "amd", "waiting_agent"]);
const BUSY = new Set(["on_call", "wrap_up", "dialling", "preview"]);
const floor = { figures: { agents: [], campaigns: [] }, agents: new Map(), calls: new Map(),
  monitors: new Map(), trunks: [] };
const TRUNK_STATES = { closed: "in service", open: "out of service", half_open: "probing" };
const SOURCES = { inbound: "inbound", action: "action plan" };

const percent = (n, of) => (of ? `${(100 * n / of).toFixed(1)}%` : "–");
// Measured abandoned of humans, plus people AMD is estimated to have hung up on as machines
// (in both; dialer/amd/abandonment.py).
const abandonment = (abandoned, humans, amd) =>
  `${percent(abandoned + amd, humans + amd)} (${abandoned}/${humans}` +
  (amd ? ` + ${amd.toFixed(1)} est. AMD)` : ")");
const duration = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
const since = (a) => (a.since ? duration((Date.now() - Date.parse(a.since)) / 1000) : "");

function takeSnapshot(body) {
  floor.figures = body.figures;
  floor.agents = new Map(body.agents.map((a) => [a.agent_id, a]));
  floor.calls = new Map(body.calls.map((c) => [c.channel_id, c]));
  floor.monitors = new Map(body.monitors.map((m) => [m.agent_id, m]));
  floor.trunks = body.trunks;
}

// The carriers' health: a circuit breaker per trunk, and Asterisk's endpoint state.
function showTrunks() {
  $("#trunks tbody").replaceChildren(...floor.trunks.map((t) => el("tr",
    { "data-trunk": t.trunk_id, class: t.healthy ? "healthy" : "unhealthy" },
    el("td", { text: t.name }), el("td", { text: t.endpoint }),
    el("td", { class: "trunk-state", text: t.offline ? "offline" : TRUNK_STATES[t.state] }),
    el("td", { text: t.failures }))));
}

function inGroup(agent, campaign) {
  return campaign.agent_group_id === null || (agent.groups || []).includes(campaign.agent_group_id);
}

// Each stage's count, and how many of them are not campaign calls (inbound, action plan).
function showStages() {
  const counts = {};
  for (const c of floor.calls.values()) {
    const n = counts[c.stage] || (counts[c.stage] = { all: 0 });
    n.all += 1;
    if (SOURCES[c.source]) n[c.source] = (n[c.source] || 0) + 1;
  }
  for (const dd of $$("#stages dd")) {
    const n = counts[dd.dataset.stage] || { all: 0 };
    const others = Object.keys(SOURCES).filter((s) => n[s]).map((s) => `${n[s]} ${SOURCES[s]}`);
    dd.replaceChildren(String(n.all));
    if (others.length) dd.append(" ", el("small", { class: "sources", text: `(${others.join(", ")})` }));
  }
}

function showCampaigns() {
  const body = $("#campaigns tbody");
  body.replaceChildren();
  const live = [...floor.agents.values()].filter((a) => !a.hidden && a.state !== "logged_out");
  for (const c of floor.figures.campaigns) {
    const flying = [...floor.calls.values()].filter((k) => k.campaign_id === c.campaign_id && IN_FLIGHT.has(k.stage)).length;
    const mine = live.filter((a) => inGroup(a, c));
    const ready = mine.filter((a) => a.state === "available").length;
    const busy = mine.filter((a) => BUSY.has(a.state)).length;
    body.append(el("tr", { "data-campaign": c.campaign_id },
      el("td", {}, el("a", { href: `/campaigns/${c.campaign_id}`, text: c.name })),
      el("td", { text: c.status }),
      el("td", { class: "dial-level", text: ready ? (flying / ready).toFixed(2) : `${flying} / 0` }),
      el("td", { class: "occupancy", text: percent(busy, mine.length) }),
      el("td", { text: c.due_now }),
      el("td", { text: abandonment(c.abandoned_today, c.humans_today, c.amd_false_positives_today) }),
      el("td", { text: `${abandonment(c.abandoned_window, c.humans_window, c.amd_false_positives_window)} over ${c.window}` }),
      el("td", { text: `${c.abandon_limit_percent}%` })));
  }
}

// The agent's state, with their call on hold and who monitors them, if so.
function stateCell(a) {
  if (a.hidden) return el("td", { class: "state", text: "busy (campaign outside your profile)" });
  const cell = el("td", { class: "state", text: a.state });
  const held = [...floor.calls.values()].some((c) => c.agent_id === a.agent_id && c.stage === "held");
  if (held) cell.append(" ", el("small", { class: "held", text: "call on hold" }));
  const m = floor.monitors.get(a.agent_id);
  if (m) {
    const text = m.state === "ringing" ? `${m.supervisor}'s phone ringing (${m.mode})`
      : `monitored by ${m.supervisor} (${m.mode})`;
    cell.append(" ", el("small", { class: "monitor", text }));
  }
  return cell;
}

function showAgents() {
  const body = $("#agents tbody");
  body.replaceChildren();
  const names = new Map(floor.figures.campaigns.map((c) => [c.campaign_id, c.name]));
  for (const f of floor.figures.agents) {
    const a = floor.agents.get(f.agent_id) || { agent_id: f.agent_id, state: "logged_out" };
    const reason = a.pause_reason || (a.pause_reason_id ? `#${a.pause_reason_id}` : "");
    body.append(el("tr", { "data-agent": f.agent_id, "data-state": a.hidden ? "hidden" : a.state },
      el("td", { text: f.name }), stateCell(a),
      el("td", { class: "since", "data-since": a.since || "", text: since(a) }),
      el("td", { class: "reason", text: reason }),
      el("td", { text: a.campaign_id ? names.get(a.campaign_id) || `#${a.campaign_id}` : "" }),
      el("td", { class: "contact", text: a.contact || (a.attempt_id ? `attempt ${a.attempt_id}` : "") }),
      el("td", { text: f.calls_today }), el("td", { text: duration(f.talk_seconds_today) }),
      monitorCell(a, f.agent_id)));  // floor_monitor.js
  }
}

function show() { showStages(); showCampaigns(); showTrunks(); showAgents(); }

// The day's figures (calls, talk, abandonment) and the trunks' health are read again
// after calls end, at most every 5 s; what is live comes with the events.
let figuresDue = null;
function refreshFigures(account) {
  figuresDue = figuresDue || setTimeout(() => guarded(async () => {
    figuresDue = null;
    const body = await api("GET", `/api/accounts/${account}/floor`);
    floor.figures = body.figures;
    floor.trunks = body.trunks;
    show();
  }), 5000);
}

document.addEventListener("DOMContentLoaded", () => {
  const account = meta("account");
  const status = (state) => {
    $("#feed").dataset.state = state;
    $("#feed").textContent = state === "open" ? "live" : "reconnecting…";
  };
  liveFeed(`/api/accounts/${account}/floor/stream`, {
    snapshot: (e) => { takeSnapshot(JSON.parse(e.data)); show(); },
    agent: (e) => {
      const a = JSON.parse(e.data);
      floor.agents.set(a.agent_id, a);
      if (a.state === "wrap_up" || a.state === "logged_out") refreshFigures(account);
      show();
    },
    agent_hidden: (e) => {
      const a = JSON.parse(e.data);
      floor.agents.set(a.agent_id, { agent_id: a.agent_id, hidden: true, state: "hidden" });
      show();
    },
    monitor: (e) => {
      const m = JSON.parse(e.data);
      if (m.state === "closed") floor.monitors.delete(m.agent_id);
      else floor.monitors.set(m.agent_id, m);
      show();
    },
    call: (e) => {
      const c = JSON.parse(e.data);
      if (c.stage === "closed") { floor.calls.delete(c.channel_id); refreshFigures(account); }
      else floor.calls.set(c.channel_id, c);
      show();
    },
  }, status);
  setInterval(() => { for (const td of $$("#agents td.since")) {
    if (td.dataset.since) td.textContent = since({ since: td.dataset.since });
  } }, 1000);
});
