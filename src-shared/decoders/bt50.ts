/**
 * WitMotion WTVB01-BT50 vibration sensor (BLE) — domain.md §3.
 *
 * A record is `55 61` followed by 13 little-endian int16 values: velocity X, Y, Z (mm/s); angle
 * X, Y, Z (raw × 180 / 32768 degrees); temperature (raw / 100 °C); displacement X, Y, Z (µm);
 * frequency X, Y, Z (Hz). Live notifications are 128 bytes holding four records at a 32-byte
 * stride; we scan every notification for every record (decoding only the first would lose three
 * quarters of the data). Temperature is never an axis (older decoders read 2089 = 20.89 °C as a
 * "baseline").
 */
import { bytesToHex, hexToBytes } from './hex';

export { bytesToHex, hexToBytes };

export const BT50_HEADER = 0x55;
export const BT50_RECORD_FLAG = 0x61;
export const BT50_REGISTER_FLAG = 0x71;
/** Documented bytes of a record: header (2) + 13 × int16. */
export const BT50_RECORD_LENGTH = 28;
/** Records sit at this stride in live notifications (28 documented bytes + 4 undocumented). */
export const BT50_RECORD_STRIDE = 32;
/** A register reply: `55 71 <reg> 00` + 8 × int16. */
export const BT50_REGISTER_REPLY_LENGTH = 20;
export const BT50_BATTERY_REGISTER = 0x64;

export const BT50_SERVICE_UUID = '0000ffe5-0000-1000-8000-00805f9a34fb';
export const BT50_NOTIFY_CHARACTERISTIC_UUID = '0000ffe4-0000-1000-8000-00805f9a34fb';
export const BT50_WRITE_CHARACTERISTIC_UUID = '0000ffe9-0000-1000-8000-00805f9a34fb';
export const BT50_NAME_MARKERS = ['BT50', 'WTVB01'] as const;

export interface Bt50Record {
  /** Byte offset of the record's `55 61` header in the input. */
  offset: number;
  /** Vibration velocity, mm/s. At rest 0 (no gravity vector). */
  vx: number;
  vy: number;
  vz: number;
  /** Angles, degrees (raw × 180 / 32768). */
  angleX: number;
  angleY: number;
  angleZ: number;
  /** Temperature, °C (raw / 100). */
  temperatureC: number;
  /** Vibration displacement, µm. */
  dx: number;
  dy: number;
  dz: number;
  /** Vibration frequency, Hz. */
  fx: number;
  fy: number;
  fz: number;
}

/** Fields to encode; the offset is ignored, so a decoded record can be re-encoded as is. */
export type Bt50RecordInput = Omit<Bt50Record, 'offset'> & { offset?: number };

export interface Bt50RegisterReply {
  /** The first register of the eight. */
  register: number;
  /** Eight int16 LE values: register, register + 1, … */
  values: number[];
}

function i16(view: DataView, offset: number): number {
  return view.getInt16(offset, true);
}

function decodeRecordAt(view: DataView, at: number): Bt50Record {
  const v = (k: number): number => i16(view, at + 2 + 2 * k);
  return {
    offset: at,
    vx: v(0),
    vy: v(1),
    vz: v(2),
    angleX: (v(3) * 180) / 32768,
    angleY: (v(4) * 180) / 32768,
    angleZ: (v(5) * 180) / 32768,
    temperatureC: v(6) / 100,
    dx: v(7),
    dy: v(8),
    dz: v(9),
    fx: v(10),
    fy: v(11),
    fz: v(12),
  };
}

/**
 * Decodes every `55 61` record in a notification: a live 128-byte notification (four records at
 * a 32-byte stride), a single 28-byte record, or any concatenation. A record whose 28 bytes are
 * not all present (a truncated tail) is skipped. Records are returned oldest first (wire order).
 */
export function decodeBt50Notification(bytes: Uint8Array): Bt50Record[] {
  const records: Bt50Record[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  while (i + BT50_RECORD_LENGTH <= bytes.length) {
    if (bytes[i] === BT50_HEADER && bytes[i + 1] === BT50_RECORD_FLAG) {
      records.push(decodeRecordAt(view, i));
      i += BT50_RECORD_LENGTH;
    } else {
      i++;
    }
  }
  return records;
}

/** Decodes the first register reply (`55 71 <reg> 00` + 8 × int16 LE) in the bytes, or null. */
export function decodeBt50RegisterReply(bytes: Uint8Array): Bt50RegisterReply | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + BT50_REGISTER_REPLY_LENGTH <= bytes.length; i++) {
    if (bytes[i] !== BT50_HEADER || bytes[i + 1] !== BT50_REGISTER_FLAG) continue;
    const values: number[] = [];
    for (let k = 0; k < 8; k++) values.push(i16(view, i + 4 + 2 * k));
    return { register: view.getUint16(i + 2, true), values };
  }
  return null;
}

function toInt16(name: string, value: number): number {
  const raw = Math.round(value);
  if (!Number.isFinite(raw) || raw < -32768 || raw > 32767) {
    throw new RangeError(`encodeBt50Record: ${name} = ${value} does not fit an int16`);
  }
  return raw;
}

/** Writes one 28-byte record at `offset` of `out` (which must have room). */
function writeRecord(out: Uint8Array, offset: number, r: Bt50RecordInput): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const raw = [
    toInt16('vx', r.vx),
    toInt16('vy', r.vy),
    toInt16('vz', r.vz),
    toInt16('angleX', (r.angleX * 32768) / 180),
    toInt16('angleY', (r.angleY * 32768) / 180),
    toInt16('angleZ', (r.angleZ * 32768) / 180),
    toInt16('temperatureC', r.temperatureC * 100),
    toInt16('dx', r.dx),
    toInt16('dy', r.dy),
    toInt16('dz', r.dz),
    toInt16('fx', r.fx),
    toInt16('fy', r.fy),
    toInt16('fz', r.fz),
  ];
  out[offset] = BT50_HEADER;
  out[offset + 1] = BT50_RECORD_FLAG;
  raw.forEach((value, k) => view.setInt16(offset + 2 + 2 * k, value, true));
}

/**
 * Encodes one record as its 28 documented bytes (the inverse of the decoder; values are rounded
 * to the wire's resolution: 1 mm/s, 180/32768°, 0.01 °C, 1 µm, 1 Hz). Throws RangeError when a
 * value does not fit an int16.
 */
export function encodeBt50Record(record: Bt50RecordInput): Uint8Array {
  const out = new Uint8Array(BT50_RECORD_LENGTH);
  writeRecord(out, 0, record);
  return out;
}

/**
 * Encodes a live-style notification: records at a 32-byte stride, the 4 undocumented bytes after
 * each record left zero. Four records make the usual 128-byte notification.
 */
export function encodeBt50Notification(records: readonly Bt50RecordInput[]): Uint8Array {
  const out = new Uint8Array(BT50_RECORD_STRIDE * records.length);
  records.forEach((r, k) => writeRecord(out, k * BT50_RECORD_STRIDE, r));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Commands: 5-byte writes to the write characteristic.
// ---------------------------------------------------------------------------------------------

function byteArg(name: string, value: number, min = 0, max = 0xff): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer ${min}..${max}, got ${value}`);
  }
  return value;
}

/** `FF AA 27 <reg> 00`: read 8 registers starting at reg (reply `55 71 <reg> 00` + 8 values). */
export function bt50ReadRegister(register: number): Uint8Array {
  return Uint8Array.of(0xff, 0xaa, 0x27, byteArg('register', register), 0x00);
}

/** `FF AA 69 88 B5`: unlock before writing configuration. */
export function bt50Unlock(): Uint8Array {
  return Uint8Array.of(0xff, 0xaa, 0x69, 0x88, 0xb5);
}

/** `FF AA 00 00 00`: save configuration. */
export function bt50Save(): Uint8Array {
  return Uint8Array.of(0xff, 0xaa, 0x00, 0x00, 0x00);
}

/** Return rates (Hz) the WitMotion rate register knows → register code. */
export const BT50_RATE_CODES: Readonly<Record<number, number>> = Object.freeze({
  1: 0x03,
  2: 0x04,
  5: 0x05,
  10: 0x06,
  20: 0x07,
  50: 0x08,
  100: 0x09,
  200: 0x0b,
});

/** `FF AA 03 <rate> 00`: return rate (the device's rate code). */
export function bt50SetReturnRate(rate: number): Uint8Array {
  return Uint8Array.of(0xff, 0xaa, 0x03, byteArg('return rate', rate), 0x00);
}

/** `FF AA 5F <hz> 00`: detection cycle in Hz (1..255). */
export function bt50SetDetectionCycle(hz: number): Uint8Array {
  return Uint8Array.of(0xff, 0xaa, 0x5f, byteArg('detection cycle (Hz)', hz, 1, 0xff), 0x00);
}

/** Battery: read register 0x64. */
export function bt50ReadBattery(): Uint8Array {
  return bt50ReadRegister(BT50_BATTERY_REGISTER);
}
