// The status wall keeps its last figures through a network drop and says since when; the next answer clears it.
(function () {
  var since = null;
  function offline() {
    var note = document.getElementById("wall-offline");
    if (!note) return;
    if (since === null) since = new Date();
    var time = since.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    note.textContent = note.dataset.message.replace("{time}", time);
    note.hidden = false;
  }
  function online() {
    var note = document.getElementById("wall-offline");
    since = null;
    if (note) note.hidden = true;
  }
  document.addEventListener("htmx:error", offline);
  document.addEventListener("htmx:after:request", function (event) {
    var response = event.detail && event.detail.ctx && event.detail.ctx.response;
    if (response && response.status < 500) online(); else if (response) offline();
  });
})();
