/**
 * Sync figures: what the outbox adds to a store commit, and how fast a backlog drains to a local
 * HTTP receiver (the outage case: N events queued while offline, then the network returns).
 * `npx tsx bench/sync-drain.ts [events]` (default 259,200: 72 hours at one a second).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type StoreItem } from '../src-main/store/store';
import { SYNC_MIGRATIONS } from '../src-main/sync/migrations';
import { Outbox } from '../src-main/sync/outbox';
import { HttpDestination } from '../src-main/sync/http';

const N = Number(process.argv[2] ?? 259_200);
const PER_COMMIT = 100;
const enc = (s: string) => new TextEncoder().encode(s);
const item = (n: number): StoreItem => ({
  type: 'accept',
  family: 'range',
  topic: 'leadville/timer/events',
  payload: enc(`{"shot":${n}}`),
  qos: 1,
  retained: false,
  receivedAt: 1_000_000 + n,
  events: [
    { kind: 'timer.shot', device_id: 'timer', ts: 1_000_000 + n, data: { shot_number: n, time_ms: n } },
  ],
  samples: [],
});

function fill(store: Store, from: number, count: number): number {
  const t0 = performance.now();
  for (let i = 0; i < count; i += PER_COMMIT)
    store.commit(Array.from({ length: Math.min(PER_COMMIT, count - i) }, (_, j) => item(from + i + j)));
  return performance.now() - t0;
}

async function main() {
  const dirA = mkdtempSync(join(tmpdir(), 'sync-bench-a-'));
  const dirB = mkdtempSync(join(tmpdir(), 'sync-bench-b-'));
  const plain = new Store(dirA, 'leadville', SYNC_MIGRATIONS);
  const synced = new Store(dirB, 'leadville', SYNC_MIGRATIONS);
  const outbox = new Outbox(synced, 'bench', [{ id: 'http', type: 'http', url: 'x', kinds: ['timer.shot'] }]);
  outbox.attach();
  const sample = Math.min(N, 50_000);
  const a = fill(plain, 0, sample);
  const b = fill(synced, 0, sample);
  console.log(
    `commit, ${PER_COMMIT} events a transaction: ${((a / sample) * 1000).toFixed(1)} µs/event without an outbox, ${((b / sample) * 1000).toFixed(1)} µs/event with one`,
  );
  if (N > sample) fill(synced, sample, N - sample);
  plain.close();

  let received = 0;
  let lastSeq = 0;
  let outOfOrder = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { events: { seq: number }[] };
      for (const e of body.events) {
        if (e.seq !== lastSeq + 1) outOfOrder++;
        lastSeq = e.seq;
        received++;
      }
      res.writeHead(200).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const dest = new HttpDestination(outbox, {
    id: 'http',
    url: `http://127.0.0.1:${port}/`,
    source: 'bench',
    intervalMs: 10_000,
    eagerCount: 20,
    requestTimeoutMs: 30_000,
  });
  dest.status();
  const q0 = performance.now();
  for (let i = 0; i < 100; i++) dest.status();
  console.log(`status() with ${N} pending: ${((performance.now() - q0) / 100).toFixed(3)} ms`);
  const t0 = performance.now();
  let statusMs = 0;
  dest.start();
  while (received < N) {
    await new Promise((r) => setTimeout(r, 200));
    const s0 = performance.now();
    dest.status();
    statusMs = Math.max(statusMs, performance.now() - s0);
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `drained ${received} events in ${secs.toFixed(1)} s (${Math.round(received / secs)} events/s), out of order: ${outOfOrder}, pending left: ${outbox.pending('http').count}, slowest status(): ${statusMs.toFixed(1)} ms`,
  );
  await dest.stop();
  server.close();
  synced.close();
  rmSync(dirA, { recursive: true, force: true });
  rmSync(dirB, { recursive: true, force: true });
}

void main();
