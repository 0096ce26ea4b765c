/**
 * Shot ↔ impact pairing for a run, built on the shared `correlate` (domain.md §4 step 4).
 *
 * The shared rule is greedy in shot order: each shot takes the unused impact in [shot, shot +
 * window] whose delay is closest to the expected delay. With splits shorter than the window, a
 * missed shot then steals the next shot's hit (a miss at 2.16 s takes the hit that came 410 ms
 * after the 2.69 s shot, 940 ms after its own), so the wrong shot is reported as the miss.
 *
 * Decision: first pair shots and impacts that are each other's best choice (the impact closest to
 * the expected delay for the shot, and the shot that makes the impact's delay closest to its
 * sensor's expected delay), repeatedly; then let the shared greedy rule pair what is left. When
 * every choice is unambiguous this gives the same pairs as `correlate` alone.
 */
import {
  correlate,
  expectedDelayFor,
  parseCorrelationSettings,
  type CorrelationSettings,
  type ExpectedDelays,
  type ImpactLike,
  type ShotLike,
} from '../../src-shared/range/correlation';

export interface Pair<S, I> {
  shot: S;
  impact: I;
  delayMs: number;
  expectedDelayMs: number;
}

export interface Pairing<S, I> {
  pairs: Pair<S, I>[];
  unmatchedShots: S[];
  unmatchedImpacts: I[];
}

export function pairShotsAndImpacts<S extends ShotLike, I extends ImpactLike>(
  shots: readonly S[],
  impacts: readonly I[],
  options: { settings?: Partial<CorrelationSettings>; expectedDelays?: ExpectedDelays } = {},
): Pairing<S, I> {
  const settings = parseCorrelationSettings(options.settings);
  const delays = options.expectedDelays ?? {};
  const expected = (i: I) => expectedDelayFor(delays, i.sensorId, settings);
  const inWindow = (s: S, i: I) => {
    const d = i.onsetMs - s.timeMs;
    return Number.isFinite(d) && d >= 0 && d <= settings.windowMs;
  };
  const cost = (s: S, i: I) => Math.abs(i.onsetMs - s.timeMs - expected(i));

  const shotUsed = new Array<boolean>(shots.length).fill(false);
  const impactUsed = new Array<boolean>(impacts.length).fill(false);
  const pairs: Pair<S, I>[] = [];

  // Ties go to the earlier one (input order is time order for runs), so results are stable.
  const bestImpact = (si: number): number => {
    let best = -1;
    for (let ii = 0; ii < impacts.length; ii++) {
      if (impactUsed[ii] || !inWindow(shots[si]!, impacts[ii]!)) continue;
      if (best < 0 || cost(shots[si]!, impacts[ii]!) < cost(shots[si]!, impacts[best]!)) best = ii;
    }
    return best;
  };
  const bestShot = (ii: number): number => {
    let best = -1;
    for (let si = 0; si < shots.length; si++) {
      if (shotUsed[si] || !inWindow(shots[si]!, impacts[ii]!)) continue;
      if (best < 0 || cost(shots[si]!, impacts[ii]!) < cost(shots[best]!, impacts[ii]!)) best = si;
    }
    return best;
  };

  for (let changed = true; changed;) {
    changed = false;
    for (let si = 0; si < shots.length; si++) {
      if (shotUsed[si]) continue;
      const ii = bestImpact(si);
      if (ii < 0 || bestShot(ii) !== si) continue;
      shotUsed[si] = true;
      impactUsed[ii] = true;
      const s = shots[si]!;
      const i = impacts[ii]!;
      pairs.push({ shot: s, impact: i, delayMs: i.onsetMs - s.timeMs, expectedDelayMs: expected(i) });
      changed = true;
    }
  }

  const restShots = shots.filter((_, k) => !shotUsed[k]);
  const restImpacts = impacts.filter((_, k) => !impactUsed[k]);
  const rest = correlate(restShots, restImpacts, { settings, expectedDelays: delays });
  for (const p of rest.pairs) {
    pairs.push({ shot: p.shot, impact: p.impact, delayMs: p.delayMs, expectedDelayMs: p.expectedDelayMs });
  }
  pairs.sort((a, b) => a.shot.timeMs - b.shot.timeMs);
  return { pairs, unmatchedShots: rest.unmatchedShots, unmatchedImpacts: rest.unmatchedImpacts };
}
