/**
 * The serial bridge in the real `serve` process, against socat virtual port pairs: the console
 * opens one end, the test plays the device on the other. Lines with a topic, lines mapped by the
 * port's default topic, malformed and overlong lines (rejects with reasons), commands written
 * back as JSON lines, an unplug (socat killed) and a replug (socat started again on the same
 * paths) with the bridge reconnecting and events flowing again, health, and a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SerialPortRow } from '../../src-shared/contract/bridges';
import {
  api,
  cleanupServes,
  makeTempDir,
  removeDir,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import { http } from './bridges-harness';

let dir: string;
const socats = new Set<ChildProcess>();
const devices = new Set<SerialPort>();

/** A virtual null-modem cable: `a` for the console, `b` for the device. Ready when both links exist. */
async function startSocat(a: string, b: string): Promise<ChildProcess> {
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  socats.add(proc);
  await waitFor(() => {
    if (proc.exitCode !== null) throw new Error(`socat exited ${proc.exitCode}: ${log}`);
    return existsSync(a) && existsSync(b);
  }, `socat links ${a} and ${b}`);
  return proc;
}

/** Pulls the cable: socat goes away and removes its links. */
async function killSocat(proc: ChildProcess, a: string): Promise<void> {
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await gone;
  socats.delete(proc);
  await waitFor(() => !existsSync(a), 'the link to vanish');
}

interface Device {
  port: SerialPort;
  lines: string[];
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

async function openDevice(path: string): Promise<Device> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((err) => (err ? rej(err) : res())));
  devices.add(port);
  const lines: string[] = [];
  let buf = '';
  port.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  port.on('error', () => undefined);
  return {
    port,
    lines,
    write: (text) =>
      new Promise<void>((res, rej) => port.write(text, (err) => (err ? rej(err) : port.drain(() => res())))),
    close: () =>
      new Promise<void>((res) => {
        devices.delete(port);
        if (port.isOpen) port.close(() => res());
        else res();
      }),
  };
}

async function portRow(url: string, id: string): Promise<SerialPortRow | undefined> {
  const r = await http<{ serial: { ports: SerialPortRow[] } }>(`${url}/api/bridges`);
  return r.body.serial.ports.find((p) => p.id === id);
}

const waitPort = (url: string, id: string, state: string, timeoutMs = 20_000) =>
  waitFor(
    async () => {
      const p = await portRow(url, id);
      return p?.state === state ? p : undefined;
    },
    `serial port ${id} to be ${state}`,
    { timeoutMs },
  );

const bridgesHealth = async (url: string) =>
  ((await api(url).health()).body as unknown as { bridges: { state: string; count: number } }).bridges;

beforeAll(() => {
  dir = makeTempDir('marshal-serial-');
});

afterEach(async () => {
  for (const d of devices) if (d.isOpen) d.close();
  devices.clear();
  for (const s of socats) s.kill('SIGKILL');
  socats.clear();
  await cleanupServes();
});

afterAll(() => removeDir(dir));

describe('serial bridge through socat virtual ports', () => {
  it('maps lines to events, keeps bad lines as rejects, writes commands, survives unplug and replug', async () => {
    const a = join(dir, 'console-1');
    const b = join(dir, 'device-1');
    const cable = await startSocat(a, b);
    const serve = await startServe();
    const url = serve.httpUrl;
    expect(await bridgesHealth(url)).toMatchObject({ state: 'up', count: 0 });

    const saved = await http<SerialPortRow>(`${url}/api/bridges/serial`, 'POST', {
      id: 'usb0',
      path: a,
      baud_rate: 115200,
      default_topic: 'devices/{device_id}/sensor_data',
      max_line_bytes: 1024,
    });
    expect(saved).toMatchObject({
      status: 201,
      body: { id: 'usb0', path: a, baud_rate: 115200, enabled: true },
    });
    await waitPort(url, 'usb0', 'open');
    let device = await openDevice(b);

    await device.write(
      [
        '{"topic":"leadville/timer/events","payload":{"event_type":"START","timer_id":"usb-timer","string_number":1}}',
        '{"topic":"leadville/timer/events","event_type":"SHOT","timer_id":"usb-timer","shot_number":1,"time_ms":2290}',
        '{"device_id":"gw-9","fruiting":{"temp":24.5,"humidity":85,"co2":800}}',
        '{"topic":"leadville/timer/events", oops}',
        '{"fruiting":{"temp":20}}',
        '{"topic":"leadville/timer/events","payload":{"event_type":"BANG"}}',
        `{"topic":"x","pad":"${'z'.repeat(2000)}"}`,
        '',
      ].join('\r\n'),
    );

    const timer = await api(url).waitForEvents(
      { device_id: 'usb-timer' },
      (e) => e.length === 2,
      'the timer lines',
    );
    expect(timer.map((e) => e.kind).sort()).toEqual(['timer.shot', 'timer.start']);
    expect(timer.find((e) => e.kind === 'timer.shot')!.data).toMatchObject({ shot_number: 1, time_ms: 2290 });
    const gw = await api(url).waitForEvents({ device_id: 'gw-9' }, (e) => e.length >= 1, 'the gateway line');
    expect(gw[0]!.topic).toBe('devices/gw-9/sensor_data');

    const rejects = await waitFor(async () => {
      const r = await api(url).rejects();
      return r.rejects.length >= 4 ? r.rejects : undefined;
    }, 'four rejects');
    const reasons = rejects.map((r) => `${r.topic}: ${r.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^serial\/usb0: serial line is not JSON/),
        expect.stringMatching(/^serial\/usb0: serial line: the default topic needs "device_id"/),
        expect.stringMatching(/^leadville\/timer\/events: /),
        expect.stringMatching(/^serial\/usb0: serial line of 20\d\d bytes exceeds the 1024-byte limit/),
      ]),
    );
    const row = (await portRow(url, 'usb0'))!;
    expect(row).toMatchObject({ state: 'open', lines_in: 6, rejects: 4 });
    expect(row.devices).toEqual(['gw-9', 'usb-timer']);

    // A command for a device on this port goes out as one JSON line.
    const cmd = await http(`${url}/api/bridges/command`, 'POST', {
      device_id: 'gw-9',
      command: 'set_actuator',
      args: { fan: true },
    });
    expect(cmd).toMatchObject({ status: 200, body: { ok: true, transport: 'serial', acknowledged: false } });
    const line = await waitFor(() => device.lines[0], 'the command line at the device');
    expect(JSON.parse(line)).toMatchObject({
      device_id: 'gw-9',
      command: 'set_actuator',
      args: { fan: true },
    });
    expect(JSON.parse(line).command_id).toMatch(/^[0-9a-f-]{36}$/);

    // Unplug: the port waits and retries; with its only bridge failing, the bridges are down and
    // the console degraded (it still ingests: 503 is for a down store or broker).
    await device.close();
    await killSocat(cable, a);
    const waiting = await waitPort(url, 'usb0', 'waiting');
    expect(waiting.error).toMatch(/disconnected|not there/);
    await waitFor(async () => (await bridgesHealth(url)).state === 'down', 'bridges down while unplugged', {
      timeoutMs: 25_000,
    });
    expect(await bridgesHealth(url)).toMatchObject({ state: 'down', count: 1 });
    const unplugged = await api(url).health();
    expect(unplugged.status).toBe(200);
    expect(unplugged.body).toMatchObject({ status: 'degraded', ok: true });
    const retries = (await portRow(url, 'usb0'))!.attempts;
    expect(retries).toBeGreaterThan(0);
    expect(
      (await http(`${url}/api/bridges/command`, 'POST', { device_id: 'gw-9', command: 'x' })).status,
    ).toBe(503);

    // Replug on the same paths: the bridge reopens the port and lines flow again.
    await startSocat(a, b);
    await waitPort(url, 'usb0', 'open');
    device = await openDevice(b);
    await device.write(
      '{"topic":"leadville/timer/events","payload":{"event_type":"STOP","timer_id":"usb-timer"}}\n',
    );
    await api(url).waitForEvents(
      { device_id: 'usb-timer', kind: 'timer.stop' },
      (e) => e.length === 1,
      'a line after the replug',
    );
    await waitFor(async () => (await bridgesHealth(url)).state === 'up', 'health up after the replug');
    expect((await portRow(url, 'usb0'))!.attempts).toBe(0);
  });

  it('waits for a port that is not there yet, and keeps its configuration across a restart', async () => {
    const a = join(dir, 'console-2');
    const b = join(dir, 'device-2');
    const dataDir = makeTempDir('marshal-serial-data-');
    try {
      let serve: ServeHandle = await startServe({ dataDir });
      const saved = await http<SerialPortRow>(`${serve.httpUrl}/api/bridges/serial`, 'POST', {
        path: a,
        baud_rate: 9600,
      });
      expect(saved.body).toMatchObject({ id: 'console-2', baud_rate: 9600 });
      const waiting = await waitPort(serve.httpUrl, 'console-2', 'waiting');
      expect(waiting.error).toMatch(/is not there/);
      // The same path cannot be configured twice under another id.
      expect(
        (await http(`${serve.httpUrl}/api/bridges/serial`, 'POST', { id: 'other', path: a, baud_rate: 9600 }))
          .status,
      ).toBe(400);
      expect(
        (await http(`${serve.httpUrl}/api/bridges/serial`, 'POST', { path: a, baud_rate: 0 })).status,
      ).toBe(400);
      expect((await serve.stop()).code).toBe(0);

      await startSocat(a, b);
      serve = await startServe({ dataDir });
      await waitPort(serve.httpUrl, 'console-2', 'open');
      const device = await openDevice(b);
      await device.write(
        '{"topic":"whackamole/cab-3/status","payload":{"device_id":"cab-3","online":true,"state":"idle"}}\n',
      );
      await api(serve.httpUrl).waitForEvents(
        { device_id: 'cab-3' },
        (e) => e.length === 1,
        'the cabinet status',
      );

      const listed = await http<{ ports: { path: string }[] }>(
        `${serve.httpUrl}/api/bridges/serial/available`,
      );
      expect(listed.status).toBe(200);
      expect(Array.isArray(listed.body.ports)).toBe(true);

      expect((await http(`${serve.httpUrl}/api/bridges/serial/console-2`, 'DELETE')).status).toBe(200);
      expect(await portRow(serve.httpUrl, 'console-2')).toBeUndefined();
      expect((await http(`${serve.httpUrl}/api/bridges/serial/console-2`, 'DELETE')).status).toBe(404);
    } finally {
      await cleanupServes();
      removeDir(dataDir);
    }
  });
});

describe('listing serial ports', () => {
  it('answers on a machine without udevadm, listing only device nodes that exist', async () => {
    // No udevadm on the PATH, as on a fresh Debian image or in a container.
    const serve = await startServe({ env: { PATH: join(dir, 'no-udevadm') } });
    const listed = await http<{ ports: { path: string; configured: boolean }[] }>(
      `${serve.httpUrl}/api/bridges/serial/available`,
    );
    expect(listed.status).toBe(200);
    for (const p of listed.body.ports) {
      expect(p.path.startsWith('/dev/')).toBe(true);
      expect(existsSync(p.path)).toBe(true);
      expect(p.configured).toBe(false);
    }
  });
});
