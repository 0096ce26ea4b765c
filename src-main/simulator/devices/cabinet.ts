/**
 * A whack-a-mole cabinet's game model (domain.md §6): players of different skill play rounds at
 * a difficulty; each mole that pops up is hit (with a human reaction time) or missed, and now and
 * then the player whacks an empty hole. The scenario (scenarios/arcade.ts) drives the timeline
 * and the wire; this file only decides what happened in a round.
 */
import type { Rng } from '../random';

export interface Player {
  name: string;
  /** 0..1: chance to hit a mole in time, before the difficulty's penalty. */
  skill: number;
  /** Mean reaction time when rested, ms. */
  reactionMs: number;
}

/** The roster the simulated arcade draws from (a few share a skill, so ties happen). */
export const PLAYERS: readonly Player[] = [
  { name: 'Ada', skill: 0.9, reactionMs: 360 },
  { name: 'Grace', skill: 0.86, reactionMs: 380 },
  { name: 'Linus', skill: 0.8, reactionMs: 420 },
  { name: 'Margaret', skill: 0.84, reactionMs: 390 },
  { name: 'Alan', skill: 0.75, reactionMs: 450 },
  { name: 'Barbara', skill: 0.7, reactionMs: 470 },
  { name: 'Ken', skill: 0.66, reactionMs: 500 },
  { name: 'Frances', skill: 0.8, reactionMs: 410 },
  { name: 'Dennis', skill: 0.6, reactionMs: 540 },
  { name: 'Radia', skill: 0.88, reactionMs: 370 },
];

export interface Difficulty {
  name: string;
  /** Subtracted from the player's skill. */
  penalty: number;
  /** Points per hit. */
  points: number;
}

export const DIFFICULTIES: Readonly<Record<string, Difficulty>> = {
  easy: { name: 'easy', penalty: 0, points: 10 },
  normal: { name: 'normal', penalty: 0.08, points: 15 },
  hard: { name: 'hard', penalty: 0.18, points: 25 },
};

export function difficultyOf(name: string): Difficulty {
  return DIFFICULTIES[name] ?? DIFFICULTIES.normal!;
}

/** The cabinet settings a round is played with (the pushed config, domain.md §6). */
export interface CabinetSettings {
  difficulty: string;
  game_duration_s: number;
  mole_up_ms: number;
  spawn_interval_ms: number;
  volume: number;
  version: number;
}

export const CABINET_DEFAULTS: CabinetSettings = {
  difficulty: 'normal',
  game_duration_s: 60,
  mole_up_ms: 1000,
  spawn_interval_ms: 800,
  volume: 70,
  version: 0,
};

export interface RoundResult {
  score: number;
  hits: number;
  misses: number;
  wrong_hits: number;
  reaction_ms: number[];
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/**
 * Plays `playedMs` of a round: one mole per spawn interval, hit when the player reacts before the
 * mole goes down. Score = points per hit − 5 per wrong hit, never below 0.
 */
export function playRound(
  rng: Rng,
  player: Player,
  difficulty: Difficulty,
  settings: Pick<CabinetSettings, 'mole_up_ms' | 'spawn_interval_ms'>,
  playedMs: number,
): RoundResult {
  const moles = Math.max(0, Math.floor(playedMs / Math.max(50, settings.spawn_interval_ms)));
  // A good day or a bad one.
  const form = rng.normal(0, 0.05);
  const pHit = clamp(player.skill - difficulty.penalty + form, 0.05, 0.98);
  const reaction_ms: number[] = [];
  let hits = 0;
  for (let i = 0; i < moles; i++) {
    if (!rng.chance(pHit)) continue;
    const rt = Math.round(clamp(rng.normal(player.reactionMs + difficulty.penalty * 300, 70), 150, 5000));
    if (rt >= settings.mole_up_ms) continue; // too slow: the mole was gone
    hits++;
    reaction_ms.push(rt);
  }
  const wrong = Math.max(0, Math.round(rng.normal((1 - player.skill) * moles * 0.15, 1)));
  return {
    score: Math.max(0, hits * difficulty.points - wrong * 5),
    hits,
    misses: moles - hits,
    wrong_hits: wrong,
    reaction_ms,
  };
}

/** A random v4-style UUID from the scenario's stream (reproducible per seed). */
export function uuidFrom(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = ((rng.int(0, 3) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
