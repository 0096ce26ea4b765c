/**
 * Topic → family parser. Pure: the main process adds dedup, storage and acknowledgements. Which
 * family parses a topic comes from the family registry.
 */
import { route } from '../families';
import type { ParseResult } from './result';

export * from './result';
export { payloadPreview } from './payload';
export { redactSecrets, jsonErrorReason } from './redact';

export interface ParseOptions {
  rangePrefix: string;
  maxPayloadBytes: number;
  /** Sample rate assumed for BT50 raw frames that do not say theirs. */
  defaultRateHz?: number;
}

export function parseMessage(
  topic: string,
  payload: Uint8Array,
  receivedAt: number,
  opts: ParseOptions,
): ParseResult {
  const r = route(topic, opts);
  if (!r) return { outcome: 'unhandled' };
  if (payload.length > opts.maxPayloadBytes) {
    return {
      outcome: 'reject',
      family: r.family.id,
      code: 'too_large',
      reason: `payload of ${payload.length} bytes exceeds the ${opts.maxPayloadBytes}-byte limit`,
    };
  }
  return r.family.parse(r.levels, payload, receivedAt, opts);
}
