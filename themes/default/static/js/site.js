/* Page tools: 字号 大/中/小, 长者模式, 打印, 分享, 收藏. No framework, no request to another host. */
(function () {
  var root = document.documentElement;
  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function press(button, on) { button.setAttribute("aria-pressed", on ? "true" : "false"); }

  // 字号: one of three sizes, shown by aria-pressed on the buttons; "medium" is the default.
  var sizeButtons = document.querySelectorAll(".fs-btn");
  function showSize(size) {
    for (var i = 0; i < sizeButtons.length; i++) press(sizeButtons[i], sizeButtons[i].getAttribute("data-size") === size);
  }
  function setSize(size) {
    if (size === "medium") root.removeAttribute("data-font-size");
    else root.setAttribute("data-font-size", size);
    store("cg-font-size", size);
    showSize(size);
  }
  showSize(root.getAttribute("data-font-size") || "medium");
  for (var i = 0; i < sizeButtons.length; i++) {
    sizeButtons[i].addEventListener("click", function () { setSize(this.getAttribute("data-size")); });
  }

  // 长者模式: a toggle button; its label stays the same and aria-pressed carries the state.
  var elder = document.getElementById("elder-toggle");
  if (elder) {
    press(elder, root.classList.contains("elder"));
    elder.addEventListener("click", function () {
      var on = !root.classList.contains("elder");
      root.classList.toggle("elder", on);
      store("cg-elder", on ? "1" : "0");
      press(elder, on);
    });
  }

  var printButton = document.querySelector("[data-action=print]");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });

  // 分享: on phones, the system share sheet; elsewhere, brings the page's QR code (built into
  // the page, never fetched) into view and moves focus to it.
  var shareButton = document.querySelector("[data-action=share]");
  var shareBox = document.getElementById("share-box");
  if (shareButton && shareBox) {
    shareButton.addEventListener("click", function () {
      if (navigator.share && window.matchMedia("(pointer: coarse)").matches) {
        navigator.share({ title: document.title, url: location.href }).catch(function () {});
        return;
      }
      shareBox.classList.add("highlight");
      shareBox.scrollIntoView({ block: "center" });
      shareBox.focus({ preventScroll: true });
    });
  }

  // 收藏: the reader's own list, in this browser's localStorage only. Nothing is sent anywhere.
  var FAVOURITES = "cg-favourites";
  function favourites() {
    try {
      var list = JSON.parse(localStorage.getItem(FAVOURITES) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) { return []; }
  }
  function keepFavourites(list) { store(FAVOURITES, JSON.stringify(list)); }
  function indexOfFavourite(list, id) {
    for (var k = 0; k < list.length; k++) if (list[k] && list[k].id === id) return k;
    return -1;
  }
  function announce(text) {
    var status = document.getElementById("fav-status");
    if (status) status.textContent = text;
  }

  var favButton = document.querySelector("[data-action=favourite]");
  if (favButton) {
    var favId = favButton.getAttribute("data-id");
    press(favButton, indexOfFavourite(favourites(), favId) >= 0);
    favButton.hidden = false;
    favButton.addEventListener("click", function () {
      var list = favourites();
      var at = indexOfFavourite(list, favId);
      if (at >= 0) {
        list.splice(at, 1);
        announce("已取消收藏");
      } else {
        list.unshift({ id: favId, title: favButton.getAttribute("data-title"),
                       path: favButton.getAttribute("data-path"), date: favButton.getAttribute("data-date") });
        announce("已收藏，可在“我的收藏”中查看");
      }
      keepFavourites(list);
      press(favButton, at < 0);
    });
  }

  // 我的收藏 page: the list, each entry with a 取消收藏 button. Its links are written relative
  // to the page, which sits at the site's root like the site paths stored with each entry.
  var favList = document.getElementById("fav-list");
  function showFavourites() {
    var list = favourites();
    favList.textContent = "";
    if (!list.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = favList.getAttribute("data-empty");
      favList.appendChild(empty);
      return;
    }
    list.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.path;
      a.textContent = item.title;
      li.appendChild(a);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "fav-remove";
      remove.textContent = "取消收藏";
      remove.setAttribute("aria-label", "取消收藏：" + item.title);
      remove.addEventListener("click", function () {
        var now = favourites();
        var at = indexOfFavourite(now, item.id);
        if (at >= 0) now.splice(at, 1);
        keepFavourites(now);
        showFavourites();
        announce("已取消收藏：" + item.title);
        var first = favList.querySelector("a, button");
        if (first) first.focus(); else favList.focus();
      });
      li.appendChild(remove);
      var time = document.createElement("time");
      time.setAttribute("datetime", item.date || "");
      time.textContent = item.date || "";
      li.appendChild(time);
      favList.appendChild(li);
    });
  }
  if (favList) {
    favList.setAttribute("tabindex", "-1");
    showFavourites();
  }
})();
