// The live wallboard: a snapshot, then each change pushed by the server (dialer/floor).
// EventSource reconnects by itself and the server sends a fresh snapshot each time.
"use strict";
const IN_FLIGHT = new Set(["ringing", "amd", "waiting_agent"]);
const BUSY = new Set(["on_call", "wrap_up", "dialling", "preview"]);
const floor = { figures: { agents: [], campaigns: [] }, agents: new Map(), calls: new Map() };

const percent = (n, of) => (of ? `${(100 * n / of).toFixed(1)}%` : "–");
const duration = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
const since = (a) => (a.since ? duration((Date.now() - Date.parse(a.since)) / 1000) : "");

function takeSnapshot(body) {
  floor.figures = body.figures;
  floor.agents = new Map(body.agents.map((a) => [a.agent_id, a]));
  floor.calls = new Map(body.calls.map((c) => [c.channel_id, c]));
}

function inGroup(agent, campaign) {
  return campaign.agent_group_id === null || (agent.groups || []).includes(campaign.agent_group_id);
}

function showStages() {
  const counts = {};
  for (const c of floor.calls.values()) counts[c.stage] = (counts[c.stage] || 0) + 1;
  for (const dd of $$("#stages dd")) dd.textContent = counts[dd.dataset.stage] || 0;
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
      el("td", { text: `${percent(c.abandoned_today, c.humans_today)} (${c.abandoned_today}/${c.humans_today})` }),
      el("td", { text: `${percent(c.abandoned_window, c.humans_window)} over ${c.window}` }),
      el("td", { text: `${c.abandon_limit_percent}%` })));
  }
}

function showAgents() {
  const body = $("#agents tbody");
  body.replaceChildren();
  const names = new Map(floor.figures.campaigns.map((c) => [c.campaign_id, c.name]));
  for (const f of floor.figures.agents) {
    const a = floor.agents.get(f.agent_id) || { state: "logged_out" };
    const state = a.hidden ? "busy (campaign outside your profile)" : a.state;
    body.append(el("tr", { "data-agent": f.agent_id, "data-state": a.hidden ? "hidden" : a.state },
      el("td", { text: f.name }), el("td", { class: "state", text: state }),
      el("td", { class: "since", "data-since": a.since || "", text: since(a) }),
      el("td", { text: a.pause_reason || "" }),
      el("td", { text: a.campaign_id ? names.get(a.campaign_id) || `#${a.campaign_id}` : "" }),
      el("td", { text: a.attempt_id ? `attempt ${a.attempt_id}` : "" }),
      el("td", { text: f.calls_today }), el("td", { text: duration(f.talk_seconds_today) }),
      monitorCell(a, f.agent_id)));  // floor_monitor.js
  }
}

function show() { showStages(); showCampaigns(); showAgents(); }

// The day's figures (calls, talk, abandonment) are read again after calls end, at most
// every 5 s; what is live comes with the events.
let figuresDue = null;
function refreshFigures(account) {
  figuresDue = figuresDue || setTimeout(() => guarded(async () => {
    figuresDue = null;
    floor.figures = (await api("GET", `/api/accounts/${account}/floor`)).figures;
    show();
  }), 5000);
}

document.addEventListener("DOMContentLoaded", () => {
  const account = meta("account");
  const feed = new EventSource(`/api/accounts/${account}/floor/stream`);
  const status = (state, text) => { $("#feed").dataset.state = state; $("#feed").textContent = text; };
  feed.addEventListener("open", () => status("open", "live"));
  feed.addEventListener("error", () => status("reconnecting", "reconnecting…"));
  feed.addEventListener("snapshot", (e) => { takeSnapshot(JSON.parse(e.data)); show(); });
  feed.addEventListener("agent", (e) => {
    const a = JSON.parse(e.data);
    floor.agents.set(a.agent_id, a);
    if (a.state === "wrap_up" || a.state === "logged_out") refreshFigures(account);
    show();
  });
  feed.addEventListener("agent_hidden", (e) => {
    const a = JSON.parse(e.data);
    floor.agents.set(a.agent_id, { agent_id: a.agent_id, hidden: true, state: "hidden" });
    show();
  });
  feed.addEventListener("call", (e) => {
    const c = JSON.parse(e.data);
    if (c.stage === "closed") { floor.calls.delete(c.channel_id); refreshFigures(account); }
    else floor.calls.set(c.channel_id, c);
    show();
  });
  setInterval(() => { for (const td of $$("#agents td.since")) {
    if (td.dataset.since) td.textContent = since({ since: td.dataset.since });
  } }, 1000);
});
