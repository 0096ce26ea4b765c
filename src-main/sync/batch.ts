/**
 * Cutting the outbox head into HTTP batches: at most `maxEvents` events and `maxBytes` of body,
 * in seq order. An event larger than `maxEventBytes` never fits any batch: it is set aside (dead
 * letter) rather than blocking everything behind it.
 */

export interface OutboxRow {
  /** The outbox row's own key. */
  row: number;
  seq: number;
  /** The event as sent, JSON, fixed when it was queued. */
  body: string;
}

export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
  maxEventBytes: number;
}

export const DEFAULT_LIMITS: BatchLimits = { maxEvents: 100, maxBytes: 500 * 1024, maxEventBytes: 32 * 1024 };

/** Bytes of the envelope around the events (`{"source":…,"batch_id":…,"events":[…]}`), generously. */
const ENVELOPE_BYTES = 512;

export interface Cut {
  batch: OutboxRow[];
  /** Rows too large to ever send. */
  oversized: OutboxRow[];
}

export function cutBatch(rows: readonly OutboxRow[], limits: BatchLimits = DEFAULT_LIMITS): Cut {
  const batch: OutboxRow[] = [];
  const oversized: OutboxRow[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const r of rows) {
    const size = Buffer.byteLength(r.body) + 1;
    if (size > limits.maxEventBytes) {
      // Only when it is at the head of what we send: order is kept for everything else.
      if (batch.length === 0) {
        oversized.push(r);
        continue;
      }
      break;
    }
    if (batch.length >= limits.maxEvents || bytes + size > limits.maxBytes) break;
    batch.push(r);
    bytes += size;
  }
  return { batch, oversized };
}

/** The batch's id: fixed by its source, destination and seq range, so a retry carries the same key. */
export function batchId(source: string, dest: string, rows: readonly OutboxRow[]): string {
  return `${source}:${dest}:${rows[0]!.seq}-${rows[rows.length - 1]!.seq}`;
}

export function batchBody(source: string, id: string, rows: readonly OutboxRow[]): string {
  return `{"source":${JSON.stringify(source)},"batch_id":${JSON.stringify(id)},"events":[${rows
    .map((r) => r.body)
    .join(',')}]}`;
}

/** Halves of a batch a 413 refused (a single event cannot be split: it is a dead letter). */
export function splitBatch(rows: readonly OutboxRow[]): [OutboxRow[], OutboxRow[]] | null {
  if (rows.length < 2) return null;
  const mid = Math.ceil(rows.length / 2);
  return [rows.slice(0, mid), rows.slice(mid)];
}
