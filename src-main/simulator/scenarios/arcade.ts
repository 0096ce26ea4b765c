/**
 * `arcade`: whack-a-mole cabinets on the real `whac/<id>/` tree, in both of the originals'
 * protocols (contracts/whackamole.md). cab-01 and cab-02 speak SEED, like the original's fake
 * device: an empty `config_request` (the console answers with the retained config on `commands`,
 * which they apply), a `status` every 30 s, one `game_events` pop per mole, and each finished game
 * as a `GameSession` on `events` (counter ids on one, UUIDs on the other; now and then a session is
 * resent, which the console must store once). cab-03 speaks HEAD, like a real cabinet behind its
 * agent: `state` online with an offline will and a 20 s heartbeat, the `game_events` stream
 * (`session_start`, `pop_result`, `lvl_complete`, `session_end`) that the console scores, and
 * one-byte commands (`S`, `R`, `P`, `1`–`8`, `I`, `D`) that it carries out and never answers.
 *
 * Rounds are shortened (8–15 s of play) so a demo and the tests see sessions quickly.
 */
import { EventQueue, isoAt } from '../clock';
import {
  CABINET_DEFAULTS,
  DIFFICULTIES,
  PLAYERS,
  difficultyOf,
  playRound,
  uuidFrom,
  type CabinetSettings,
  type Player,
} from '../devices/cabinet';
import type { Rng } from '../random';
import type { Channel, Scenario, ScenarioContext, ScenarioDefinition } from '../types';

export const CABINET_IDS = ['cab-01', 'cab-02', 'cab-03'] as const;
export const FIRMWARE = 'wam-2.4.1';
export const STATUS_PERIOD_MS = 30_000;
/** The HEAD agent's heartbeat on `state`. */
export const HEARTBEAT_MS = 20_000;
/** Which cabinet speaks HEAD (the others SEED). */
export const HEAD_CABINET = 'cab-03';
/** HEAD's pop windows per level (emb/src/game.c), ms. */
export const HEAD_WINDOWS_MS = [1500, 1250, 1000, 750, 600, 500, 350, 275] as const;
export const FIRST_ROUND_AFTER_MS = { min: 500, max: 2500 } as const;
export const ROUND_MS = { min: 8000, max: 15000 } as const;
export const BETWEEN_ROUNDS_MS = { min: 3000, max: 9000 } as const;
/** Chance that a finished session is published a second time (a firmware retry). */
export const REPEAT_CHANCE = 0.05;

interface Round {
  player: Player;
  difficulty: string;
  startedAt: number;
  endsAt: number;
  /** Bumped when a round ends early, so its scheduled end is ignored. */
  token: number;
}

class Cabinet {
  readonly topic: (leaf: string) => string;
  settings: CabinetSettings = { ...CABINET_DEFAULTS };
  round: Round | null = null;
  battery: number;
  rssi: number;
  counter = 0;
  token = 0;

  constructor(
    readonly id: string,
    readonly channel: Channel,
    readonly rng: Rng,
    readonly counterIds: boolean,
  ) {
    this.topic = (leaf) => `whac/${id}/${leaf}`;
    this.battery = rng.int(70, 100);
    this.rssi = rng.int(-70, -48);
  }

  /** HEAD state of play: level 1..8, lives left, pops played in the level, paused. */
  level = 1;
  lives = 5;
  pop = 0;
  paused = false;

  get head(): boolean {
    return this.id === HEAD_CABINET;
  }

  statusBody(online: boolean, now: number): string {
    if (this.head)
      return JSON.stringify({
        device_id: this.id,
        ts: Math.round(now),
        status: online ? 'online' : 'offline',
      });
    return JSON.stringify({
      state: online && this.round ? 'playing' : 'idle',
      level: this.round ? 1 : 0,
      pop_index: this.pop,
      lives_left: this.lives,
      ts: Math.round(now),
    });
  }

  nextSessionId(): string {
    this.counter++;
    // The SEED model's session_id is a string: a counter or a UUID, as text.
    return this.counterIds ? String(this.counter) : uuidFrom(this.rng);
  }

  /** One HEAD game event, as the agent sends it: the firmware line plus its device_id and ts. */
  headEvent(body: Record<string, unknown>, at: number): void {
    this.channel.publish(
      this.topic('game_events'),
      JSON.stringify({ ...body, device_id: this.id, ts: Math.round(at) }),
      { qos: 2 },
      'other',
    );
  }
}

class ArcadeScenario implements Scenario {
  private readonly queue = new EventQueue();
  private readonly cabinets: Cabinet[] = [];
  private lastNow: number;
  private readonly c = {
    sessions: 0,
    session_repeats: 0,
    status_messages: 0,
    hellos: 0,
    configs_received: 0,
    commands_received: 0,
    acks: 0,
  };

  constructor(private readonly ctx: ScenarioContext) {
    this.lastNow = ctx.createdMs;
    CABINET_IDS.forEach((id, k) => {
      const rng = ctx.rng.fork(`cabinet:${id}`);
      // SEED devices have no will; the HEAD agent's is `offline` on `state`, QoS 2, not retained.
      const will =
        id === HEAD_CABINET
          ? {
              topic: `whac/${id}/state`,
              payload: JSON.stringify({ device_id: id, ts: Math.round(ctx.createdMs), status: 'offline' }),
              qos: 2 as const,
              retain: false,
            }
          : undefined;
      const cabinet = new Cabinet(id, ctx.channels.open(id, will), rng, k % 2 === 0);
      this.cabinets.push(cabinet);
      cabinet.channel.subscribe?.(cabinet.topic('commands'), (_t, payload) =>
        cabinet.head ? this.onCommand(cabinet, payload) : this.onConfig(cabinet, payload),
      );
    });
  }

  start(now: number): void {
    this.lastNow = now;
    this.queue.clear();
    for (const cab of this.cabinets) {
      if (!cab.head) {
        cab.channel.publish(cab.topic('config_request'), '', { qos: 1 }, 'status');
        this.c.hellos++;
      }
      this.queue.schedule(now, (at) => this.status(cab, at, true));
      const first = now + cab.rng.int(FIRST_ROUND_AFTER_MS.min, FIRST_ROUND_AFTER_MS.max);
      this.queue.schedule(first, (at) => this.beginRound(cab, at));
    }
  }

  tick(now: number): void {
    this.lastNow = now;
    this.queue.runDue(now);
  }

  shutdown(now: number): void {
    for (const cab of this.cabinets) {
      cab.round = null;
      // The agent says offline on a clean exit; SEED devices just stop.
      if (cab.head) cab.channel.publish(cab.topic('state'), cab.statusBody(false, now), { qos: 2 }, 'status');
    }
  }

  counters(): Record<string, number> {
    return { ...this.c };
  }

  private status(cab: Cabinet, at: number, periodic: boolean): void {
    if (cab.head) cab.channel.publish(cab.topic('state'), cab.statusBody(true, at), { qos: 2 }, 'status');
    else cab.channel.publish(cab.topic('status'), cab.statusBody(true, at), { qos: 0 }, 'status');
    this.c.status_messages++;
    if (periodic) {
      // Batteries drain while the cabinet runs; RSSI wanders.
      if (cab.rng.chance(0.3)) cab.battery = Math.max(5, cab.battery - 1);
      cab.rssi = Math.max(-90, Math.min(-40, cab.rssi + cab.rng.int(-2, 2)));
      this.queue.schedule(at + (cab.head ? HEARTBEAT_MS : STATUS_PERIOD_MS), (t) =>
        this.status(cab, t, true),
      );
    }
  }

  private beginRound(cab: Cabinet, at: number, player?: Player, difficulty?: string): void {
    if (cab.round) return;
    const rng = cab.rng;
    const chosen = player ?? rng.pick(PLAYERS);
    // Most rounds at the cabinet's configured difficulty; some players pick another one.
    const level =
      difficulty ?? (rng.chance(0.7) ? cab.settings.difficulty : rng.pick(Object.keys(DIFFICULTIES)));
    const token = ++cab.token;
    const endsAt = at + rng.int(ROUND_MS.min, ROUND_MS.max);
    cab.round = { player: chosen, difficulty: level, startedAt: at, endsAt, token };
    cab.lives = 5;
    cab.pop = 0;
    if (cab.head) {
      cab.level = 1;
      cab.headEvent({ event_type: 'session_start' }, at);
      this.queue.schedule(at + 600, (t) => this.headPop(cab, t, token));
    } else this.status(cab, at, false);
    this.queue.schedule(endsAt, (t) => this.endRound(cab, t, token, true));
  }

  /** Ends the round (on time, or early when stopped) and publishes its session. */
  private endRound(cab: Cabinet, at: number, token: number, complete: boolean): void {
    const round = cab.round;
    if (!round || round.token !== token) return;
    cab.round = null;
    const result = playRound(
      cab.rng,
      round.player,
      difficultyOf(round.difficulty),
      cab.settings,
      at - round.startedAt,
    );
    if (cab.head) {
      cab.headEvent({ event_type: 'session_end', win: complete && cab.lives > 0 && cab.level >= 8 }, at);
      this.c.sessions++;
      this.queue.schedule(at + cab.rng.int(BETWEEN_ROUNDS_MS.min, BETWEEN_ROUNDS_MS.max), (t) =>
        this.beginRound(cab, t),
      );
      return;
    }
    // The fake device's GameSession: per-mole reaction events, the total score.
    const moles = result.hits + result.misses;
    const events = Array.from({ length: moles }, (_, i) => {
      const hit = i < result.hits;
      return {
        mole: cab.rng.int(0, 7),
        hit,
        reaction_ms: hit ? result.reaction_ms[i]! : null,
        score_delta: hit ? 1 : 0,
        ts: isoAt(round.startedAt + Math.round(((i + 1) * (at - round.startedAt)) / (moles + 1))),
      };
    });
    const body = JSON.stringify({
      session_id: cab.nextSessionId(),
      device_id: cab.id,
      player: round.player.name,
      difficulty: round.difficulty,
      duration_ms: Math.round(at - round.startedAt),
      started_at: isoAt(round.startedAt),
      ended_at: isoAt(at),
      total_score: result.score,
      events,
      sensors: { heart_rate_bpm: cab.rng.int(80, 130) },
    });
    cab.channel.publish(cab.topic('events'), body, { qos: 1 }, 'other');
    this.c.sessions++;
    this.ctx.log(
      `arcade: ${cab.id} ${round.player.name} scored ${result.score} (${round.difficulty}, ${result.hits} hits)`,
    );
    if (cab.rng.chance(REPEAT_CHANCE)) {
      this.queue.schedule(at + cab.rng.int(500, 2000), () => {
        cab.channel.publish(cab.topic('events'), body, { qos: 1 }, 'other');
        this.c.session_repeats++;
      });
    }
    this.status(cab, at, false);
    this.queue.schedule(at + cab.rng.int(BETWEEN_ROUNDS_MS.min, BETWEEN_ROUNDS_MS.max), (t) =>
      this.beginRound(cab, t),
    );
  }

  /** The SEED config on `commands` (`{device_id, config: {…}}`, whole or partial). */
  private onConfig(cab: Cabinet, payload: string): void {
    if (payload.length === 0) return; // a cleared retained config
    let cfg: Record<string, unknown>;
    try {
      const msg = JSON.parse(payload) as { config?: unknown };
      if (!msg.config || typeof msg.config !== 'object') return;
      cfg = msg.config as Record<string, unknown>;
    } catch {
      return;
    }
    const next = { ...cab.settings };
    if (typeof cfg.difficulty === 'string' && cfg.difficulty in DIFFICULTIES)
      next.difficulty = cfg.difficulty;
    if (typeof cfg.mole_up_ms === 'number' && cfg.mole_up_ms > 0) next.mole_up_ms = cfg.mole_up_ms;
    if (typeof cfg.game_duration_ms === 'number' && cfg.game_duration_ms > 0)
      next.game_duration_s = Math.round(cfg.game_duration_ms / 1000);
    cab.settings = next;
    this.c.configs_received++;
  }

  /** One HEAD pop: hit, late or a wrong button; 10 pops a level, 8 levels, 5 lives. */
  private headPop(cab: Cabinet, at: number, token: number): void {
    const round = cab.round;
    if (!round || round.token !== token) return;
    if (cab.paused) {
      this.queue.schedule(at + 500, (t) => this.headPop(cab, t, token));
      return;
    }
    const window = HEAD_WINDOWS_MS[cab.level - 1]!;
    const rt = Math.round(Math.max(150, cab.rng.normal(round.player.reactionMs + cab.level * 40, 90)));
    const wrong = cab.rng.chance((1 - round.player.skill) * 0.4);
    const outcome = wrong ? 'miss' : rt < window ? 'hit' : 'late';
    if (outcome !== 'hit') cab.lives--;
    cab.pop++;
    cab.headEvent(
      {
        event_type: 'pop_result',
        mole_id: cab.rng.int(0, 7),
        outcome,
        reaction_ms: outcome === 'late' ? window : rt,
        lives: cab.lives,
        lvl: cab.level,
        pop: cab.pop,
        pops_total: 10,
      },
      at,
    );
    if (cab.lives <= 0) return this.endRound(cab, at + 100, token, false);
    if (cab.pop >= 10) {
      cab.headEvent({ event_type: 'lvl_complete', lvl: cab.level }, at + 50);
      if (cab.level >= 8) return this.endRound(cab, at + 100, token, true);
      cab.level++;
      cab.pop = 0;
    }
    this.queue.schedule(at + window + 200, (t) => this.headPop(cab, t, token));
  }

  /** A HEAD command: the whole payload must be one of the agent's bytes, else it is dropped. */
  private onCommand(cab: Cabinet, payload: string): void {
    this.c.commands_received++;
    if (!/^[SRPID1-8]$/.test(payload)) return;
    this.queue.schedule(this.lastNow, (at) => {
      this.c.acks++; // carried out (nothing is sent back: cabinets never answer)
      if (payload === 'S') return this.beginRound(cab, at);
      if (payload === 'R') {
        if (cab.round) this.endRound(cab, at, cab.round.token, false);
        return;
      }
      if (payload === 'P') {
        cab.paused = !cab.paused;
        return;
      }
      if (payload === 'I') return cab.headEvent({ event_type: 'identify', device_id: cab.id }, at);
      if (payload === 'D') return;
      cab.level = Number(payload);
      cab.pop = 0;
    });
  }
}

export const arcadeScenario: ScenarioDefinition = {
  family: 'whackamole',
  name: 'arcade',
  description: `whack-a-mole cabinets on whac/ (${CABINET_IDS.join(', ')}): SEED config requests, sessions, pops and status; HEAD state with its will, the game stream and one-byte commands`,
  create: (ctx) => new ArcadeScenario(ctx),
};
