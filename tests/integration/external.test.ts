/**
 * External-broker mode against a real mosquitto 2.x: password auth, a TLS listener with a
 * throw-away CA, the --broker-url and the MQTT_* environment forms, a wrong password, a broker
 * restart, a persistent session across a console restart, and kill -9 of the console.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
import {
  connectMqtt,
  makeTlsFiles,
  mosquittoPasswd,
  mosquittoPub,
  MosquittoBroker,
  type BrokerTarget,
  type MosquittoTls,
} from '../helpers/mqtt';

const CONSOLE_USER = 'marshal';
const CONSOLE_PASS = 'Sup3r-s3cret-PW';
const DEVICE_USER = 'bridge';
const DEVICE_PASS = 'dev1ce-pw';

let dir: string;
let tls: MosquittoTls;
let broker: MosquittoBroker;

const plain = (): BrokerTarget => ({
  host: '127.0.0.1',
  port: broker.port,
  username: DEVICE_USER,
  password: DEVICE_PASS,
});

function envForm(password = CONSOLE_PASS): Record<string, string> {
  return {
    MQTT_BROKER: '127.0.0.1',
    MQTT_PORT: String(broker.port),
    MQTT_USERNAME: CONSOLE_USER,
    MQTT_PASSWORD: password,
  };
}

async function waitHealthy(serve: ServeHandle) {
  return waitFor(
    async () => {
      const h = await api(serve.httpUrl).health();
      return h.status === 200 && h.body.broker.state === 'up' ? h : undefined;
    },
    'the console to join the broker (health 200)',
    { timeoutMs: 30_000 },
  );
}

async function waitDown(serve: ServeHandle) {
  return waitFor(
    async () => {
      const h = await api(serve.httpUrl).health();
      return h.status === 503 && h.body.broker.state !== 'up' ? h : undefined;
    },
    'health to report the broker down (503)',
    { timeoutMs: 30_000 },
  );
}

let sentinels = 0;

/**
 * Ordering marker: publishes a QoS 0 message on a foreign topic and waits until the console
 * counted it as unhandled. mosquitto delivers to the console in order, so everything published
 * before it has been through ingest by then; a test can then assert without a long deadline.
 */
async function sentinel(serve: ServeHandle): Promise<void> {
  const http = api(serve.httpUrl);
  const before = (await http.stats()).unhandled;
  await mosquittoPub(plain(), `venue/sentinel/${++sentinels}`, 'x', { qos: 0 });
  await waitFor(async () => (await http.stats()).unhandled > before, 'the QoS 0 sentinel');
}

beforeAll(async () => {
  dir = makeTempDir('marshal-mosq-');
  const pw = join(dir, 'passwords');
  await mosquittoPasswd(pw, CONSOLE_USER, CONSOLE_PASS, true);
  await mosquittoPasswd(pw, DEVICE_USER, DEVICE_PASS, false);
  tls = await makeTlsFiles(dir);
  broker = new MosquittoBroker({ dir, passwordFile: pw, tls });
  await broker.start();
}, 60_000);

afterEach(async () => {
  await cleanupServes();
  if (!broker.running()) await broker.start();
});

afterAll(async () => {
  await cleanupServes();
  await broker?.stop();
  if (dir) removeDir(dir);
});

describe('external broker (mosquitto)', () => {
  it('joins over TLS with credentials in --broker-url and MQTT_CA_FILE; the printed URL has the password redacted', async () => {
    const serve = await startServe({
      args: ['--broker-url', `mqtts://${CONSOLE_USER}:${CONSOLE_PASS}@127.0.0.1:${broker.tlsPort}`],
      env: { MQTT_CA_FILE: tls.caFile },
    });
    expect(serve.mqttUrl).toBe(`mqtts://${CONSOLE_USER}:***@127.0.0.1:${broker.tlsPort}`);
    const h = await waitHealthy(serve);
    expect(h.body.broker.mode).toBe('external');
    expect(JSON.stringify(h.body)).not.toContain(CONSOLE_PASS);

    await mosquittoPub(
      {
        host: '127.0.0.1',
        port: broker.tlsPort,
        username: DEVICE_USER,
        password: DEVICE_PASS,
        cafile: tls.caFile,
      },
      'leadville/timer/events',
      JSON.stringify({ event_type: 'SHOT', device_id: 'tm-tls', shot_number: 1, time: 2.29 }),
      // QoS 0: QoS 1 ingest in external mode is covered (and currently broken) below.
      { qos: 0 },
    );
    const [ev] = await api(serve.httpUrl).waitForEvents(
      { device_id: 'tm-tls' },
      (e) => e.length === 1,
      'the shot sent over TLS',
    );
    expect(ev).toMatchObject({
      kind: 'timer.shot',
      topic: 'leadville/timer/events',
      data: { time_ms: 2290 },
    });

    const exit = await serve.stop('SIGTERM');
    expect(exit.code).toBe(0);
    // Secrets never logged.
    expect(serve.stdout()).not.toContain(CONSOLE_PASS);
    expect(serve.stderr()).not.toContain(CONSOLE_PASS);
  });

  it('joins with MQTT_BROKER / MQTT_PORT / MQTT_USERNAME / MQTT_PASSWORD on the plain listener', async () => {
    const serve = await startServe({ env: envForm() });
    expect(serve.stdoutLines()[0]).toBe(`mqtt://127.0.0.1:${broker.port}`);
    await waitHealthy(serve);
    const http = api(serve.httpUrl);
    const before = await http.stats();
    await mosquittoPub(
      plain(),
      'leadville/sensor/ext-s1/telemetry',
      JSON.stringify({ seq: 1, x: 1, y: 2, z: 3 }),
      { qos: 0 },
    );
    await mosquittoPub(plain(), 'venue/scoreboard', 'not ours', { qos: 0 });
    const [sample] = await http.waitForEvents(
      { kind: 'sensor.sample', device_id: 'ext-s1' },
      (e) => e.length === 1,
      'the sample via the external broker',
    );
    expect(sample!.data).toMatchObject({ seq: 1, x: 1, y: 2, z: 3 });
    const after = await waitFor(async () => {
      const s = await http.stats();
      return s.unhandled > before.unhandled ? s : undefined;
    }, 'the foreign topic counted as unhandled');
    expect(after.unhandled - before.unhandled).toBe(1);
    expect(serve.stdout()).not.toContain(CONSOLE_PASS);
    expect((await serve.stop('SIGINT')).code).toBe(0);
  });

  it('a wrong password shows the broker down (503) while the process keeps running', async () => {
    const wrong = 'definitely-wrong-pw';
    const serve = await startServe({ env: envForm(wrong) });
    const h = await waitDown(serve);
    expect(h.body.ok).toBe(false);
    expect(h.body.broker.mode).toBe('external');
    expect(JSON.stringify(h.body)).not.toContain(wrong);
    // Still serving, and still down (it keeps retrying, never crashes).
    const again = await waitDown(serve);
    expect(again.status).toBe(503);
    expect((await getJson(`${serve.httpUrl}/health`)).status).toBe(200);
    expect(serve.alive()).toBe(true);
    expect(serve.stderr()).not.toContain(wrong);
    expect((await serve.stop('SIGTERM')).code).toBe(0);
  });

  it('reconnects when the broker comes back on the same port, and ingests again', async () => {
    const serve = await startServe({ env: envForm() });
    await waitHealthy(serve);
    await broker.stop();
    await waitDown(serve);
    expect(serve.alive()).toBe(true);
    await broker.start();
    await waitHealthy(serve);
    // mosquitto kept no state (persistence false): the console subscribed again.
    await mosquittoPub(
      plain(),
      'leadville/timer/events',
      JSON.stringify({ event_type: 'SHOT', device_id: 'tm-back', shot_number: 1 }),
      {
        qos: 0,
      },
    );
    await api(serve.httpUrl).waitForEvents(
      { device_id: 'tm-back' },
      (e) => e.length === 1,
      'a shot after the broker restart',
    );
    expect((await serve.stop('SIGTERM')).code).toBe(0);
  });

  /*
   * KNOWN BUG (reported): mqtt.js honours `customHandleAcks` only with protocolVersion 5, so with
   * the 3.1.1 connection ExternalBroker makes, every QoS 1/2 message is acknowledged at once and
   * never reaches ingest (the 'message' handler only takes QoS 0). Remove `.fails` once fixed.
   */
  it('QoS 1 messages are ingested (and acknowledged only after the commit)', async () => {
    const serve = await startServe({ env: envForm() });
    await waitHealthy(serve);
    await mosquittoPub(
      plain(),
      'leadville/timer/events',
      JSON.stringify({ event_type: 'SHOT', device_id: 'tm-q1', shot_number: 1 }),
      {
        qos: 1,
      },
    );
    await sentinel(serve);
    expect(await api(serve.httpUrl).events({ device_id: 'tm-q1' })).toHaveLength(1);
  });

  it('a QoS 1 message published while the console was away is delivered when it returns (persistent session)', async () => {
    const dataDir = makeTempDir('marshal-ext-session-');
    try {
      const first = await startServe({ dataDir, env: envForm() });
      await waitHealthy(first);
      expect((await first.stop('SIGTERM')).code).toBe(0);

      await mosquittoPub(
        plain(),
        'leadville/timer/events',
        JSON.stringify({ event_type: 'SHOT', device_id: 'tm-away', shot_number: 3, time: 4.56 }),
        { qos: 1 },
      );

      const second = await startServe({ dataDir, env: envForm() });
      await waitHealthy(second);
      // The queued message comes first on the resumed session, then the sentinel.
      await sentinel(second);
      const evs = await api(second.httpUrl).events({ device_id: 'tm-away' });
      expect(evs).toHaveLength(1);
      expect(evs[0]!.data).toMatchObject({ shot_number: 3, time_ms: 4560 });
      expect((await second.stop('SIGTERM')).code).toBe(0);
    } finally {
      await cleanupServes();
      removeDir(dataDir);
    }
  });

  it('kill -9 of the console: messages it had not acknowledged are redelivered, none lost, each stored once', async () => {
    const N = 3000;
    const KILL_AT = 500;
    const dataDir = makeTempDir('marshal-ext-kill9-');
    const publisher = await connectMqtt(`mqtt://127.0.0.1:${broker.port}`, {
      username: DEVICE_USER,
      password: DEVICE_PASS,
      clientId: 'ext-kill9-pub',
    });
    try {
      const first = await startServe({ dataDir, env: envForm() });
      await waitHealthy(first);
      const http1 = api(first.httpUrl);
      // Fail fast while QoS 1 ingest is broken (see above) instead of waiting for a deadline.
      await mosquittoPub(
        plain(),
        'leadville/sensor/ext-load/telemetry',
        JSON.stringify({ seq: -1, x: 0, y: 0, z: 0 }),
        { qos: 1 },
      );
      await sentinel(first);
      expect(await http1.events({ kind: 'sensor.sample', device_id: 'ext-load' })).toHaveLength(1);

      let sent = 0;
      const publishing = (async () => {
        for (let seq = 0; seq < N; seq++) {
          await publisher.publishAsync(
            'leadville/sensor/ext-load/telemetry',
            JSON.stringify({ seq, x: seq, y: 0, z: 0 }),
            { qos: 1 },
          );
          sent++;
        }
      })();
      // Kill mid-stream, once the console has committed a good part.
      await waitFor(
        async () => (await http1.stats()).messages_in >= KILL_AT,
        `the console to ingest ${KILL_AT} messages`,
        {
          intervalMs: 10,
        },
      );
      await first.kill9();
      const sentAtKill = sent;
      await publishing;
      expect(sentAtKill).toBeLessThan(N);

      const second = await startServe({ dataDir, env: envForm() });
      const http2 = api(second.httpUrl);
      const samples = await waitFor(
        async () => {
          const evs = await http2.events({ kind: 'sensor.sample', device_id: 'ext-load', limit: 10_000 });
          return evs.length >= N + 1 ? evs : undefined;
        },
        `all ${N} samples after the restart`,
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      const seqs = new Set(samples.map((s) => s.data.seq as number));
      expect(seqs.size).toBe(N + 1);
      expect(samples).toHaveLength(N + 1);
      const stats = await http2.stats();
      console.log(
        `[external kill -9] published ${N} (${sentAtKill} before the kill), stored ${samples.length - 1}, ` +
          `duplicates after redelivery ${stats.duplicates}`,
      );
      expect((await second.stop('SIGTERM')).code).toBe(0);
    } finally {
      await publisher.endAsync().catch(() => undefined);
      await cleanupServes();
      removeDir(dataDir);
    }
  }, 120_000);
});
