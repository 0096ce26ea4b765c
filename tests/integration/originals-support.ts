/**
 * Replays of the original clients: a fixture (tests/fixtures/originals/*.json) lists what a real
 * client sends, byte for byte, and what each message means; these helpers play it through the
 * real broker and read the meaning back over the HTTP API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { expect } from 'vitest';
import type { SensorRow } from '../../src-shared/contract/types';
import { api, getJson, ROOT, waitFor, type ApiEvent } from '../helpers/serve';

export interface Expect {
  kind?: string;
  device_id?: string;
  data?: Record<string, unknown>;
  /** A telemetry message: the device registry shows this for the sensor. */
  sensor?: Record<string, unknown> & { sensor_id: string };
  sample?: Record<string, unknown>;
  /** Routed to subscribers only; counted as unhandled. */
  unhandled?: boolean;
}

export interface FixtureMessage {
  topic: string;
  payload: string;
  retain?: boolean;
  qos?: 0 | 1 | 2;
  expect: Expect;
}

export interface FixtureGroup {
  name: string;
  source: string;
  client_id?: string;
  messages: FixtureMessage[];
}

export interface Fixture {
  original: string;
  groups: FixtureGroup[];
  subscribers?: { name: string; source: string; filters: string[]; qos: 0 | 1 | 2 }[];
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/originals', `${name}.json`), 'utf8')) as Fixture;
}

export interface Tally {
  sent: number;
  accepted: number;
  rejected: number;
  unhandled: number;
}

/** Publishes one fixture message; at QoS ≥ 1 the PUBACK comes after the commit. */
export async function send(client: MqttClient, m: FixtureMessage): Promise<void> {
  await client.publishAsync(m.topic, m.payload, { qos: m.qos ?? 1, retain: m.retain ?? false });
}

async function sensorRow(httpUrl: string, id: string): Promise<SensorRow | undefined> {
  const r = await getJson<{ sensors: SensorRow[] }>(`${httpUrl}/api/sensors`);
  return r.body.sensors.find((d) => d.sensor_id === id);
}

/**
 * Waits until the message's meaning is visible: its event (claimed once, so repeats need their own
 * event) or the registry row its telemetry updated.
 */
export async function expectMeaning(
  httpUrl: string,
  m: FixtureMessage,
  claimed: Set<number>,
): Promise<ApiEvent | SensorRow | null> {
  const e = m.expect;
  if (e.unhandled) return null;
  if (e.kind) {
    const http = api(httpUrl);
    const evs = await http.waitForEvents(
      { device_id: e.device_id, kind: e.kind, limit: 1000 },
      (list) => list.some((ev) => ev.topic === m.topic && !claimed.has(ev.id)),
      `${e.kind} for ${e.device_id} from ${m.topic}`,
    );
    const ev = evs.filter((x) => x.topic === m.topic && !claimed.has(x.id)).sort((a, b) => a.id - b.id)[0]!;
    claimed.add(ev.id);
    expect(ev.family).not.toBe('console');
    if (e.data) expect(ev.data, `${m.topic}: ${m.payload}`).toMatchObject(e.data);
    return ev;
  }
  const s = e.sensor!;
  const { sensor_id, ...fields } = s;
  const row = await waitFor(async () => {
    const d = await sensorRow(httpUrl, sensor_id);
    if (!d || d.last_seen === null) return undefined;
    const got = d as unknown as Record<string, unknown>;
    return Object.entries(fields).every(([k, v]) => got[k] === v) ? d : undefined;
  }, `sensor row of ${sensor_id} from ${m.topic}`);
  return row;
}

export function formatTally(family: string, t: Tally): string {
  return `${family}: sent ${t.sent} / accepted ${t.accepted} / rejected ${t.rejected} / unhandled ${t.unhandled}`;
}
