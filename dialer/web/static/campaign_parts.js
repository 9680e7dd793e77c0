// What a campaign is given beside its settings (campaign_parts.html): contacts from a CSV
// file with a column mapping, a filter's contacts, rules, caller ids. The new campaign page
// wires them once the campaign exists, the campaign page at once; `changed` hears of each
// rule or number added.
"use strict";
const CONTACT_FIELDS = ["name", "first_name", "last_name", "phone", "email", "timezone", "client_id", "skip"];

function guessField(header) {
  const h = header.trim().toLowerCase().replace(/[\s-]+/g, "_");
  if (CONTACT_FIELDS.includes(h)) return h;
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
    const select = el("select", { "data-column": header, "aria-label": `Field for column ${header}` });
    const guess = guessField(header);
    for (const f of [...CONTACT_FIELDS, `field:${header}`]) {
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

function wireCampaignParts(account, campaignId, changed = {}) {
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
    data.append("campaign_id", String(campaignId()));
    showImport(await api("POST", `/api/accounts/${account}/contacts/import`, data));
    if (changed.contacts) changed.contacts();
  });

  onSubmit("#filter-form", async (form) => {
    const filter = await api("POST", `/api/accounts/${account}/filters`,
      { name: form.name.value, definition: JSON.parse(form.definition.value) });
    const attached = await api("POST", `/api/campaigns/${campaignId()}/filters/${filter.id}`);
    flash(`Filter ${filter.name} attached: ${attached.matched} contacts match.`);
    if (changed.contacts) changed.contacts();
  });

  onSubmit("#rule-form", async (form) => {
    const rule = await api("POST", `/api/campaigns/${campaignId()}/rules`, {
      action: form.action.value, condition: JSON.parse(form.condition.value || "{}"),
      params: JSON.parse(form.params.value || "{}"),
    });
    changed.rule(rule);
  });

  onSubmit("#number-form", async (form) => {
    const added = await api("POST", `/api/campaigns/${campaignId()}/caller-ids`, { number: form.number.value });
    changed.number(added);
    form.reset();
  });
}
