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
import { arcadeScenario, CABINET_IDS } from './arcade';
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
      h(topic, JSON.stringify(payload));
    },
    scenario,
  };
}

describe('arcade scenario', () => {
  it('says hello, keeps a retained status with an offline will, and publishes sessions the console accepts', () => {
    const rec = recordScenario({ scenario: 'arcade', seed: 42, durationS: 120 });
    expect(rec.wills.map((w) => [w.topic, w.retain, JSON.parse(w.payload).online])).toEqual(
      CABINET_IDS.map((id) => [`whackamole/${id}/status`, true, false]),
    );
    const hellos = rec.messages.filter((m) => m.topic.endsWith('/hello'));
    expect(hellos.map((m) => m.deviceId).sort()).toEqual([...CABINET_IDS]);
    expect(rec.messages.filter((m) => m.topic.endsWith('/status')).every((m) => m.retain)).toBe(true);

    const sessions = rec.messages.filter((m) => m.topic.endsWith('/session'));
    expect(sessions.length).toBeGreaterThanOrEqual(CABINET_IDS.length * 4);
    for (const m of rec.messages) {
      const r = parse(m.topic, m.payload);
      expect(r.outcome, `${m.topic} ${m.payload}`).toBe('events');
    }
    const bodies = sessions.map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    // cab-02 counts its sessions, the others use UUIDs.
    expect(bodies.filter((b) => b.device_id === 'cab-02').map((b) => b.session_id)).toEqual(
      expect.arrayContaining([1, 2, 3]),
    );
    expect(bodies.find((b) => b.device_id === 'cab-01')!.session_id).toMatch(/^[0-9a-f-]{36}$/);
    for (const b of bodies) {
      expect(b.score).toBe(
        Math.max(
          0,
          (b.hits as number) * { easy: 10, normal: 15, hard: 25 }[b.difficulty as 'easy'] -
            (b.wrong_hits as number) * 5,
        ),
      );
      expect((b.reaction_ms as number[]).length).toBe(b.hits);
    }
  });

  it('answers commands with acks and applies the config it is sent', () => {
    const h = harness(arcadeScenario, 3);
    h.advance(500);
    h.send('whackamole/cab-01/config', {
      difficulty: 'hard',
      game_duration_s: 60,
      mole_up_ms: 900,
      spawn_interval_ms: 700,
      volume: 10,
      version: 4,
    });
    h.send('whackamole/cab-01/command', {
      command_id: 'c1',
      command: 'set_difficulty',
      args: { difficulty: 'extreme' },
      issued_at: 'x',
    });
    h.send('whackamole/cab-01/command', { command_id: 'c2', command: 'identify', args: {}, issued_at: 'x' });
    h.send('whackamole/cab-01/command', { command_id: 'c3', command: 'dance', args: {}, issued_at: 'x' });
    h.advance(100);
    const acks = () =>
      h.published
        .filter((m) => m.topic === 'whackamole/cab-01/ack')
        .map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    expect(acks().map((a) => [a.command_id, a.ok])).toEqual([
      ['c1', false],
      ['c2', true],
      ['c3', false],
    ]);
    expect(acks()[0]!.error).toMatch(/unknown difficulty/);
    for (const m of h.published) expect(parse(m.topic, m.payload).outcome, m.payload).toBe('events');

    // Stop a round in progress: the session ends early and incomplete.
    h.advance(3000);
    h.send('whackamole/cab-01/command', { command_id: 'c4', command: 'stop', args: {}, issued_at: 'x' });
    h.advance(100);
    expect(acks().at(-1)).toMatchObject({ command_id: 'c4', ok: true });
    const last = h.published.filter((m) => m.topic === 'whackamole/cab-01/session').at(-1)!;
    expect(JSON.parse(last.payload)).toMatchObject({ complete: false });
    // A new round at the configured difficulty, mostly.
    h.send('whackamole/cab-01/command', {
      command_id: 'c5',
      command: 'start',
      args: { player: 'Zoe', difficulty: 'easy' },
      issued_at: 'x',
    });
    h.advance(16_000);
    expect(acks().at(-1)).toMatchObject({ command_id: 'c5', ok: true });
    const zoe = h.published
      .filter((m) => m.topic === 'whackamole/cab-01/session')
      .map((m) => JSON.parse(m.payload))
      .find((b) => b.player === 'Zoe');
    expect(zoe).toMatchObject({ difficulty: 'easy', complete: true });
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
