/**
 * The karting capability's state: circuits and their runtimes, and the read models the routes and
 * the view share.
 */
import { ContractError } from '../../src-shared/contract';
import type { BoardSnapshot } from '../../src-shared/karting';
import type { ParsedEvent } from '../../src-shared/ingest';
import type { Db } from '../store/db';
import { CircuitRuntime, type RuntimeDeps } from './runtime';
import { KartingRepo, type CaptureOwner, type Circuit, type ProtocolSetting } from './repo';

export const LABEL_KEYS = Array.from({ length: 14 }, (_, i) => `c${i + 1}`);

export interface CircuitInput {
  nom?: unknown;
  wssUrl?: unknown;
  liveTimingUrl?: unknown;
  protocol?: unknown;
  [k: string]: unknown;
}

const ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

export function validateCircuit(id: string, body: CircuitInput, existing: Circuit | null) {
  if (!ID_RE.test(id))
    throw new ContractError('circuit id: 1-128 letters, digits, "_" or "-" (a Firestore document id)');
  if (!body || typeof body !== 'object') throw new ContractError('body must be a JSON object');
  const nom = body.nom ?? existing?.nom;
  if (typeof nom !== 'string' || !nom.trim()) throw new ContractError('nom (the circuit name) is required');
  const wssUrl = body.wssUrl ?? existing?.wssUrl ?? '';
  if (typeof wssUrl !== 'string') throw new ContractError('wssUrl must be a string');
  if (wssUrl && !/^(wss?|tcp):\/\/[^\s/]+/i.test(wssUrl))
    throw new ContractError('wssUrl must start with ws://, wss:// or tcp:// (RMonitor over TCP)');
  const liveTimingUrl = body.liveTimingUrl ?? existing?.liveTimingUrl ?? '';
  if (typeof liveTimingUrl !== 'string') throw new ContractError('liveTimingUrl must be a string');
  const protocol = body.protocol ?? existing?.protocol ?? 'auto';
  if (protocol !== 'auto' && protocol !== 'apex' && protocol !== 'rmonitor')
    throw new ContractError('protocol must be "auto", "apex" or "rmonitor"');
  const labels: Record<string, string | null> = { ...(existing?.labels ?? {}) };
  for (const k of LABEL_KEYS) {
    const v = body[k] ?? body[k.toUpperCase()];
    if (v === undefined) continue;
    if (v !== null && typeof v !== 'string') throw new ContractError(`${k} must be a string or null`);
    labels[k] = v === null ? null : v.slice(0, 60);
  }
  return {
    id,
    nom: nom.trim().slice(0, 200),
    wssUrl,
    liveTimingUrl,
    protocol: protocol as ProtocolSetting,
    labels,
  };
}

/** The original's `GET /circuits/{id}` shape (only keys present in the record). */
export function circuitDoc(c: Circuit) {
  const mappings: Record<string, string | null> = {};
  const lower: Record<string, string | null> = {};
  for (const k of LABEL_KEYS) {
    if (!(k in c.labels)) continue;
    mappings[k.toUpperCase()] = c.labels[k] ?? null;
    lower[k] = c.labels[k] ?? null;
  }
  return {
    id: c.id,
    nom: c.nom,
    liveTimingUrl: c.liveTimingUrl,
    wssUrl: c.wssUrl,
    mappings,
    createdAt: new Date(c.created_at).toISOString().replace('Z', '+00:00'),
    ...lower,
    protocol: c.protocol,
  };
}

export interface KartingOptions {
  silenceMs: number;
  sessionSilenceMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

export class KartingService {
  readonly repo: KartingRepo;
  private runtimes = new Map<string, CircuitRuntime>();
  private readonly deps: RuntimeDeps;

  constructor(db: Db, record: (events: ParsedEvent[], topic: string) => unknown, opts: KartingOptions) {
    this.repo = new KartingRepo(db);
    this.deps = { db, repo: this.repo, record, ...opts };
  }

  /** Rebuilds every circuit's open session and resumes the captures that were running. */
  start(): void {
    for (const c of this.repo.circuits()) {
      const rt = this.runtime(c.id)!;
      rt.rebuild();
      for (const owner of c.capture) rt.start(owner);
    }
  }

  stop(): void {
    for (const rt of this.runtimes.values()) rt.close();
    this.runtimes.clear();
  }

  runtime(id: string): CircuitRuntime | null {
    let rt = this.runtimes.get(id);
    if (rt) return rt;
    const c = this.repo.circuit(id);
    if (!c) return null;
    rt = new CircuitRuntime(c, this.deps);
    this.runtimes.set(id, rt);
    return rt;
  }

  runtimesList(): CircuitRuntime[] {
    return this.repo.circuits().map((c) => this.runtime(c.id)!);
  }

  put(id: string, body: CircuitInput): Circuit {
    const existing = this.repo.circuit(id);
    const c = this.repo.upsertCircuit(validateCircuit(id, body, existing));
    this.runtimes.get(id)?.update(c);
    return c;
  }

  remove(id: string): boolean {
    const rt = this.runtimes.get(id);
    rt?.close();
    this.runtimes.delete(id);
    return this.repo.deleteCircuit(id);
  }

  /**
   * The original's `mapping.json`: `{"<name>": {url, wssUrl, mapping: {C1…C14}}}`, keyed by name.
   * The app's ids are Firestore document ids the file does not hold: `ids` maps names to them; a
   * name without one is reported, not invented.
   */
  importMapping(body: unknown): { imported: Circuit[]; missing_ids: string[]; errors: string[] } {
    const b = body as { mapping?: unknown; ids?: unknown } | null;
    if (!b || typeof b !== 'object') throw new ContractError('body must be {mapping, ids}');
    const mapping = (b.mapping ?? b) as Record<string, unknown>;
    const ids = (b.ids ?? {}) as Record<string, unknown>;
    if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping))
      throw new ContractError('mapping must be the mapping.json object');
    const imported: Circuit[] = [];
    const missing: string[] = [];
    const errors: string[] = [];
    for (const [name, raw] of Object.entries(mapping)) {
      if (name === 'ids' || name === 'mapping') continue;
      const id = ids[name];
      if (typeof id !== 'string' || !id) {
        missing.push(name);
        continue;
      }
      const entry = (raw ?? {}) as { url?: unknown; wssUrl?: unknown; mapping?: Record<string, unknown> };
      const labels: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(entry.mapping ?? {})) {
        const key = k.toLowerCase();
        if (LABEL_KEYS.includes(key)) labels[key] = typeof v === 'string' ? v : null;
      }
      try {
        imported.push(
          this.put(id, { nom: name, wssUrl: entry.wssUrl, liveTimingUrl: entry.url ?? '', ...labels }),
        );
      } catch (err) {
        errors.push(`${name}: ${(err as Error).message}`);
      }
    }
    return { imported, missing_ids: missing, errors };
  }

  startTiming(id: string, owner: CaptureOwner): boolean {
    const rt = this.runtime(id);
    if (!rt) throw new ContractError('Circuit not found', 404);
    return rt.start(owner);
  }

  stopTiming(id: string, owner: CaptureOwner): void {
    const rt = this.runtime(id);
    if (!rt) throw new ContractError('Circuit not found', 404);
    rt.stop(owner);
  }

  /** `GET /api/karting/standings`. */
  standings(id: string) {
    const rt = this.runtime(id);
    if (!rt) throw new ContractError(`no circuit ${id}`, 404);
    return standingsOf(id, rt.snapshot(), rt);
  }

  /** A circuit as Marshal's own API and the view list it. */
  circuitRow(c: Circuit) {
    const rt = this.runtime(c.id)!;
    return {
      id: c.id,
      nom: c.nom,
      wssUrl: c.wssUrl,
      liveTimingUrl: c.liveTimingUrl,
      protocol: c.protocol,
      labels: c.labels,
      capture: [...rt.owners],
      state: rt.feedStatus()?.state ?? 'stopped',
      protocol_detected: rt.protocol,
      clients: rt.hub.size,
    };
  }

  collectorStatus(rt: CircuitRuntime) {
    const st = rt.feedStatus();
    return {
      circuit_id: rt.circuit.id,
      is_running: rt.isRunning(),
      is_connected: rt.isConnected(),
      reconnect_attempts: st?.attempt ?? 0,
      message_count: rt.counters.units,
      last_message_time: st?.last_data_at ? st.last_data_at / 1000 : null,
      websocket_url: rt.circuit.wssUrl,
      has_parser: false,
      // Marshal's additions.
      state: st?.state ?? 'stopped',
      protocol: rt.protocol,
      started_by: [...rt.owners],
      lines: rt.counters.lines,
      foreign_lines: rt.counters.foreign,
      laps: rt.counters.laps,
      errors: rt.counters.errors + rt.counters.store_errors,
      last_error: rt.lastError ?? st?.last_error ?? null,
      reconnects: st?.reconnects ?? 0,
      watchdog_kills: st?.watchdog_kills ?? 0,
      next_retry_at: st?.next_retry_at ? new Date(st.next_retry_at).toISOString() : null,
      open_sockets: rt.openSockets(),
      log: rt.log().map((l) => ({ ...l, ts: new Date(l.ts).toISOString() })),
    };
  }
}

export function standingsOf(circuitId: string, s: BoardSnapshot | null, rt?: CircuitRuntime) {
  const st = rt?.feedStatus();
  const stale = !rt?.isConnected() || (st?.last_data_at != null && Date.now() - st.last_data_at > 30_000);
  return {
    circuit_id: circuitId,
    protocol: s?.protocol ?? null,
    session: s?.session ? { ...s.session, started_at: new Date(s.session.started_ms).toISOString() } : null,
    flag: s?.flag ?? 'none',
    clock: s?.clock ? { ...s.clock, at: new Date(s.clock.at_ms).toISOString() } : null,
    best_lap_ms: s?.best_lap_ms ?? null,
    feed: {
      state: st?.state ?? 'stopped',
      stale,
      last_data_at: st?.last_data_at ? new Date(st.last_data_at).toISOString() : null,
    },
    entries: (s?.entries ?? []).map((e) => ({
      position: e.position,
      row_id: e.row_id,
      kart: e.kart,
      name: e.name,
      team: e.team,
      driver: e.driver,
      class: e.class,
      laps: e.laps,
      last_lap_ms: e.last_lap_ms,
      best_lap_ms: e.best_lap_ms,
      personal_best: e.personal_best,
      overall_best: e.best_lap_ms !== null && e.best_lap_ms === s?.best_lap_ms,
      gap_ms: e.gap_ms,
      gap_laps: e.gap_laps,
      gap: e.gap_raw,
      in_pit: e.in_pit,
      pits: e.pits,
    })),
  };
}
