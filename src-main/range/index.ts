/**
 * Range operations (issue 3): match setup, runs from timer events, impact detection on raw
 * telemetry and correlation with shots, Steel Challenge scoring with an audit trail, the RO
 * screen's state, results and CSV exports. A capability module: see src-main/core/module.ts.
 */
import type { EventKind } from '../../src-shared/events/model';
import { ContractError, type Handlers } from '../../src-shared/contract';
import { encodeCommand } from '../../src-shared/families';
import type { DetectorRow } from '../../src-shared/contract/range';
import type { CoreModule, ModuleFactory, Plugin } from '../core/module';
import type { RawSample } from '../store/store';
import { DetectionService } from './detection';
import { ExportService } from './exports';
import { newId, RangeRepo } from './repo';
import { rangeContractRoutes, rangeRoutes } from './routes';
import { RunService } from './runs';
import { ScoreService } from './score';
import { DEFAULT_TIMER_ID, SetupService } from './setup';

import { rangeMigrations } from './migrations';

const TICK_MS = 100;
const DETECTOR_TICK_MS = 1000;
const REPLAY_KINDS: EventKind[] = ['timer.start', 'timer.shot', 'timer.stop', 'impact'];

export const rangeModule: ModuleFactory = (ctx): CoreModule => {
  const db = ctx.store.db;
  const repo = new RangeRepo(db);
  const now = () => Date.now();
  const setup = new SetupService(repo, now);
  const score = new ScoreService(repo, setup, now);
  const detection = new DetectionService(repo, now);
  const publish = (topic: string, payload: Record<string, unknown>, retain: boolean) => {
    // A broker that is down or reconnecting: the run tables and the event log hold the truth, and
    // statuses are published again on the next change.
    ctx.publish(topic, JSON.stringify(payload), { qos: 1, retain }).catch(() => undefined);
  };
  const runs = new RunService({
    repo,
    setup,
    score,
    detection,
    prefix: ctx.config.rangePrefix,
    now,
    record: (events, topic) => ctx.record(events, topic),
    publish,
    devices: () => ctx.devices.devices(),
    sensorOnline: (id) => ctx.devices.sensors().find((s) => s.sensor_id === id)?.online ?? null,
  });
  const exporter = new ExportService(repo, setup, score);
  const timers: NodeJS.Timeout[] = [];
  let off: (() => void) | null = null;

  const setupChanged = <T>(v: T): T => {
    runs.markAllStations();
    return v;
  };

  const detectorRow = (id: string): DetectorRow =>
    detection.row(
      id,
      repo.stagesWithSensor(id).map((s) => {
        const t = s.targets.find((x) => x.sensor_id === id);
        return `${s.code}/${t?.plate_id ?? '?'}`;
      }),
    );

  const handlers: Partial<Handlers> = {
    'match.list': () => ({ matches: setup.listMatches() }),
    'match.get': (req) => setup.detail(req.match_id),
    'match.create': (req) => setupChanged(setup.createMatch(req)),
    'match.update': (req) => setup.updateMatch(req),
    'match.delete': (req) => {
      setup.deleteMatch(req.match_id);
      return setupChanged({ deleted: true as const });
    },
    'match.demo': (req) => {
      const timer = req?.timer_id ?? DEFAULT_TIMER_ID;
      const detail = setup.createDemo(timer);
      runs.setStation({
        timer_id: timer,
        match_id: detail.match.match_id,
        stage_id: detail.stages[0]?.stage_id ?? null,
        squad: detail.squads[0] ?? null,
        shooter_id: null,
      });
      return setupChanged(detail);
    },
    'stage.create': (req) => setupChanged(setup.createStage(req)),
    'stage.update': (req) => setupChanged(setup.updateStage(req)),
    'stage.delete': (req) => {
      setup.deleteStage(req.stage_id);
      return setupChanged({ deleted: true as const });
    },
    'shooter.create': (req) => setupChanged(setup.createShooter(req)),
    'shooter.update': (req) => setupChanged(setup.updateShooter(req)),
    'shooter.delete': (req) => {
      setup.deleteShooter(req.shooter_id);
      return setupChanged({ deleted: true as const });
    },
    'shooter.import': (req) => setupChanged(setup.importRoster(req)),
    'station.list': () => runs.stations(),
    'station.set': (req) => runs.setStation(req),
    'ro.state': (req) => runs.roState(req.timer_id),
    'run.list': (req) => ({ runs: runs.list(req) }),
    'run.get': (req) => runs.detail(runs.requireRun(req.run_id)),
    'run.start': (req) => runs.startByRo(req),
    'run.stop': (req) => runs.stopByRo(req),
    'run.assign': (req) => runs.assign(req),
    'run.remote_start': async (req) => {
      if (repo.runningOnTimer(req.timer_id).length) {
        throw new ContractError(`a run is already running on ${req.timer_id}`);
      }
      const who = `RO ${req.who ?? ''}`.trim();
      const commands = ctx.services.use('commands');
      if (commands) {
        // The command panel's typed command: `remote_start` goes out as `COM START`.
        const r = await commands.send({ device_id: req.timer_id, command: 'remote_start', args: {}, who });
        return { command_id: r.id, state: r.state, via: 'commands' as const };
      }
      const commandId = newId('cmd');
      const out = encodeCommand({
        target: 'timer',
        deviceId: req.timer_id,
        commandId,
        command: 'remote_start',
        args: {},
        issuedAt: now(),
        rangePrefix: ctx.config.rangePrefix,
      });
      await ctx.publish(out.topic, out.payload, { qos: 1 });
      return { command_id: commandId, state: 'sent', via: 'mqtt' as const };
    },
    'score.change': (req) => {
      const r = score.change(req);
      return runs.scored(
        req.run_id,
        'SCORE',
        {
          field: req.field,
          old: r.log.old,
          new: r.log.new,
          reason: req.reason,
          who: req.who,
          role: req.role,
          note: req.note ?? null,
          raw_ms: r.after.raw_ms,
          penalties: r.score.penalties,
          score_ms: r.score.score_ms,
          log_id: r.log.id,
        },
        r.log.id,
      );
    },
    'score.approve': (req) => {
      const r = score.approve(req);
      return runs.scored(
        req.run_id,
        'APPROVED',
        {
          who: req.who,
          role: req.role,
          raw_ms: r.after.raw_ms,
          penalties: r.score.penalties,
          score_ms: r.score.score_ms,
          log_id: r.log.id,
        },
        r.log.id,
      );
    },
    'score.history': (req) => ({ entries: score.history(req ?? {}) }),
    'results.get': (req) => score.results(req),
    'export.csv': (req) => exporter.csv(req),
    'detector.list': () => {
      const ids = new Set(detection.sensorIds());
      for (const s of ctx.devices.sensors()) ids.add(s.sensor_id);
      for (const m of repo.matches())
        for (const st of repo.stages(m.id)) for (const t of st.targets) if (t.sensor_id) ids.add(t.sensor_id);
      return { detectors: [...ids].sort().map(detectorRow) };
    },
    'detector.configure': (req) => {
      try {
        detection.configure(req);
      } catch (err) {
        throw new ContractError(`invalid detector settings: ${(err as Error).message}`);
      }
      return detectorRow(req.sensor_id);
    },
    'detector.calibrate': (req) => {
      detection.calibrate(req.sensor_id);
      return detectorRow(req.sensor_id);
    },
  };

  /** Events committed while the module was not listening (before a crash, or before start). */
  const replayEvents = (): number => {
    const events = ctx.store.eventsAfter(runs.lastApplied, REPLAY_KINDS);
    const relevant = events.filter((e) => runs.relevant(e));
    runs.apply(relevant, null);
    return relevant.length;
  };

  const sampleRows = (since: number) => {
    const out: RawSample[] = [];
    for (const id of detection.sensorIds()) {
      if (!detection.hasBaseline(id)) continue;
      for (const r of ctx.store.rawSamplesSince(id, since)) out.push(r);
    }
    return out;
  };

  return {
    name: 'range',
    handlers,
    contractRoutes: rangeContractRoutes,
    routes: (app) => rangeRoutes(app, handlers),
    start() {
      runs.loadCursor(ctx.store.lastEventId());
      // Catch up and subscribe in the same synchronous turn: no batch can fall in between.
      replayEvents();
      runs.replaySamples(sampleRows);
      off = ctx.onCommitted((batch) => {
        const detected = batch.samples.length ? detection.onSamples(batch.samples) : null;
        runs.onBatch(batch, detected);
      });
      runs.republish();
      runs.markAllStations();
      const tick = () => {
        try {
          const changed = runs.tick();
          if (changed && (changed.runs.length || changed.stations.length)) ctx.emit('range', changed);
        } catch (err) {
          ctx.pipeline.lastError = `range tick: ${(err as Error).message}`;
        }
      };
      timers.push(setInterval(tick, TICK_MS));
      timers.push(setInterval(() => detection.tick(), DETECTOR_TICK_MS));
      for (const t of timers) t.unref();
    },
    stop() {
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      off?.();
      off = null;
      try {
        detection.tick();
      } catch {
        // the store may be closing
      }
    },
    stats: () => ({ runs: repo.runCount() }),
  };
};

export const rangePlugin: Plugin = { name: 'range', migrations: rangeMigrations, create: rangeModule };
