/**
 * `neurogame`: cognitive-task games (domain.md §7). A game client left at its defaults posts
 * batches of events to `POST /v1/events` (NEUROGAME_TELEMETRY_URL, default
 * `http://127.0.0.1:8000/v1/events`, key `dev-key-change-me`), and a kiosk publishes the same
 * body (without the key) on `neurogame/{client_id}/events`. Players run sessions of tasks:
 * `session_start`, many `task_result` (correct or not, a reaction time — now and then an
 * anticipation under 100 ms), `session_end`.
 *
 * The HTTP client behaves like the real one: events are queued and flushed every few seconds;
 * a failed post (network error, 429, 5xx) puts its events back and the client backs off with
 * jitter, posting them again later with the same event ids; 4xx other than 429 drops the batch.
 * Now and then it posts a batch twice (a retry after a lost response): the console must store
 * each event once.
 */
import { isoAt } from '../clock';
import type { Rng } from '../random';
import type { Channel, Scenario, ScenarioContext, ScenarioDefinition } from '../types';

export const DEFAULT_EVENTS_URL = 'http://127.0.0.1:8000/v1/events';
export const DEFAULT_API_KEY = 'dev-key-change-me';
export const KIOSK_ID = 'kiosk-01';
export const CLIENT_VERSION = '1.0.0';
export const MODEL_VERSION = 'baseline_v1';
export const HTTP_FLUSH_MS = 3000;
export const MQTT_FLUSH_MS = 4000;
export const TASK_GAP_MS = { min: 1200, max: 3500 } as const;
export const TASKS_PER_SESSION = { min: 20, max: 40 } as const;
export const REST_MS = { min: 5000, max: 15000 } as const;
export const ANTICIPATION_CHANCE = 0.03;
export const DUPLICATE_POST_CHANCE = 0.03;
/** Events kept while the server cannot be reached; older ones are dropped beyond this. */
export const MAX_PENDING = 5000;
const TASKS = ['stroop', 'flanker', 'nback'] as const;
const BACKOFF = { initialMs: 1000, factor: 1.5, maxMs: 30_000 } as const;

interface User {
  id: string;
  accuracy: number;
  rtMs: number;
  sessionId: string | null;
  tasksLeft: number;
  level: number;
}

export const USERS: readonly { id: string; accuracy: number; rtMs: number; transport: 'http' | 'mqtt' }[] = [
  { id: 'u_01', accuracy: 0.92, rtMs: 520, transport: 'http' },
  { id: 'u_02', accuracy: 0.85, rtMs: 610, transport: 'http' },
  { id: 'u_03', accuracy: 0.78, rtMs: 480, transport: 'http' },
  { id: 'u_04', accuracy: 0.88, rtMs: 700, transport: 'http' },
  { id: 'u_05', accuracy: 0.7, rtMs: 560, transport: 'mqtt' },
  { id: 'u_06', accuracy: 0.95, rtMs: 650, transport: 'mqtt' },
];

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID-shaped event id (48-bit time, 80 random bits from the scenario's stream). */
export function ulid(ms: number, rng: Rng): string {
  let t = Math.max(0, Math.floor(ms));
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[rng.int(0, 31)]!;
  return time + rand;
}

function compact(ms: number): string {
  return isoAt(ms).replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

interface ClientEvent {
  event_id: string;
  event_type: string;
  event_ts: string;
  user_id: string;
  session_id: string;
  model_version: string;
  payload: Record<string, unknown>;
}

/** One game client: its users and its queue of events not yet delivered. */
class GameClient {
  readonly users: User[];
  pending: ClientEvent[] = [];
  nextTaskAt = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly rng: Rng,
    users: readonly { id: string; accuracy: number; rtMs: number }[],
  ) {
    this.users = users.map((u) => ({ ...u, sessionId: null, tasksLeft: 0, level: 1 }));
  }

  private push(e: Omit<ClientEvent, 'event_id' | 'model_version'>, at: number): void {
    this.pending.push({ event_id: ulid(at, this.rng), model_version: MODEL_VERSION, ...e });
  }

  /** Advances every user to `now`: sessions start and end, tasks are answered. */
  play(now: number): number {
    let tasks = 0;
    for (const u of this.users) {
      let at = this.nextTaskAt.get(u.id) ?? now + this.rng.int(0, 3000);
      while (at <= now) {
        if (!u.sessionId) {
          u.sessionId = `s_${compact(at)}_${u.id}`;
          u.tasksLeft = this.rng.int(TASKS_PER_SESSION.min, TASKS_PER_SESSION.max);
          u.level = this.rng.int(1, 3);
          this.push(
            {
              event_type: 'session_start',
              event_ts: isoAt(at),
              user_id: u.id,
              session_id: u.sessionId,
              payload: { level: u.level },
            },
            at,
          );
          at += this.rng.int(TASK_GAP_MS.min, TASK_GAP_MS.max);
          continue;
        }
        const anticipation = this.rng.chance(ANTICIPATION_CHANCE);
        const rt = anticipation
          ? this.rng.int(40, 99)
          : Math.round(Math.max(180, this.rng.normal(u.rtMs + u.level * 40, 120)));
        const correct = anticipation
          ? this.rng.chance(0.5)
          : this.rng.chance(u.accuracy - (u.level - 1) * 0.03);
        this.push(
          {
            event_type: 'task_result',
            event_ts: isoAt(at),
            user_id: u.id,
            session_id: u.sessionId,
            // The game's own task_result record: correct is 0/1, the time is reaction_time (ms).
            payload: {
              timestamp: Math.floor(at / 1000),
              session_id: u.sessionId,
              user_id: u.id,
              task_id: this.rng.pick(TASKS),
              level: u.level,
              mode: 'baseline',
              correct: correct ? 1 : 0,
              reaction_time: rt,
              deadline_met: 1,
            },
          },
          at,
        );
        tasks++;
        u.tasksLeft--;
        if (u.tasksLeft <= 0) {
          this.push(
            {
              event_type: 'session_end',
              event_ts: isoAt(at),
              user_id: u.id,
              session_id: u.sessionId,
              payload: {},
            },
            at,
          );
          u.sessionId = null;
          at += this.rng.int(REST_MS.min, REST_MS.max);
        } else {
          at += this.rng.int(TASK_GAP_MS.min, TASK_GAP_MS.max);
        }
      }
      this.nextTaskAt.set(u.id, at);
    }
    if (this.pending.length > MAX_PENDING) this.pending.splice(0, this.pending.length - MAX_PENDING);
    return tasks;
  }

  take(max = 100): ClientEvent[] {
    return this.pending.splice(0, max);
  }
}

class NeurogameScenario implements Scenario {
  private readonly http: GameClient;
  private readonly kiosk: GameClient;
  private readonly kioskChannel: Channel;
  private readonly url: string;
  private readonly apiKey: string;
  private lastNow: number;
  private nextHttpFlush = 0;
  private nextMqttFlush = 0;
  private backoffMs = 0;
  private outage = false;
  private readonly c = {
    tasks: 0,
    events_posted: 0,
    http_batches: 0,
    http_failures: 0,
    http_rejected: 0,
    duplicate_posts: 0,
    mqtt_batches: 0,
    events_published: 0,
  };

  constructor(private readonly ctx: ScenarioContext) {
    this.lastNow = ctx.createdMs;
    this.url = ctx.eventsUrl ?? DEFAULT_EVENTS_URL;
    this.apiKey = ctx.eventsApiKey ?? DEFAULT_API_KEY;
    this.http = new GameClient(
      'http',
      ctx.rng.fork('client:http'),
      USERS.filter((u) => u.transport === 'http'),
    );
    this.kiosk = new GameClient(
      KIOSK_ID,
      ctx.rng.fork(`client:${KIOSK_ID}`),
      USERS.filter((u) => u.transport === 'mqtt'),
    );
    this.kioskChannel = ctx.channels.open(KIOSK_ID);
  }

  start(now: number): void {
    this.lastNow = now;
    this.nextHttpFlush = now + HTTP_FLUSH_MS;
    this.nextMqttFlush = now + MQTT_FLUSH_MS;
  }

  tick(now: number): void {
    this.lastNow = now;
    this.c.tasks += this.http.play(now) + this.kiosk.play(now);
    if (now >= this.nextHttpFlush) {
      this.nextHttpFlush = now + HTTP_FLUSH_MS + this.backoffMs;
      this.flushHttp();
    }
    if (now >= this.nextMqttFlush) {
      this.nextMqttFlush = now + MQTT_FLUSH_MS;
      this.flushMqtt();
    }
  }

  shutdown(now: number): void {
    this.tick(now);
    this.flushMqtt();
    // HTTP events still queued are lost with the client, as a game that quits loses them.
  }

  counters(): Record<string, number> {
    return { ...this.c };
  }

  private flushMqtt(): void {
    const events = this.kiosk.take(200);
    if (!events.length) return;
    this.kioskChannel.publish(
      `neurogame/${KIOSK_ID}/events`,
      JSON.stringify({ client_version: CLIENT_VERSION, events }),
      { qos: 1 },
      'other',
    );
    this.c.mqtt_batches++;
    this.c.events_published += events.length;
  }

  private flushHttp(): void {
    const http = this.ctx.http;
    if (!http) return;
    const events = this.http.take(100);
    if (!events.length) return;
    const body = JSON.stringify({ api_key: this.apiKey, client_version: CLIENT_VERSION, events });
    this.c.http_batches++;
    const duplicate = this.http.rng.chance(DUPLICATE_POST_CHANCE);
    // `events_posted` counts each event once; the duplicate post of a batch is counted apart.
    const post = (first: boolean): Promise<void> =>
      http.post(this.url, body).then(
        (res) => {
          if (res.status === 200) {
            if (first) this.c.events_posted += events.length;
            this.recovered();
            return;
          }
          if (!first) return;
          if (res.status === 429 || res.status >= 500) return this.failed(events, `HTTP ${res.status}`);
          // 400, 401, 413: sending the same again cannot help.
          this.c.http_rejected++;
          this.ctx.log(
            `neurogame: ${this.url} refused a batch: HTTP ${res.status} ${res.body.slice(0, 200)}`,
          );
        },
        (err: Error) => (first ? this.failed(events, err.message) : undefined),
      );
    void post(true).then(() => {
      if (duplicate) {
        this.c.duplicate_posts++;
        return post(false);
      }
    });
  }

  private failed(events: ClientEvent[], why: string): void {
    this.c.http_failures++;
    // Back to the front of the queue: the same ids go out again.
    this.http.pending.unshift(...events);
    this.backoffMs = Math.min(
      BACKOFF.maxMs,
      Math.max(BACKOFF.initialMs, this.backoffMs * BACKOFF.factor) * (0.8 + 0.4 * this.http.rng.next()),
    );
    this.nextHttpFlush = this.lastNow + this.backoffMs;
    if (!this.outage) {
      this.outage = true;
      this.ctx.log(`neurogame: cannot post to ${this.url} (${why}); retrying with backoff`);
    }
  }

  private recovered(): void {
    this.backoffMs = 0;
    if (this.outage) {
      this.outage = false;
      this.ctx.log(`neurogame: ${this.url} reachable again`);
    }
  }
}

export const neurogameScenario: ScenarioDefinition = {
  family: 'neurogame',
  name: 'neurogame',
  description: `a cognitive-task game client posting to POST /v1/events, and a kiosk (${KIOSK_ID}) on MQTT`,
  create: (ctx) => new NeurogameScenario(ctx),
};
