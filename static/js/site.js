// Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy can forbid inline scripts.
(function () {
  "use strict";
  document.querySelectorAll("select.submit-on-change").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
}());
