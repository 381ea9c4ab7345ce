/*
 * Starts Redoc on the API documentation page. The schema address and Redoc's options come from
 * data-* attributes of #redoc-container, so the page needs no inline script.
 */
(function () {
  "use strict";

  var container = document.getElementById("redoc-container");
  if (!container || !window.Redoc) {
    return;
  }
  var options = {};
  if (container.dataset.settings) {
    try {
      options = JSON.parse(container.dataset.settings);
    } catch (error) {
      options = {};
    }
  }
  window.Redoc.init(container.dataset.schemaUrl, options, container);
})();
