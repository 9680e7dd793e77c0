"use strict";
document.addEventListener("DOMContentLoaded", () => {
  $("#ring-group-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(async () => {
      const body = formValues(ev.target);
      if (!("forward_number" in body)) body.forward_number = null;
      await api("PUT", `/api/accounts/${meta("account")}/ring-group`, body);
      flash("Ring group saved.");
    });
  });
});
