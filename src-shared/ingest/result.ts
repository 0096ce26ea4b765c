import type { EventKind, SampleExtra } from '../events/model';

/** Why a message was rejected; counters are kept per code. */
export type RejectCode =
  | 'too_large'
  | 'binary'
  | 'malformed_json'
  | 'too_deep'
  | 'not_an_object'
  | 'schema'
  | 'invalid_id'
  | 'bad_frame'
  | 'topic_too_deep';

export interface ParsedEvent {
  kind: EventKind;
  /** Set when the event does not come from its topic's family (the console's own events). */
  family?: string;
  device_id: string;
  /** Epoch ms when it happened (device time, or receive time when the device gave none). */
  ts: number;
  data: Record<string, unknown>;
}

export interface ParsedSample {
  sensor_id: string;
  ts: number;
  seq: number | null;
  x: number;
  y: number;
  z: number;
  /** Everything else the sample's record held, when it held more than the axes. */
  extra?: SampleExtra;
}

export type ParseResult =
  | {
      outcome: 'events';
      family: string;
      events: ParsedEvent[];
      samples: ParsedSample[];
      /**
       * Health carried inside telemetry (battery, temperature): it updates the device registry but
       * is not an event of its own — at 200 Hz that would be one stored row per sample.
       */
      statuses?: { device_id: string; data: Record<string, unknown> }[];
    }
  | { outcome: 'reject'; family: string; code: RejectCode; reason: string }
  | { outcome: 'unhandled' };

export class RejectError extends Error {
  constructor(
    readonly code: RejectCode,
    message: string,
  ) {
    super(message);
  }
}
