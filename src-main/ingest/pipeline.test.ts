import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../store/store';
import { IngestPipeline, type CommittedBatch, type Inbound } from './pipeline';

let dir: string;
let store: Store;
let pipeline: IngestPipeline;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-pipe-'));
  store = new Store(dir);
  pipeline = new IngestPipeline(store, {
    rangePrefix: 'leadville',
    maxPayloadBytes: 1024,
    maxBatch: 100,
    monitorPerBatch: 5,
  });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const msg = (topic: string, payload: string | Buffer, extra: Partial<Inbound> = {}): Inbound => ({
  topic,
  payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
  qos: 1,
  retain: false,
  receivedAt: Date.now(),
  clientId: 'c1',
  ...extra,
});

function nextBatch(): Promise<CommittedBatch> {
  return new Promise((resolve) => {
    const off = pipeline.onCommitted((b) => {
      off();
      resolve(b);
    });
  });
}

describe('IngestPipeline', () => {
  it('acknowledges only once the message is in the store', async () => {
    const seen: number[] = [];
    const committed = nextBatch();
    pipeline.push(
      msg('leadville/timer/events', '{"event_type":"SHOT","time":1.25}', {
        done: (err) => {
          expect(err).toBeUndefined();
          seen.push(store.listEvents({ limit: 10 }).length);
        },
      }),
    );
    expect(seen).toEqual([]);
    const batch = await committed;
    expect(seen).toEqual([1]);
    expect(batch.events.map((e) => e.kind)).toEqual(['timer.shot']);
  });

  it('batches a burst into one commit and keeps going past bad input', async () => {
    const committed = nextBatch();
    pipeline.push(msg('leadville/timer/events', '{"event_type":"START"}'));
    pipeline.push(msg('leadville/timer/events', 'garbage'));
    pipeline.push(msg('leadville/timer/events', Buffer.from([0xff, 0x00, 0xfe])));
    pipeline.push(msg('leadville/timer/events', 'x'.repeat(2000)));
    pipeline.push(msg('elsewhere/topic', 'hello'));
    pipeline.push(msg('leadville/timer/events', '{"event_type":"STOP"}'));
    const batch = await committed;
    expect(batch.events.map((e) => e.kind)).toEqual(['timer.start', 'timer.stop']);
    expect(batch.rejects.map((r) => r.reason)).toEqual([
      expect.stringContaining('malformed JSON'),
      'payload is not UTF-8 text',
      expect.stringContaining('exceeds the 1024-byte limit'),
    ]);
    // monitorPerBatch is 5: the sixth, an ordinary event, is counted as skipped (rejects never are).
    expect(batch.monitor.map((m) => m.outcome)).toEqual(['event', 'reject', 'reject', 'reject', 'unhandled']);
    expect(batch.monitorSkipped).toBe(1);
    expect(store.counter('unhandled')).toBe(1);
    expect(store.rejectsByReason()).toEqual({ malformed_json: 1, binary: 1, too_large: 1 });
  });

  it('marks redeliveries as duplicates and emits no second event', async () => {
    const first = nextBatch();
    pipeline.push(msg('leadville/timer/events', '{"event_type":"SHOT","shot_number":1,"time":2.5}'));
    await first;
    const second = nextBatch();
    pipeline.push(msg('leadville/timer/events', '{"event_type":"SHOT","shot_number":1,"time":2.5}'));
    const batch = await second;
    expect(batch.events).toEqual([]);
    expect(batch.monitor[0]!.outcome).toBe('duplicate');
    expect(store.counter('duplicates')).toBe(1);
  });

  it('fails every message of a batch the store could not commit, without acknowledging', async () => {
    store.close();
    const errors: (Error | undefined)[] = [];
    pipeline.push(msg('leadville/timer/events', '{"event_type":"SHOT"}', { done: (e) => errors.push(e) }));
    pipeline.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(Error);
    expect(pipeline.failures).toBe(1);
    store = new Store(dir);
  });
});

describe('duplicates and identity', () => {
  it('stores identical frames without identity each time, unless marked DUP', async () => {
    const frame = '{"raw_hex":"5561040009000900170017001000bb085b007a006800000003000000","rate_hz":50}';
    const done = nextBatch();
    pipeline.push(msg('leadville/sensor/s1/telemetry', frame));
    pipeline.push(msg('leadville/sensor/s1/telemetry', frame));
    pipeline.push(msg('leadville/sensor/s1/telemetry', frame, { dup: true }));
    const batch = await done;
    expect(batch.samples).toHaveLength(2);
    expect(batch.monitor.map((m) => m.outcome)).toEqual(['event', 'event', 'duplicate']);
  });

  it('keeps an unstorable message as a reject and commits the rest of its batch', async () => {
    const real = store.commit.bind(store);
    let calls = 0;
    store.commit = (items, extra) => {
      calls++;
      if (items.some((i) => i.topic === 'leadville/system/health' && i.type === 'accept'))
        throw new Error('disk says no');
      return real(items, extra);
    };
    const acks: (Error | undefined)[] = [];
    const done = nextBatch();
    pipeline.push(
      msg('leadville/timer/events', '{"event_type":"START","string_number":9}', {
        done: (e) => acks.push(e),
      }),
    );
    pipeline.push(msg('leadville/system/health', '{"cpu":1}', { done: (e) => acks.push(e) }));
    const batch = await done;
    expect(calls).toBeGreaterThan(1);
    expect(acks).toEqual([undefined, undefined]);
    expect(batch.events.map((e) => e.kind)).toEqual(['timer.start']);
    expect(batch.rejects[0]!.reason).toContain('could not be stored: disk says no');
    expect(pipeline.failures).toBe(1);
  });
});
