// Shared by every page: the JSON API with the session's CSRF token, and small DOM helpers.
"use strict";
const meta = (name) => document.querySelector(`meta[name="${name}"]`).content;
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.field ? `${e.field}: ${e.message}` : `HTTP ${status}`);
    this.status = status; this.field = e.field;
  }
}

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = meta("csrf");
  if (body instanceof FormData) opts.body = body;
  else if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  const data = (resp.headers.get("Content-Type") || "").includes("json") ? await resp.json() : null;
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

function flash(message, isError = false) {
  const el = $("#flash");
  el.textContent = message;
  el.className = isError ? "error" : "ok";
}

// Run an async action; show its error in the flash line instead of failing silently.
async function guarded(fn) {
  try { return await fn(); } catch (err) { flash(err.message, true); return undefined; }
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "style") node.style.cssText = v;  // CSP refuses style attributes, not CSSOM
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

// Form values: numbers for type=number, booleans for checkboxes; empty fields left out.
function formValues(form) {
  const out = {};
  for (const input of $$("input, select, textarea", form)) {
    if (!input.name || input.type === "file") continue;
    if (input.type === "checkbox") out[input.name] = input.checked;
    else if (input.value === "") continue;
    else if (input.type === "number") out[input.name] = Number(input.value);
    else out[input.name] = input.value;
  }
  return out;
}

// A form's control for a field the API names (object pages, prompts).
const control = (form, name) => form.querySelector(`[data-field="${name}"] [name="${name}"], #f-${name}`);

function clearErrors(form) {
  for (const old of $$(".field-error", form)) old.remove();
  for (const box of $$("[aria-invalid]", form)) {
    box.removeAttribute("aria-invalid");
    box.setAttribute("aria-describedby", (box.getAttribute("aria-describedby") || "").replace(/\s*error-\S+/, "").trim());
  }
}

// Field types edited by a widget of their own (e.g. script_builder.js on the object pages):
// type -> { set(box, value), get(box), locate(box, errorField) -> the input or null }.
const FIELD_EDITORS = {};

// Run a form's action; an error naming one of its fields shows next to that field.
async function submitting(form, action) {
  clearErrors(form);
  try {
    await action();
  } catch (err) {
    const name = err.field && err.field.split(/[.[]/)[0];  // "definition[0].type": definition
    const field = name && control(form, name);
    if (!field) { flash(err.message, true); return; }
    const editor = FIELD_EDITORS[field.dataset.type];
    const box = (editor && editor.locate(field, err.field)) || field;
    const message = err.message.replace(`${err.field}: `, name === err.field || box !== field ? "" : `${err.field}: `);
    box.setAttribute("aria-invalid", "true");
    box.setAttribute("aria-describedby", `${box.getAttribute("aria-describedby") || ""} error-${name}`.trim());
    const error = el("small", { class: "field-error", id: `error-${name}`, text: message });
    if (box === field) field.closest(".field").append(error);
    else (box.closest("label") || box).after(error);
    box.focus();
    flash(`Not saved: ${err.message}`, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const logout = $("#logout");
  if (logout) logout.addEventListener("click", () => guarded(async () => {
    await api("DELETE", "/api/session");
    location.href = "/login";
  }));
});

// A server-sent events feed that stays open: EventSource retries by itself after a dropped
// stream or a refused connection (the dialer restarting), but gives up for good on an HTTP
// error answer (a proxy's 502 meanwhile); then a new one is opened a few seconds later.
// `listeners`: event kind -> handler; `onState("open" | "reconnecting")`.
function liveFeed(url, listeners, onState = () => {}) {
  const feed = new EventSource(url);
  for (const [kind, handler] of Object.entries(listeners)) feed.addEventListener(kind, handler);
  feed.addEventListener("open", () => onState("open"));
  feed.addEventListener("error", () => {
    onState("reconnecting");
    if (feed.readyState === EventSource.CLOSED) setTimeout(() => liveFeed(url, listeners, onState), 3000);
  });
}
