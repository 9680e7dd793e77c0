// The agent's page: session state (polled), the contact offered or on the line, its script,
// disposition and followup; dial or skip a preview; manual dial; end the call; hold, transfer,
// conference.
"use strict";
const AGENT = meta("agent");
const reasonNames = new Map();  // the account's pause reasons: id -> name
let current = { state: "logged_out" };
let shownAttempt = null;
let attemptContact = null;  // a campaign call's contact (the session shows only its attempt)
// What each stage of the customer's call lets the agent do (dialer/transfers/machine.py).
const CALL_CONTROLS = { talking: ["hold", "transfer"], held: ["resume", "transfer"],
  ringing: ["cancel"], consulting: ["complete", "conference", "cancel"], conferenced: ["leave", "cancel"] };

function showCallStage(stage) {
  $("#call-stage").textContent = stage;
  const allowed = CALL_CONTROLS[stage] || [];
  for (const b of $$("#call-control [data-call]")) b.hidden = !allowed.includes(b.dataset.call);
  $("#transfer-form").hidden = !allowed.includes("transfer");
}

async function loadSession() {
  const sessions = (await api("GET", "/api/agents/sessions")).items;
  return sessions.find((s) => String(s.agent_id) === AGENT) || { agent_id: Number(AGENT), state: "logged_out" };
}

function showContact(details) {
  $("#preview-card").hidden = !details;
  if (!details) return;
  $("#contact-name").textContent = details.name || details.phones?.[0] || "";
  $("#contact-campaign").textContent = details.campaign ? `Campaign ${details.campaign}` : "";
  $("#contact-phones").textContent = (details.phones || []).join(", ");
  const fields = $("#contact-fields");
  fields.replaceChildren();
  for (const [k, v] of Object.entries(details.fields || {})) fields.append(el("dt", { text: k }), el("dd", { text: v }));
}

function scriptItem(item) {
  if (item.type === "text") return el("p", { class: "script-text", text: item.label });
  const label = el("label", { text: `${item.label} ` });
  let input;
  if (item.type === "checkbox") input = el("input", { type: "checkbox" });
  else if (item.type === "choice" || item.type === "multi") {
    input = el("select", item.type === "multi" ? { multiple: "" } : {});
    for (const o of item.options || []) input.append(el("option", { value: o, text: o }));
  } else input = el("input", {});
  input.dataset.item = item.id;
  input.dataset.type = item.type;
  label.append(input);
  return label;
}

async function showCall(attemptId) {
  if (attemptId === shownAttempt) return;
  shownAttempt = attemptId;
  $("#disposition-saved").textContent = "";
  $("#followup-saved").textContent = "";
  attemptContact = null;
  if (!attemptId) {
    $("#call").hidden = true;
    return;
  }
  $("#attempt-id").textContent = `#${attemptId}`;
  try {
    await loadCall(attemptId);
  } catch (err) {
    shownAttempt = null;  // read again at the next refresh (the call's agent is being written)
    throw err;
  }
  // shown once its contact and script are there, unless another call came meanwhile
  if (shownAttempt === attemptId) {
    showContact(attemptContact);
    $("#call").hidden = false;
  }
}

async function loadCall(attemptId) {
  const attempt = await api("GET", `/api/attempts/${attemptId}`);
  // a call transferred to this agent: the disposition stays with the first agent
  $("#disposition-form").hidden = attempt.agent_id !== Number(AGENT);
  const contact = await api("GET", `/api/contacts/${attempt.contact_id}`);
  attemptContact = { name: contact.name, fields: contact.fields,
    phones: [attempt.phone], campaign: attempt.campaign_id ? `#${attempt.campaign_id}` : "" };
  const { script } = await api("GET", `/api/attempts/${attemptId}/script`);
  const items = $("#script-items");
  items.replaceChildren();
  $("#save-answers").hidden = !script;
  $("#dispositions").replaceChildren(...((script && script.dispositions) || []).map((d) => el("option", { value: d })));
  for (const item of (script && script.definition) || []) items.append(scriptItem(item));
}

function answers() {
  const out = {};
  for (const input of $$("#script-items [data-item]")) {
    const type = input.dataset.type;
    if (type === "checkbox") out[input.dataset.item] = input.checked;
    else if (type === "multi") out[input.dataset.item] = Array.from(input.selectedOptions).map((o) => o.value);
    else if (input.value !== "") out[input.dataset.item] = input.value;
  }
  return out;
}

async function refresh() {
  current = await loadSession();
  $("#state").textContent = current.state;
  $("#state").dataset.state = current.state;
  const reason = current.state === "not_ready" && current.pause_reason_id;
  $("#pause-shown").textContent = reason ? `(${reasonNames.get(reason) || `reason #${reason}`})` : "";
  $("#since").textContent = current.since ? `since ${current.since.slice(11, 19)} UTC` : "";
  await showCall(current.attempt_id || null);
  showContact(current.preview || attemptContact);
  $("#preview-actions").hidden = current.state !== "preview";
  const onCall = current.state === "on_call";
  $("#hang-up").hidden = !onCall;
  const call = onCall ? await api("GET", `/api/agents/${AGENT}/call`) : null;
  $("#call-control").hidden = !(call && call.controls);
  if (call && call.call) showCallStage(call.call);
}

async function loadPauseReasons() {
  const { items } = await api("GET", `/api/accounts/${meta("account")}/pause-reasons?limit=500`);
  for (const r of items) {
    reasonNames.set(r.id, r.name);
    $("#pause-reason").append(el("option", { value: r.id, text: r.name }));
  }
}

function onSubmit(selector, handler) {
  $(selector).addEventListener("submit", (ev) => { ev.preventDefault(); guarded(() => handler(ev.target)); });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of $$(".actions button[data-action]")) {
    b.addEventListener("click", () => guarded(async () => {
      await api("POST", `/api/agents/${AGENT}/${b.dataset.action}`);
      await refresh();
    }));
  }
  $("#not-ready").addEventListener("click", () => guarded(async () => {
    const chosen = $("#pause-reason").value;
    await api("POST", `/api/agents/${AGENT}/not-ready`, { reason_id: chosen ? Number(chosen) : null });
    await refresh();
  }));
  // the call's own machine hangs the customer up; answered once they are gone (wrap-up)
  $("#hang-up").addEventListener("click", () => guarded(async () => {
    await api("POST", `/api/agents/${AGENT}/call/hangup`); await refresh();
  }));
  $("#dial").addEventListener("click", () => guarded(async () => {
    await api("POST", `/api/agents/${AGENT}/preview/dial`); await refresh();
  }));
  $("#skip").addEventListener("click", () => guarded(async () => {
    await api("POST", `/api/agents/${AGENT}/preview/skip`); await refresh();
  }));
  for (const b of $$("#call-control [data-call]")) {
    b.addEventListener("click", () => guarded(async () => {
      await api("POST", `/api/agents/${AGENT}/call/${b.dataset.call}`);
      await refresh();
    }));
  }
  onSubmit("#transfer-form", async (form) => {
    const to = form.to.value, raw = form.target.value.trim();
    await api("POST", `/api/agents/${AGENT}/call/transfer`,
      { mode: form.mode.value, [to]: to === "number" ? raw : Number(raw) });
    await refresh();
  });
  onSubmit("#script-form", async () => {
    await api("PUT", `/api/attempts/${shownAttempt}/answers`, { answers: answers(), partial: true });
    flash("Answers saved.");
  });
  onSubmit("#disposition-form", async (form) => {
    const done = await api("PUT", `/api/attempts/${shownAttempt}/disposition`, { disposition: form.disposition.value });
    $("#disposition-saved").textContent = `Disposition “${done.disposition}” saved` +
      (done.next_state ? `; the contact is now ${done.next_state}.` : ".");
  });
  onSubmit("#followup-form", async (form) => {
    const followup = await api("POST", `/api/agents/${AGENT}/followups`, {
      local_time: form.local_time.value, zone: form.zone.value, attempt_id: shownAttempt,
      source: current.state === "wrap_up" ? "wrap_up" : "call" });
    $("#followup-saved").textContent = `Followup scheduled for ${followup.local_time} (${followup.timezone}).`;
  });
  onSubmit("#manual-form", async (form) => {
    await api("POST", `/api/agents/${AGENT}/manual-dial`, { number: form.number.value });
    flash(`Dialling ${form.number.value}…`);
    await refresh();
  });
  guarded(async () => { await loadPauseReasons(); await refresh(); });
  setInterval(() => guarded(refresh), 1000);
});
