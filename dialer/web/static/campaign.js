// Campaign detail: progress bars, outcomes and the chart, refreshed as the floor's feed
// reports its calls and agents changing; actions; clone.
"use strict";
const BAR_STATES = ["completed", "failed", "in_progress", "rescheduled", "waiting"];

function showProgress(p) {
  for (const dd of $$("#progress dd")) {
    const v = p[dd.dataset.key];
    dd.textContent = dd.dataset.key === "abandon_rate" ? `${(v * 100).toFixed(1)} %` : v;
  }
  const bars = $("#bars");
  bars.replaceChildren();
  for (const state of BAR_STATES) {
    const n = p[state] || 0;
    const pct = p.total ? (100 * n) / p.total : 0;
    bars.append(el("div", { class: "bar-row", "data-state": state },
      el("span", { class: "label", text: `${state} ${n}` }),
      el("span", { class: "track" }, el("span", { class: `fill ${state}`, style: `width:${pct}%` }))));
  }
  const list = $("#outcomes");
  list.replaceChildren();
  for (const [outcome, n] of Object.entries(p.outcomes)) {
    list.append(el("li", { "data-outcome": outcome, text: `${outcome}: ${n}` }));
  }
}

function showContacts(campaignId, page) {
  const body = $("#contacts tbody");
  body.replaceChildren();
  for (const c of page.items) {
    const last = c.last_attempt;
    body.append(el("tr", { "data-contact": c.contact_id },
      el("td", {}, el("a", { href: `/campaigns/${campaignId}/contacts/${c.contact_id}`, text: c.name || "(no name)" })),
      el("td", { text: (c.phones || []).map((p) => p.number || p).join(", ") }),
      el("td", { class: "state", text: c.status }), el("td", { text: c.attempts }),
      el("td", { text: last ? [last.outcome, last.disposition].filter(Boolean).join(" / ") : "" }),
      el("td", { text: c.operator ? (c.operator.full_name || c.operator.username || "") : "" })));
  }
}

// The settings form (campaign_fields.html) shows the campaign as the API has it; saving
// sends only the fields changed since (an emptied field: null, the shipped default).
function fieldValue(input) {
  if (input.type === "checkbox") return input.checked;
  if (input.value === "") return null;
  return input.type === "number" || input.name.endsWith("_id") ? Number(input.value) : input.value;
}

function showSettings(form, campaign) {
  for (const input of $$("input, select", form)) {
    if (!(input.name in campaign)) continue;
    const v = campaign[input.name];
    if (input.type === "checkbox") input.checked = Boolean(v);
    else input.value = v === null || v === undefined ? "" : String(v);
  }
}

function changedSettings(form, campaign) {
  const out = {};
  for (const input of $$("input, select", form)) {
    if (!input.name) continue;
    const value = fieldValue(input);
    if (value !== (campaign[input.name] ?? null)) out[input.name] = value;
  }
  return out;
}

// The rules and caller ids as the API lists them, each with its Remove button.
function showRemovable(list, items, text, removePath, reload) {
  list.replaceChildren();
  for (const item of items) {
    const remove = el("button", { type: "button", text: "Remove", "aria-label": `Remove ${text(item)}` });
    remove.addEventListener("click", () => guarded(async () => {
      await api("DELETE", removePath(item));
      flash(`Removed: ${text(item)}.`);
      await reload();
    }));
    list.append(el("li", { "data-id": item.id }, `${text(item)} `, remove));
  }
}

async function showParts(id) {
  const [rules, numbers] = await Promise.all([
    api("GET", `/api/campaigns/${id}/rules`), api("GET", `/api/campaigns/${id}/caller-ids`)]);
  const reload = () => showParts(id);
  showRemovable($("#rules"), rules.items,
    (r) => `${r.action} when ${JSON.stringify(r.condition)} ${JSON.stringify(r.params)}`,
    (r) => `/api/campaigns/${id}/rules/${r.id}`, reload);
  showRemovable($("#numbers"), numbers.items, (n) => n.number,
    (n) => `/api/campaigns/${id}/caller-ids/${n.id}`, reload);
}

document.addEventListener("DOMContentLoaded", () => {
  const id = $("#campaign").dataset.id;
  guarded(() => showParts(id));
  const settings = $("#settings-form");
  let saved = null;  // the campaign as last read or saved
  guarded(async () => { saved = await api("GET", `/api/campaigns/${id}`); showSettings(settings, saved); });
  settings.addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(async () => {
      const changes = changedSettings(settings, saved);
      if (!Object.keys(changes).length) { flash("Nothing changed."); return; }
      saved = await api("PATCH", `/api/campaigns/${id}`, changes);
      showSettings(settings, saved);
      $("h1#campaign").textContent = saved.name;
      flash(`Saved: ${Object.keys(changes).join(", ")}.`);
    });
  });
  const refresh = () => guarded(async () => {
    const [progress, over, campaign] = await Promise.all([
      api("GET", `/api/campaigns/${id}/progress`),
      api("GET", `/api/campaigns/${id}/outcomes-over-time`),
      api("GET", `/api/campaigns/${id}`)]);
    showProgress(progress);
    drawOutcomeChart($("#chart"), over);
    $("#status").textContent = campaign.status;
    showContacts(id, await api("GET", `/api/campaigns/${id}/contacts?limit=500`));
  });
  for (const b of $$(".actions button[data-action]")) {
    b.addEventListener("click", () => guarded(async () => {
      const c = await api("POST", `/api/campaigns/${id}/${b.dataset.action}`);
      $("#status").textContent = c.status;
      flash(`Campaign ${c.status}.`);
    }));
  }
  $("#clone-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(async () => {
      const copy = await api("POST", `/api/campaigns/${id}/clone`, { name: ev.target.name.value });
      flash(`Cloned as ${copy.name} (${copy.contacts} contacts).`);
      location.href = `/campaigns/${copy.id}`;
    });
  });
  // Live: refreshed when the floor's feed (dialer/floor) says one of its calls or agents
  // changed, at most once a second; the feed reconnects by itself (with a snapshot).
  let pending = null;
  const soon = () => { pending = pending || setTimeout(() => { pending = null; refresh(); }, 1000); };
  const account = $("#campaign").dataset.account;
  const parts = () => guarded(() => showParts(id));
  wireCampaignParts(account, () => id, { rule: parts, number: parts, contacts: refresh });
  liveFeed(`/api/accounts/${account}/floor/stream?campaign=${id}`,
    Object.fromEntries(["snapshot", "call", "agent", "agent_hidden"].map((kind) => [kind, soon])));
  refresh();
});
