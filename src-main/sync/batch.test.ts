import { describe, expect, it } from 'vitest';
import { batchBody, batchId, cutBatch, splitBatch, type OutboxRow } from './batch';

const row = (seq: number, size = 50): OutboxRow => ({
  row: seq * 10,
  seq,
  body: JSON.stringify({ id: `c:${seq}`, seq, pad: 'x'.repeat(Math.max(0, size - 30)) }),
});

describe('cutting batches', () => {
  it('takes at most maxEvents, in seq order', () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(i + 1));
    const { batch, oversized } = cutBatch(rows, { maxEvents: 4, maxBytes: 1e6, maxEventBytes: 1000 });
    expect(batch.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(oversized).toEqual([]);
  });

  it('keeps the whole body within maxBytes', () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(i + 1, 300));
    const limits = { maxEvents: 100, maxBytes: 2000, maxEventBytes: 1000 };
    const { batch } = cutBatch(rows, limits);
    expect(batch.length).toBeGreaterThan(0);
    expect(batch.length).toBeLessThan(10);
    expect(
      Buffer.byteLength(batchBody('console-a', batchId('console-a', 'http', batch), batch)),
    ).toBeLessThanOrEqual(limits.maxBytes);
  });

  it('sets aside an event too large for any batch only when it reaches the head', () => {
    const limits = { maxEvents: 100, maxBytes: 1e6, maxEventBytes: 200 };
    const rows = [row(1), row(2, 500), row(3)];
    const first = cutBatch(rows, limits);
    expect(first.batch.map((r) => r.seq)).toEqual([1]);
    expect(first.oversized).toEqual([]);
    const second = cutBatch(rows.slice(1), limits);
    expect(second.oversized.map((r) => r.seq)).toEqual([2]);
    expect(second.batch.map((r) => r.seq)).toEqual([3]);
  });

  it('names a batch by its seq range, so a retry of it carries the same key', () => {
    const rows = [row(7), row(8), row(9)];
    expect(batchId('bay-1', 'http', rows)).toBe('bay-1:http:7-9');
    expect(batchId('bay-1', 'http', [...rows])).toBe(batchId('bay-1', 'http', rows));
  });

  it('writes the envelope of the design with the events as queued', () => {
    const rows = [row(1), row(2)];
    const body = JSON.parse(batchBody('bay-1', 'k', rows)) as {
      source: string;
      batch_id: string;
      events: unknown[];
    };
    expect(body.source).toBe('bay-1');
    expect(body.batch_id).toBe('k');
    expect(body.events).toEqual(rows.map((r) => JSON.parse(r.body) as unknown));
  });

  it('halves a batch for a 413, and cannot split a single event', () => {
    const rows = [row(1), row(2), row(3)];
    expect(splitBatch(rows)!.map((h) => h.map((r) => r.seq))).toEqual([[1, 2], [3]]);
    expect(splitBatch([row(1)])).toBeNull();
  });
});
