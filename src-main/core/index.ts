import { mkdirSync } from 'node:fs';
import type { MarshalEvent, SampleTuple } from '../../src-shared/events/model';
import { parseWireTime, toIso } from '../../src-shared/events/time';
import {
  COMMAND_NAMES,
  ContractError,
  type Handlers,
  type HealthSnapshot,
  type MonitorMessage,
  type PushMap,
  type PushName,
  type RejectRow,
  type Stats,
} from '../../src-shared/contract';
import { EmbeddedBroker } from '../broker/embedded';
import { ExternalBroker, redactUrl } from '../broker/external';
import type { BrokerAdapter } from '../broker/types';
import { IngestPipeline, type CommittedBatch } from '../ingest/pipeline';
import { DeviceRegistry } from '../services/devices';
import { ClientSessions } from '../services/sessions';
import { SeqGaps } from '../ingest/gaps';
import { Store } from '../store/store';
import type { Core, CoreConfig } from './types';
import type { CoreModule, ModuleContext, Plugin } from './module';
import { ServiceMap } from './services';

export type { Core, CoreConfig } from './types';

/** Views get one push per tick; at 4,000 messages/s that is ~20 small batches a second. */
const UI_TICK_MS = 50;
const HEALTH_TICK_MS = 1000;
const MONITOR_PER_TICK = 100;

export interface CoreInternals extends Core {
  readonly store: Store;
  readonly pipeline: IngestPipeline;
  readonly broker: BrokerAdapter;
  readonly devices: DeviceRegistry;
  /** Every committed batch, immediately (the /live stream); not throttled like pushes. */
  onCommitted(listener: (batch: CommittedBatch) => void): () => void;
  health(): HealthSnapshot;
  stats(): Stats;
  readonly modules: readonly CoreModule[];
}

export function createCore(config: CoreConfig, plugins: readonly Plugin[]): CoreInternals {
  mkdirSync(config.dataDir, { recursive: true });
  const names = new Set<string>();
  for (const p of plugins) {
    if (names.has(p.name)) throw new Error(`capability ${p.name} is listed twice`);
    names.add(p.name);
  }
  const store = new Store(
    config.dataDir,
    config.rangePrefix,
    plugins.flatMap((p) => p.migrations),
  );
  const pipeline = new IngestPipeline(store, {
    rangePrefix: config.rangePrefix,
    maxPayloadBytes: config.maxPayloadBytes,
    maxBatch: 2000,
    monitorPerBatch: 20,
  });
  const devices = new DeviceRegistry(store.db);
  const sink = (msg: Parameters<IngestPipeline['push']>[0]) => pipeline.push(msg);
  const broker: BrokerAdapter = config.brokerUrl
    ? new ExternalBroker(
        {
          url: config.brokerUrl,
          username: config.brokerUsername,
          password: config.brokerPassword,
          caFile: config.brokerCa,
          dataDir: config.dataDir,
        },
        sink,
      )
    : new EmbeddedBroker(
        {
          port: config.mqttPort,
          lan: config.lan,
          lanAnonymous: config.lanAnonymous,
          dataDir: config.dataDir,
          rangePrefix: config.rangePrefix,
          tlsCert: config.tlsCert,
          tlsKey: config.tlsKey,
          tlsPort: config.tlsPort,
          retained: () => store.retainedMessages(),
          maxPayloadBytes: config.maxPayloadBytes,
        },
        sink,
      );
  const gaps = new SeqGaps();
  const sessions = new ClientSessions();
  devices.attachSessions(sessions);
  if (broker instanceof EmbeddedBroker) {
    broker.onSession((e) =>
      e.type === 'connect' ? sessions.connected(e.clientId, e.device) : sessions.disconnected(e.clientId),
    );
  }

  const startedAt = Date.now();
  const listeners = new Map<PushName, Set<(payload: unknown) => void>>();
  const emit = <E extends PushName>(name: E, payload: PushMap[E]) => {
    for (const l of listeners.get(name) ?? []) {
      try {
        l(payload);
      } catch {
        // A failing view must not break ingest.
      }
    }
  };

  // Pending UI batch, flushed every UI tick.
  let pendingEvents: MarshalEvent[] = [];
  let pendingSamples: Record<string, SampleTuple[]> = {};
  let pendingMonitor: MonitorMessage[] = [];
  let pendingSkipped = 0;
  let pendingRejects: RejectRow[] = [];

  pipeline.onCommitted((batch) => {
    devices.observeEvents(batch.events, batch.eventClients);
    for (const st of batch.statuses)
      devices.observeTelemetryStatus(st.family, st.device_id, st.data, st.received_at);
    const perSensor = new Map<string, { family: string; n: number }>();
    const sensorClient = new Map<string, string | null>();
    batch.samples.forEach((s, i) => {
      gaps.observe(s.sensor_id, s.topic, s.seq, s.received_at);
      const seen = perSensor.get(s.sensor_id);
      if (seen) seen.n++;
      else perSensor.set(s.sensor_id, { family: s.family, n: 1 });
      sensorClient.set(s.sensor_id, batch.sampleClients?.[i] ?? null);
      (pendingSamples[s.sensor_id] ??= []).push([s.ts, s.x, s.y, s.z]);
    });
    const now = Date.now();
    for (const [id, { family, n }] of perSensor)
      devices.observeSamples(family, id, n, now, sensorClient.get(id));
    for (const e of batch.events) pendingEvents.push(e);
    for (const r of batch.rejects) pendingRejects.push(r);
    for (const m of batch.monitor) {
      if (pendingMonitor.length < MONITOR_PER_TICK || m.outcome === 'reject') pendingMonitor.push(m);
      else pendingSkipped++;
    }
    pendingSkipped += batch.monitorSkipped;
  });

  const timers: NodeJS.Timeout[] = [];
  const flushUi = () => {
    if (pendingEvents.length) {
      // Keep the UI bounded even if a burst outruns a tick.
      emit('events', pendingEvents.length > 5000 ? pendingEvents.slice(-5000) : pendingEvents);
      pendingEvents = [];
    }
    if (Object.keys(pendingSamples).length) {
      emit('samples', { sensors: pendingSamples });
      pendingSamples = {};
    }
    if (pendingMonitor.length || pendingSkipped) {
      emit('monitor', { messages: pendingMonitor, skipped: pendingSkipped });
      pendingMonitor = [];
      pendingSkipped = 0;
    }
    if (pendingRejects.length) {
      emit('rejects', pendingRejects);
      pendingRejects = [];
    }
  };

  const health = (): HealthSnapshot => {
    const brokerState = broker.state();
    // A storage failure shows as degraded for a minute, not for the rest of the process's life.
    const storeOk = store.db.open && Date.now() - pipeline.lastFailureAt > 60_000;
    const now = Date.now();
    const h: HealthSnapshot = {
      ok: false,
      status: 'ok',
      server_time: toIso(now),
      started_at: toIso(startedAt),
      components: {},
      broker: {
        state: brokerState,
        mode: broker.mode,
        urls: broker.urls(),
        clients: broker.clients().length,
        lan: config.lan,
        ...(broker.lastError() ? { error: broker.lastError()! } : {}),
        ...(broker.guardCounts ? { guards: broker.guardCounts() } : {}),
      },
      store: {
        state: storeOk ? 'up' : store.db.open ? 'degraded' : 'down',
        path: store.path,
        size_bytes: store.sizeBytes(),
        ...(pipeline.lastError ? { error: pipeline.lastError } : {}),
      },
      ingest: {
        messages_in: store.counter('messages_in'),
        events_stored: store.counter('events_stored'),
        samples_stored: store.counter('samples_stored'),
        duplicates: store.counter('duplicates'),
        rejects: store.counter('rejects'),
        unhandled: store.counter('unhandled'),
        rejects_by_reason: store.rejectsByReason(),
        rate_per_s: pipeline.rate(),
        seq_gaps: { gaps: gaps.gaps, missing: gaps.missing, recent: [...gaps.recent] },
      },
    };
    // Capabilities add their components (bridges, feeds, sync…) as top-level fields.
    for (const m of modules) m.health?.(h);
    const record = h as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(record)) {
      if (name === 'components' || !value || typeof value !== 'object') continue;
      const state = (value as { state?: unknown }).state;
      if (state === 'up' || state === 'degraded' || state === 'down')
        h.components[name] = value as HealthSnapshot['components'][string];
    }
    // Only what stops ingest makes the console down; anything else failing degrades it.
    const down = brokerState === 'down' || h.store.state === 'down';
    const degraded = Object.values(h.components).some((c) => c.state !== 'up');
    h.status = down ? 'down' : degraded ? 'degraded' : 'ok';
    h.ok = !down;
    return h;
  };

  const spineStats = (): Stats => ({
    messages_in: store.counter('messages_in'),
    events_stored: store.counter('events_stored'),
    rejects: store.counter('rejects'),
    clients_connected: broker.clients().length,
    devices_online: devices.onlineCount(),
    sessions: 0,
    runs: 0,
    duplicates: store.counter('duplicates'),
    unhandled: store.counter('unhandled'),
    sensors_online: devices.sensors().filter((s) => s.online).length,
    seq_missing: gaps.missing,
  });

  const stats = (): Stats => Object.assign(spineStats(), ...modules.map((m) => m.stats?.() ?? {}));

  const cursor = (value: string | undefined, name: string): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new ContractError(`${name} must be a cursor from a previous page`);
    return n;
  };

  const spineHandlers: Partial<Handlers> = {
    'health.get': () => health(),
    'stats.get': () => stats(),
    'events.list': (req) => {
      const limit = req.limit ?? 100;
      let since: number | undefined;
      if (req.since !== undefined) {
        const t = parseWireTime(req.since);
        if (t === null) throw new ContractError('since must be an ISO-8601 timestamp');
        since = t;
      }
      const events = store.listEvents({
        kind: req.kind,
        device_id: req.device_id,
        since,
        before: cursor(req.before, 'before'),
        limit,
      });
      const last = events.at(-1);
      return { events, next: events.length === limit && last ? String(last.id) : null };
    },
    'rejects.list': (req) => store.listRejects(req.limit ?? 100),
    'devices.list': () => ({ devices: devices.devices() }),
    'sensors.list': () => ({ sensors: devices.sensors() }),
    'clients.list': () => ({ clients: broker.clients() }),
    'telemetry.recent': (req) =>
      store.recentSamples(req.sensor_id, Date.now() - (req.seconds ?? 10) * 1000, undefined, req.extra),
  };

  const ctx: ModuleContext = {
    config,
    store,
    broker,
    devices,
    pipeline,
    emit,
    onCommitted: (listener) => pipeline.onCommitted(listener),
    health: () => health(),
    publish: (topic, payload, opts) =>
      broker.publish(
        topic,
        typeof payload === 'string' || Buffer.isBuffer(payload)
          ? payload
          : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
        opts,
      ),
    record: (events, topic) => {
      const stored = store.appendEvents(events, topic);
      if (stored.length) pipeline.announce({ events: stored });
      return stored;
    },
    services: new ServiceMap(),
  };
  const modules: CoreModule[] = plugins.map((p) => p.create(ctx));
  const merged: Partial<Handlers> = { ...spineHandlers };
  for (const m of modules) {
    for (const [name, fn] of Object.entries(m.handlers ?? {})) {
      if (name in merged) throw new Error(`command ${name} is handled twice (module ${m.name})`);
      (merged as Record<string, unknown>)[name] = fn;
    }
  }
  const missing = COMMAND_NAMES.filter((n) => !(n in merged));
  if (missing.length) throw new Error(`no handler for command(s): ${missing.join(', ')}`);
  const handlers = merged as Handlers;

  let stopped: Promise<void> | null = null;

  const core: CoreInternals = {
    config,
    handlers,
    store,
    pipeline,
    broker,
    devices,
    health,
    stats,
    modules,
    onPush(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    onCommitted: (listener) => pipeline.onCommitted(listener),
    async start() {
      await broker.start();
      for (const m of modules) await m.start?.();
      timers.push(setInterval(flushUi, UI_TICK_MS));
      timers.push(setInterval(() => emit('health', health()), HEALTH_TICK_MS));
      timers.push(setInterval(() => devices.save(), 2000));
      // Fold aged raw telemetry in small chunks, yielding between them, so a long backlog never
      // holds the event loop (and ingest latency) for long.
      const DOWNSAMPLE_CHUNK = 20_000;
      let folding = false;
      const fold = () => {
        if (folding || stopped) return;
        folding = true;
        const step = () => {
          try {
            const n = stopped ? 0 : store.downsample(Date.now() - config.rawRetentionMs, DOWNSAMPLE_CHUNK);
            if (n >= DOWNSAMPLE_CHUNK) return void setImmediate(step);
          } catch (err) {
            pipeline.lastError = `downsample: ${(err as Error).message}`;
          }
          folding = false;
        };
        step();
      };
      timers.push(setInterval(fold, 5_000));
      for (const t of timers) t.unref();
    },
    stop() {
      stopped ??= (async () => {
        for (const t of timers) clearInterval(t);
        for (const m of [...modules].reverse()) {
          try {
            await m.stop?.();
          } catch (err) {
            pipeline.lastError = `stop ${m.name}: ${(err as Error).message}`;
          }
        }
        await broker.stop();
        pipeline.stop();
        flushUi();
        devices.save();
        store.close();
      })();
      return stopped;
    },
    mqttUrls: () => broker.urls(),
  };
  return core;
}

export { redactUrl };
