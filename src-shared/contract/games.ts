/**
 * The games capability's part of the contract: request schemas and the command map fragment.
 * Add names to names.ts, schemas here, and handlers in the main-process module.
 *
 * Games: whack-a-mole sessions and cognitive-task results (leaderboards, sessions, exports,
 * cabinets). Gateways: readings, console thresholds, alerts and their acknowledgement.
 */
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../ids';
import { thresholdSchema, type Threshold } from '../ingest/gateway';

const deviceId = z.string().regex(DEVICE_ID_PATTERN);
const empty = z.object({}).strict().optional();
const label = z.string().min(1).max(128);

export const GAMES_LIMITS = {
  leaderboard: 10_000,
  sessions: 1000,
  tasksLeaderboard: 10_000,
  readingsSeconds: 7 * 24 * 3600,
  alerts: 1000,
} as const;

export const gamesCommandSchemas = {
  'games.leaderboard': z
    .object({
      game: label.optional(),
      difficulty: z.string().min(1).max(32).optional(),
      device_id: deviceId.optional(),
      limit: z.number().int().min(1).max(GAMES_LIMITS.leaderboard).optional(),
      /** Minimum attempts: players with fewer sessions (after the filters) are left out. */
      min_sessions: z.number().int().min(1).max(1_000_000).optional(),
    })
    .strict()
    .optional(),
  'games.options': empty,
  'games.sessions': z
    .object({
      device_id: deviceId.optional(),
      player: label.optional(),
      limit: z.number().int().min(1).max(GAMES_LIMITS.sessions).optional(),
      /** Cursor from a previous page's `next`. */
      before: z.string().max(32).optional(),
    })
    .strict()
    .optional(),
  'games.tasks.leaderboard': z
    .object({
      limit: z.number().int().min(1).max(GAMES_LIMITS.tasksLeaderboard).optional(),
      min_tasks: z.number().int().min(0).max(1_000_000).optional(),
    })
    .strict()
    .optional(),
  'games.export': z.object({ what: z.enum(['sessions', 'tasks']) }).strict(),
  'games.cabinets': empty,
  'games.cabinet.command': z
    .object({
      device_id: deviceId,
      command: z.enum(['start', 'reset', 'pause', 'set_level', 'identify', 'disconnect']),
      args: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  'gateways.list': empty,
  'gateways.readings': z
    .object({
      device_id: deviceId,
      /** How far back, default one hour. */
      seconds: z.number().int().min(1).max(GAMES_LIMITS.readingsSeconds).optional(),
    })
    .strict(),
  'gateways.thresholds.get': empty,
  'gateways.thresholds.set': z.object({ thresholds: z.array(thresholdSchema).max(256) }).strict(),
  'gateways.alerts.list': z
    .object({
      device_id: deviceId.optional(),
      state: z.enum(['open', 'acknowledged', 'all']).optional(),
      limit: z.number().int().min(1).max(GAMES_LIMITS.alerts).optional(),
    })
    .strict()
    .optional(),
  'gateways.alerts.ack': z
    .object({
      id: z.number().int().min(1),
      /** Who acknowledges (the operator's name): kept with the time as the audit record. */
      by: z.string().trim().min(1).max(64),
      note: z.string().max(500).optional(),
    })
    .strict(),
} satisfies Record<string, z.ZodType>;

type S = typeof gamesCommandSchemas;

export interface SessionLeaderboardRow {
  rank: number;
  player: string;
  best_score: number;
  /** The mean score of the player's sessions (the original backend's field). */
  average_score: number;
  sessions: number;
  /** ISO-8601 UTC. */
  last_played: string;
}

export interface TaskLeaderboardRow {
  rank: number;
  user_id: string;
  tasks: number;
  correct: number;
  /** 0..1 */
  accuracy: number;
  mean_rt_ms: number | null;
}

export interface GameSessionRow {
  /** The stored event's id. */
  id: number;
  device_id: string;
  session_id: string;
  game: string;
  player: string;
  difficulty: string | null;
  score: number;
  hits: number | null;
  misses: number | null;
  wrong_hits: number | null;
  started_at: string | null;
  ended_at: string;
  duration_ms: number | null;
  complete: boolean | null;
  received_at: string;
}

export interface GameOptions {
  games: string[];
  difficulties: string[];
  devices: string[];
}

export interface CabinetRow {
  device_id: string;
  online: boolean;
  /** `idle` | `playing` as the cabinet reports it, or null. */
  state: string | null;
  battery: number | null;
  rssi: number | null;
  firmware: string | null;
  last_seen: string | null;
  sessions: number;
  last_session_at: string | null;
}

export interface CommandSent {
  id: string;
  state: string;
}

export interface GatewayLatest {
  zone: string;
  metric: string;
  value: number;
  unit: string | null;
  /** ISO-8601 UTC. */
  ts: string;
}

export interface GatewayRow {
  device_id: string;
  online: boolean;
  last_seen: string | null;
  latest: GatewayLatest[];
  open_alerts: number;
}

export interface ReadingSeries {
  zone: string;
  metric: string;
  unit: string | null;
  /** [epoch ms, value], oldest first. */
  points: [number, number][];
}

export interface AlertRow {
  /** The stored alert event's id. */
  id: number;
  source: 'device' | 'console';
  device_id: string;
  alert_type: string;
  severity: string;
  message: string | null;
  zone: string | null;
  metric: string | null;
  value: number | null;
  threshold: number | null;
  /** ISO-8601 UTC. */
  ts: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  note: string | null;
  /**
   * A device alert the gateway kept re-sending is one alert: how many messages it folds (1: sent
   * once) and the newest one's time.
   */
  repeats?: number;
  last_ts?: string;
}

export interface GamesCommandMap {
  'games.leaderboard': { req: z.infer<S['games.leaderboard']>; res: { entries: SessionLeaderboardRow[] } };
  'games.options': { req: z.infer<S['games.options']>; res: GameOptions };
  'games.sessions': {
    req: z.infer<S['games.sessions']>;
    res: { sessions: GameSessionRow[]; next: string | null; total: number };
  };
  'games.tasks.leaderboard': {
    req: z.infer<S['games.tasks.leaderboard']>;
    res: { entries: TaskLeaderboardRow[]; min_tasks: number };
  };
  'games.export': { req: z.infer<S['games.export']>; res: { filename: string; csv: string; rows: number } };
  'games.cabinets': { req: z.infer<S['games.cabinets']>; res: { cabinets: CabinetRow[] } };
  'games.cabinet.command': { req: z.infer<S['games.cabinet.command']>; res: CommandSent };
  'gateways.list': { req: z.infer<S['gateways.list']>; res: { gateways: GatewayRow[] } };
  'gateways.readings': {
    req: z.infer<S['gateways.readings']>;
    res: { device_id: string; series: ReadingSeries[] };
  };
  'gateways.thresholds.get': {
    req: z.infer<S['gateways.thresholds.get']>;
    res: { thresholds: Threshold[]; defaults: Threshold[] };
  };
  'gateways.thresholds.set': {
    req: z.infer<S['gateways.thresholds.set']>;
    res: { thresholds: Threshold[]; defaults: Threshold[] };
  };
  'gateways.alerts.list': {
    req: z.infer<S['gateways.alerts.list']>;
    res: { alerts: AlertRow[]; open: number };
  };
  'gateways.alerts.ack': { req: z.infer<S['gateways.alerts.ack']>; res: { alert: AlertRow } };
}
