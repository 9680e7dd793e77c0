"use strict";
// The audit log: newest first, a page at a time; each row shows only the fields that changed.
const PAGE = 50;
let shown = 0;
let loads = 0;

function changes(before, after) {
  const keys = new Set([...Object.keys(before || {}), ...Object.keys(after || {})]);
  const text = (v) => (v === undefined ? "—" : JSON.stringify(v));
  return [...keys].filter((k) => text((before || {})[k]) !== text((after || {})[k]))
    .map((k) => el("div", { class: "change" }, el("code", { text: k }), ": ",
      text((before || {})[k]), " → ", text((after || {})[k])));
}

function path() {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(formValues($("#audit-filters")))) {
    if (value) query.set(name, value);
  }
  query.set("limit", PAGE);
  query.set("offset", shown);
  const scope = $("#audit-filters").dataset.scope === "system" ? "/api/audit"
    : `/api/accounts/${meta("account")}/audit`;
  return `${scope}?${query}`;
}

async function load(more) {
  const mine = ++loads;
  if (!more) shown = 0;
  const page = await api("GET", path());
  if (mine !== loads) return;  // a newer load (filters changed meanwhile) shows instead
  if (!more) $("#audit tbody").replaceChildren();
  for (const e of page.items) {
    $("#audit tbody").append(el("tr", { "data-id": e.id },
      el("td", { text: e.at }), el("td", { class: "actor", text: e.actor }),
      el("td", { class: "kind", text: e.kind }), el("td", { text: e.object_id }),
      el("td", { class: "action", text: e.action }),
      el("td", { class: "changes" }, ...changes(e.before, e.after))));
  }
  shown += page.items.length;
  $("#audit-more").hidden = shown >= page.total;
}

document.addEventListener("DOMContentLoaded", () => {
  $("#audit-filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(() => load(false));
  });
  $("#audit-more").addEventListener("click", () => guarded(() => load(true)));
  guarded(() => load(false));
});
