"use strict";
document.addEventListener("DOMContentLoaded", () => {
  $("#login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(async () => {
      const body = formValues(ev.target);
      const session = await api("POST", "/api/session", body);
      const role = session.user.role;
      location.href = (role === "agent" && session.user.agent_id !== null) ? "/agent" : "/";
    });
  });
});
