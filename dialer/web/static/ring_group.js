"use strict";
document.addEventListener("DOMContentLoaded", () => {
  $("#ring-group-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(async () => {
      const body = formValues(ev.target);
      for (const name of ["forward_number", "status_prompt", "whisper_prompt"]) {
        if (!(name in body)) body[name] = null;  // emptied: none (the shipped one)
      }
      await api("PUT", `/api/accounts/${meta("account")}/ring-group`, body);
      flash("Ring group saved.");
    });
  });
});
