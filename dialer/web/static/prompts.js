// The account's audio prompts: list with playback, upload (multipart), text to speech, a
// recording from the desk phone, rename and delete. Field errors show next to the field.
"use strict";
const ACCOUNT = () => meta("account");

function seconds(value) { return value === null ? "" : `${value.toFixed(1)} s`; }

function row(p) {
  const rename = el("form", { class: "rename", "aria-label": `Rename ${p.name}` },
    el("div", { class: "field", "data-field": "name" },
      el("input", { name: "name", value: p.name, "aria-label": `New name of ${p.name}` })),
    el("button", { type: "submit", class: "secondary outline", text: "Rename" }));
  rename.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(rename, async () => {
      await api("PATCH", `/api/prompts/${p.id}`, formValues(rename));
      flash("Renamed.");
      await loadPrompts();
    });
  });
  const remove = el("form", { class: "remove", "aria-label": `Delete ${p.name}` },
    el("div", { class: "field", "data-field": "prompt" },
      el("button", { type: "submit", name: "prompt", class: "secondary", text: "Delete" })));
  remove.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(remove, async () => {
      await api("DELETE", `/api/prompts/${p.id}`);
      flash(`Deleted ${p.name}.`);
      await loadPrompts();
    });
  });
  const listen = p.status === "ready"
    ? el("audio", { controls: "", preload: "none", src: `/api/prompts/${p.id}/audio`, "aria-label": `Play ${p.name}` })
    : el("span", { text: p.status });
  return el("tr", { "data-id": p.id }, el("td", { text: p.name }), el("td", { text: p.source }),
    el("td", { text: seconds(p.duration_seconds) }), el("td", {}, listen),
    el("td", {}, rename, remove));
}

async function loadPrompts() {
  const page = await api("GET", `/api/accounts/${ACCOUNT()}/prompts?limit=500`);
  $("#prompt-list tbody").replaceChildren(...page.items.map(row));
  $("#list-empty").hidden = page.items.length > 0;
  // a recording in progress becomes ready (or failed) on its own: look again shortly
  if (page.items.some((p) => p.status === "recording")) setTimeout(() => guarded(loadPrompts), 2000);
}

function onSubmit(id, action) {
  const form = $(id);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    for (const other of $$("form")) clearErrors(other);
    submitting(form, async () => {
      await action(form);
      form.reset();
      await loadPrompts();
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  onSubmit("#upload-form", async (form) => {
    const body = new FormData();
    body.append("name", form.elements.name.value);
    if (form.elements.file.files.length) body.append("file", form.elements.file.files[0]);
    await api("POST", `/api/accounts/${ACCOUNT()}/prompts`, body);
    flash("Uploaded.");
  });
  onSubmit("#speech-form", async (form) => {
    await api("POST", `/api/accounts/${ACCOUNT()}/prompts/speech`, formValues(form));
    flash("Spoken.");
  });
  onSubmit("#record-form", async (form) => {
    await api("POST", `/api/accounts/${ACCOUNT()}/prompts/recording`, { name: form.elements.name.value });
    flash("Your desk phone is ringing: speak after the beep.");
  });
  guarded(loadPrompts);
});
