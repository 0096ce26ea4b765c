/**
 * The `serve` command line as other programs rely on it (product.md "Commands" and "Process"):
 * exactly the URL lines on stdout, free ports with 0, exit code 2 on a bad flag, and a clean exit 0
 * on SIGINT / SIGTERM, also when the signal goes to the process group.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  cleanupServes,
  freePort,
  getJson,
  makeTempDir,
  removeDir,
  spawnServe,
  startServe,
  type ExitInfo,
} from '../helpers/serve';
import { connectMqtt, mosquittoSub, targetFromUrl } from '../helpers/mqtt';
import type { EventsPage } from '../helpers/serve';

const MQTT_LINE = /^mqtt:\/\/127\.0\.0\.1:(\d+)$/;
const HTTP_LINE = /^http:\/\/127\.0\.0\.1:(\d+)$/;
const EXIT_DEADLINE_MS = 20_000;

// Each test stops what it started; anything left over is killed at the end. (Not afterEach: the
// bad-invocation cases run concurrently.)
afterAll(async () => {
  await cleanupServes();
});

function waitExit(exited: Promise<ExitInfo>, what: string): Promise<ExitInfo> {
  return Promise.race([
    exited,
    new Promise<ExitInfo>((_, rej) =>
      setTimeout(
        () => rej(new Error(`${what} did not exit within ${EXIT_DEADLINE_MS} ms`)),
        EXIT_DEADLINE_MS,
      ),
    ),
  ]);
}

/** Opens an MQTT client, a subscriber and a /live socket, so stopping has real connections to close. */
async function withClients(mqttUrl: string, httpUrl: string) {
  const mqtt = await connectMqtt(mqttUrl, { clientId: `cli-${Date.now()}` });
  mqtt.on('error', () => undefined);
  const sub = await mosquittoSub(targetFromUrl(mqttUrl), 'leadville/#');
  const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/live`);
  ws.on('error', () => undefined);
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  return {
    async close() {
      mqtt.end(true);
      ws.terminate();
      await sub.stop();
    },
  };
}

describe('serve: printed URLs', () => {
  it('prints exactly the mqtt and http URL lines on stdout, nothing else', async () => {
    const serve = await startServe();
    const lines = serve.stdoutLines();
    expect(lines).toHaveLength(2);
    const mqttPort = Number(MQTT_LINE.exec(lines[0]!)?.[1]);
    const httpPort = Number(HTTP_LINE.exec(lines[1]!)?.[1]);
    expect(mqttPort).toBeGreaterThan(0);
    expect(httpPort).toBeGreaterThan(0);
    expect(mqttPort).not.toBe(httpPort);
    // Both URLs really answer.
    expect((await getJson<{ ok: boolean }>(`${serve.httpUrl}/health`)).body.ok).toBe(true);
    const c = await connectMqtt(serve.mqttUrl, { clientId: 'cli-probe' });
    await c.endAsync();
    const exit = await serve.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    // Nothing else reached stdout, even while stopping (logs go to stderr).
    expect(serve.stdout()).toBe(`${lines[0]}\n${lines[1]}\n`);
  });

  it('--mqtt-port 0 and --http-port 0 pick free ports: two instances run side by side', async () => {
    const [a, b] = await Promise.all([startServe(), startServe()]);
    const ports = [a!.mqttUrl, a!.httpUrl, b!.mqttUrl, b!.httpUrl].map((u) => Number(new URL(u).port));
    expect(new Set(ports).size).toBe(4);
    for (const s of [a!, b!]) expect((await getJson(`${s.httpUrl}/health`)).status).toBe(200);
    for (const s of [a!, b!]) expect(await s.stop()).toEqual({ code: 0, signal: null });
  });

  it('explicit ports are used and printed as given', async () => {
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const dataDir = makeTempDir('marshal-cli-');
    try {
      const serve = await startServe({
        dataDir,
        rawArgs: ['--data-dir', dataDir, '--mqtt-port', String(mqttPort), '--http-port', String(httpPort)],
      });
      expect(serve.stdoutLines()).toEqual([`mqtt://127.0.0.1:${mqttPort}`, `http://127.0.0.1:${httpPort}`]);
      expect(await serve.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await cleanupServes();
      removeDir(dataDir);
    }
  });
});

describe('serve: bad invocations', () => {
  const badArgs: [string, string[], Record<string, string>?][] = [
    ['an unknown flag', ['--bogus']],
    ['a positional argument', ['extra']],
    ['a port above 65535', ['--mqtt-port', '70000']],
    ['a port that is not a number', ['--http-port', 'abc']],
    ['a flag without its value', ['--mqtt-port']],
    ['--tls-cert without --tls-key', ['--tls-cert', '/nonexistent/cert.pem']],
    ['a broker URL with an unsupported scheme', ['--broker-url', 'http://127.0.0.1:1883']],
    ['a broker URL that is not a URL', ['--broker-url', 'not a url']],
    ['MQTT_PORT that is not a port', [], { MQTT_BROKER: '127.0.0.1', MQTT_PORT: 'abc' }],
  ];

  it.concurrent.for(badArgs)(
    '%s → exit code 2 with a message on stderr',
    async ([, args, env], { expect }) => {
      const dataDir = makeTempDir('marshal-cli-');
      try {
        const { exited, out } = spawnServe({ rawArgs: ['--data-dir', dataDir, ...args], env });
        const exit = await waitExit(exited, 'serve with a bad flag');
        expect(exit.code, out.stderr).toBe(2);
        expect(out.stderr.trim().length).toBeGreaterThan(0);
        expect(out.stderr).toMatch(/marshal serve:/);
        expect(out.stdout).toBe('');
      } finally {
        removeDir(dataDir);
      }
    },
  );

  it('a port already in use → non-zero exit with the reason on stderr, nothing on stdout', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = makeTempDir('marshal-cli-');
    try {
      for (const flag of ['--mqtt-port', '--http-port']) {
        const other = flag === '--mqtt-port' ? '--http-port' : '--mqtt-port';
        const { exited, out } = spawnServe({
          rawArgs: ['--data-dir', dataDir, flag, String(port), other, '0'],
        });
        const exit = await waitExit(exited, `serve with ${flag} in use`);
        expect(exit.code).not.toBe(0);
        expect(exit.code).not.toBeNull();
        expect(out.stderr).toMatch(/EADDRINUSE|in use/i);
        expect(out.stdout.split('\n').filter((l) => l.startsWith('http'))).toEqual([]);
      }
    } finally {
      blocker.close();
      removeDir(dataDir);
    }
  });
});

describe('serve: stopping', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s → exit code 0, with clients connected', async (signal) => {
    const serve = await startServe();
    const clients = await withClients(serve.mqttUrl, serve.httpUrl);
    try {
      const exit = await serve.stop(signal, EXIT_DEADLINE_MS);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(serve.stderr()).toContain(`${signal}, stopping`);
    } finally {
      await clients.close();
    }
  });

  it('SIGTERM to the process group → exit code 0', async () => {
    const serve = await startServe({ detached: true });
    const clients = await withClients(serve.mqttUrl, serve.httpUrl);
    try {
      process.kill(-serve.pid, 'SIGTERM');
      const exit = await waitExit(serve.exited, 'serve after a group SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
    } finally {
      await clients.close();
    }
  });

  /*
   * KNOWN BUG (reported): serve prints its URLs before it installs its SIGINT/SIGTERM handlers, so
   * a supervisor that signals as soon as it reads the URLs sometimes kills it with the default
   * action (exit by signal, no clean stop). Probabilistic, hence skipped rather than `.fails`:
   * enable it once serve.ts registers the handlers before printing.
   */
  it('a SIGTERM sent the moment the URLs are printed still stops cleanly', async () => {
    const runOnce = async () => {
      const { proc, exited, out } = spawnServe();
      proc.stdout!.on('data', () => {
        if (/\nhttp:\/\/\S+\n/.test(out.stdout) && proc.exitCode === null) proc.kill('SIGTERM');
      });
      return waitExit(exited, 'serve signalled at readiness');
    };
    const exits: ExitInfo[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 4; i++) exits.push(await runOnce());
      }),
    );
    expect(exits.filter((e) => e.code !== 0)).toEqual([]);
  });

  it('a stopped console restarts on the same data dir with its data', async () => {
    const serve = await startServe();
    const c = await connectMqtt(serve.mqttUrl, { clientId: 'cli-data' });
    await c.publishAsync(
      'leadville/timer/events',
      JSON.stringify({ event_type: 'SHOT', device_id: 'tm-cli', shot_number: 1 }),
      { qos: 1 },
    );
    await c.endAsync();
    expect((await serve.stop('SIGINT')).code).toBe(0);
    const again = await startServe({ dataDir: serve.dataDir });
    const r = await getJson<EventsPage>(`${again.httpUrl}/api/events?device_id=tm-cli`);
    expect(r.body.events).toHaveLength(1);
    expect(await again.stop()).toEqual({ code: 0, signal: null });
  });
});
