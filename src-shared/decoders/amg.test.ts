import { describe, expect, it } from 'vitest';
import {
  amgCommand,
  assembleAmgStrings,
  bytesToHex,
  COM_START,
  COM_STOP,
  decodeAmgFrame,
  decodeAmgPacket,
  decodeAmgStringDump,
  encodeAmgFrame,
  encodeAmgStringDump,
  hexToBytes,
  REQ_STRING_HEX,
  setBeepVolume,
  setDelay,
  setEchoDelay,
  setParTime,
  setParType,
  setPreset,
  setSensitivity,
  type AmgFrame,
  type AmgShotFrame,
  type AmgStartFrame,
} from './amg';

/** domain.md §2 vectors, as written there (times in seconds). */
const SHOT_VECTORS: Array<{
  hex: string;
  kind: 'shot' | 'stop';
  shot: number;
  total: number;
  time: number;
  split: number;
  first: number;
  string: number;
}> = [
  {
    hex: '0103010100e500e500e500e50001',
    kind: 'shot',
    shot: 1,
    total: 1,
    time: 2.29,
    split: 2.29,
    first: 2.29,
    string: 1,
  },
  {
    hex: '0108010100e500e500e500e50001',
    kind: 'stop',
    shot: 1,
    total: 1,
    time: 2.29,
    split: 2.29,
    first: 2.29,
    string: 1,
  },
  {
    hex: '0103010100b400b400b400b40002',
    kind: 'shot',
    shot: 1,
    total: 1,
    time: 1.8,
    split: 1.8,
    first: 1.8,
    string: 2,
  },
  {
    hex: '01030202015c00a800b4015c0002',
    kind: 'shot',
    shot: 2,
    total: 2,
    time: 3.48,
    split: 1.68,
    first: 1.8,
    string: 2,
  },
  {
    hex: '01080202015c00a800b4015c0002',
    kind: 'stop',
    shot: 2,
    total: 2,
    time: 3.48,
    split: 1.68,
    first: 1.8,
    string: 2,
  },
  {
    hex: '0103040400e5003d003a00e50003',
    kind: 'shot',
    shot: 4,
    total: 4,
    time: 2.29,
    split: 0.61,
    first: 0.58,
    string: 3,
  },
];

const cs = (seconds: number): number => Math.round(seconds * 100);
const ms = (seconds: number): number => Math.round(seconds * 1000);

function decodeHex(hex: string): AmgFrame {
  const frame = decodeAmgFrame(hexToBytes(hex));
  if (!frame) throw new Error(`vector ${hex} did not decode`);
  return frame;
}

describe('decodeAmgFrame: domain.md §2 vectors', () => {
  it('start frame 0105000000000000000000000001: string 1, shot 0/0', () => {
    const f = decodeHex('0105000000000000000000000001') as AmgStartFrame;
    expect(f.kind).toBe('start');
    expect(f.shotNumber).toBe(0);
    expect(f.previousTotalShots).toBe(0);
    expect(f.stringNumber).toBe(1);
    // Zero times stay zero: the 2.56 s trap would make these 2.56.
    expect(f.previousFirstCs).toBe(0);
    expect(f.previousLastCs).toBe(0);
    expect(f.previousFirstMs).toBe(0);
  });

  it('start frame 010500010000000000e500e50002: string 2, previous string 1 shot, first 2.29', () => {
    const f = decodeHex('010500010000000000e500e50002') as AmgStartFrame;
    expect(f.kind).toBe('start');
    expect(f.shotNumber).toBe(0);
    expect(f.previousTotalShots).toBe(1);
    expect(f.previousFirstCs).toBe(cs(2.29));
    expect(f.previousFirstMs).toBe(ms(2.29));
    // Bytes 10–11 (0x00e5) carry the previous string's last-shot time.
    expect(f.previousLastCs).toBe(cs(2.29));
    expect(f.previousLastMs).toBe(ms(2.29));
    expect(f.stringNumber).toBe(2);
  });

  for (const v of SHOT_VECTORS) {
    it(`${v.kind} frame ${v.hex}: ${v.shot}/${v.total} time ${v.time} split ${v.split} first ${v.first} string ${v.string}`, () => {
      const f = decodeHex(v.hex) as AmgShotFrame;
      expect(f.kind).toBe(v.kind);
      expect(f.shotNumber).toBe(v.shot);
      expect(f.totalShots).toBe(v.total);
      expect(f.timeCs).toBe(cs(v.time));
      expect(f.timeMs).toBe(ms(v.time));
      expect(f.splitCs).toBe(cs(v.split));
      expect(f.splitMs).toBe(ms(v.split));
      expect(f.firstCs).toBe(cs(v.first));
      expect(f.firstMs).toBe(ms(v.first));
      // In every shot/stop vector bytes 10–11 equal the shot's own time.
      expect(f.lastCs).toBe(cs(v.time));
      expect(f.lastMs).toBe(ms(v.time));
      expect(f.stringNumber).toBe(v.string);
      expect(Number.isInteger(f.timeCs) && Number.isInteger(f.timeMs)).toBe(true);
    });
  }

  it('a stop frame repeats the last shot frame', () => {
    const shot = decodeHex('01030202015c00a800b4015c0002');
    const stop = decodeHex('01080202015c00a800b4015c0002');
    expect({ ...stop, kind: 'shot' }).toEqual(shot);
  });
});

describe('decodeAmgFrame: the 2.56 s trap', () => {
  it('0x0100 is 2.56 s exactly, not 5.12', () => {
    const f = decodeHex('01030101 0100 0100 0100 0100 0001') as AmgShotFrame;
    expect(f.timeCs).toBe(256);
    expect(f.timeMs).toBe(2560);
    expect(f.splitCs).toBe(256);
    expect(f.firstCs).toBe(256);
    expect(f.lastCs).toBe(256);
  });

  it('0x0200 is 5.12 s and 0x0300 is 7.68 s (low byte 0x00 adds nothing)', () => {
    const f = decodeHex('01030202 0300 0200 0100 0300 0001') as AmgShotFrame;
    expect(f.timeCs).toBe(768);
    expect(f.splitCs).toBe(512);
    expect(f.firstCs).toBe(256);
    expect(f.lastCs).toBe(768);
  });

  it('string number 0x0100 is 256', () => {
    expect(decodeHex('0105000000000000000000000100').stringNumber).toBe(256);
  });

  it('large times decode as unsigned (0xfffe = 655.34 s)', () => {
    const f = decodeHex('01030101fffefffefffefffe0001') as AmgShotFrame;
    expect(f.timeCs).toBe(65534);
    expect(f.timeMs).toBe(655340);
  });
});

describe('decodeAmgFrame: invalid input', () => {
  it('returns null for truncated frames', () => {
    expect(decodeAmgFrame(hexToBytes('0103010100e500e500e500e500'))).toBeNull();
    expect(decodeAmgFrame(new Uint8Array(0))).toBeNull();
    expect(decodeAmgFrame(Uint8Array.of(0x01))).toBeNull();
  });

  it('returns null for over-long frames', () => {
    expect(decodeAmgFrame(hexToBytes('0103010100e500e500e500e5000100'))).toBeNull();
  });

  it('returns null when byte 0 is not 0x01 or the kind is unknown', () => {
    expect(decodeAmgFrame(hexToBytes('0203010100e500e500e500e50001'))).toBeNull();
    expect(decodeAmgFrame(hexToBytes('0104010100e500e500e500e50001'))).toBeNull();
  });
});

describe('encodeAmgFrame', () => {
  it('re-encodes every §2 vector to the same bytes', () => {
    const all = [
      '0105000000000000000000000001',
      '010500010000000000e500e50002',
      ...SHOT_VECTORS.map((v) => v.hex),
    ];
    for (const hex of all) {
      expect(bytesToHex(encodeAmgFrame(decodeHex(hex)))).toBe(hex);
    }
  });

  it('round-trips encode → decode', () => {
    const inputs = [
      {
        kind: 'shot',
        stringNumber: 7,
        shotNumber: 3,
        totalShots: 3,
        timeCs: 256,
        splitCs: 100,
        firstCs: 200,
      },
      {
        kind: 'stop',
        stringNumber: 65535,
        shotNumber: 255,
        totalShots: 255,
        timeCs: 65535,
        splitCs: 0,
        firstCs: 1,
        lastCs: 65535,
      },
      { kind: 'start', stringNumber: 12, previousTotalShots: 5, previousFirstCs: 181, previousLastCs: 512 },
    ] as const;
    for (const input of inputs) {
      const frame = decodeAmgFrame(encodeAmgFrame(input));
      expect(frame).not.toBeNull();
      expect(frame).toMatchObject(input);
    }
    const shot = decodeAmgFrame(encodeAmgFrame(inputs[0])) as AmgShotFrame;
    expect(shot.lastCs).toBe(256);
    expect(shot.timeMs).toBe(2560);
  });

  it('encodes a start frame with defaults as all zeros', () => {
    expect(bytesToHex(encodeAmgFrame({ kind: 'start', stringNumber: 1 }))).toBe(
      '0105000000000000000000000001',
    );
  });

  it('rejects out-of-range fields', () => {
    const base = {
      kind: 'shot',
      stringNumber: 1,
      shotNumber: 1,
      totalShots: 1,
      splitCs: 1,
      firstCs: 1,
    } as const;
    expect(() => encodeAmgFrame({ ...base, timeCs: 65536 })).toThrow(RangeError);
    expect(() => encodeAmgFrame({ ...base, timeCs: -1 })).toThrow(RangeError);
    expect(() => encodeAmgFrame({ ...base, timeCs: 2.5 })).toThrow(RangeError);
    expect(() => encodeAmgFrame({ ...base, timeCs: 1, shotNumber: 256 })).toThrow(RangeError);
  });
});

describe('string dumps', () => {
  it('decodes byte 1 = count, then uint16 BE centisecond times', () => {
    const dump = decodeAmgStringDump(hexToBytes('0a 03 00e5 0100 015c'));
    expect(dump).toEqual({
      packetType: 0x0a,
      packetIndex: 0,
      startsNewString: true,
      timesCs: [229, 256, 348],
      timesMs: [2290, 2560, 3480],
    });
  });

  it('0x0A starts a new string; later packets continue it', () => {
    const packets = ['0a020064012c', '0b01015e', '0a0100c8', '1a00'].map((h) => {
      const d = decodeAmgStringDump(hexToBytes(h));
      if (!d) throw new Error(h);
      return d;
    });
    expect(packets.map((p) => p.startsNewString)).toEqual([true, false, true, false]);
    expect(assembleAmgStrings(packets)).toEqual([[100, 300, 350], [200]]);
  });

  it('rejects truncated dumps and bytes outside 0x0A..0x1A', () => {
    expect(decodeAmgStringDump(hexToBytes('0a0300e50100'))).toBeNull();
    expect(decodeAmgStringDump(hexToBytes('0a'))).toBeNull();
    expect(decodeAmgStringDump(hexToBytes('09010064'))).toBeNull();
    expect(decodeAmgStringDump(hexToBytes('1b010064'))).toBeNull();
  });

  it('round-trips encodeAmgStringDump', () => {
    const bytes = encodeAmgStringDump(2, [1, 256, 65535]);
    expect(bytesToHex(bytes)).toBe('0c0300010100ffff');
    expect(decodeAmgStringDump(bytes)?.timesCs).toEqual([1, 256, 65535]);
  });

  it('decodeAmgPacket dispatches by byte 0', () => {
    expect(decodeAmgPacket(hexToBytes('0103010100e500e500e500e50001'))).toMatchObject({
      type: 'frame',
      kind: 'shot',
      timeCs: 229,
    });
    expect(decodeAmgPacket(hexToBytes('0a0100e5'))).toMatchObject({ type: 'dump', timesCs: [229] });
    expect(decodeAmgPacket(hexToBytes('ff00'))).toBeNull();
  });
});

describe('hexToBytes', () => {
  it('accepts spaces, colons, mixed case and 0x', () => {
    const expected = [0x01, 0x03, 0x01, 0x01, 0x00, 0xe5];
    expect(Array.from(hexToBytes('01 03 01 01 00 E5'))).toEqual(expected);
    expect(Array.from(hexToBytes('01:03:01:01:00:e5'))).toEqual(expected);
    expect(Array.from(hexToBytes('0x010301 0100e5'))).toEqual(expected);
    expect(Array.from(hexToBytes('  0103\n0101 00E5 '))).toEqual(expected);
    expect(hexToBytes('').length).toBe(0);
  });

  it('rejects odd length with a clear error', () => {
    expect(() => hexToBytes('010')).toThrow(/odd number of hex digits/);
  });

  it('rejects non-hex characters with a clear error', () => {
    expect(() => hexToBytes('01zz')).toThrow(/invalid hex character "z"/);
    expect(() => hexToBytes('01.03')).toThrow(/invalid hex character/);
  });

  it('bytesToHex is its inverse', () => {
    expect(bytesToHex(hexToBytes('01:0A:ff'))).toBe('010aff');
  });
});

describe('commands', () => {
  it('amgCommand encodes ASCII', () => {
    expect(Array.from(amgCommand(COM_START))).toEqual([0x43, 0x4f, 0x4d, 0x20, 0x53, 0x54, 0x41, 0x52, 0x54]);
    expect(new TextDecoder().decode(amgCommand(COM_STOP))).toBe('COM STOP');
    expect(new TextDecoder().decode(amgCommand(REQ_STRING_HEX))).toBe('REQ STRING HEX');
    expect(() => amgCommand('')).toThrow();
    expect(() => amgCommand('SET\nX')).toThrow(/non-printable/);
    expect(() => amgCommand('CAFÉ')).toThrow(/non-ASCII/);
  });

  it('SET SENSITIVITY 01..10', () => {
    expect(setSensitivity(1)).toBe('SET SENSITIVITY 01');
    expect(setSensitivity(10)).toBe('SET SENSITIVITY 10');
    expect(() => setSensitivity(0)).toThrow(RangeError);
    expect(() => setSensitivity(11)).toThrow(RangeError);
    expect(() => setSensitivity(2.5)).toThrow(RangeError);
  });

  it('SET ECHO DELAY 005..100', () => {
    expect(setEchoDelay(5)).toBe('SET ECHO DELAY 005');
    expect(setEchoDelay(42)).toBe('SET ECHO DELAY 042');
    expect(setEchoDelay(100)).toBe('SET ECHO DELAY 100');
    expect(() => setEchoDelay(4)).toThrow(RangeError);
    expect(() => setEchoDelay(101)).toThrow(RangeError);
  });

  it('SET BEEP VOLUME 0..3 and SET PRESET 1..5', () => {
    expect(setBeepVolume(0)).toBe('SET BEEP VOLUME 0');
    expect(setBeepVolume(3)).toBe('SET BEEP VOLUME 3');
    expect(() => setBeepVolume(4)).toThrow(RangeError);
    expect(setPreset(1)).toBe('SET PRESET 1');
    expect(setPreset(5)).toBe('SET PRESET 5');
    expect(() => setPreset(0)).toThrow(RangeError);
    expect(() => setPreset(6)).toThrow(RangeError);
  });

  it('SET PAR TYPE, SET PAR TIME, SET DELAY', () => {
    expect(setParType(1)).toBe('SET PAR TYPE 1');
    expect(setParTime(1, 250)).toBe('SET PAR TIME 1 250');
    expect(() => setParTime(0, 250)).toThrow(RangeError);
    expect(() => setParTime(1, 0)).toThrow(RangeError);
    expect(() => setParTime(1, -5)).toThrow(RangeError);
    expect(setDelay(1, 300, 200)).toBe('SET DELAY 1 300 200');
    expect(() => setDelay(1, -1, 0)).toThrow(RangeError);
    expect(new TextDecoder().decode(amgCommand(setSensitivity(7)))).toBe('SET SENSITIVITY 07');
  });
});
