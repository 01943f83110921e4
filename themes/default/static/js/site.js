/* Page tools: 字号 大/中/小, 长者模式, 打印, 分享. No framework, no request to another host. */
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
})();
