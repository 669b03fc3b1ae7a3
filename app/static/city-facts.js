/* The first step without a reload: when the driver picks a city, show its example citation
   number, its process notes and its notice window, from the public city endpoint. Without
   JavaScript the server renders the same once the city is known. */
(function () {
  "use strict";
  var select = document.getElementById("city");
  if (!select || !window.fetch) { return; }
  var notes = document.getElementById("city-notes");
  var citationHint = document.getElementById("citation_number-hint");
  var noticeHint = document.getElementById("notice_date-hint");
  var photoCity = document.getElementById("photo-city");
  var typedHint = citationHint ? citationHint.textContent.indexOf("Read from") !== 0 : false;

  function show(city) {
    if (citationHint && typedHint) {
      citationHint.textContent = "Printed near the top of the ticket, for example " + city.example_citation + ".";
    }
    if (noticeHint) {
      noticeHint.textContent = city.notice_deadline_days
        ? city.name + " also accepts an appeal within " + city.notice_deadline_days + " days of the date on the " +
          city.notice_name + ". Fill this in only if you have received one."
        : "Only if the city has since mailed you a notice about this ticket: some cities accept an appeal within a number of days of its date.";
    }
    if (notes) {
      var list = notes.querySelector("ul");
      notes.querySelector("h3").textContent = "How " + city.name + " handles appeals";
      list.textContent = "";
      (city.process_notes || []).forEach(function (note) {
        var item = document.createElement("li");
        item.textContent = note;
        list.appendChild(item);
      });
      notes.hidden = !(city.process_notes || []).length;
    }
  }

  select.addEventListener("change", function () {
    var slug = select.value;
    if (photoCity) { photoCity.value = slug; }
    if (!slug) { if (notes) { notes.hidden = true; } return; }
    fetch("/api/public/cities/" + encodeURIComponent(slug), { headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (city) { if (city && !city.fallback && select.value === slug) { show(city); } })
      .catch(function () { /* the page still works: the server shows these once submitted */ });
  });
}());
