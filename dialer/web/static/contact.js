// One contact of a campaign: may it be dialled now (every reason if not), and its timeline.
"use strict";
document.addEventListener("DOMContentLoaded", () => guarded(async () => {
  const { id, campaign } = $("#contact").dataset;
  const [why, timeline] = await Promise.all([
    api("GET", `/api/campaigns/${campaign}/contacts/${id}/why`),
    api("GET", `/api/contacts/${id}/timeline`)]);
  const box = $("#why");
  box.append(el("p", { class: why.eligible ? "ok" : "error",
    text: `${why.eligible ? "Yes" : "No"} — state ${why.state}, ${why.attempts} attempts` +
          (why.next_possible_at ? `, next possible ${why.next_possible_at}` : "") }));
  const reasons = el("ul", { id: "reasons" });
  for (const r of why.reasons) reasons.append(el("li", { "data-code": r.code, text: r.message }));
  box.append(reasons);
  $("#contact").firstChild.textContent = `${timeline.name || "Contact " + id} `;
  for (const e of timeline.events) {
    const { at, kind, ...rest } = e;
    const details = Object.entries(rest).filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ");
    $("#timeline").append(el("li", { "data-kind": kind },
      el("time", { text: at }), ` ${kind} `, el("span", { text: details })));
  }
}));
