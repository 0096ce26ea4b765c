/**
 * External-broker mode across restarts, against a real mosquitto: with persistence (as the README
 * asks of a venue broker) a broker restart and a console kill -9 lose nothing a device got a
 * PUBACK for; without it the console says that its session was lost instead of staying silent.
 * The figures printed here are the ones in the README's "Guarantees: broker".
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import {
  api,
  cleanupServes,
  makeTempDir,
  removeDir,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import { mosquittoPasswd, MosquittoBroker } from '../helpers/mqtt';

const CONSOLE_USER = 'marshal';
const CONSOLE_PASS = 'c0nsole-pw';
const DEVICE_USER = 'sensor';
const DEVICE_PASS = 'dev1ce-pw';

const dirs: string[] = [];
const brokers: MosquittoBroker[] = [];
afterEach(async () => {
  await cleanupServes();
  for (const b of brokers.splice(0)) await b.stop('SIGKILL');
});
afterAll(() => dirs.forEach(removeDir));

async function mosquitto(persistence: boolean): Promise<MosquittoBroker> {
  const dir = makeTempDir('marshal-hx-');
  dirs.push(dir);
  const passwordFile = `${dir}/passwd`;
  await mosquittoPasswd(passwordFile, CONSOLE_USER, CONSOLE_PASS, true);
  await mosquittoPasswd(passwordFile, DEVICE_USER, DEVICE_PASS, false);
  const b = new MosquittoBroker({ dir, passwordFile, persistence });
  brokers.push(b);
  await b.start();
  return b;
}

function consoleArgs(b: MosquittoBroker): string[] {
  return ['--broker-url', `mqtt://${CONSOLE_USER}:${CONSOLE_PASS}@127.0.0.1:${b.port}`];
}

interface BrokerHealth {
  status: number;
  body: { broker: { state: string; error?: string; guards?: Record<string, number> } };
}

async function health(serve: ServeHandle): Promise<BrokerHealth> {
  return (await api(serve.httpUrl).health()) as unknown as BrokerHealth;
}

function up(serve: ServeHandle, what: string) {
  return waitFor(
    async () => {
      const h = await health(serve);
      return h.status === 200 && h.body.broker.state === 'up' ? h : undefined;
    },
    what,
    { timeoutMs: 30_000 },
  );
}

/**
 * A device: QoS 1 telemetry with a seq, reconnecting on its own (as paho does), counting what
 * the broker acknowledged.
 */
function device(b: MosquittoBroker, sensor: string) {
  const client: MqttClient = mqtt.connect(`mqtt://127.0.0.1:${b.port}`, {
    clientId: `dev-${sensor}`,
    username: DEVICE_USER,
    password: DEVICE_PASS,
    protocolVersion: 4,
    reconnectPeriod: 100,
    connectTimeout: 5000,
  });
  client.on('error', () => undefined);
  const acked = new Set<number>();
  let seq = 0;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      if (!client.connected) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const s = ++seq;
      const payload = JSON.stringify({ seq: s, ts: Date.now() / 1000, x: 0.1, y: 0.2, z: s });
      try {
        await client.publishAsync(`leadville/sensor/${sensor}/telemetry`, payload, { qos: 1 });
        acked.add(s);
      } catch {
        // Not acknowledged: the device would send it again; this one just moves on (after a
        // turn of the event loop, so a burst of failures cannot starve the test's timers).
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const running = loop();
  return {
    acked,
    sent: () => seq,
    stop() {
      // A publish in flight when the client is forced closed may never settle: do not wait on it.
      stopped = true;
      client.end(true);
      void running.catch(() => undefined);
    },
  };
}

async function storedSeqs(serve: ServeHandle, sensor: string): Promise<Set<number>> {
  const out = new Set<number>();
  let before: string | undefined;
  for (;;) {
    const r = await fetch(
      `${serve.httpUrl}/api/events?kind=sensor.sample&device_id=${sensor}&limit=10000${before ? `&before=${before}` : ''}`,
    );
    const page = (await r.json()) as { events: { data: { seq: number } }[]; next: string | null };
    for (const e of page.events) out.add(e.data.seq);
    if (!page.next) return out;
    before = page.next;
  }
}

async function waitStored(serve: ServeHandle, sensor: string, acked: Set<number>) {
  return waitFor(
    async () => {
      const stored = await storedSeqs(serve, sensor);
      const missing = [...acked].filter((s) => !stored.has(s));
      return missing.length === 0 ? stored : undefined;
    },
    `every acknowledged message of ${sensor} stored`,
    { timeoutMs: 60_000 },
  );
}

describe('external broker restarts', () => {
  it('without broker persistence, a restart that loses the console session is reported', async () => {
    const b = await mosquitto(false);
    const serve = await startServe({ args: consoleArgs(b) });
    await up(serve, 'the console on mosquitto');
    await b.stop('SIGTERM');
    await b.start();
    const h = await waitFor(
      async () => {
        const x = await health(serve);
        return x.body.broker.state === 'up' && (x.body.broker.guards?.session_lost ?? 0) >= 1 ? x : undefined;
      },
      'the lost session in health',
      { timeoutMs: 30_000 },
    );
    expect(h.body.broker.guards?.reconnects).toBeGreaterThanOrEqual(1);
    expect(h.body.broker.error).toMatch(/lost the console's session/);
  }, 60_000);

  it('with persistence, a mosquitto restart under load loses nothing a device got a PUBACK for', async () => {
    const b = await mosquitto(true);
    const serve = await startServe({ args: consoleArgs(b) });
    await up(serve, 'the console on mosquitto');
    const dev = device(b, 'hx-restart');
    await waitFor(() => dev.acked.size >= 1000, '1,000 acknowledged before the restart', {
      timeoutMs: 60_000,
    });
    await b.stop('SIGTERM');
    const beforeRestart = dev.acked.size;
    await b.start();
    await waitFor(() => dev.acked.size >= beforeRestart + 1000, '1,000 more after it', { timeoutMs: 60_000 });
    dev.stop();
    const stored = await waitStored(serve, 'hx-restart', dev.acked);
    const h = await health(serve);
    expect(h.body.broker.guards?.session_lost ?? 0).toBe(0);
    console.log(
      `mosquitto restart: ${dev.acked.size} acknowledged of ${dev.sent()} sent, ${stored.size} stored, ` +
        `0 acknowledged lost; console reconnects ${h.body.broker.guards?.reconnects}`,
    );
  }, 180_000);

  it('a console kill -9 under load loses nothing: the broker queues for its persistent session', async () => {
    const b = await mosquitto(true);
    const dataDir = makeTempDir('marshal-hx-console-');
    dirs.push(dataDir);
    const first = await startServe({ dataDir, args: consoleArgs(b) });
    await up(first, 'the console on mosquitto');
    const dev = device(b, 'hx-kill');
    await waitFor(() => dev.acked.size >= 1000, '1,000 acknowledged', { timeoutMs: 60_000 });
    await first.kill9();
    const atKill = dev.acked.size;
    await waitFor(() => dev.acked.size >= atKill + 1500, '1,500 acknowledged while the console is away', {
      timeoutMs: 60_000,
    });
    const second = await startServe({ dataDir, args: consoleArgs(b) });
    await up(second, 'the restarted console');
    await waitFor(() => dev.acked.size >= atKill + 2500, 'more after its return', { timeoutMs: 60_000 });
    dev.stop();
    const stored = await waitStored(second, 'hx-kill', dev.acked);
    expect((await health(second)).body.broker.guards?.session_lost ?? 0).toBe(0);
    console.log(
      `console kill -9: ${dev.acked.size} acknowledged of ${dev.sent()} sent (${dev.acked.size - atKill} after the kill), ` +
        `${stored.size} stored, 0 acknowledged lost`,
    );
  }, 180_000);
});
