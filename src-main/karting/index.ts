/**
 * The karting capability: circuits, one live timing feed connection per circuit (Apex Timing grid
 * feed or RMonitor), its laps, pits, flags and sessions stored as events with every raw unit, the
 * standings, and the karting app's backend (contracts/karting.md), also on `--karting-port`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import { ContractError, type Handlers } from '../../src-shared/contract';
import type { CoreModule, ModuleFactory, Plugin } from '../core/module';
import { KARTING_MIGRATIONS } from './migrations';
import { registerAppRoutes, registerOwnRoutes } from './routes';
import { createHostPolicy, installAccessPolicy } from '../core/access';
import { KartingService } from './service';
import { SpectatorPage } from './spectator';

/** Tuning knobs for tests and odd tracks (a feed that idles longer than a minute and a half). */
function envMs(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export const kartingModule: ModuleFactory = (ctx) => {
  const svc = new KartingService(ctx.store.db, (events, topic) => ctx.record(events, topic), {
    silenceMs: envMs('MARSHAL_KARTING_WATCHDOG_MS', 90_000),
    sessionSilenceMs: envMs('MARSHAL_KARTING_SESSION_SILENCE_MS', 30 * 60_000),
    backoffBaseMs: envMs('MARSHAL_KARTING_BACKOFF_MS', 1000),
    backoffCapMs: envMs('MARSHAL_KARTING_BACKOFF_CAP_MS', 60_000),
  });
  const spectator = new SpectatorPage();
  let second: FastifyInstance | null = null;
  let secondUrl: string | null = null;

  const handlers: Partial<Handlers> = {
    'karting.circuits': () => ({ circuits: svc.repo.circuits().map((c) => svc.circuitRow(c)) }),
    'karting.circuit.put': (req) => {
      const c = svc.put(req.id, {
        nom: req.nom,
        wssUrl: req.wssUrl,
        liveTimingUrl: req.liveTimingUrl,
        protocol: req.protocol,
        ...(req.labels ?? {}),
      });
      return { circuit: svc.circuitRow(c) };
    },
    'karting.circuit.delete': (req) => {
      if (!svc.remove(req.id)) throw new ContractError(`no circuit ${req.id}`, 404);
      return { deleted: req.id };
    },
    'karting.capture': (req) => {
      if (req.action === 'start') svc.startTiming(req.id, 'operator');
      else svc.stopTiming(req.id, 'operator');
      return svc.collectorStatus(svc.runtime(req.id)!);
    },
    'karting.status': (req) => {
      const rt = svc.runtime(req.id);
      if (!rt) throw new ContractError(`no circuit ${req.id}`, 404);
      return svc.collectorStatus(rt);
    },
    'karting.standings': (req) => {
      const id =
        req?.circuit ??
        svc.repo.circuits().find((c) => svc.runtime(c.id)!.isRunning())?.id ??
        svc.repo.circuits()[0]?.id;
      return id ? svc.standings(id) : null;
    },
  };

  const module: CoreModule = {
    name: 'karting',
    handlers,
    routes: async (app) => {
      await registerAppRoutes(app, svc, { standalone: false });
      registerOwnRoutes(app, svc, ctx.config, spectator);
    },
    async start() {
      svc.start();
      const port = ctx.config.kartingPort;
      if (port === undefined) return;
      second = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
      // The same Host and Origin policy as the main host, first, so every route is covered.
      installAccessPolicy(
        second,
        createHostPolicy({ lan: ctx.config.lan, allowedHosts: ctx.config.allowedHosts }),
      );
      await second.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
      await registerAppRoutes(second, svc, { standalone: true });
      const host = ctx.config.lan ? '0.0.0.0' : '127.0.0.1';
      await second.listen({ port, host });
      const addr = second.server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      secondUrl = `http://127.0.0.1:${bound}`;
    },
    async stop() {
      svc.stop();
      await second?.close();
      second = null;
    },
    urls: () => (secondUrl ? [`karting: ${secondUrl}`] : []),
    health(h) {
      let running = 0;
      let connected = 0;
      for (const rt of svc.runtimesList()) {
        if (!rt.isRunning()) continue;
        running++;
        if (rt.isConnected()) connected++;
      }
      h.feeds = { state: connected < running ? 'degraded' : 'up', running, connected };
    },
  };
  return module;
};

export const kartingPlugin: Plugin = {
  name: 'karting',
  migrations: KARTING_MIGRATIONS,
  create: kartingModule,
};
