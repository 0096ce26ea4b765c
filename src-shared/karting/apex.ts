/**
 * The Apex Timing grid feed (domain.md §9): each WebSocket message holds `\n`-separated lines
 * `key|arg|value`. Columns are mapped by the header's `data-type` (by header text where it is
 * empty), rebuilt on every grid; laps come from the last-lap cell (the `r<row>|*|<ms>` value is
 * not the lap time); entries are keyed by (session, row id), the kart number an attribute;
 * sessions come from `init`, grid replacement and silence, never from titles alone. Lines that are
 * not the protocol's (scanners' HTTP requests, TLS bytes relayed by the server) are dropped and
 * counted.
 */
import { columnLabel, labelFromHeaderText, semanticFromLabel, type ColumnDef } from './labels';
import {
  emptyResult,
  newEntry,
  sessionId,
  sortEntries,
  type BoardEntry,
  type BoardSnapshot,
  type ClockInfo,
  type CompatBoard,
  type FlagState,
  type PushResult,
  type SessionInfo,
  type SessionType,
  type TimingFeed,
  sessionEvent,
} from './model';
import { parseGapCell, parseLapTime } from './times';

/** A protocol line: `r12c3|..`, `r12|..`, `br1c2|..` or a lower-case keyword. */
const LINE_RE = /^(?:r\d+(?:c\d+)?|br\d+c\d+|[a-z][a-z0-9]*)\|/;
const CELL_RE = /^r(\d+)c(\d+)$/;
const ROW_RE = /^r(\d+)$/;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function textOf(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, '')).trim();
}

export interface GridCell {
  cls: string;
  value: string;
}

export interface ParsedGrid {
  columns: ColumnDef[];
  rows: Map<string, Map<number, GridCell>>;
}

/** Parses a `grid||<tbody>…` table by `data-id`, never by cell position. */
export function parseGridHtml(html: string): ParsedGrid {
  const columns: ColumnDef[] = [];
  const rows = new Map<string, Map<number, GridCell>>();
  const trRe = /<tr\b([^>]*)>([\s\S]*?)<\/tr>/gi;
  for (let tr = trRe.exec(html); tr; tr = trRe.exec(html)) {
    const rowId = /data-id="r(\d+)"/.exec(tr[1]!)?.[1];
    if (rowId === undefined) continue;
    const body = tr[2]!;
    if (rowId === '0') {
      const tdRe = /<td\b([^>]*)>([\s\S]*?)<\/td>/gi;
      for (let td = tdRe.exec(body); td; td = tdRe.exec(body)) {
        const n = /data-id="c(\d+)"/.exec(td[1]!)?.[1];
        if (n === undefined) continue;
        const type = /data-type="([^"]*)"/.exec(td[1]!)?.[1] ?? '';
        columns.push({ n: Number(n), type, text: textOf(td[2]!) });
      }
      continue;
    }
    const cells = new Map<number, GridCell>();
    // The cell id may sit on the td or on an element inside it (`<td class="rk"><div><p data-id=…>`).
    const idRe = new RegExp(`<([a-z]+)\\b([^>]*\\bdata-id="r${rowId}c(\\d+)"[^>]*)>`, 'gi');
    for (let m = idRe.exec(body); m; m = idRe.exec(body)) {
      const n = Number(m[3]);
      const cls = /\bclass="([^"]*)"/.exec(m[2]!)?.[1] ?? '';
      const rest = body.slice(m.index + m[0].length);
      const end = rest.search(/<\/td>/i);
      cells.set(n, { cls, value: textOf(end < 0 ? rest : rest.slice(0, end)) });
    }
    rows.set(rowId, cells);
  }
  return { columns, rows };
}

const INIT_TYPES: Record<string, SessionType> = { r: 'race', p: 'practice', q: 'qualifying' };

const LIGHTS: Record<string, FlagState> = {
  lg: 'green',
  lr: 'red',
  ly: 'yellow',
  lf: 'chequered',
  lw: 'white',
  lp: 'purple',
};

/** A driver cell may carry the stint time (`NAME [0:12]`). */
function stripStint(s: string): string {
  return s.replace(/\s*\[\d+(?::\d+)*\]\s*$/, '').trim();
}

interface Column extends ColumnDef {
  label: string;
  /** What the model reads it as: the data-type, or one inferred from the header text. */
  sem: string;
}

export interface ApexFeedOptions {
  circuitId: string;
  /** The circuit's configured `c1`…`c14` labels. */
  labels?: Record<string, string | null | undefined>;
}

interface Pending {
  lapMs: number;
  raw: string;
  cls: string;
}

export class ApexFeed implements TimingFeed {
  readonly protocol = 'apex' as const;
  private readonly circuitId: string;
  private labels: Record<string, string | null | undefined>;
  private columns = new Map<number, Column>();
  private cells = new Map<string, Map<number, GridCell>>();
  private entries = new Map<string, BoardEntry>();
  private session: SessionInfo | null = null;
  /** The `init` seen but not yet followed by its grid. */
  private pendingInit: SessionType | null = null;
  private flag: FlagState = 'none';
  private clock: ClockInfo | null = null;
  private lastMs: number | null = null;
  private bestMs: number | null = null;
  private bestRow: string | null = null;
  private entryKeys = new Set<string>();
  foreign = 0;

  constructor(opts: ApexFeedOptions) {
    this.circuitId = opts.circuitId;
    this.labels = opts.labels ?? {};
  }

  /** New configured labels apply to the current columns at once. */
  setLabels(labels: Record<string, string | null | undefined>): void {
    this.labels = labels;
    for (const c of this.columns.values()) c.label = columnLabel(c, labels);
  }

  push(raw: string, receivedMs: number): PushResult {
    const out = emptyResult();
    const laps = new Map<string, Pending>();
    const lapCounts = new Map<string, number>();
    const lines = raw.split('\n');
    for (let line of lines) {
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') continue;
      if (!LINE_RE.test(line)) {
        out.foreign++;
        continue;
      }
      out.lines++;
      const bar = line.indexOf('|');
      const key = line.slice(0, bar);
      const rest = line.slice(bar + 1);
      const bar2 = rest.indexOf('|');
      const arg = bar2 < 0 ? rest : rest.slice(0, bar2);
      const value = bar2 < 0 ? '' : rest.slice(bar2 + 1);
      const cell = CELL_RE.exec(key);
      if (cell) {
        this.onCell(cell[1]!, Number(cell[2]), arg, value, receivedMs, out, laps, lapCounts);
        continue;
      }
      const row = ROW_RE.exec(key);
      if (row) {
        this.onRowLine(row[1]!, arg, value, receivedMs, out);
        continue;
      }
      switch (key) {
        case 'init':
          this.pendingInit = INIT_TYPES[arg] ?? 'unknown';
          break;
        case 'grid':
          this.onGrid(value, receivedMs, out);
          break;
        case 'light': {
          const flag = LIGHTS[arg];
          if (flag && flag !== this.flag) {
            this.flag = flag;
            if (this.session) {
              out.events.push({
                kind: 'flag',
                ts: receivedMs,
                data: {
                  circuit_id: this.circuitId,
                  session_id: this.session.id,
                  flag,
                  raw: arg,
                  dedup_key: `karting:${this.circuitId}:${this.session.id}:flag:${receivedMs}`,
                },
              });
            }
          }
          break;
        }
        case 'dyn1': {
          const ms = Number(value);
          if (arg === 'countdown' && value !== '' && Number.isFinite(ms))
            this.clock = {
              remaining_ms: ms,
              elapsed_ms: null,
              laps_to_go: null,
              text: null,
              at_ms: receivedMs,
            };
          else if (arg === 'count' && value !== '' && Number.isFinite(ms))
            this.clock = {
              remaining_ms: null,
              elapsed_ms: ms,
              laps_to_go: null,
              text: null,
              at_ms: receivedMs,
            };
          else if (arg === 'text')
            this.clock = value
              ? { remaining_ms: null, elapsed_ms: null, laps_to_go: null, text: value, at_ms: receivedMs }
              : null;
          break;
        }
        case 'title2':
          if (this.session && value && !this.session.name) this.session.name = value;
          this.lastTitle = value;
          break;
        default:
          break;
      }
    }
    this.finishLaps(laps, lapCounts, receivedMs, out);
    if (out.lines > 0) this.lastMs = receivedMs;
    this.foreign += out.foreign;
    return out;
  }

  private lastTitle = '';

  private onCell(
    rowId: string,
    n: number,
    cls: string,
    value: string,
    t: number,
    out: PushResult,
    laps: Map<string, Pending>,
    lapCounts: Map<string, number>,
  ): void {
    let row = this.cells.get(rowId);
    if (!row) this.cells.set(rowId, (row = new Map()));
    row.set(n, { cls, value });
    const col = this.columns.get(n);
    const label = col?.label ?? `C${n}`;
    (out.delta[rowId] ??= {})[label] = value;
    if (!col || !this.session) return;
    const e = this.entry(rowId);
    switch (col.sem) {
      case 'llp': {
        const ms = parseLapTime(value);
        e.last_lap_raw = value;
        if (ms !== null) laps.set(rowId, { lapMs: ms, raw: value, cls });
        break;
      }
      case 'tlp': {
        const v = Number(value);
        if (value !== '' && Number.isInteger(v)) lapCounts.set(rowId, v);
        break;
      }
      case 'dr':
        if (cls === 'drteam') {
          // The leader alternates team and driver in one cell; its class says which.
          (out.delta[rowId] ??= {})['Pilote'] = stripStint(value);
          delete out.delta[rowId]![label];
          e.driver = stripStint(value) || e.driver;
        } else {
          e.team = value;
          e.name = value;
        }
        this.noteEntry(e, t, out);
        break;
      default:
        this.applySemantic(e, col.sem, cls, value, t, out, lapCounts);
    }
  }

  /** `lapCounts` collects lap counters seen in this message; without it they apply at once. */
  private applySemantic(
    e: BoardEntry,
    sem: string,
    cls: string,
    value: string,
    t: number,
    out: PushResult,
    lapCounts?: Map<string, number>,
  ) {
    switch (sem) {
      case 'rk': {
        const p = Number(value);
        if (value !== '' && Number.isInteger(p)) e.position = p;
        break;
      }
      case 'no':
        if (value && value !== e.kart) {
          e.kart = value;
          this.noteEntry(e, t, out);
        }
        break;
      case 'blp': {
        const ms = parseLapTime(value);
        if (ms !== null) {
          e.best_lap_ms = ms;
          e.best_lap_raw = value;
        }
        break;
      }
      case 'gap': {
        const g = parseGapCell(value);
        e.gap_raw = value;
        if (!g) break;
        if ('leader_lap' in g) {
          e.gap_ms = 0;
          e.gap_laps = 0;
          // The leader's gap cell counts its laps; the laps column, where there is one, wins.
          if (lapCounts) {
            if (!lapCounts.has(e.row_id)) lapCounts.set(e.row_id, g.leader_lap);
          } else if (g.leader_lap > e.laps) e.laps = g.leader_lap;
        } else if ('laps_down' in g) {
          e.gap_laps = g.laps_down;
          e.gap_ms = null;
        } else {
          e.gap_ms = g.gap_ms;
          e.gap_laps = 0;
        }
        break;
      }
      case 'sta':
        if (cls === 'si') this.setPit(e, true, t, out);
        else if (cls === 'so') this.setPit(e, false, t, out);
        break;
      case 'pit': {
        const v = Number(value);
        if (value !== '' && Number.isInteger(v)) e.pits = v;
        break;
      }
      default:
        break;
    }
  }

  private onRowLine(rowId: string, arg: string, value: string, t: number, out: PushResult): void {
    if (!this.session) return;
    const e = this.entries.get(rowId);
    if (!e) return;
    if (arg === '#') {
      const p = Number(value);
      if (value !== '' && Number.isInteger(p)) {
        e.position = p;
        const label = this.labelOf('rk');
        if (label) (out.delta[rowId] ??= {})[label] = value;
      }
    } else if (arg === '*in') this.setPit(e, true, t, out);
    else if (arg === '*out') this.setPit(e, false, t, out);
  }

  private labelOf(sem: string): string | null {
    for (const c of this.columns.values()) if (c.sem === sem) return c.label;
    return null;
  }

  private setPit(e: BoardEntry, inPit: boolean, t: number, out: PushResult) {
    if (e.in_pit === inPit || !this.session) return;
    e.in_pit = inPit;
    out.events.push({
      kind: 'pit',
      ts: t,
      data: {
        circuit_id: this.circuitId,
        session_id: this.session.id,
        row_id: e.row_id,
        kart: e.kart,
        state: inPit ? 'in' : 'out',
        dedup_key: `karting:${this.circuitId}:${this.session.id}:pit:${e.row_id}:${t}:${inPit ? 'in' : 'out'}`,
      },
    });
  }

  private finishLaps(laps: Map<string, Pending>, counts: Map<string, number>, t: number, out: PushResult) {
    if (!this.session) return;
    for (const [rowId, lap] of laps) {
      const e = this.entry(rowId);
      const fromFeed = counts.get(rowId);
      const number = fromFeed !== undefined && fromFeed > e.laps ? fromFeed : e.laps + 1;
      e.laps = number;
      e.last_lap_ms = lap.lapMs;
      e.last_lap_raw = lap.raw;
      e.last_crossing_ms = t;
      const personal = e.best_lap_ms === null || lap.lapMs <= e.best_lap_ms || lap.cls === 'ti';
      e.personal_best = personal;
      if (e.best_lap_ms === null || lap.lapMs < e.best_lap_ms) {
        e.best_lap_ms = lap.lapMs;
        e.best_lap_raw = lap.raw;
      }
      const overall = this.bestMs === null || lap.lapMs < this.bestMs || lap.cls === 'tb';
      if (this.bestMs === null || lap.lapMs < this.bestMs) {
        this.bestMs = lap.lapMs;
        this.bestRow = rowId;
      }
      out.events.push({
        kind: 'lap',
        ts: t,
        data: {
          circuit_id: this.circuitId,
          session_id: this.session.id,
          row_id: rowId,
          kart: e.kart,
          name: e.name,
          lap: number,
          lap_ms: lap.lapMs,
          lap_raw: lap.raw,
          position: e.position,
          personal_best: personal,
          overall_best: overall,
          in_pit: e.in_pit,
          dedup_key: `karting:${this.circuitId}:${this.session.id}:lap:${rowId}:${t}:${number}`,
        },
      });
    }
    for (const [rowId, n] of counts) {
      const e = this.entry(rowId);
      if (!laps.has(rowId) && n > e.laps) e.laps = n;
    }
  }

  private entry(rowId: string): BoardEntry {
    let e = this.entries.get(rowId);
    if (!e) this.entries.set(rowId, (e = newEntry(rowId)));
    return e;
  }

  /** One `karting.entry` event per (session, row, kart, name) the board shows. */
  private noteEntry(e: BoardEntry, t: number, out: PushResult) {
    if (!this.session || (!e.kart && !e.name)) return;
    // A row may go back to a kart number or name it had (31 → 47 → 36 → 47): one event each.
    const sig = `${e.row_id}\u0000${e.kart}\u0000${e.name}`;
    if (this.entryKeys.has(sig)) return;
    this.entryKeys.add(sig);
    out.events.push({
      kind: 'karting.entry',
      ts: t,
      data: {
        circuit_id: this.circuitId,
        session_id: this.session.id,
        row_id: e.row_id,
        kart: e.kart,
        name: e.name,
        team: e.team,
        driver: e.driver,
        dedup_key: `karting:${this.circuitId}:${this.session.id}:entry:${e.row_id}:${e.kart}:${e.name}`,
      },
    });
  }

  private onGrid(html: string, t: number, out: PushResult): void {
    const grid = parseGridHtml(html);
    if (grid.columns.length === 0) return;
    const columns = new Map<number, Column>();
    for (const c of grid.columns) {
      const sem = c.type || semanticFromLabel(labelFromHeaderText(c.text)) || '';
      columns.set(c.n, { ...c, sem, label: columnLabel(c, this.labels) });
    }
    const continues = this.continues(grid, columns);
    const initType = this.pendingInit;
    this.pendingInit = null;
    if (!continues) this.startSession(initType ?? 'unknown', t, out);
    else if (initType && initType !== 'unknown' && this.session && this.session.type === 'unknown')
      this.session.type = initType;
    this.columns = columns;
    this.cells = grid.rows;
    const kept = new Map<string, BoardEntry>();
    for (const [rowId, cells] of grid.rows) {
      const e = this.entries.get(rowId) ?? newEntry(rowId);
      kept.set(rowId, e);
      for (const [n, cell] of cells) {
        const col = columns.get(n);
        if (!col) continue;
        if (col.sem === 'llp') {
          e.last_lap_raw = cell.value;
          if (!continues || e.last_lap_ms === null) e.last_lap_ms = parseLapTime(cell.value);
        } else if (col.sem === 'tlp') {
          const v = Number(cell.value);
          if (cell.value !== '' && Number.isInteger(v) && v >= e.laps) e.laps = v;
        } else if (col.sem === 'dr') {
          if (cell.cls === 'drteam') e.driver = stripStint(cell.value);
          else {
            e.team = cell.value;
            e.name = cell.value;
          }
        } else this.applySemantic(e, col.sem, cell.cls, cell.value, t, out);
        if (
          col.sem === 'blp' &&
          e.best_lap_ms !== null &&
          (this.bestMs === null || e.best_lap_ms < this.bestMs)
        ) {
          this.bestMs = e.best_lap_ms;
          this.bestRow = rowId;
        }
      }
    }
    this.entries = kept;
    for (const e of kept.values()) this.noteEntry(e, t, out);
    out.replaced = true;
  }

  /** Whether a grid carries on the current session (a layout change, a reconnect) or opens one. */
  private continues(grid: ParsedGrid, columns: Map<number, Column>): boolean {
    if (!this.session) return false;
    const init = this.pendingInit;
    if (init && init !== 'unknown' && this.session.type !== 'unknown' && init !== this.session.type)
      return false;
    let kartCol: number | null = null;
    let nameCol: number | null = null;
    let lapCol: number | null = null;
    for (const c of columns.values()) {
      if (c.sem === 'no') kartCol = c.n;
      else if (c.sem === 'dr') nameCol = c.n;
      else if (c.sem === 'tlp') lapCol = c.n;
    }
    let same = 0;
    let lapsBack = 0;
    let lapsCompared = 0;
    for (const [rowId, cells] of grid.rows) {
      const e = this.entries.get(rowId);
      if (!e) continue;
      const kart = kartCol !== null ? cells.get(kartCol)?.value : undefined;
      const name = nameCol !== null ? cells.get(nameCol) : undefined;
      const sameName = name && name.cls !== 'drteam' ? name.value === e.name : false;
      // Row ids are reused across heats: the same row is the same entry only if its kart or name is.
      if ((kart !== undefined && kart === e.kart) || sameName || (kart === undefined && !name)) {
        same++;
        const laps = lapCol !== null ? Number(cells.get(lapCol)?.value) : NaN;
        if (Number.isInteger(laps) && e.laps > 0) {
          lapsCompared++;
          if (laps < e.laps - 1) lapsBack++;
        }
      }
    }
    if (same === 0) return false;
    if (same * 2 < Math.min(grid.rows.size, this.entries.size)) return false;
    if (lapsCompared > 0 && lapsBack * 2 > lapsCompared) return false;
    return true;
  }

  private startSession(type: SessionType, t: number, out: PushResult) {
    this.endSession(t, out, 'replaced');
    const id = sessionId('apex', t);
    this.session = { id, type, name: this.lastTitle, started_ms: t };
    this.entries = new Map();
    this.entryKeys = new Set();
    this.bestMs = null;
    this.bestRow = null;
    out.events.push(sessionEvent(this.circuitId, 'apex', id, 'started', t, { type, name: this.lastTitle }));
  }

  private endSession(t: number, out: PushResult, reason: string) {
    if (!this.session) return;
    out.events.push(sessionEvent(this.circuitId, 'apex', this.session.id, 'ended', t, { reason }));
    this.session = null;
  }

  checkSilence(nowMs: number, silenceMs: number): PushResult {
    const out = emptyResult();
    if (this.session && this.lastMs !== null && nowMs - this.lastMs >= silenceMs) {
      this.endSession(this.lastMs + silenceMs, out, 'silence');
      this.entries = new Map();
      this.cells = new Map();
      out.replaced = true;
    }
    return out;
  }

  snapshot(): BoardSnapshot {
    return {
      protocol: 'apex',
      session: this.session ? { ...this.session } : null,
      flag: this.flag,
      clock: this.clock,
      best_lap_ms: this.bestMs,
      best_lap_row: this.bestRow,
      entries: sortEntries([...this.entries.values()].map((e) => ({ ...e }))),
    };
  }

  compat(): CompatBoard {
    const drivers: Record<string, Record<string, string>> = {};
    for (const [rowId, cells] of this.cells) {
      const d: Record<string, string> = {};
      for (const [n, cell] of cells) {
        const col = this.columns.get(n);
        const label = col?.label ?? `C${n}`;
        if (col?.sem === 'dr' && cell.cls === 'drteam') {
          d['Pilote'] = stripStint(cell.value);
          const e = this.entries.get(rowId);
          if (e?.team) d[label] = e.team;
        } else d[label] = cell.value;
      }
      drivers[rowId] = d;
    }
    const column_order = [...this.columns.values()].sort((a, b) => a.n - b.n).map((c) => c.label);
    return { drivers, column_order };
  }
}
