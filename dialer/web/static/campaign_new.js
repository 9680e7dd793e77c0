// The new-campaign tabs: general settings and script create the campaign; then contacts
// (CSV with a column mapping, filters), rules and caller ids are added to it.
"use strict";
const FIELDS = ["name", "first_name", "last_name", "phone", "email", "timezone", "client_id", "skip"];
let campaignId = null;

function showTab(name) {
  for (const b of $$(".tabs button")) {
    b.classList.toggle("active", b.dataset.tab === name);
    b.setAttribute("aria-selected", String(b.dataset.tab === name));
  }
  for (const s of $$("section.tab")) s.hidden = s.id !== `tab-${name}`;
}

function guessField(header) {
  const h = header.trim().toLowerCase().replace(/[\s-]+/g, "_");
  if (FIELDS.includes(h)) return h;
  if (/phone|tel|mobile|number/.test(h)) return "phone";
  if (/mail/.test(h)) return "email";
  return `field:${header.trim()}`;
}

async function showMapping(file) {
  const text = await file.text();
  const first = text.replace(/^\ufeff/, "").split(/\r?\n/).find((l) => l.trim()) || "";
  const sep = [";", "\t", ","].find((d) => first.includes(d)) || ",";
  const body = $("#mapping tbody");
  body.replaceChildren();
  for (const header of first.split(sep).map((h) => h.replace(/^"|"$/g, ""))) {
    const select = el("select", { "data-column": header });
    const guess = guessField(header);
    for (const f of [...FIELDS, `field:${header}`]) {
      const option = el("option", { value: f, text: f });
      if (f === guess) option.selected = true;
      select.append(option);
    }
    body.append(el("tr", {}, el("td", { text: header }), el("td", {}, select)));
  }
}

function showImport(result) {
  $("#import-result").hidden = false;
  $("#import-summary").textContent = `${result.rows} rows: ${result.created} new contacts, ` +
    `${result.merged} merged, ${result.attached} added to the campaign, ` +
    `${result.errors.length} bad row${result.errors.length === 1 ? "" : "s"}.`;
  const body = $("#import-errors tbody");
  body.replaceChildren();
  for (const e of result.errors) {
    body.append(el("tr", { class: "bad-row" }, el("td", { text: e.line }),
      el("td", { text: e.field }), el("td", { text: e.reason })));
  }
}

function onSubmit(selector, handler) {
  $(selector).addEventListener("submit", (ev) => { ev.preventDefault(); guarded(() => handler(ev.target)); });
}

document.addEventListener("DOMContentLoaded", () => {
  const account = meta("account");
  for (const b of $$(".tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));

  onSubmit("#general-form", async (form) => {
    const body = formValues(form);
    if (body.agent_group_id) body.agent_group_id = Number(body.agent_group_id);
    if ($("#script-id").value) body.script_id = Number($("#script-id").value);
    const campaign = await api("POST", `/api/accounts/${account}/campaigns`, body);
    campaignId = campaign.id;
    for (const b of $$(".tabs button")) b.disabled = ["general", "script"].includes(b.dataset.tab);
    for (const i of $$("input, select, button", form)) i.disabled = true;
    $("#created-name").textContent = `“${campaign.name}” (draft)`;
    $("#go-campaign").href = `/campaigns/${campaign.id}`;
    flash(`Campaign ${campaign.name} created: add its contacts, rules and numbers.`);
    showTab("contacts");
  });

  onSubmit("#script-form", async (form) => {
    const questions = form.questions.value.split("\n").map((q) => q.trim()).filter(Boolean);
    const script = await api("POST", `/api/accounts/${account}/scripts`, {
      name: form.name.value,
      definition: questions.map((q, i) => ({ id: `q${i + 1}`, type: "free", label: q })),
      dispositions: form.dispositions.value.split(",").map((d) => d.trim()).filter(Boolean),
    });
    $("#script-id").append(el("option", { value: script.id, text: script.name }));
    $("#script-id").value = script.id;
    flash(`Script ${script.name} created and chosen.`);
  });

  $("#import-form input[type=file]").addEventListener("change", (ev) => {
    if (ev.target.files[0]) guarded(() => showMapping(ev.target.files[0]));
  });
  onSubmit("#import-form", async (form) => {
    const mapping = {};
    for (const s of $$("#mapping select")) mapping[s.dataset.column] = s.value;
    const data = new FormData();
    data.append("file", form.file.files[0]);
    data.append("mapping", JSON.stringify(mapping));
    data.append("list_name", form.list_name.value || "Import");
    data.append("default_region", form.default_region.value || "US");
    data.append("campaign_id", String(campaignId));
    showImport(await api("POST", `/api/accounts/${account}/contacts/import`, data));
  });

  onSubmit("#filter-form", async (form) => {
    const filter = await api("POST", `/api/accounts/${account}/filters`,
      { name: form.name.value, definition: JSON.parse(form.definition.value) });
    await api("POST", `/api/campaigns/${campaignId}/filters/${filter.id}`);
    flash(`Filter ${filter.name} attached.`);
  });

  onSubmit("#rule-form", async (form) => {
    const rule = await api("POST", `/api/campaigns/${campaignId}/rules`, {
      action: form.action.value, condition: JSON.parse(form.condition.value || "{}"),
      params: JSON.parse(form.params.value || "{}"),
    });
    $("#rules").append(el("li", { text: `${rule.action} when ${JSON.stringify(rule.condition)}` }));
  });

  onSubmit("#number-form", async (form) => {
    const added = await api("POST", `/api/campaigns/${campaignId}/caller-ids`, { number: form.number.value });
    $("#numbers").append(el("li", { text: added.number }));
    form.reset();
  });
});
