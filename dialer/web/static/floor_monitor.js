// The supervisor on an agent's call from the wallboard (dialer/monitor): listen, whisper or
// barge (the dialer rings the supervisor's desk phone, then joins it), switch mode, leave.
// What this page started is shown on the agent's row; while the desk phone rings its state
// is read again each second (it changes when the supervisor picks up, not the agent).
"use strict";
const MODES = ["listen", "whisper", "barge"];
let watch = null;  // this page's monitoring: {agent_id, mode, state} as the API answers
let ringing = null;  // the timer reading it while the phone rings

function monitorButton(name, label, action) {
  const b = el("button", { type: "button", "data-monitor": name, text: label });
  b.addEventListener("click", () => guarded(async () => { await action(); show(); }));
  return b;
}

async function startMonitoring(agentId, mode) {
  watch = await api("POST", `/api/agents/${agentId}/monitor`, { mode });
  clearInterval(ringing);
  ringing = setInterval(() => guarded(readMonitoring), 1000);
}

async function readMonitoring() {
  if (!watch) { clearInterval(ringing); return; }
  try {
    watch = await api("GET", `/api/agents/${watch.agent_id}/monitor`);
  } catch (err) {
    if (err.status !== 409) throw err;
    watch = null;  // over: the phone was not answered, or the call ended
  }
  if (!watch || watch.state !== "ringing") clearInterval(ringing);
  show();
}

// The row's cell: buttons to start on an agent on a call; on the agent this page monitors,
// the mode and state, the other modes to switch to, and leave.
function monitorCell(agent, agentId) {
  const td = el("td", { class: "monitor" });
  if (watch && watch.agent_id === agentId && agent.state !== "on_call") watch = null;  // call over
  if (watch && watch.agent_id === agentId) {
    td.append(el("span", { class: "monitoring", "data-mode": watch.mode, "data-state": watch.state,
      text: `you: ${watch.mode}, ${watch.state} ` }));
    for (const mode of MODES.filter((m) => m !== watch.mode)) {
      td.append(monitorButton(`switch-${mode}`, mode, async () => {
        watch = await api("PATCH", `/api/agents/${agentId}/monitor`, { mode });
      }));
    }
    td.append(monitorButton("leave", "leave", async () => {
      await api("DELETE", `/api/agents/${agentId}/monitor`);
      watch = null;
    }));
  } else if (!watch && agent.state === "on_call" && !agent.hidden) {
    for (const mode of MODES) td.append(monitorButton(`start-${mode}`, mode, () => startMonitoring(agentId, mode)));
  }
  return td;
}
