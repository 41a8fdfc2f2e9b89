/* Groups and activities forms: "everyone was there" for attendance, +/- steppers for counts.
   Loaded with defer; no inline script (CSP). Works without it: the boxes and number inputs stay usable. */
(function () {
  "use strict";
  document.querySelectorAll("[data-check-all]").forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-check-all");
      var form = button.closest("form");
      form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) { box.checked = true; });
    });
  });
  document.querySelectorAll("[data-step]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-step-target"));
      if (!input) { return; }
      var step = parseInt(button.getAttribute("data-step"), 10);
      var value = parseInt(input.value || "0", 10);
      if (isNaN(value)) { value = 0; }
      input.value = Math.max(0, value + step);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
