// Every object page (dialer/web/objects.py): a list with search and paging, the create form,
// the detail page (edit, delete / disable / cancel), all driven by the kind's description.
// The API's field errors ({"error": {"field", "message"}}) show next to their field.
"use strict";
const PAGE_SIZE = 20;
let KIND;

// An API path template: {account} the user's account, {name} the value's field.
function fillPath(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) =>
    encodeURIComponent(name === "account" ? meta("account") : values[name]));
}
const pathFields = (template) => [...template.matchAll(/\{(\w+)\}/g)].map(m => m[1]);
// A link of the object, or null when it lacks a value the link needs (no contact, no call).
function linkFor(template, values) {
  const missing = pathFields(template).some(n => n !== "account" && (values[n] ?? null) === null);
  return missing ? null : fillPath(template, values);
}

// An inline player of a field's sound (the API relays it from Asterisk when played).
const player = (f, item) => el("audio", { controls: "", preload: "none", src: fillPath(f.src, item),
                                          "aria-label": `${f.label} ${item.id}` });

function shown(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) {
    return value.map(v => (v && typeof v === "object") ? (v.number ?? v.name ?? v.label ?? JSON.stringify(v)) : v).join(", ");
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

// The choices of a field whose options come from the API: [[value, label], ...], read once.
const choicesRead = {};
function choices({ path, value, label }) {
  choicesRead[path] ??= api("GET", `${fillPath(path, {})}?limit=500`).then(page =>
    page.items.map(item => [item[value], `${item[label] ?? item[value]}`]));
  return choicesRead[path];
}

// A list cell: a field with options shows their labels rather than ids.
async function cellText(f, value) {
  if (!f.options || value === null || value === undefined) return shown(value);
  const labels = new Map((await choices(f.options)).map(([v, l]) => [String(v), l]));
  return shown(Array.isArray(value) ? value.map(v => labels.get(String(v)) ?? v) : labels.get(String(value)) ?? value);
}

// A message for the next page (after a create or a delete sends the browser there).
function flashNext(message) { sessionStorage.setItem("flash", message); }

// ---- the list ------------------------------------------------------------------------------
let listLoads = 0;  // a search sent while the first list still loads: only the last one shows
async function loadList() {
  const mine = ++listLoads;
  const query = new URLSearchParams(location.search);
  const params = new URLSearchParams({ limit: PAGE_SIZE, offset: query.get("offset") || 0 });
  for (const input of $$("#search [name]")) {
    input.value = query.get(input.name) || "";
    if (input.value) params.set(input.name, input.value);
  }
  const page = await api("GET", `${fillPath(KIND.list_path, {})}?${params}`);
  const listed = KIND.fields.filter(f => f.listed);
  const body = $("#object-list tbody");
  const rows = await Promise.all(page.items.map(async (item) => {
    const texts = await Promise.all(listed.map(f => cellText(f, item[f.name])));
    const linked = KIND.item_path && meets(item, KIND.item_when);
    const cells = listed.map((f, i) => el("td", { "data-field": f.name },
      f.type === "audio" ? (item[f.name] ? player(f, item) : "")
        : i === 0 && linked ? el("a", { href: `/manage/${KIND.slug}/${item.id}`, text: texts[i] || `#${item.id}` })
        : texts[i]));
    if (KIND.link) {
      const href = linkFor(KIND.link, item);
      cells.push(el("td", {}, href ? el("a", { href, text: KIND.link_label }) : ""));
    }
    return el("tr", { "data-id": item.id }, ...cells);
  }));
  if (mine !== listLoads) return;
  body.replaceChildren(...rows);
  $("#list-empty").hidden = page.items.length > 0;
  const last = Math.min(page.offset + page.items.length, page.total);
  $("#page-range").textContent = page.total ? `${page.offset + 1}–${last} of ${page.total}` : "";
  $("#previous").disabled = page.offset === 0;
  $("#next").disabled = last >= page.total;
  $("#previous").onclick = () => goTo(Math.max(0, page.offset - PAGE_SIZE));
  $("#next").onclick = () => goTo(page.offset + PAGE_SIZE);
}

function goTo(offset, fromForm = false) {
  const query = new URLSearchParams(fromForm ? {} : location.search);
  if (fromForm) for (const input of $$("#search [name]")) if (input.value) query.set(input.name, input.value);
  query.set("offset", offset);
  history.replaceState(null, "", `?${query}`);
  guarded(loadList);
}

// ---- forms -----------------------------------------------------------------------------------

async function loadOptions(form) {
  await Promise.all($$("[data-options]", form).map(async (box) => {
    const options = JSON.parse(box.dataset.options);
    for (const [value, text] of await choices(options)) {
      if (box.tagName === "SELECT") box.append(el("option", { value, text }));
      else box.append(el("label", {}, el("input", { type: "checkbox", name: box.dataset.name, value }), ` ${text}`));
    }
    box.dataset.numeric = options.value === "id" ? "1" : "";
  }));
}

// The value of a field on the form (null: empty); a JSON field that does not parse is the
// user's field error, shown like the API's.
function fieldValue(form, f) {
  const box = control(form, f.name);
  const numeric = box && box.dataset.numeric === "1";
  if (FIELD_EDITORS[f.type]) return FIELD_EDITORS[f.type].get(box);
  if (f.type === "multi") {
    return $$(`input[name="${f.name}"]:checked`, form).map(i => numeric ? Number(i.value) : i.value);
  }
  if (f.type === "checkbox") return box.checked;
  const text = box.value.trim();
  if (text === "") return null;
  if (f.type === "number" || numeric) return Number(text);
  if (f.type === "json") {
    try { return JSON.parse(text); } catch { throw new ApiError(400, { error: { field: f.name, message: "not valid JSON" } }); }
  }
  return text;
}

function setValues(form, item) {
  for (const f of KIND.fields) {
    const value = item[f.name];
    if (FIELD_EDITORS[f.type]) continue;
    const field = form.querySelector(`.field[data-field="${f.name}"]`);
    // a field the object does not have (create-only, or kept on another page) is not shown
    if (field) field.hidden = value === undefined && !["password", "audio"].includes(f.type);
    if (f.type === "audio") {  // its value: the recording's name (null: none)
      if (field) field.hidden = !value;
      const audio = control(form, f.name);
      if (value && !audio.getAttribute("src")) audio.src = fillPath(f.src, item);
    } else if (f.type === "multi") {
      const chosen = new Set((value || []).map(String));
      for (const box of $$(`input[name="${f.name}"]`, form)) box.checked = chosen.has(box.value);
    } else if (f.type === "checkbox") {
      const box = control(form, f.name);
      if (box) box.checked = Boolean(value);
    } else if (f.type !== "password") {
      const box = control(form, f.name);
      if (box) box.value = f.type === "json" ? JSON.stringify(value ?? null, null, 1) : (value ?? "");
    }
  }
  fillEditors(form, item);
}

function fillEditors(form, item) {
  for (const f of KIND.fields) {
    const box = FIELD_EDITORS[f.type] && control(form, f.name);
    if (box) FIELD_EDITORS[f.type].set(box, item[f.name]);
  }
  form.dispatchEvent(new Event("editors-filled"));
}

// The fields to send: on create, those filled in; on edit, those changed.
function formBody(form, original) {
  const body = {};
  for (const f of KIND.fields) {
    const box = control(form, f.name);
    if (!box || box.disabled || box.closest("fieldset:disabled") || f.type === "audio") continue;
    const value = fieldValue(form, f);
    if (original === null) {
      if (value !== null && !(Array.isArray(value) && !value.length)) body[f.name] = value;
    } else if (f.type === "password" ? value !== null : JSON.stringify(value) !== JSON.stringify(
        original[f.name] === "" ? null : original[f.name] ?? (f.type === "multi" ? [] : null))) {
      body[f.name] = value;
    }
  }
  return body;
}

async function createPage(form) {
  await loadOptions(form);
  fillEditors(form, {});
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      const values = formBody(form, null);
      const inPath = pathFields(KIND.create_path);
      const body = Object.fromEntries(Object.entries(values).filter(([k]) => !inPath.includes(k)));
      for (const name of inPath) {
        if (name !== "account" && values[name] === undefined) throw new ApiError(400, { error: { field: name, message: "required" } });
      }
      const created = await api("POST", fillPath(KIND.create_path, values), body);
      if (KIND.once && created[KIND.once]) sessionStorage.setItem("once", created[KIND.once]);
      flashNext(`${KIND.singular} ${shown(created[KIND.fields[0].name]) || created.id} created.`);
      location.href = KIND.item_path ? `/manage/${KIND.slug}/${created.id}` : `/manage/${KIND.slug}`;
    });
  });
}

async function detailPage(form, id) {
  await loadOptions(form);
  let item = await api("GET", fillPath(KIND.item_path, { id }));
  const show = () => {
    setValues(form, item);
    $("#object-title").textContent = `${KIND.singular[0].toUpperCase()}${KIND.singular.slice(1)} ${shown(item[KIND.fields[0].name]) || id}`;
    const remove = $("#remove");
    if (remove) remove.hidden = !(KIND.removal && meets(item, KIND.removal.when));
    KIND.actions.forEach((a, i) => { $(`#action-${i}`).hidden = !meets(item, a.when); });
  };
  show();
  const link = KIND.link && linkFor(KIND.link, item);
  if (link) $("#object-links").append(el("a", { href: link, text: KIND.link_label }));
  KIND.actions.forEach((a, i) => $(`#action-${i}`).addEventListener("click", () => guarded(async () => {
    const result = await api(a.method, fillPath(a.path, item), a.body ?? undefined);
    if (a.shows) showOnce(result[a.shows]);
    item = { ...item, ...result };
    show();
    flash(`${a.label}: done.`);
  })));
  showOnce(sessionStorage.getItem("once"));
  sessionStorage.removeItem("once");
  await Promise.all(KIND.related.map((r, i) => showRelated(r, $(`#related-${i}`), item)));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      const changes = formBody(form, item);
      if (!Object.keys(changes).length) { flash("Nothing changed."); return; }
      item = await api(KIND.update_method, fillPath(KIND.item_path, { id }), changes);
      show();
      flash("Saved.");
    });
  });
  const remove = $("#remove");
  if (remove) remove.addEventListener("click", () => {
    if (!remove.dataset.armed) {  // a second click confirms
      remove.dataset.armed = "1";
      remove.textContent = `${KIND.removal.label}: click again to confirm`;
      return;
    }
    guarded(async () => {
      const r = KIND.removal;
      const result = await api(r.method, fillPath(r.path, item), r.body ?? undefined);
      const done = `${KIND.singular} ${shown(item[KIND.fields[0].name]) || id}: ${r.label.toLowerCase()} done.`;
      if (r.method === "DELETE") { flashNext(done); location.href = `/manage/${KIND.slug}`; return; }
      item = { ...item, ...result };
      delete remove.dataset.armed;
      remove.textContent = r.label;
      show();
      flash(done);
    });
  });
}

// Whether `when` holds for the object: a field that must be true, or "field=a|b" values it
// must have (none: always).
function meets(item, when) {
  if (!when) return true;
  const [name, values] = when.split("=");
  return values === undefined ? Boolean(item[name]) : values.split("|").includes(String(item[name]));
}

// A value the API shows this once (a secret), with the warning that it will not be again.
function showOnce(value) {
  if (!value) return;
  $("#shown-once-value").textContent = value;
  $("#shown-once").hidden = false;
}

// A related table of the detail page: its rows (a first cell linking to the row's page, a
// button per row), read from the API or taken from the object.
async function showRelated(r, box, item) {
  const data = r.path ? await api("GET", fillPath(r.path, item)) : item;
  const rows = r.key.split(".").reduce((o, k) => o && o[k], data) || [];  // "verdict.rules"
  const total = data.total ?? data.count ?? rows.length;
  $(".related-count", box).textContent = rows.length < total ? `(${rows.length} of ${total})` : `(${total})`;
  $("tbody", box).replaceChildren(...await Promise.all(rows.map(async (row) => {
    const values = { ...item, row: row.id };
    const texts = await Promise.all(r.columns.map(f => cellText(f, row[f.name])));
    const cells = r.columns.map((f, i) => el("td", { "data-field": f.name },
      i === 0 && r.row_link ? el("a", { href: fillPath(r.row_link, values), text: texts[i] || `#${row.id}` }) : texts[i]));
    if (r.action) {
      const button = el("button", { type: "button", class: "secondary outline", text: r.action.label });
      button.addEventListener("click", () => guarded(async () => {
        await api(r.action.method, fillPath(r.action.path, values), r.action.body ?? undefined);
        flash(`${r.action.label}: done.`);
        await showRelated(r, box, item);
      }));
      cells.push(el("td", {}, button));
    }
    return el("tr", { "data-id": row.id }, ...cells);
  })));
  $(".related-empty", box).hidden = rows.length > 0;
}

document.addEventListener("DOMContentLoaded", () => {
  KIND = JSON.parse($("#object-kind").textContent);
  const message = sessionStorage.getItem("flash");
  if (message) { flash(message); sessionStorage.removeItem("flash"); }
  const { mode, id } = $("#objects").dataset;
  if (mode === "list") {
    $("#search").addEventListener("submit", (ev) => { ev.preventDefault(); goTo(0, true); });
    guarded(loadList);
  } else if (mode === "new") guarded(() => createPage($("#object-form")));
  else guarded(() => detailPage($("#object-form"), id));
});
