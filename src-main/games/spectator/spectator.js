/* global document, window, WebSocket, fetch, URLSearchParams, setTimeout, clearTimeout */
// The spectator leaderboard (GET /leaderboard): read-only, large type, updates itself. It reads
// /api/leaderboard and /v1/leaderboard and refreshes whenever /live reports a finished game
// session or task result. Filters come from the page's own query string, e.g.
// /leaderboard?game=whackamole&difficulty=hard&device_id=cab-01&limit=10&min_sessions=2&min_tasks=30
// Every name is set with textContent: player names come from devices and are never markup.
'use strict';

(function () {
  const params = new URLSearchParams(window.location.search);
  const pick = (names) => {
    const out = new URLSearchParams();
    for (const n of names) {
      const v = params.get(n);
      if (v !== null && v !== '') out.set(n, v);
    }
    return out;
  };
  const limit = params.get('limit') || '10';
  const sessionQuery = pick(['game', 'difficulty', 'device_id', 'min_sessions']);
  sessionQuery.set('limit', limit);
  const taskQuery = pick(['min_tasks']);
  taskQuery.set('limit', limit);
  const show = params.get('show') || 'both'; // sessions | tasks | both

  const $ = (id) => document.getElementById(id);
  const main = document.querySelector('main');
  const status = $('status');
  let updates = 0;
  let previous = { sessions: new Map(), tasks: new Map() };

  const titleParts = [];
  for (const n of ['game', 'difficulty', 'device_id']) if (params.get(n)) titleParts.push(params.get(n));
  if (titleParts.length) $('title').textContent = `Leaderboard · ${titleParts.join(' · ')}`;
  if (show === 'sessions') $('tasks-board').hidden = true;
  if (show === 'tasks') $('sessions-board').hidden = true;

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function formatScore(n) {
    return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1);
  }

  function renderBoard(kind, entries, key, cells) {
    const body = $(`${kind}-body`);
    const seen = new Map();
    const rows = entries.map((e) => {
      const tr = document.createElement('tr');
      const id = e[key];
      const signature = JSON.stringify(e);
      seen.set(id, signature);
      tr.dataset.rank = String(e.rank);
      tr.dataset.player = id;
      tr.setAttribute('data-testid', `spectator-${kind}-row`);
      const before = previous[kind].get(id);
      if (updates > 0 && before !== signature) tr.className = 'bump';
      for (const td of cells(e)) tr.appendChild(td);
      return tr;
    });
    body.replaceChildren(...rows);
    $(`${kind}-empty`).hidden = entries.length > 0;
    previous[kind] = seen;
  }

  async function getJson(url) {
    const res = await fetch(url, { cache: 'no-store' });
    if (!res.ok) throw new Error(`${url.split('?')[0]}: HTTP ${res.status}`);
    return res.json();
  }

  let inFlight = false;
  let again = false;
  async function refresh() {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      const [sessions, tasks] = await Promise.all([
        show === 'tasks' ? [] : getJson(`/api/leaderboard?${sessionQuery}`),
        show === 'sessions' ? { rows: [] } : getJson(`/v1/leaderboard?${taskQuery}`),
      ]);
      renderBoard('sessions', Array.isArray(sessions) ? sessions : sessions.entries, 'player', (e) => [
        cell(String(e.rank), 'rank'),
        cell(e.player, 'name'),
        cell(formatScore(e.best_score), 'num score'),
        cell(String(e.sessions), 'num'),
      ]);
      // The game backend's own board: its composite score, accuracy and mean reaction time.
      renderBoard('tasks', tasks.rows, 'user_id', (e) => [
        cell(String(e.rank), 'rank'),
        cell(e.user_id, 'name'),
        cell(`${e.accuracy_pct.toFixed(1)} %`, 'num score'),
        cell(`${e.mean_rt_ms} ms`, 'num'),
        cell(String(e.total_tasks), 'num'),
      ]);
      updates++;
      main.dataset.state = 'ready';
      main.dataset.updates = String(updates);
      $('updated').textContent = new Date().toLocaleTimeString();
    } catch (err) {
      main.dataset.state = 'error';
      status.textContent = `cannot load the leaderboard (${err.message}); retrying`;
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        setTimeout(refresh, 0);
      }
    }
  }

  // Bursts of results (a batch of task events) refresh once.
  let pending = null;
  function soon() {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      void refresh();
    }, 250);
  }

  let backoff = 1000;
  function connect() {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${window.location.host}/live?kinds=game.session,task.result`);
    ws.onopen = () => {
      backoff = 1000;
      status.dataset.live = 'connected';
      status.textContent = 'live';
      void refresh();
    };
    ws.onmessage = soon;
    ws.onclose = () => {
      status.dataset.live = 'reconnecting';
      status.textContent = 'reconnecting…';
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
    ws.onerror = () => ws.close();
  }

  // A slow fallback in case the live stream is blocked (a proxy): the board still moves.
  let fallback = null;
  function poll() {
    clearTimeout(fallback);
    fallback = setTimeout(() => {
      void refresh().finally(poll);
    }, 30000);
  }

  void refresh();
  connect();
  poll();
})();
