// campaign.js — the optional live counter of the campaign page: the
// estimate grows with the time this page has been open. The page works
// without it; it reads its rates from the page's data-* attributes, sends
// nothing anywhere and stores nothing.
(function () {
  'use strict';
  var box = document.getElementById('counter');
  if (!box) return;
  var lang = box.getAttribute('data-lang') || 'en';
  var currency = box.getAttribute('data-currency') || 'EUR';
  var rates = {};
  var ok = true;
  ['low', 'central', 'high'].forEach(function (b) {
    var v = parseFloat(box.getAttribute('data-rate-' + b));
    if (!isFinite(v) || v < 0) ok = false;
    rates[b] = v;
  });
  if (!ok) return;
  var fmt;
  try {
    fmt = new Intl.NumberFormat(lang, { style: 'currency', currency: currency, maximumFractionDigits: 0 });
  } catch (e) {
    fmt = { format: function (v) { return currency + ' ' + Math.round(v); } };
  }
  var out = {
    low: document.getElementById('counter-low'),
    central: document.getElementById('counter-central'),
    high: document.getElementById('counter-high')
  };
  var start = Date.now();
  function tick() {
    var seconds = (Date.now() - start) / 1000;
    Object.keys(out).forEach(function (b) {
      if (out[b]) out[b].textContent = fmt.format(rates[b] * seconds);
    });
    box.setAttribute('data-seconds', seconds.toFixed(1));
  }
  box.hidden = false;
  tick();
  window.setInterval(tick, 500);
})();
