/**
 * The family registry: every device family, listed once. Ingest routing, the broker's ACL, the
 * credentials, the device registry, the command panel and the simulator read it; nothing else
 * names a family or guesses one from a topic.
 */
import { checkCommandIn, type ArgsCheck, type CommandDef, type CommandTarget } from '../commands/catalogue';
import type { ConfigSpec } from '../commands/config';
import type { EventKind } from '../events/model';
import { bridgedFamily } from './bridged';
import { consoleFamily } from './console';
import { gatewayFamily } from './gateway';
import { neurogameFamily } from './neurogame';
import { rangeFamily } from './range';
import type {
  Acl,
  AnswerEvent,
  CommandTargetSpec,
  EncodedCommand,
  EncodeInput,
  FamilyDescriptor,
  FamilyOptions,
  SentCommand,
} from './types';
import { whackamoleFamily } from './whackamole';

export type * from './types';

/** The first family whose tree holds a topic parses it (the trees do not overlap). */
export const FAMILIES: readonly FamilyDescriptor[] = [
  rangeFamily,
  whackamoleFamily,
  neurogameFamily,
  gatewayFamily,
  bridgedFamily,
  consoleFamily,
];

const byId = new Map(FAMILIES.map((f) => [f.id, f]));
if (byId.size !== FAMILIES.length) throw new Error('a family id is listed twice');

export function family(id: string): FamilyDescriptor | undefined {
  return byId.get(id);
}

/** Families a broker credential can be issued for. */
export const CREDENTIAL_FAMILIES = FAMILIES.filter((f) => f.credentials).map((f) => f.id) as [
  string,
  ...string[],
];

/** The family whose tree holds this topic, with the levels its parser reads; null: no family's. */
export function route(
  topic: string,
  opts: FamilyOptions,
): { family: FamilyDescriptor; levels: string[] } | null {
  for (const f of FAMILIES) {
    const levels = f.match(topic, opts);
    if (levels) return { family: f, levels };
  }
  return null;
}

export function familyOfTopic(topic: string, opts: FamilyOptions): string | null {
  return route(topic, opts)?.family.id ?? null;
}

/** The structural role an event of this kind gives its device in this family; undefined: none. */
export function roleFor(familyId: string, kind: EventKind): string | null | undefined {
  const f = byId.get(familyId);
  if (!f || !Object.prototype.hasOwnProperty.call(f.roles, kind)) return undefined;
  return f.roles[kind];
}

export function aclFor(familyId: string, deviceId: string, opts: FamilyOptions): Acl {
  const f = byId.get(familyId);
  if (!f || !f.credentials) return { publish: [], subscribe: [] };
  return f.acl(deviceId, opts);
}

// ---------------------------------------------------------------------------------------------
// Commands: every target of every family.

const TARGETS = new Map<CommandTarget, { family: FamilyDescriptor; spec: CommandTargetSpec }>();
for (const f of FAMILIES) {
  for (const spec of f.targets) {
    if (TARGETS.has(spec.target)) throw new Error(`command target ${spec.target} is declared twice`);
    TARGETS.set(spec.target, { family: f, spec });
  }
}

function targetSpec(target: CommandTarget): CommandTargetSpec {
  const t = TARGETS.get(target);
  if (!t) throw new Error(`no family declares command target ${target}`);
  return t.spec;
}

/** Each target's commands, as the panel lists them. */
export const CATALOGUE: Readonly<Record<CommandTarget, readonly CommandDef[]>> = Object.freeze(
  Object.fromEntries([...TARGETS].map(([t, { spec }]) => [t, spec.commands])) as Record<
    CommandTarget,
    readonly CommandDef[]
  >,
);

export const TARGET_LABELS: Readonly<Record<CommandTarget, string>> = Object.freeze(
  Object.fromEntries([...TARGETS].map(([t, { spec }]) => [t, spec.label])) as Record<CommandTarget, string>,
);

/** Which catalogue serves a device of this family and role; null when it takes no commands. */
export function targetFor(familyId: string, role: string | null | undefined): CommandTarget | null {
  const f = byId.get(familyId);
  if (!f) return null;
  for (const spec of f.targets) if (spec.role === undefined || spec.role === role) return spec.target;
  return null;
}

export function findCommand(target: CommandTarget, name: string): CommandDef | undefined {
  return CATALOGUE[target]?.find((c) => c.name === name);
}

export function checkCommand(target: CommandTarget, name: string, args: unknown): ArgsCheck {
  return checkCommandIn(target, CATALOGUE[target] ?? [], name, args);
}

/** The topic and bytes a command goes out as. Throws on an id that cannot be a topic level. */
export function encodeCommand(input: EncodeInput & { target: CommandTarget }): EncodedCommand {
  return targetSpec(input.target).encode(input);
}

/** Whether a committed event answers a sent command of this target (devices without acks). */
export function answersCommand(target: CommandTarget, event: AnswerEvent, command: SentCommand): boolean {
  const answeredBy = TARGETS.get(target)?.spec.answeredBy;
  return answeredBy ? answeredBy(event, command) : false;
}

/** False when this target's devices never acknowledge a command. */
export function answersFor(target: CommandTarget): boolean {
  return targetSpec(target).answers !== false;
}

/** Topics an acknowledgement for this device's commands may arrive on. */
export function ackTopicsFor(target: CommandTarget, deviceId: string, rangePrefix: string): string[] {
  return targetSpec(target).ackTopics(deviceId, rangePrefix);
}

// ---------------------------------------------------------------------------------------------
// Retained configuration.

export const CONFIG_SPECS: Readonly<Record<string, ConfigSpec>> = Object.freeze(
  Object.fromEntries(FAMILIES.flatMap((f) => (f.config ? [[f.id, f.config]] : []))),
);

export function configSpecFor(familyId: string): ConfigSpec | undefined {
  return Object.prototype.hasOwnProperty.call(CONFIG_SPECS, familyId) ? CONFIG_SPECS[familyId] : undefined;
}
