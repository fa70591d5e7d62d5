// Progressive enhancement for the plan: saves in the background a moment after the writer stops
// typing, and warns before leaving the page with changes not saved yet. Without it the page's Save
// buttons do the same. Each save names the plan version it started from ("base"), so the server
// merges co-authors' sections and never lets an older tab overwrite newer text (it answers with the
// conflict instead, and the page reloads to show both texts).
(function () {
  "use strict";
  var form = document.querySelector("form.ws-plan");
  if (!form || !window.fetch || !window.FormData) { return; }
  var baseField = form.querySelector("input[name=base]");
  var status = form.querySelectorAll(".ws-saved");
  var dirty = false, saving = false, again = false, timer = null, lastSection = null;

  function say(text) {
    for (var i = 0; i < status.length; i++) { status[i].textContent = text; }
  }

  function save() {
    timer = null;
    if (saving) { again = true; return; }
    saving = true;
    var body = new FormData(form);
    body.set("action", "save");
    if (lastSection) { body.set("editing", lastSection); }
    var url = form.getAttribute("action");
    say(form.getAttribute("data-saving") || "…");
    fetch(url, {method: "POST", body: body, credentials: "same-origin",
                headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (answer) { return {ok: response.ok, answer: answer}; });
      })
      .then(function (got) {
        saving = false;
        var result = got.answer && got.answer.result;
        if (!got.ok || !result) {
          say((got.answer && got.answer.error && got.answer.error.message) || "!");
          return;
        }
        baseField.value = String(result.version);
        form.setAttribute("data-base", String(result.version));
        var conflicts = Object.keys(result.conflicts || {}).length;
        var problems = Object.keys(result.problems || {}).length;
        if (conflicts || problems) { dirty = false; window.location.reload(); return; }
        if (!again) { dirty = false; }
        say(got.answer.message || "✓");
        if (again) { again = false; save(); }
      })
      .catch(function () { saving = false; say("!"); });
  }

  // The financial plan's figures, recomputed by the server for what is typed (not saved yet).
  var financeTimer = null;
  function refreshFinance() {
    financeTimer = null;
    var results = form.querySelector("[data-finance-results]");
    if (!results) { return; }
    fetch(form.getAttribute("data-finance-url"), {method: "POST", body: new FormData(form),
                                                    credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("[data-finance-results]");
        var open = {};
        results.querySelectorAll("details").forEach(function (d, i) { open[i] = d.open; });
        if (fresh) {
          fresh.querySelectorAll("details").forEach(function (d, i) { if (i in open) { d.open = open[i]; } });
          results.replaceWith(fresh);
        }
        showProblems(holder.querySelectorAll("[data-finance-problems] li"));
      })
      .catch(function () {});
  }

  // A figure that cannot be read (a word where a sum goes) is said at its input while typing.
  function showProblems(items) {
    var finance = form.querySelector("[data-finance]");
    finance.querySelectorAll(".ws-error[data-preview]").forEach(function (old) { old.remove(); });
    finance.querySelectorAll("input[data-preview-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("data-preview-invalid");
    });
    items.forEach(function (item) {
      var input = form.querySelector("[name='" + item.getAttribute("data-for").replace(/'/g, "") + "']");
      if (!input || input.getAttribute("aria-invalid")) { return; }
      var note = document.createElement("span");
      note.className = "ws-error";
      note.id = input.id + "-preview-problem";
      note.setAttribute("data-preview", "");
      note.textContent = item.textContent;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("data-preview-invalid", "");
      input.setAttribute("aria-describedby", note.id);
      input.insertAdjacentElement("afterend", note);
    });
  }

  form.addEventListener("input", function (event) {
    dirty = true;
    if (event.target.closest("[data-finance]")) {
      if (financeTimer) { clearTimeout(financeTimer); }
      financeTimer = setTimeout(refreshFinance, 700);
    }
    var section = event.target.closest("[data-section]");
    if (section) { lastSection = section.getAttribute("data-section"); }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, 2000);
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
