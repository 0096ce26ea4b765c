/**
 * Topic → family parser. Pure: the main process adds dedup, storage and acknowledgements.
 */
import { parseRange, rangeLevels } from './range';
import type { ParseResult } from './result';

export * from './result';
export { payloadPreview } from './payload';

export interface ParseOptions {
  rangePrefix: string;
  maxPayloadBytes: number;
  /** Sample rate assumed for BT50 raw frames that do not say theirs. */
  defaultRateHz?: number;
}

export function parseMessage(topic: string, payload: Uint8Array, receivedAt: number, opts: ParseOptions): ParseResult {
  const levels = rangeLevels(topic, opts.rangePrefix);
  if (!levels) return { outcome: 'unhandled' };
  if (payload.length > opts.maxPayloadBytes) {
    return {
      outcome: 'reject',
      family: 'range',
      code: 'too_large',
      reason: `payload of ${payload.length} bytes exceeds the ${opts.maxPayloadBytes}-byte limit`,
    };
  }
  return parseRange(levels, payload, receivedAt, { defaultRateHz: opts.defaultRateHz });
}
