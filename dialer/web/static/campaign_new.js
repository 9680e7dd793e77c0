// The new-campaign tabs: general settings and script create the campaign; then contacts
// (CSV with a column mapping, filters), rules and caller ids are added to it
// (campaign_parts.js).
"use strict";
let campaignId = null;

function showTab(name) {
  for (const b of $$(".tabs button")) {
    b.classList.toggle("active", b.dataset.tab === name);
    b.setAttribute("aria-selected", String(b.dataset.tab === name));
  }
  for (const s of $$("section.tab")) s.hidden = s.id !== `tab-${name}`;
}

document.addEventListener("DOMContentLoaded", () => {
  const account = meta("account");
  for (const b of $$(".tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));

  onSubmit("#general-form", async (form) => {
    const body = formValues(form);
    if (body.agent_group_id) body.agent_group_id = Number(body.agent_group_id);
    if ($("#script-id").value) body.script_id = Number($("#script-id").value);
    const campaign = await api("POST", `/api/accounts/${account}/campaigns`, body);
    campaignId = campaign.id;
    for (const b of $$(".tabs button")) b.disabled = ["general", "script"].includes(b.dataset.tab);
    for (const i of $$("input, select, button", form)) i.disabled = true;
    $("#created-name").textContent = `“${campaign.name}” (draft)`;
    $("#go-campaign").href = `/campaigns/${campaign.id}`;
    flash(`Campaign ${campaign.name} created: add its contacts, rules and numbers.`);
    showTab("contacts");
  });

  onSubmit("#script-form", async (form) => {
    const questions = form.questions.value.split("\n").map((q) => q.trim()).filter(Boolean);
    const script = await api("POST", `/api/accounts/${account}/scripts`, {
      name: form.name.value,
      definition: questions.map((q, i) => ({ id: `q${i + 1}`, type: "free", label: q })),
      dispositions: form.dispositions.value.split(",").map((d) => d.trim()).filter(Boolean),
    });
    $("#script-id").append(el("option", { value: script.id, text: script.name }));
    $("#script-id").value = script.id;
    flash(`Script ${script.name} created and chosen.`);
  });

  wireCampaignParts(account, () => campaignId, {
    rule: (rule) => $("#rules").append(el("li", { text: `${rule.action} when ${JSON.stringify(rule.condition)}` })),
    number: (added) => $("#numbers").append(el("li", { text: added.number })),
  });
});
