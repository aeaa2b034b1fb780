(function () {
  "use strict";
  var input = document.getElementById("finding-filter");
  var severity = document.getElementById("severity-filter");
  var shown = document.getElementById("finding-shown");
  if (!input || !severity || !shown) {
    return;
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("#findings tbody tr"));
  function apply() {
    var needle = input.value.trim().toLowerCase();
    var level = severity.value;
    var count = 0;
    rows.forEach(function (row) {
      var match = (!level || row.getAttribute("data-severity") === level) &&
        (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
      row.hidden = !match;
      if (match) {
        count += 1;
      }
    });
    shown.textContent = String(count);
  }
  input.addEventListener("input", apply);
  severity.addEventListener("change", apply);
}());
