/* 政府信息公开目录: filter by 主题分类, 年份 and 发布机构 and page through the result, over the
   one JSON file the build writes next to the page (zfxxgk/mulu.json). No server is asked
   anything; without script (or when the file cannot be read) the static pages stay as built. */
(function () {
  "use strict";
  var form = document.getElementById("mulu-filters");
  if (!form || !window.fetch) return;
  var body = document.getElementById("mulu-rows");
  var pager = document.getElementById("mulu-pager");
  var count = document.getElementById("mulu-count");
  var root = form.getAttribute("data-root");
  var size = parseInt(form.getAttribute("data-page-size"), 10) || 50;
  var rows = [], shown = [], pageNo = 1;
  // row: [索引号, 名称, 主题分类, 发布机构, 成文日期, 发布日期, 文号, 网址]
  var LABELS = ["索引号", "名称", "主题分类", "发布机构", "成文日期", "发布日期", "文号"];

  function cell(label, child) {
    var td = document.createElement("td");
    td.setAttribute("data-label", label);
    if (typeof child === "string") td.textContent = child; else td.appendChild(child);
    return td;
  }

  function render() {
    var pages = Math.max(1, Math.ceil(shown.length / size));
    pageNo = Math.min(Math.max(1, pageNo), pages);
    var frag = document.createDocumentFragment();
    shown.slice((pageNo - 1) * size, pageNo * size).forEach(function (r) {
      var tr = document.createElement("tr");
      for (var i = 0; i < 7; i++) {
        var value = r[i];
        if (i === 1) {
          value = document.createElement("a");
          value.href = root + r[7];
          value.textContent = r[1];
        } else if (i === 5) {
          value = document.createElement("time");
          value.setAttribute("datetime", r[5]);
          value.textContent = r[5];
        }
        tr.appendChild(cell(LABELS[i], value));
      }
      frag.appendChild(tr);
    });
    body.textContent = "";
    body.appendChild(frag);
    count.textContent = "共 " + shown.length + " 条" + (shown.length ? "，第 " + pageNo + "/" + pages + " 页" : "");
    pager.textContent = "";
    if (pages > 1) {
      [["上一页", pageNo - 1], ["下一页", pageNo + 1]].forEach(function (spec) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = spec[0];
        b.disabled = spec[1] < 1 || spec[1] > pages;
        b.addEventListener("click", function () { pageNo = spec[1]; render(); });
        pager.appendChild(b);
      });
      var info = document.createElement("span");
      info.className = "pager-info";
      info.textContent = "共 " + pages + " 页";
      pager.appendChild(info);
    }
  }

  function apply() {
    var topic = form.elements.topic.value, year = form.elements.year.value, issuer = form.elements.issuer.value;
    shown = rows.filter(function (r) {
      return (!topic || r[2] === topic) && (!year || r[5].slice(0, 4) === year) && (!issuer || r[3] === issuer);
    });
    pageNo = 1;
    render();
  }

  fetch(form.getAttribute("data-src")).then(function (res) {
    if (!res.ok) throw new Error(res.status);
    return res.json();
  }).then(function (data) {
    rows = data.rows;
    form.hidden = false;
    form.addEventListener("change", apply);
    document.documentElement.setAttribute("data-mulu", "ready");
    apply();
  }).catch(function () { /* keep the static pages */ });
})();
