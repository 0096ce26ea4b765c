/**
 * An AMG Lab Commander-style shot timer behind a range bridge (domain.md §1–§2): plans strings
 * with human-like times, builds the 14-byte frames with the shared encoder (the truth), and
 * shapes the JSON the bridge publishes on `timer/events` in the variants bridges use.
 */
import { bytesToHex, encodeAmgFrame } from '../../../src-shared/decoders/amg';
import type { Rng } from '../random';

/** Human ranges in centiseconds. */
export const DRAW_CS = { min: 160, max: 240 } as const;
export const TRANSITION_CS = { min: 35, max: 90 } as const;
export const SLOW_TRANSITION_CS = { min: 90, max: 160 } as const;
export const SLOW_TRANSITION_CHANCE = 0.12;
/** The timer's notification reaches the bridge 10–99 ms after the event (domain.md §2). */
export const NOTIFY_DELAY_MS = { min: 10, max: 99 } as const;
/** The RO stops the timer this long after the last shot. */
export const STOP_AFTER_MS = { min: 1000, max: 2500 } as const;

export interface ShotPlan {
  shotNumber: number;
  /** Time since the beep. */
  timeCs: number;
  /** Split from the previous shot (shot 1: equals its time). */
  splitCs: number;
}

export interface PreviousString {
  totalShots: number;
  firstCs: number;
  lastCs: number;
}

export type TimerEventType = 'START' | 'SHOT' | 'STOP';

export interface TimerEvent {
  type: TimerEventType;
  /** When it happened on the range (the beep, the shot, the stop press). */
  atMs: number;
  /** When the bridge received the notification and stamps the event. */
  receivedMs: number;
  frame: Uint8Array;
  rawHex: string;
  stringNumber: number;
  shotNumber: number;
  totalShots: number;
  timeCs: number;
  splitCs: number;
  firstCs: number;
}

export interface StringPlan {
  stringNumber: number;
  beepMs: number;
  shots: ShotPlan[];
  stopMs: number;
  previous: PreviousString;
  events: TimerEvent[];
}

/** Draws a string's shot times: a draw, then transitions (occasionally a slow one). */
export function drawShotTimes(rng: Rng, shotCount: number): ShotPlan[] {
  const shots: ShotPlan[] = [];
  let time = 0;
  for (let n = 1; n <= shotCount; n++) {
    let split: number;
    if (n === 1) split = rng.int(DRAW_CS.min, DRAW_CS.max);
    else if (rng.chance(SLOW_TRANSITION_CHANCE))
      split = rng.int(SLOW_TRANSITION_CS.min, SLOW_TRANSITION_CS.max);
    else split = rng.int(TRANSITION_CS.min, TRANSITION_CS.max);
    time += split;
    shots.push({ shotNumber: n, timeCs: time, splitCs: split });
  }
  return shots;
}

/** Plans one string: beep, shots, stop, and the frames and receive times of every event. */
export function planString(
  rng: Rng,
  stringNumber: number,
  beepMs: number,
  previous: PreviousString = { totalShots: 0, firstCs: 0, lastCs: 0 },
  shotCount = 5,
  /** An echo the timer records this long after the last shot (an extra shot, no impact). */
  echoCs?: number,
): StringPlan {
  const shots = drawShotTimes(rng, shotCount);
  if (echoCs !== undefined && shots.length) {
    const lastShot = shots[shots.length - 1]!;
    shots.push({ shotNumber: lastShot.shotNumber + 1, timeCs: lastShot.timeCs + echoCs, splitCs: echoCs });
  }
  const last = shots[shots.length - 1];
  const stopMs = beepMs + (last ? last.timeCs * 10 : 0) + rng.int(STOP_AFTER_MS.min, STOP_AFTER_MS.max);
  const delay = (): number => rng.int(NOTIFY_DELAY_MS.min, NOTIFY_DELAY_MS.max);
  const events: TimerEvent[] = [];

  const startFrame = encodeAmgFrame({
    kind: 'start',
    stringNumber,
    previousTotalShots: previous.totalShots,
    previousFirstCs: previous.firstCs,
    previousLastCs: previous.lastCs,
  });
  events.push({
    type: 'START',
    atMs: beepMs,
    receivedMs: beepMs + delay(),
    frame: startFrame,
    rawHex: bytesToHex(startFrame),
    stringNumber,
    shotNumber: 0,
    totalShots: 0,
    timeCs: 0,
    splitCs: 0,
    firstCs: 0,
  });
  const firstCs = shots[0]?.timeCs ?? 0;
  const shotEvent = (type: 'SHOT' | 'STOP', shot: ShotPlan, atMs: number): TimerEvent => {
    const frame = encodeAmgFrame({
      kind: type === 'SHOT' ? 'shot' : 'stop',
      stringNumber,
      shotNumber: shot.shotNumber,
      totalShots: shot.shotNumber,
      timeCs: shot.timeCs,
      splitCs: shot.splitCs,
      firstCs,
      lastCs: shot.timeCs,
    });
    return {
      type,
      atMs,
      receivedMs: atMs + delay(),
      frame,
      rawHex: bytesToHex(frame),
      stringNumber,
      shotNumber: shot.shotNumber,
      totalShots: shot.shotNumber,
      timeCs: shot.timeCs,
      splitCs: shot.splitCs,
      firstCs,
    };
  };
  for (const shot of shots) events.push(shotEvent('SHOT', shot, beepMs + shot.timeCs * 10));
  if (last) events.push(shotEvent('STOP', last, stopMs));
  return { stringNumber, beepMs, shots, stopMs, previous, events };
}

/** What the next string's start frame reports about this one. */
export function summarizeString(plan: StringPlan): PreviousString {
  const last = plan.shots[plan.shots.length - 1];
  return { totalShots: plan.shots.length, firstCs: plan.shots[0]?.timeCs ?? 0, lastCs: last?.timeCs ?? 0 };
}

/** How a bridge shapes its timer JSON (domain.md §1 lists all of these in the field). */
export interface TimerStyle {
  shape: 'flat' | 'nested';
  /** `START`, or `T0` as some bridges spell it. */
  startName: 'START' | 'T0';
  /** Seconds as floats (`time`, `split`, `first_shot`) or centisecond integers (`*_cs`). */
  units: 's' | 'cs';
}

export function drawTimerStyle(rng: Rng): TimerStyle {
  return {
    shape: rng.chance(0.5) ? 'flat' : 'nested',
    startName: rng.chance(0.3) ? 'T0' : 'START',
    units: rng.chance(0.3) ? 'cs' : 's',
  };
}

/** The JSON object the bridge publishes on `timer/events` for one event. */
export function timerEventPayload(
  event: TimerEvent,
  style: TimerStyle,
  timerId: string,
  iso: (ms: number) => string,
): Record<string, unknown> {
  const eventType = event.type === 'START' ? style.startName : event.type;
  const fields: Record<string, unknown> = {
    timer_id: timerId,
    string_number: event.stringNumber,
    shot_number: event.shotNumber,
    total_shots: event.totalShots,
  };
  if (style.units === 's') {
    fields.time = event.timeCs / 100;
    fields.split = event.splitCs / 100;
    fields.first_shot = event.firstCs / 100;
  } else {
    fields.time_cs = event.timeCs;
    fields.split_cs = event.splitCs;
    fields.first_shot_cs = event.firstCs;
  }
  fields.raw_hex = event.rawHex;
  const timestamp = iso(event.receivedMs);
  if (style.shape === 'nested') return { event_type: eventType, data: fields, timestamp };
  return { event_type: eventType, timestamp, source: 'timer', ...fields };
}

export interface TimerConfig {
  sensitivity: number;
  echo_delay_cs: number;
  beep_volume: number;
  preset: number;
  start_delay: 'random' | 'fixed' | 'instant';
  live_push: boolean;
}

export interface TimerStatusInput {
  timerId: string;
  name: string;
  connection: 'connected' | 'disconnected';
  rssi: number;
  battery: number;
  config: TimerConfig;
  lastString: number;
  timestamp: string;
}

/** `timer/status` (retained). */
export function timerStatusPayload(s: TimerStatusInput): Record<string, unknown> {
  return {
    timer_id: s.timerId,
    device: s.name,
    connection: s.connection,
    rssi: s.rssi,
    battery: s.battery,
    config: s.config,
    last_string: s.lastString,
    timestamp: s.timestamp,
  };
}
