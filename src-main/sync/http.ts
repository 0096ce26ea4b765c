/**
 * One HTTP destination's flusher: POSTs the outbox head in batches, one batch in flight at a
 * time (order kept per source), and decides per answer: 2xx acknowledges, 429/502/503/504 and
 * network errors retry forever, 400/413/422 dead-letter (413 halves the batch first), anything
 * else blocks the destination with capped backoff and the error visible.
 */
import { redactSyncUrl } from './redact';
import { DEFAULT_BACKOFF, retryDelay, parseRetryAfter, type BackoffOptions } from './backoff';
import {
  batchBody,
  batchId,
  cutBatch,
  splitBatch,
  DEFAULT_LIMITS,
  type BatchLimits,
  type OutboxRow,
} from './batch';
import type { Outbox } from './outbox';

export interface HttpDestinationOptions {
  id: string;
  url: string;
  token?: string;
  source: string;
  /** Flush at least this often while anything is pending. */
  intervalMs: number;
  /** Flush as soon as this many are pending. */
  eagerCount: number;
  requestTimeoutMs: number;
  backoff?: BackoffOptions;
  limits?: BatchLimits;
}

export interface DestinationStatus {
  id: string;
  type: 'http';
  url: string;
  pending: number;
  oldest_pending_age_ms: number | null;
  last_success: string | null;
  last_error: string | null;
  next_retry: string | null;
  dead_letters: number;
  /** Sending normally, retrying a retryable failure, or blocked on an answer it cannot fix. */
  state: 'idle' | 'sending' | 'retrying' | 'blocked';
  sent_batches: number;
  sent_events: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);
const DEAD = new Set([400, 413, 422]);

type Outcome =
  | { kind: 'ok' }
  | { kind: 'retry'; error: string; retryAfterMs: number | null }
  | { kind: 'dead'; status: number; error: string }
  | { kind: 'blocked'; status: number; error: string };

export class HttpDestination {
  private readonly limits: BatchLimits;
  private readonly backoff: BackoffOptions;
  /** Batches cut but not yet acknowledged: a retry sends exactly these again (same key). */
  private queue: OutboxRow[][] = [];
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private inflight: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private lastError: string | null = null;
  private nextRetryAt: number | null = null;
  private state: DestinationStatus['state'] = 'idle';
  private queuedSinceFlush = 0;
  private sentBatches = 0;
  private sentEvents = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly o: HttpDestinationOptions,
  ) {
    this.limits = o.limits ?? DEFAULT_LIMITS;
    this.backoff = o.backoff ?? DEFAULT_BACKOFF;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inflight?.abort();
    await this.loop;
  }

  /** Events were queued: flush now when enough are waiting and we are not backing off. */
  queued(n: number): void {
    this.queuedSinceFlush += n;
    if (this.queuedSinceFlush >= this.o.eagerCount && !this.running && this.nextRetryAt === null)
      this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.running) this.loop = this.flush();
    }, ms);
    this.timer.unref();
  }

  /** Sends until the outbox is empty or a failure asks to wait. */
  private async flush(): Promise<void> {
    this.running = true;
    this.queuedSinceFlush = 0;
    try {
      for (;;) {
        if (this.stopped) return;
        if (!this.queue.length && !this.refill()) {
          this.state = 'idle';
          this.schedule(this.o.intervalMs);
          return;
        }
        const rows = this.queue[0]!;
        if (this.attempt === 0) this.state = 'sending';
        const out = await this.send(rows);
        if (this.stopped) return;
        const now = Date.now();
        if (out.kind === 'ok') {
          this.outbox.ack(this.o.id, rows, now);
          this.queue.shift();
          this.attempt = 0;
          this.nextRetryAt = null;
          this.sentBatches++;
          this.sentEvents += rows.length;
          this.state = 'sending';
          continue;
        }
        if (out.kind === 'dead') {
          const halves = out.status === 413 ? splitBatch(rows) : null;
          this.queue.shift();
          if (halves) this.queue.unshift(...halves);
          else this.outbox.deadLetter(rows, out.status, out.error, now);
          this.lastError = out.error;
          this.attempt = 0;
          continue;
        }
        this.lastError = out.error;
        this.state = out.kind === 'retry' ? 'retrying' : 'blocked';
        const wait = retryDelay(this.attempt, out.kind === 'retry' ? out.retryAfterMs : null, this.backoff);
        this.attempt++;
        this.nextRetryAt = now + wait;
        this.schedule(wait);
        return;
      }
    } catch (err) {
      // A storage failure (disk, closed db at shutdown): try again later, never drop.
      this.lastError = `outbox: ${(err as Error).message}`;
      this.state = 'retrying';
      const wait = retryDelay(this.attempt++, null, this.backoff);
      this.nextRetryAt = Date.now() + wait;
      this.schedule(wait);
    } finally {
      this.running = false;
    }
  }

  /** Cuts the next batch from the outbox head; dead-letters events too large to send at all. */
  private refill(): boolean {
    for (;;) {
      const rows = this.outbox.head(this.o.id, this.limits.maxEvents + 1);
      if (!rows.length) return false;
      const { batch, oversized } = cutBatch(rows, this.limits);
      if (oversized.length)
        this.outbox.deadLetter(
          oversized,
          null,
          `event larger than ${this.limits.maxEventBytes} bytes`,
          Date.now(),
        );
      if (batch.length) {
        this.queue.push(batch);
        return true;
      }
    }
  }

  private async send(rows: OutboxRow[]): Promise<Outcome> {
    const id = batchId(this.o.source, this.o.id, rows);
    const ctl = new AbortController();
    this.inflight = ctl;
    const timeout = setTimeout(() => ctl.abort(), this.o.requestTimeoutMs);
    try {
      const res = await fetch(this.o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': id,
          ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}),
        },
        body: batchBody(this.o.source, id, rows),
        signal: ctl.signal,
      });
      // Read the whole answer: a connection cut mid-response is a network error, not a success.
      const text = await res.text();
      if (res.ok) return { kind: 'ok' };
      const detail = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      if (RETRYABLE.has(res.status))
        return {
          kind: 'retry',
          error: detail,
          retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
        };
      if (DEAD.has(res.status)) return { kind: 'dead', status: res.status, error: detail };
      return { kind: 'blocked', status: res.status, error: detail };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = ctl.signal.aborted ? 'timed out' : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { kind: 'retry', error: `network: ${why}`, retryAfterMs: null };
    } finally {
      clearTimeout(timeout);
      this.inflight = null;
    }
  }

  status(): DestinationStatus {
    const now = Date.now();
    const p = this.outbox.pending(this.o.id);
    const ok = this.outbox.lastSuccess(this.o.id);
    return {
      id: this.o.id,
      type: 'http',
      url: redactSyncUrl(this.o.url),
      pending: p.count,
      oldest_pending_age_ms: p.oldest === null ? null : Math.max(0, now - p.oldest),
      last_success: ok === null ? null : new Date(ok).toISOString(),
      last_error: this.lastError,
      next_retry: this.nextRetryAt === null ? null : new Date(this.nextRetryAt).toISOString(),
      dead_letters: this.outbox.deadLetters(this.o.id),
      state: this.state,
      sent_batches: this.sentBatches,
      sent_events: this.sentEvents,
    };
  }
}
