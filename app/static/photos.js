/* The camera step. Choosing photos uploads them at once (the page says so beside the field),
   and the main button's label says that it uploads what is chosen. A photo over the
   server's 5 MB limit is first drawn on a canvas at a smaller size and sent as a JPEG, so
   a phone's full-size photo is not refused; the server's limits stay as they are. A file
   the browser cannot draw (HEIC on most browsers, PDF) is sent as it is. */
(function () {
  "use strict";
  var LIMIT = 5 * 1024 * 1024;
  var TARGET = LIMIT - 256 * 1024; // leave room: the server counts the stored bytes
  var MAX_SIDE = 4096;
  var form = document.getElementById("photos-form");
  var input = document.getElementById("photos");
  var progress = document.getElementById("photos-progress");
  var next = document.getElementById("photos-continue");
  if (!form || !input || !window.DataTransfer || !window.HTMLCanvasElement) { return; }

  function say(text) { if (progress) { progress.textContent = text; } }

  function toBlob(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  function loadImage(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" });
    }
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () { URL.revokeObjectURL(url); resolve(image); };
      image.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not drawable")); };
      image.src = url;
    });
  }

  // Smaller and smaller until it fits: JPEG size follows the pixel count closely enough
  // that one or two steps usually do.
  function shrink(file) {
    return loadImage(file).then(function (image) {
      var width = image.width, height = image.height;
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height),
                           Math.sqrt(TARGET / file.size) * 1.4);
      var canvas = document.createElement("canvas");
      function attempt(tries) {
        canvas.width = Math.max(1, Math.round(width * scale));
        canvas.height = Math.max(1, Math.round(height * scale));
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        return toBlob(canvas, 0.85).then(function (blob) {
          if (blob && blob.size <= TARGET) {
            var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
            return new File([blob], name, { type: "image/jpeg" });
          }
          if (!blob || tries <= 0) { return file; }
          scale *= 0.75;
          return attempt(tries - 1);
        });
      }
      return attempt(6);
    }).catch(function () { return file; });
  }

  function prepare(file) {
    if (file.size <= LIMIT || !/^image\/(jpeg|png|webp|gif|bmp)$/.test(file.type)) {
      return Promise.resolve(file);
    }
    return shrink(file);
  }

  var busy = false;
  input.addEventListener("change", function () {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length || busy) { return; }
    busy = true;
    if (next) { next.textContent = "Upload and continue"; }
    var big = files.some(function (file) { return file.size > LIMIT; });
    say(big ? "Making large photos smaller…" : "Uploading…");
    Promise.all(files.map(prepare)).then(function (ready) {
      var chosen = new DataTransfer();
      ready.forEach(function (file) { chosen.items.add(file); });
      input.files = chosen.files;
      say("Uploading…");
      form.submit(); // the "Upload" path: the page comes back with the photos listed
    });
  });
}());
