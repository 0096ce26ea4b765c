/**
 * Commands to simulated devices of every family, through the real console (serve) and broker:
 * each family acknowledges, refuses (the device's reason is kept) and stays silent (timed out).
 *
 * Devices that answer are the simulator's own scenarios (range bridge, arcade cabinets, field
 * gateways); the silent ones are simulated devices whose firmware drops commands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario, type RunningSimulation } from '../../src-main/simulator/run';
import { api, cleanupServes, getJson, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import { SimDevice } from './commands-devices';
import type { CommandRecord } from '../../src-shared/contract/devices';
import type { DeviceRow } from '../../src-shared/contract/types';

/** The product's shape (a test that drifts from it does not compile). */
type CommandBody = CommandRecord;

let serve: ServeHandle;
let http: ReturnType<typeof api>;
const sims: RunningSimulation[] = [];
const silent: SimDevice[] = [];

async function post(body: unknown): Promise<{ status: number; body: CommandBody & { error: string } }> {
  const res = await fetch(`${serve.httpUrl}/api/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as CommandBody & { error: string } };
}

async function command(id: string): Promise<CommandBody> {
  const r = await getJson<CommandBody>(`${serve.httpUrl}/api/commands/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

/** Sends a command and waits until it leaves `queued`/`sent`. */
async function settle(body: Record<string, unknown>, what: string): Promise<CommandBody> {
  const r = await post(body);
  if (r.status !== 201) throw new Error(`POST /api/commands ${r.status}: ${JSON.stringify(r.body)}`);
  expect(r.body.state === 'queued' || r.body.state === 'sent').toBe(true);
  return waitFor(
    async () => {
      const c = await command(r.body.id);
      return c.state !== 'queued' && c.state !== 'sent' ? c : undefined;
    },
    what,
    { timeoutMs: 20_000 },
  );
}

async function devicesOnline(ids: string[]): Promise<void> {
  await waitFor(
    async () => {
      const r = await getJson<{ devices: DeviceRow[] }>(`${serve.httpUrl}/api/devices`);
      return ids.every((id) => r.body.devices.some((d) => d.device_id === id && d.online));
    },
    `devices online: ${ids.join(', ')}`,
    { timeoutMs: 30_000 },
  );
}

/** The simulator's first M.A.S.H. gateway. */
const GW = 'MASH-B2-CAL26-CE637C';

beforeAll(async () => {
  serve = await startServe();
  http = api(serve.httpUrl);
  const quiet = { brokerUrl: serve.mqttUrl, quiet: true, log: () => undefined, seed: 5 };
  sims.push(await runScenario({ ...quiet, scenario: 'range', sensors: 2, rateHz: 20 }));
  sims.push(await runScenario({ ...quiet, scenario: 'arcade' }));
  sims.push(await runScenario({ ...quiet, scenario: 'gateway' }));
  const drop = () => null;
  for (const [kind, id] of [
    ['cabinet', 'cab-legacy'],
    ['gateway', 'gw-legacy'],
    ['range-sensor', 'old-s1'],
  ] as const) {
    const d = new SimDevice(serve.mqttUrl, { kind, id, decide: drop });
    await d.connect();
    silent.push(d);
  }
  await devicesOnline(['amg-01', 'bt50-01', 'cab-01', GW, 'cab-legacy', 'gw-legacy', 'old-s1']);
}, 90_000);

afterAll(async () => {
  for (const s of sims) await s.stop().catch(() => undefined);
  for (const d of silent) await d.close();
  await cleanupServes();
});

describe('commands to every family', () => {
  it('whack-a-mole cabinet: one byte out, delivered (cabinets never answer)', async () => {
    // cab-03 is the arcade's HEAD cabinet.
    const ok = await settle({ device_id: 'cab-03', command: 'identify' }, 'cab-03 identify');
    expect(ok).toMatchObject({ state: 'delivered', error: null, acked_at: null, who: 'api (127.0.0.1)' });
    expect(ok.sent_at).not.toBeNull();
    const level = await settle(
      { device_id: 'cab-legacy', command: 'set_level', args: { level: 5 } },
      'cab-legacy level',
    );
    expect(level).toMatchObject({ state: 'delivered', acked_at: null });
    expect(
      await waitFor(async () => (silent[0]!.bytes.length ? silent[0]!.bytes : undefined), 'the byte'),
    ).toEqual(['5']);
  });

  it('field gateway: acknowledged by its actuator state; what it never answers times out', async () => {
    const ok = await settle(
      {
        device_id: GW,
        command: 'set_actuator',
        args: { room: 'fruiting', actuator: 'exhaust_fan', state: 'on' },
      },
      'gateway fan',
    );
    expect(ok).toMatchObject({ state: 'acknowledged', error: null });

    const auto = await settle(
      { device_id: GW, command: 'set_auto_mode', args: { enabled: true }, timeout_ms: 1500 },
      'gateway auto mode',
    );
    expect(auto.state).toBe('timed_out');

    const quiet = await settle(
      {
        device_id: 'gw-legacy',
        command: 'set_actuator',
        args: { room: 'fruiting', actuator: 'led', state: 'off' },
        timeout_ms: 1500,
      },
      'gw-legacy',
    );
    expect(quiet.state).toBe('timed_out');
    expect(silent[1]!.received.map((c) => [c.command, c.args])).toEqual([
      ['set_actuator', { room: 'fruiting', actuator: 'led', state: 'off' }],
    ]);
  });

  it('range bridge: timer and sensor acknowledged, a setting refused while a string runs, silent → timed out', async () => {
    const timer = await settle({ device_id: 'amg-01', command: 'request_settings' }, 'amg-01 request');
    expect(timer.state).toBe('acknowledged');
    const sensor = await settle({ device_id: 'bt50-01', command: 'read_battery' }, 'bt50-01 battery');
    expect(sensor.state).toBe('acknowledged');

    // Settings only while the timer is stopped (domain.md §2): start a string, then try one.
    await waitFor(
      async () =>
        (await settle({ device_id: 'amg-01', command: 'remote_start' }, 'remote start')).state ===
        'acknowledged',
      'a remote start the timer accepts',
      { timeoutMs: 45_000, intervalMs: 1000 },
    );
    const refused = await settle(
      { device_id: 'amg-01', command: 'set_sensitivity', args: { level: 6 } },
      'sensitivity while running',
    );
    expect(refused.state).toBe('failed');
    expect(refused.error).toMatch(/only while the timer is stopped/);

    // A bridge without the (optional) range ack: sent, then timed out.
    const quiet = await settle({ device_id: 'old-s1', command: 'recalibrate', timeout_ms: 1500 }, 'old-s1');
    expect(quiet.state).toBe('timed_out');
    expect(silent[2]!.received).toHaveLength(1);
    expect(silent[2]!.received[0]!.body).toMatchObject({
      command_id: quiet.id,
      command: 'recalibrate',
      sensor_id: 'old-s1',
    });
  }, 90_000);

  it('answers 400 for bad arguments, 404 for an unknown device or command id', async () => {
    const bad = await post({ device_id: 'amg-01', command: 'set_sensitivity', args: { level: 99 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/level/);
    const unknownCmd = await post({ device_id: 'cab-01', command: 'self_destruct' });
    expect(unknownCmd.status).toBe(400);
    expect(unknownCmd.body.error).toMatch(/unknown command/);
    const noDevice = await post({ device_id: 'nobody', command: 'identify' });
    expect(noDevice.status).toBe(404);
    expect(noDevice.body).toEqual({ error: expect.any(String) });
    const badId = await post({ device_id: '<script>', command: 'identify' });
    expect(badId.status).toBe(400);
    const missing = await getJson<{ error: string }>(
      `${serve.httpUrl}/api/commands/00000000-0000-4000-8000-000000000000`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: expect.any(String) });
  });

  it('lists the history with who sent what, and the gateway’s answers appear as actuator states', async () => {
    // Its own command, so the test stands alone.
    await settle(
      { device_id: GW, command: 'set_actuator', args: { room: 'fruiting', actuator: 'led', state: 'on' } },
      'gateway led',
    );
    const r = await getJson<{ commands: CommandBody[] }>(
      `${serve.httpUrl}/api/commands?device_id=${encodeURIComponent(GW)}`,
    );
    expect(r.status).toBe(200);
    expect(r.body.commands.map((c) => c.command)).toEqual(expect.arrayContaining(['set_actuator']));
    for (const c of r.body.commands) {
      expect(Object.keys(c)).toEqual(
        expect.arrayContaining([
          'id',
          'device_id',
          'command',
          'args',
          'state',
          'created_at',
          'sent_at',
          'acked_at',
          'error',
        ]),
      );
      expect(c.who).toBe('api (127.0.0.1)');
    }
    const answers = await http.events({ kind: 'actuator.state', device_id: GW });
    expect(answers.some((e) => e.data.actuator === 'led' && e.data.state === 'on')).toBe(true);
  });
});
