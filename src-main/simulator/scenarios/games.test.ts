/**
 * The arcade, neurogame and gateway scenarios in virtual time: every message they publish is
 * accepted by the console's own parsers, and they answer commands.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src-shared/ingest';
import { parseNeurogameBody } from '../../../src-shared/ingest/neurogame';
import { recordScenario } from '../record';
import { createRng } from '../random';
import type { Channel, InboundHandler, ScenarioContext, ScenarioDefinition, Will } from '../types';
import { arcadeScenario, CABINET_IDS, HEAD_CABINET } from './arcade';
import { gatewayScenario } from './gateway';
import { DEFAULT_API_KEY, DEFAULT_EVENTS_URL } from './neurogame';

const PARSE = { rangePrefix: 'leadville', maxPayloadBytes: 256 * 1024 };

function parse(topic: string, payload: string) {
  return parseMessage(topic, new TextEncoder().encode(payload), Date.UTC(2026, 0, 1), PARSE);
}

/** A scenario with channels that can be sent messages, driven in virtual time. */
function harness(def: ScenarioDefinition, seed = 1) {
  const start = Date.UTC(2026, 0, 1);
  const published: { deviceId: string; topic: string; payload: string; retain: boolean }[] = [];
  const wills: ({ deviceId: string } & Will)[] = [];
  const subs = new Map<string, InboundHandler>();
  const ctx: ScenarioContext = {
    prefix: 'leadville',
    rateHz: 50,
    sensors: 0,
    telemetryQos: 0,
    telemetryShape: 'mixed',
    rng: createRng(seed),
    createdMs: start,
    log: () => undefined,
    channels: {
      open(deviceId: string, will?: Will): Channel {
        if (will) wills.push({ deviceId, ...will });
        return {
          deviceId,
          publish(topic, payload, po) {
            published.push({
              deviceId,
              topic,
              payload: typeof payload === 'string' ? payload : new TextDecoder().decode(payload),
              retain: po.retain ?? false,
            });
          },
          subscribe(topic, onMessage) {
            subs.set(topic, onMessage);
          },
        };
      },
    },
  };
  const scenario = def.create(ctx);
  let now = start;
  scenario.start(now);
  return {
    published,
    wills,
    subs,
    advance(ms: number) {
      const end = now + ms;
      for (; now <= end; now += 50) scenario.tick(now);
    },
    send(topic: string, payload: unknown) {
      const h = subs.get(topic);
      if (!h) throw new Error(`nobody subscribed to ${topic}`);
      h(topic, typeof payload === 'string' ? payload : JSON.stringify(payload));
    },
    scenario,
  };
}

describe('arcade scenario', () => {
  it('speaks both originals on whac/, and the console accepts every message', () => {
    const rec = recordScenario({ scenario: 'arcade', seed: 42, durationS: 120 });
    // Only the HEAD agent has a will: offline on state, QoS 2, not retained.
    expect(rec.wills.map((w) => [w.topic, w.qos, w.retain, JSON.parse(w.payload).status])).toEqual([
      [`whac/${HEAD_CABINET}/state`, 2, false, 'offline'],
    ]);
    const seed = CABINET_IDS.filter((id) => id !== HEAD_CABINET);
    expect(
      rec.messages
        .filter((m) => m.topic.endsWith('/config_request'))
        .map((m) => m.deviceId)
        .sort(),
    ).toEqual(seed);
    for (const m of rec.messages) {
      expect(m.topic.startsWith('whac/'), m.topic).toBe(true);
      expect(parse(m.topic, m.payload).outcome, `${m.topic} ${m.payload}`).toBe('events');
    }
    const sessions = rec.messages.filter((m) => m.topic.endsWith('/events'));
    expect(sessions.length).toBeGreaterThanOrEqual(seed.length * 4);
    const bodies = sessions.map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    // SEED session ids are strings: a counter on cab-01, UUIDs on cab-02.
    expect(bodies.filter((b) => b.device_id === 'cab-01').map((b) => b.session_id)).toEqual(
      expect.arrayContaining(['1', '2', '3']),
    );
    expect(bodies.find((b) => b.device_id === 'cab-02')!.session_id).toMatch(/^[0-9a-f-]{36}$/);
    for (const b of bodies) {
      const events = b.events as { hit: boolean; reaction_ms: number | null }[];
      expect(events.every((e) => (e.hit ? typeof e.reaction_ms === 'number' : e.reaction_ms === null))).toBe(
        true,
      );
    }
    const head = rec.messages
      .filter((m) => m.topic === `whac/${HEAD_CABINET}/game_events`)
      .map((m) => JSON.parse(m.payload).event_type as string);
    expect(head[0]).toBe('session_start');
    expect(head).toContain('pop_result');
    expect(head).toContain('session_end');
  });

  it('applies the SEED config, and carries out one-byte HEAD commands without answering', () => {
    const h = harness(arcadeScenario, 3);
    h.advance(500);
    h.send('whac/cab-01/commands', { device_id: 'cab-01', config: { difficulty: 'hard', mole_up_ms: 900 } });
    expect(h.scenario.counters().configs_received).toBe(1);
    const before = h.published.length;
    h.send(`whac/${HEAD_CABINET}/commands`, 'I');
    h.send(`whac/${HEAD_CABINET}/commands`, '{"command":"start"}');
    h.advance(100);
    const sent = h.published.slice(before).map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    expect(sent.filter((m) => m.event_type === 'identify')).toHaveLength(1);
    // Anything but one of the agent's bytes is dropped, as the agent drops it.
    expect(h.scenario.counters()).toMatchObject({ commands_received: 2, acks: 1 });
    h.advance(3000);
    h.send(`whac/${HEAD_CABINET}/commands`, 'R');
    h.advance(100);
    const ends = h.published.filter(
      (m) =>
        m.topic === `whac/${HEAD_CABINET}/game_events` && JSON.parse(m.payload).event_type === 'session_end',
    );
    expect(JSON.parse(ends.at(-1)!.payload)).toMatchObject({ win: false });
    for (const m of h.published) expect(parse(m.topic, m.payload).outcome, m.payload).toBe('events');
  });
});

describe('neurogame scenario', () => {
  it('posts batches with the default URL and key, and publishes kiosk batches, all valid', () => {
    const rec = recordScenario({ scenario: 'neurogame', seed: 5, durationS: 120 });
    const posts = rec.messages.filter((m) => m.topic === `POST ${DEFAULT_EVENTS_URL}`);
    const mqtt = rec.messages.filter((m) => m.topic === 'neurogame/kiosk-01/events');
    expect(posts.length).toBeGreaterThan(10);
    expect(mqtt.length).toBeGreaterThan(10);
    const ids = new Set<string>();
    let anticipations = 0;
    for (const m of posts) {
      const body = JSON.parse(m.payload) as { api_key: string };
      expect(body.api_key).toBe(DEFAULT_API_KEY);
      const batch = parseNeurogameBody(body, { requireApiKey: DEFAULT_API_KEY });
      expect(batch.duplicates).toBe(0);
      for (const e of batch.events) {
        expect(ids.has(e.data.event_id as string)).toBe(false);
        ids.add(e.data.event_id as string);
        if (e.kind === 'task.result' && (e.data.rt_ms as number) < 100) anticipations++;
      }
    }
    for (const m of mqtt) {
      expect(JSON.parse(m.payload)).not.toHaveProperty('api_key');
      expect(parse(m.topic, m.payload).outcome).toBe('events');
    }
    expect(ids.size).toBeGreaterThan(100);
    expect(anticipations).toBeGreaterThan(0);
    expect(rec.counters.tasks).toBeGreaterThan(100);
  });
});

describe('gateway scenario', () => {
  it("speaks the gateway's own format: rooms, epoch timestamps, re-sent alerts, no will", () => {
    const rec = recordScenario({ scenario: 'gateway', seed: 9, durationS: 300 });
    for (const m of rec.messages)
      expect(parse(m.topic, m.payload).outcome, `${m.topic} ${m.payload}`).toBe('events');
    const data = rec.messages
      .filter((m) => m.topic.endsWith('/sensor_data'))
      .map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    expect(data.length).toBeGreaterThanOrEqual(2 * (300 / 5) - 2);
    expect(typeof data[0]!.timestamp).toBe('number');
    expect(Object.keys(data[0]!).sort()).toEqual(['fruiting', 'spawning', 'timestamp']);
    const co2 = data.flatMap((d) =>
      Object.values(d)
        .filter((z) => typeof z === 'object' && typeof (z as { co2?: unknown }).co2 === 'number')
        .map((z) => (z as { co2: number }).co2),
    );
    expect(Math.max(...co2)).toBeGreaterThan(1500);
    const alerts = rec.messages.filter((m) => m.topic.endsWith('/alerts')).map((m) => JSON.parse(m.payload));
    // Re-sent on every reading while over the limit, as the gateway does.
    expect(alerts.length).toBeGreaterThan(1);
    expect(alerts[0]).toMatchObject({ type: 'co2_high', severity: 'WARNING' });
    expect(alerts[0].message).toMatch(/^FRUITING CO2 HIGH: \d+ppm \(max: 1000ppm\)$/);
    expect(rec.wills).toEqual([]);
    const status = rec.messages.filter((m) => m.topic.endsWith('/status')).map((m) => JSON.parse(m.payload));
    expect(status[0]).toMatchObject({ status: 'ONLINE', metadata: {} });
  });

  it('answers a switch with actuator_states in the room it resolves, and nothing else', () => {
    const h = harness(gatewayScenario, 9);
    const gw = 'devices/MASH-B2-CAL26-CE637C';
    h.advance(60_000);
    h.send(`${gw}/commands`, { room: 'spawning', actuator: 'mist_maker', state: 'ON', source: 'marshal' });
    h.send(`${gw}/commands`, { room: 'spawning', actuator: 'exhaust_fan', state: false });
    h.send(`${gw}/commands`, { room: 'fruiting', actuator: 'warp_drive', state: 'ON' });
    h.send(`${gw}/commands`, { command_type: 'set_auto_mode', enabled: true });
    h.send(`${gw}/commands`, { id: 'x', command: 'reboot', params: {} });
    h.advance(100);
    const states = h.published
      .filter((m) => m.topic === `${gw}/actuator_states`)
      .map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    expect(states.map((s) => [s.room, s.actuator, s.state])).toEqual([
      ['fruiting', 'mist_maker', 'on'],
      ['spawning', 'exhaust_fan', 'off'],
    ]);
    expect(h.published.some((m) => m.topic.endsWith('/commands/ack'))).toBe(false);
    for (const m of h.published) expect(parse(m.topic, m.payload).outcome).toBe('events');
  });
});

describe('simulate --events-url', () => {
  it('takes an http(s) URL for the game clients and refuses anything else', async () => {
    const { parseSimulatorArgs, UsageError } = await import('../args');
    expect(
      parseSimulatorArgs(['--scenario', 'neurogame', '--events-url', 'http://10.0.0.5:8000/v1/events']),
    ).toMatchObject({
      eventsUrl: 'http://10.0.0.5:8000/v1/events',
    });
    expect(() => parseSimulatorArgs(['--events-url', 'ftp://x/v1/events'])).toThrow(UsageError);
    expect(() => parseSimulatorArgs(['--events-url', 'not a url'])).toThrow(/not a URL/);
  });
});
