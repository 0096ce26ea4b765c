/**
 * LAN mode (`--lan`, connections on 127.0.0.1 only): commands to devices holding credentials, a
 * device that tries to acknowledge (or publish) as another is refused by the ACL, credentials are
 * added, shown with who holds them, and revoked from the console's contract, and the command API
 * is guarded for callers that are not on this machine.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../src-main/broker/credentials';
import { API_TOKEN_FILE } from '../../src-main/core/guard';
import {
  cleanupServes,
  getJson,
  makeTempDir,
  removeDir,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import { tryConnect } from '../helpers/mqtt';
import { SimDevice } from './commands-devices';
import type { CommandRecord } from '../../src-shared/contract/devices';
import type { DeviceRow } from '../../src-shared/contract/types';

let dataDir: string;
let serve: ServeHandle;
let mqttUrl: string;
const pw: Record<string, string> = {};
const devices: SimDevice[] = [];

/** The product's shape (a test that drifts from it does not compile). */
type CommandBody = CommandRecord;

async function post(body: unknown, opts: { base?: string; token?: string } = {}) {
  const res = await fetch(`${opts.base ?? serve.httpUrl}/api/commands`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as CommandBody & { error?: string } };
}

const until = (id: string, states: string[]) =>
  waitFor(
    async () => {
      const r = await getJson<CommandBody>(`${serve.httpUrl}/api/commands/${id}`);
      return states.includes(r.body.state) ? r.body : undefined;
    },
    `command ${id} in ${states.join('/')}`,
  );

/** The console's own contract over /ws (what the web UI uses). */
async function contract() {
  const ws = new WebSocket(`${serve.httpUrl.replace('http', 'ws')}/ws`);
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  let next = 1;
  const pending = new Map<number, (f: { ok: boolean; res?: unknown; error?: string }) => void>();
  ws.on('message', (raw) => {
    const f = JSON.parse(String(raw)) as {
      t: string;
      id: number;
      ok: boolean;
      res?: unknown;
      error?: string;
    };
    if (f.t === 'result') pending.get(f.id)?.(f);
  });
  return {
    call<T>(name: string, req?: unknown): Promise<T> {
      const id = next++;
      return new Promise<T>((res, rej) => {
        pending.set(id, (f) => (f.ok ? res(f.res as T) : rej(new Error(f.error))));
        ws.send(JSON.stringify({ t: 'call', id, name, req }));
      });
    },
    close: () => ws.close(),
  };
}

beforeAll(async () => {
  dataDir = makeTempDir('marshal-cmd-lan-');
  const creds = new CredentialStore(dataDir);
  pw['cab-1'] = creds.add('whackamole', 'cab-1');
  pw['cab-2'] = creds.add('whackamole', 'cab-2');
  pw['gw-1'] = creds.add('gateway', 'gw-1');
  pw['gw-2'] = creds.add('gateway', 'gw-2');
  serve = await startServe({ dataDir, args: ['--lan'] });
  mqttUrl = `mqtt://127.0.0.1:${new URL(serve.mqttUrl).port}`;
  for (const [kind, id] of [
    ['cabinet', 'cab-1'],
    ['cabinet', 'cab-2'],
    ['gateway', 'gw-1'],
    ['gateway', 'gw-2'],
  ] as const) {
    // cab-2 and gw-2 never answer: only a forged ack could settle their commands.
    const d = new SimDevice(mqttUrl, {
      kind,
      id,
      username: id,
      password: pw[id],
      decide: id.endsWith('-2') ? () => null : undefined,
    });
    await d.connect();
    devices.push(d);
  }
  await waitFor(async () => {
    const r = await getJson<{ devices: DeviceRow[] }>(`${serve.httpUrl}/api/devices`);
    return ['cab-1', 'cab-2', 'gw-1', 'gw-2'].every((id) =>
      r.body.devices.some((d) => d.device_id === id && d.online),
    );
  }, 'the four devices online');
}, 60_000);

afterAll(async () => {
  for (const d of devices) await d.close();
  await cleanupServes();
  if (dataDir) removeDir(dataDir);
});

describe('commands in LAN mode', () => {
  it('a device with a credential gets its command (a cabinet: its byte, delivered)', async () => {
    const r = await post({ device_id: 'cab-1', command: 'identify' });
    expect(r.status).toBe(201);
    expect(await until(r.body.id, ['delivered'])).toMatchObject({ error: null, who: 'api (127.0.0.1)' });
    const cab = devices.find((d) => d.opts.id === 'cab-1')!;
    expect(
      await waitFor(async () => (cab.bytes.includes('I') ? cab.bytes : undefined), 'the byte'),
    ).toContain('I');
  });

  it('a cabinet cannot report as another cabinet, nor send one its commands', async () => {
    const forger = devices.find((d) => d.opts.id === 'cab-1')!;
    const offline = JSON.stringify({ device_id: 'cab-2', ts: 1, status: 'offline' });
    expect(await forger.publishAs('whac/cab-2/state', offline)).toBe('closed');
    await forger.connect();
    expect(await forger.publishAs('whac/cab-2/commands', 'R')).toBe('closed');
    await forger.connect();
  });

  it('a gateway cannot acknowledge as another gateway', async () => {
    const r = await post({
      device_id: 'gw-2',
      command: 'set_actuator',
      args: { room: 'fruiting', actuator: 'led', state: 'on' },
      timeout_ms: 2000,
    });
    const forger = devices.find((d) => d.opts.id === 'gw-1')!;
    const forged = JSON.stringify({ room: 'fruiting', actuator: 'led', state: 'on' });
    expect(await forger.publishAs('devices/gw-2/actuator_states', forged)).toBe('closed');
    await forger.connect();
    expect(await forger.publishAs('devices/gw-2/status', '{"online":false}')).toBe('closed');
    expect(await until(r.body.id, ['timed_out', 'failed', 'acknowledged'])).toMatchObject({
      state: 'timed_out',
      error: expect.stringMatching(/no acknowledgement/),
    });
    await forger.connect();
    // gw-2 stays online: the forged offline status never got in.
    const list = await getJson<{ devices: DeviceRow[] }>(`${serve.httpUrl}/api/devices`);
    expect(list.body.devices.find((d) => d.device_id === 'gw-2')?.online).toBe(true);
  });

  it('adds a credential from the console (password shown once), shows who holds it, revokes it', async () => {
    const c = await contract();
    try {
      const added = await c.call<{ username: string; password: string }>('credentials.add', {
        family: 'whackamole',
        device_id: 'cab-3',
      });
      expect(added.username).toBe('cab-3');
      expect(added.password.length).toBeGreaterThanOrEqual(16);
      expect(readFileSync(join(dataDir, 'broker-credentials.json'), 'utf8')).not.toContain(added.password);

      const cab3 = new SimDevice(mqttUrl, {
        kind: 'cabinet',
        id: 'cab-3',
        username: 'cab-3',
        password: added.password,
      });
      await cab3.connect();
      devices.push(cab3);
      const list = await c.call<{
        enforced: boolean;
        credentials: {
          username: string;
          clients: { client_id: string }[];
          acl: { publish: string[]; subscribe: string[] };
        }[];
        families: { family: string }[];
      }>('credentials.list');
      expect(list.enforced).toBe(true);
      const row = list.credentials.find((x) => x.username === 'cab-3')!;
      expect(row.clients.map((x) => x.client_id)).toEqual([cab3.client!.options.clientId]);
      expect(row.acl.subscribe).toEqual([
        'whac/cab-3/commands',
        'whackamole/cab-3/config',
        'whackamole/cab-3/command',
      ]);
      expect(list.families.map((f) => f.family)).toEqual([
        'range',
        'whackamole',
        'neurogame',
        'gateway',
        'console',
      ]);
      expect(JSON.stringify(list)).not.toContain(added.password);

      const closed = new Promise<void>((res) => cab3.client!.once('close', () => res()));
      expect(await c.call('credentials.revoke', { username: 'cab-3' })).toEqual({
        revoked: true,
        disconnected: 1,
      });
      await closed;
      const again = await tryConnect(mqttUrl, {
        clientId: 'cab-3-again',
        username: 'cab-3',
        password: added.password,
      });
      expect(again.ok).toBe(false);
    } finally {
      c.close();
    }
  });

  it('guards POST /api/commands: loopback passes, another address needs the bearer token', async () => {
    const loop = await post({ device_id: 'cab-1', command: 'identify' });
    expect(loop.status).toBe(201);
    const lanIp = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!lanIp) {
      console.warn('no non-loopback IPv4 address here: the guard is covered by src-main/host/guard.test.ts');
      return;
    }
    const base = `http://${lanIp}:${new URL(serve.httpUrl).port}`;
    const denied = await post({ device_id: 'cab-1', command: 'identify' }, { base });
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual({ error: expect.stringMatching(/Bearer/) });
    const token = readFileSync(join(dataDir, API_TOKEN_FILE), 'utf8').trim();
    expect(serve.stdout() + serve.stderr()).not.toContain(token);
    const wrong = await post({ device_id: 'cab-1', command: 'identify' }, { base, token: 'not-it' });
    expect(wrong.status).toBe(401);
    const ok = await post({ device_id: 'cab-1', command: 'identify' }, { base, token });
    expect(ok.status).toBe(201);
    expect(ok.body.who).toBe(`api (${lanIp})`);
    // Reading stays open to the LAN, like the rest of the read-only API.
    expect((await getJson(`${base}/api/commands/${ok.body.id}`)).status).toBe(200);
  });
});
