// The agent's page: session state (polled each second) shown in a banner, the contact offered
// or on the line beside its script (script_view.js), dispositions as buttons with keyboard
// shortcuts, followup; dial or skip a preview; manual dial; end the call; hold, transfer,
// conference.
"use strict";
const AGENT = meta("agent");
const reasonNames = new Map();  // the account's pause reasons: id -> name
let current = { state: "logged_out" };
let callStage = null;  // the customer's call (dialer/transfers/machine.py), while on a call
let heldSince = null;  // when this page first saw the call on hold
let shownAttempt = null;
let attemptContact = null;  // a campaign call's contact (the session shows only its attempt)
// What each stage of the customer's call lets the agent do (dialer/transfers/machine.py).
const CALL_CONTROLS = { talking: ["hold", "transfer"], held: ["resume", "transfer"],
  ringing: ["cancel"], consulting: ["complete", "conference", "cancel"], conferenced: ["leave", "cancel"] };

function showCallStage(stage) {
  if (stage === "held" && callStage !== "held") heldSince = Date.now();
  callStage = stage;
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
  const { script, dispositions } = await api("GET", `/api/attempts/${attemptId}/script`);
  $("#script-items").replaceChildren(...scriptQuestions((script && script.definition) || []));
  $("#save-answers").hidden = !script;
  $("#disposition-buttons").replaceChildren(...dispositionButtons(dispositions));
  for (const b of $$("#disposition-buttons button")) b.addEventListener("click", () => guarded(() => choose(b)));
}

const saveDraft = () => api("PUT", `/api/attempts/${shownAttempt}/answers`,
  { answers: scriptAnswers($("#script-items")), partial: true });

// Runs `action`; an API error naming a question shows under it. True if it went through.
async function answering(action) {
  try {
    await action();
  } catch (err) {
    if (!showQuestionError($("#script-items"), err.field, err.message.replace(`${err.field}: `, ""))) throw err;
    flash(`Not saved: ${err.message}`, true);
    return false;
  }
  showQuestionError($("#script-items"), null);
  return true;
}

// The answers so far are saved (a draft), then the disposition: refused while a required
// question is unanswered.
async function choose(button) {
  let done;
  const saved = await answering(async () => {
    if (!$("#save-answers").hidden) await saveDraft();
    done = await api("PUT", `/api/attempts/${shownAttempt}/disposition`, { disposition: button.dataset.code });
  });
  if (!saved) return;
  for (const b of $$("#disposition-buttons button")) b.setAttribute("aria-pressed", String(b === button));
  $("#disposition-saved").textContent = `Disposition “${button.dataset.label}” saved` +
    (done.next_state ? `; the contact is now ${done.next_state}.` : ".");
  if (done.meaning === "callback") {
    $("#followup-saved").textContent = "A callback: schedule it below.";
    $("#followup-form input[name=local_time]").focus();
  }
}

// A disposition's key chooses it, unless the agent is typing in a field.
function onShortcut(ev) {
  if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.repeat || $("#call").hidden || $("#disposition-form").hidden) return;
  if (ev.target.closest("input, textarea, select, [contenteditable]")) return;
  const button = $$("#disposition-buttons button").find((b) => b.dataset.key === ev.key.toLowerCase());
  if (!button) return;
  ev.preventDefault();
  button.focus();
  guarded(() => choose(button));
}

// The banner: what the agent is doing, how long for (a countdown in wrap-up).
function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const reasonName = (id) => reasonNames.get(id) || `reason #${id}`;

function bannerOf(session) {
  const since = session.since ? (Date.now() - Date.parse(session.since)) / 1000 : null;
  const shown = session.preview || attemptContact || {};
  const number = (shown.phones || [])[0] || shown.caller_id || "";
  switch (session.state) {
    case "available": return ["available", "Available", "", null, "Waiting for the next call."];
    case "logging_in": return ["ringing", "Your desk phone is ringing", "", since, "Answer it to log in."];
    case "not_ready": {
      const reason = session.pause_reason_id && reasonName(session.pause_reason_id);
      return ["paused", "Paused", "", since, reason ? `Reason: ${reason}. Ready takes calls again.` : "No reason given. Ready takes calls again."];
    }
    case "preview": return ["preview", "Preview", number, since, "Dial the contact or skip it."];
    case "dialling": return ["ringing", "Ringing", number, since, "Calling the contact…"];
    case "on_call":
      if (callStage === "held") return ["held", "On hold", number, (Date.now() - heldSince) / 1000, "The customer hears music. Resume to talk again."];
      return ["talking", "Talking", number, since, callStage && callStage !== "talking" ? `Transfer: ${callStage}.` : ""];
    case "wrap_up": {
      if (!session.wrap_up_ends_at) return ["wrap_up", "Wrap-up", "", since, ""];
      const left = (Date.parse(session.wrap_up_ends_at) - Date.now()) / 1000;
      return ["wrap_up", "Wrap-up", "", left, "Choose a disposition. At 0:00 you are available for the next call (Not ready keeps you out)."];
    }
    case "phone_lost": return ["paused", "Desk phone lost", "", since, "It is rung again when the phone system is back."];
    default: return ["logged_out", "Logged out", "", null, "Log in to take calls."];
  }
}

function showBanner() {
  const [kind, title, number, seconds, detail] = bannerOf(current);
  $("#banner").dataset.state = kind;
  $("#banner-title").textContent = title;
  $("#banner-number").textContent = number;
  $("#banner-clock").textContent = seconds === null ? "" : (kind === "wrap_up" ? `${clock(seconds)} left` : clock(seconds));
  $("#banner-detail").textContent = detail;
}

async function refresh() {
  current = await loadSession();
  $("#state").textContent = current.state;
  $("#state").dataset.state = current.state;
  const reason = current.state === "not_ready" && current.pause_reason_id;
  $("#pause-shown").textContent = reason ? `(${reasonName(reason)})` : "";
  $("#since").textContent = current.since ? `since ${current.since.slice(11, 19)} UTC` : "";
  await showCall(current.attempt_id || null);
  showContact(current.preview || attemptContact);
  $("#preview-actions").hidden = current.state !== "preview";
  const onCall = current.state === "on_call";
  $("#hang-up").hidden = !onCall;
  const call = onCall ? await api("GET", `/api/agents/${AGENT}/call`) : null;
  $("#call-control").hidden = !(call && call.controls);
  if (call && call.call) showCallStage(call.call);
  else callStage = null;
  showBanner();
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
  onSubmit("#script-form", async () => { if (await answering(saveDraft)) flash("Answers saved."); });
  document.addEventListener("keydown", onShortcut);
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
  setInterval(showBanner, 250);  // the clocks move between two reads
});
