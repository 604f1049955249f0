/* Page behaviour that used to sit in inline on*="" attributes, which the Content-Security-Policy forbids.
   Delegated from the document, so content swapped in by htmx works without re-binding. */
(function () {
  "use strict";

  // <input type="checkbox" data-select-all="input[name=deals]">: ticks or clears every matching checkbox.
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-select-all]");
    if (box) {
      document.querySelectorAll(box.dataset.selectAll).forEach(function (other) {
        other.checked = box.checked;
      });
    }
    // <select data-autosubmit>: a filter that applies as soon as it is chosen.
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      field.form.submit();
    }
  });

  // <input data-select-on-click>: a secret shown once, selected whole for copying.
  document.addEventListener("click", function (event) {
    var input = event.target.closest("[data-select-on-click]");
    if (input) {
      input.select();
    }
  });
})();
