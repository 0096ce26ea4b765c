/**
 * Delivery after reconnect: a command for an offline device waits (queued) and goes out when the
 * device is back — also across a console restart — and expires when it does not come back in time.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  cleanupServes,
  getJson,
  makeTempDir,
  removeDir,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import { SimDevice } from './commands-devices';
import type { CommandRecord } from '../../src-shared/contract/devices';
import type { DeviceRow } from '../../src-shared/contract/types';

/** The product's shape (a test that drifts from it does not compile). */
type CommandBody = CommandRecord;

const devices: SimDevice[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const d of devices.splice(0)) await d.close();
  await cleanupServes();
});
afterAll(() => dirs.forEach((d) => removeDir(d)));

async function post(serve: ServeHandle, body: unknown): Promise<CommandBody> {
  const res = await fetch(`${serve.httpUrl}/api/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json()) as CommandBody;
  if (res.status !== 201) throw new Error(`POST ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function get(serve: ServeHandle, id: string): Promise<CommandBody> {
  const r = await getJson<CommandBody>(`${serve.httpUrl}/api/commands/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function online(serve: ServeHandle, id: string, want: boolean): Promise<void> {
  await waitFor(
    async () => {
      const r = await getJson<{ devices: DeviceRow[] }>(`${serve.httpUrl}/api/devices`);
      return r.body.devices.some((d) => d.device_id === id && d.online === want);
    },
    `${id} ${want ? 'online' : 'offline'}`,
  );
}

const until = (serve: ServeHandle, id: string, state: string) =>
  waitFor(async () => {
    const c = await get(serve, id);
    return c.state === state ? c : undefined;
  }, `command ${id} ${state}`);

describe('delivery after reconnect', () => {
  it('keeps a command for an offline cabinet queued and delivers it when the cabinet is back', async () => {
    const serve = await startServe();
    const cab = new SimDevice(serve.mqttUrl, { kind: 'cabinet', id: 'cab-r1' });
    devices.push(cab);
    await cab.connect();
    await online(serve, 'cab-r1', true);

    cab.drop(); // no DISCONNECT: the broker publishes the will, {online: false}
    await online(serve, 'cab-r1', false);
    const queued = await post(serve, { device_id: 'cab-r1', command: 'reset' });
    expect(queued).toMatchObject({ state: 'queued', sent_at: null });
    // A later event from another device is no reason to send it.
    const other = new SimDevice(serve.mqttUrl, { kind: 'gateway', id: 'gw-r1' });
    devices.push(other);
    await other.connect();
    await online(serve, 'gw-r1', true);
    expect((await get(serve, queued.id)).state).toBe('queued');
    expect(cab.received).toEqual([]);

    await cab.connect();
    // Cabinets never answer: delivered once the broker took it.
    const done = await until(serve, queued.id, 'delivered');
    expect(Date.parse(done.sent_at!)).toBeGreaterThan(Date.parse(done.created_at));
    expect(await waitFor(async () => (cab.bytes.length ? cab.bytes : undefined), 'the byte')).toEqual(['R']);
  });

  it('expires a queued command the device never comes back for', async () => {
    const serve = await startServe();
    const gw = new SimDevice(serve.mqttUrl, { kind: 'gateway', id: 'gw-x1' });
    devices.push(gw);
    await gw.connect();
    await online(serve, 'gw-x1', true);
    gw.drop();
    await online(serve, 'gw-x1', false);
    const c = await post(serve, {
      device_id: 'gw-x1',
      command: 'set_auto_mode',
      args: { enabled: true },
      ttl_ms: 1000,
    });
    expect(c.state).toBe('queued');
    const expired = await until(serve, c.id, 'expired');
    expect(expired).toMatchObject({ sent_at: null, error: 'not delivered before it expired' });
    await gw.connect();
    await online(serve, 'gw-x1', true);
    expect((await get(serve, c.id)).state).toBe('expired');
    expect(gw.received).toEqual([]);
  });

  it('keeps the queue across a console restart', async () => {
    const dataDir = makeTempDir('marshal-cmd-restart-');
    dirs.push(dataDir);
    let serve = await startServe({ dataDir });
    const sensor = new SimDevice(serve.mqttUrl, { kind: 'range-sensor', id: 'bt-r1' });
    devices.push(sensor);
    await sensor.connect();
    await online(serve, 'bt-r1', true);
    sensor.drop();
    await online(serve, 'bt-r1', false);
    const c = await post(serve, { device_id: 'bt-r1', command: 'read_battery' });
    expect(c.state).toBe('queued');
    await serve.stop();

    serve = await startServe({ dataDir });
    expect((await get(serve, c.id)).state).toBe('queued');
    const back = new SimDevice(serve.mqttUrl, { kind: 'range-sensor', id: 'bt-r1' });
    devices.push(back);
    await back.connect();
    const done = await until(serve, c.id, 'acknowledged');
    expect(done.error).toBeNull();
    expect(back.received.map((x) => x.body)).toEqual([
      expect.objectContaining({ command_id: c.id, command: 'read_battery', frames_hex: ['ffaa276400'] }),
    ]);
  });
});
