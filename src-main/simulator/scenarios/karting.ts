/**
 * The karting scenario: a race model (karts with realistic lap times, pit stops, a flag sequence)
 * served as a live Apex-style grid feed over WebSocket and an RMonitor feed over TCP, or any
 * recording in the formats of ../shared/data/karting (`--replay FILE --speed X`). Feed servers
 * speak first and never need the client to say anything, as the real ones do.
 *
 *   npm run simulate -- --scenario karting [--karts 12] [--speed 1] [--duration S] [--seed N]
 *                       [--ws-port N] [--tcp-port N]
 *   npm run simulate -- --replay FILE [--speed 50] [--ws-port N] [--tcp-port N] [--loop]
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatLapMs } from '../../../src-shared/karting/times';
import { createRng, type Rng } from '../random';

// ---------- the race model ----------

export interface SimKart {
  row: string;
  kart: string;
  team: string;
  driver: string;
  baseMs: number;
  laps: number;
  lastMs: number | null;
  bestMs: number | null;
  /** Race time at the last crossing. */
  totalMs: number;
  nextCrossAt: number;
  inPitUntil: number | null;
  pits: number;
  position: number;
}

export type SimFlag = 'green' | 'yellow' | 'red' | 'chequered';

/** Each event carries the field as it stood right then (`view`), so feeds encode that moment. */
export type RaceEvent = { view: SimKart[] } & (
  | { type: 'crossing'; t: number; kart: SimKart; lapMs: number; personal: boolean; overall: boolean }
  | { type: 'pit-in'; t: number; kart: SimKart }
  | { type: 'pit-out'; t: number; kart: SimKart }
  | { type: 'flag'; t: number; flag: SimFlag }
);

type Bare<E> = E extends unknown ? Omit<E, 'view'> : never;

const TEAMS = [
  'BLUE FALCONS',
  'LES TORTUES',
  'NOCTURNE',
  'APEX HUNTERS',
  'RED BARON',
  'KART ATTACK',
  'SLIPSTREAM',
  'GREASE MONKEYS',
  'LATE BRAKERS',
  'TYRE SMOKE',
  'CHICANE CLUB',
  'PIT LANE PIRATES',
  'DRIFT KINGS',
  'GRID WALKERS',
  'FLAT OUT',
  'HAIRPIN HEROES',
];
const DRIVERS = [
  'DUPONT Marie',
  'SILVA Ana',
  'LANG Bo',
  'NORD Cy',
  'ROSSI Dario',
  'KOWALSKI Ewa',
  'BERG Finn',
  'HALL Gus',
];

/** A race of `karts` karts with laps around `lapMs`, in model time from `startMs`. */
export class RaceModel {
  readonly karts: SimKart[] = [];
  flag: SimFlag = 'green';
  private yellowUntil: number | null = null;
  private overallBest: number | null = null;
  readonly startMs: number;

  constructor(
    private readonly rng: Rng,
    startMs: number,
    karts = 12,
    private readonly lapMs = 52_000,
    private readonly durationMs = 30 * 60_000,
  ) {
    this.startMs = startMs;
    for (let i = 0; i < karts; i++) {
      const baseMs = lapMs * rng.uniform(0.985, 1.04);
      this.karts.push({
        row: String(90_000 + i * 7),
        kart: String(i + 1),
        team: TEAMS[i % TEAMS.length]!,
        driver: DRIVERS[i % DRIVERS.length]!,
        baseMs,
        laps: 0,
        lastMs: null,
        bestMs: null,
        totalMs: 0,
        // A rolling start: the grid crosses the line spread over a few seconds.
        nextCrossAt: startMs + baseMs + i * 400,
        inPitUntil: null,
        pits: 0,
        position: i + 1,
      });
    }
  }

  get endsAt(): number {
    return this.startMs + this.durationMs;
  }

  /** Everything that happened up to `now`, in order. */
  advance(now: number): RaceEvent[] {
    const out: RaceEvent[] = [];
    const push = (e: Bare<RaceEvent>) => {
      const view = this.karts.map((k) => ({ ...k }));
      const own = 'kart' in e ? view.find((k) => k.row === e.kart.row)! : undefined;
      out.push({ ...e, ...(own ? { kart: own } : {}), view } as RaceEvent);
    };
    if (this.flag === 'chequered') return out;
    for (;;) {
      const next = this.karts.reduce((a, b) => (b.nextCrossAt < a.nextCrossAt ? b : a));
      const pitOut = this.karts.find((k) => k.inPitUntil !== null && k.inPitUntil <= now);
      if (pitOut && (pitOut.inPitUntil ?? 0) <= next.nextCrossAt) {
        push({ type: 'pit-out', t: pitOut.inPitUntil!, kart: pitOut });
        pitOut.inPitUntil = null;
        continue;
      }
      if (next.nextCrossAt > now) break;
      const t = next.nextCrossAt;
      if (this.yellowUntil !== null && t >= this.yellowUntil) {
        this.yellowUntil = null;
        this.flag = 'green';
        push({ type: 'flag', t, flag: 'green' });
      }
      const slow = this.flag === 'yellow' ? 1.25 : 1;
      const lapMs = Math.round(next.baseMs * slow * this.rng.uniform(0.99, 1.02) + (next.laps === 0 ? 0 : 0));
      const pitLap = next.laps > 0 && next.laps % 14 === 0;
      next.laps++;
      next.lastMs = lapMs;
      next.totalMs = t - this.startMs;
      const personal = next.bestMs === null || lapMs < next.bestMs;
      if (personal) next.bestMs = lapMs;
      const overall = this.overallBest === null || lapMs < this.overallBest;
      if (overall) this.overallBest = lapMs;
      this.rank();
      push({ type: 'crossing', t, kart: next, lapMs, personal, overall });
      if (pitLap) {
        const stop = this.rng.uniform(25_000, 40_000);
        next.inPitUntil = t + 8000;
        next.pits++;
        push({ type: 'pit-in', t: t + 500, kart: next });
        next.nextCrossAt = t + next.baseMs + stop;
      } else next.nextCrossAt = t + Math.round(next.baseMs * this.rng.uniform(0.99, 1.02));
      if (this.flag === 'green' && this.yellowUntil === null && this.rng.chance(0.01)) {
        this.flag = 'yellow';
        this.yellowUntil = t + 20_000;
        push({ type: 'flag', t, flag: 'yellow' });
      }
      if (t >= this.endsAt && next.position === 1) {
        this.flag = 'chequered';
        push({ type: 'flag', t, flag: 'chequered' });
        break;
      }
    }
    return out;
  }

  private rank() {
    const sorted = [...this.karts].sort((a, b) => b.laps - a.laps || a.totalMs - b.totalMs);
    sorted.forEach((k, i) => (k.position = i + 1));
  }

  leader(): SimKart {
    return this.karts.find((k) => k.position === 1)!;
  }
}

// ---------- the Apex encoding ----------

const APEX_COLUMNS: [string, string][] = [
  ['sta', ''],
  ['rk', 'Clt'],
  ['no', 'Kart'],
  ['dr', 'Equipe'],
  ['llp', 'Dernier T.'],
  ['blp', 'Meilleur T.'],
  ['gap', 'Ecart'],
  ['tlp', 'Tours'],
  ['pit', 'Stands'],
];
const COL = Object.fromEntries(APEX_COLUMNS.map(([t], i) => [t, i + 1])) as Record<string, number>;

const LIGHT: Record<SimFlag, string> = { green: 'lg', yellow: 'ly', red: 'lr', chequered: 'lf' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function gapText(view: SimKart[], k: SimKart): string {
  const leader = view.find((x) => x.position === 1)!;
  if (k.row === leader.row) return `Tour ${k.laps}`;
  if (leader.laps > k.laps) return `${leader.laps - k.laps} Tour${leader.laps - k.laps > 1 ? 's' : ''}`;
  return formatLapMs(Math.max(0, k.totalMs - leader.totalMs));
}

/** What a joining client gets: init, titles, the light and the whole grid. */
export function apexInitMessage(model: RaceModel, title = 'COURSE'): string {
  const head = APEX_COLUMNS.map(
    ([type, text], i) => `<td data-id="c${i + 1}" data-type="${type}">${esc(text)}</td>`,
  ).join('');
  const rows = [...model.karts]
    .sort((a, b) => a.position - b.position)
    .map((k) => {
      const cell = (type: string, cls: string, v: string) =>
        `<td data-id="r${k.row}c${COL[type]}" class="${cls}">${esc(v)}</td>`;
      return (
        `<tr data-id="r${k.row}" data-pos="${k.position}">` +
        cell('sta', k.inPitUntil ? 'si' : 'sr', '') +
        `<td class="rk"><div><p data-id="r${k.row}c${COL.rk}" class="">${k.position}</p></div></td>` +
        `<td class="no"><div data-id="r${k.row}c${COL.no}" class="no1">${k.kart}</div></td>` +
        cell('dr', 'dr', k.team) +
        cell('llp', 'tn', k.lastMs ? formatLapMs(k.lastMs) : '') +
        cell('blp', 'in', k.bestMs ? formatLapMs(k.bestMs) : '') +
        cell('gap', 'in', k.laps ? gapText(model.karts, k) : '') +
        cell('tlp', 'in', String(k.laps)) +
        cell('pit', 'in', String(k.pits)) +
        '</tr>'
      );
    })
    .join('');
  return [
    'init|r|',
    'best|hide|',
    'title1||MARSHAL SIMULATED CUP',
    `title2||${title}`,
    `light|${LIGHT[model.flag]}|`,
    `grid||<tbody><tr data-id="r0" class="head" data-pos="0">${head}</tr>${rows}</tbody>`,
    `dyn1|countdown|${Math.max(0, model.endsAt - Date.now())}`,
    '',
  ].join('\n');
}

/** One WebSocket message per race event, as the Apex server sends them. */
export function apexMessage(e: RaceEvent): string {
  switch (e.type) {
    case 'crossing': {
      const k = e.kart;
      const lines = [
        `r${k.row}c${COL.llp}|${e.overall ? 'tb' : e.personal ? 'ti' : 'tn'}|${formatLapMs(e.lapMs)}`,
        ...(e.personal ? [`r${k.row}c${COL.blp}|ib|${formatLapMs(k.bestMs)}`] : []),
        `r${k.row}c${COL.tlp}|in|${k.laps}`,
        `r${k.row}c${COL.gap}|in|${gapText(e.view, k)}`,
      ];
      for (const other of e.view) {
        lines.push(`r${other.row}c${COL.rk}||${other.position}`, `r${other.row}|#|${other.position}`);
      }
      // The `*` value is the feed's own crossing timer, not the lap time.
      lines.push(`r${k.row}|*|${e.lapMs + 300}|`);
      return `${lines.join('\n')}\n`;
    }
    case 'pit-in':
      return `r${e.kart.row}c${COL.sta}|si|\nr${e.kart.row}c${COL.pit}|in|${e.kart.pits}\nr${e.kart.row}|*in|0\n`;
    case 'pit-out':
      return `r${e.kart.row}c${COL.sta}|so|\nr${e.kart.row}|*out|0\n`;
    case 'flag':
      return `light|${LIGHT[e.flag]}|\n`;
  }
}

// ---------- the RMonitor encoding ----------

function rmTime(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const d = Math.round(ms % 1000);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(d).padStart(3, '0')}`;
}

const RM_FLAG: Record<SimFlag, string> = {
  green: 'Green ',
  yellow: 'Yellow',
  red: 'Red   ',
  chequered: 'Finish',
};

/** A level-3 refresh: run, classes, competitors, standings. */
export function rmonitorRefresh(model: RaceModel): string[] {
  const lines = ['$B,1,"Marshal Simulated Race"', '$C,1,"SENIOR"', '$E,"TRACKNAME","Marshal Park"'];
  for (const k of model.karts) {
    const [last, first] = k.driver.split(' ');
    lines.push(`$A,"${k.kart}","${k.kart}",${4_000_000 + Number(k.kart)},"${first}","${last}","",1`);
    lines.push(`$COMP,"${k.kart}","${k.kart}",1,"${first}","${last}","","${k.team}"`);
  }
  for (const k of model.karts) {
    lines.push(`$G,${k.position},"${k.kart}",${k.laps || ''},"${rmTime(k.totalMs)}"`);
    lines.push(`$H,${k.position},"${k.kart}",${k.laps},"${rmTime(k.bestMs ?? 0)}"`);
  }
  return lines;
}

export function rmonitorHeartbeat(model: RaceModel, now: number): string {
  const tod = new Date(now).toISOString().slice(11, 19);
  return `$F,9999,"${rmTime(Math.max(0, model.endsAt - now)).slice(0, 8)}","${tod}","${rmTime(now - model.startMs).slice(0, 8)}","${RM_FLAG[model.flag]}"`;
}

export function rmonitorLines(e: RaceEvent): string[] {
  if (e.type !== 'crossing') return [];
  const k = e.kart;
  return [
    `$J,"${k.kart}","${rmTime(e.lapMs)}","${rmTime(k.totalMs)}"`,
    ...e.view.map((o) => `$G,${o.position},"${o.kart}",${o.laps},"${rmTime(o.totalMs)}"`),
    `$H,${k.position},"${k.kart}",${k.laps},"${rmTime(k.bestMs ?? 0)}"`,
  ];
}

// ---------- servers ----------

export class FeedServers {
  readonly wss: WebSocketServer;
  readonly tcp: Server;
  private tcpClients = new Set<Socket>();
  /** Sent to each joining WebSocket client before anything live. */
  joinMessage: () => string | null = () => null;
  joinLines: () => string[] = () => [];
  /** Bytes clients sent (a console must send none): reported at the end. */
  received = 0;

  private constructor(wss: WebSocketServer, tcp: Server) {
    this.wss = wss;
    this.tcp = tcp;
    wss.on('connection', (ws: WebSocket) => {
      ws.on('message', (d) => (this.received += String(d).length));
      const m = this.joinMessage();
      if (m) ws.send(m);
    });
    tcp.on('connection', (s) => {
      this.tcpClients.add(s);
      s.on('data', (d) => (this.received += d.length));
      s.on('close', () => this.tcpClients.delete(s));
      s.on('error', () => {});
      const lines = this.joinLines();
      if (lines.length) s.write(lines.map((l) => `${l}\r\n`).join(''));
    });
  }

  static async start(wsPort = 0, tcpPort = 0, host = '127.0.0.1'): Promise<FeedServers> {
    const wss = new WebSocketServer({ port: wsPort, host });
    await new Promise<void>((res, rej) => {
      wss.once('listening', () => res());
      wss.once('error', rej);
    });
    const tcp = createServer();
    await new Promise<void>((res, rej) => {
      tcp.once('error', rej);
      tcp.listen(tcpPort, host, () => res());
    });
    return new FeedServers(wss, tcp);
  }

  get wsUrl(): string {
    const a = this.wss.address();
    return `ws://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`;
  }

  get tcpUrl(): string {
    const a = this.tcp.address();
    return `tcp://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  sendWs(msg: string): void {
    for (const c of this.wss.clients) if (c.readyState === c.OPEN) c.send(msg);
  }

  sendTcp(lines: string[]): void {
    if (!lines.length) return;
    const text = lines.map((l) => `${l}\r\n`).join('');
    for (const s of this.tcpClients) s.write(text);
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    for (const s of this.tcpClients) s.destroy();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.tcp.close(() => r()));
  }
}

// ---------- recordings ----------

export interface ReplayUnit {
  /** Offset from the recording's start, ms. */
  at: number;
  protocol: 'apex' | 'rmonitor';
  data: string;
}

/** Reads a recording in any of the formats of ../shared/data/karting (see its MANIFEST.md). */
export function readRecording(text: string): ReplayUnit[] {
  const out: ReplayUnit[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const first = lines.find((l) => l.trim() !== '') ?? '';
  if (first.startsWith('{')) {
    let t0: number | null = null;
    for (const l of lines) {
      if (!l.trim()) continue;
      let o: { t?: number; msg?: string; raw?: string; event_meta?: unknown; v?: number };
      try {
        o = JSON.parse(l) as typeof o;
      } catch {
        continue;
      }
      const data = o.msg ?? o.raw;
      if (data === undefined || typeof o.t !== 'number') continue;
      // apex-analyzer files count seconds from the start; StintPro's hold epoch milliseconds.
      const ms = o.msg !== undefined ? o.t * 1000 : o.t;
      t0 ??= ms;
      out.push({ at: Math.max(0, Math.round(ms - t0)), protocol: 'apex', data });
    }
    return out;
  }
  let t0: number | null = null;
  let now: number | null = null;
  let beats = 0;
  for (const raw of lines) {
    const l = raw.replace(/\r$/, '').replace(/^\uFEFF/, '');
    const packet = /^##(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)/.exec(l);
    if (packet) {
      now = Date.parse(`${packet[1]}T${packet[2]}Z`);
      t0 ??= now;
      continue;
    }
    if (l.startsWith('#') || !l.trim()) continue;
    const stamped = /^(\d{4}-\d\d-\d\dT\S+Z) (.*)$/.exec(l);
    let line = l;
    if (stamped) {
      now = Date.parse(stamped[1]!);
      t0 ??= now;
      line = stamped[2]!;
    } else if (now === null) {
      // No receive times (bare IMSA samples): the once-a-second heartbeat is the clock.
      if (line.startsWith('$F,')) beats++;
      out.push({ at: beats * 1000, protocol: 'rmonitor', data: line });
      continue;
    }
    out.push({ at: now - (t0 ?? now), protocol: 'rmonitor', data: line });
  }
  return out;
}

// ---------- the CLI ----------

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

/** True when these flags are the karting scenario's (the CLI hands them over). */
export function isKartingInvocation(argv: string[]): boolean {
  return (
    argv.includes('--replay') ||
    argv.some((a, i) => (a === '--scenario' && argv[i + 1] === 'karting') || a === '--scenario=karting')
  );
}

export async function runKartingCli(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        replay: { type: 'string' },
        speed: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        karts: { type: 'string' },
        'ws-port': { type: 'string' },
        'tcp-port': { type: 'string' },
        loop: { type: 'boolean' },
        'broker-url': { type: 'string' },
        quiet: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`simulate: ${(err as Error).message}\n`);
    return 2;
  }
  const speed = Number(values.speed ?? (values.replay ? '1' : '1'));
  if (!Number.isFinite(speed) || speed <= 0 || speed > 10_000) {
    process.stderr.write('simulate: --speed must be a number > 0\n');
    return 2;
  }
  const durationS = values.duration === undefined ? null : Number(values.duration);
  const servers = await FeedServers.start(Number(values['ws-port'] ?? 0), Number(values['tcp-port'] ?? 0));
  log(`karting apex: ${servers.wsUrl}`);
  log(`karting rmonitor: ${servers.tcpUrl}`);
  let stopping = false;
  const timers: NodeJS.Timeout[] = [];
  const done = new Promise<void>((resolve) => {
    const stop = () => {
      if (stopping) return;
      stopping = true;
      timers.forEach((t) => clearInterval(t));
      void servers.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (durationS !== null) timers.push(setTimeout(stop, durationS * 1000));
    if (values.replay) replay(values.replay, servers, speed, !!values.loop, timers, stop);
    else simulate(servers, speed, Number(values.karts ?? 12), values.seed ?? String(Date.now()), timers);
  });
  await done;
  log(`simulate: karting done; clients sent ${servers.received} bytes to the feeds`);
  return 0;
}

function simulate(
  servers: FeedServers,
  speed: number,
  karts: number,
  seed: string,
  timers: NodeJS.Timeout[],
) {
  const realStart = Date.now();
  const modelNow = () => realStart + (Date.now() - realStart) * speed;
  const model = new RaceModel(createRng(seed), realStart, karts, 52_000, 30 * 60_000);
  servers.joinMessage = () => apexInitMessage(model);
  servers.joinLines = () => rmonitorRefresh(model);
  log(`simulate: karting race, ${karts} karts, seed ${seed}, speed ${speed}×`);
  timers.push(
    setInterval(() => {
      for (const e of model.advance(modelNow())) {
        servers.sendWs(apexMessage(e));
        servers.sendTcp(rmonitorLines(e));
      }
    }, 20),
    setInterval(() => servers.sendTcp([rmonitorHeartbeat(model, modelNow())]), 1000 / Math.min(speed, 20)),
    setInterval(() => servers.sendTcp(rmonitorRefresh(model)), 60_000 / Math.min(speed, 60)),
    setInterval(
      () => servers.sendWs(`dyn1|countdown|${Math.max(0, model.endsAt - modelNow())}\n`),
      30_000 / Math.min(speed, 30),
    ),
  );
}

function replay(
  file: string,
  servers: FeedServers,
  speed: number,
  loop: boolean,
  timers: NodeJS.Timeout[],
  stop: () => void,
) {
  const units = readRecording(readFileSync(file, 'utf8'));
  const protocol = units[0]?.protocol ?? 'apex';
  log(`simulate: replaying ${units.length} ${protocol} units from ${file} at ${speed}×`);
  // A real server greets a joiner with the grid as it stands: the last init seen stands in.
  let lastInit: string | null = null;
  const rmSeen: string[] = [];
  servers.joinMessage = () => lastInit;
  servers.joinLines = () => rmSeen.slice(-500).filter((l) => /^\$(A|COMP|B|C|E),/.test(l));
  let i = 0;
  let start = Date.now();
  timers.push(
    setInterval(() => {
      const at = (Date.now() - start) * speed;
      const ws: string[] = [];
      const tcp: string[] = [];
      while (i < units.length && units[i]!.at <= at) {
        const u = units[i++]!;
        if (u.protocol === 'apex') {
          if (u.data.includes('init|')) lastInit = u.data;
          ws.push(u.data);
        } else {
          tcp.push(u.data);
          rmSeen.push(u.data);
          if (rmSeen.length > 5000) rmSeen.splice(0, 1000);
        }
      }
      for (const m of ws) servers.sendWs(m);
      servers.sendTcp(tcp);
      if (i >= units.length) {
        if (loop) {
          i = 0;
          start = Date.now();
        } else {
          log('simulate: replay finished');
          stop();
        }
      }
    }, 10),
  );
}
