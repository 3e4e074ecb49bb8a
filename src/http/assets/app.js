// ar-triage pages: keyboard navigation of item tables (j/k move, Enter
// opens) and confirmation of destructive buttons. No inline script is
// allowed by the Content-Security-Policy; this file is all there is.
(function () {
  "use strict";
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table[data-nav] tbody tr[data-href]"));
  }
  var current = -1;
  function select(i) {
    var r = rows();
    if (!r.length) return;
    current = Math.max(0, Math.min(r.length - 1, i));
    r.forEach(function (row, k) { row.classList.toggle("selected", k === current); });
    r[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
    if (e.key === "j") { select(current + 1); e.preventDefault(); }
    else if (e.key === "k") { select(current - 1); e.preventDefault(); }
    else if (e.key === "Enter" && current >= 0) {
      var href = rows()[current].getAttribute("data-href");
      // Only our own item links, never a value from mail.
      if (href && /^\/items\/\d+$/.test(href)) window.location.assign(href);
    }
  });
  document.addEventListener("click", function (e) {
    var b = e.target;
    if (b && b.classList && b.classList.contains("danger") && !window.confirm("Sure?")) e.preventDefault();
  });
})();
