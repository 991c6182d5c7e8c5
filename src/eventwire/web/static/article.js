// The article view: click a highlight (or a quote, or an event) to see its record.
// Every value is written with textContent: nothing from the document is ever parsed as HTML.
(function () {
  "use strict";
  var dataEl = document.getElementById("records");
  var text = document.getElementById("article-text");
  var panel = document.getElementById("record");
  if (!dataEl || !text || !panel) { return; }
  var records = JSON.parse(dataEl.textContent);
  var ORDER = ["e", "a", "s", "c", "p", "t", "q"];

  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (content !== undefined && content !== null) { node.textContent = String(content); }
    return node;
  }
  function fmt(v) {
    if (v === null || v === undefined || v === "") { return "–"; }
    if (typeof v === "number") { return Number.isInteger(v) ? String(v) : v.toFixed(2); }
    if (typeof v === "boolean") { return v ? "yes" : "no"; }
    return String(v);
  }
  function who(a) {
    if (!a) { return "–"; }
    var code = [a.country, a.sector].filter(Boolean).join("/");
    var name = a.name || a.text || "?";
    var s = code ? name + " [" + code + "]" : name;
    if (a.text && a.name && a.text !== a.name) { s += " — mention “" + a.text + "”"; }
    if (a.via) { s += " (via " + a.via + ")"; }
    return s;
  }
  function rows(rec) {
    switch (rec.layer) {
      case "event":
        return [
          ["event", rec.id],
          ["CAMEO", rec.cameo + (rec.cameo_name ? " — " + rec.cameo_name : "")],
          ["PLOVER", [rec.plover || "(statement)", rec.mode, rec.context].filter(Boolean).join(" · ")],
          ["Goldstein", rec.goldstein],
          ["QuadClass", rec.quad + (rec.quad_name ? " — " + rec.quad_name : "")],
          ["source", who(rec.source)],
          ["target", who(rec.target)],
          ["trigger", rec.trigger && rec.trigger.text],
          ["rule", rec.rule],
          ["coder", rec.coder],
          ["confidence", rec.confidence],
          ["date", rec.date ? rec.date + " (" + (rec.date_precision || "?") + (rec.date_source ? ", from " + rec.date_source : "") + ")" : null],
          ["location", rec.location ? [rec.location.name, rec.location.country].filter(Boolean).join(", ") : null],
          ["modality", rec.modality + (rec.negated ? ", negated" : "")],
          ["reported in", rec.reported_by],
          ["sentence", rec.sentence && rec.sentence.text]
        ];
      case "actor":
        return [
          ["actor", rec.text], ["name", rec.name], ["canonical", rec.canonical], ["country", rec.country],
          ["sector", rec.sector], ["kind", rec.kind], ["role", rec.role], ["resolved", rec.resolved],
          ["via", rec.via]
        ];
      case "quote": case "speaker": case "cue":
        return [
          ["quote", rec.id + " (" + rec.kind + ")"],
          ["speaker", who(rec.speaker)],
          ["reporting verb", rec.cue ? rec.cue.text + (rec.cue.lemma ? " (" + rec.cue.lemma + ")" : "") : null],
          ["addressee", rec.addressee ? who(rec.addressee) : null],
          ["confidence", rec.confidence],
          ["content", rec.content && rec.content.text]
        ];
      case "place":
        return [
          ["place", rec.text], ["name", rec.name], ["country", rec.country], ["feature", rec.feature],
          ["role", rec.role],
          ["coordinates", rec.latitude !== null && rec.latitude !== undefined ? rec.latitude + ", " + rec.longitude : null],
          ["GeoNames id", rec.geonameid]
        ];
      default:
        return [["time expression", rec.text], ["value", rec.value], ["precision", rec.precision]];
    }
  }
  var TITLES = {event: "Event", actor: "Actor", quote: "Quote", speaker: "Speaker of a quote",
                cue: "Reporting verb of a quote", place: "Place", date: "Time expression"};

  function sortKeys(keys) {
    return keys.slice().sort(function (a, b) { return ORDER.indexOf(a[0]) - ORDER.indexOf(b[0]); });
  }
  function segmentsOf(key) {
    return text.querySelectorAll('[data-keys~="' + CSS.escape(key) + '"]');
  }
  function show(keys) {
    keys = sortKeys(keys.filter(function (k) { return records[k]; }));
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    text.querySelectorAll(".selected").forEach(function (n) { n.classList.remove("selected"); });
    if (!keys.length) { return; }
    segmentsOf(keys[0]).forEach(function (n) { n.classList.add("selected"); });
    keys.forEach(function (key) {
      var rec = records[key];
      var box = el("section", "rec rec-" + rec.layer);
      box.setAttribute("data-key", key);
      box.appendChild(el("h3", null, TITLES[rec.layer] || rec.layer));
      var dl = el("dl");
      rows(rec).forEach(function (r) {
        if (r[1] === null || r[1] === undefined || r[1] === "") { return; }
        dl.appendChild(el("dt", null, r[0]));
        dl.appendChild(el("dd", null, fmt(r[1])));
      });
      box.appendChild(dl);
      panel.appendChild(box);
    });
  }
  function select(key, scroll) {
    show([key]);
    var first = segmentsOf(key)[0];
    if (first && scroll) { first.scrollIntoView({block: "center"}); }
  }

  text.addEventListener("click", function (ev) {
    var seg = ev.target.closest("[data-keys]");
    if (seg) { show(seg.getAttribute("data-keys").split(" ")); }
  });
  document.querySelectorAll("button[data-key]").forEach(function (b) {
    b.addEventListener("click", function () { select(b.getAttribute("data-key"), true); });
  });
  document.querySelectorAll("#legend input[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      text.classList.toggle("hide-" + box.getAttribute("data-layer"), !box.checked);
    });
  });
  var wanted = new URLSearchParams(window.location.search).get("event");
  if (wanted && records["e:" + wanted]) { select("e:" + wanted, !window.location.hash); }
})();
