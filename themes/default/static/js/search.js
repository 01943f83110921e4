/* 站内搜索 (search.html): reads the static index the build writes under search-index/
   (see src/congressgen/search.py, whose tokenising and hashing this mirrors exactly).
   Han text is matched by character bigrams, so a query typed without spaces finds its
   characters wherever they stand together, even inside a longer word. No framework, no
   request to another host; every result is built with DOM text nodes, never innerHTML. */
(function () {
  "use strict";

  var HAN_CLASS = "\\u3005\\u3007\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}";
  var SEGMENT = new RegExp("([" + HAN_CLASS + "]+)|((?:(?![" + HAN_CLASS + "])[\\p{L}\\p{N}])+)", "gu");
  var PAGE_SIZE = 20;
  var SNIPPET_BEFORE = 30;
  var SNIPPET_LENGTH = 120;
  var BM25_K1 = 1.2;
  var BM25_B = 0.75;

  // ---- Text, exactly as the build sees it ------------------------------------------------

  function isCommonHan(ch) { return ch >= "\u4e00" && ch <= "\u9fff"; }

  function normaliseChar(ch) { return isCommonHan(ch) ? ch : ch.normalize("NFKC").toLowerCase(); }

  /* Normalised text plus, for each of its UTF-16 units, the span of the original
     character it came from (to highlight the original text). */
  function normaliseMapped(text) {
    var out = "", starts = [], ends = [], at = 0;
    for (var ch of text) {
      var mapped = normaliseChar(ch);
      for (var i = 0; i < mapped.length; i++) { starts.push(at); ends.push(at + ch.length); }
      out += mapped;
      at += ch.length;
    }
    return { text: out, starts: starts, ends: ends };
  }

  function normalise(text) { return normaliseMapped(text).text; }

  function segments(text) {
    var found = [], m;
    SEGMENT.lastIndex = 0;
    while ((m = SEGMENT.exec(text)) !== null) {
      found.push({ kind: m[1] ? "han" : "word", start: m.index, end: m.index + m[0].length, run: m[0] });
    }
    return found;
  }

  function chars(run) { return Array.from(run); }

  function bigrams(run) {
    var c = chars(run), out = [];
    for (var i = 0; i + 1 < c.length; i++) out.push(c[i] + c[i + 1]);
    return out;
  }

  function junctions(segs) {
    var out = [];
    for (var i = 0; i + 1 < segs.length; i++) {
      var a = segs[i], b = segs[i + 1];
      if (a.end === b.start && a.kind !== b.kind) {
        out.push(a.kind === "word" ? a.run + chars(b.run)[0] : chars(a.run).pop() + b.run);
      }
    }
    return out;
  }

  function termTokens(term) {
    var segs = segments(term), tokens = [];
    segs.forEach(function (s) {
      if (s.kind === "han" && chars(s.run).length > 1) tokens = tokens.concat(bigrams(s.run));
      else tokens.push(s.run);
    });
    return tokens.concat(junctions(segs));
  }

  function queryTerms(query) { return normalise(query).split(/\s+/).filter(Boolean); }

  function queryTokens(query) {
    var seen = {}, tokens = [];
    queryTerms(query).forEach(function (term) {
      termTokens(term).forEach(function (t) { if (!seen[t]) { seen[t] = true; tokens.push(t); } });
    });
    return tokens;
  }

  function tokenHash(token) {   // 32-bit FNV-1a over code points, as search.py
    var h = 0x811c9dc5;
    for (var ch of token) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
    return h;
  }

  // ---- The index -------------------------------------------------------------------------

  function fetchJson(url, options) {
    return fetch(url, options).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      return response.json();
    });
  }

  function Index(base) {
    this.base = base;
    this.meta = null;
    this.shards = {};
    this.texts = {};
  }

  Index.prototype.load = function () {
    var self = this;
    if (!this.metaPromise) {
      this.metaPromise = fetchJson(this.base + "meta.json", { cache: "no-cache" }).then(function (meta) {
        self.meta = meta;
        return meta;
      });
    }
    return this.metaPromise;
  };

  Index.prototype.shardName = function (token) {
    return String(tokenHash(token) % this.meta.shards).padStart(this.meta.width, "0");
  };

  Index.prototype.shard = function (name) {
    if (!this.shards[name]) {
      this.shards[name] = fetchJson(this.base + "index/" + name + ".json?v=" + this.meta.version);
    }
    return this.shards[name];
  };

  Index.prototype.text = function (id) {
    if (!this.texts[id]) {
      this.texts[id] = fetchJson(this.base + "text/" + encodeURIComponent(id) + ".json?v=" + this.meta.version)
        .then(function (data) { return data.text; });
    }
    return this.texts[id];
  };

  function decodePostings(flat) {   // [doc, count, gap, count, ...] -> Map doc -> count
    var map = new Map(), doc = 0;
    for (var i = 0; i < flat.length; i += 2) { doc += flat[i]; map.set(doc, flat[i + 1]); }
    return map;
  }

  /* Documents holding every token of the query, scored by BM25 over the weighted counts
     (title and outline count more than body), plus a bonus when the title holds a term. */
  Index.prototype.search = function (query, filters) {
    var self = this, tokens = queryTokens(query), terms = queryTerms(query);
    return Promise.all(tokens.map(function (t) { return self.shard(self.shardName(t)); })).then(function (shards) {
      var docs = self.meta.docs, lists = [];
      for (var i = 0; i < tokens.length; i++) {
        var flat = shards[i][tokens[i]];
        if (!flat) return [];
        lists.push(decodePostings(flat));
      }
      /* Lengths are compared among reports, and within each column of data pages (marked "data"):
         short 建议 replies do not make long reports look longer. */
      var total = docs.length, sums = {}, counts = {}, columns = self.meta.columns;
      function group(d) { return columns[d[4]][2] === "data" ? "d" + d[4] : "r"; }
      docs.forEach(function (d) { var g = group(d); sums[g] = (sums[g] || 0) + d[6]; counts[g] = (counts[g] || 0) + 1; });
      var shortest = lists.slice().sort(function (a, b) { return a.size - b.size; })[0];
      var results = [];
      shortest.forEach(function (_, number) {
        var doc = docs[number];
        if (filters.column && self.meta.columns[doc[4]][0] !== filters.column) return;
        if (filters.year && String(doc[5]) !== filters.year) return;
        var score = 0, average = sums[group(doc)] / counts[group(doc)] || 1;
        for (var j = 0; j < lists.length; j++) {
          var tf = lists[j].get(number);
          if (tf === undefined) return;
          var idf = Math.log(1 + (total - lists[j].size + 0.5) / (lists[j].size + 0.5));
          score += idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * doc[6] / average));
        }
        var title = normalise(doc[2]);
        var inTitle = terms.filter(function (t) { return title.indexOf(t) >= 0; }).length;
        score *= 1 + 0.5 * inTitle / terms.length;
        results.push({ number: number, doc: doc, score: score });
      });
      results.sort(function (a, b) {
        return b.score - a.score || (a.doc[3] < b.doc[3] ? 1 : a.doc[3] > b.doc[3] ? -1 : 0) || a.number - b.number;
      });
      return results;
    });
  };

  // ---- Highlighting and snippets ---------------------------------------------------------

  function indexesOf(haystack, needle) {
    var found = [], at = haystack.indexOf(needle);
    while (needle && at >= 0) { found.push([at, at + needle.length]); at = haystack.indexOf(needle, at + needle.length); }
    return found;
  }

  /* Spans of `text` (original offsets) to mark: each term where it occurs whole, else
     the term's bigrams/words (a term may match as parts when it crosses punctuation). */
  function matchSpans(text, terms) {
    var mapped = normaliseMapped(text), spans = [], exact = [];
    terms.forEach(function (term) {
      var hits = indexesOf(mapped.text, term);
      if (hits.length) exact = exact.concat(hits);
      else termTokens(term).forEach(function (t) { hits = hits.concat(indexesOf(mapped.text, t)); });
      spans = spans.concat(hits);
    });
    function original(span) { return [mapped.starts[span[0]], mapped.ends[span[1] - 1]]; }
    spans = spans.map(original).sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var merged = [];
    spans.forEach(function (s) {
      var last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push([s[0], s[1]]);
    });
    exact = exact.map(original).sort(function (a, b) { return a[0] - b[0]; });
    return { spans: merged, first: (exact[0] || merged[0] || null) };
  }

  function appendMarked(element, text, spans, offset) {
    var at = 0;
    spans.forEach(function (s) {
      var start = Math.max(s[0] - offset, 0), end = Math.min(s[1] - offset, text.length);
      if (end <= start || start < at) return;
      element.appendChild(document.createTextNode(text.slice(at, start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, end);
      element.appendChild(mark);
      at = end;
    });
    element.appendChild(document.createTextNode(text.slice(at)));
  }

  function safeCut(text, at) {   // never split a surrogate pair
    var code = text.charCodeAt(at);
    return code >= 0xdc00 && code <= 0xdfff ? at - 1 : at;
  }

  function fillSnippet(element, text, terms) {
    text = text.replace(/\s+/g, " ");
    var found = matchSpans(text, terms);
    var start = found.first ? Math.max(found.first[0] - SNIPPET_BEFORE, 0) : 0;
    start = Math.max(safeCut(text, start), 0);
    var end = safeCut(text, Math.min(start + SNIPPET_LENGTH, text.length));
    element.textContent = "";
    if (start > 0) element.appendChild(document.createTextNode("…"));
    appendMarked(element, text.slice(start, end), found.spans, start);
    if (end < text.length) element.appendChild(document.createTextNode("…"));
  }

  // ---- The page --------------------------------------------------------------------------

  var app = document.getElementById("search-app");
  if (!app) return;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-page-q");
  var columnSelect = document.getElementById("search-column");
  var yearSelect = document.getElementById("search-year");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var headerInput = document.getElementById("search-q");
  var index = new Index(app.getAttribute("data-index"));
  var run = 0, shown = 0, current = null;

  function selectValue(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) { select.value = value; return value; }
    }
    select.value = "";
    return "";
  }

  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    var q = params.get("q") || "";
    input.value = q;
    if (headerInput) headerInput.value = q;
    return {
      q: q,
      column: selectValue(columnSelect, params.get("column") || ""),
      year: selectValue(yearSelect, params.get("year") || "")
    };
  }

  function filterLabel(state) {
    var parts = [];
    if (state.column) parts.push("栏目：" + columnSelect.options[columnSelect.selectedIndex].text);
    if (state.year) parts.push("年度：" + yearSelect.options[yearSelect.selectedIndex].text);
    return parts.length ? "（" + parts.join("，") + "）" : "";
  }

  function columnTitle(doc) { return index.meta.columns[doc[4]][1]; }

  function renderResult(result, terms) {
    var doc = result.doc;
    var item = document.createElement("li");
    item.className = "search-result";
    item.setAttribute("data-id", doc[0]);
    var heading = document.createElement("h2");
    heading.className = "search-result-title";
    var link = document.createElement("a");
    link.href = doc[1];
    appendMarked(link, doc[2], matchSpans(doc[2], terms).spans, 0);
    heading.appendChild(link);
    var info = document.createElement("p");
    info.className = "search-result-info";
    var column = document.createElement("span");
    column.className = "search-result-column";
    column.textContent = columnTitle(doc);
    var time = document.createElement("time");
    time.setAttribute("datetime", doc[3]);
    time.textContent = doc[3];
    info.appendChild(column);
    info.appendChild(document.createTextNode(" "));
    info.appendChild(time);
    var snippet = document.createElement("p");
    snippet.className = "search-result-snippet";
    snippet.textContent = "…";
    item.appendChild(heading);
    item.appendChild(info);
    item.appendChild(snippet);
    index.text(doc[0]).then(function (text) { fillSnippet(snippet, text, terms); }, function () { snippet.textContent = ""; });
    return item;
  }

  function showMore() {
    var terms = queryTerms(current.query);
    var page = current.results.slice(shown, shown + PAGE_SIZE);
    page.forEach(function (result) { list.appendChild(renderResult(result, terms)); });
    shown += page.length;
    more.hidden = shown >= current.results.length;
  }

  function failed() {
    status.textContent = window.location.protocol === "file:"
      ? "直接打开本地文件时，浏览器不允许读取搜索索引。请用 congressgen serve 预览，或发布到网站后再搜索。"
      : "搜索索引加载失败，请稍后再试。";
  }

  function finish(mine) { if (mine === run) list.setAttribute("aria-busy", "false"); }

  function execute(state) {
    var mine = ++run;
    list.textContent = "";
    list.setAttribute("aria-busy", "true");
    more.hidden = true;
    shown = 0;
    if (!queryTokens(state.q).length) {
      status.textContent = state.q ? "关键词中没有可搜索的文字，请输入中文、字母或数字。" : "请输入要搜索的关键词。";
      finish(mine);
      return;
    }
    status.textContent = "正在搜索……";
    index.load().then(function () {
      return index.search(state.q, state);
    }).then(function (results) {
      if (mine !== run) return;
      current = { query: state.q, results: results };
      if (!results.length) {
        status.textContent = "未找到与“" + state.q + "”相关的内容" + filterLabel(state) + "。请检查用字，或换用更短、更常用的关键词"
          + (state.column || state.year ? "，也可以取消栏目或年度筛选。" : "。");
        return;
      }
      status.textContent = "找到 " + results.length + " 条与“" + state.q + "”相关的结果" + filterLabel(state) + "，按相关程度排序。";
      showMore();
    }).catch(function () { if (mine === run) failed(); }).then(function () { finish(mine); });
  }

  function stateFromForm() {
    return { q: input.value.trim(), column: columnSelect.value, year: yearSelect.value };
  }

  function update() {   // new results in place; the address stays shareable
    var state = stateFromForm();
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    if (state.column) params.set("column", state.column);
    if (state.year) params.set("year", state.year);
    history.pushState(null, "", "?" + params.toString());
    if (headerInput) headerInput.value = state.q;
    execute(state);
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  columnSelect.addEventListener("change", update);
  yearSelect.addEventListener("change", update);
  more.addEventListener("click", showMore);
  window.addEventListener("popstate", function () { execute(readUrl()); });

  window.congressgenSearch = { normalise: normalise, queryTokens: queryTokens, tokenHash: tokenHash };
  execute(readUrl());
})();
