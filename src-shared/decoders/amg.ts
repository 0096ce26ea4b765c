/**
 * AMG Lab Commander shot timer (BLE, Nordic UART) — domain.md §2.
 *
 * Event frames are 14 bytes, byte 0 = 0x01; multi-byte fields are unsigned big-endian; times are
 * integer centiseconds (the timer's resolution). We keep the integers and expose milliseconds as
 * `cs * 10` — never floats summed, and never the "+2.56 s when the low byte is 0x00" fix-up a
 * widely copied decoder applies (a Java signed-byte bug): decode plainly as uint16 BE.
 */
import { bytesToHex, hexToBytes } from './hex';

export { bytesToHex, hexToBytes };

export const AMG_FRAME_LENGTH = 14;
export const AMG_EVENT_FRAME = 0x01;
export const AMG_KIND_CODES = { start: 0x05, shot: 0x03, stop: 0x08 } as const;
/** String-dump packets (replies to `REQ STRING HEX`) have byte 0 in this range. */
export const AMG_DUMP_FIRST = 0x0a;
export const AMG_DUMP_LAST = 0x1a;

export const AMG_SERVICE_UUID = '6e400001-b5a3-f393-e0a9-e50e24dcca9e';
export const AMG_WRITE_CHARACTERISTIC_UUID = '6e400002-b5a3-f393-e0a9-e50e24dcca9e';
export const AMG_NOTIFY_CHARACTERISTIC_UUID = '6e400003-b5a3-f393-e0a9-e50e24dcca9e';
export const AMG_NAME_PREFIXES = ['AMG LAB COMM', 'COMMANDER'] as const;

export type AmgKind = keyof typeof AMG_KIND_CODES;

interface AmgFrameBase {
  kind: AmgKind;
  /** Byte 2: shot number (0 in start frames). */
  shotNumber: number;
  /** Bytes 12–13. */
  stringNumber: number;
}

/** A start (beep) frame. Bytes 3 and 8–11 describe the previous string. */
export interface AmgStartFrame extends AmgFrameBase {
  kind: 'start';
  /** Byte 3: shots in the previous string. */
  previousTotalShots: number;
  /** Bytes 8–9: the previous string's first-shot time. */
  previousFirstCs: number;
  previousFirstMs: number;
  /** Bytes 10–11: the previous string's last-shot time. */
  previousLastCs: number;
  previousLastMs: number;
}

/** A shot frame, or a stop frame (which repeats the last shot's values). */
export interface AmgShotFrame extends AmgFrameBase {
  kind: 'shot' | 'stop';
  /** Byte 3: shots in the string so far. */
  totalShots: number;
  /** Bytes 4–5: time since the beep. */
  timeCs: number;
  timeMs: number;
  /** Bytes 6–7: split from the previous shot (shot 1: equals its time). */
  splitCs: number;
  splitMs: number;
  /** Bytes 8–9: first-shot time. */
  firstCs: number;
  firstMs: number;
  /** Bytes 10–11: last-shot time. */
  lastCs: number;
  lastMs: number;
}

export type AmgFrame = AmgStartFrame | AmgShotFrame;

/** One string-dump packet: byte 1 = count, then count uint16 BE centisecond times. */
export interface AmgStringDump {
  /** Byte 0 (0x0A..0x1A). */
  packetType: number;
  /** 0 for the packet that starts a string (0x0A), then 1, 2, … */
  packetIndex: number;
  /** True when byte 0 is 0x0A: this packet starts a new string. */
  startsNewString: boolean;
  timesCs: number[];
  timesMs: number[];
}

function u16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}

function kindFromCode(code: number | undefined): AmgKind | null {
  switch (code) {
    case AMG_KIND_CODES.start:
      return 'start';
    case AMG_KIND_CODES.shot:
      return 'shot';
    case AMG_KIND_CODES.stop:
      return 'stop';
    default:
      return null;
  }
}

/**
 * Decodes a 14-byte event frame. Returns null for anything else: wrong length, byte 0 not 0x01,
 * or an unknown kind byte. Bytes past the 14th are not part of the frame and make it invalid.
 */
export function decodeAmgFrame(bytes: Uint8Array): AmgFrame | null {
  if (bytes.length !== AMG_FRAME_LENGTH || bytes[0] !== AMG_EVENT_FRAME) return null;
  const kind = kindFromCode(bytes[1]);
  if (kind === null) return null;
  const shotNumber = bytes[2] ?? 0;
  const count = bytes[3] ?? 0;
  const stringNumber = u16(bytes, 12);
  if (kind === 'start') {
    const previousFirstCs = u16(bytes, 8);
    const previousLastCs = u16(bytes, 10);
    return {
      kind,
      shotNumber,
      stringNumber,
      previousTotalShots: count,
      previousFirstCs,
      previousFirstMs: previousFirstCs * 10,
      previousLastCs,
      previousLastMs: previousLastCs * 10,
    };
  }
  const timeCs = u16(bytes, 4);
  const splitCs = u16(bytes, 6);
  const firstCs = u16(bytes, 8);
  const lastCs = u16(bytes, 10);
  return {
    kind,
    shotNumber,
    stringNumber,
    totalShots: count,
    timeCs,
    timeMs: timeCs * 10,
    splitCs,
    splitMs: splitCs * 10,
    firstCs,
    firstMs: firstCs * 10,
    lastCs,
    lastMs: lastCs * 10,
  };
}

/** Decodes one string-dump packet; null when byte 0 is outside 0x0A..0x1A or it is truncated. */
export function decodeAmgStringDump(bytes: Uint8Array): AmgStringDump | null {
  const type = bytes[0];
  if (type === undefined || type < AMG_DUMP_FIRST || type > AMG_DUMP_LAST || bytes.length < 2) return null;
  const count = bytes[1] ?? 0;
  if (bytes.length < 2 + 2 * count) return null;
  const timesCs: number[] = [];
  for (let i = 0; i < count; i++) timesCs.push(u16(bytes, 2 + 2 * i));
  return {
    packetType: type,
    packetIndex: type - AMG_DUMP_FIRST,
    startsNewString: type === AMG_DUMP_FIRST,
    timesCs,
    timesMs: timesCs.map((cs) => cs * 10),
  };
}

export type AmgPacket = ({ type: 'frame' } & AmgFrame) | ({ type: 'dump' } & AmgStringDump);

/** Dispatches a notification to the event-frame or string-dump decoder by its first byte. */
export function decodeAmgPacket(bytes: Uint8Array): AmgPacket | null {
  const first = bytes[0];
  if (first === AMG_EVENT_FRAME) {
    const frame = decodeAmgFrame(bytes);
    return frame ? { type: 'frame', ...frame } : null;
  }
  const dump = decodeAmgStringDump(bytes);
  return dump ? { type: 'dump', ...dump } : null;
}

/**
 * Joins consecutive dump packets into strings of centisecond times: a 0x0A packet starts a new
 * string, later packets extend the current one (a continuation with no string open starts one).
 */
export function assembleAmgStrings(dumps: readonly AmgStringDump[]): number[][] {
  const strings: number[][] = [];
  let current: number[] | null = null;
  for (const dump of dumps) {
    if (dump.startsNewString || current === null) {
      current = [];
      strings.push(current);
    }
    current.push(...dump.timesCs);
  }
  return strings;
}

export interface AmgStartFrameInput {
  kind: 'start';
  stringNumber: number;
  previousTotalShots?: number;
  previousFirstCs?: number;
  previousLastCs?: number;
}

export interface AmgShotFrameInput {
  kind: 'shot' | 'stop';
  stringNumber: number;
  shotNumber: number;
  totalShots: number;
  timeCs: number;
  splitCs: number;
  firstCs: number;
  /** Defaults to timeCs (a shot frame's last-shot time is its own time). */
  lastCs?: number;
}

export type AmgFrameInput = AmgStartFrameInput | AmgShotFrameInput;

function checkInt(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`encodeAmgFrame: ${name} must be an integer 0..${max}, got ${value}`);
  }
  return value;
}

/** The inverse of decodeAmgFrame (for the simulator and tests). Throws RangeError on bad fields. */
export function encodeAmgFrame(input: AmgFrameInput): Uint8Array {
  const out = new Uint8Array(AMG_FRAME_LENGTH);
  const put16 = (offset: number, name: string, value: number): void => {
    checkInt(name, value, 0xffff);
    out[offset] = value >> 8;
    out[offset + 1] = value & 0xff;
  };
  out[0] = AMG_EVENT_FRAME;
  const code = AMG_KIND_CODES[input.kind];
  if (code === undefined) throw new RangeError(`encodeAmgFrame: unknown kind ${String(input.kind)}`);
  out[1] = code;
  if (input.kind === 'start') {
    out[2] = 0;
    out[3] = checkInt('previousTotalShots', input.previousTotalShots ?? 0, 0xff);
    put16(8, 'previousFirstCs', input.previousFirstCs ?? 0);
    put16(10, 'previousLastCs', input.previousLastCs ?? 0);
  } else {
    out[2] = checkInt('shotNumber', input.shotNumber, 0xff);
    out[3] = checkInt('totalShots', input.totalShots, 0xff);
    put16(4, 'timeCs', input.timeCs);
    put16(6, 'splitCs', input.splitCs);
    put16(8, 'firstCs', input.firstCs);
    put16(10, 'lastCs', input.lastCs ?? input.timeCs);
  }
  put16(12, 'stringNumber', input.stringNumber);
  return out;
}

/** Encodes one string-dump packet (for the simulator and tests). packetIndex 0 starts a string. */
export function encodeAmgStringDump(packetIndex: number, timesCs: readonly number[]): Uint8Array {
  if (!Number.isInteger(packetIndex) || packetIndex < 0 || packetIndex > AMG_DUMP_LAST - AMG_DUMP_FIRST) {
    throw new RangeError(`encodeAmgStringDump: packetIndex must be 0..${AMG_DUMP_LAST - AMG_DUMP_FIRST}`);
  }
  if (timesCs.length > 0xff) throw new RangeError('encodeAmgStringDump: at most 255 times per packet');
  const out = new Uint8Array(2 + 2 * timesCs.length);
  out[0] = AMG_DUMP_FIRST + packetIndex;
  out[1] = timesCs.length;
  timesCs.forEach((cs, i) => {
    if (!Number.isInteger(cs) || cs < 0 || cs > 0xffff) {
      throw new RangeError(`encodeAmgStringDump: time ${cs} is not a uint16 centisecond value`);
    }
    out[2 + 2 * i] = cs >> 8;
    out[3 + 2 * i] = cs & 0xff;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Commands: ASCII text written to the Nordic UART write characteristic, ~100 ms apart; settings
// only while the timer is stopped. The helpers return the command text; amgCommand() encodes it.
// ---------------------------------------------------------------------------------------------

export const COM_START = 'COM START';
export const COM_STOP = 'COM STOP';
export const REQ_STRING_HEX = 'REQ STRING HEX';
export const REQ_SCREEN_HEX = 'REQ SCREEN HEX';
export const REQ_SETTINGS = 'REQ SETTINGS';
/** Suggested gap between two commands written to the timer. */
export const AMG_COMMAND_GAP_MS = 100;

/** Encodes a command as ASCII bytes. Throws on empty text or non-printable / non-ASCII characters. */
export function amgCommand(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length === 0) throw new Error('amgCommand: empty command');
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      throw new Error(`amgCommand: non-printable or non-ASCII character at ${i} in ${JSON.stringify(text)}`);
    }
    out[i] = c;
  }
  return out;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer ${min}..${max}, got ${value}`);
  }
  return value;
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** `SET SENSITIVITY 01`..`10`. */
export function setSensitivity(level: number): string {
  return `SET SENSITIVITY ${pad(checkRange('sensitivity', level, 1, 10), 2)}`;
}

/** `SET ECHO DELAY 005`..`100`, in centiseconds. */
export function setEchoDelay(cs: number): string {
  return `SET ECHO DELAY ${pad(checkRange('echo delay (cs)', cs, 5, 100), 3)}`;
}

/** `SET BEEP VOLUME 0`..`3`. */
export function setBeepVolume(volume: number): string {
  return `SET BEEP VOLUME ${checkRange('beep volume', volume, 0, 3)}`;
}

/** `SET PRESET 1`..`5`. */
export function setPreset(preset: number): string {
  return `SET PRESET ${checkRange('preset', preset, 1, 5)}`;
}

/**
 * `SET DELAY type fixed random` (start delay). §2 gives no ranges: type 0..9, fixed and random
 * 0..65535 are accepted as non-negative integers in the timer's own units.
 */
export function setDelay(type: number, fixed: number, random: number): string {
  checkRange('delay type', type, 0, 9);
  checkRange('fixed delay', fixed, 0, 0xffff);
  checkRange('random delay', random, 0, 0xffff);
  return `SET DELAY ${type} ${fixed} ${random}`;
}

/** `SET PAR TYPE n` (§2 gives no range; 0..9 accepted). */
export function setParType(type: number): string {
  return `SET PAR TYPE ${checkRange('par type', type, 0, 9)}`;
}

/**
 * `SET PAR TIME n t`: par number n (1..99) and time t in centiseconds (1..65535, like the frame
 * times). §2 does not state units or ranges; these are our assumption.
 */
export function setParTime(n: number, timeCs: number): string {
  checkRange('par number', n, 1, 99);
  checkRange('par time (cs)', timeCs, 1, 0xffff);
  return `SET PAR TIME ${n} ${timeCs}`;
}
