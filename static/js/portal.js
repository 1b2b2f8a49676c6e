// The portal's page behaviour, in a static file because the Content Security Policy refuses inline scripts and
// event handlers: templates declare what they need with data- attributes.
//   data-confirm="Question?"  on a button or link: asks first, and does nothing unless the user agrees;
//   data-print                on a button: prints the page;
//   <meta name="csrf-token">  its content is sent as X-CSRFToken with every htmx request.
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

  document.addEventListener("htmx:configRequest", function (event) {
    const token = document.querySelector('meta[name="csrf-token"]');
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
  });
})();
