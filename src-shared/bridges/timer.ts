/**
 * What every timer driver shares: turning the timer's start / shot / stop into
 * `timer/events` messages with the right wall times, and its health into `timer/status`.
 *
 * Wall time (domain.md §2): notifications arrive 10–99 ms after the event, so a shot's time is the
 * start frame's receive time plus the timer's own time since the beep — never the shot frame's
 * receive time. A driver that joined mid-string anchors the string on its first shot instead.
 */
import { toIso } from '../events/time';
import type { DriverHost } from './driver';

const KEEP_STRINGS = 8;

export interface TimerEventFields {
  /** The timer's own frame, hex (the ingest decodes it and trusts it over any other field). */
  raw_hex?: string;
  string_number?: number;
  shot_number?: number;
  total_shots?: number;
  time_ms?: number;
  split_ms?: number;
  first_shot_ms?: number;
}

export class TimerEvents {
  /** string number → epoch ms of its beep (receive time of the start frame, or inferred). */
  private anchors = new Map<number, number>();
  running = false;
  lastEventAt: number | null = null;

  constructor(
    private readonly host: DriverHost,
    private readonly timerId: string,
  ) {}

  private emit(eventType: 'START' | 'SHOT' | 'STOP', ts: number, at: number, fields: TimerEventFields) {
    this.lastEventAt = at;
    const payload: Record<string, unknown> = {
      event_type: eventType,
      ...fields,
      timestamp: toIso(ts),
      timer_id: this.timerId,
    };
    for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
    this.host.emit({ path: 'timer/events', payload, at });
  }

  private anchor(stringNumber: number, beepAt: number): void {
    this.anchors.set(stringNumber, beepAt);
    while (this.anchors.size > KEEP_STRINGS) {
      const oldest = this.anchors.keys().next().value as number;
      this.anchors.delete(oldest);
    }
  }

  start(at: number, stringNumber: number, fields: TimerEventFields = {}): void {
    this.running = true;
    this.anchor(stringNumber, at);
    this.emit('START', at, at, { string_number: stringNumber, ...fields });
  }

  /** `timeMs` is the timer's time since the beep. */
  shot(at: number, stringNumber: number, timeMs: number, fields: TimerEventFields = {}): void {
    let beep = this.anchors.get(stringNumber);
    if (beep === undefined) {
      // Joined mid-string: anchor on this shot so later shots keep the timer's own spacing.
      beep = at - timeMs;
      this.anchor(stringNumber, beep);
    }
    this.running = true;
    this.emit('SHOT', beep + timeMs, at, { string_number: stringNumber, time_ms: timeMs, ...fields });
  }

  stop(at: number, stringNumber: number, fields: TimerEventFields = {}): void {
    this.running = false;
    this.emit('STOP', at, at, { string_number: stringNumber, ...fields });
  }
}

export interface LinkStatusFields {
  connection: 'connected' | 'disconnected';
  battery?: number | null;
  rssi?: number | null;
  reason?: string;
  [extra: string]: unknown;
}

/**
 * A status payload as range bridges publish them: `connection` becomes the device's state, the
 * timestamp makes every refresh a new message (an identical payload would be a duplicate).
 */
export function statusPayload(
  idField: 'timer_id' | 'sensor_id',
  id: string,
  driver: string,
  address: string,
  at: number,
  fields: LinkStatusFields,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    [idField]: id,
    ...fields,
    transport: 'ble',
    driver,
    address,
    timestamp: toIso(at),
  };
  for (const k of Object.keys(out)) if (out[k] === undefined || out[k] === null) delete out[k];
  return out;
}
