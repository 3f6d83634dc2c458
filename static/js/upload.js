/* Document upload with a progress bar. Loaded as a file (CSP: no inline scripts); without it the forms post
   normally. Posts to the API with the session cookie and the CSRF token of the form. A refusal is shown next to
   the document, in the form's status line (which the file input's aria-describedby names). */
(function () {
  "use strict";
  function setStatus(form, text, failed) {
    var status = form.querySelector(".upload-status");
    var input = form.querySelector("input[type=file]");
    if (status) {
      status.textContent = text;
      status.classList.toggle("upload-status-error", Boolean(failed));
    }
    if (input) {
      if (failed) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    }
  }
  function errorText(xhr) {
    try {
      var error = JSON.parse(xhr.responseText).error || {};
      // A validation error's message is only "Some fields are not valid."; the field messages say which.
      var details = error.code === "validation_error" && error.details ? error.details : {};
      var problems = [];
      Object.keys(details).forEach(function (field) {
        [].concat(details[field]).forEach(function (problem) {
          if (typeof problem === "string") { problems.push(problem); }
        });
      });
      return problems.length ? problems.join(" ") : (error.message || xhr.statusText);
    } catch (e) {
      return xhr.statusText || "Error";
    }
  }
  document.querySelectorAll("form.upload-form[data-upload-url]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var data = new FormData(form);
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      var bar = form.querySelector(".upload-progress");
      var button = form.querySelector("button[type=submit]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("data-upload-url"));
      xhr.setRequestHeader("X-CSRFToken", token ? token.value : "");
      xhr.setRequestHeader("Accept", "application/json");
      setStatus(form, "", false);
      if (bar) { bar.hidden = false; bar.value = 0; }
      if (button) { button.disabled = true; }
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && bar) {
          bar.value = Math.round((e.loaded / e.total) * 100);
          setStatus(form, bar.value + " %", false);
        }
      });
      xhr.addEventListener("load", function () {
        if (button) { button.disabled = false; }
        if (xhr.status === 201) {
          setStatus(form, form.getAttribute("data-done") || "OK", false);
          window.location.reload();
        } else {
          if (bar) { bar.hidden = true; }
          setStatus(form, errorText(xhr), true);
        }
      });
      xhr.addEventListener("error", function () {
        if (button) { button.disabled = false; }
        if (bar) { bar.hidden = true; }
        setStatus(form, form.getAttribute("data-network-error") || "Network error", true);
      });
      xhr.send(data);
    });
  });
})();
