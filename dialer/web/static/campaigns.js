"use strict";
document.addEventListener("DOMContentLoaded", () => guarded(async () => {
  const page = await api("GET", `/api/accounts/${meta("account")}/campaigns?limit=500`);
  const body = $("#campaigns tbody");
  for (const c of page.items) {
    body.append(el("tr", { "data-id": c.id },
      el("td", {}, el("a", { href: `/campaigns/${c.id}`, text: c.name })),
      el("td", { class: `status-${c.status}`, text: c.status }),
      el("td", { text: c.mode })));
  }
  $("#campaigns-empty").hidden = page.items.length > 0;
}));
