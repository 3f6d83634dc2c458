/* Document upload with a progress bar. Loaded as a file (CSP: no inline scripts); without it the forms post
   normally. Posts to the API with the session cookie and the CSRF token of the form. */
(function () {
  "use strict";
  function setStatus(form, text) {
    var status = form.querySelector(".upload-status");
    if (status) { status.textContent = text; }
  }
  function errorText(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      return (body.error && body.error.message) || xhr.statusText;
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
      if (bar) { bar.hidden = false; bar.value = 0; }
      if (button) { button.disabled = true; }
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && bar) {
          bar.value = Math.round((e.loaded / e.total) * 100);
          setStatus(form, bar.value + " %");
        }
      });
      xhr.addEventListener("load", function () {
        if (button) { button.disabled = false; }
        if (xhr.status === 201) {
          setStatus(form, form.getAttribute("data-done") || "OK");
          window.location.reload();
        } else {
          if (bar) { bar.hidden = true; }
          setStatus(form, errorText(xhr));
        }
      });
      xhr.addEventListener("error", function () {
        if (button) { button.disabled = false; }
        if (bar) { bar.hidden = true; }
        setStatus(form, "Network error");
      });
      xhr.send(data);
    });
  });
})();
