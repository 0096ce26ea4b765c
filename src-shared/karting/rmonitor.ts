/**
 * RMonitor (Orbits over TCP, RaceMonitor over WebSocket; domain.md §9 and the v1.0 protocol):
 * CRLF lines of CSV records. Gaps are not sent and are computed here. What the real captures
 * showed: `$B,95,"<name>"` ends a run; a reset `$I` mid-race must not wipe lap history; class ids
 * are renamed a second later; transponders can be alphanumeric; `00:00:00.000` placeholders come
 * before the first crossing; `$G` lap counts can go backwards; passings (`$J`) are never re-sent on
 * a refresh, so they are the laps.
 */
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
import { formatGap, formatLapMs, parseRmTime } from './times';

/** Splits one CSV record; quoted fields may hold commas; spaces after a comma are dropped. */
export function splitRecord(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i <= n) {
    while (i < n && line[i] === ' ') i++;
    if (line[i] === '"') {
      let j = i + 1;
      let s = '';
      while (j < n) {
        if (line[j] === '"') {
          if (line[j + 1] === '"') {
            s += '"';
            j += 2;
            continue;
          }
          break;
        }
        s += line[j++];
      }
      out.push(s);
      j++;
      while (j < n && line[j] !== ',') j++;
      i = j + 1;
    } else {
      let j = line.indexOf(',', i);
      if (j < 0) j = n;
      out.push(line.slice(i, j).trim());
      i = j + 1;
    }
  }
  return out;
}

const FLAGS: Record<string, FlagState> = {
  green: 'green',
  yellow: 'yellow',
  red: 'red',
  finish: 'chequered',
  white: 'white',
  purple: 'purple',
};

/** The run that ends the one before it (seen in Orbits and IMSA captures). */
export const END_OF_RUN = '95';

/** `00:59:59.999` stands for "no time yet" in IMSA feeds, as `00:00:00.000` does in Orbits. */
const NO_TIME_MS = 3_599_999;

function realTime(text: string | undefined): number | null {
  const ms = parseRmTime(text);
  return ms === null || ms === 0 || ms === NO_TIME_MS ? null : ms;
}

const RECORD_RE = /^\$(A|COMP|B|C|E|F|G|H|I|J|L)(,|$)/;

function sessionTypeOf(name: string): SessionType {
  if (/qual/i.test(name)) return 'qualifying';
  if (/prac|warm|test|hpde|free|session/i.test(name)) return 'practice';
  if (/race|heat|final|course/i.test(name)) return 'race';
  return 'unknown';
}

interface Competitor {
  number: string;
  transponder: string | null;
  first: string;
  last: string;
  classId: string | null;
  team: string | null;
}

export interface RMonitorFeedOptions {
  circuitId: string;
}

export class RMonitorFeed implements TimingFeed {
  readonly protocol = 'rmonitor' as const;
  private readonly circuitId: string;
  private competitors = new Map<string, Competitor>();
  private classes = new Map<string, string>();
  private entries = new Map<string, BoardEntry>();
  private session: SessionInfo | null = null;
  private run: { id: string; name: string } | null = null;
  private flag: FlagState = 'none';
  private clock: ClockInfo | null = null;
  private lastMs: number | null = null;
  private bestMs: number | null = null;
  private bestRow: string | null = null;
  private entryKeys = new Set<string>();
  /** Total times of passings already counted, per entry (a repeated `$J` is one lap). */
  private passings = new Map<string, Set<number>>();
  private lapNumbers = new Map<string, number>();
  readonly settings = new Map<string, string>();
  foreign = 0;
  resets = 0;

  constructor(opts: RMonitorFeedOptions) {
    this.circuitId = opts.circuitId;
  }

  push(raw: string, receivedMs: number): PushResult {
    const out = emptyResult();
    for (let line of raw.split('\n')) {
      if (line.endsWith('\r')) line = line.slice(0, -1);
      line = line.replace(/^\uFEFF/, '');
      if (line.trim() === '') continue;
      if (!RECORD_RE.test(line)) {
        out.foreign++;
        continue;
      }
      out.lines++;
      this.onRecord(splitRecord(line.slice(1)), receivedMs, out);
    }
    if (out.lines > 0) this.lastMs = receivedMs;
    this.foreign += out.foreign;
    if (out.lines > 0) this.computeGaps();
    return out;
  }

  private onRecord(f: string[], t: number, out: PushResult): void {
    const type = f[0];
    switch (type) {
      case 'A': {
        // $A,regNo,number,transponder,first,last,nationality,classId
        const reg = f[1] ?? '';
        if (!reg) return;
        const c = this.competitor(reg);
        c.number = f[2] || c.number || reg;
        c.transponder = f[3] || c.transponder;
        c.first = f[4] ?? c.first;
        c.last = f[5] ?? c.last;
        c.classId = f[7] || c.classId;
        this.touchEntry(reg, t, out);
        return;
      }
      case 'COMP': {
        // $COMP,regNo,number,classId,first,last,nationality,additional
        const reg = f[1] ?? '';
        if (!reg) return;
        const c = this.competitor(reg);
        c.number = f[2] || c.number || reg;
        c.classId = f[3] || c.classId;
        c.first = f[4] ?? c.first;
        c.last = f[5] ?? c.last;
        c.team = f[7] || c.team;
        this.touchEntry(reg, t, out);
        return;
      }
      case 'B': {
        const id = f[1] ?? '';
        const name = f[2] ?? '';
        if (id === END_OF_RUN) {
          this.endSession(t, out, 'end of run');
          this.run = null;
          return;
        }
        if (!this.run || this.run.id !== id || this.run.name !== name || !this.session) {
          this.run = { id, name };
          this.startSession(name, t, out);
        }
        return;
      }
      case 'C': {
        // A class id may be renamed a second later: names are looked up when shown.
        if (f[1]) this.classes.set(f[1], f[2] ?? '');
        for (const [reg, e] of this.entries) {
          const c = this.competitors.get(reg);
          if (c?.classId === f[1]) e.class = f[2] ?? null;
        }
        out.replaced = true;
        return;
      }
      case 'E':
        if (f[1]) this.settings.set(f[1], f[2] ?? '');
        return;
      case 'F': {
        // $F,lapsToGo,timeToGo,timeOfDay,raceTime,flagStatus (a fixed 6-character flag)
        const lapsToGo = Number(f[1]);
        const toGo = parseRmTime(f[2]);
        const elapsed = parseRmTime(f[4]);
        this.clock = {
          remaining_ms: toGo,
          elapsed_ms: elapsed,
          laps_to_go: Number.isInteger(lapsToGo) && lapsToGo !== 9999 ? lapsToGo : null,
          text: f[3] ?? null,
          at_ms: t,
        };
        const flag = FLAGS[(f[5] ?? '').trim().toLowerCase()] ?? 'none';
        if (flag !== this.flag) {
          // A chequered flag ends the session; a green after it opens the next one under the same run.
          if (this.flag === 'chequered' && (flag === 'green' || flag === 'yellow') && this.run)
            this.startSession(this.run.name, t, out);
          this.flag = flag;
          if (this.session && flag !== 'none')
            out.events.push({
              kind: 'flag',
              ts: t,
              data: {
                circuit_id: this.circuitId,
                session_id: this.session.id,
                flag,
                raw: f[5] ?? '',
                dedup_key: `karting:${this.circuitId}:${this.session.id}:flag:${t}`,
              },
            });
        }
        return;
      }
      case 'G': {
        // $G,position,regNo,laps,totalTime — laps may be empty before the first crossing.
        const reg = f[2] ?? '';
        if (!reg) return;
        const e = this.touchEntry(reg, t, out);
        const pos = Number(f[1]);
        if (Number.isInteger(pos) && pos > 0) e.position = pos;
        const laps = f[3] === '' || f[3] === undefined ? NaN : Number(f[3]);
        // Lap counts go backwards in real feeds: the board never does.
        if (Number.isInteger(laps) && laps > e.laps) e.laps = laps;
        const total = realTime(f[4]);
        if (total !== null && (e.total_ms === null || (Number.isInteger(laps) && laps >= e.laps)))
          e.total_ms = total;
        this.markDelta(e, out);
        return;
      }
      case 'H': {
        // $H,position,regNo,bestLapNo,bestLapTime
        const reg = f[2] ?? '';
        if (!reg) return;
        const e = this.touchEntry(reg, t, out);
        const best = realTime(f[4]);
        if (best !== null && best > 0 && (e.best_lap_ms === null || best < e.best_lap_ms)) {
          e.best_lap_ms = best;
          e.best_lap_raw = formatLapMs(best);
          this.noteOverall(reg, best);
        }
        this.markDelta(e, out);
        return;
      }
      case 'I':
        // A reset clears the timing system's board, not the laps already run.
        this.resets++;
        return;
      case 'J':
      case 'L':
        if (type === 'J') this.onPassing(f[1] ?? '', realTime(f[2]), realTime(f[3]), t, out);
        return;
      default:
        return;
    }
  }

  private onPassing(reg: string, lapMs: number | null, totalMs: number | null, t: number, out: PushResult) {
    if (!reg) return;
    const e = this.touchEntry(reg, t, out);
    if (totalMs !== null) {
      let seen = this.passings.get(reg);
      if (!seen) this.passings.set(reg, (seen = new Set()));
      if (seen.has(totalMs)) return;
      seen.add(totalMs);
      e.total_ms = totalMs;
    }
    e.last_crossing_ms = t;
    if (lapMs === null || lapMs <= 0 || !this.session) {
      this.markDelta(e, out);
      return;
    }
    // Passings number the laps; a `$G` count seen before the first passing places a late joiner.
    const prev = this.lapNumbers.get(reg);
    const lap = prev === undefined ? e.laps + 1 : prev + 1;
    this.lapNumbers.set(reg, lap);
    e.laps = Math.max(e.laps, lap);
    e.last_lap_ms = lapMs;
    e.last_lap_raw = formatLapMs(lapMs);
    const personal = e.best_lap_ms === null || lapMs <= e.best_lap_ms;
    e.personal_best = personal;
    if (e.best_lap_ms === null || lapMs < e.best_lap_ms) {
      e.best_lap_ms = lapMs;
      e.best_lap_raw = e.last_lap_raw;
    }
    const overall = this.bestMs === null || lapMs <= this.bestMs;
    this.noteOverall(reg, lapMs);
    this.markDelta(e, out);
    out.events.push({
      kind: 'lap',
      ts: t,
      data: {
        circuit_id: this.circuitId,
        session_id: this.session.id,
        row_id: reg,
        kart: e.kart,
        name: e.name,
        lap,
        lap_ms: lapMs,
        lap_raw: e.last_lap_raw,
        total_ms: totalMs,
        position: e.position,
        personal_best: personal,
        overall_best: overall,
        dedup_key: `karting:${this.circuitId}:${this.session.id}:lap:${reg}:${totalMs ?? t}`,
      },
    });
  }

  private noteOverall(reg: string, ms: number) {
    if (this.bestMs === null || ms < this.bestMs) {
      this.bestMs = ms;
      this.bestRow = reg;
    }
  }

  private competitor(reg: string): Competitor {
    let c = this.competitors.get(reg);
    if (!c) {
      c = { number: reg, transponder: null, first: '', last: '', classId: null, team: null };
      this.competitors.set(reg, c);
    }
    return c;
  }

  private touchEntry(reg: string, t: number, out: PushResult): BoardEntry {
    const c = this.competitor(reg);
    let e = this.entries.get(reg);
    if (!e) this.entries.set(reg, (e = newEntry(reg)));
    e.kart = c.number;
    e.transponder = c.transponder;
    e.driver = [c.first, c.last].filter(Boolean).join(' ') || null;
    e.team = c.team;
    e.name = e.driver ?? c.team ?? '';
    e.class = c.classId !== null ? (this.classes.get(c.classId) ?? c.classId) : null;
    if (this.session) {
      const parts = [e.kart, e.name, e.transponder ?? ''];
      const sig = parts.join('\u0000');
      if (!this.entryKeys.has(`${reg}\u0000${sig}`)) {
        this.entryKeys.add(`${reg}\u0000${sig}`);
        out.events.push({
          kind: 'karting.entry',
          ts: t,
          data: {
            circuit_id: this.circuitId,
            session_id: this.session.id,
            row_id: reg,
            kart: e.kart,
            name: e.name,
            transponder: e.transponder,
            class: e.class,
            dedup_key: `karting:${this.circuitId}:${this.session.id}:entry:${reg}:${parts.join(':')}`,
          },
        });
      }
    }
    this.markDelta(e, out);
    return e;
  }

  private markDelta(e: BoardEntry, out: PushResult) {
    out.delta[e.row_id] = this.compatRow(e);
  }

  private startSession(name: string, t: number, out: PushResult) {
    this.endSession(t, out, 'replaced');
    const id = sessionId('rmonitor', t);
    const type = sessionTypeOf(name);
    this.session = { id, type, name, started_ms: t };
    // Laps belong to a session; who is entered carries over (entries are re-sent on refresh anyway).
    for (const e of this.entries.values()) {
      Object.assign(e, {
        ...newEntry(e.row_id),
        kart: e.kart,
        name: e.name,
        team: e.team,
        driver: e.driver,
        class: e.class,
        transponder: e.transponder,
      });
    }
    this.entryKeys = new Set();
    this.passings = new Map();
    this.lapNumbers = new Map();
    this.bestMs = null;
    this.bestRow = null;
    out.replaced = true;
    out.events.push(
      sessionEvent(this.circuitId, 'rmonitor', id, 'started', t, {
        type,
        name,
        run_id: this.run?.id ?? null,
      }),
    );
  }

  private endSession(t: number, out: PushResult, reason: string) {
    if (!this.session) return;
    out.events.push(sessionEvent(this.circuitId, 'rmonitor', this.session.id, 'ended', t, { reason }));
    this.session = null;
  }

  /** Gaps by laps and race time behind the leader (races), or by best lap (practice, qualifying). */
  private computeGaps() {
    const sorted = sortEntries(this.entries.values());
    const leader = sorted.find((e) => e.position !== null);
    const byBest = this.session?.type === 'practice' || this.session?.type === 'qualifying';
    for (const e of sorted) {
      e.gap_ms = null;
      e.gap_laps = null;
      if (!leader || e.position === null) continue;
      if (byBest) {
        if (e.best_lap_ms !== null && leader.best_lap_ms !== null)
          e.gap_ms = e.best_lap_ms - leader.best_lap_ms;
      } else if (e.laps < leader.laps) e.gap_laps = leader.laps - e.laps;
      else if (e.total_ms !== null && leader.total_ms !== null) {
        e.gap_laps = 0;
        e.gap_ms = Math.max(0, e.total_ms - leader.total_ms);
      }
      e.gap_raw = e === leader ? '' : formatGap(e.gap_ms, e.gap_laps);
    }
  }

  checkSilence(nowMs: number, silenceMs: number): PushResult {
    const out = emptyResult();
    if (this.session && this.lastMs !== null && nowMs - this.lastMs >= silenceMs) {
      this.endSession(this.lastMs + silenceMs, out, 'silence');
      this.run = null;
      out.replaced = true;
    }
    return out;
  }

  snapshot(): BoardSnapshot {
    return {
      protocol: 'rmonitor',
      session: this.session ? { ...this.session } : null,
      flag: this.flag,
      clock: this.clock,
      best_lap_ms: this.bestMs,
      best_lap_row: this.bestRow,
      entries: sortEntries([...this.entries.values()].map((e) => ({ ...e }))),
    };
  }

  private compatRow(e: BoardEntry): Record<string, string> {
    return {
      Classement: e.position !== null ? String(e.position) : '',
      Kart: e.kart,
      Pilote: e.name,
      Categorie: e.class ?? '',
      Tours: String(e.laps),
      'Dernier T.': e.last_lap_raw ?? '',
      'Meilleur T.': e.best_lap_raw ?? '',
      Ecart: e.gap_raw ?? '',
    };
  }

  compat(): CompatBoard {
    const drivers: Record<string, Record<string, string>> = {};
    for (const e of this.entries.values()) drivers[e.row_id] = this.compatRow(e);
    return {
      drivers,
      column_order: [
        'Classement',
        'Kart',
        'Pilote',
        'Categorie',
        'Tours',
        'Dernier T.',
        'Meilleur T.',
        'Ecart',
      ],
    };
  }
}
