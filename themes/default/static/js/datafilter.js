/* Filters of the 代表建议 list (承办单位, 类别, 满意度), in the browser: no server needed.
   Progressive enhancement: without JavaScript the form stays hidden and the whole list shows.
   The choice is kept in the address (?unit=…&category=…&satisfaction=…) so it can be shared. */
(function () {
  "use strict";
  var form = document.getElementById("jianyi-filter");
  var table = document.getElementById("jianyi-list");
  if (!form || !table) return;
  var selects = form.querySelectorAll("select[data-filter]");
  var rows = table.tBodies[0].rows;
  var count = document.getElementById("filter-count");
  var empty = document.getElementById("filter-empty");
  var params = new URLSearchParams(window.location.search);

  function matches(row, key, value) {
    if (!value) return true;
    var have = row.getAttribute("data-" + key) || "";
    return key === "unit" ? have.split("|").indexOf(value) >= 0 : have === value;
  }

  function apply(writeAddress) {
    var shown = 0;
    var query = new URLSearchParams();
    for (var i = 0; i < rows.length; i++) {
      var ok = true;
      for (var j = 0; j < selects.length; j++) {
        if (!matches(rows[i], selects[j].getAttribute("data-filter"), selects[j].value)) ok = false;
      }
      rows[i].hidden = !ok;
      if (ok) shown++;
    }
    for (var k = 0; k < selects.length; k++) {
      if (selects[k].value) query.set(selects[k].getAttribute("data-filter"), selects[k].value);
    }
    count.textContent = shown === rows.length ? "共 " + rows.length + " 件" : "显示 " + shown + " 件，共 " + rows.length + " 件";
    empty.hidden = shown > 0;
    if (writeAddress && window.history && history.replaceState) {
      var search = query.toString();
      history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
    }
  }

  for (var i = 0; i < selects.length; i++) {
    var wanted = params.get(selects[i].getAttribute("data-filter"));
    if (wanted !== null) {
      for (var o = 0; o < selects[i].options.length; o++) {
        if (selects[i].options[o].value === wanted) selects[i].value = wanted;
      }
    }
    selects[i].addEventListener("change", function () { apply(true); });
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply(false);
})();
