/**
 * Shot ↔ impact correlation — domain.md §4, step 4.
 *
 * Shots are processed in time order (equal times: input order). Each shot takes the UNUSED impact
 * whose onset lies in `[shot, shot + windowMs]` (both ends inclusive) and whose delay
 * (`impact.onsetMs − shot.timeMs`) is closest to the expected delay of that impact's sensor.
 * Ties: equal distance → the earlier impact; equal onset too → the impact earlier in the input.
 * The assignment is greedy in shot order: an earlier shot never gives up its impact to a later one.
 *
 * Shots left without an impact are possible misses; impacts left without a shot are possible stray
 * hits (or echoes) — both are shown to the RO, never silently dropped.
 *
 * Expected delays are learnt per sensor with an exponential moving average over pairs the RO
 * confirmed: `e ← e + alpha·(observed − e)`, starting from `expectedDelayMs` for a sensor never
 * seen. `correlate` itself never learns: learning is an explicit step over confirmed pairs, so a
 * wrong automatic pairing cannot drag the model.
 */
import { z } from 'zod';

export const correlationSettingsSchema = z.object({
  /** An impact may follow its shot by at most this much, ms. */
  windowMs: z.number().min(0).default(1500),
  /** Expected shot → impact delay for a sensor with nothing learnt yet, ms. */
  expectedDelayMs: z.number().min(0).default(500),
  /** EMA weight of a new observation, (0, 1]. */
  alpha: z.number().gt(0).max(1).default(0.2),
});

export type CorrelationSettings = z.output<typeof correlationSettingsSchema>;

export const DEFAULT_CORRELATION_SETTINGS: Readonly<CorrelationSettings> = Object.freeze(
  correlationSettingsSchema.parse({}),
);

export function parseCorrelationSettings(input: Partial<CorrelationSettings> = {}): CorrelationSettings {
  return correlationSettingsSchema.parse(input);
}

/** A shot: its time in ms on the same clock as impact onsets. */
export interface ShotLike {
  timeMs: number;
}

/** An impact: shaped like `DetectedImpact`, which can be passed as is. */
export interface ImpactLike {
  sensorId: string;
  onsetMs: number;
}

/** Learnt expected delay per sensor id, ms. */
export type ExpectedDelays = Readonly<Record<string, number>>;

export interface CorrelatedPair<S extends ShotLike, I extends ImpactLike> {
  shot: S;
  impact: I;
  /** Index of the shot / impact in the inputs. */
  shotIndex: number;
  impactIndex: number;
  /** `impact.onsetMs − shot.timeMs`. */
  delayMs: number;
  /** The expected delay used for this sensor. */
  expectedDelayMs: number;
}

export interface CorrelationResult<S extends ShotLike, I extends ImpactLike> {
  /** In shot time order. */
  pairs: CorrelatedPair<S, I>[];
  /** Possible misses, in time order. */
  unmatchedShots: S[];
  /** Possible stray hits, in onset order. */
  unmatchedImpacts: I[];
}

/** The expected delay for a sensor: learnt, else the default. */
export function expectedDelayFor(
  delays: ExpectedDelays,
  sensorId: string,
  settings: Partial<CorrelationSettings> = {},
): number {
  const learnt = Object.hasOwn(delays, sensorId) ? delays[sensorId] : undefined;
  return learnt !== undefined && Number.isFinite(learnt)
    ? learnt
    : parseCorrelationSettings(settings).expectedDelayMs;
}

function byTimeThenIndex<T>(items: readonly T[], time: (t: T) => number): number[] {
  return items.map((_, i) => i).sort((a, b) => time(items[a] as T) - time(items[b] as T) || a - b);
}

export function correlate<S extends ShotLike, I extends ImpactLike>(
  shots: readonly S[],
  impacts: readonly I[],
  options: { settings?: Partial<CorrelationSettings>; expectedDelays?: ExpectedDelays } = {},
): CorrelationResult<S, I> {
  const settings = parseCorrelationSettings(options.settings);
  const delays = options.expectedDelays ?? {};
  const used = new Array<boolean>(impacts.length).fill(false);
  const pairs: CorrelatedPair<S, I>[] = [];
  const unmatchedShots: S[] = [];

  // Impacts with a non-finite onset can never match; shots with a non-finite time never match.
  const impactOrder = byTimeThenIndex(impacts, (i) => i.onsetMs).filter((i) =>
    Number.isFinite((impacts[i] as I).onsetMs),
  );
  const expected = new Map<string, number>();
  const expectedOf = (sensorId: string): number => {
    let e = expected.get(sensorId);
    if (e === undefined) {
      e = expectedDelayFor(delays, sensorId, settings);
      expected.set(sensorId, e);
    }
    return e;
  };

  for (const si of byTimeThenIndex(shots, (s) => s.timeMs)) {
    const shot = shots[si] as S;
    if (!Number.isFinite(shot.timeMs)) {
      unmatchedShots.push(shot);
      continue;
    }
    let best = -1;
    let bestDist = Infinity;
    // impactOrder is ascending by onset, so the first strictly-closest candidate is the earliest.
    for (const ii of impactOrder) {
      const impact = impacts[ii] as I;
      const delay = impact.onsetMs - shot.timeMs;
      if (delay < 0) continue;
      if (delay > settings.windowMs) break;
      if (used[ii]) continue;
      const dist = Math.abs(delay - expectedOf(impact.sensorId));
      if (dist < bestDist) {
        best = ii;
        bestDist = dist;
      }
    }
    if (best < 0) {
      unmatchedShots.push(shot);
      continue;
    }
    used[best] = true;
    const impact = impacts[best] as I;
    pairs.push({
      shot,
      impact,
      shotIndex: si,
      impactIndex: best,
      delayMs: impact.onsetMs - shot.timeMs,
      expectedDelayMs: expectedOf(impact.sensorId),
    });
  }

  const unmatchedImpacts = byTimeThenIndex(impacts, (i) => i.onsetMs)
    .filter((i) => !used[i])
    .map((i) => impacts[i] as I);
  return { pairs, unmatchedShots, unmatchedImpacts };
}

/** One EMA step for a sensor from an observed (confirmed) delay; returns a new record. */
export function learnDelay(
  delays: ExpectedDelays,
  sensorId: string,
  observedDelayMs: number,
  settings: Partial<CorrelationSettings> = {},
): ExpectedDelays {
  if (!Number.isFinite(observedDelayMs)) return delays;
  const s = parseCorrelationSettings(settings);
  const current = expectedDelayFor(delays, sensorId, s);
  return { ...delays, [sensorId]: current + s.alpha * (observedDelayMs - current) };
}

/** Learns from confirmed pairs, in the order given (use shot time order). */
export function learnFromPairs(
  delays: ExpectedDelays,
  confirmed: ReadonlyArray<{ impact: ImpactLike; delayMs: number }>,
  settings: Partial<CorrelationSettings> = {},
): ExpectedDelays {
  let out = delays;
  for (const p of confirmed) out = learnDelay(out, p.impact.sensorId, p.delayMs, settings);
  return out;
}
