/**
 * The M.A.S.H. gateway, unchanged, against the embedded broker: it speaks TLS 1.2 only and checks
 * the CA and the host name, so the console runs with the certificate `npm run certs` makes. The
 * gateway's session (retained ONLINE, readings with failed rooms, an alert re-sent on every
 * reading, OFFLINE at shutdown) must be accepted with its meaning; its commands must arrive in the
 * shape it reads, and a switch must end acknowledged by the actuator_states it answers with.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { CommandRecord } from '../../src-shared/contract/devices';
import type { AlertRow } from '../../src-shared/contract/games';
import { connectMqtt } from '../helpers/mqtt';
import {
  api,
  cleanupServes,
  getJson,
  makeTempDir,
  removeDir,
  ROOT,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import { expectMeaning, formatTally, send, type FixtureMessage, type Tally } from './originals-support';

interface MashCommand {
  send: { command: string; args: Record<string, unknown> };
  gateway_reads: Record<string, unknown>;
  gateway_answers: { topic: string; payload: string } | null;
  final_state: string;
}
interface MashFixture {
  device_id: string;
  client_id: string;
  groups: {
    messages: (FixtureMessage & { expect: { readings?: number; faults?: Record<string, string> } })[];
  }[];
  commands: MashCommand[];
  shutdown: FixtureMessage;
}

const fx = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/originals/mash.json'), 'utf8')) as MashFixture;
const ID = fx.device_id;
const tally: Tally = { sent: 0, accepted: 0, rejected: 0, unhandled: 0 };
const claimed = new Set<number>();

let dir: string;
let serve: ServeHandle;
let gw: MqttClient;
let commandsIn: Record<string, unknown>[] = [];

beforeAll(async () => {
  dir = makeTempDir('marshal-mash-');
  execFileSync(process.execPath, [join(ROOT, 'scripts/certs.mjs'), '--data-dir', dir, '--quiet']);
  serve = await startServe({
    dataDir: dir,
    args: [
      '--mqtt-port',
      '0',
      '--http-port',
      '0',
      '--tls-port',
      '0',
      '--tls-cert',
      join(dir, 'tls/server.pem'),
      '--tls-key',
      join(dir, 'tls/server.key'),
    ],
  });
  const tlsUrl = serve.stdoutLines().find((l) => l.startsWith('mqtts://127.0.0.1:'))!;
  const port = Number(new URL(tlsUrl).port);
  // As paho with ssl.PROTOCOL_TLSv1_2 and CERT_REQUIRED: TLS 1.2 exactly, the CA, the host name.
  gw = await connectMqtt(`mqtts://localhost:${port}`, {
    clientId: fx.client_id,
    clean: true,
    keepalive: 60,
    ca: readFileSync(join(dir, 'tls/ca.pem')),
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
  } as never);
  gw.on('message', (topic, payload) => {
    if (topic === `devices/${ID}/commands`)
      commandsIn.push(JSON.parse(payload.toString()) as Record<string, unknown>);
  });
  await gw.subscribeAsync(`devices/${ID}/commands`, { qos: 1 });
});

afterAll(async () => {
  await gw?.endAsync().catch(() => undefined);
  await cleanupServes();
  removeDir(dir);
  console.log(formatTally('M.A.S.H. gateway', tally));
});

async function play(m: MashFixture['groups'][number]['messages'][number]): Promise<void> {
  const http = api(serve.httpUrl);
  const before = await http.stats();
  await send(gw, m);
  tally.sent++;
  const e = m.expect;
  if (e.readings !== undefined) {
    const ts = new Date(
      Math.round((JSON.parse(m.payload) as { timestamp: number }).timestamp * 1000),
    ).toISOString();
    const evs = await http.waitForEvents(
      { device_id: ID, kind: 'gateway.reading', limit: 1000 },
      (l) => l.filter((x) => x.ts === ts).length >= e.readings!,
      `${e.readings} readings at ${ts}`,
    );
    expect(evs.filter((x) => x.ts === ts)).toHaveLength(e.readings);
    if (e.faults) {
      const st = await http.waitForEvents(
        { device_id: ID, kind: 'device.status', limit: 100 },
        (l) => l.some((x) => x.ts === ts),
        'the sensor fault',
      );
      const fault = st.find((x) => x.ts === ts)!;
      claimed.add(fault.id);
      expect(fault.data).toMatchObject({ sensor_faults: e.faults });
    }
  } else await expectMeaning(serve.httpUrl, m, claimed);
  const after = await http.stats();
  expect(after.rejects - before.rejects, `${m.topic}: ${m.payload}`).toBe(0);
  tally.accepted++;
}

describe('M.A.S.H. gateway replayed over TLS 1.2', () => {
  it('negotiates TLS 1.2 with the certificate npm run certs made', () => {
    expect((gw.stream as TLSSocket).getProtocol()).toBe('TLSv1.2');
    expect((gw.stream as TLSSocket).authorized).toBe(true);
  });

  it("accepts the gateway's session with its meaning; a re-sent alert is one alert", async () => {
    for (const m of fx.groups[0]!.messages) await play(m);
    const alerts = (
      await getJson<{ alerts: AlertRow[]; open: number }>(`${serve.httpUrl}/api/alerts?device_id=${ID}`)
    ).body;
    // The console's own CO2 threshold (1,500 ppm) also fires on the spawning room: not the gateway's.
    const own = alerts.alerts.filter((a) => a.source === 'device');
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({ alert_type: 'co2_high', zone: 'fruiting', repeats: 3 });
    // A retained ONLINE is not what makes it online; its live traffic is.
    const devices = (
      await getJson<{ devices: { device_id: string; online: boolean }[] }>(`${serve.httpUrl}/api/devices`)
    ).body.devices;
    expect(devices.find((d) => d.device_id === ID)?.online).toBe(true);
  });

  it('sends commands in the shape the gateway reads; a switch is acknowledged by its actuator_states', async () => {
    for (const c of fx.commands) {
      commandsIn = [];
      const res = await fetch(`${serve.httpUrl}/api/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ device_id: ID, ...c.send, timeout_ms: 3000 }),
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const got = await waitFor(() => commandsIn[0], `${c.send.command} on the command topic`);
      expect(got).toMatchObject(c.gateway_reads);
      if (c.gateway_answers)
        await gw.publishAsync(c.gateway_answers.topic, c.gateway_answers.payload, { qos: 1 });
      const rec = await waitFor(async () => {
        const r = (await getJson<CommandRecord>(`${serve.httpUrl}/api/commands/${id}`)).body;
        return r.state === 'sent' || r.state === 'queued' ? undefined : r;
      }, `${c.send.command} finished`);
      expect(rec.state).toBe(c.final_state);
      if (c.gateway_answers) {
        tally.sent++;
        tally.accepted++;
      }
    }
  });

  it('takes the retained OFFLINE at shutdown as a status', async () => {
    await play(fx.shutdown as never);
    const total = fx.groups[0]!.messages.length + 2;
    expect(tally).toEqual({ sent: total, accepted: total, rejected: 0, unhandled: 0 });
  });
});
