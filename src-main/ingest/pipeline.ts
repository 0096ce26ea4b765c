import type { MarshalEvent } from '../../src-shared/events/model';
import { toIso } from '../../src-shared/events/time';
import {
  parseMessage,
  payloadPreview,
  redactSecrets,
  type ParseOptions,
  type ParsedSample,
  type RejectCode,
} from '../../src-shared/ingest';
import type { MonitorMessage, RejectRow } from '../../src-shared/contract';
import type { Store, StoreItem } from '../store/store';

export interface Inbound {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  receivedAt: number;
  clientId: string | null;
  /** MQTT DUP flag: the sender says this is a redelivery. */
  dup?: boolean;
  /** Called once the message is committed (or failed to be): the broker acknowledges then. */
  done?: (err?: Error) => void;
  /** Refused before parsing (the broker would not route it): kept as a reject with this reason. */
  reject?: { code: RejectCode; reason: string };
}

export interface CommittedBatch {
  events: MarshalEvent[];
  samples: (ParsedSample & { received_at: number; topic: string; family: string })[];
  /** Health read from telemetry, for the device registry (not stored as events). */
  statuses: { device_id: string; family: string; data: Record<string, unknown>; received_at: number }[];
  rejects: RejectRow[];
  monitor: MonitorMessage[];
  /** Monitor entries left out of `monitor` to keep it cheap at high rates. */
  monitorSkipped: number;
  clients: Set<string>;
  /** The MQTT client each event and sample came from (null: not over MQTT), aligned by index. */
  eventClients?: (string | null)[];
  sampleClients?: (string | null)[];
}

/**
 * A payload carrying one of these fields identifies itself (a sequence number, a time, an id), so an
 * identical copy is a redelivery. One without them (a sensor at rest repeating the same frame, a
 * status without a time) is only a duplicate when the sender marks it DUP.
 */
const IDENTITY =
  /"(seq|ts|timestamp|t0|event_id|event_ts|session_id|command_id|id|timestamp_ns|shot_number|string_number)"\s*:/;

export function identifiesItself(payload: Buffer): boolean {
  return IDENTITY.test(payload.toString('latin1'));
}

export interface PipelineOptions extends ParseOptions {
  /** Upper bound of messages in one transaction. */
  maxBatch: number;
  /** Monitor entries kept per batch. */
  monitorPerBatch: number;
}

/**
 * Ingest: parse → one transaction per event-loop turn → acknowledge → notify. Batching on
 * setImmediate gathers everything a socket read delivered, so latency stays one turn while a
 * burst still commits as one transaction.
 */
export class IngestPipeline {
  private queue: Inbound[] = [];
  private scheduled = false;
  private stopped = false;
  private listeners = new Set<(batch: CommittedBatch) => void>();
  private recent: number[] = [];
  unhandled = 0;
  failures = 0;
  lastFailureAt = 0;
  lastError: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly opts: PipelineOptions,
  ) {}

  onCommitted(listener: (batch: CommittedBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener about events committed outside the MQTT path (console-made events). */
  announce(batch: Partial<CommittedBatch>): void {
    const full: CommittedBatch = {
      events: [],
      samples: [],
      statuses: [],
      rejects: [],
      monitor: [],
      monitorSkipped: 0,
      clients: new Set(),
      ...batch,
    };
    for (const l of this.listeners) {
      try {
        l(full);
      } catch (err) {
        this.lastError = `listener: ${(err as Error).message}`;
      }
    }
  }

  push(msg: Inbound): void {
    if (this.stopped) {
      msg.done?.(new Error('ingest stopped'));
      return;
    }
    this.queue.push(msg);
    if (this.queue.length >= this.opts.maxBatch) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commits everything queued; returns when committed and acknowledged. */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.commitBatch(batch);
    }
  }

  stop(): void {
    this.flush();
    this.stopped = true;
  }

  /** Messages per second over the last 5 s. */
  rate(now = Date.now()): number {
    const cutoff = now - 5000;
    let i = 0;
    while (i < this.recent.length && this.recent[i]! < cutoff) i += 2;
    if (i) this.recent.splice(0, i);
    let n = 0;
    for (let j = 1; j < this.recent.length; j += 2) n += this.recent[j]!;
    return n / 5;
  }

  private commitBatch(batch: Inbound[]): void {
    const items: StoreItem[] = [];
    const index: (number | null)[] = [];
    const monitorSources: { msg: Inbound; outcome: MonitorMessage['outcome']; reason?: string }[] = [];
    let unhandled = 0;
    for (const msg of batch) {
      if (msg.retain && msg.payload.length === 0) {
        index.push(items.length);
        items.push({ type: 'clear-retained', topic: msg.topic, receivedAt: msg.receivedAt });
        monitorSources.push({ msg, outcome: 'unhandled', reason: 'retained message cleared' });
        continue;
      }
      let result: ReturnType<typeof parseMessage>;
      if (msg.reject) {
        index.push(items.length);
        items.push({
          type: 'reject',
          topic: msg.topic,
          payload: msg.payload,
          receivedAt: msg.receivedAt,
          code: msg.reject.code,
          reason: msg.reject.reason,
        });
        monitorSources.push({ msg, outcome: 'reject', reason: msg.reject.reason });
        continue;
      }
      try {
        result = parseMessage(msg.topic, msg.payload, msg.receivedAt, this.opts);
      } catch (err) {
        // A parser bug must not stop ingest: keep the message as a reject with the reason.
        result = {
          outcome: 'reject' as const,
          family: 'unknown',
          code: 'schema' as const,
          reason: `internal parser error: ${(err as Error).message}`,
        };
      }
      if (result.outcome === 'unhandled') {
        unhandled++;
        index.push(null);
        monitorSources.push({ msg, outcome: 'unhandled' });
        continue;
      }
      index.push(items.length);
      if (result.outcome === 'reject') {
        items.push({
          type: 'reject',
          topic: msg.topic,
          payload: msg.payload,
          receivedAt: msg.receivedAt,
          code: result.code,
          reason: result.reason,
        });
        monitorSources.push({ msg, outcome: 'reject', reason: result.reason });
      } else {
        items.push({
          type: 'accept',
          family: result.family,
          topic: msg.topic,
          payload: msg.payload,
          qos: msg.qos,
          retained: msg.retain,
          receivedAt: msg.receivedAt,
          events: result.events,
          samples: result.samples,
          statuses: result.statuses,
          dedup: msg.dup === true || identifiesItself(msg.payload),
        });
        monitorSources.push({ msg, outcome: 'event' });
      }
    }

    const extra = new Map([
      ['unhandled', unhandled],
      ['messages_in', unhandled],
    ]);
    let outcomes;
    try {
      outcomes = this.store.commit(items, extra);
    } catch (err) {
      // One bad item must not sink its batch: commit item by item, turning what still fails into a
      // reject with the reason. Only what cannot even be kept as a reject goes unacknowledged.
      this.failures++;
      this.lastFailureAt = Date.now();
      this.lastError = (err as Error).message;
      const failed = new Set<number>();
      outcomes = items.map((item, i) => {
        try {
          return this.store.commit([item], i === 0 ? extra : undefined)[0]!;
        } catch (itemErr) {
          try {
            const payload = item.type === 'clear-retained' ? new Uint8Array() : item.payload;
            const reason = `could not be stored: ${(itemErr as Error).message.slice(0, 200)}`;
            const reject: StoreItem = {
              type: 'reject',
              topic: item.topic,
              payload,
              receivedAt: item.receivedAt,
              code: 'schema',
              reason,
            };
            return this.store.commit([reject])[0]!;
          } catch {
            failed.add(i);
            return { duplicate: false, events: [] };
          }
        }
      });
      if (failed.size) {
        // The store itself is failing: acknowledge nothing that is not in it.
        for (let i = 0; i < batch.length; i++) {
          const at = index[i];
          batch[i]!.done?.(at !== null && at !== undefined && failed.has(at) ? (err as Error) : undefined);
        }
        return;
      }
    }
    this.unhandled += unhandled;
    this.recent.push(Date.now(), batch.length);
    for (const msg of batch) msg.done?.();

    const out: CommittedBatch = {
      events: [],
      samples: [],
      statuses: [],
      rejects: [],
      monitor: [],
      monitorSkipped: 0,
      clients: new Set(),
      eventClients: [],
      sampleClients: [],
    };
    const eventClients = out.eventClients!;
    const sampleClients = out.sampleClients!;
    for (let i = 0; i < batch.length; i++) {
      const msg = batch[i]!;
      if (msg.clientId) out.clients.add(msg.clientId);
      const at = index[i];
      const src = monitorSources[i]!;
      if (at !== null && at !== undefined) {
        const o = outcomes[at]!;
        const item = items[at]!;
        if (o.duplicate) src.outcome = 'duplicate';
        if (o.reject) out.rejects.push(o.reject);
        for (const e of o.events) {
          out.events.push(e);
          eventClients.push(msg.clientId);
        }
        if (!o.duplicate && item.type === 'accept') {
          for (const s of item.samples) {
            out.samples.push({ ...s, received_at: item.receivedAt, topic: item.topic, family: item.family });
            sampleClients.push(msg.clientId);
          }
          for (const st of item.statuses ?? [])
            out.statuses.push({ ...st, family: item.family, received_at: item.receivedAt });
        }
      }
      // The monitor keeps every reject and a bounded sample of the rest.
      if (out.monitor.length < this.opts.monitorPerBatch || src.outcome === 'reject') {
        out.monitor.push({
          topic: msg.topic,
          received_at: toIso(msg.receivedAt),
          preview: payloadPreview(msg.payload, 2000),
          bytes: msg.payload.length,
          retained: msg.retain,
          qos: msg.qos,
          outcome: src.outcome,
          ...(src.reason ? { reason: redactSecrets(src.reason) } : {}),
        });
      } else out.monitorSkipped++;
    }
    for (const l of this.listeners) {
      try {
        l(out);
      } catch (err) {
        this.lastError = `listener: ${(err as Error).message}`;
      }
    }
  }
}
