/**
 * The games and gateways capability (issue 4): whack-a-mole cabinets, cognitive-task telemetry,
 * field gateways, leaderboards, the spectator page and the exports. Ingest of all three families
 * is the spine's; this module answers hellos with configs, raises the console's threshold alerts,
 * serves the read models the migrations' triggers keep (sessions, task events, readings), and the
 * HTTP interfaces of domain.md §6–§8.
 */
import type { MarshalEvent } from '../../src-shared/events/model';
import { ContractError, type Handlers } from '../../src-shared/contract';
import { RejectError } from '../../src-shared/ingest';
import { TASK_LEADERBOARD_DEFAULTS } from '../../src-shared/ranking';
import type { TaskLeaderboardRow } from '../../src-shared/contract/games';
import type { CoreModule, ModuleFactory, Plugin } from '../core/module';
import { CONSOLE_ALERTS_TOPIC, Gateways } from './gateways';
import { gamesContractRoutes, registerGamesRoutes } from './routes';
import { GameSessions } from './sessions';
import { SpectatorAssets } from './spectator';
import { TaskEvents } from './tasks';
import { Cabinets } from './whackamole';
import { NeuroAccounts } from './neuro-auth';
import { originalTaskBoard, type OriginalBoardRow } from '../../src-shared/ranking/neuro-original';
import { WHAC_GAME } from '../../src-shared/ingest/whac';

import { GAMES_MIGRATIONS } from './migrations';

const HOUR_S = 3600;
const CACHE_ENTRIES = 64;

/** Results cached per query until the data they read changes (the spectator page asks often). */
class VersionedCache<T> {
  private version = 0;
  private entries = new Map<string, { version: number; value: T }>();

  bump(): void {
    this.version++;
    this.entries.clear();
  }

  get(key: string, compute: () => T): T {
    const hit = this.entries.get(key);
    if (hit && hit.version === this.version) return hit.value;
    const value = compute();
    if (this.entries.size >= CACHE_ENTRIES) this.entries.clear();
    this.entries.set(key, { version: this.version, value });
    return value;
  }
}

function contractError(err: unknown): never {
  if (err instanceof RejectError) throw new ContractError(err.message);
  throw err;
}

export const gamesModule: ModuleFactory = (ctx) => {
  const db = ctx.store.db;
  const sessions = new GameSessions(db);
  const tasks = new TaskEvents(db);
  const gateways = new Gateways(db, ctx.devices);
  const cabinets = new Cabinets(ctx, sessions);
  const spectator = new SpectatorAssets();
  const sessionBoards = new VersionedCache<ReturnType<GameSessions['leaderboard']>>();
  const taskBoards = new VersionedCache<TaskLeaderboardRow[]>();
  const originalBoards = new VersionedCache<OriginalBoardRow[]>();
  const accounts = new NeuroAccounts(db);
  const counters = { httpEvents: 0, httpDuplicates: 0, alertErrors: 0 };
  let off: (() => void) | null = null;

  const onBatch = (events: readonly MarshalEvent[]) => {
    let newSessions = 0;
    let newTasks = false;
    for (const e of events) {
      if (e.kind === 'game.session') newSessions++;
      else if (e.kind === 'task.result' || e.kind === 'game.event') newTasks = true;
    }
    if (newSessions) {
      sessionBoards.bump();
      sessions.refreshCount();
    }
    if (newTasks) {
      taskBoards.bump();
      originalBoards.bump();
    }
    cabinets.onEvents(events);
    try {
      const alerts = gateways.evaluate(events);
      if (alerts.length) ctx.record(alerts, CONSOLE_ALERTS_TOPIC);
    } catch {
      counters.alertErrors++;
    }
  };

  const taskLeaderboard = (limit: number, minTasks: number) => ({
    entries: taskBoards.get(`${limit}/${minTasks}`, () => tasks.leaderboard({ limit, min_tasks: minTasks })),
  });

  const handlers: Partial<Handlers> = {
    'games.leaderboard': (req) => {
      const q = req ?? {};
      return { entries: sessionBoards.get(JSON.stringify(q), () => sessions.leaderboard(q)) };
    },
    'games.options': () => sessions.options(),
    'games.sessions': (req) => {
      try {
        return sessions.list(req ?? {});
      } catch (err) {
        if (err instanceof RangeError) throw new ContractError(err.message);
        throw err;
      }
    },
    'games.tasks.leaderboard': (req) => {
      const minTasks = req?.min_tasks ?? TASK_LEADERBOARD_DEFAULTS.min_tasks;
      return {
        ...taskLeaderboard(req?.limit ?? TASK_LEADERBOARD_DEFAULTS.limit, minTasks),
        min_tasks: minTasks,
      };
    },
    'games.export': (req) => {
      const out = req.what === 'sessions' ? sessions.csv() : tasks.csv();
      return { filename: `${req.what}.csv`, ...out };
    },
    'games.cabinets': () => ({ cabinets: cabinets.list() }),
    'games.cabinet.command': (req) => cabinets.command(req),
    'gateways.list': () => ({ gateways: gateways.list() }),
    'gateways.readings': (req) => ({
      device_id: req.device_id,
      series: gateways.readings(req.device_id, Date.now() - (req.seconds ?? HOUR_S) * 1000),
    }),
    'gateways.thresholds.get': () => gateways.getThresholds(),
    'gateways.thresholds.set': (req) => {
      try {
        return gateways.setThresholds(req.thresholds);
      } catch (err) {
        return contractError(err);
      }
    },
    'gateways.alerts.list': (req) => gateways.alerts(req ?? {}),
    'gateways.alerts.ack': (req) => {
      const alert = gateways.acknowledge(req.id, req.by, req.note);
      if (!alert) throw new ContractError(`no alert with id ${req.id}`, 404);
      return { alert };
    },
  };

  const module: CoreModule = {
    name: 'games',
    handlers,
    contractRoutes: gamesContractRoutes,
    routes: (app) =>
      registerGamesRoutes(app, {
        ctx,
        handlers,
        tasks,
        spectator,
        originalBoard: (limit, minTasks) =>
          originalBoards.get(`${limit}/${minTasks}`, () =>
            originalTaskBoard(tasks.boardRows(), limit, minTasks),
          ),
        accounts,
        onHttpEvents: (stored, duplicates) => {
          counters.httpEvents += stored;
          counters.httpDuplicates += duplicates;
        },
      }),
    start() {
      off = ctx.onCommitted((batch) => onBatch(batch.events));
    },
    stop() {
      off?.();
      off = null;
    },
    // The SEED whack-a-mole backend's `/api/stats` fields sit beside Marshal's own.
    stats: () => ({ sessions: sessions.count(), ...sessions.seedStats(WHAC_GAME) }),
  };
  return module;
};

export const gamesPlugin: Plugin = { name: 'games', migrations: GAMES_MIGRATIONS, create: gamesModule };
