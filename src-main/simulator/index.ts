/** The simulator's programmatic API (the CLI is cli.ts). */
export { runScenario, summaryLine } from './run';
export type { RunOptions, RunningSimulation, SimulationStats } from './run';
export { recordScenario } from './record';
export type { RecordedMessage, RecordOptions, Recording } from './record';
export { findScenario, scenarioNames, SCENARIOS, UnknownScenarioError } from './scenarios';
export { DEFAULTS } from './options';
export type { SimulationOptions } from './options';
export type * from './types';
