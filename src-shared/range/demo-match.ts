/**
 * The match the `range` scenario shoots: one squad working through the eight classifier stages
 * (5 strings each, Outer Limits 4), shooter by shooter, with a few scripted incidents a range sees
 * (a missed stop plate, an echo recorded after the stop plate, a sensor dropping out and coming
 * back) on top of the random misses. The console's demo match (`match.demo`) is built from the same
 * constants so the RO screen names the shooter the simulator thinks is shooting.
 */
import {
  CLASSIFIER_CODES,
  classifierStage,
  type ClassifierCode,
  type Division,
  type ShooterClass,
} from './scoring';

export interface SquadMember {
  name: string;
  division: Division;
  class: ShooterClass;
  categories: string[];
}

export const DEMO_MATCH_NAME = 'Simulated Steel Challenge';
export const DEMO_SQUAD_NAME = 'A';

export const DEMO_SQUAD: readonly SquadMember[] = Object.freeze([
  { name: 'Alex Morgan', division: 'OPN', class: 'A', categories: [] },
  { name: 'Sam Rivera', division: 'LTD', class: 'B', categories: ['Senior'] },
  { name: 'Jo Chen', division: 'OPN', class: 'M', categories: ['Lady'] },
  { name: 'Lee Park', division: 'PROD', class: 'C', categories: ['Junior'] },
]);

export const DEMO_STAGES: readonly ClassifierCode[] = CLASSIFIER_CODES;

/** Plates of every stage: four primaries then the stop plate, hit last. */
export const DEMO_PLATES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export const DEMO_STOP_PLATE = 'P5';

/** One string of the match. */
export interface MatchSlot {
  /** 0-based pass through the whole match (the scenario starts over after the last stage). */
  round: number;
  stageIndex: number;
  stageCode: ClassifierCode;
  stageName: string;
  stringsPerStage: number;
  shooterIndex: number;
  shooter: SquadMember;
  /** 1-based string number on the stage. */
  stringNumber: number;
  /** First string of a stage (the squad walked over from the previous one). */
  firstOfStage: boolean;
}

export type Incident = 'missed-stop-plate' | 'echo-after-stop' | 'sensor-dropout';

/** Where the scripted incidents happen in every round: (stage, shooter, string). */
export const INCIDENTS: ReadonlyArray<{
  incident: Incident;
  stage: number;
  shooter: number;
  string: number;
}> = [
  { incident: 'missed-stop-plate', stage: 0, shooter: 1, string: 2 },
  { incident: 'echo-after-stop', stage: 0, shooter: 2, string: 4 },
  { incident: 'sensor-dropout', stage: 0, shooter: 3, string: 1 },
];

export function incidentsAt(slot: MatchSlot): Incident[] {
  return INCIDENTS.filter(
    (i) => i.stage === slot.stageIndex && i.shooter === slot.shooterIndex && i.string === slot.stringNumber,
  ).map((i) => i.incident);
}

/** The n-th string of the match (0-based), cycling through the whole match forever. */
export function matchSlot(n: number): MatchSlot {
  const perStage = DEMO_STAGES.map((c) => classifierStage(c).stringsPerStage * DEMO_SQUAD.length);
  const perRound = perStage.reduce((a, b) => a + b, 0);
  const round = Math.floor(n / perRound);
  let rest = n % perRound;
  let stageIndex = 0;
  while (rest >= perStage[stageIndex]!) {
    rest -= perStage[stageIndex]!;
    stageIndex++;
  }
  const def = classifierStage(DEMO_STAGES[stageIndex]!);
  const shooterIndex = Math.floor(rest / def.stringsPerStage);
  const stringNumber = (rest % def.stringsPerStage) + 1;
  return {
    round,
    stageIndex,
    stageCode: DEMO_STAGES[stageIndex]!,
    stageName: def.name,
    stringsPerStage: def.stringsPerStage,
    shooterIndex,
    shooter: DEMO_SQUAD[shooterIndex]!,
    stringNumber,
    firstOfStage: rest === 0,
  };
}
