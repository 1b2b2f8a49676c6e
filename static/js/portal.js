// The portal's page behaviour, in a static file because the Content Security Policy refuses inline scripts and
// event handlers: templates declare what they need with data- attributes.
//   data-confirm="Question?"  on a button or link: asks first, and does nothing unless the user agrees;
//   data-print                on a button: prints the page;
//   <meta name="csrf-token">  its content is sent as X-CSRFToken with every htmx request.
// Before printing, Chart.js charts are drawn again at the printed page's width (static/css/print.css).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    const asking = event.target.closest("[data-confirm]");
    if (asking && !window.confirm(asking.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  // The page is laid out again for paper (narrower than the screen): charts drawn for the screen would overflow it
  // or be cut. Chart.js notices a resize only later, so redraw them now, and once more when back on the screen.
  function resizeCharts() {
    if (typeof window.Chart === "undefined") return;
    Object.values(window.Chart.instances).forEach(function (chart) {
      chart.resize();
    });
  }
  window.addEventListener("beforeprint", resizeCharts);
  window.addEventListener("afterprint", resizeCharts);
  window.matchMedia("print").addEventListener("change", resizeCharts);

  document.addEventListener("htmx:configRequest", function (event) {
    const token = document.querySelector('meta[name="csrf-token"]');
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
  });

  // A form sent back with errors takes the focus where a screen reader reads them and the keyboard starts the fix:
  // the form's own error (a wrong password), or else the first field in error (its label, then its error, linked
  // by aria-describedby). On "load", after the pickers (picker.js) have put their boxes in place of their selects.
  window.addEventListener("load", function () {
    const summary = document.querySelector("main form .alert-danger");
    const invalid = Array.from(document.querySelectorAll('main [aria-invalid="true"]')).find(
      (field) => field.checkVisibility() && !field.closest('[aria-hidden="true"]')
    );
    if (summary) summary.tabIndex = -1;
    if (summary || invalid) (summary || invalid).focus();
  });
})();
