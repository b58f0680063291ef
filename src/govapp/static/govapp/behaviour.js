/* Page behaviour without inline handlers, so the Content-Security-Policy can forbid inline
   script: data-confirm on a form (asked on submit) or a button (asked on click),
   data-confirm-skip="value" skips the question when that submit button was pressed,
   data-autosubmit on a field submits its form on change (data-clear names a field to empty),
   data-print prints the page. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    var skip = form.dataset.confirmSkip;
    if (skip && event.submitter && event.submitter.value === skip) return;
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    var el = event.target instanceof Element ? event.target.closest("[data-confirm],[data-print]") : null;
    if (!el || el instanceof HTMLFormElement) return;
    if (el.hasAttribute("data-print")) { event.preventDefault(); window.print(); return; }
    if (!window.confirm(el.dataset.confirm)) event.preventDefault();
  }, true);
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof Element) || !el.hasAttribute("data-autosubmit") || !el.form) return;
    var clear = el.getAttribute("data-clear");
    if (clear && el.form.elements[clear]) el.form.elements[clear].value = "";
    el.form.submit();
  });
})();
