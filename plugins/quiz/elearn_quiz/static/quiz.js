// Progressive enhancement for the quiz: autosave and a live countdown.
// Without this file the page still works: the Save and Submit buttons post the form.
//
// Autosave posts the form where the form posts, as a quiet save ("autosave=1") asking for JSON, with
// the form's save number ("seq"): the server refuses an older number (another tab saved newer answers:
// the page reloads to show them) and takes the same number with the same answers again as a retry.
// A save that got no answer (offline, server error) is sent again unchanged, after 2 s, 4 s, ... at most
// 60 s, and at once when the browser is back online; newer changes follow in the next save.
(function () {
  "use strict";
  var form = document.querySelector("form.quiz-attempt");
  if (!form) { return; }
  // The attribute, not form.action: that is the form's buttons named "action".
  var url = form.getAttribute("action");
  var seqField = form.querySelector("input[name=seq]");
  var status = form.querySelector(".quiz-autosave");
  var every = Math.max(parseFloat(form.getAttribute("data-autosave-seconds")) || 15, 1) * 1000;
  var FIRST_RETRY = 2000, LAST_RETRY = 60000;
  var dirty = false, saving = null, submitted = false, stopped = false;
  var pending = null; // {seq, body}: a save not yet confirmed, sent again exactly as it was
  var retryDelay = FIRST_RETRY, retryTimer = null;

  function text(name) { return form.getAttribute("data-text-" + name) || ""; }
  function say(message, unsaved) {
    if (!status) { return; }
    if (status.textContent !== message) { status.textContent = message; }
    status.classList.toggle("quiz-unsaved", !!unsaved);
  }

  function savedAt(response) {
    // The server's clock (the Date header), shown in the site's time zone and the page's language.
    var when = new Date(response.headers.get("Date") || Date.now());
    var time;
    try {
      time = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        hour: "numeric", minute: "2-digit", timeZone: form.getAttribute("data-timezone") || undefined
      }).format(when);
    } catch (e) {
      time = when.toLocaleTimeString();
    }
    return text("saved").replace("{time}", time);
  }

  function snapshot() {
    var body = new FormData(form);
    body.set("action", "save");
    body.set("autosave", "1");
    return { seq: parseInt(seqField.value, 10), body: body };
  }

  function retry(message) {
    say(message, true);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(function () { retryTimer = null; save(false); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, LAST_RETRY);
  }

  function saved(sent, response, data) {
    pending = null;
    retryDelay = FIRST_RETRY;
    if (parseInt(seqField.value, 10) === sent.seq) { seqField.value = String(sent.seq + 1); }
    if (data.message) {
      // The server had more to say than "saved" (the time was up and the attempt was submitted).
      submitted = true;
      window.location.reload();
      return;
    }
    say(savedAt(response));
  }

  function save(keepalive) {
    if (saving || submitted || stopped) { return; }
    if (!pending) {
      if (!dirty) { return; }
      pending = snapshot();
      dirty = false;
    }
    var sent = pending;
    say(text("saving"));
    saving = fetch(url, {
      method: "POST", body: sent.body, credentials: "same-origin", redirect: "manual",
      headers: { Accept: "application/json" }, keepalive: keepalive
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.ok && type.indexOf("application/json") === 0) {
        return response.json().then(function (data) { saved(sent, response, data); });
      }
      if (response.status === 409) {
        // Newer answers were saved elsewhere, or the attempt was submitted: show what the server has.
        submitted = true;
        window.location.reload();
      } else if (response.status >= 500 || response.status === 429) {
        retry(text("retrying"));
      } else {
        // Refused (the form expired, signed out): the buttons still post the answers.
        stopped = true;
        say(text("failed"), true);
      }
    }, function () {
      retry(text("offline"));
    }).then(function () { saving = null; });
  }

  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function (event) {
    if (saving && event.submitter && form.requestSubmit) {
      // Let the background save finish first, so the button's post carries the next save number.
      event.preventDefault();
      var button = event.submitter;
      saving.then(function () { if (!submitted) { form.requestSubmit(button); } });
      return;
    }
    // A save the server may have taken without our hearing of it: the post goes after it.
    if (pending) { seqField.value = String(pending.seq + 1); }
    submitted = true;
  });
  window.addEventListener("online", function () {
    retryDelay = FIRST_RETRY;
    window.clearTimeout(retryTimer);
    retryTimer = null;
    save(false);
  });
  // Leaving or hiding the page (a phone switching apps): save now, in a request that outlives the page.
  window.addEventListener("pagehide", function () { save(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(true); }
  });
  window.setInterval(function () { if (retryTimer === null) { save(false); } }, every);

  var timer = form.querySelector(".quiz-timer");
  if (!timer) { return; }
  var end = Date.now() + parseInt(timer.getAttribute("data-seconds-left"), 10) * 1000;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    timer.textContent = "⏱ " + Math.floor(left / 60) + ":" + pad(left % 60);
    if (left <= 60) { timer.classList.add("ending"); }
    if (left === 0 && !submitted) {
      var button = document.createElement("input");
      button.type = "hidden"; button.name = "action"; button.value = "submit";
      stopped = true; // no new background save: the answers go with the submission
      (saving || Promise.resolve()).then(function () {
        submitted = true;
        if (pending) { seqField.value = String(pending.seq + 1); }
        form.appendChild(button);
        form.submit();
      });
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
}());
