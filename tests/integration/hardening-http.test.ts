/**
 * The HTTP host against the attacks a web page, a careless client or a stuck screen can make,
 * each replayed against a real `serve`:
 * - DNS rebinding: a page on a foreign name that resolves to 127.0.0.1 sends `Host: evil.example`
 *   (and, being that page, `Origin: http://evil.example`): every route answers 421, /ws and
 *   /live refuse the upgrade.
 * - Cross-site requests: a foreign `Origin` on /ws, /live or a route that changes something is
 *   refused (403) and changes nothing; clients without `Origin` (devices, scripts) are unaffected.
 * - A 10,000-level JSON body on `POST /v1/events` is a 400 with the original's error body and the
 *   server keeps serving; what the original took (990 levels) is still taken.
 * - A secret in a rejected body (HTTP or MQTT) never shows in /api/rejects.
 * - A /live client that does not read is cut off while another keeps receiving; the number of
 *   /live clients is capped with a clear refusal.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mosquittoPub, targetFromUrl } from '../helpers/mqtt';
import { api, cleanupServes, startServe, waitFor, type ServeHandle } from '../helpers/serve';

const KEY = 'dev-key-change-me';

let serve: ServeHandle;
let port: number;
const sockets: (WebSocket | Socket)[] = [];

beforeAll(async () => {
  serve = await startServe();
  port = Number(new URL(serve.httpUrl).port);
});
afterAll(async () => {
  for (const s of sockets) {
    if (s instanceof WebSocket) s.terminate();
    else s.destroy();
  }
  await cleanupServes();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown> | null;
}

/** A raw HTTP request, so Host and Origin are exactly what a browser under attack would send. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
  base = `http://127.0.0.1:${port}`,
): Promise<Reply> {
  return new Promise((res, rej) => {
    const url = new URL(path, base);
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | null = null;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON
          }
          res({ status: r.statusCode ?? 0, headers: r.headers, text, json });
        });
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', rej);
    req.end(body);
  });
}

/** Opens a WebSocket; resolves `open` or the HTTP status the upgrade was refused with. */
function upgrade(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ open: WebSocket } | { status: number; body: string }> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    sockets.push(ws);
    ws.once('open', () => res({ open: ws }));
    ws.once('unexpected-response', (_req, r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => rej(err));
  });
}

let seq = 0;
function event(payload: unknown = { correct: true, rt_ms: 400 }, type = 'task_result') {
  return {
    event_id: `hh-${process.pid}-${++seq}`,
    event_type: type,
    event_ts: '2026-02-17T12:05:11Z',
    user_id: 'pilot_01',
    session_id: 's1771485000_pilot_01',
    model_version: 'baseline_v1',
    payload,
  };
}
const postEvents = (events: unknown[], headers: Record<string, string> = {}) =>
  raw(
    'POST',
    '/v1/events',
    { 'content-type': 'application/json', ...headers },
    JSON.stringify({ api_key: KEY, client_version: 'hh', events }),
  );

async function storedEventIds(): Promise<string[]> {
  const r = await raw('GET', `/v1/export/raw?api_key=${KEY}&limit=10000`);
  expect(r.status).toBe(200);
  const rows = (r.json?.events ?? r.json?.rows ?? []) as {
    data?: { event_id?: string };
    event_id?: string;
  }[];
  return rows.map((e) => e.event_id ?? e.data?.event_id ?? '');
}

describe('DNS rebinding: a foreign Host is refused on every route', () => {
  it('answers 421 to Host: evil.example on the API, the originals’ routes and the UI', async () => {
    for (const path of ['/api/stats', '/api/rejects', '/api/health', '/health', '/', '/leaderboard']) {
      const r = await raw('GET', path, { host: 'evil.example' });
      expect(r.status, path).toBe(421);
      expect(String(r.json?.error), path).toMatch(/does not answer to Host "evil\.example".*--allowed-host/);
    }
    for (const host of ['evil.example', `evil.example:${port}`, '127.0.0.1.evil.example', 'localhost.evil']) {
      expect((await raw('GET', '/api/stats', { host })).status, host).toBe(421);
    }
    // The originals' routes refuse in their own error shape.
    const v1 = await raw('GET', '/v1/leaderboard', { host: 'evil.example' });
    expect(v1.status).toBe(421);
    expect(v1.json).toEqual({ detail: expect.stringMatching(/Host "evil\.example"/) });
    const post = await postEvents([event()], { host: 'evil.example' });
    expect(post.status).toBe(421);
    // Counted and visible, so an operator sees a client using a name the console does not know.
    const http = (await raw('GET', '/api/health')).json?.http as Record<string, unknown>;
    expect(http).toMatchObject({ last_refused_host: 'evil.example' });
    expect(http.host_refused).toBeGreaterThanOrEqual(11);
  });

  it('still answers its own names: localhost, loopback addresses, with or without port', async () => {
    for (const host of [
      'localhost',
      `localhost:${port}`,
      '127.0.0.1',
      `127.0.0.1:${port}`,
      `127.9.8.7:${port}`,
      `[::1]:${port}`,
      'LOCALHOST.',
    ]) {
      const r = await raw('GET', '/api/stats', { host });
      expect(r.status, host).toBe(200);
    }
  });

  it('refuses the /ws and /live upgrades of a rebinding page (Host and Origin evil.example)', async () => {
    const page = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
    const ws = await upgrade('/ws', page);
    expect(ws).toMatchObject({ status: 421 });
    const live = await upgrade('/live', page);
    expect(live).toMatchObject({ status: 421 });
  });
});

describe('cross-site requests: a foreign Origin', () => {
  it('cannot open /ws or /live, while the console’s own page and non-browser clients can', async () => {
    const foreign = { origin: 'http://evil.example' };
    expect(await upgrade('/ws', foreign)).toMatchObject({ status: 403 });
    expect(await upgrade('/live', foreign)).toMatchObject({ status: 403 });
    expect(await upgrade('/ws', { origin: 'null' })).toMatchObject({ status: 403 });
    // A page of another web server on this machine is not the console's.
    const neighbour = { origin: `http://127.0.0.1:${port === 65535 ? port - 1 : port + 1}` };
    expect(await upgrade('/ws', neighbour)).toMatchObject({ status: 403 });
    const own: Record<string, string>[] = [
      { origin: `http://127.0.0.1:${port}` },
      { origin: `http://localhost:${port}` },
      {},
    ];
    for (const headers of own) {
      const ok = await upgrade('/ws', headers);
      expect('open' in ok, JSON.stringify(headers)).toBe(true);
      if ('open' in ok) ok.open.close();
    }
  });

  it('gets 403 on a route that changes something, and nothing changes', async () => {
    const before = await raw('GET', '/api/bridges');
    expect(before.status).toBe(200);
    const republish = (before.json?.settings as { republish: boolean }).republish;
    const body = JSON.stringify({ republish: !republish });
    const json = { 'content-type': 'application/json' };

    const attack = await raw(
      'PUT',
      '/api/bridges/settings',
      { ...json, origin: 'http://evil.example' },
      body,
    );
    expect(attack.status).toBe(403);
    expect(String(attack.json?.error)).toMatch(/cross-origin/);
    const after = await raw('GET', '/api/bridges');
    expect((after.json?.settings as { republish: boolean }).republish).toBe(republish);

    // Reads stay readable (the browser's CORS keeps a foreign page from seeing them).
    expect((await raw('GET', '/api/stats', { origin: 'http://evil.example' })).status).toBe(200);

    // The same request from the console's own page does change it.
    const own = await raw(
      'PUT',
      '/api/bridges/settings',
      { ...json, origin: `http://127.0.0.1:${port}` },
      body,
    );
    expect(own.status).toBe(200);
    expect(((await raw('GET', '/api/bridges')).json?.settings as { republish: boolean }).republish).toBe(
      !republish,
    );
  });

  it('cannot post game events, while the game client (no Origin) can', async () => {
    const forged = event();
    const attack = await postEvents([forged], { origin: 'http://evil.example' });
    expect(attack.status).toBe(403);
    expect(attack.json).toEqual({ detail: expect.stringMatching(/cross-origin/) });
    const genuine = event();
    expect(await postEvents([genuine])).toMatchObject({ status: 200, json: { ok: true } });
    const ids = await storedEventIds();
    expect(ids).toContain(genuine.event_id);
    expect(ids).not.toContain(forged.event_id);
  });
});

describe('POST /v1/events with a 10,000-level payload', () => {
  const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
  const bodyWith = (payloadJson: string, id: string) =>
    `{"api_key":"${KEY}","events":[{"event_id":"${id}","event_type":"deep","event_ts":"2026-02-17T12:05:11Z",` +
    `"user_id":"pilot_01","session_id":"s1","payload":${payloadJson}}]}`;

  it('is a 400 with the original’s body, counted as a reject, and the server keeps serving', async () => {
    const rejectsBefore = (await api(serve.httpUrl).rejects()).total;
    const r = await raw(
      'POST',
      '/v1/events',
      { 'content-type': 'application/json' },
      bodyWith(nested(10_000), `deep-${process.pid}`),
    );
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ detail: 'There was an error parsing the body' });
    const rejects = await api(serve.httpUrl).rejects();
    expect(rejects.total).toBe(rejectsBefore + 1);
    expect(rejects.rejects[0]!.reason).toMatch(/deeper than/);
    expect((await raw('GET', '/health')).status).toBe(200);
    expect(await postEvents([event()])).toMatchObject({ status: 200, json: { ok: true } });
  });

  it('is a 400 on Marshal’s own JSON routes too, past 64 levels', async () => {
    const r = await raw(
      'PUT',
      '/api/bridges/settings',
      { 'content-type': 'application/json' },
      `{"republish": true, "x": ${nested(10_000)}}`,
    );
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: expect.stringMatching(/deeper than 64 levels/) });
    expect((await raw('GET', '/health')).status).toBe(200);
  });

  it('still takes the 990 levels the original took', async () => {
    const id = `deep-ok-${process.pid}`;
    const r = await raw(
      'POST',
      '/v1/events',
      { 'content-type': 'application/json' },
      bodyWith(nested(990), id),
    );
    expect(r.status, r.text.slice(0, 200)).toBe(200);
    expect(await storedEventIds()).toContain(id);
  });
});

describe('secrets in rejected bodies', () => {
  it('never show in /api/rejects, from HTTP or MQTT', async () => {
    const httpSecret = `SECRET${process.pid}H`;
    const form = await raw(
      'POST',
      '/v1/events',
      { 'content-type': 'application/x-www-form-urlencoded' },
      `api_key=${httpSecret}&events=1`,
    );
    // FastAPI's answer to a body that is not JSON, as the game's backend gave it.
    expect(form.status).toBe(422);
    const jsonSecret = `SECRET${process.pid}J`;
    const broken = await raw(
      'POST',
      '/v1/events',
      { 'content-type': 'application/json' },
      `{"events": [], "password": ${jsonSecret}}`,
    );
    expect(broken.status).toBe(422);
    expect(broken.text).not.toContain(jsonSecret);
    const mqttSecret = `SECRET${process.pid}M`;
    await mosquittoPub(
      targetFromUrl(serve.mqttUrl),
      'neurogame/game-1/events',
      `{"token": "${mqttSecret}", "events": [`,
    );
    const body = await waitFor(async () => {
      const r = await raw('GET', '/api/rejects?limit=50');
      return r.text.includes('neurogame/game-1/events') ? r : undefined;
    }, 'the MQTT reject');
    const rejects = body.json!.rejects as { topic: string; payload_preview: string; reason: string }[];
    expect(rejects.filter((r) => r.payload_preview.includes('***')).length).toBeGreaterThanOrEqual(3);
    for (const secret of [httpSecret, jsonSecret, mqttSecret]) expect(body.text).not.toContain(secret);
  });
});

describe('/live clients that do not read', () => {
  /** A /live client at the socket level that, once upgraded, never reads another byte. */
  function stalledLiveClient(): Promise<Socket> {
    return new Promise((res, rej) => {
      const s = connect(port, '127.0.0.1');
      sockets.push(s);
      s.once('error', rej);
      s.once('connect', () =>
        s.write(
          `GET /live?kinds=task.result,game.event HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
            'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        ),
      );
      s.once('data', (d: Buffer) => {
        if (!d.toString('latin1').startsWith('HTTP/1.1 101')) return rej(new Error(d.toString('latin1')));
        s.pause();
        res(s);
      });
    });
  }

  /** The host's own account of /live (absent before these limits existed). */
  const liveStats = async () => {
    const h = await raw('GET', '/api/health');
    const http = h.json?.http as
      { live?: { clients: number; dropped_slow: number; max_clients: number } } | undefined;
    return http?.live ?? null;
  };

  it('is cut off while another client keeps receiving', async () => {
    // Both are attached once they have their 101: the host attaches a socket as it upgrades it.
    const stalled = await stalledLiveClient();
    const reader = await upgrade('/live?kinds=task.result,game.event');
    if (!('open' in reader)) throw new Error(`reader refused: ${JSON.stringify(reader)}`);
    const received = new Set<string>();
    reader.open.on('message', (m) => {
      const e = JSON.parse(String(m)) as { data: { event_id: string } };
      received.add(e.data.event_id);
    });

    // ~0.9 MB a batch (sixty 15 KB payloads); 20 batches are more than the kernel buffers of
    // both ends plus the host's per-client cap.
    const filler = 'x'.repeat(15_000);
    const sent: string[] = [];
    for (let i = 0; i < 20 && !(await liveStats())?.dropped_slow; i++) {
      const events = Array.from({ length: 60 }, () => event({ filler }, 'filler'));
      expect((await postEvents(events)).status).toBe(200);
      sent.push(...events.map((e) => e.event_id));
    }
    await waitFor(async () => (await liveStats())?.dropped_slow === 1, 'the stalled client to be cut off');
    const marker = event({ marker: true }, 'marker');
    expect((await postEvents([marker])).status).toBe(200);
    await waitFor(() => received.has(marker.event_id), 'the marker on the reading client');
    expect(sent.filter((id) => !received.has(id))).toEqual([]);
    expect((await liveStats())?.clients).toBe(1);

    // The stalled client, once it reads again, finds its connection closed.
    let closed = false;
    stalled.once('close', () => (closed = true));
    stalled.on('data', () => undefined);
    stalled.resume();
    await waitFor(() => closed, 'the stalled connection to end');
    reader.open.close();
    await waitFor(async () => (await liveStats())?.clients === 0, 'the reader to go');
  }, 120_000);

  it('are capped per route, with a clear refusal', async () => {
    const opened: WebSocket[] = [];
    let refusal: { status: number; body: string } | null = null;
    while (!refusal) {
      if (opened.length >= 256) throw new Error(`${opened.length} /live clients and no refusal`);
      const r = await upgrade('/live?kinds=alert');
      if ('open' in r) opened.push(r.open);
      else refusal = r;
    }
    expect(refusal.status).toBe(503);
    expect(refusal.body).toMatch(/\/live has \d+ clients, its limit/);
    const stats = await liveStats();
    expect(stats?.clients).toBe(opened.length);
    expect(stats?.max_clients).toBe(opened.length);
    opened.pop()!.close();
    await waitFor(async () => (await liveStats())!.clients < opened.length + 1, 'a free /live slot');
    const again = await upgrade('/live?kinds=alert');
    expect('open' in again).toBe(true);
    for (const ws of [...opened, ...('open' in again ? [again.open] : [])]) ws.close();
  }, 60_000);
});

describe('/ws clients', () => {
  it('are capped too, with a clear refusal', async () => {
    const opened: WebSocket[] = [];
    let refusal: { status: number; body: string } | null = null;
    while (!refusal) {
      if (opened.length >= 256) throw new Error(`${opened.length} /ws clients and no refusal`);
      const r = await upgrade('/ws');
      if ('open' in r) opened.push(r.open);
      else refusal = r;
    }
    expect(refusal.status).toBe(503);
    expect(refusal.body).toMatch(/\/ws has \d+ clients, its limit/);
    for (const ws of opened) ws.close();
  });
});

const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('names the operator adds, and LAN addresses', () => {
  it('answers --allowed-host and MARSHAL_ALLOWED_HOSTS names, nothing else', async () => {
    const other = await startServe({
      args: ['--allowed-host', 'range-laptop.example', '--allowed-host', '10.0.2.2'],
      env: { MARSHAL_ALLOWED_HOSTS: 'console.lan, api.kmrs-racing.com' },
    });
    const base = other.httpUrl;
    const p = new URL(base).port;
    for (const host of [`range-laptop.example:${p}`, 'CONSOLE.LAN', `10.0.2.2:${p}`, 'api.kmrs-racing.com']) {
      expect((await raw('GET', '/api/stats', { host }, undefined, base)).status, host).toBe(200);
    }
    expect((await raw('GET', '/api/stats', { host: 'evil.example' }, undefined, base)).status).toBe(421);
    const put = await raw(
      'PUT',
      '/api/bridges/settings',
      { 'content-type': 'application/json', host: `console.lan:${p}`, origin: `http://console.lan:${p}` },
      '{}',
      base,
    );
    expect(put.status).toBe(200);
    await other.stop();
  });

  it.runIf(lanAddress)('with --lan, answers its LAN address and still refuses foreign names', async () => {
    const lan = await startServe({ args: ['--lan'] });
    const p = new URL(lan.httpUrl).port;
    const base = `http://${lanAddress}:${p}`;
    expect(lan.stdoutLines()).toContain(base);
    expect((await raw('GET', '/api/stats', {}, undefined, base)).status).toBe(200);
    expect((await raw('GET', '/api/stats', { host: 'evil.example' }, undefined, base)).status).toBe(421);
    await lan.stop();
  });
});
