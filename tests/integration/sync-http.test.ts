/**
 * Upstream sync to a real HTTP receiver that misbehaves: it fails, throttles with Retry-After,
 * times out, cuts an answer short and then answers 200 again for the same batch; a console is
 * killed -9 during a flush and restarted. The receiver dedupes by id: every event the console
 * acknowledged arrives, in seq order per source, and a crash sends at most one batch twice.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupServes, getJson, makeTempDir, removeDir, startServe, waitFor } from '../helpers/serve';
import { startSyncServer, type SyncServer } from '../helpers/sync-server';
import type { HealthSnapshot } from '../../src-shared/contract/types';

const TOKEN = 'sync-secret-token';
const BATCH = 10;
const dirs: string[] = [];
const servers: SyncServer[] = [];

afterAll(async () => {
  await cleanupServes();
  for (const s of servers) await s.close();
  for (const d of dirs) removeDir(d);
});

const env = {
  MARSHAL_SYNC_TOKEN: TOKEN,
  MARSHAL_SYNC_INTERVAL_MS: '200',
  MARSHAL_SYNC_BACKOFF_CAP_MS: '400',
  MARSHAL_SYNC_TIMEOUT_MS: '1500',
  MARSHAL_SYNC_BATCH_EVENTS: String(BATCH),
};

/** Posts cognitive-task results as the game does; each is acknowledged once stored. */
async function postTasks(httpUrl: string, n: number, tag: string): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomBytes(16).toString('hex'));
  const res = await fetch(`${httpUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      api_key: 'dev-key-change-me',
      client_version: '1.0.0',
      events: ids.map((event_id, i) => ({
        event_id,
        event_type: 'task_result',
        event_ts: new Date().toISOString(),
        user_id: 'u_sync',
        session_id: `s_${tag}`,
        payload: { correct: true, rt_ms: 500 + i },
      })),
    }),
  });
  expect(res.status, await res.text()).toBe(200);
  return ids;
}

const taskIds = (s: SyncServer) => new Set([...s.unique().values()].map((e) => e.data.event_id as string));

interface SyncStatus {
  console_id: string;
  destinations: {
    id: string;
    url: string;
    pending: number;
    last_success: string | null;
    last_error: string | null;
    dead_letters: number;
  }[];
}

function expectInOrder(s: SyncServer, source: string) {
  const seqs = [...s.unique().values()].filter((e) => e.id.startsWith(`${source}:`)).map((e) => e.seq);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
}

describe('sync to an HTTP destination', () => {
  it('rides out failures, throttling, a timeout and a cut answer, losing and reordering nothing', async () => {
    const receiver = await startSyncServer();
    servers.push(receiver);
    receiver.script = [
      { type: 'status', status: 503 },
      { type: 'status', status: 429, retryAfter: '1' },
      { type: 'hang' },
      { type: 'cut' },
    ];
    const dataDir = makeTempDir('marshal-sync-');
    dirs.push(dataDir);
    const serve = await startServe({
      dataDir,
      args: [
        '--mqtt-port',
        '0',
        '--http-port',
        '0',
        '--console-id',
        'bay-1',
        '--sync-url',
        `${receiver.url}?token=q-secret`,
      ],
      env,
    });

    // Fewer than a batch, so a retry that re-cut the head (rather than resending) would differ.
    const first = await postTasks(serve.httpUrl, 5, 'a');
    // More arrive while the destination is still misbehaving.
    await receiver.requests(2);
    // An unreachable destination degrades health; the console still ingests (200).
    await waitFor(async () => {
      const h = await getJson<HealthSnapshot>(`${serve.httpUrl}/api/health`);
      return h.status === 200 && h.body.sync!.state === 'degraded';
    }, 'health to show sync degraded');
    const second = await postTasks(serve.httpUrl, 25, 'b');
    const all = [...first, ...second];
    await waitFor(() => taskIds(receiver).size === all.length, 'every task result delivered', {
      timeoutMs: 30_000,
    }).catch((err) => {
      console.log(receiver.batches.map((b) => [b.at, b.key, b.answer.type, b.events.length]));
      throw err;
    });
    expect([...taskIds(receiver)].sort()).toEqual([...all].sort());
    expectInOrder(receiver, 'bay-1');

    const [b503, b429, bHang, bCut, afterCut] = receiver.batches;
    // A retry is the same batch under the same key, whatever arrived meanwhile.
    for (const b of [b429, bHang, bCut, afterCut]) {
      expect(b!.key).toBe(b503!.key);
      expect(b!.events.map((e) => e.id)).toEqual(b503!.events.map((e) => e.id));
    }
    expect(b503!.batch_id).toBe(b503!.key);
    expect(b503!.events).toHaveLength(first.length);
    expect(afterCut!.answer.type).toBe('ok');
    // Retry-After (1 s) is a floor under the next try.
    expect(bHang!.at - b429!.at).toBeGreaterThanOrEqual(950);
    for (const b of receiver.batches) {
      expect(b.auth).toBe(`Bearer ${TOKEN}`);
      expect(b.source).toBe('bay-1');
      expect(b.events.length).toBeLessThanOrEqual(BATCH);
      for (const e of b.events) expect(e.kind).toBe('task.result');
    }

    const st = await waitFor(async () => {
      const r = await getJson<SyncStatus>(`${serve.httpUrl}/api/sync`);
      return r.body.destinations[0]?.pending === 0 ? r : undefined;
    }, 'the outbox to drain');
    const text = JSON.stringify(st.body);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('q-secret');
    const d = st.body.destinations[0]!;
    expect(st.body.console_id).toBe('bay-1');
    expect(d.last_success).not.toBeNull();
    expect(d.last_error).toMatch(/network/);
    expect(d.dead_letters).toBe(0);
    const health = await getJson<HealthSnapshot>(`${serve.httpUrl}/api/health`);
    expect(JSON.stringify(health.body)).not.toContain(TOKEN);
    expect(health.body.sync).toMatchObject({ state: 'up', pending: 0, dead_letters: 0 });
    expect(health.body.sync!.last_sync).toBe(d.last_success);
    await serve.dispose();
  }, 120_000);

  it('halves a batch on 413 and sets aside what the server refuses as invalid', async () => {
    const receiver = await startSyncServer();
    servers.push(receiver);
    let poison = '';
    receiver.fallback = (events) =>
      events.length > 1
        ? { type: 'status', status: 413 }
        : events[0]!.data.event_id === poison
          ? { type: 'status', status: 422 }
          : { type: 'ok' };
    const dataDir = makeTempDir('marshal-sync-');
    dirs.push(dataDir);
    const serve = await startServe({
      dataDir,
      args: ['--mqtt-port', '0', '--http-port', '0', '--console-id', 'bay-2', '--sync-url', receiver.url],
      env,
    });
    const ids = await postTasks(serve.httpUrl, 7, 'c');
    poison = ids[3]!;
    const st = await waitFor(async () => {
      const r = await getJson<SyncStatus>(`${serve.httpUrl}/api/sync`);
      return r.body.destinations[0]?.pending === 0 ? r.body : undefined;
    }, 'the outbox to drain');
    expect(st.destinations[0]!.dead_letters).toBe(1);
    expect(st.destinations[0]!.last_error).toMatch(/HTTP 4(13|22)/);
    expect([...taskIds(receiver)].sort()).toEqual(ids.filter((i) => i !== poison).sort());
    await serve.dispose();
  }, 60_000);

  it('keeps a batch the server answers 500 at the head, blocked but never dropped', async () => {
    const receiver = await startSyncServer();
    servers.push(receiver);
    receiver.script = [
      { type: 'status', status: 500 },
      { type: 'status', status: 401 },
      { type: 'status', status: 500 },
    ];
    const dataDir = makeTempDir('marshal-sync-');
    dirs.push(dataDir);
    const serve = await startServe({
      dataDir,
      args: ['--mqtt-port', '0', '--http-port', '0', '--console-id', 'bay-5', '--sync-url', receiver.url],
      env,
    });
    const ids = await postTasks(serve.httpUrl, 3, 'g');
    await waitFor(() => taskIds(receiver).size === ids.length, 'delivery once the server recovers');
    expect(receiver.batches.slice(0, 4).map((b) => b.key)).toEqual(Array(4).fill(receiver.batches[0]!.key));
    const st = await getJson<SyncStatus>(`${serve.httpUrl}/api/sync`);
    expect(st.body.destinations[0]).toMatchObject({ pending: 0, dead_letters: 0 });
    expect(st.body.destinations[0]!.last_error).toMatch(/HTTP 500/);
    await serve.dispose();
  }, 60_000);

  it('delivers after a restart in the middle of an outage', async () => {
    const receiver = await startSyncServer();
    servers.push(receiver);
    receiver.fallback = () => ({ type: 'status', status: 503 });
    const dataDir = makeTempDir('marshal-sync-');
    dirs.push(dataDir);
    const opts = {
      dataDir,
      args: ['--mqtt-port', '0', '--http-port', '0', '--console-id', 'bay-6', '--sync-url', receiver.url],
      env,
    };
    const serve = await startServe(opts);
    const ids = await postTasks(serve.httpUrl, 12, 'h');
    await receiver.requests(1);
    expect((await serve.stop('SIGTERM')).code).toBe(0);
    receiver.fallback = () => ({ type: 'ok' });
    const again = await startServe(opts);
    await waitFor(() => taskIds(receiver).size === ids.length, 'delivery after the restart');
    expect([...taskIds(receiver)].sort()).toEqual([...ids].sort());
    expectInOrder(receiver, 'bay-6');
    await again.dispose();
  }, 60_000);

  it('loses nothing when killed -9 during a flush, and sends at most that batch twice', async () => {
    const receiver = await startSyncServer();
    servers.push(receiver);
    receiver.script = [{ type: 'hang' }];
    const dataDir = makeTempDir('marshal-sync-');
    dirs.push(dataDir);
    const opts = {
      dataDir,
      args: ['--mqtt-port', '0', '--http-port', '0', '--console-id', 'bay-3', '--sync-url', receiver.url],
      env: { ...env, MARSHAL_SYNC_TIMEOUT_MS: '60000' },
    };
    const serve = await startServe(opts);
    const ids = await postTasks(serve.httpUrl, 35, 'd');
    await receiver.requests(1);
    await serve.kill9();
    const more = await startServe(opts);
    const later = await postTasks(more.httpUrl, 5, 'e');
    const all = [...ids, ...later];
    await waitFor(
      () => taskIds(receiver).size === all.length,
      'every task result delivered after the restart',
      {
        timeoutMs: 30_000,
      },
    );
    expect([...taskIds(receiver)].sort()).toEqual([...all].sort());
    expectInOrder(receiver, 'bay-3');
    const copies = new Map<string, number>();
    for (const b of receiver.batches) for (const e of b.events) copies.set(e.id, (copies.get(e.id) ?? 0) + 1);
    const twice = [...copies].filter(([, n]) => n > 1).map(([id]) => id);
    // Only the batch in flight at the kill came again.
    expect(twice.length).toBeLessThanOrEqual(BATCH);
    const hung = new Set(receiver.batches[0]!.events.map((e) => e.id));
    for (const id of twice) expect(hung.has(id)).toBe(true);
    expect([...copies.values()].every((n) => n <= 2)).toBe(true);
    await more.dispose();
  }, 120_000);
});
