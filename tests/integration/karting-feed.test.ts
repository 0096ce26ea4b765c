/**
 * The karting capability against a real `serve` and real feed servers: an Apex-style WebSocket
 * feed and an RMonitor TCP feed, and the unchanged karting app's calls on `--karting-port`
 * (health, preflight, start/stop-timing with a JSON content type and no body, the live board).
 * The feed servers record every byte a client sends: the console must send none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { apexInit, THREE_KARTS } from '../../src-shared/karting/fixtures';
import { request } from 'node:http';
import { cleanupServes, getJson, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import { collect, FakeApexServer, FakeRMonitorServer } from '../helpers/karting';

const ENV = {
  MARSHAL_KARTING_WATCHDOG_MS: '1500',
  MARSHAL_KARTING_BACKOFF_MS: '50',
  MARSHAL_KARTING_BACKOFF_CAP_MS: '400',
};

let apex: FakeApexServer;
let rm: FakeRMonitorServer;
let serve: ServeHandle;
let kartingUrl: string;

async function json(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as Record<string, unknown>, headers: res.headers };
}

const put = (id: string, body: unknown) =>
  json(`${serve.httpUrl}/api/circuits/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** A GET with the Host header a rebinding page's browser would send (fetch may not set it). */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((res, rej) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, headers: { host } }, (r) => {
      r.resume();
      res(r.statusCode ?? 0);
    });
    req.on('error', rej);
    req.end();
  });
}

/** As the Flutter app posts: a JSON content type and no body. */
const appPost = (path: string) =>
  json(`${kartingUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });

async function laps(circuit: string) {
  const r = await getJson<{ laps: { row_id: string; lap: number; lap_ms: number; ts: string }[] }>(
    `${serve.httpUrl}/api/laps?circuit=${circuit}&limit=10000`,
  );
  return r.body.laps;
}

function openLive(id: string): Promise<{ ws: WebSocket; msgs: Record<string, unknown>[] }> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(`${kartingUrl.replace('http', 'ws')}/circuits/${id}/live`);
    const msgs = collect(ws);
    ws.once('open', () => res({ ws, msgs }));
    ws.once('error', rej);
  });
}

beforeAll(async () => {
  apex = await FakeApexServer.start();
  rm = await FakeRMonitorServer.start();
  apex.onConnect = (ws) => ws.send(apexInit('r', 'COURSE', THREE_KARTS));
  serve = await startServe({
    args: ['--mqtt-port', '0', '--http-port', '0', '--karting-port', '0'],
    env: ENV,
  });
  const line = serve.stdoutLines().find((l) => l.startsWith('karting: '));
  expect(line).toBeDefined();
  kartingUrl = line!.slice('karting: '.length);
  expect(
    (await put('vRHwx826i4wRXMGpRzVY', { nom: 'Marshal Park', wssUrl: apex.url, c9: 'Tours' })).status,
  ).toBe(200);
  expect((await put('orbits1', { nom: 'Club Circuit', wssUrl: rm.url })).status).toBe(200);
});

afterAll(async () => {
  await cleanupServes();
  await apex?.close();
  await rm?.close();
});

describe('the karting app against --karting-port', () => {
  it('health is 200 with the original fields and CORS; preflight answers', async () => {
    const h = await json(`${kartingUrl}/health`);
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'healthy', version: '1.0.0' });
    expect(h.headers.get('access-control-allow-origin')).toBe('*');
    const main = await json(`${serve.httpUrl}/health`);
    expect(main.body).toMatchObject({ ok: true, status: 'healthy' });
    expect(main.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await fetch(`${kartingUrl}/circuits/vRHwx826i4wRXMGpRzVY/start-timing`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://kmrs.web.app',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toBeTruthy();
  });

  it('the app on another origin may call its routes on either port; a rebound name gets 421 on both', async () => {
    // The Flutter web app is served from its own origin: its POSTs carry that Origin.
    for (const base of [kartingUrl, serve.httpUrl]) {
      const r = await json(`${base}/circuits/nope/stop-timing`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: 'https://kmrs.web.app' },
      });
      expect(r.status, base).toBe(404);
      expect(r.body).toEqual({ detail: 'Circuit not found' });
      expect(r.headers.get('access-control-allow-origin'), base).toBe('*');
      // A page on evil.example rebinding its name to this machine reaches nothing.
      expect(await statusWithHost(`${base}/circuits`, 'evil.example'), base).toBe(421);
    }
  });

  it('refuses the live socket of an unknown circuit at the handshake, and 404s its routes', async () => {
    const status = await new Promise<number>((res) => {
      const ws = new WebSocket(`${kartingUrl.replace('http', 'ws')}/circuits/nope/live`);
      ws.on('unexpected-response', (_req, r) => res(r.statusCode ?? 0));
      ws.on('open', () => res(101));
      ws.on('error', () => {});
    });
    expect(status).toBe(403);
    const r = await appPost('/circuits/nope/start-timing');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ detail: 'Circuit not found' });
  });

  it('start-timing connects the feed; the board reaches clients keyed by row id under the app labels', async () => {
    const early = await openLive('vRHwx826i4wRXMGpRzVY');
    const r = await appPost('/circuits/vRHwx826i4wRXMGpRzVY/start-timing');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'started',
      circuit_id: 'vRHwx826i4wRXMGpRzVY',
      websocket_url: apex.url,
    });
    const again = await appPost('/circuits/vRHwx826i4wRXMGpRzVY/start-timing');
    expect(again.body.status).toBe('already_running');

    const full = await waitFor(
      () =>
        early.msgs.find((m) => m.type === 'karting_data' && Object.keys(m.drivers as object).length === 3),
      'the full board',
    );
    const drivers = full.drivers as Record<string, Record<string, string>>;
    expect(drivers['5001']).toMatchObject({
      Classement: '1',
      Kart: '7',
      Equipe: 'BLUE FALCONS',
      'Dernier T.': '1:04.900',
      Tours: '3',
    });
    expect(full.circuit_id).toBe('vRHwx826i4wRXMGpRzVY');

    apex.broadcast('r5002c6|tn|1:04.321\nr5002|*|64000|\n');
    const delta = await waitFor(
      () =>
        early.msgs.find(
          (m) =>
            m.type === 'karting_data' &&
            (m.drivers as Record<string, Record<string, string>>)['5002']?.['Dernier T.'] === '1:04.321',
        ),
      'the lap delta',
    );
    expect(Object.keys(delta.drivers as object)).toEqual(['5002']);
    await waitFor(
      async () => (await laps('vRHwx826i4wRXMGpRzVY')).some((l) => l.lap_ms === 64321),
      'the stored lap',
    );

    // A late joiner gets the whole board at once, not the last delta.
    const late = await openLive('vRHwx826i4wRXMGpRzVY');
    const cached = await waitFor(() => late.msgs.find((m) => m.type === 'cached_data'), 'cached_data');
    const cachedDrivers = (cached.data as { drivers: Record<string, Record<string, string>> }).drivers;
    expect(Object.keys(cachedDrivers).sort()).toEqual(['5001', '5002', '5003']);
    expect(cachedDrivers['5002']!['Dernier T.']).toBe('1:04.321');
    await waitFor(() => late.msgs.find((m) => m.type === 'karting_data'), 'an immediate karting_data');

    late.ws.send(JSON.stringify({ type: 'ping' }));
    late.ws.send('keepalive');
    late.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await waitFor(() => late.msgs.filter((m) => m.type === 'pong').length === 2 && true, 'two pongs');
    expect(late.msgs.find((m) => m.type === 'pong')).not.toHaveProperty('circuit_id');
    expect(late.ws.readyState).toBe(WebSocket.OPEN);
    early.ws.close(1000);
    late.ws.close(1000);
  });

  it('reconnects after a drop and after silence, never with two sockets, never sending a byte', async () => {
    const before = apex.connections;
    apex.dropAll();
    await waitFor(() => apex.connections > before && apex.sockets.size === 1, 'a reconnect after the drop');
    // Silence: the server keeps the socket open and sends nothing; the watchdog replaces it.
    const quiet = apex.connections;
    await waitFor(() => apex.connections > quiet, 'a reconnect after silence', { timeoutMs: 10_000 });
    const st = await json(`${kartingUrl}/circuits/vRHwx826i4wRXMGpRzVY/status`);
    expect(st.body.timing_active).toBe(true);
    const col = st.body.collector_status as Record<string, unknown>;
    expect(col.watchdog_kills).toBeGreaterThanOrEqual(1);
    expect((col.log as unknown[]).length).toBeGreaterThan(0);
    expect(apex.maxConcurrent).toBe(1);
    expect(apex.received).toEqual([]);
    const data = await json(`${kartingUrl}/circuits/vRHwx826i4wRXMGpRzVY/data?limit=2`);
    expect(data.body).toHaveLength(2);
    const logs = await json(`${kartingUrl}/circuits/vRHwx826i4wRXMGpRzVY/logs`);
    expect((logs.body as unknown as { event_type: string }[]).some((l) => l.event_type === 'silent')).toBe(
      true,
    );
    const stats = await json(`${kartingUrl}/circuits/vRHwx826i4wRXMGpRzVY/statistics`);
    expect(stats.body).toMatchObject({ circuit_id: 'vRHwx826i4wRXMGpRzVY', is_active: true });
    expect(stats.body.total_records as number).toBeGreaterThan(2);
    const health = await json(`${serve.httpUrl}/api/health`);
    expect(health.body.feeds).toMatchObject({ state: 'up', running: 1, connected: 1 });
  });

  it("the app's stop ends only what the app started", async () => {
    const id = 'vRHwx826i4wRXMGpRzVY';
    expect((await json(`${serve.httpUrl}/api/circuits/${id}/start`, { method: 'POST' })).status).toBe(200);
    const stop = await appPost(`/circuits/${id}/stop-timing`);
    expect(stop.body).toMatchObject({ status: 'stopped', message: 'Timing stopped successfully' });
    let st = await json(`${kartingUrl}/circuits/${id}/status`);
    expect((st.body.collector_status as { is_running: boolean }).is_running).toBe(true);
    await json(`${serve.httpUrl}/api/circuits/${id}/start`.replace('/start', '/stop'), { method: 'POST' });
    st = await json(`${kartingUrl}/circuits/${id}/status`);
    expect(st.body.timing_active).toBe(false);
    await waitFor(() => apex.sockets.size === 0, 'the feed socket closed');
  });
});

describe('RMonitor over TCP', () => {
  it('computes gaps and stores laps; a reset keeps them', async () => {
    rm.onConnect = (s) =>
      s.write(
        [
          '$B,26,"Race 3"',
          '$C,1,"SPORT"',
          '$A,"9","9",120,"Ana","SILVA","",1',
          '$A,"26","26",NE4,"Bo","LANG","",1',
          '$F,9999,"00:10:00","14:00:00","00:00:00","Green "',
        ]
          .map((l) => `${l}\r\n`)
          .join(''),
      );
    await json(`${serve.httpUrl}/api/circuits/orbits1/start`, { method: 'POST' });
    await waitFor(() => rm.sockets.size === 1, 'the TCP connection');
    rm.send([
      '$J,"9","00:00:55.888","00:01:01.000"',
      '$G,1,"9",1,"00:01:01.000"',
      '$J,"26","00:00:57.923","00:01:04.600"',
      '$G,2,"26",1,"00:01:04.600"',
    ]);
    const board = await waitFor(async () => {
      const s = await getJson<{ entries: { kart: string; gap_ms: number | null; laps: number }[] }>(
        `${serve.httpUrl}/api/karting/standings?circuit=orbits1`,
      );
      return s.body.entries.find((e) => e.kart === '26' && e.gap_ms !== null) ? s.body : null;
    }, 'standings with gaps');
    expect(board.entries.find((e) => e.kart === '26')!.gap_ms).toBe(3600);
    rm.send([
      '$I, "00:00:00", "0/0/0000"',
      '$A,"9","9",120,"Ana","SILVA","",1',
      '$J,"9","00:00:54.500","00:01:55.500"',
    ]);
    await waitFor(async () => (await laps('orbits1')).length === 3, 'three laps');
    const l = await laps('orbits1');
    expect(l.filter((x) => x.row_id === '9').map((x) => x.lap)).toEqual([1, 2]);
    expect(rm.receivedBytes).toBe(0);
    const csv = await fetch(`${serve.httpUrl}/api/export/laps.csv?circuit=orbits1`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(4);
  });
});
