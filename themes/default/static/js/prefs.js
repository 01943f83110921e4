/* Applied in <head> before first paint: font size and 长者模式 remembered across pages. */
(function () {
  var root = document.documentElement;
  try {
    var size = localStorage.getItem("cg-font-size");
    if (size) root.setAttribute("data-font-size", size);
    if (localStorage.getItem("cg-elder") === "1") root.classList.add("elder");
  } catch (e) { /* storage disabled: defaults apply */ }
})();
