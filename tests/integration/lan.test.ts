/**
 * LAN mode (`--lan`): the embedded broker requires a username and password per device (from
 * DIR/broker-credentials.json) and applies a topic ACL. Every connection here goes to 127.0.0.1
 * only, even though serve listens on all interfaces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { CredentialStore } from '../../src-main/broker/credentials';
import {
  api,
  cleanupServes,
  getJson,
  makeTempDir,
  removeDir,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import { connectMqtt, mosquittoPub, mosquittoSub, tryConnect } from '../helpers/mqtt';

let dataDir: string;
let serve: ServeHandle;
let http: ReturnType<typeof api>;
/** Loopback only, whatever else serve printed. */
let mqttUrl: string;
const pw: Record<string, string> = {};

beforeAll(async () => {
  dataDir = makeTempDir('marshal-lan-');
  const creds = new CredentialStore(dataDir);
  pw['cab-1'] = creds.add('whackamole', 'cab-1');
  pw['cab-2'] = creds.add('whackamole', 'cab-2');
  pw['ops-1'] = creds.add('console', 'ops-1');
  pw['bridge-1'] = creds.add('range', 'bridge-1');
  serve = await startServe({ dataDir, args: ['--lan'] });
  const port = new URL(serve.mqttUrl).port;
  mqttUrl = `mqtt://127.0.0.1:${port}`;
  http = api(serve.httpUrl);
});

afterAll(async () => {
  await cleanupServes();
  if (dataDir) removeDir(dataDir);
});

/** Publishes on a fresh connection and reports whether the broker acknowledged or dropped it. */
async function publishAs(user: string, topic: string, payload: string): Promise<'acked' | 'closed'> {
  const c = await connectMqtt(mqttUrl, {
    username: user,
    password: pw[user],
    clientId: `${user}-${Date.now()}`,
  });
  c.on('error', () => undefined);
  try {
    return await Promise.race([
      c.publishAsync(topic, payload, { qos: 1 }).then(() => 'acked' as const),
      new Promise<'closed'>((res) => c.once('close', () => res('closed'))),
    ]);
  } finally {
    c.end(true);
  }
}

describe('LAN mode (--lan)', () => {
  it('prints the loopback URLs first and reports lan in health', async () => {
    expect(serve.stdoutLines()[0]).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const h = await http.health();
    expect(h.status).toBe(200);
    expect(h.body.broker).toMatchObject({ state: 'up', mode: 'embedded', lan: true });
    // Passwords are kept as hashes only.
    const file = readFileSync(join(dataDir, 'broker-credentials.json'), 'utf8');
    for (const p of Object.values(pw)) expect(file).not.toContain(p);
  });

  it('refuses an anonymous client', async () => {
    const r = await tryConnect(mqttUrl, { clientId: 'anon-1' });
    expect(r.ok).toBe(false);
    expect(r.error?.code === 4 || r.error?.code === 5).toBe(true);
    const cli = await mosquittoPub(
      { host: '127.0.0.1', port: Number(new URL(mqttUrl).port) },
      'whackamole/cab-1/status',
      '{}',
      {
        allowFailure: true,
      },
    );
    expect(cli.code).not.toBe(0);
  });

  it('refuses a wrong password and an unknown user', async () => {
    const wrong = await tryConnect(mqttUrl, {
      clientId: 'wrong-1',
      username: 'cab-1',
      password: 'not-the-password',
    });
    expect(wrong.ok).toBe(false);
    expect(wrong.error?.code === 4 || wrong.error?.code === 5).toBe(true);
    const unknown = await tryConnect(mqttUrl, {
      clientId: 'who-1',
      username: 'nobody',
      password: pw['cab-1'],
    });
    expect(unknown.ok).toBe(false);
  });

  it('accepts the right password', async () => {
    const r = await tryConnect(mqttUrl, { clientId: 'cab-1-ok', username: 'cab-1', password: pw['cab-1'] });
    expect(r).toEqual({ ok: true });
  });

  it('a whackamole device cannot publish as another cabinet; its own topic works', async () => {
    let watcher: MqttClient | null = null;
    const seen: { topic: string; payload: string }[] = [];
    try {
      // A console user watching the whole family.
      watcher = await connectMqtt(mqttUrl, {
        username: 'ops-1',
        password: pw['ops-1'],
        clientId: 'ops-1-watch',
      });
      watcher.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
      await watcher.subscribeAsync('whackamole/#', { qos: 1 });
      const before = await http.stats();

      const forged = JSON.stringify({ device_id: 'cab-2', online: false, state: 'idle', battery: 1 });
      expect(await publishAs('cab-1', 'whackamole/cab-2/status', forged)).toBe('closed');
      // A device may not publish commands or configs to itself either.
      expect(await publishAs('cab-1', 'whackamole/cab-1/config', '{"difficulty":"easy"}')).toBe('closed');

      const own = JSON.stringify({ device_id: 'cab-1', online: true, state: 'idle', battery: 88 });
      expect(await publishAs('cab-1', 'whackamole/cab-1/status', own)).toBe('acked');
      // Ordering marker: the allowed message was published after the refused ones.
      await waitFor(
        () => seen.some((m) => m.topic === 'whackamole/cab-1/status'),
        'cab-1 status at the watcher',
      );
      expect(seen.map((m) => m.topic)).toEqual(['whackamole/cab-1/status']);
      expect(seen[0]!.payload).toBe(own);

      // Nothing of the refused publishes was taken in: exactly one message more.
      const after = await http.stats();
      expect(after.messages_in - before.messages_in).toBe(1);
      expect(after.rejects).toBe(before.rejects);
      expect(await http.events({ device_id: 'cab-2' })).toEqual([]);
      const rejects = await http.rejects(1000);
      expect(rejects.rejects.filter((r) => r.topic.includes('cab-2'))).toEqual([]);
    } finally {
      await watcher?.endAsync().catch(() => undefined);
    }
  });

  it('a range bridge publishes its tree but not commands', async () => {
    const sub = await mosquittoSub(
      { host: '127.0.0.1', port: Number(new URL(mqttUrl).port), username: 'ops-1', password: pw['ops-1'] },
      'leadville/#',
    );
    try {
      expect(
        await publishAs('bridge-1', 'leadville/timer/command', '{"command_id":"x","command":"start"}'),
      ).toBe('closed');
      expect(
        await publishAs(
          'bridge-1',
          'leadville/sensor/s1/command',
          '{"command_id":"y","command":"calibrate"}',
        ),
      ).toBe('closed');
      expect(await publishAs('bridge-1', 'whackamole/cab-1/status', '{}')).toBe('closed');
      const shot = JSON.stringify({ event_type: 'SHOT', device_id: 'lan-timer', shot_number: 1, time: 1.5 });
      expect(await publishAs('bridge-1', 'leadville/timer/events', shot)).toBe('acked');
      const msgs = await sub.waitForMessages(1);
      expect(msgs.map((m) => m.topic)).toEqual(['leadville/timer/events']);
      const [ev] = await http.waitForEvents(
        { device_id: 'lan-timer' },
        (e) => e.length === 1,
        'the bridge shot',
      );
      expect(ev!.data).toMatchObject({ time_ms: 1500 });
    } finally {
      await sub.stop();
    }
  });

  it('mosquitto_pub with credentials works against the LAN broker', async () => {
    const r = await mosquittoPub(
      {
        host: '127.0.0.1',
        port: Number(new URL(mqttUrl).port),
        username: 'bridge-1',
        password: pw['bridge-1'],
      },
      'leadville/detection/impacts',
      JSON.stringify({ event_type: 'HIT', sensor_id: 'lan-s1', plate_id: 'P1' }),
    );
    expect(r.code).toBe(0);
    await http.waitForEvents({ device_id: 'lan-s1' }, (e) => e.length === 1, 'the impact');
  });

  it('a device cannot subscribe outside its own commands and configuration', async () => {
    const c = await connectMqtt(mqttUrl, { username: 'cab-1', password: pw['cab-1'], clientId: 'cab-1-sub' });
    c.on('error', () => undefined);
    try {
      const own = await c.subscribeAsync('whackamole/cab-1/command', { qos: 1 });
      expect(own[0]?.qos).toBe(1);
      const other = await Promise.race([
        c.subscribeAsync('whackamole/cab-2/command', { qos: 1 }).then(
          (g) => (g[0]?.qos === 128 ? 'refused' : 'granted'),
          () => 'refused',
        ),
        new Promise<string>((res) => c.once('close', () => res('refused'))),
      ]);
      expect(other).toBe('refused');
    } finally {
      c.end(true);
    }
  });

  it('the HTTP API answers on loopback', async () => {
    expect((await getJson(`${serve.httpUrl}/health`)).status).toBe(200);
  });
});
