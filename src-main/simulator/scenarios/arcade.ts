/**
 * `arcade`: whack-a-mole cabinets on the domain.md §6 tree. Each cabinet connects with a retained
 * offline status as its last will, says hello (the console answers with its config, which it
 * applies), keeps a retained status (idle / playing, battery, RSSI), and plays rounds with
 * players from a roster, publishing each finished session (QoS 1). Session ids are UUIDs on some
 * cabinets and counters on others, as firmware does both; now and then a cabinet publishes a
 * session twice (a firmware retry), which the console must store once. Commands on
 * `whackamole/{id}/command` are carried out and acknowledged on `whackamole/{id}/ack`.
 *
 * Rounds are shortened (8–15 s of play instead of the configured game duration) so a demo and the
 * tests see sessions quickly; scores are what that much play earns.
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
    this.topic = (leaf) => `whackamole/${id}/${leaf}`;
    this.battery = rng.int(70, 100);
    this.rssi = rng.int(-70, -48);
  }

  statusBody(online: boolean, now: number): string {
    return JSON.stringify({
      device_id: this.id,
      online,
      state: online && this.round ? 'playing' : 'idle',
      battery: this.battery,
      rssi: this.rssi,
      timestamp: isoAt(now),
    });
  }

  nextSessionId(): string | number {
    this.counter++;
    return this.counterIds ? this.counter : uuidFrom(this.rng);
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
      const will = {
        topic: `whackamole/${id}/status`,
        payload: JSON.stringify({
          device_id: id,
          online: false,
          state: 'idle',
          timestamp: isoAt(ctx.createdMs),
        }),
        qos: 1 as const,
        retain: true,
      };
      const cabinet = new Cabinet(id, ctx.channels.open(id, will), rng, k % 2 === 1);
      this.cabinets.push(cabinet);
      cabinet.channel.subscribe?.(cabinet.topic('config'), (_t, payload) => this.onConfig(cabinet, payload));
      cabinet.channel.subscribe?.(cabinet.topic('command'), (_t, payload) =>
        this.onCommand(cabinet, payload),
      );
    });
  }

  start(now: number): void {
    this.lastNow = now;
    this.queue.clear();
    for (const cab of this.cabinets) {
      cab.channel.publish(
        cab.topic('hello'),
        JSON.stringify({ device_id: cab.id, firmware: FIRMWARE, timestamp: isoAt(now) }),
        { qos: 1 },
        'status',
      );
      this.c.hellos++;
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
      cab.channel.publish(
        cab.topic('status'),
        cab.statusBody(false, now),
        { qos: 1, retain: true },
        'status',
      );
    }
  }

  counters(): Record<string, number> {
    return { ...this.c };
  }

  private status(cab: Cabinet, at: number, periodic: boolean): void {
    cab.channel.publish(cab.topic('status'), cab.statusBody(true, at), { qos: 1, retain: true }, 'status');
    this.c.status_messages++;
    if (periodic) {
      // Batteries drain while the cabinet runs; RSSI wanders.
      if (cab.rng.chance(0.3)) cab.battery = Math.max(5, cab.battery - 1);
      cab.rssi = Math.max(-90, Math.min(-40, cab.rssi + cab.rng.int(-2, 2)));
      this.queue.schedule(at + STATUS_PERIOD_MS, (t) => this.status(cab, t, true));
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
    this.status(cab, at, false);
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
    const body = JSON.stringify({
      device_id: cab.id,
      session_id: cab.nextSessionId(),
      player: round.player.name,
      difficulty: round.difficulty,
      started_at: isoAt(round.startedAt),
      ended_at: isoAt(at),
      score: result.score,
      hits: result.hits,
      misses: result.misses,
      wrong_hits: result.wrong_hits,
      reaction_ms: result.reaction_ms,
      complete,
    });
    cab.channel.publish(cab.topic('session'), body, { qos: 1 }, 'other');
    this.c.sessions++;
    this.ctx.log(
      `arcade: ${cab.id} ${round.player.name} scored ${result.score} (${round.difficulty}, ${result.hits} hits)`,
    );
    if (cab.rng.chance(REPEAT_CHANCE)) {
      this.queue.schedule(at + cab.rng.int(500, 2000), () => {
        cab.channel.publish(cab.topic('session'), body, { qos: 1 }, 'other');
        this.c.session_repeats++;
      });
    }
    this.status(cab, at, false);
    this.queue.schedule(at + cab.rng.int(BETWEEN_ROUNDS_MS.min, BETWEEN_ROUNDS_MS.max), (t) =>
      this.beginRound(cab, t),
    );
  }

  private onConfig(cab: Cabinet, payload: string): void {
    if (payload.length === 0) return; // a cleared retained config
    let cfg: Partial<CabinetSettings>;
    try {
      cfg = JSON.parse(payload) as Partial<CabinetSettings>;
    } catch {
      return;
    }
    const next = { ...cab.settings };
    if (typeof cfg.difficulty === 'string' && cfg.difficulty in DIFFICULTIES)
      next.difficulty = cfg.difficulty;
    for (const k of ['game_duration_s', 'mole_up_ms', 'spawn_interval_ms', 'volume', 'version'] as const) {
      const v = cfg[k];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) next[k] = v;
    }
    cab.settings = next;
    this.c.configs_received++;
  }

  private onCommand(cab: Cabinet, payload: string): void {
    this.c.commands_received++;
    let cmd: { command_id?: unknown; command?: unknown; args?: unknown };
    try {
      cmd = JSON.parse(payload) as typeof cmd;
    } catch {
      return; // nothing to acknowledge without a command id
    }
    if (typeof cmd.command_id !== 'string') return;
    const id = cmd.command_id;
    const args = (cmd.args && typeof cmd.args === 'object' ? cmd.args : {}) as Record<string, unknown>;
    // Carried out at the next tick, in the cabinet's timeline.
    this.queue.schedule(this.lastNow, (at) => {
      const ack = (ok: boolean, error?: string) => {
        cab.channel.publish(
          cab.topic('ack'),
          JSON.stringify({ command_id: id, ok, ...(error ? { error } : {}), timestamp: isoAt(at) }),
          { qos: 1 },
          'other',
        );
        this.c.acks++;
      };
      switch (cmd.command) {
        case 'start': {
          if (cab.round) return ack(false, 'busy: a game is in progress');
          const player =
            typeof args.player === 'string' && args.player
              ? { ...cab.rng.pick(PLAYERS), name: args.player.slice(0, 128) }
              : undefined;
          const level = typeof args.difficulty === 'string' ? args.difficulty : undefined;
          ack(true);
          return this.beginRound(cab, at, player, level);
        }
        case 'stop':
          if (!cab.round) return ack(false, 'no game in progress');
          ack(true);
          return this.endRound(cab, at, cab.round.token, false);
        case 'reset':
          cab.round = null;
          cab.token++;
          ack(true);
          this.status(cab, at, false);
          return this.queue.schedule(at + cab.rng.int(BETWEEN_ROUNDS_MS.min, BETWEEN_ROUNDS_MS.max), (t) =>
            this.beginRound(cab, t),
          );
        case 'set_difficulty':
          if (typeof args.difficulty !== 'string' || !(args.difficulty in DIFFICULTIES)) {
            return ack(false, `unknown difficulty (known: ${Object.keys(DIFFICULTIES).join(', ')})`);
          }
          cab.settings = { ...cab.settings, difficulty: args.difficulty };
          return ack(true);
        case 'identify':
          return ack(true);
        default:
          return ack(false, `unknown command ${JSON.stringify(cmd.command ?? null).slice(0, 40)}`);
      }
    });
  }
}

export const arcadeScenario: ScenarioDefinition = {
  family: 'whackamole',
  name: 'arcade',
  description: `whack-a-mole cabinets (${CABINET_IDS.join(', ')}): hello, status with last will, sessions, command acks`,
  create: (ctx) => new ArcadeScenario(ctx),
};
