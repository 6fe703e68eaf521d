// Public booking page: choosing a service, place or person shows the free times at once
// (the "Show free times" button stays for browsers without scripts), and the name
// fields show only for a new client (who must also give a phone number).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.querySelectorAll("[data-autosubmit]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.form) {
        input.form.requestSubmit ? input.form.requestSubmit() : input.form.submit();
      }
    });
  });
  var form = document.getElementById("details-form");
  if (!form) {
    return;
  }
  var names = ["first_name", "last_name"].map(function (name) {
    var input = form.querySelector("[name=" + name + "]");
    return input ? input.closest(".field") : null;
  });
  // Name and phone are required of a new client only: the mark and the attribute follow.
  var newOnly = form.querySelectorAll("[data-new-client-required]");
  function sync() {
    var chosen = form.querySelector("input[name=visitor]:checked");
    var returning = chosen && chosen.value === "returning";
    names.forEach(function (field) {
      if (field) {
        field.hidden = returning;
      }
    });
    newOnly.forEach(function (input) {
      input.required = !returning;
      var label = form.querySelector("label[for=" + input.id + "] .req");
      if (label) {
        label.hidden = returning;
      }
    });
  }
  form.querySelectorAll("input[name=visitor]").forEach(function (radio) {
    radio.addEventListener("change", sync);
  });
  sync();
})();
