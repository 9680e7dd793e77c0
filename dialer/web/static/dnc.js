"use strict";
async function upload(list, file) {
  const column = list.format === "csv" ? prompt("Column holding the numbers") : null;
  const asOf = prompt("As-of date of this copy (YYYY-MM-DD)", list.as_of || "");
  const query = new URLSearchParams();
  if (asOf) query.set("as_of", asOf);
  if (column) query.set("column", column);
  const resp = await fetch(`/api/dnc-lists/${list.id}/numbers?${query}`, {
    method: "PUT", body: file, credentials: "same-origin",
    headers: { "X-CSRF-Token": meta("csrf") } });
  if (!resp.ok) throw new ApiError(resp.status, await resp.json());
  flash(`Importing into ${list.name}…`);
  while ((await api("GET", `/api/dnc-lists/${list.id}`)).status === "importing") {
    await loadLists();
    await new Promise((done) => setTimeout(done, 1000));
  }
  await loadLists();
}

async function loadLists() {
  const body = $("#dnc-lists tbody");
  const lists = (await api("GET", "/api/dnc-lists?limit=500")).items;
  body.replaceChildren();
  for (const l of lists) {
    const file = el("input", { type: "file" });
    file.addEventListener("change", () => guarded(() => upload(l, file.files[0])));
    body.append(el("tr", { "data-id": l.id },
      el("td", { text: l.name }), el("td", { text: l.source }), el("td", { text: l.scope }),
      el("td", { text: l.format }), el("td", { text: l.as_of ?? "" }),
      el("td", { class: "count", text: l.count.toLocaleString() }),
      el("td", { text: l.bad_lines }), el("td", { class: "status", text: l.status }),
      el("td", {}, l.format === "internal" ? "" : file)));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#dnc-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(async () => {
      const list = await api("POST", "/api/dnc-lists", formValues(ev.target));
      flash(`List ${list.name} created: upload its file.`);
      ev.target.reset();
      await loadLists();
    });
  });
  guarded(loadLists);
});
