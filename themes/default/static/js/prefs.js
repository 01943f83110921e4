/* Runs in <head> before first paint, so a remembered 字号 or 长者模式 never flashes the default.
   The same keys are written by site.js; the preference holds across every page of the site. */
(function () {
  var root = document.documentElement;
  try {
    var size = localStorage.getItem("cg-font-size");
    if (size === "large" || size === "small") root.setAttribute("data-font-size", size);
    if (localStorage.getItem("cg-elder") === "1") root.classList.add("elder");
  } catch (e) { /* storage disabled: the defaults apply */ }
})();
