/**
 * The scenario registry. A family's scenario is a ScenarioDefinition in its own file, listed in
 * DEFINED; they run in the family registry's order. `all` runs every scenario side by side with
 * the same options and forked random streams.
 */
import { FAMILIES } from '../../../src-shared/families';
import type { Scenario, ScenarioContext, ScenarioDefinition } from '../types';
import { leadvilleScenario, rangeScenario } from './range';
import { arcadeScenario } from './arcade';
import { gatewayScenario } from './gateway';
import { neurogameScenario } from './neurogame';

const DEFINED: readonly ScenarioDefinition[] = [
  rangeScenario,
  leadvilleScenario,
  arcadeScenario,
  neurogameScenario,
  gatewayScenario,
];

const familyOrder = (s: ScenarioDefinition) => {
  const i = FAMILIES.findIndex((f) => f.id === s.family);
  return i < 0 ? FAMILIES.length : i;
};

/** Every scenario, in the family registry's order (scenarios of other feeds after them). */
export const SCENARIOS: readonly ScenarioDefinition[] = [...DEFINED].sort(
  (a, b) => familyOrder(a) - familyOrder(b),
);

/** Runs several scenarios as one: same clock and channels, one random stream each. */
export function combineScenarios(name: string, parts: readonly ScenarioDefinition[]): ScenarioDefinition {
  return {
    name,
    family: parts.map((p) => p.family).join('+'),
    description: `every scenario at once (${parts.map((p) => p.name).join(', ')})`,
    create(ctx: ScenarioContext): Scenario {
      const running = parts.map((p) => ({
        name: p.name,
        scenario: p.create({ ...ctx, rng: ctx.rng.fork(`scenario:${p.name}`) }),
      }));
      return {
        start: (now) => running.forEach((r) => r.scenario.start(now)),
        tick: (now) => running.forEach((r) => r.scenario.tick(now)),
        shutdown: (now) => running.forEach((r) => r.scenario.shutdown(now)),
        counters: () => {
          const total: Record<string, number> = {};
          for (const r of running) {
            for (const [key, value] of Object.entries(r.scenario.counters())) {
              total[key] = (total[key] ?? 0) + value;
            }
          }
          return total;
        },
      };
    },
  };
}

// One range bridge per run: the LeadVille-wire variant would share its devices' client ids.
export const ALL_SCENARIO = combineScenarios(
  'all',
  SCENARIOS.filter((s) => s !== leadvilleScenario),
);

export function scenarioNames(): string[] {
  return [...SCENARIOS.map((s) => s.name), ALL_SCENARIO.name];
}

export class UnknownScenarioError extends Error {
  constructor(readonly requested: string) {
    super(`unknown scenario ${JSON.stringify(requested)}; known scenarios: ${scenarioNames().join(', ')}`);
    this.name = 'UnknownScenarioError';
  }
}

export function findScenario(name: string): ScenarioDefinition {
  if (name === ALL_SCENARIO.name) return ALL_SCENARIO;
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new UnknownScenarioError(name);
  return found;
}
