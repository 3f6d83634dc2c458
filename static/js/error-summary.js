/* The error summary of the application form's steps. The server renders it first on the page with autofocus;
   this file only makes each of its links put the keyboard focus on the field it names (following an in-page
   link scrolls but does not move the focus to an input). Loaded as a file (CSP: no inline scripts). */
(function () {
  "use strict";
  function focusTarget(event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) { return; }
    event.preventDefault();
    // Show the field with its label above it, then give it the focus without scrolling it back to the edge.
    var label = document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView();
    field.focus({preventScroll: true});
  }
  document.querySelectorAll(".error-summary").forEach(function (summary) {
    summary.addEventListener("click", focusTarget);
    if (document.activeElement !== summary) { summary.focus(); }
  });
})();
