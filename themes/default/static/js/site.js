/* Page tools: 字号 大/中/小, 长者模式, 打印, 分享. No framework, no request to another host. */
(function () {
  var root = document.documentElement;
  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) {} }

  var sizeButtons = document.querySelectorAll(".fs-btn");
  function showSize(size) {
    for (var i = 0; i < sizeButtons.length; i++) {
      sizeButtons[i].setAttribute("aria-pressed", sizeButtons[i].getAttribute("data-size") === size ? "true" : "false");
    }
  }
  showSize(root.getAttribute("data-font-size") || "medium");
  for (var i = 0; i < sizeButtons.length; i++) {
    sizeButtons[i].addEventListener("click", function () {
      var size = this.getAttribute("data-size");
      root.setAttribute("data-font-size", size);
      store("cg-font-size", size);
      showSize(size);
    });
  }

  var elder = document.getElementById("elder-toggle");
  if (elder) {
    elder.setAttribute("aria-pressed", root.classList.contains("elder") ? "true" : "false");
    elder.textContent = root.classList.contains("elder") ? "退出长者模式" : "长者模式";
    elder.addEventListener("click", function () {
      var on = !root.classList.contains("elder");
      root.classList.toggle("elder", on);
      store("cg-elder", on ? "1" : "0");
      elder.setAttribute("aria-pressed", on ? "true" : "false");
      elder.textContent = on ? "退出长者模式" : "长者模式";
    });
  }

  var printButton = document.querySelector("[data-action=print]");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });

  var shareButton = document.querySelector("[data-action=share]");
  var shareBox = document.getElementById("share-box");
  if (shareButton && shareBox) {
    shareButton.addEventListener("click", function () {
      var open = shareButton.getAttribute("aria-expanded") !== "true";
      shareButton.setAttribute("aria-expanded", open ? "true" : "false");
      shareBox.classList.toggle("highlight", open);
      if (open) shareBox.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  }
})();
