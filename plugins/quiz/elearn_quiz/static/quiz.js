// Progressive enhancement for the quiz: autosave and a live countdown.
// Without this file the page still works: the Save and Submit buttons post the form.
(function () {
  "use strict";
  var form = document.querySelector("form.quiz-attempt");
  if (!form) { return; }
  var seqField = form.querySelector("input[name=seq]");
  var status = form.querySelector(".quiz-autosave");
  var dirty = false, saving = false, submitted = false;

  function say(text) { if (status) { status.textContent = text; } }

  function post(action) {
    var data = new FormData(form);
    data.set("action", action);
    data.set("autosave", "1");
    return fetch(form.action, { method: "POST", body: data, credentials: "same-origin", redirect: "manual" });
  }

  function autosave() {
    if (!dirty || saving || submitted) { return; }
    saving = true; dirty = false;
    post("save").then(function (response) {
      // The server answers a form post with a redirect (opaque here) when the save was accepted.
      if (response.type === "opaqueredirect" || response.ok) {
        seqField.value = String(parseInt(seqField.value, 10) + 1);
        say(form.getAttribute("data-saved") || "✓");
      } else if (response.status === 409) {
        submitted = true;
        window.location.reload();
      } else {
        dirty = true;
      }
    }).catch(function () { dirty = true; }).then(function () { saving = false; });
  }

  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function () { submitted = true; });
  window.setInterval(autosave, 15000);

  var timer = form.querySelector(".quiz-timer");
  if (!timer) { return; }
  var end = Date.now() + parseInt(timer.getAttribute("data-seconds-left"), 10) * 1000;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    timer.textContent = "⏱ " + Math.floor(left / 60) + ":" + pad(left % 60);
    if (left <= 60) { timer.classList.add("ending"); }
    if (left === 0 && !submitted) {
      submitted = true;
      var button = document.createElement("input");
      button.type = "hidden"; button.name = "action"; button.value = "submit";
      form.appendChild(button);
      form.submit();
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
}());
