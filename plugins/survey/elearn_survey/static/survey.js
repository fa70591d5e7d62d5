// Hide a question while its condition on the same page does not hold (the server decides for later
// pages; without this script such a question shows with "Answer only if ..." and the server drops its
// answer when the condition does not hold).
(function () {
  "use strict";
  var form = document.querySelector("form.survey-page");
  if (!form) return;
  var dependents = form.querySelectorAll("[data-show-if]");
  if (!dependents.length) return;

  function answer(id) {
    var fields = form.querySelectorAll('[name="q.' + id + '"]');
    var values = [];
    fields.forEach(function (field) {
      if ((field.type === "radio" || field.type === "checkbox") ? field.checked : field.value.trim() !== "") {
        values.push(field.value.trim());
      }
    });
    return values;
  }

  function holds(condition) {
    var box = document.getElementById("q-" + condition.question);
    if (box && box.hidden) return false;
    var values = answer(condition.question);
    if (!values.length) return false;
    if (condition.answer) {
      return values.some(function (v) {
        return condition.answer.map(String).indexOf(v) !== -1;
      });
    }
    var number = parseFloat(values[0].replace(",", "."));
    if (isNaN(number)) return false;
    return (condition.at_least == null || number >= condition.at_least) &&
      (condition.at_most == null || number <= condition.at_most);
  }

  function update() {
    dependents.forEach(function (box) {
      var conditions = JSON.parse(box.getAttribute("data-show-if"));
      box.hidden = !conditions.every(holds);
      box.querySelectorAll(".survey-condition").forEach(function (hint) { hint.hidden = true; });
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
