/**
 * Karting storage under kill -9, and the app's live board under a client that never reads.
 * Each raw feed unit is stored with the laps it produced in one transaction: after a SIGKILL in
 * the middle of a stream, every stored unit that holds a crossing has exactly one lap and no lap
 * lacks its unit; the restarted console resumes the capture, rebuilds the board and numbers the
 * next laps on from the stored ones.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { apexInit, THREE_KARTS } from '../../src-shared/karting/fixtures';
import {
  cleanupServes,
  getJson,
  makeTempDir,
  removeDir,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import { collect, FakeApexServer } from '../helpers/karting';

const ENV = { MARSHAL_KARTING_BACKOFF_MS: '50', MARSHAL_KARTING_BACKOFF_CAP_MS: '300' };
const CIRCUIT = 'restartCircuit';

let apex: FakeApexServer;
const crossed = new Map<string, number>();
let dataDir: string;

interface Lap {
  row_id: string;
  lap: number;
  lap_ms: number;
  ts: string;
  session_id: string;
}

async function allLaps(serve: ServeHandle): Promise<Lap[]> {
  return (await getJson<{ laps: Lap[] }>(`${serve.httpUrl}/api/laps?circuit=${CIRCUIT}&limit=100000`)).body
    .laps;
}

async function allRaw(serve: ServeHandle): Promise<{ received_at: string; data: string }[]> {
  const out: { received_at: string; data: string }[] = [];
  let after = '0';
  for (;;) {
    const page = await getJson<{ raw: { received_at: string; data: string }[]; next: string | null }>(
      `${serve.httpUrl}/api/karting/raw?circuit=${CIRCUIT}&after=${after}&limit=5000`,
    );
    out.push(...page.body.raw);
    if (!page.body.next || page.body.raw.length < 5000) return out;
    after = page.body.next;
  }
}

beforeAll(async () => {
  apex = await FakeApexServer.start();
  // As a real server does on a (re)connect: the grid as it stands, laps included.
  apex.onConnect = (ws) =>
    ws.send(
      apexInit(
        'r',
        'COURSE',
        THREE_KARTS.map((k) => ({ ...k, laps: String(3 + (crossed.get(k.id) ?? 0)) })),
      ),
    );
  dataDir = makeTempDir('marshal-karting-');
});

afterAll(async () => {
  await cleanupServes();
  await apex.close();
  removeDir(dataDir);
});

describe('kill -9 mid-session', () => {
  it('loses no stored lap, doubles none, and numbers on after the restart', async () => {
    const first = await startServe({ dataDir, env: ENV });
    const put = await fetch(`${first.httpUrl}/api/circuits/${CIRCUIT}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nom: 'Restart Ring', wssUrl: apex.url }),
    });
    expect(put.status).toBe(200);
    await fetch(`${first.httpUrl}/api/circuits/${CIRCUIT}/start`, { method: 'POST' });
    await waitFor(() => apex.sockets.size === 1, 'the feed connection');
    await waitFor(async () => (await allRaw(first)).length >= 1, 'the grid stored');

    // A stream of crossings, and a SIGKILL in the middle of it.
    let sent = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 5; i++) {
        const row = THREE_KARTS[sent % 3]!.id;
        crossed.set(row, (crossed.get(row) ?? 0) + 1);
        apex.broadcast(
          `r${row}c6|tn|1:0${4 + (sent % 3)}.${String(100 + (sent % 800)).padStart(3, '0')}\nr${row}|*|1|\n`,
        );
        sent++;
      }
    }, 2);
    await waitFor(async () => (await allLaps(first)).length >= 60, 'laps stored before the kill');
    await first.kill9();
    clearInterval(timer);

    const second = await startServe({ dataDir, env: ENV });
    const raw = await allRaw(second);
    const lapsAfterKill = await allLaps(second);
    const crossings = raw.filter((r) => /c6\|tn\|/.test(r.data));
    expect(lapsAfterKill.length).toBe(crossings.length);
    // Each stored crossing has its lap (same row, same receive time), and nothing else is a lap.
    const fromRaw = crossings.map((c) => `${/^r(\d+)c6/.exec(c.data)![1]}@${c.received_at}`).sort();
    expect(lapsAfterKill.map((l) => `${l.row_id}@${l.ts}`).sort()).toEqual(fromRaw);
    // No lap twice: each row's lap numbers run on one by one.
    for (const k of THREE_KARTS) {
      const numbers = lapsAfterKill.filter((l) => l.row_id === k.id).map((l) => l.lap);
      expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    }

    // The capture resumed on its own; the board was rebuilt; the next lap numbers on.
    await waitFor(() => apex.sockets.size === 1, 'the resumed feed connection');
    const lastOf5001 = Math.max(...lapsAfterKill.filter((l) => l.row_id === '5001').map((l) => l.lap));
    apex.broadcast('r5001c6|tn|1:03.999\n');
    const next = await waitFor(
      async () => (await allLaps(second)).find((l) => l.row_id === '5001' && l.lap_ms === 63999),
      'the lap after the restart',
    );
    // The grid sent on the reconnect counts the laps run while the console was down.
    expect(next.lap).toBe(3 + crossed.get('5001')! + 1);
    expect(next.lap).toBeGreaterThan(lastOf5001);
    expect(next.session_id).toBe(lapsAfterKill[0]!.session_id);
    expect(apex.maxConcurrent).toBe(1);
    expect(apex.received).toEqual([]);
    await second.stop();
    await waitFor(() => apex.sockets.size === 0, 'the feed closed with the console');
  });
});

describe('a client that never reads', () => {
  it('never keeps the others from the last state of a burst', async () => {
    const serve = await startServe({ env: ENV });
    await fetch(`${serve.httpUrl}/api/circuits/${CIRCUIT}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nom: 'Slow Ring', wssUrl: apex.url }),
    });
    const port = new URL(serve.httpUrl).port;
    // A raw socket that completes the upgrade and then never reads a byte.
    const stalled = connect(Number(port), '127.0.0.1');
    stalled.write(
      `GET /circuits/${CIRCUIT}/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await new Promise((r) => stalled.once('data', r));
    stalled.pause();

    const clients = await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<{ ws: WebSocket; msgs: Record<string, unknown>[] }>((res, rej) => {
            const ws = new WebSocket(`${serve.httpUrl.replace('http', 'ws')}/circuits/${CIRCUIT}/live`);
            const msgs = collect(ws);
            ws.once('open', () => res({ ws, msgs }));
            ws.once('error', rej);
          }),
      ),
    );
    const before = apex.connections;
    await fetch(`${serve.httpUrl}/api/circuits/${CIRCUIT}/start`, { method: 'POST' });
    await waitFor(() => apex.connections > before && apex.sockets.size === 1, 'the feed connection');
    await waitFor(
      () => clients.every((c) => c.msgs.some((m) => m.type === 'karting_data')),
      'the grid on every client',
    );
    const big = 'X'.repeat(4000);
    for (let i = 0; i < 400; i++) apex.broadcast(`r5002c5|dr|${big}${i}\n`);
    for (const c of clients) {
      await waitFor(
        () =>
          c.msgs.some(
            (m) =>
              (m.drivers as Record<string, Record<string, string>> | undefined)?.['5002']?.Equipe ===
              `${big}399`,
          ),
        'the last state of the burst',
      );
      c.ws.close(1000);
    }
    stalled.destroy();
  });
});
