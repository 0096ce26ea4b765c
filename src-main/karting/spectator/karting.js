/* global document, location, fetch, URLSearchParams, setTimeout */
// The karting board for a TV: polls the console's standings once a second.
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var circuit = params.get('circuit') || '';
  function fmt(ms) {
    if (ms === null || ms === undefined) return '';
    var m = Math.floor(ms / 60000);
    var s = ((ms % 60000) / 1000).toFixed(3);
    return m > 0 ? m + ':' + (s.length < 6 ? '0' + s : s) : s;
  }
  function gap(e) {
    if (e.position === 1) return '';
    if (e.gap_laps) return e.gap_laps + (e.gap_laps === 1 ? ' lap' : ' laps');
    return e.gap_ms !== null && e.gap_ms !== undefined ? '+' + fmt(e.gap_ms) : e.gap || '';
  }
  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  function render(s) {
    document.getElementById('title').textContent = (s.session && s.session.name) || 'Live timing';
    var flag = document.getElementById('flag');
    flag.textContent = s.flag;
    flag.className = 'flag ' + s.flag;
    var clock = document.getElementById('clock');
    if (s.clock && s.clock.remaining_ms !== null) {
      var left = Math.max(0, s.clock.remaining_ms - (Date.now() - Date.parse(s.clock.at)));
      clock.textContent = new Date(left).toISOString().slice(11, 19);
    } else clock.textContent = (s.clock && s.clock.text) || '';
    document.getElementById('stale').hidden = !s.feed.stale;
    var body = document.getElementById('rows');
    body.textContent = '';
    s.entries.forEach(function (e) {
      var tr = document.createElement('tr');
      cell(tr, e.position === null ? '' : String(e.position), 'num');
      cell(tr, e.kart);
      cell(tr, e.name);
      cell(tr, String(e.laps), 'num');
      cell(tr, fmt(e.last_lap_ms), 'num' + (e.personal_best ? ' pb' : ''));
      cell(tr, fmt(e.best_lap_ms), 'num' + (e.overall_best ? ' ob' : ''));
      cell(tr, gap(e), 'num');
      cell(tr, e.in_pit ? 'PIT' : '', 'pit');
      body.appendChild(tr);
    });
  }
  function tick() {
    fetch('/api/karting/standings' + (circuit ? '?circuit=' + encodeURIComponent(circuit) : ''))
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (s) render(s);
      })
      .catch(function () {})
      .then(function () {
        setTimeout(tick, 1000);
      });
  }
  tick();
})();
