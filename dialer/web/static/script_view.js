// A call script as the agent sees it (dialer/core/scripts.py, dialer/core/dispositions.py):
// its questions as a form, the answers read back, the dispositions as buttons with their
// shortcut keys. Shared by the agent page and the script builder's preview.
"use strict";
let scriptFormCount = 0;  // several forms on a page (the builder's preview) keep ids apart

function questionInput(item, prefix) {
  const id = `${prefix}-${item.id}`;
  if (item.type === "yesno") {
    const set = el("fieldset", { "data-item": item.id, "data-type": item.type },
      el("legend", { text: item.label + (item.required ? " *" : "") }));
    for (const [value, text] of [["yes", "Yes"], ["no", "No"]]) {
      set.append(el("label", {}, el("input", { type: "radio", name: id, value }), ` ${text}`));
    }
    return set;
  }
  let input;
  if (item.type === "checkbox") input = el("input", { type: "checkbox", id });
  else if (item.type === "choice" || item.type === "multi") {
    input = el("select", item.type === "multi" ? { id, multiple: "" } : { id });
    if (item.type === "choice") input.append(el("option", { value: "", text: "—" }));
    for (const o of item.options || []) input.append(el("option", { value: o, text: o }));
  } else input = el("input", { id, type: item.type === "number" ? "number" : item.type === "date" ? "date" : "text" });
  input.dataset.item = item.id;
  input.dataset.type = item.type;
  if (item.required) input.setAttribute("aria-required", "true");
  const label = el("label", { for: id, text: item.label + (item.required ? " *" : "") });
  return item.type === "checkbox" ? el("label", {}, input, ` ${label.textContent}`) : el("div", {}, label, input);
}

// The questions of `items`, each in a box its field error can go to (data-question).
function scriptQuestions(items) {
  const prefix = `q${++scriptFormCount}`;
  return items.map((item) => el("div", { class: "question", "data-question": item.id },
    item.type === "text" ? el("p", { class: "script-text", text: item.label }) : questionInput(item, prefix)));
}

// The answers the form under `root` holds ({item id: answer}; unanswered ones left out).
function scriptAnswers(root) {
  const out = {};
  for (const input of $$("[data-item]", root)) {
    const id = input.dataset.item, type = input.dataset.type;
    if (type === "checkbox") out[id] = input.checked;
    else if (type === "yesno") {
      const picked = $("input:checked", input);
      if (picked) out[id] = picked.value === "yes";
    } else if (type === "multi") out[id] = Array.from(input.selectedOptions).map((o) => o.value);
    else if (input.value !== "") out[id] = type === "number" ? Number(input.value) : input.value;
  }
  return out;
}

// An error the API gave for "answers.<id>", shown under that question (true if it was).
function showQuestionError(root, field, message) {
  for (const old of $$(".field-error", root)) old.remove();
  for (const old of $$("[aria-invalid]", root)) old.removeAttribute("aria-invalid");
  const id = field && field.startsWith("answers.") && field.slice("answers.".length);
  const box = id && $$("[data-question]", root).find((q) => q.dataset.question === id);
  if (!box) return false;
  const errorId = `error-${box.closest("[id]")?.id || "script"}-${id}`;
  const input = $("[data-item]", box);
  if (input) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", errorId); }
  box.append(el("small", { class: "field-error", id: errorId, text: message }));
  return true;
}

const MEANINGS = { final: "final", callback: "call back", do_not_call: "do not call" };

// A button per disposition, its shortcut key shown on it.
function dispositionButtons(dispositions) {
  return dispositions.map((d) => {
    const button = el("button", { type: "button", class: `disposition ${d.meaning}`, "data-code": d.code, "data-label": d.label,
                                  title: `${d.label} (${MEANINGS[d.meaning] || d.meaning})` });
    if (d.key) {
      button.dataset.key = d.key;
      button.setAttribute("aria-keyshortcuts", d.key);
      button.append(el("kbd", { text: d.key }), " ");
    }
    button.append(d.label);
    return button;
  });
}
