/**
 * What each kind of device can be told, with typed arguments (domain.md §1, §2, §3, §6, §8).
 *
 * Targets: a range bridge's shot timer (`timer`) and impact sensors (`sensor`), a whack-a-mole
 * cabinet (`cabinet`) and a field gateway (`gateway`). A device's target follows from its family
 * and the structural role the registry gave it (range timer / sensor).
 *
 * `disruptive` commands change what a device is doing or how it measures during an event: the
 * panel asks for a confirmation before sending them.
 */
import { z } from 'zod';
import { BT50_RATE_CODES } from '../decoders/bt50';
import { GATEWAY_ACTUATORS, GATEWAY_ROOMS } from '../ingest/gateway';
import { argsSchema, firstIssue, type FieldSpec } from './fields';

export const COMMAND_TARGETS = ['timer', 'sensor', 'cabinet', 'gateway'] as const;
export type CommandTarget = (typeof COMMAND_TARGETS)[number];

export interface CommandDef {
  name: string;
  label: string;
  description: string;
  disruptive: boolean;
  fields: readonly FieldSpec[];
  /** A timer setting: refused while the timer runs a string. */
  settings?: boolean;
}

export const TIMER_COMMANDS: readonly CommandDef[] = [
  {
    name: 'remote_start',
    label: 'Remote start',
    description: 'Starts a string now: the timer beeps (COM START).',
    disruptive: true,
    fields: [],
  },
  {
    name: 'remote_stop',
    label: 'Stop string',
    description: 'Ends the running string (COM STOP).',
    disruptive: true,
    fields: [],
  },
  {
    name: 'set_sensitivity',
    label: 'Set sensitivity',
    description: 'Microphone sensitivity, 1 (least) to 10 (SET SENSITIVITY nn). Only while stopped.',
    disruptive: true,
    settings: true,
    fields: [{ key: 'level', label: 'Level', kind: 'int', min: 1, max: 10, default: 5 }],
  },
  {
    name: 'set_echo_delay',
    label: 'Set echo delay',
    description:
      'Ignores sounds this soon after a shot, 5–100 centiseconds (SET ECHO DELAY nnn). Only while stopped.',
    disruptive: true,
    settings: true,
    fields: [{ key: 'delay_cs', label: 'Delay', kind: 'int', min: 5, max: 100, default: 10, unit: 'cs' }],
  },
  {
    name: 'set_par_time',
    label: 'Set par time',
    description: 'Par n at t centiseconds after the beep (SET PAR TIME n t). Only while stopped.',
    disruptive: true,
    settings: true,
    fields: [
      { key: 'par', label: 'Par number', kind: 'int', min: 1, max: 10, default: 1 },
      { key: 'time_cs', label: 'Time', kind: 'int', min: 1, max: 65_535, default: 300, unit: 'cs' },
    ],
  },
  {
    name: 'set_beep_volume',
    label: 'Set beep volume',
    description: 'Start beep volume 0–3 (SET BEEP VOLUME n). Only while stopped.',
    disruptive: true,
    settings: true,
    fields: [{ key: 'volume', label: 'Volume', kind: 'int', min: 0, max: 3, default: 2 }],
  },
  {
    name: 'request_string',
    label: 'Request string',
    description: 'Asks the timer for the last string as a hex dump (REQ STRING HEX).',
    disruptive: false,
    fields: [],
  },
  {
    name: 'request_settings',
    label: 'Request settings',
    description: 'Asks the timer for its settings (REQ SETTINGS).',
    disruptive: false,
    fields: [],
  },
];

export const SENSOR_COMMANDS: readonly CommandDef[] = [
  {
    name: 'set_rate',
    label: 'Set sample rate',
    description: 'BT50 return rate (unlock, FF AA 03 <rate> 00, save). Changes what the detector sees.',
    disruptive: true,
    fields: [
      {
        key: 'rate_hz',
        label: 'Rate',
        kind: 'enum',
        options: Object.keys(BT50_RATE_CODES).map(Number),
        default: 50,
        unit: 'Hz',
      },
    ],
  },
  {
    name: 'recalibrate',
    label: 'Recalibrate',
    description: 'The bridge re-learns the plate baseline (100 samples, plate still).',
    disruptive: true,
    fields: [],
  },
  {
    name: 'read_battery',
    label: 'Read battery',
    description: 'Reads the battery register 0x64 (FF AA 27 64 00); the bridge reports it in status.',
    disruptive: false,
    fields: [],
  },
];

/**
 * Cabinet commands, as a real cabinet's agent takes them (contracts/whackamole.md §3.2): each
 * goes out as one ASCII byte; the cabinet never answers.
 */
export const CABINET_COMMANDS: readonly CommandDef[] = [
  {
    name: 'start',
    label: 'Start game',
    description: 'Starts a game now (S).',
    disruptive: true,
    fields: [],
  },
  {
    name: 'reset',
    label: 'Reset',
    description: 'Ends the game in progress and returns to idle (R).',
    disruptive: true,
    fields: [],
  },
  {
    name: 'pause',
    label: 'Pause / resume',
    description: 'Toggles pause (P): the same command resumes a paused game.',
    disruptive: true,
    fields: [],
  },
  {
    name: 'set_level',
    label: 'Set level',
    description: 'Jumps the game to a level, 1–8 (the digit).',
    disruptive: true,
    fields: [{ key: 'level', label: 'Level', kind: 'int', min: 1, max: 8, default: 1 }],
  },
  {
    name: 'identify',
    label: 'Identify',
    description: 'Asks the cabinet to identify itself and flush the events it buffered (I).',
    disruptive: false,
    fields: [],
  },
  {
    name: 'disconnect',
    label: 'Disconnect',
    description: 'Tells the cabinet its agent is gone: it buffers events until the next identify (D).',
    disruptive: true,
    fields: [],
  },
];

/**
 * What the M.A.S.H. gateway carries out: a relay by room and actuator, and its automation switch.
 * The choices are its relay map; anything else it drops without a word.
 */
export const GATEWAY_COMMANDS: readonly CommandDef[] = [
  {
    name: 'set_actuator',
    label: 'Switch actuator',
    description:
      'Turns a relay on or off. The gateway holds it for 5 minutes against its automation and reports the new state.',
    disruptive: true,
    fields: [
      { key: 'room', label: 'Room', kind: 'enum', options: GATEWAY_ROOMS, default: 'fruiting' },
      { key: 'actuator', label: 'Actuator', kind: 'enum', options: GATEWAY_ACTUATORS, default: 'mist_maker' },
      { key: 'state', label: 'State', kind: 'enum', options: ['on', 'off'], default: 'on' },
    ],
  },
  {
    name: 'set_auto_mode',
    label: 'Automation',
    description:
      'Switches the gateway’s own climate automation on or off. It reports nothing back over MQTT, so the command ends timed out.',
    disruptive: true,
    fields: [{ key: 'enabled', label: 'Automation on', kind: 'bool', default: true }],
  },
];

/**
 * Validates a command and its arguments against a target's catalogue (the family registry's
 * `checkCommand` finds the catalogue). Cabinet arguments are checked by the ingest module's own
 * schemas too, so both agree on what goes out.
 */
export function checkCommandIn(
  /** The list's name: a command target (`timer`, `cabinet`…) or a driver's id. */
  kind: string,
  commands: readonly CommandDef[],
  name: string,
  args: unknown,
): ArgsCheck {
  const def = commands.find((c) => c.name === name);
  if (!def) {
    const known = commands.map((c) => c.name).join(', ');
    return {
      ok: false,
      reason: `unknown command "${String(name).slice(0, 40)}" for a ${kind} (known: ${known})`,
    };
  }
  const key = `${kind}/${name}`;
  let schema = schemaCache.get(key);
  if (!schema) schemaCache.set(key, (schema = argsSchema(def.fields)));
  const given = args === undefined || args === null ? {} : args;
  if (typeof given !== 'object' || Array.isArray(given))
    return { ok: false, reason: 'args must be an object' };
  const r = schema.safeParse(given);
  if (!r.success) return { ok: false, reason: `invalid ${name} args: ${firstIssue(r.error, 'args')}` };
  return { ok: true, args: r.data };
}

export type ArgsCheck = { ok: true; args: Record<string, unknown> } | { ok: false; reason: string };

const schemaCache = new Map<string, z.ZodType<Record<string, unknown>>>();
