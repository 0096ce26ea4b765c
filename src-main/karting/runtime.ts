/**
 * One circuit at run time: its feed connection, the parser the feed's protocol needs, the stored
 * raw units and events, and the app's live clients. Each raw unit is stored with the events it
 * produced in one transaction, so a kill -9 loses no acknowledged lap and a restart, which rebuilds
 * the board by replaying the open session's raw units, doubles none.
 */
import type { ParsedEvent } from '../../src-shared/ingest';
import {
  ApexFeed,
  RMonitorFeed,
  detectProtocol,
  type BoardSnapshot,
  type CompatBoard,
  type KartingEvent,
  type KartingProtocol,
  type PushResult,
  type TimingFeed,
} from '../../src-shared/karting';
import type { Db } from '../store/db';
import { FeedClient, type FeedState } from './feed-client';
import { LiveHub } from './live-hub';
import type { CaptureOwner, Circuit, KartingRepo } from './repo';

export interface RuntimeDeps {
  db: Db;
  repo: KartingRepo;
  record(events: ParsedEvent[], topic: string): unknown;
  silenceMs: number;
  sessionSilenceMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

/** Units looked at before giving up on detection and reading the feed as Apex. */
const DETECT_UNITS = 50;

export function kartingTopic(circuitId: string): string {
  return `karting/${circuitId}`;
}

function toParsed(circuitId: string, events: KartingEvent[]): ParsedEvent[] {
  return events.map((e) => ({ kind: e.kind, device_id: circuitId, ts: e.ts, data: e.data }));
}

const EMPTY_BOARD: CompatBoard = { drivers: {}, column_order: [] };

export class CircuitRuntime {
  private feed: TimingFeed | null = null;
  private client: FeedClient | null = null;
  readonly hub: LiveHub;
  readonly owners = new Set<CaptureOwner>();
  private undetected = 0;
  private silenceTimer: NodeJS.Timeout | null = null;
  counters = { units: 0, lines: 0, foreign: 0, errors: 0, laps: 0, store_errors: 0 };
  lastError: string | null = null;

  constructor(
    public circuit: Circuit,
    private readonly deps: RuntimeDeps,
  ) {
    this.hub = new LiveHub(
      circuit.id,
      () => this.compat(),
      () => this.isConnected(),
    );
  }

  get protocol(): KartingProtocol | null {
    return this.feed?.protocol ?? null;
  }

  private makeFeed(p: KartingProtocol): TimingFeed {
    return p === 'rmonitor'
      ? new RMonitorFeed({ circuitId: this.circuit.id })
      : new ApexFeed({ circuitId: this.circuit.id, labels: this.circuit.labels });
  }

  private pickProtocol(unit: string): KartingProtocol | null {
    if (this.circuit.protocol !== 'auto') return this.circuit.protocol;
    if (/^tcp:/i.test(this.circuit.wssUrl)) return 'rmonitor';
    return detectProtocol(unit);
  }

  /** The circuit's settings changed (labels apply at once; a new URL reconnects). */
  update(c: Circuit): void {
    const urlChanged = c.wssUrl !== this.circuit.wssUrl || c.protocol !== this.circuit.protocol;
    this.circuit = c;
    if (this.feed instanceof ApexFeed) this.feed.setLabels(c.labels);
    if (urlChanged && this.client) {
      this.client.stop();
      this.client = null;
      this.feed = null;
      this.undetected = 0;
      if (this.owners.size) this.connect();
    } else this.hub.update({}, true);
  }

  /** Rebuilds the board from the open session's stored raw units (after a restart). */
  rebuild(): number {
    const open = this.deps.repo.openSession(this.circuit.id);
    if (!open) return 0;
    const protocol = open.session_id.startsWith('rmonitor') ? 'rmonitor' : 'apex';
    this.feed = this.makeFeed(protocol);
    let n = 0;
    if (protocol === 'rmonitor')
      for (const r of this.deps.repo.rmonitorEntriesBefore(this.circuit.id, open.started_at)) {
        this.feed.push(r.data, r.received_at);
        n++;
      }
    for (const r of this.deps.repo.rawSince(this.circuit.id, open.started_at)) {
      this.feed.push(r.data, r.received_at);
      n++;
    }
    return n;
  }

  /** Stores and applies one raw unit. Exposed for replays and tests. */
  ingest(unit: string, receivedMs: number): PushResult | null {
    this.counters.units++;
    if (!this.feed) {
      const p = this.pickProtocol(unit);
      if (p || ++this.undetected >= DETECT_UNITS) this.feed = this.makeFeed(p ?? 'apex');
    }
    const feed = this.feed;
    let res: PushResult | null = null;
    try {
      this.deps.db.transaction(() => {
        if (feed) {
          try {
            res = feed.push(unit, receivedMs);
          } catch (err) {
            this.counters.errors++;
            this.lastError = `parse: ${(err as Error).message}`;
          }
        }
        this.deps.repo.insertRaw(this.circuit.id, receivedMs, feed?.snapshot().session?.id ?? null, unit);
        if (res?.events.length)
          this.deps.record(toParsed(this.circuit.id, res.events), kartingTopic(this.circuit.id));
      })();
    } catch (err) {
      this.counters.store_errors++;
      this.lastError = `store: ${(err as Error).message}`;
      return null;
    }
    const r = res as PushResult | null;
    if (r) {
      this.counters.lines += r.lines;
      this.counters.foreign += r.foreign;
      for (const e of r.events) if (e.kind === 'lap') this.counters.laps++;
      this.hub.update(r.delta, r.replaced);
    }
    return r;
  }

  private connect() {
    if (this.isRunning()) return;
    this.client ??= new FeedClient({
      url: this.circuit.wssUrl,
      silenceMs: this.deps.silenceMs,
      backoffBaseMs: this.deps.backoffBaseMs,
      backoffCapMs: this.deps.backoffCapMs,
      onData: (unit, t) => this.ingest(unit, t),
      onState: (s: FeedState) => {
        if (s === 'connected') this.hub.status(true);
        else if (s === 'waiting') this.hub.status(false);
      },
    });
    this.client.start();
    if (!this.silenceTimer) {
      this.silenceTimer = setInterval(
        () => this.checkSilence(Date.now()),
        Math.min(10_000, this.deps.sessionSilenceMs),
      );
      this.silenceTimer.unref?.();
    }
  }

  checkSilence(now: number): void {
    if (!this.feed) return;
    const r = this.feed.checkSilence(now, this.deps.sessionSilenceMs);
    if (r.events.length) {
      try {
        this.deps.record(toParsed(this.circuit.id, r.events), kartingTopic(this.circuit.id));
      } catch (err) {
        this.counters.store_errors++;
        this.lastError = `store: ${(err as Error).message}`;
      }
      this.hub.update({}, true);
    }
  }

  /** Adds an owner; connects when the first one asks. Returns false when it was already running. */
  start(owner: CaptureOwner): boolean {
    const was = this.owners.size > 0;
    this.owners.add(owner);
    this.deps.repo.setCapture(this.circuit.id, [...this.owners]);
    this.connect();
    return !was;
  }

  /**
   * The app's stop ends only what the app started; the operator's stop ends the capture whoever
   * started it.
   */
  stop(owner: CaptureOwner): void {
    if (owner === 'operator') this.owners.clear();
    else this.owners.delete('app');
    this.deps.repo.setCapture(this.circuit.id, [...this.owners]);
    if (this.owners.size === 0) this.disconnect();
  }

  disconnect(): void {
    if (this.client?.status().state !== 'stopped') {
      this.client?.stop();
      this.hub.status(false, 'Timing stopped');
    }
    if (this.silenceTimer) clearInterval(this.silenceTimer);
    this.silenceTimer = null;
  }

  isConnected(): boolean {
    return this.client?.isConnected() ?? false;
  }

  isRunning(): boolean {
    return !!this.client && this.client.status().state !== 'stopped';
  }

  openSockets(): number {
    return this.client?.openSockets() ?? 0;
  }

  snapshot(): BoardSnapshot | null {
    return this.feed?.snapshot() ?? null;
  }

  compat(): CompatBoard {
    return this.feed?.compat() ?? EMPTY_BOARD;
  }

  feedStatus() {
    return this.client?.status() ?? null;
  }

  log() {
    return this.client?.log ?? [];
  }

  close(): void {
    this.disconnect();
    this.hub.close();
  }
}
