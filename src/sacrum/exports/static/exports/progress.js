// The export page reloads itself every few seconds while an export is waiting or running,
// so its progress bar moves; it stops as soon as no export is open.
(function () {
  "use strict";
  if (document.querySelector("[data-export-open]")) {
    window.setTimeout(function () { window.location.reload(); }, 4000);
  }
})();
