// Evidence uploads with a progress bar: htmx sends with fetch, which reports no upload progress, so a slow
// phone's upload goes through XMLHttpRequest here and the answer replaces the files section as htmx would.
// Without this script the form posts normally and the page comes back.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form.evidence-upload");
    if (!form || !window.FormData || !window.XMLHttpRequest) return;
    event.preventDefault();
    var target = document.querySelector(form.getAttribute("data-evidence-target"));
    var progress = form.querySelector(".evidence-progress");
    var button = form.querySelector("button[type=submit]");
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("HX-Request", "true");
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      progress.hidden = false;
      progress.value = Math.round((100 * e.loaded) / e.total);
    });
    request.addEventListener("load", function () {
      var holder = document.createElement("div");
      holder.innerHTML = request.responseText;
      var section = holder.querySelector("section.evidence");
      if (!section || !target || section.id !== target.id) {
        failed();  // too large for the server (413), or an error page
        return;
      }
      target.replaceWith(section);
      if (window.htmx) window.htmx.process(section);
      var focus = section.querySelector("[aria-invalid=true]") || section.querySelector("h2");
      if (focus) {
        if (!focus.hasAttribute("tabindex") && focus.tagName === "H2") focus.setAttribute("tabindex", "-1");
        focus.focus();
      }
    });
    request.addEventListener("error", failed);

    function failed() {
      button.disabled = false;
      progress.hidden = true;
      var message = form.querySelector(".evidence-failed");
      message.hidden = false;
      message.focus();
    }
    button.disabled = true;
    progress.hidden = false;
    progress.removeAttribute("value");
    request.send(new FormData(form));
  });
})();
