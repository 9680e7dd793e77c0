// The script form builder (the scripts object page, dialer/web/objects.py): the questions
// and the dispositions edited as rows (add, remove, move up / down) instead of JSON, and a
// preview of what the agent will see (script_view.js). objects.js reads and fills the two
// fields through FIELD_EDITORS and shows an API error such as "definition[2].options"
// next to that row's input (`locate`).
"use strict";
const QUESTION_TYPES = [["text", "Text to read (no answer)"], ["yesno", "Yes / no"], ["checkbox", "Checkbox (tick)"],
  ["choice", "One choice"], ["multi", "Several choices"], ["free", "Free text"], ["number", "Number"], ["date", "Date"]];
const WITH_CHOICES = ["choice", "multi"];
const DISPOSITION_MEANINGS = [["final", "Final (the campaign's rules decide)"], ["callback", "Call back (asks for a followup)"],
  ["do_not_call", "Do not call (lists the number)"]];
let rowCount = 0;

function labelled(text, input) {
  input.id = `b${++rowCount}`;
  return el("label", { for: input.id, text }, input);
}

function selectOf(pairs, value) {
  const select = el("select", {});
  for (const [v, text] of pairs) select.append(el("option", { value: v, text }));
  select.value = value;
  return select;
}

// Up, down and remove buttons of a row; `onChange` after any of them.
function rowTools(row, what, onChange) {
  const tool = (text, act) => {
    const b = el("button", { type: "button", class: "secondary outline", "data-tool": text.toLowerCase(), text });
    b.setAttribute("aria-label", `${text} ${what}`);
    b.addEventListener("click", () => { act(); onChange(); });
    return b;
  };
  return el("div", { class: "row-tools" },
    tool("Up", () => row.previousElementSibling && row.after(row.previousElementSibling)),
    tool("Down", () => row.nextElementSibling && row.before(row.nextElementSibling)),
    tool("Remove", () => row.remove()));
}

function questionRow(item, onChange) {
  const row = el("fieldset", { class: "builder-row question-row" });
  const type = selectOf(QUESTION_TYPES, item.type);
  const choices = el("textarea", { rows: "3", "data-key": "options" });
  choices.value = (item.options || []).join("\n");
  const required = el("input", { type: "checkbox", role: "switch", "data-key": "required" });
  required.checked = Boolean(item.required);
  const label = el("input", { "data-key": "label" });
  label.value = item.label || "";
  const id = el("input", { "data-key": "id" });
  id.value = item.id;
  type.dataset.key = "type";
  const choiceBox = el("div", { class: "choices" }, labelled("Choices (one a line)", choices));
  const requiredBox = el("label", {}, required, " Answer required");
  const shape = () => {
    choiceBox.hidden = !WITH_CHOICES.includes(type.value);
    requiredBox.hidden = type.value === "text";
  };
  type.addEventListener("change", shape);
  shape();
  row.append(el("legend", { text: "Question" }), labelled("Type", type), labelled("Question or text", label),
    labelled("Answer key", id), choiceBox, requiredBox, rowTools(row, "question", onChange));
  return row;
}

function questionOf(row) {
  const value = (key) => $(`[data-key=${key}]`, row);
  const item = { id: value("id").value.trim(), type: value("type").value, label: value("label").value };
  if (WITH_CHOICES.includes(item.type)) item.options = value("options").value.split("\n").map((o) => o.trim()).filter(Boolean);
  item.required = item.type !== "text" && value("required").checked;
  return item;
}

function dispositionRow(d, onChange) {
  const row = el("fieldset", { class: "builder-row disposition-row" });
  const input = (key, value, attrs = {}) => { const i = el("input", { "data-key": key, ...attrs }); i.value = value ?? ""; return i; };
  const meaning = selectOf(DISPOSITION_MEANINGS, d.meaning || "final");
  meaning.dataset.key = "meaning";
  row.append(el("legend", { text: "Disposition" }), labelled("Button label", input("label", d.label)),
    labelled("Code (what rules match)", input("code", d.code)), labelled("Meaning", meaning),
    labelled("Shortcut key", input("key", d.key, { maxlength: "1", class: "key" })), rowTools(row, "disposition", onChange));
  return row;
}

function dispositionOf(row) {
  const value = (key) => $(`[data-key=${key}]`, row).value.trim();
  return { code: value("code"), label: value("label"), meaning: value("meaning"), key: value("key") || null };
}

// A list editor: rows in `.rows`, an add button, the preview redrawn on every change.
// A new object's form starts with `startWith` fresh rows.
function listEditor(makeRow, readRow, fresh, addText, startWith) {
  return {
    set(box, values) {
      box.replaceChildren();
      const rows = el("div", { class: "rows" });
      const changed = () => box.dispatchEvent(new Event("input", { bubbles: true }));
      for (const v of values ?? Array.from({ length: startWith }, () => fresh([]))) rows.append(makeRow(v, changed));
      const add = el("button", { type: "button", class: "secondary", "data-add": "", text: addText });
      add.addEventListener("click", () => { rows.append(makeRow(fresh(this.get(box)), changed)); changed(); $("input, select", rows.lastElementChild).focus(); });
      box.append(rows, add);
    },
    get: (box) => $$(".rows > .builder-row", box).map(readRow),
    // "definition[2].label" -> that row's label input; "definition" -> the editor itself
    locate(box, field) {
      const m = /^\w+\[(\d+)\](?:\.(\w+))?/.exec(field || "");
      const row = m && $$(".rows > .builder-row", box)[Number(m[1])];
      return row ? ($(`[data-key=${m[2] || "label"}]`, row) || row) : null;
    },
  };
}

const freeId = (taken, stem) => { let n = taken.length + 1; while (taken.includes(`${stem}${n}`)) n++; return `${stem}${n}`; };

FIELD_EDITORS.questions = listEditor(questionRow, questionOf,
  (items) => ({ id: freeId(items.map((i) => i.id), "q"), type: "yesno", label: "", required: false }), "Add question", 1);
FIELD_EDITORS.dispositions = listEditor(dispositionRow, dispositionOf, (ds) => ({
  code: "", label: "", meaning: "final",
  key: [..."1234567890"].find((k) => !ds.some((d) => d.key === k)) || null }), "Add disposition", 0);

// The preview: the questions and buttons as the agent page will show them.
function drawPreview(form) {
  const preview = $("#script-preview");
  if (!preview) return;
  const questions = FIELD_EDITORS.questions.get($("#f-definition", form)).filter((q) => q.label.trim());
  const dispositions = FIELD_EDITORS.dispositions.get($("#f-dispositions", form)).filter((d) => d.code || d.label);
  $("#preview-questions").replaceChildren(...scriptQuestions(questions));
  $("#preview-dispositions").replaceChildren(...dispositionButtons(
    dispositions.map((d) => ({ ...d, label: d.label || d.code }))));
  $("#preview-default").hidden = dispositions.length > 0;
}

document.addEventListener("DOMContentLoaded", () => {
  const form = $("#object-form");
  if (!form || !$("#f-definition", form)) return;
  form.after(el("section", { id: "script-preview", class: "card", "aria-labelledby": "preview-title" },
    el("h2", { id: "preview-title", text: "Preview: what the agent sees" }),
    el("div", { id: "preview-questions", class: "script-form" }),
    el("p", { id: "preview-default", class: "hint", text: "No dispositions: the agent is offered the default ones." }),
    el("div", { id: "preview-dispositions", class: "dispositions" })));
  form.addEventListener("input", () => drawPreview(form));
  form.addEventListener("change", () => drawPreview(form));
  form.addEventListener("editors-filled", () => drawPreview(form));
});
