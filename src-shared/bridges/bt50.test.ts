/**
 * BT50 driver over the fake GATT transport, replaying domain.md §3: both record vectors, a live
 * 128-byte notification holding four records, the measured sample rate, register replies, and
 * the register writes its commands are made of. Messages go through the real ingest parser.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BT50_NOTIFY_CHARACTERISTIC_UUID,
  BT50_SERVICE_UUID,
  BT50_WRITE_CHARACTERISTIC_UUID,
  bytesToHex,
  encodeBt50Notification,
  hexToBytes,
  type Bt50RecordInput,
} from '../decoders/bt50';
import { parseMessage } from '../ingest';
import { RateMeter, bt50Battery, bt50Driver, encodeBt50Command } from './bt50';
import type { BridgeMessage, DriverSession } from './driver';
import { FakeGattTransport } from '../../tests/support/fake-gatt';
import { ManualClock } from './manual-clock';

const ADDRESS = 'E8:CB:ED:5A:0B:50';
const T0 = Date.UTC(2026, 1, 17, 12, 0, 0);
const VECTOR_1 = '5561 1100 1600 0200 0200 0000 0100 e60a 4300 4700 0a00 2500 2500 2500';
const VECTOR_2 = '5561040009000900170017001000bb085b007a006800000003000000';

function parse(m: BridgeMessage, rateHz?: number) {
  return parseMessage(`leadville/${m.path}`, new TextEncoder().encode(JSON.stringify(m.payload)), m.at, {
    rangePrefix: 'leadville',
    maxPayloadBytes: 262144,
    defaultRateHz: rateHz,
  });
}

/** `55 71 <reg> 00` + eight int16 LE values. */
function registerReply(register: number, values: number[]): Uint8Array {
  const out = new Uint8Array(20);
  const view = new DataView(out.buffer);
  out.set([0x55, 0x71, register, 0x00]);
  values.forEach((v, i) => view.setInt16(4 + 2 * i, v, true));
  return out;
}

const rec = (vx: number, vy: number, vz: number, temperatureC = 25.5): Bt50RecordInput => ({
  vx,
  vy,
  vz,
  angleX: 0,
  angleY: 0,
  angleZ: 0,
  temperatureC,
  dx: 0,
  dy: 0,
  dz: 0,
  fx: 0,
  fy: 0,
  fz: 0,
});

let clock: ManualClock;
let gatt: FakeGattTransport;
let emitted: BridgeMessage[];
let session: DriverSession;
/** The rate register the fake sensor holds. */
let rateCode: number;

function notify(bytes: Uint8Array, at = clock.now()) {
  expect(gatt.notify(ADDRESS, BT50_SERVICE_UUID, BT50_NOTIFY_CHARACTERISTIC_UUID, bytes, at)).toBe(true);
}

beforeEach(async () => {
  clock = new ManualClock(T0);
  gatt = new FakeGattTransport(() => clock.now());
  emitted = [];
  rateCode = 0x08;
  gatt.addDevice({
    address: ADDRESS,
    name: 'WTVB01-BT50',
    services: {
      [BT50_SERVICE_UUID]: {
        [BT50_NOTIFY_CHARACTERISTIC_UUID]: {},
        [BT50_WRITE_CHARACTERISTIC_UUID]: {
          onWrite: (v) => {
            const hex = bytesToHex(v);
            if (hex === 'ffaa276400') notify(registerReply(0x64, [390, 0, 0, 0, 0, 0, 0, 0]));
            if (hex.startsWith('ffaa03')) rateCode = v[3]!;
            if (hex === 'ffaa270300') notify(registerReply(0x03, [rateCode, 0, 0, 0, 0, 0, 0, 0]));
          },
        },
      },
    },
  });
  const conn = await gatt.connect(ADDRESS, { services: bt50Driver.services });
  session = bt50Driver.create({
    deviceId: 'plate-3',
    address: ADDRESS,
    host: { clock, emit: (m) => emitted.push(m) },
  });
  await session.start(conn);
});

describe('BT50 driver', () => {
  it('recognizes the sensor and reads its battery (register 0x64) on connect', () => {
    expect(bt50Driver.matches({ name: 'WTVB01-BT50', serviceUuids: [] })).toBe(true);
    expect(bt50Driver.matches({ name: 'BT50', serviceUuids: [] })).toBe(true);
    expect(bt50Driver.matches({ name: 'AMG LAB COMM', serviceUuids: [] })).toBe(false);
    expect(gatt.writes.map((w) => bytesToHex(w.value))).toEqual(['ffaa276400']);
    const statuses = emitted.filter((m) => m.path === 'sensor/plate-3/status');
    expect(statuses[0]!.payload).toMatchObject({
      sensor_id: 'plate-3',
      connection: 'connected',
      driver: 'bt50',
    });
    // 390 cV = 3.90 V: above 3.87 V in the Li-ion table → 75 %.
    expect(statuses.at(-1)!.payload).toMatchObject({ battery: 75, battery_v: 3.9 });
    const r = parse(statuses.at(-1)!);
    expect(r.outcome).toBe('events');
    if (r.outcome === 'events') {
      expect(r.events[0]).toMatchObject({
        kind: 'sensor.status',
        device_id: 'plate-3',
        data: { battery: 75, state: 'connected' },
      });
    }
  });

  it('replays both §3 record vectors as telemetry the ingest decodes', () => {
    emitted = [];
    notify(hexToBytes(VECTOR_1), T0 + 1000);
    notify(hexToBytes(VECTOR_2), T0 + 1020);
    expect(emitted.map((m) => m.path)).toEqual(['sensor/plate-3/telemetry', 'sensor/plate-3/telemetry']);
    expect(emitted[0]!.payload).toEqual({
      raw_hex: bytesToHex(hexToBytes(VECTOR_1)),
      ts: '2026-02-17T12:00:01.000Z',
      seq: 0,
    });
    const a = parse(emitted[0]!);
    const b = parse(emitted[1]!);
    if (a.outcome !== 'events' || b.outcome !== 'events') throw new Error('expected events');
    expect(a.samples).toMatchObject([{ sensor_id: 'plate-3', ts: T0 + 1000, seq: 0, x: 17, y: 22, z: 2 }]);
    expect(a.samples[0]!.extra).toMatchObject({ temp_c: 27.9, disp_x: 67, freq_z: 37 });
    expect(a.statuses![0]!.data.temperature_c).toBeCloseTo(27.9, 10);
    expect(b.samples).toMatchObject([{ sensor_id: 'plate-3', ts: T0 + 1020, seq: 1, x: 4, y: 9, z: 9 }]);
    expect(b.samples[0]!.extra).toMatchObject({ temp_c: 22.35, disp_y: 122, freq_y: 3 });
    expect(b.statuses![0]!.data.temperature_c).toBeCloseTo(22.35, 10);
  });

  it('sends a 128-byte four-record notification whole: every record becomes a sample', () => {
    emitted = [];
    const bytes = encodeBt50Notification([rec(1, 2, 3), rec(4, 5, 6), rec(-7, 8, -9), rec(10, 0, -1, 26.25)]);
    expect(bytes.length).toBe(128);
    notify(bytes, T0 + 5000);
    const m = emitted[0]!;
    expect(m.payload.raw_hex).toHaveLength(256);
    // The rate is not known yet after one notification: the ingest spaces at its default (50 Hz).
    const r = parse(m, 50);
    if (r.outcome !== 'events') throw new Error('expected events');
    expect(r.samples.map((s) => [s.x, s.y, s.z])).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [-7, 8, -9],
      [10, 0, -1],
    ]);
    expect(r.samples.map((s) => s.ts)).toEqual([T0 + 4940, T0 + 4960, T0 + 4980, T0 + 5000]);
    expect(r.statuses![0]!.data.temperature_c).toBeCloseTo(26.25, 10);
    expect(session.info().extra.records).toBe(4);
  });

  it('measures the sample rate from records per second and puts it on the telemetry', () => {
    emitted = [];
    // 100 Hz: a 4-record notification every 40 ms.
    for (let i = 0; i < 30; i++)
      notify(encodeBt50Notification([rec(0, 0, 0), rec(0, 0, 0), rec(0, 0, 0), rec(0, 0, 0)]), T0 + 40 * i);
    const rates = emitted.map((m) => m.payload.rate_hz);
    // Not reported until the notifications span half a second (BLE delivers in bursts).
    expect(rates.slice(0, 13).every((r) => r === undefined)).toBe(true);
    expect(rates.slice(13)).toEqual(Array(17).fill(100));
    const last = parse(emitted.at(-1)!);
    if (last.outcome !== 'events') throw new Error('expected events');
    // Spaced by the measured 10 ms period, ending at the receive time.
    expect(last.samples.map((s) => s.ts)).toEqual([T0 + 1130, T0 + 1140, T0 + 1150, T0 + 1160]);
    expect(last.samples[0]!.seq).toBe(116);
  });

  it('hands a notification with no record to ingest, which rejects it with the reason', () => {
    emitted = [];
    notify(Uint8Array.of(0x12, 0x34, 0x56), T0);
    const r = parse(emitted[0]!);
    expect(r.outcome).toBe('reject');
    if (r.outcome === 'reject') expect(r.reason).toMatch(/no complete BT50 record/);
    expect(session.info().bad_frames).toBe(1);
  });

  it('reads the battery on request', async () => {
    const r = session.command('read_battery', {});
    await clock.advance(500);
    await expect(r).resolves.toMatchObject({
      acknowledged: true,
      sent: ['ffaa276400'],
      reply: { register: 0x64, values: [390, 0, 0, 0, 0, 0, 0, 0], battery: 75, battery_v: 3.9 },
    });
  });

  it('sets the rate as unlock, write, save (100 ms apart) and confirms it by reading it back', async () => {
    gatt.writes.length = 0;
    const r = session.command('set_rate', { rate_hz: 100 });
    await clock.advance(2000);
    await expect(r).resolves.toMatchObject({
      acknowledged: true,
      sent: ['ffaa6988b5', 'ffaa030900', 'ffaa000000'],
      reply: { register: 0x03, values: [0x09, 0, 0, 0, 0, 0, 0, 0] },
    });
    const w = gatt.writes;
    expect(w.map((x) => bytesToHex(x.value))).toEqual([
      'ffaa6988b5',
      'ffaa030900',
      'ffaa000000',
      'ffaa270300',
    ]);
    expect(w.every((x) => x.characteristic === BT50_WRITE_CHARACTERISTIC_UUID)).toBe(true);
    for (let i = 1; i < w.length; i++) expect(w[i]!.at - w[i - 1]!.at).toBeGreaterThanOrEqual(100);
  });

  it('refuses unknown commands and bad arguments', async () => {
    await expect(session.command('set_rate', { rate_hz: 7 })).rejects.toThrow(/rate_hz must be one of/);
    await expect(session.command('recalibrate', {})).rejects.toThrow(/detector/);
    await expect(session.command('explode', {})).rejects.toMatchObject({ code: 'unknown_command' });
  });
});

describe('BT50 command encoding', () => {
  it('encodes the register writes of §3', () => {
    const hex = (name: string, args: Record<string, unknown> = {}) =>
      encodeBt50Command(name, args).map(bytesToHex);
    expect(hex('read_battery')).toEqual(['ffaa276400']);
    expect(hex('read_register', { register: 0x3a })).toEqual(['ffaa273a00']);
    expect(hex('set_rate', { rate_hz: 50 })).toEqual(['ffaa6988b5', 'ffaa030800', 'ffaa000000']);
    expect(hex('set_rate', { rate: 0x0b })).toEqual(['ffaa6988b5', 'ffaa030b00', 'ffaa000000']);
    expect(hex('set_detection_cycle', { hz: 100 })).toEqual(['ffaa6988b5', 'ffaa5f6400', 'ffaa000000']);
    expect(() => encodeBt50Command('read_register', { register: 256 })).toThrow(/0..255/);
  });

  it('maps battery voltage to percent', () => {
    expect(bt50Battery(400)).toEqual({ volts: 4, percent: 100 });
    expect(bt50Battery(3900)).toEqual({ volts: 3.9, percent: 75 });
    expect(bt50Battery(371)).toEqual({ volts: 3.71, percent: 20 });
    expect(bt50Battery(330)).toEqual({ volts: 3.3, percent: 0 });
  });

  it('the rate meter needs two notifications half a second apart', () => {
    const m = new RateMeter();
    m.add(0, 4);
    expect(m.rate()).toBeNull();
    m.add(100, 4);
    expect(m.rate()).toBeNull();
    m.add(500, 16);
    // 20 records after the first notification, over 500 ms.
    expect(m.rate()).toBe(40);
  });
});
