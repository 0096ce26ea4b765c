/**
 * AMG Commander driver over the fake GATT transport, replaying the real frames of domain.md §2.
 * The driver's messages are fed through the real range ingest parser, so these tests check the
 * whole way from BLE notification to normalized event.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AMG_NOTIFY_CHARACTERISTIC_UUID,
  AMG_SERVICE_UUID,
  AMG_WRITE_CHARACTERISTIC_UUID,
  encodeAmgStringDump,
  hexToBytes,
} from '../decoders/amg';
import { parseMessage } from '../ingest';
import { amgCommanderDriver, canonicalCommand, encodeAmgCommand } from './amg';
import { DriverCommandError, type BridgeMessage, type DriverSession } from './driver';
import { FakeGattTransport } from '../../tests/support/fake-gatt';
import { BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID } from './gatt';
import { ManualClock } from './manual-clock';

const ADDRESS = 'C4:5A:11:22:33:44';
const T0 = Date.UTC(2026, 1, 17, 12, 0, 0);

const ascii = (b: Uint8Array) => String.fromCharCode(...b);

function parse(m: BridgeMessage) {
  const r = parseMessage(`leadville/${m.path}`, new TextEncoder().encode(JSON.stringify(m.payload)), m.at, {
    rangePrefix: 'leadville',
    maxPayloadBytes: 262144,
  });
  return r;
}

function eventOf(m: BridgeMessage) {
  const r = parse(m);
  if (r.outcome !== 'events') throw new Error(`expected events, got ${JSON.stringify(r)}`);
  return r.events[0]!;
}

let clock: ManualClock;
let gatt: FakeGattTransport;
let emitted: BridgeMessage[];
let session: DriverSession;
let onWrite: (text: string) => void;

async function connect() {
  const conn = await gatt.connect(ADDRESS, { services: amgCommanderDriver.services });
  session = amgCommanderDriver.create({
    deviceId: 'amg-1',
    address: ADDRESS,
    host: { clock, emit: (m) => emitted.push(m) },
    rssi: -61,
  });
  await session.start(conn);
}

function frame(hex: string, at: number) {
  expect(gatt.notify(ADDRESS, AMG_SERVICE_UUID, AMG_NOTIFY_CHARACTERISTIC_UUID, hexToBytes(hex), at)).toBe(
    true,
  );
}

beforeEach(() => {
  clock = new ManualClock(T0);
  gatt = new FakeGattTransport(() => clock.now());
  emitted = [];
  onWrite = () => undefined;
  gatt.addDevice({
    address: ADDRESS,
    name: 'AMG LAB COMM 1234',
    rssi: -61,
    services: {
      [AMG_SERVICE_UUID]: {
        [AMG_NOTIFY_CHARACTERISTIC_UUID]: {},
        [AMG_WRITE_CHARACTERISTIC_UUID]: { onWrite: (v) => onWrite(ascii(v)) },
      },
      [BATTERY_SERVICE_UUID]: { [BATTERY_LEVEL_UUID]: { value: Uint8Array.of(87) } },
    },
  });
});

describe('AMG Commander driver', () => {
  it('recognizes the timer by name or by the Nordic UART service', () => {
    expect(amgCommanderDriver.matches({ name: 'AMG LAB COMM 0042', serviceUuids: [] })).toBe(true);
    expect(amgCommanderDriver.matches({ name: 'COMMANDER', serviceUuids: [] })).toBe(true);
    expect(amgCommanderDriver.matches({ name: null, serviceUuids: [AMG_SERVICE_UUID] })).toBe(true);
    expect(amgCommanderDriver.matches({ name: 'WTVB01-BT50', serviceUuids: [] })).toBe(false);
    expect(amgCommanderDriver.defaultDeviceId(ADDRESS)).toBe('amg-223344');
  });

  it('announces itself connected with its battery, as a timer status the ingest understands', async () => {
    await connect();
    expect(emitted).toHaveLength(1);
    const status = emitted[0]!;
    expect(status.path).toBe('timer/status');
    expect(status.payload).toMatchObject({
      timer_id: 'amg-1',
      connection: 'connected',
      battery: 87,
      rssi: -61,
      transport: 'ble',
      driver: 'amg-commander',
    });
    const e = eventOf(status);
    expect(e.kind).toBe('timer.status');
    expect(e.device_id).toBe('amg-1');
    expect(e.data).toMatchObject({ state: 'connected', battery: 87 });
  });

  it('replays every §2 vector: kinds, times and wall times anchored on the start frame', async () => {
    await connect();
    emitted = [];
    // String 1: beep at T0; the shot at 2.29 s is notified 60 ms late; the stop a bit later.
    frame('0105000000000000000000000001', T0);
    frame('0103010100e500e500e500e50001', T0 + 2350);
    frame('0108010100e500e500e500e50001', T0 + 4000);
    // String 2, beep at T0 + 60 s.
    const T1 = T0 + 60_000;
    frame('010500010000000000e500e50002', T1);
    frame('0103010100b400b400b400b40002', T1 + 1890);
    frame('01030202015c00a800b4015c0002', T1 + 3500);
    frame('01080202015c00a800b4015c0002', T1 + 5000);
    // String 3: joined mid-string (no start frame seen): shot 4/4 anchors on itself.
    const R = T0 + 120_000;
    frame('0103040400e5003d003a00e50003', R);

    expect(emitted.map((m) => m.path)).toEqual(Array(8).fill('timer/events'));
    for (const m of emitted) expect(m.payload.timer_id).toBe('amg-1');
    const events = emitted.map(eventOf);
    expect(events.map((e) => e.kind)).toEqual([
      'timer.start',
      'timer.shot',
      'timer.stop',
      'timer.start',
      'timer.shot',
      'timer.shot',
      'timer.stop',
      'timer.shot',
    ]);
    expect(events.map((e) => e.device_id)).toEqual(Array(8).fill('amg-1'));
    // Wall times: start = its receive time; shot = start + the timer's own time.
    expect(events.map((e) => e.ts)).toEqual([
      T0,
      T0 + 2290,
      T0 + 4000,
      T1,
      T1 + 1800,
      T1 + 3480,
      T1 + 5000,
      R,
    ]);
    const shots = events.filter((e) => e.kind === 'timer.shot').map((e) => e.data);
    expect(shots).toEqual([
      expect.objectContaining({
        string_number: 1,
        shot_number: 1,
        total_shots: 1,
        time_ms: 2290,
        split_ms: 2290,
        first_shot_ms: 2290,
      }),
      expect.objectContaining({
        string_number: 2,
        shot_number: 1,
        total_shots: 1,
        time_ms: 1800,
        split_ms: 1800,
        first_shot_ms: 1800,
      }),
      expect.objectContaining({
        string_number: 2,
        shot_number: 2,
        total_shots: 2,
        time_ms: 3480,
        split_ms: 1680,
        first_shot_ms: 1800,
      }),
      expect.objectContaining({
        string_number: 3,
        shot_number: 4,
        total_shots: 4,
        time_ms: 2290,
        split_ms: 610,
        first_shot_ms: 580,
      }),
    ]);
    expect(events[3]!.data).toMatchObject({ string_number: 2, shot_number: 0, previous_total_shots: 1 });
    expect(events[6]!.data).toMatchObject({ event_type: 'STOP', time_ms: 3480, split_ms: 1680 });
    expect(emitted[1]!.payload.raw_hex).toBe('0103010100e500e500e500e50001');
    expect(session.info()).toMatchObject({ notifications: 8, bad_frames: 0 });
  });

  it('hands a broken event frame to ingest, which rejects it with the reason', async () => {
    await connect();
    emitted = [];
    frame('0103010100e500e500e500e5', T0); // 12 bytes
    frame('0109010100e500e500e500e50001', T0 + 10); // unknown kind 0x09
    expect(emitted).toHaveLength(2);
    for (const m of emitted) {
      const r = parse(m);
      expect(r.outcome).toBe('reject');
      if (r.outcome === 'reject') expect(r.reason).toMatch(/not a 14-byte AMG event frame/);
    }
    expect(session.info().bad_frames).toBe(2);
  });

  it('writes commands as ASCII on the Nordic UART, at least 100 ms apart', async () => {
    await connect();
    const a = session.command('start', {});
    const b = session.command('set_sensitivity', { level: 5 });
    const c = session.command('set_par_time', { par: 2, time_cs: 350 });
    await clock.advance(1000);
    await expect(a).resolves.toEqual({ acknowledged: true, sent: ['COM START'] });
    await expect(b).resolves.toEqual({ acknowledged: true, sent: ['SET SENSITIVITY 05'] });
    await expect(c).resolves.toEqual({ acknowledged: true, sent: ['SET PAR TIME 2 350'] });
    const writes = gatt.writes;
    expect(writes.map((w) => ascii(w.value))).toEqual([
      'COM START',
      'SET SENSITIVITY 05',
      'SET PAR TIME 2 350',
    ]);
    expect(writes.every((w) => w.characteristic === AMG_WRITE_CHARACTERISTIC_UUID)).toBe(true);
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(100);
    expect(writes[2]!.at - writes[1]!.at).toBeGreaterThanOrEqual(100);
  });

  it('refuses settings while a string runs, accepts them once it stopped', async () => {
    await connect();
    frame('0105000000000000000000000001', T0);
    await expect(session.command('set_sensitivity', { level: 3 })).rejects.toMatchObject({ code: 'not_now' });
    // Remote stop is not a setting.
    const stop = session.command('stop', {});
    await clock.advance(200);
    await expect(stop).resolves.toMatchObject({ sent: ['COM STOP'] });
    frame('0108010100e500e500e500e50001', T0 + 3000);
    const set = session.command('set_echo_delay', { delay_cs: 8 });
    await clock.advance(200);
    await expect(set).resolves.toMatchObject({ sent: ['SET ECHO DELAY 008'] });
  });

  it('answers REQ STRING HEX with the string dump the timer sends back', async () => {
    await connect();
    onWrite = (text) => {
      if (text !== 'REQ STRING HEX') return;
      // The timer answers in two packets: 0x0A starts the string, 0x0B continues it.
      gatt.notify(
        ADDRESS,
        AMG_SERVICE_UUID,
        AMG_NOTIFY_CHARACTERISTIC_UUID,
        encodeAmgStringDump(0, [180, 348]),
      );
      gatt.notify(ADDRESS, AMG_SERVICE_UUID, AMG_NOTIFY_CHARACTERISTIC_UUID, encodeAmgStringDump(1, [500]));
    };
    const r = session.command('REQ STRING HEX', {});
    await clock.advance(1000);
    await expect(r).resolves.toEqual({
      acknowledged: true,
      sent: ['REQ STRING HEX'],
      reply: { strings_ms: [[1800, 3480, 5000]] },
    });
    expect(session.info().extra.last_strings_ms).toEqual([[1800, 3480, 5000]]);
  });

  it('times out a request the timer never answers', async () => {
    await connect();
    const r = session.command('request_settings', {});
    r.catch(() => undefined);
    await clock.advance(5000);
    await expect(r).rejects.toMatchObject({ code: 'timeout' });
  });

  it('reads the battery on request and survives a timer without the Battery service', async () => {
    await connect();
    await expect(session.command('read_battery', {})).resolves.toMatchObject({ reply: { battery: 87 } });

    gatt.addDevice({
      address: 'C4:5A:11:22:33:55',
      name: 'COMMANDER',
      services: {
        [AMG_SERVICE_UUID]: { [AMG_NOTIFY_CHARACTERISTIC_UUID]: {}, [AMG_WRITE_CHARACTERISTIC_UUID]: {} },
        [BATTERY_SERVICE_UUID]: { [BATTERY_LEVEL_UUID]: { readError: 'not permitted' } },
      },
    });
    const conn = await gatt.connect('C4:5A:11:22:33:55', { services: [AMG_SERVICE_UUID] });
    const out: BridgeMessage[] = [];
    const s = amgCommanderDriver.create({
      deviceId: 'amg-2',
      address: 'C4:5A:11:22:33:55',
      host: { clock, emit: (m) => out.push(m) },
    });
    await s.start(conn);
    expect(out[0]!.payload).toMatchObject({ timer_id: 'amg-2', connection: 'connected' });
    expect(out[0]!.payload).not.toHaveProperty('battery');
  });

  it('announces the disconnect and refuses commands afterwards', async () => {
    await connect();
    emitted = [];
    session.stop('link lost');
    expect(emitted[0]!.payload).toMatchObject({ connection: 'disconnected', reason: 'link lost' });
    expect(eventOf(emitted[0]!).data).toMatchObject({ state: 'disconnected' });
    await expect(session.command('start', {})).rejects.toBeInstanceOf(DriverCommandError);
  });
});

describe('AMG command encoding', () => {
  it('encodes every command of §2 exactly', () => {
    expect(encodeAmgCommand('start')).toBe('COM START');
    expect(encodeAmgCommand('remote_start')).toBe('COM START');
    expect(encodeAmgCommand('COM STOP')).toBe('COM STOP');
    expect(encodeAmgCommand('remote_stop')).toBe('COM STOP');
    expect(encodeAmgCommand('set_sensitivity', { level: 1 })).toBe('SET SENSITIVITY 01');
    expect(encodeAmgCommand('set_sensitivity', { level: 10 })).toBe('SET SENSITIVITY 10');
    expect(encodeAmgCommand('set_echo_delay', { cs: 5 })).toBe('SET ECHO DELAY 005');
    expect(encodeAmgCommand('set_echo_delay', { delay_cs: 100 })).toBe('SET ECHO DELAY 100');
    expect(encodeAmgCommand('set_beep_volume', { volume: 0 })).toBe('SET BEEP VOLUME 0');
    expect(encodeAmgCommand('set_preset', { preset: 5 })).toBe('SET PRESET 5');
    expect(encodeAmgCommand('set_delay', { type: 1, fixed: 200, random: 150 })).toBe('SET DELAY 1 200 150');
    expect(encodeAmgCommand('set_par_type', { type: 2 })).toBe('SET PAR TYPE 2');
    expect(encodeAmgCommand('set_par_time', { n: 1, time_cs: 250 })).toBe('SET PAR TIME 1 250');
    expect(encodeAmgCommand('request_string')).toBe('REQ STRING HEX');
    expect(encodeAmgCommand('REQ SCREEN HEX')).toBe('REQ SCREEN HEX');
    expect(encodeAmgCommand('request_settings')).toBe('REQ SETTINGS');
    expect(encodeAmgCommand('read_battery')).toBeNull();
    expect(canonicalCommand('Remote-Start')).toBe('remote_start');
  });

  it('rejects unknown commands and out-of-range arguments with a reason', () => {
    expect(() => encodeAmgCommand('self_destruct')).toThrow(/unknown AMG command/);
    expect(() => encodeAmgCommand('set_sensitivity', { level: 11 })).toThrow(
      /level must be an integer 1..10/,
    );
    expect(() => encodeAmgCommand('set_sensitivity', {})).toThrow(/level is required/);
    expect(() => encodeAmgCommand('set_echo_delay', { cs: 4 })).toThrow(DriverCommandError);
    expect(() => encodeAmgCommand('set_beep_volume', { volume: 1.5 })).toThrow(/integer/);
  });
});
