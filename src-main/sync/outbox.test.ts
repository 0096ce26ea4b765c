import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store, type StoreItem } from '../store/store';
import { SYNC_MIGRATIONS } from './migrations';
import { Outbox } from './outbox';

const enc = (s: string) => new TextEncoder().encode(s);
let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-outbox-'));
  store = new Store(dir, 'leadville', SYNC_MIGRATIONS);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const shot = (n: number): StoreItem => ({
  type: 'accept',
  family: 'range',
  topic: 'leadville/timer/events',
  payload: enc(`{"shot":${n}}`),
  qos: 1,
  retained: false,
  receivedAt: 1000 + n,
  events: [{ kind: 'timer.shot', device_id: 'timer', ts: 1000 + n, data: { shot_number: n } }],
  samples: [],
});

interface Sent {
  id: string;
  seq: number;
  kind: string;
  data: Record<string, unknown>;
}
const bodies = (o: Outbox, dest = 'http') => o.head(dest, 1000).map((r) => JSON.parse(r.body) as Sent);

describe('outbox', () => {
  it('queues stored events of the chosen kinds, with contiguous seqs and the console in the id', () => {
    const o = new Outbox(store, 'bay-1', [
      { id: 'http', type: 'http', url: 'http://x', kinds: ['timer.shot', 'alert'] },
    ]);
    o.attach();
    const stored = store.commit([shot(1), shot(2)]);
    store.appendEvents([{ kind: 'timer.status', device_id: 'timer', ts: 5, data: {} }], 'console/x');
    store.appendEvents(
      [{ kind: 'alert', device_id: 'console', ts: 6, data: { message: 'hi' } }],
      'console/alerts',
    );
    const sent = bodies(o);
    expect(sent.map((e) => e.kind)).toEqual(['timer.shot', 'timer.shot', 'alert']);
    expect(sent.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(sent[0]!.id).toBe(`bay-1:${stored[0]!.events[0]!.id}`);
    expect(sent[1]!.data).toEqual({ shot_number: 2 });
  });

  it('writes nothing, and uses no seq, when the storing transaction rolls back', () => {
    const o = new Outbox(store, 'bay-1', [
      { id: 'http', type: 'http', url: 'http://x', kinds: ['timer.shot'] },
    ]);
    o.attach();
    store.commit([shot(1)]);
    expect(() =>
      store.db.transaction(() => {
        store.commit([shot(2)]);
        throw new Error('disk full');
      })(),
    ).toThrow('disk full');
    expect(bodies(o).map((e) => e.seq)).toEqual([1]);
    expect(store.listEvents({ limit: 10 })).toHaveLength(1);
    store.commit([shot(3)]);
    expect(bodies(o).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('keeps seqs across a restart and never queues a duplicate message twice', () => {
    const cfg = [{ id: 'http', type: 'http' as const, url: 'http://x', kinds: ['timer.shot'] }];
    const a = new Outbox(store, 'bay-1', cfg);
    a.attach();
    store.commit([shot(1), shot(2)]);
    store.commit([shot(2)]);
    a.stop();
    store.close();
    store = new Store(dir, 'leadville', SYNC_MIGRATIONS);
    const b = new Outbox(store, 'bay-1', cfg);
    b.attach();
    store.commit([shot(3)]);
    expect(bodies(b).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('removes rows only when acknowledged, and moves dead letters aside with why', () => {
    const o = new Outbox(store, 'bay-1', [
      { id: 'http', type: 'http', url: 'http://x', kinds: ['timer.shot'] },
    ]);
    o.attach();
    store.commit([shot(1), shot(2), shot(3)]);
    const rows = o.head('http', 10);
    o.ack('http', rows.slice(0, 1), 5000);
    o.deadLetter(rows.slice(1, 2), 422, 'HTTP 422', 5001);
    expect(o.head('http', 10).map((r) => r.seq)).toEqual([3]);
    expect(o.pending('http').count).toBe(1);
    expect(o.deadLetters('http')).toBe(1);
    expect(o.lastSuccess('http')).toBe(5000);
  });

  it('stops queueing once detached', () => {
    const o = new Outbox(store, 'bay-1', [
      { id: 'http', type: 'http', url: 'http://x', kinds: ['timer.shot'] },
    ]);
    o.attach();
    o.stop();
    store.commit([shot(1)]);
    expect(o.pending('http').count).toBe(0);
  });
});
