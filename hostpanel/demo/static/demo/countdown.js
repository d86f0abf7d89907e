// The live demo's banner: "Next reset in 12:34.", ticking each second. At 0 it says the
// reset is under way and loads the page again a few seconds later (with GET, so a form
// is not sent twice). The seconds come from the server: the visitor's clock may be wrong.
(function () {
  "use strict";
  var RELOAD_AFTER_SECONDS = 5;

  function start() {
    var banner = document.getElementById("demo-banner");
    var countdown = document.getElementById("demo-countdown");
    if (!banner || !countdown) {
      return;
    }
    var secondsLeft = parseInt(banner.getAttribute("data-seconds-left"), 10);
    if (isNaN(secondsLeft)) {
      return;
    }
    var text = banner.getAttribute("data-countdown-text");
    var running = banner.getAttribute("data-running-text");
    var end = Date.now() + secondsLeft * 1000;
    var timer = null;

    function two(number) {
      return number < 10 ? "0" + number : String(number);
    }

    function tick() {
      var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      if (left > 0) {
        countdown.textContent = text.replace("__TIME__", Math.floor(left / 60) + ":" + two(left % 60));
        return;
      }
      window.clearInterval(timer);
      countdown.textContent = running;
      window.setTimeout(function () {
        window.location.replace(window.location.href);
      }, RELOAD_AFTER_SECONDS * 1000);
    }

    tick();
    timer = window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
