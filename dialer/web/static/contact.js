// One contact of a campaign: may it be dialled now (every reason if not), and its timeline;
// or, from the directory (no campaign), the campaigns it is in and its timeline.
"use strict";
document.addEventListener("DOMContentLoaded", () => guarded(async () => {
  const { id, campaign } = $("#contact").dataset;
  const [timeline] = await Promise.all([
    api("GET", `/api/contacts/${id}/timeline`),
    campaign ? showWhy(id, campaign) : showCampaigns(id)]);
  $("#contact").firstChild.textContent = `${timeline.name || "Contact " + id} `;
  for (const e of timeline.events) {
    const { at, kind, ...rest } = e;
    const details = Object.entries(rest).filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ");
    const item = el("li", { "data-kind": kind },
      el("time", { text: at }), ` ${kind} `, el("span", { text: details }));
    if (kind === "attempt") {
      item.append(" ", el("a", { href: `/manage/attempts/${rest.attempt_id}`, text: "the call" }));
      if (rest.recording_name) {  // played inline, relayed from Asterisk by the API
        item.append(el("audio", { controls: "", preload: "none", src: `/api/attempts/${rest.attempt_id}/recording`,
                                  "aria-label": `Recording of call ${rest.attempt_id}` }));
      }
      item.append(whyDialled(rest.attempt_id));
    }
    $("#timeline").append(item);
  }
}));

async function showCampaigns(id) {
  const contact = await api("GET", `/api/contacts/${id}`);
  const list = $("#contact-campaigns");
  for (const c of contact.campaigns) {
    list.append(el("li", { "data-campaign": c.campaign_id },
      el("a", { href: `/campaigns/${c.campaign_id}/contacts/${id}`, text: `Campaign ${c.campaign_id}` }),
      ` ${c.status}, ${c.attempts} attempts`));
  }
  if (!contact.campaigns.length) list.append(el("li", { text: "In no campaign." }));
}

async function showWhy(id, campaign) {
  const why = await api("GET", `/api/campaigns/${campaign}/contacts/${id}/why`);
  const box = $("#why");
  box.append(el("p", { class: why.eligible ? "ok" : "error",
    text: `${why.eligible ? "Yes" : "No"} — state ${why.state}, ${why.attempts} attempts` +
          (why.next_possible_at ? `, next possible ${why.next_possible_at}` : "") }));
  const reasons = el("ul", { id: "reasons" });
  for (const r of why.reasons) reasons.append(el("li", { "data-code": r.code, text: r.message }));
  box.append(reasons);
}

// "Why was this number dialled": the verdict kept with the attempt, and its recomputation.
function whyDialled(attemptId) {
  const box = el("details", { class: "why-dialled" }, el("summary", { text: "why dialled" }));
  box.addEventListener("toggle", () => guarded(async () => {
    if (!box.open || box.dataset.loaded) return;
    box.dataset.loaded = "1";
    const c = await api("GET", `/api/attempts/${attemptId}/compliance`);
    const v = c.verdict;
    const lines = v === null ? [c.message] : [
      `checked ${v.checked_at} for ${v.phone} (${v.purpose}), in ${v.jurisdictions.join(", ")}`,
      ...v.zones.map(z => `local time in ${z.zone}: ${z.local_time}`),
      ...v.rules.map(r => `rule: ${r.jurisdiction} ${r.rule} (${r.source})`),
      ...v.caps.map(k => `cap: ${k.rule}: ${k.count} of ${k.limit} in ${k.period_hours} h`),
      ...v.lists.map(l => `list: ${l.name} as of ${l.as_of ?? "never"}: ` +
                          (l.listed ? "listed" : "not listed")),
      c.matches ? "recomputed now: the same" : `recomputed now: differs in ${c.differences.join(", ")}`];
    box.append(el("ul", {}, ...lines.map(t => el("li", { text: t }))));
  }));
  return box;
}
