import { describe, expect, it } from 'vitest';
import {
  bt50ReadBattery,
  bt50ReadRegister,
  bt50Save,
  bt50SetDetectionCycle,
  bt50SetReturnRate,
  bt50Unlock,
  bytesToHex,
  decodeBt50Notification,
  decodeBt50RegisterReply,
  encodeBt50Notification,
  encodeBt50Record,
  hexToBytes,
  type Bt50Record,
} from './bt50';

/** domain.md §3 vectors, as written there. */
const VECTOR_1 = '5561 1100 1600 0200 0200 0000 0100 e60a 4300 4700 0a00 2500 2500 2500';
const VECTOR_2 = '5561040009000900170017001000bb085b007a006800000003000000';

function expectVector1(r: Bt50Record | undefined): void {
  expect(r).toBeDefined();
  if (!r) return;
  expect([r.vx, r.vy, r.vz]).toEqual([17, 22, 2]);
  expect(r.temperatureC).toBeCloseTo(27.9, 10);
  expect([r.dx, r.dy, r.dz]).toEqual([67, 71, 10]);
  expect([r.fx, r.fy, r.fz]).toEqual([37, 37, 37]);
}

function expectVector2(r: Bt50Record | undefined): void {
  expect(r).toBeDefined();
  if (!r) return;
  expect([r.vx, r.vy, r.vz]).toEqual([4, 9, 9]);
  expect(r.angleX).toBeCloseTo(0.126, 3);
  expect(r.angleY).toBeCloseTo(0.126, 3);
  expect(r.angleZ).toBeCloseTo(0.088, 3);
  expect(r.temperatureC).toBeCloseTo(22.35, 10);
  expect([r.dx, r.dy, r.dz]).toEqual([91, 122, 104]);
  expect([r.fx, r.fy, r.fz]).toEqual([0, 3, 0]);
}

const PAD = '00000000'; // the 4 undocumented bytes after each record in a live notification

describe('decodeBt50Notification: domain.md §3 vectors', () => {
  it('vector 1: velocity 17, 22, 2; 27.90 °C; displacement 67, 71, 10; frequency 37, 37, 37', () => {
    const records = decodeBt50Notification(hexToBytes(VECTOR_1));
    expect(records).toHaveLength(1);
    expectVector1(records[0]);
    expect(records[0]?.offset).toBe(0);
  });

  it('vector 2: velocity 4, 9, 9; angles 0.126°, 0.126°, 0.088°; 22.35 °C; displacement 91, 122, 104; frequency 0, 3, 0', () => {
    const records = decodeBt50Notification(hexToBytes(VECTOR_2));
    expect(records).toHaveLength(1);
    expectVector2(records[0]);
  });

  it('temperature is not an axis: 0x0ae6 is 27.90 °C, never a velocity of 2790', () => {
    const [r] = decodeBt50Notification(hexToBytes(VECTOR_1));
    expect(Math.max(Math.abs(r!.vx), Math.abs(r!.vy), Math.abs(r!.vz))).toBeLessThan(100);
  });
});

describe('decodeBt50Notification: scanning', () => {
  it('decodes all four records of a 128-byte live notification (32-byte stride)', () => {
    const hex = [VECTOR_1, PAD, VECTOR_2, PAD, VECTOR_1, PAD, VECTOR_2, PAD].join('');
    const bytes = hexToBytes(hex);
    expect(bytes.length).toBe(128);
    const records = decodeBt50Notification(bytes);
    expect(records).toHaveLength(4);
    expect(records.map((r) => r.offset)).toEqual([0, 32, 64, 96]);
    expectVector1(records[0]);
    expectVector2(records[1]);
    expectVector1(records[2]);
    expectVector2(records[3]);
  });

  it('decodes concatenated 28-byte records with no padding', () => {
    const records = decodeBt50Notification(hexToBytes(VECTOR_2 + VECTOR_1 + VECTOR_2));
    expect(records).toHaveLength(3);
    expect(records.map((r) => r.offset)).toEqual([0, 28, 56]);
    expectVector2(records[0]);
    expectVector1(records[1]);
    expectVector2(records[2]);
  });

  it('finds records after leading junk bytes', () => {
    const records = decodeBt50Notification(hexToBytes('ff00aa55' + VECTOR_1));
    expect(records).toHaveLength(1);
    expect(records[0]?.offset).toBe(4);
    expectVector1(records[0]);
  });

  it('skips a truncated trailing record', () => {
    const full = hexToBytes([VECTOR_1, PAD, VECTOR_2, PAD, VECTOR_1, PAD, VECTOR_2, PAD].join(''));
    // Cut inside the fourth record (which starts at 96 and needs 28 bytes).
    const records = decodeBt50Notification(full.subarray(0, 96 + 27));
    expect(records).toHaveLength(3);
    expect(decodeBt50Notification(full.subarray(0, 96 + 28))).toHaveLength(4);
  });

  it('returns nothing for truncated, empty or foreign input', () => {
    expect(decodeBt50Notification(hexToBytes(VECTOR_1).subarray(0, 27))).toEqual([]);
    expect(decodeBt50Notification(new Uint8Array(0))).toEqual([]);
    expect(decodeBt50Notification(Uint8Array.of(0x55))).toEqual([]);
    expect(decodeBt50Notification(new Uint8Array(128))).toEqual([]);
  });

  it('works on a subarray view with a non-zero byteOffset', () => {
    const backing = hexToBytes('0000' + VECTOR_2 + '00');
    const view = backing.subarray(2, 30);
    expectVector2(decodeBt50Notification(view)[0]);
  });

  it('decodes negative velocities (int16 LE)', () => {
    // vx = 0xffec (-20), vy = 0xff9c (-100), vz = 0x8000 (-32768)
    const hex = '5561 ecff 9cff 0080 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000';
    const [r] = decodeBt50Notification(hexToBytes(hex));
    expect([r?.vx, r?.vy, r?.vz]).toEqual([-20, -100, -32768]);
  });
});

describe('encodeBt50Record / encodeBt50Notification', () => {
  it('re-encodes the §3 vectors to the same bytes', () => {
    for (const hex of [VECTOR_1, VECTOR_2]) {
      const [record] = decodeBt50Notification(hexToBytes(hex));
      expect(bytesToHex(encodeBt50Record(record!))).toBe(bytesToHex(hexToBytes(hex)));
    }
  });

  it('round-trips encode → decode at the wire resolution', () => {
    const input = {
      vx: -35,
      vy: 12,
      vz: 0,
      angleX: 1.5,
      angleY: -45,
      angleZ: 179.9,
      temperatureC: 23.47,
      dx: 5,
      dy: -7,
      dz: 300,
      fx: 12,
      fy: 0,
      fz: 99,
    };
    const [r] = decodeBt50Notification(encodeBt50Record(input));
    expect(r).toBeDefined();
    expect([r!.vx, r!.vy, r!.vz]).toEqual([-35, 12, 0]);
    expect(r!.angleX).toBeCloseTo(1.5, 2);
    expect(r!.angleY).toBeCloseTo(-45, 2);
    expect(r!.angleZ).toBeCloseTo(179.9, 2);
    expect(r!.temperatureC).toBeCloseTo(23.47, 10);
    expect([r!.dx, r!.dy, r!.dz, r!.fx, r!.fy, r!.fz]).toEqual([5, -7, 300, 12, 0, 99]);
  });

  it('a four-record notification is 128 bytes and decodes to four records in order', () => {
    const base = {
      angleX: 0,
      angleY: 0,
      angleZ: 0,
      temperatureC: 21,
      dx: 0,
      dy: 0,
      dz: 0,
      fx: 0,
      fy: 0,
      fz: 0,
    };
    const records = [1, 2, 3, 4].map((k) => ({ ...base, vx: k, vy: -k, vz: 10 * k }));
    const bytes = encodeBt50Notification(records);
    expect(bytes.length).toBe(128);
    const decoded = decodeBt50Notification(bytes);
    expect(decoded.map((r) => [r.vx, r.vy, r.vz])).toEqual([
      [1, -1, 10],
      [2, -2, 20],
      [3, -3, 30],
      [4, -4, 40],
    ]);
  });

  it('rejects values that do not fit an int16', () => {
    const base = {
      vx: 0,
      vy: 0,
      vz: 0,
      angleX: 0,
      angleY: 0,
      angleZ: 0,
      temperatureC: 20,
      dx: 0,
      dy: 0,
      dz: 0,
      fx: 0,
      fy: 0,
      fz: 0,
    };
    expect(() => encodeBt50Record({ ...base, vx: 40000 })).toThrow(RangeError);
    expect(() => encodeBt50Record({ ...base, temperatureC: 400 })).toThrow(RangeError);
    expect(() => encodeBt50Record({ ...base, vy: Number.NaN })).toThrow(RangeError);
  });
});

describe('commands and register replies', () => {
  const hex = (b: Uint8Array): string => bytesToHex(b);

  it('builds the §3 command bytes', () => {
    expect(hex(bt50ReadRegister(0x3a))).toBe('ffaa273a00');
    expect(hex(bt50Unlock())).toBe('ffaa6988b5');
    expect(hex(bt50Save())).toBe('ffaa000000');
    expect(hex(bt50SetReturnRate(0x06))).toBe('ffaa030600');
    expect(hex(bt50SetDetectionCycle(100))).toBe('ffaa5f6400');
    expect(hex(bt50ReadBattery())).toBe('ffaa276400');
  });

  it('rejects out-of-range arguments', () => {
    expect(() => bt50ReadRegister(256)).toThrow(RangeError);
    expect(() => bt50ReadRegister(-1)).toThrow(RangeError);
    expect(() => bt50SetReturnRate(1.5)).toThrow(RangeError);
    expect(() => bt50SetDetectionCycle(0)).toThrow(RangeError);
  });

  it('decodes a register reply 55 71 <reg> 00 + 8 registers', () => {
    const reply = hexToBytes('5571 6400 9001 0100 0200 0300 0400 0500 0600 ffff');
    expect(decodeBt50RegisterReply(reply)).toEqual({ register: 0x64, values: [400, 1, 2, 3, 4, 5, 6, -1] });
    // Truncated → null; a velocity record is not a register reply.
    expect(decodeBt50RegisterReply(reply.subarray(0, 19))).toBeNull();
    expect(decodeBt50RegisterReply(hexToBytes(VECTOR_1))).toBeNull();
  });
});
