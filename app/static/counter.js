/* Shows "N of MAX characters" under a textarea marked data-counter="<id of the output>". */
(function () {
  "use strict";
  var fields = document.querySelectorAll("[data-counter]");
  Array.prototype.forEach.call(fields, function (field) {
    var out = document.getElementById(field.getAttribute("data-counter"));
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!out || !max) { return; }
    function update() {
      var used = field.value.replace(/\r\n/g, "\n").length;
      out.textContent = used.toLocaleString() + " of " + max.toLocaleString() + " characters";
      out.className = used > max * 0.9 ? "hint counter near-limit" : "hint counter";
    }
    out.hidden = false;
    field.addEventListener("input", update);
    update();
  });
}());
