/**
 * Runs a scenario in virtual time with no broker and records every message: for unit tests, and
 * for tests elsewhere that want realistic device traffic without a network.
 */
import { createRng, normalizeSeed } from './random';
import { resolveOptions, type SimulationOptions } from './options';
import type { Channel, MessageClass, Qos, ScenarioCounters, Will } from './types';

export interface RecordedMessage {
  deviceId: string;
  topic: string;
  payload: string;
  qos: Qos;
  retain: boolean;
  cls: MessageClass;
  /** Virtual time of the tick that published it (epoch ms). */
  atMs: number;
}

export interface RecordOptions extends SimulationOptions {
  seed: number | string;
  durationS: number;
  /** Virtual epoch ms of the start (default 2026-01-01T00:00:00Z). */
  startMs?: number;
}

export interface Recording {
  messages: RecordedMessage[];
  wills: Array<{ deviceId: string } & Will>;
  logs: string[];
  counters: ScenarioCounters;
  startMs: number;
}

export function recordScenario(opts: RecordOptions): Recording {
  const o = resolveOptions(opts);
  const startMs = opts.startMs ?? Date.UTC(2026, 0, 1);
  const messages: RecordedMessage[] = [];
  const wills: Recording['wills'] = [];
  const logs: string[] = [];
  let now = startMs;
  const scenario = o.definition.create({
    prefix: o.prefix,
    rateHz: o.rateHz,
    sensors: o.sensors,
    telemetryQos: o.telemetryQos,
    telemetryShape: o.telemetryShape,
    rng: createRng(normalizeSeed(opts.seed)),
    createdMs: startMs,
    log: (line) => logs.push(line),
    // HTTP posts are recorded like publishes (topic `POST <url>`) and answered `{"ok": true}`.
    http: {
      post(url, body) {
        messages.push({
          deviceId: 'http',
          topic: `POST ${url}`,
          payload: body,
          qos: 1,
          retain: false,
          cls: 'other',
          atMs: now,
        });
        return Promise.resolve({ status: 200, body: '{"ok":true}' });
      },
    },
    channels: {
      open(deviceId: string, will?: Will): Channel {
        if (will) wills.push({ deviceId, ...will });
        return {
          deviceId,
          publish(topic, payload, po, cls = 'other') {
            messages.push({
              deviceId,
              topic,
              payload: typeof payload === 'string' ? payload : new TextDecoder().decode(payload),
              qos: po.qos,
              retain: po.retain ?? false,
              cls,
              atMs: now,
            });
          },
        };
      },
    },
  });
  scenario.start(startMs);
  const end = startMs + opts.durationS * 1000;
  for (now = startMs; now <= end; now += o.tickMs) scenario.tick(now);
  return { messages, wills, logs, counters: scenario.counters(), startMs };
}
