"use strict";
document.addEventListener("DOMContentLoaded", () => {
  $("#login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(async () => {
      const body = formValues(ev.target);
      const session = await api("POST", "/api/session", body);
      // Users who may only take calls go to their agent page; "/" redirects them too.
      const callsOnly = session.privileges.length === 1 && session.privileges[0] === "take_calls";
      location.href = (callsOnly && session.user.agent_id !== null) ? "/agent" : "/";
    });
  });
});
