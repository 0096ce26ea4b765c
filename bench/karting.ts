/**
 * Karting figures (benchmark, not tests): every recording of ../shared/data/karting replayed
 * through a real `serve` as fast as it takes it (the speed-up over real time, laps stored against
 * an independent count, bytes sent upstream), then 200 app clients plus one that never reads on
 * `WS /circuits/{id}/live`: update latency p50/p99 and the last state of a burst.
 *   npx tsx bench/karting.ts [--only-clients]
 */
import { connect } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { ApexFeed, RMonitorFeed } from '../src-shared/karting';
import { FeedServers, readRecording } from '../src-main/simulator/scenarios/karting';
import { cleanupServes, getJson, ROOT, startServe, waitFor } from '../tests/helpers/serve';

const DATA = process.env.MARSHAL_KARTING_SAMPLES ?? resolve(ROOT, '../shared/data/karting');

async function put(http: string, id: string, url: string) {
  await fetch(`${http}/api/circuits/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nom: id, wssUrl: url }),
  });
  await fetch(`${http}/api/circuits/${id}/start`, { method: 'POST' });
}

async function lapCount(http: string, id: string) {
  return (await getJson<{ laps: unknown[] }>(`${http}/api/laps?circuit=${id}&limit=100000`)).body.laps.length;
}

async function replays() {
  if (!existsSync(DATA)) return console.log('karting: no recordings folder, replay figures skipped');
  const serve = await startServe({ readyTimeoutMs: 60_000 });
  const files = ['apex', 'rmonitor'].flatMap((d) => readdirSync(join(DATA, d)).map((f) => join(DATA, d, f)));
  let n = 0;
  for (const file of files) {
    const units = readRecording(readFileSync(file, 'utf8'));
    const durationMs = units.at(-1)?.at ?? 0;
    const rm = units[0]?.protocol === 'rmonitor';
    const expected = (() => {
      const feed = rm ? new RMonitorFeed({ circuitId: 'x' }) : new ApexFeed({ circuitId: 'x' });
      let laps = 0;
      for (const u of units) laps += feed.push(u.data, u.at).events.filter((e) => e.kind === 'lap').length;
      return laps;
    })();
    const servers = await FeedServers.start();
    const id = `bench${n++}`;
    await put(serve.httpUrl, id, rm ? servers.tcpUrl : servers.wsUrl);
    await waitFor(async () => {
      const s = await getJson<{ collectors: Record<string, { is_connected: boolean }> }>(
        `${serve.httpUrl}/status`,
      );
      return s.body.collectors[id]?.is_connected;
    }, 'connected');
    const t0 = Date.now();
    // Paced in order, as fast as the socket takes it (a 50× replay is far slower than this).
    for (let i = 0; i < units.length; i += 200) {
      const chunk = units.slice(i, i + 200);
      if (rm) servers.sendTcp(chunk.map((u) => u.data));
      else for (const u of chunk) servers.sendWs(u.data);
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(async () => (await lapCount(serve.httpUrl, id)) >= expected, `${expected} laps`, {
      timeoutMs: 600_000,
      intervalMs: 200,
    });
    const elapsed = Date.now() - t0;
    const stored = await lapCount(serve.httpUrl, id);
    console.log(
      `karting replay ${file.split('/').at(-1)}: ${units.length} units, ${stored}/${expected} laps, ` +
        `${(durationMs / 3_600_000).toFixed(2)} h in ${(elapsed / 1000).toFixed(1)} s ` +
        `(${durationMs > 0 ? Math.round(durationMs / elapsed) : '∞'}× real time), ${servers.received} bytes sent upstream`,
    );
    await fetch(`${serve.httpUrl}/api/circuits/${id}/stop`, { method: 'POST' });
    await servers.close();
  }
  await serve.stop();
}

async function clients() {
  const serve = await startServe({ readyTimeoutMs: 60_000 });
  const servers = await FeedServers.start();
  const rows = Array.from(
    { length: 20 },
    (_, i) => `<tr data-id="r${i + 1}"><td data-id="r${i + 1}c1" class="dr">T${i}</td></tr>`,
  ).join('');
  servers.joinMessage = () =>
    `init|r|\ngrid||<tbody><tr data-id="r0"><td data-id="c1" data-type="dr">Equipe</td></tr>${rows}</tbody>\n`;
  await put(serve.httpUrl, 'load', servers.wsUrl);
  const port = new URL(serve.httpUrl).port;
  const stalled = connect(Number(port), '127.0.0.1');
  stalled.write(
    `GET /circuits/load/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise((r) => stalled.once('data', r));
  stalled.pause();
  const latencies: number[] = [];
  let lastSeen = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: 200 },
      () =>
        new Promise<WebSocket>((res) => {
          const ws = new WebSocket(`${serve.httpUrl.replace('http', 'ws')}/circuits/load/live`);
          ws.on('message', (d) => {
            const m = JSON.parse(String(d)) as {
              type: string;
              drivers?: Record<string, Record<string, string>>;
            };
            if (m.type !== 'karting_data' || !m.drivers) return;
            for (const r of Object.values(m.drivers)) {
              const v = r.Equipe;
              if (v?.startsWith('t=')) {
                latencies.push(Date.now() - Number(v.slice(2).split('/')[0]));
                if (v.endsWith('/last')) lastSeen++;
              }
            }
          });
          ws.once('open', () => res(ws));
        }),
    ),
  );
  await waitFor(async () => servers.wss.clients.size === 1, 'feed connected');
  await new Promise((r) => setTimeout(r, 500));
  const pad = 'x'.repeat(2000);
  for (let i = 0; i < 400; i++) {
    servers.sendWs(`r${(i % 20) + 1}c1|dr|t=${Date.now()}/${pad}\n`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const burstAt = Date.now();
  for (let i = 0; i < 200; i++) servers.sendWs(`r1c1|dr|t=${Date.now()}/${i === 199 ? 'last' : pad}\n`);
  await waitFor(() => lastSeen === 200, 'the last state on every client', {
    timeoutMs: 30_000,
    intervalMs: 5,
  });
  const burstMs = Date.now() - burstAt;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  console.log(
    `karting app clients: 200 + 1 never reading, ${latencies.length} updates received, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, ` +
      `max ${latencies.at(-1)} ms; last state of a 200-message burst on all 200 clients after ${burstMs} ms`,
  );
  sockets.forEach((s) => s.close());
  stalled.destroy();
  await servers.close();
  await serve.stop();
}

async function main() {
  if (!process.argv.includes('--only-clients')) await replays();
  await clients();
  await cleanupServes();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
