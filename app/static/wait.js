/* Pages that wait for something (a letter being written, a payment being confirmed) mark an
   element with data-wait-seconds and data-wait-url. Without JavaScript a <noscript> meta
   refresh reloads them; with it, the page is fetched in the background instead, so it is not
   reloaded under the reader every few seconds (WCAG 2.2.1): the waiting message
   (#wait-message, a polite live region) is updated in place, and the page is shown anew
   once, when the wait is over. */
(function () {
  "use strict";
  var marker = document.querySelector("[data-wait-seconds]");
  if (!marker || !window.fetch || !window.DOMParser) { return; }
  var url = marker.getAttribute("data-wait-url") || window.location.href;
  var message = document.getElementById("wait-message");

  function seconds(element) {
    return Math.max(2, parseInt(element.getAttribute("data-wait-seconds"), 10) || 3);
  }

  function later(delay) { window.setTimeout(check, delay * 1000); }

  function check() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        var waiting = next.querySelector("[data-wait-seconds]");
        if (!waiting) { window.location.replace(url); return; }
        var nextMessage = next.getElementById("wait-message");
        if (message && nextMessage && nextMessage.textContent !== message.textContent) {
          message.textContent = nextMessage.textContent;
        }
        later(seconds(waiting));
      })
      // A server that is briefly unavailable: ask again a little later.
      .catch(function () { later(10); });
  }

  later(seconds(marker));
}());
