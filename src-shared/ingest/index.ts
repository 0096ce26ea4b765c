/**
 * Topic → family parser. Pure: the main process adds dedup, storage and acknowledgements.
 */
import { parseGateway } from './gateway';
import { parseNeurogame } from './neurogame';
import { parseRange, rangeLevels } from './range';
import { parseWhackamole } from './whackamole';
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

type FamilyParser = { family: string; levels: string[]; parse: () => ParseResult };

/** Which family a topic belongs to, or null for topics outside every known tree. */
function route(
  topic: string,
  payload: Uint8Array,
  receivedAt: number,
  opts: ParseOptions,
): FamilyParser | null {
  const all = topic.split('/');
  const [root, ...rest] = all;
  switch (root) {
    case 'whackamole':
      return { family: 'whackamole', levels: rest, parse: () => parseWhackamole(rest, payload, receivedAt) };
    case 'neurogame':
      return { family: 'neurogame', levels: rest, parse: () => parseNeurogame(rest, payload, receivedAt) };
    case 'devices':
      return { family: 'gateway', levels: rest, parse: () => parseGateway(rest, payload, receivedAt) };
    default: {
      const levels = rangeLevels(topic, opts.rangePrefix);
      if (!levels) return null;
      return {
        family: 'range',
        levels,
        parse: () => parseRange(levels, payload, receivedAt, { defaultRateHz: opts.defaultRateHz }),
      };
    }
  }
}

export function parseMessage(
  topic: string,
  payload: Uint8Array,
  receivedAt: number,
  opts: ParseOptions,
): ParseResult {
  const r = route(topic, payload, receivedAt, opts);
  if (!r) return { outcome: 'unhandled' };
  if (payload.length > opts.maxPayloadBytes) {
    return {
      outcome: 'reject',
      family: r.family,
      code: 'too_large',
      reason: `payload of ${payload.length} bytes exceeds the ${opts.maxPayloadBytes}-byte limit`,
    };
  }
  return r.parse();
}
