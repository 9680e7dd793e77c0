"use strict";
async function loadPlans() {
  const all = $("#show-disabled").checked;
  const plans = (await api("GET", `/api/plans${all ? "?include_disabled=true" : ""}`)).items;
  const body = $("#plans tbody");
  body.replaceChildren();
  for (const p of plans) {
    const toggle = el("button", { type: "button", text: p.enabled ? "Disable" : "Enable" });
    toggle.addEventListener("click", () => guarded(async () => {
      await api("POST", `/api/plans/${p.id}/${p.enabled ? "disable" : "enable"}`);
      flash(`Plan ${p.name} ${p.enabled ? "disabled" : "enabled"}.`);
      await loadPlans();
    }));
    const window = p.window_start ? `${p.window_start}–${p.window_stop}` : "";
    body.append(el("tr", { "data-id": p.id, class: p.enabled ? "" : "disabled" },
      el("td", { text: p.name }), el("td", { text: window }),
      el("td", { text: p.all_day ? "yes" : "no" }),
      el("td", { text: p.international_allowed ? "yes" : "no" }),
      el("td", { text: p.training ? "yes" : "no" }),
      el("td", { text: p.max_attempts_per_hour ?? "" }),
      el("td", { text: p.accounts }),
      el("td", { class: "enabled", text: p.enabled ? "yes" : "no" }),
      el("td", {}, toggle)));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#show-disabled").addEventListener("change", () => guarded(loadPlans));
  $("#plan-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(async () => {
      const plan = await api("POST", "/api/plans", formValues(ev.target));
      flash(`Plan ${plan.name} created.`);
      ev.target.reset();
      await loadPlans();
    });
  });
  guarded(loadPlans);
});
