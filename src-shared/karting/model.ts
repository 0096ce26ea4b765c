/**
 * The standings model both feeds fill: sessions, entries keyed by (session, row id) with the kart
 * number as an attribute, laps, pits, flag and clock, and the events Marshal stores for them.
 */

export type KartingProtocol = 'apex' | 'rmonitor';
export type SessionType = 'race' | 'practice' | 'qualifying' | 'unknown';
export type FlagState = 'green' | 'yellow' | 'red' | 'chequered' | 'white' | 'purple' | 'none';

export interface SessionInfo {
  id: string;
  type: SessionType;
  name: string;
  started_ms: number;
}

export interface BoardEntry {
  /** The feed's entry id: Apex row id, RMonitor registration number. */
  row_id: string;
  kart: string;
  name: string;
  team: string | null;
  driver: string | null;
  class: string | null;
  transponder: string | null;
  position: number | null;
  laps: number;
  last_lap_ms: number | null;
  last_lap_raw: string | null;
  best_lap_ms: number | null;
  best_lap_raw: string | null;
  /** The last lap was this entry's best so far. */
  personal_best: boolean;
  gap_ms: number | null;
  gap_laps: number | null;
  gap_raw: string | null;
  in_pit: boolean;
  pits: number;
  /** RMonitor's race time at the last crossing. */
  total_ms: number | null;
  last_crossing_ms: number | null;
}

export interface ClockInfo {
  /** Time left, as of `at_ms`. */
  remaining_ms: number | null;
  elapsed_ms: number | null;
  laps_to_go: number | null;
  text: string | null;
  at_ms: number;
}

export interface BoardSnapshot {
  protocol: KartingProtocol;
  session: SessionInfo | null;
  flag: FlagState;
  clock: ClockInfo | null;
  /** Best lap of the session and who set it. */
  best_lap_ms: number | null;
  best_lap_row: string | null;
  entries: BoardEntry[];
}

/** What Marshal stores (ParsedEvent-compatible: the circuit is the device). */
export interface KartingEvent {
  kind: 'lap' | 'pit' | 'flag' | 'karting.session' | 'karting.entry';
  ts: number;
  data: Record<string, unknown> & { dedup_key: string };
}

/** The app's view: `drivers` keyed by row id, each a flat `{label: raw display string}`. */
export interface CompatBoard {
  drivers: Record<string, Record<string, string>>;
  column_order: string[];
}

export interface PushResult {
  events: KartingEvent[];
  /** Rows whose app cells changed, with the labels that changed (for the app's deltas). */
  delta: Record<string, Record<string, string>>;
  /** The whole board changed (a grid or a reset): send everything. */
  replaced: boolean;
  /** Input units that were not the protocol's (scanners, TLS bytes), dropped. */
  foreign: number;
  /** Lines of the protocol that were understood. */
  lines: number;
}

export function emptyResult(): PushResult {
  return { events: [], delta: {}, replaced: false, foreign: 0, lines: 0 };
}

/** A session's start or end, the same for every feed protocol (one per state: its dedup key). */
export function sessionEvent(
  circuitId: string,
  protocol: 'apex' | 'rmonitor',
  sessionId: string,
  state: 'started' | 'ended',
  ts: number,
  extra: Record<string, unknown>,
): KartingEvent {
  return {
    kind: 'karting.session',
    ts,
    data: {
      circuit_id: circuitId,
      session_id: sessionId,
      protocol,
      state,
      ...extra,
      dedup_key: `karting:${circuitId}:${sessionId}:${state}`,
    },
  };
}

export function newEntry(rowId: string): BoardEntry {
  return {
    row_id: rowId,
    kart: '',
    name: '',
    team: null,
    driver: null,
    class: null,
    transponder: null,
    position: null,
    laps: 0,
    last_lap_ms: null,
    last_lap_raw: null,
    best_lap_ms: null,
    best_lap_raw: null,
    personal_best: false,
    gap_ms: null,
    gap_laps: null,
    gap_raw: null,
    in_pit: false,
    pits: 0,
    total_ms: null,
    last_crossing_ms: null,
  };
}

/** Entries by position (unplaced last, then by row id so the order is stable). */
export function sortEntries(entries: Iterable<BoardEntry>): BoardEntry[] {
  return [...entries].sort((a, b) => {
    const pa = a.position ?? Number.MAX_SAFE_INTEGER;
    const pb = b.position ?? Number.MAX_SAFE_INTEGER;
    if (pa !== pb) return pa - pb;
    return a.row_id < b.row_id ? -1 : a.row_id > b.row_id ? 1 : 0;
  });
}

/** A session's id: the protocol and the receive time of what opened it (stable across replays). */
export function sessionId(protocol: KartingProtocol, startedMs: number): string {
  return `${protocol}-${startedMs}`;
}

/** Common interface of the two parsers. */
export interface TimingFeed {
  readonly protocol: KartingProtocol;
  /** One unit of input: an Apex WebSocket message, or one RMonitor line. */
  push(raw: string, receivedMs: number): PushResult;
  /** Ends the current session when the feed was silent this long (no title says so). */
  checkSilence(nowMs: number, silenceMs: number): PushResult;
  snapshot(): BoardSnapshot;
  compat(): CompatBoard;
}
